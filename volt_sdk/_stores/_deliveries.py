"""The outbound messages webhook events told of: a delivery log in memory, SQLite or Redis.

The receiving kit writes one record per outbound message (``message.sent``,
``message.finalized``); ``reconcile_message`` and ``send_many`` read it to settle
a send whose outcome was unknown before they scan the conversation. Records
expire after ``ttl`` seconds (default 7 days): reconciliation looks back minutes,
not months. How the client matches: ``docs/reconciliation.md``.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol, runtime_checkable

from volt_sdk import _concurrency

from ._suppression import REDIS_TIMEOUT, redis_client, text_of

if TYPE_CHECKING:
    import redis

__all__ = [
    "DEFAULT_DELIVERY_TTL",
    "DeliveryLog",
    "DeliveryRecord",
    "MemoryDeliveryLog",
    "RedisDeliveryLog",
    "SQLiteDeliveryLog",
]

DEFAULT_DELIVERY_TTL: Final = 7 * 24 * 3600.0
"""Seconds a delivery record is kept: 7 days."""


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """One outbound message, as its webhook events described it."""

    id: str
    """The message's id (``Message.id``)."""
    to: str
    """The recipient's number."""
    from_: str
    """The sender's number."""
    body: str
    """The text."""
    media: tuple[str, ...]
    """The media URLs."""
    passthrough: str | None
    """The client reference the send carried, when the event echoed it [GUESS]."""
    at: float
    """When it was sent (UNIX seconds): the payload's time, else when it was recorded."""
    status: str | None
    """The latest status an event reported (``sent``, ``delivered``, ``failed``, ...)."""


def merged(old: DeliveryRecord | None, new: DeliveryRecord) -> DeliveryRecord:
    """Two events of one message as one record: the first time, the latest status."""
    if old is None:
        return new
    return replace(
        old,
        passthrough=old.passthrough or new.passthrough,
        at=min(old.at, new.at),
        status=new.status or old.status,
    )


@runtime_checkable
class DeliveryLog(Protocol):
    """Where the receiving kit records outbound messages, for reconciliation to read.

    :class:`MemoryDeliveryLog` (one process), :class:`SQLiteDeliveryLog` (the
    processes of one machine), :class:`RedisDeliveryLog` (a fleet); any object
    with these three methods will do. Blocking calls: the async client runs a
    log other than the memory one in a worker thread.
    """

    def record(self, record: DeliveryRecord) -> None:
        """Add ``record``, or merge it into the one with its id."""
        ...

    def by_passthrough(self, passthrough: str) -> DeliveryRecord | None:
        """The message sent with this client reference, or None."""
        ...

    def between(self, from_: str, to: str, since: float) -> list[DeliveryRecord]:
        """The messages from ``from_`` to ``to`` sent at ``since`` or later, oldest first."""
        ...


class MemoryDeliveryLog:
    """A :class:`DeliveryLog` in this process's memory: bounded, oldest out first.

    Args:
        max_entries: records kept at most.
        ttl: seconds a record is kept.

    Thread-safe; not shared between processes (use :class:`SQLiteDeliveryLog`
    or :class:`RedisDeliveryLog` when the receiver and the sender are two).
    """

    def __init__(self, max_entries: int = 100_000, *, ttl: float = DEFAULT_DELIVERY_TTL) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries: expected at least 1, got {max_entries!r}")
        self._max = max_entries
        self._ttl = ttl
        self._lock = threading.Lock()
        self._records: OrderedDict[str, DeliveryRecord] = OrderedDict()

    def __len__(self) -> int:
        return len(self._records)

    def record(self, record: DeliveryRecord) -> None:
        """See :meth:`DeliveryLog.record`."""
        with self._lock:
            self._records[record.id] = merged(self._records.get(record.id), record)
            while len(self._records) > self._max:
                self._records.popitem(last=False)

    def _live(self) -> list[DeliveryRecord]:
        oldest = _concurrency.wall_clock() - self._ttl
        with self._lock:
            return [r for r in self._records.values() if r.at >= oldest]

    def by_passthrough(self, passthrough: str) -> DeliveryRecord | None:
        """See :meth:`DeliveryLog.by_passthrough`."""
        return next((r for r in self._live() if r.passthrough == passthrough), None)

    def between(self, from_: str, to: str, since: float) -> list[DeliveryRecord]:
        """See :meth:`DeliveryLog.between`."""
        found = [r for r in self._live() if r.from_ == from_ and r.to == to and r.at >= since]
        return sorted(found, key=lambda r: r.at)


_COLUMNS: Final = "id, to_number, from_number, body, media, passthrough, at, status"
_CREATE: Final = (
    "CREATE TABLE IF NOT EXISTS volt_deliveries ("
    " id TEXT PRIMARY KEY, to_number TEXT NOT NULL, from_number TEXT NOT NULL,"
    " body TEXT NOT NULL, media TEXT NOT NULL, passthrough TEXT, at REAL NOT NULL,"
    " status TEXT)",
    "CREATE INDEX IF NOT EXISTS volt_deliveries_passthrough ON volt_deliveries (passthrough)",
    "CREATE INDEX IF NOT EXISTS volt_deliveries_pair ON volt_deliveries"
    " (from_number, to_number, at)",
)
_UPSERT: Final = (
    f"INSERT INTO volt_deliveries ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT(id) DO UPDATE SET"
    " passthrough = coalesce(volt_deliveries.passthrough, excluded.passthrough),"
    " at = min(volt_deliveries.at, excluded.at),"
    " status = coalesce(excluded.status, volt_deliveries.status)"
)


class SQLiteDeliveryLog:
    """A :class:`DeliveryLog` in an SQLite file, shared by the processes of one machine.

    Args:
        path: the database file (created with its table if missing). Not on a
            network file system: SQLite's locking is not reliable there.
        ttl: seconds a record is kept; older ones are deleted as new ones come.
        timeout: seconds a write waits for another writer's lock.
    """

    def __init__(
        self, path: str | Path, *, ttl: float = DEFAULT_DELIVERY_TTL, timeout: float = 5.0
    ) -> None:
        self.path = Path(path)
        """The database file."""
        self._ttl = ttl
        self._timeout = timeout
        self._writes = 0
        connection = self._connect()
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            for statement in _CREATE:
                connection.execute(statement)
        finally:
            connection.close()

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None)

    def record(self, record: DeliveryRecord) -> None:
        """See :meth:`DeliveryLog.record`."""
        row = (
            record.id, record.to, record.from_, record.body, json.dumps(list(record.media)),
            record.passthrough, record.at, record.status,
        )  # fmt: skip
        connection = self._connect()
        try:
            connection.execute(_UPSERT, row)
            self._writes += 1
            if self._writes % 100 == 1:  # now and then, not on every write
                oldest = _concurrency.wall_clock() - self._ttl
                connection.execute("DELETE FROM volt_deliveries WHERE at < ?", (oldest,))
        finally:
            connection.close()

    def _select(self, where: str, *parameters: object) -> list[DeliveryRecord]:
        oldest = _concurrency.wall_clock() - self._ttl
        connection = self._connect()
        try:
            rows = connection.execute(
                f"SELECT {_COLUMNS} FROM volt_deliveries WHERE {where} AND at >= ? ORDER BY at",
                (*parameters, oldest),
            ).fetchall()
        finally:
            connection.close()
        return [
            DeliveryRecord(r[0], r[1], r[2], r[3], tuple(json.loads(r[4])), r[5], r[6], r[7])
            for r in rows
        ]

    def by_passthrough(self, passthrough: str) -> DeliveryRecord | None:
        """See :meth:`DeliveryLog.by_passthrough`."""
        rows = self._select("passthrough = ?", passthrough)
        return rows[0] if rows else None

    def between(self, from_: str, to: str, since: float) -> list[DeliveryRecord]:
        """See :meth:`DeliveryLog.between`."""
        return self._select("from_number = ? AND to_number = ? AND at >= ?", from_, to, since)


# KEYS: the record's hash, its passthrough's key (unused without one), the pair's sorted set.
# ARGV: id, to, from, body, media (JSON), passthrough, at, status, ttl in ms, oldest kept.
_RECORD: Final = """
local old_at = redis.call('HGET', KEYS[1], 'at')
local at = ARGV[7]
if old_at then
  if tonumber(old_at) < tonumber(at) then at = old_at end
  redis.call('HSET', KEYS[1], 'at', at)
else
  redis.call('HSET', KEYS[1], 'id', ARGV[1], 'to', ARGV[2], 'from', ARGV[3], 'body', ARGV[4],
             'media', ARGV[5], 'at', at)
end
if ARGV[6] ~= '' and redis.call('HSETNX', KEYS[1], 'passthrough', ARGV[6]) == 1 then
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[9])
end
if ARGV[8] ~= '' then redis.call('HSET', KEYS[1], 'status', ARGV[8]) end
redis.call('PEXPIRE', KEYS[1], ARGV[9])
redis.call('ZADD', KEYS[3], at, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[10])
redis.call('PEXPIRE', KEYS[3], ARGV[9])
return 1
"""


class RedisDeliveryLog:
    """A :class:`DeliveryLog` in Redis, shared by a fleet of receivers and senders.

    Args:
        client: a ``redis.Redis`` client (the ``redis`` extra); it is not closed.
            Give it a ``socket_timeout`` (:meth:`from_url` sets one).
        prefix: the prefix of the keys: a hash per message, a key per client
            reference, a sorted set per (sender, recipient) pair.
        ttl: seconds a record is kept (keys expire by themselves).

    A record is written by one Lua script, atomic in Redis.
    """

    def __init__(
        self,
        client: redis.Redis,
        *,
        prefix: str = "volt:deliveries:",
        ttl: float = DEFAULT_DELIVERY_TTL,
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._ttl = ttl
        self._record = client.register_script(_RECORD)

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        prefix: str = "volt:deliveries:",
        ttl: float = DEFAULT_DELIVERY_TTL,
        timeout: float = REDIS_TIMEOUT,
    ) -> RedisDeliveryLog:
        """A log on a new client of ``url`` (``redis://host:port/db``), whose calls give up
        after ``timeout`` seconds."""
        return cls(redis_client(url, "RedisDeliveryLog", timeout), prefix=prefix, ttl=ttl)

    def _pair(self, from_: str, to: str) -> str:
        return f"{self._prefix}pair:{from_}|{to}"

    def record(self, record: DeliveryRecord) -> None:
        """See :meth:`DeliveryLog.record`."""
        self._record(
            keys=[
                f"{self._prefix}msg:{record.id}",
                f"{self._prefix}ref:{record.passthrough or ''}",
                self._pair(record.from_, record.to),
            ],
            args=[
                record.id, record.to, record.from_, record.body, json.dumps(list(record.media)),
                record.passthrough or "", repr(record.at), record.status or "",
                max(1, int(self._ttl * 1000)), repr(_concurrency.wall_clock() - self._ttl),
            ],
        )  # fmt: skip

    def _load(self, ids: list[Any]) -> list[DeliveryRecord]:
        pipe: Any = self._client.pipeline(transaction=False)  # pyright: ignore[reportUnknownMemberType]
        for each in ids:
            pipe.hgetall(f"{self._prefix}msg:{text_of(each)}")
        records: list[DeliveryRecord] = []
        for fields in pipe.execute():
            if not fields:
                continue  # expired between the two reads
            text = {text_of(k): text_of(v) for k, v in fields.items()}
            media = tuple(json.loads(text["media"]))
            record = DeliveryRecord(
                text["id"], text["to"], text["from"], text["body"], media,
                text.get("passthrough"), float(text["at"]), text.get("status"),
            )  # fmt: skip
            records.append(record)
        return sorted(records, key=lambda r: r.at)

    def by_passthrough(self, passthrough: str) -> DeliveryRecord | None:
        """See :meth:`DeliveryLog.by_passthrough`."""
        found: Any = self._client.get(f"{self._prefix}ref:{passthrough}")
        if found is None:
            return None
        records = self._load([found])
        return records[0] if records else None

    def between(self, from_: str, to: str, since: float) -> list[DeliveryRecord]:
        """See :meth:`DeliveryLog.between`."""
        ids: Any = self._client.zrangebyscore(  # pyright: ignore[reportUnknownMemberType]
            self._pair(from_, to), since, "+inf"
        )
        return self._load(list(ids))
