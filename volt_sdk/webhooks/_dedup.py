"""Opt-in deduplication of webhook events on their id: in memory, in SQLite, in Redis.

Volt (like any webhook sender) may deliver one event more than once: a retry after
a timeout whose first attempt was in fact handled, or a replayed request (the known
scheme signs no timestamp). A store remembers which event ids were handled.

The receiver uses a store in three steps, with a token of its own per request:

1. ``claim(id, token, lease)``: "claimed" (this request handles it), "in_flight"
   (another request holds a claim that has not expired) or "done" (handled).
2. on success, ``confirm(id, token, ttl)``: the id is "done" for ``ttl`` seconds;
3. on failure, ``release(id, token)``: the claim is dropped (only if it is still
   this token's), so that Volt's next attempt handles the event.

A claim expires after ``lease`` seconds: a process that died while handling does
not block the event forever.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeAlias

from volt_sdk import _concurrency
from volt_sdk._stores._suppression import REDIS_TIMEOUT, redis_client

if TYPE_CHECKING:
    import redis

__all__ = ["ClaimResult", "DedupStore", "MemoryDedup", "RedisDedup", "SQLiteDedup"]

ClaimResult: TypeAlias = Literal["claimed", "in_flight", "done"]
"""What :meth:`DedupStore.claim` found: the id is now ours, someone else's for now, or handled."""


class DedupStore(Protocol):
    """Where a :class:`WebhookReceiver` remembers the ids of the events it handled.

    :class:`MemoryDedup` (one process), :class:`SQLiteDedup` (the processes of one
    machine), :class:`RedisDedup` (a fleet); any object with these three methods
    will do. Each must be atomic: two concurrent claims of one id never both
    get "claimed".
    """

    def claim(self, event_id: str, token: str, lease: float) -> ClaimResult:
        """Claim ``event_id`` for ``lease`` seconds under ``token``, unless claimed or done."""
        ...

    def confirm(self, event_id: str, token: str, ttl: float) -> None:
        """Mark ``event_id`` handled, for ``ttl`` seconds."""
        ...

    def release(self, event_id: str, token: str) -> None:
        """Drop the claim on ``event_id`` if ``token`` still holds it."""
        ...


class MemoryDedup:
    """A :class:`DedupStore` in this process's memory: bounded, least recently used out first.

    Args:
        max_entries: ids kept at most; beyond, the least recently seen is forgotten
            (a very late duplicate of it would be handled again).

    Thread-safe. Forgotten when the process exits, and not shared between the
    workers of a server: use :class:`SQLiteDedup` or :class:`RedisDedup` there.
    """

    def __init__(self, max_entries: int = 100_000) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries: expected at least 1, got {max_entries!r}")
        self._max = max_entries
        self._lock = threading.Lock()
        # id -> (done, token, expires on the monotonic clock)
        self._entries: OrderedDict[str, tuple[bool, str, float]] = OrderedDict()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def claim(self, event_id: str, token: str, lease: float) -> ClaimResult:
        """See :meth:`DedupStore.claim`."""
        now = _concurrency.monotonic()
        with self._lock:
            entry = self._entries.get(event_id)
            if entry is not None and entry[2] > now:
                self._entries.move_to_end(event_id)
                return "done" if entry[0] else "in_flight"
            self._put(event_id, (False, token, now + lease))
            return "claimed"

    def confirm(self, event_id: str, token: str, ttl: float) -> None:
        """See :meth:`DedupStore.confirm`."""
        with self._lock:
            self._put(event_id, (True, token, _concurrency.monotonic() + ttl))

    def release(self, event_id: str, token: str) -> None:
        """See :meth:`DedupStore.release`."""
        with self._lock:
            entry = self._entries.get(event_id)
            if entry is not None and not entry[0] and entry[1] == token:
                del self._entries[event_id]

    def _put(self, event_id: str, entry: tuple[bool, str, float]) -> None:
        self._entries[event_id] = entry
        self._entries.move_to_end(event_id)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)


class SQLiteDedup:
    """A :class:`DedupStore` in an SQLite file, shared by the threads and processes of a machine.

    Args:
        path: the database file (created with its table if missing). Not on a
            network file system: SQLite's locking is not reliable there.
        timeout: seconds a claim waits for another writer's lock.

    Each call opens its own connection and claims in an ``IMMEDIATE``
    transaction, so that two processes claiming one id are serialized. Expired
    rows are deleted as new ids are confirmed. Times are wall-clock seconds
    (processes share them).
    """

    def __init__(self, path: str | Path, *, timeout: float = 5.0) -> None:
        self.path = Path(path)
        """The database file."""
        self._timeout = timeout
        with self._connect() as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS volt_webhook_events ("
                " event_id TEXT PRIMARY KEY, token TEXT NOT NULL,"
                " done INTEGER NOT NULL, expires REAL NOT NULL)"
            )

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: the transactions are the explicit BEGIN IMMEDIATE below.
        return sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None)

    def _write(self, sql: str, *parameters: object) -> Any:
        connection = self._connect()
        try:
            connection.execute("BEGIN IMMEDIATE")
            try:
                rows = connection.execute(sql, parameters).fetchall()
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            return rows
        finally:
            connection.close()

    def claim(self, event_id: str, token: str, lease: float) -> ClaimResult:
        """See :meth:`DedupStore.claim`."""
        now = _concurrency.wall_clock()
        connection = self._connect()
        try:
            connection.execute("BEGIN IMMEDIATE")
            try:
                row = connection.execute(
                    "SELECT done, expires FROM volt_webhook_events WHERE event_id = ?",
                    (event_id,),
                ).fetchone()
                if row is not None and row[1] > now:
                    result: ClaimResult = "done" if row[0] else "in_flight"
                else:
                    connection.execute(
                        "INSERT OR REPLACE INTO volt_webhook_events VALUES (?, ?, 0, ?)",
                        (event_id, token, now + lease),
                    )
                    result = "claimed"
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            return result
        finally:
            connection.close()

    def confirm(self, event_id: str, token: str, ttl: float) -> None:
        """See :meth:`DedupStore.confirm`."""
        now = _concurrency.wall_clock()
        self._write(
            "INSERT OR REPLACE INTO volt_webhook_events VALUES (?, ?, 1, ?)",
            event_id,
            token,
            now + ttl,
        )
        self._write("DELETE FROM volt_webhook_events WHERE expires <= ?", now)

    def release(self, event_id: str, token: str) -> None:
        """See :meth:`DedupStore.release`."""
        self._write(
            "DELETE FROM volt_webhook_events WHERE event_id = ? AND token = ? AND done = 0",
            event_id,
            token,
        )


# Drop the claim only if it is still ours: a lease that ran out may be someone else's now.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisDedup:
    """A :class:`DedupStore` in Redis, shared by a fleet of receivers.

    ::

        import redis

        dedup = RedisDedup(redis.Redis.from_url("redis://localhost:6379/0"))

    Args:
        client: a ``redis.Redis`` client (the ``redis`` extra:
            ``pip install "volt-sdk[redis]"``); it is not closed.
        prefix: the prefix of the keys, one per event id.

    A claim is ``SET key claim:<token> NX PX lease`` (atomic: one claimer wins),
    a confirmation ``SET key done PX ttl``, a release a script that deletes the key
    only while it holds this token. Keys expire by themselves.
    """

    def __init__(self, client: redis.Redis, *, prefix: str = "volt:webhook:") -> None:
        self._client = client
        self._prefix = prefix
        self._release = client.register_script(_RELEASE)

    @classmethod
    def from_url(
        cls, url: str, *, prefix: str = "volt:webhook:", timeout: float = REDIS_TIMEOUT
    ) -> RedisDedup:
        """A store on a new client of ``url`` (``redis://host:port/db``) whose calls give up
        after ``timeout`` seconds: a Redis that hangs answers 503, not a request that hangs."""
        return cls(redis_client(url, "RedisDedup", timeout), prefix=prefix)

    def claim(self, event_id: str, token: str, lease: float) -> ClaimResult:
        """See :meth:`DedupStore.claim`."""
        key = self._prefix + event_id
        for _ in range(3):  # a claim that expires between SET and GET: try again
            if self._client.set(key, f"claim:{token}", nx=True, px=_millis(lease)):
                return "claimed"
            value: object = self._client.get(key)
            if value is not None:
                return "done" if value in (b"done", "done") else "in_flight"
        return "in_flight"

    def confirm(self, event_id: str, token: str, ttl: float) -> None:
        """See :meth:`DedupStore.confirm`."""
        self._client.set(self._prefix + event_id, "done", px=_millis(ttl))

    def release(self, event_id: str, token: str) -> None:
        """See :meth:`DedupStore.release`."""
        self._release(keys=[self._prefix + event_id], args=[f"claim:{token}"])


def _millis(seconds: float) -> int:
    return max(1, int(seconds * 1000))
