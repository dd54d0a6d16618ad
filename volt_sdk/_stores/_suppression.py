"""Who opted out: a suppression list in memory, in SQLite or in Redis.

The receiving kit writes it (an inbound STOP opts the sender out, START opts
them back in); ``send_message`` and ``send_many`` read it before any request.
Each number has one entry, its latest change: a change older than the one
recorded is ignored, so a STOP and a START delivered out of order (webhook
retries) end in the state of the later one. The guide: ``docs/suppression.md``.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol, runtime_checkable

from volt_sdk import _concurrency

if TYPE_CHECKING:
    import redis

#: Seconds a store built by ``from_url`` waits for Redis to connect or to answer.
REDIS_TIMEOUT: Final = 2.0

__all__ = [
    "MemorySuppressionList",
    "RedisSuppressionList",
    "SQLiteSuppressionList",
    "SuppressionEntry",
    "SuppressionList",
]


@dataclass(frozen=True, slots=True)
class SuppressionEntry:
    """The latest opt-out or opt-in recorded for one number."""

    number: str
    """The recipient's number (E.164, as the client checks it)."""
    opted_out: bool
    """True after an opt-out (suppressed), False after an opt-in."""
    at: float
    """When it happened (UNIX seconds): the event's time, else when it was recorded."""
    keyword: str
    """What did it: ``STOP``, ``START``, ..., or a word of the caller's (``manual``)."""
    sender: str | None
    """The organization's number the keyword was sent to, when known."""


@runtime_checkable
class SuppressionList(Protocol):
    """Where opt-outs are kept: give one to the receiving kit and to the client.

    :class:`MemorySuppressionList` (one process), :class:`SQLiteSuppressionList`
    (the processes of one machine), :class:`RedisSuppressionList` (a fleet); any
    object with these two methods will do. Both are blocking calls: the async
    client runs a store other than the memory one in a worker thread.
    """

    def record(
        self, number: str, *, opted_out: bool, at: float, keyword: str, sender: str | None = None
    ) -> bool:
        """Record a change; False (nothing changed) when a later one is already recorded."""
        ...

    def lookup(self, number: str) -> SuppressionEntry | None:
        """The latest change recorded for ``number``, or None."""
        ...


class _Helpers:
    """The conveniences every list built here has, on top of the protocol."""

    def record(
        self, number: str, *, opted_out: bool, at: float, keyword: str, sender: str | None = None
    ) -> bool:
        raise NotImplementedError

    def lookup(self, number: str) -> SuppressionEntry | None:
        raise NotImplementedError

    def is_suppressed(self, number: str) -> bool:
        """Whether ``number`` opted out (and not back in)."""
        entry = self.lookup(number)
        return entry is not None and entry.opted_out

    def opt_out(self, number: str, *, keyword: str = "manual", at: float | None = None) -> bool:
        """Suppress ``number`` now (or as of ``at``): an opt-out imported from elsewhere."""
        when = _concurrency.wall_clock() if at is None else at
        return self.record(number, opted_out=True, at=when, keyword=keyword)

    def opt_in(self, number: str, *, keyword: str = "manual", at: float | None = None) -> bool:
        """Lift the suppression of ``number`` now (or as of ``at``)."""
        when = _concurrency.wall_clock() if at is None else at
        return self.record(number, opted_out=False, at=when, keyword=keyword)


class MemorySuppressionList(_Helpers):
    """A :class:`SuppressionList` in this process's memory (tests, one-process services).

    Thread-safe; forgotten when the process exits and not shared between the
    workers of a server: use :class:`SQLiteSuppressionList` or
    :class:`RedisSuppressionList` there.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, SuppressionEntry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def record(
        self, number: str, *, opted_out: bool, at: float, keyword: str, sender: str | None = None
    ) -> bool:
        """See :meth:`SuppressionList.record`."""
        with self._lock:
            old = self._entries.get(number)
            if old is not None and old.at > at:
                return False
            self._entries[number] = SuppressionEntry(number, opted_out, at, keyword, sender)
            return True

    def lookup(self, number: str) -> SuppressionEntry | None:
        """See :meth:`SuppressionList.lookup`."""
        return self._entries.get(number)


_CREATE: Final = (
    "CREATE TABLE IF NOT EXISTS volt_suppression ("
    " number TEXT PRIMARY KEY, opted_out INTEGER NOT NULL, at REAL NOT NULL,"
    " keyword TEXT NOT NULL, sender TEXT)"
)
# One statement: insert, or replace an older entry; atomic between processes.
_UPSERT: Final = (
    "INSERT INTO volt_suppression VALUES (?, ?, ?, ?, ?) ON CONFLICT(number) DO UPDATE SET"
    " opted_out = excluded.opted_out, at = excluded.at, keyword = excluded.keyword,"
    " sender = excluded.sender WHERE excluded.at >= volt_suppression.at"
)


class SQLiteSuppressionList(_Helpers):
    """A :class:`SuppressionList` in an SQLite file, shared by the processes of one machine.

    ``volt send-bulk --suppression PATH`` reads the same file.

    Args:
        path: the database file (created with its table if missing). Not on a
            network file system: SQLite's locking is not reliable there.
        timeout: seconds a write waits for another writer's lock.
    """

    def __init__(self, path: str | Path, *, timeout: float = 5.0) -> None:
        self.path = Path(path)
        """The database file."""
        self._timeout = timeout
        connection = self._connect()
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(_CREATE)
        finally:
            connection.close()

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None)

    def record(
        self, number: str, *, opted_out: bool, at: float, keyword: str, sender: str | None = None
    ) -> bool:
        """See :meth:`SuppressionList.record`."""
        connection = self._connect()
        try:
            cursor = connection.execute(_UPSERT, (number, int(opted_out), at, keyword, sender))
            return cursor.rowcount > 0
        finally:
            connection.close()

    def lookup(self, number: str) -> SuppressionEntry | None:
        """See :meth:`SuppressionList.lookup`."""
        connection = self._connect()
        try:
            row = connection.execute(
                "SELECT number, opted_out, at, keyword, sender FROM volt_suppression"
                " WHERE number = ?",
                (number,),
            ).fetchone()
        finally:
            connection.close()
        if row is None:
            return None
        return SuppressionEntry(row[0], bool(row[1]), float(row[2]), row[3], row[4])


# KEYS[1] the number's hash; ARGV: opted_out, at, keyword, sender ("" for none).
_RECORD: Final = """
local at = redis.call('HGET', KEYS[1], 'at')
if at and tonumber(at) > tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'opted_out', ARGV[1], 'at', ARGV[2], 'keyword', ARGV[3],
           'sender', ARGV[4])
return 1
"""


class RedisSuppressionList(_Helpers):
    """A :class:`SuppressionList` in Redis, shared by a fleet of receivers and senders.

    ::

        import redis

        from volt_sdk.stores import RedisSuppressionList

        suppression = RedisSuppressionList(redis.Redis.from_url("redis://localhost:6379/0"))

    Args:
        client: a ``redis.Redis`` client (the ``redis`` extra:
            ``pip install "volt-sdk[redis]"``); it is not closed. Give it a
            ``socket_timeout``: a call waits on Redis as long as the client lets it
            (:meth:`from_url` sets one).
        prefix: the prefix of the keys, one hash per number. Entries never expire:
            an opt-out stands until the recipient opts back in.

    A change is one Lua script (compare the times, then write), atomic in Redis.
    """

    def __init__(self, client: redis.Redis, *, prefix: str = "volt:suppression:") -> None:
        self._client = client
        self._prefix = prefix
        self._record = client.register_script(_RECORD)

    @classmethod
    def from_url(
        cls, url: str, *, prefix: str = "volt:suppression:", timeout: float = REDIS_TIMEOUT
    ) -> RedisSuppressionList:
        """A list on a new client of ``url`` (``redis://host:port/db``).

        ``timeout``: seconds to connect and to wait for an answer; a Redis that hangs
        is then a :class:`~volt_sdk.StoreUnavailableError`, not a send that hangs.
        """
        return cls(redis_client(url, "RedisSuppressionList", timeout), prefix=prefix)

    def record(
        self, number: str, *, opted_out: bool, at: float, keyword: str, sender: str | None = None
    ) -> bool:
        """See :meth:`SuppressionList.record`."""
        changed = self._record(
            keys=[self._prefix + number], args=[int(opted_out), repr(at), keyword, sender or ""]
        )
        return bool(changed)

    def lookup(self, number: str) -> SuppressionEntry | None:
        """See :meth:`SuppressionList.lookup`."""
        fields: dict[Any, Any] = self._client.hgetall(self._prefix + number)
        if not fields:
            return None
        text = {text_of(k): text_of(v) for k, v in fields.items()}
        return SuppressionEntry(
            number,
            text.get("opted_out") == "1",
            float(text.get("at") or 0.0),
            text.get("keyword", ""),
            text.get("sender") or None,
        )


def text_of(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def redis_client(url: str, owner: str, timeout: float) -> Any:
    """A ``redis.Redis`` of ``url`` whose every call gives up after ``timeout`` seconds."""
    try:
        import redis
    except ImportError as exc:
        raise ModuleNotFoundError(
            f'{owner} needs the redis extra: pip install "volt-sdk[redis]"', name="redis"
        ) from exc
    return redis.Redis.from_url(  # pyright: ignore[reportUnknownMemberType]
        url, socket_timeout=timeout, socket_connect_timeout=timeout
    )
