"""What earlier runs recorded, and the bookkeeping of this one: in memory, or a SQLite journal.

The run talks to one :class:`Ledger`; it never asks which kind. The journal's
table and guarantees: ``docs/bulk.md``.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol

from volt_sdk import _concurrency
from volt_sdk._errors import ValidationError
from volt_sdk._wire import client_reference

__all__ = [
    "SCHEMA_VERSION",
    "Journal",
    "JournalState",
    "Ledger",
    "MemoryLedger",
    "Row",
    "fingerprint_of",
    "journaled_rows",
    "open_ledger",
]

JournalState = Literal["pending", "sending", "sent", "failed", "unknown"]

SCHEMA_VERSION: Final = 1


def fingerprint_of(to: str, from_: str, body: str, media: Sequence[str]) -> str:
    """The journal's hash of what is sent (normalized numbers, body, media)."""
    payload = json.dumps([to, from_, body, list(media)], ensure_ascii=False)
    return hashlib.blake2b(payload.encode(), digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class Row:
    """A journal row as an earlier run left it."""

    index: int
    hash: str
    state: JournalState
    message_id: str | None
    passthrough: str | None
    started_at: float | None
    attempts: int
    reason: str | None
    reconciled: bool
    updated_at: float


class Ledger(Protocol):
    """Every question the run asks of its bookkeeping, and every change it records."""

    @property
    def prior_rows(self) -> int:
        """How many keys earlier runs recorded: the run holds its sends until it has seen them."""
        ...

    def admit(self, key: str, index: int, fingerprint: str) -> Row | None | Literal[False]:
        """Register ``key`` for this run: False for a duplicate, else the earlier run's row."""
        ...

    def admit_invalid(self, key: str) -> bool:
        """Register the key of an item refused before sending; False for a duplicate."""
        ...

    def claim(self, key: str, passthrough: str, started_at: float, attempts: int) -> None:
        """The item's request is about to leave."""
        ...

    def record(
        self,
        key: str,
        fingerprint: str,
        state: JournalState,
        *,
        message_id: str | None = None,
        reason: str | None = None,
        attempts: int,
        reconciled: bool = False,
    ) -> None:
        """The item's new state (final, or ``pending``/``unknown``)."""
        ...

    def attributed_ids(self, fingerprint: str) -> frozenset[str]:
        """Ids of messages already attributed to items with this content."""
        ...

    def commit(self) -> None:
        """Make every change so far durable."""
        ...

    def close(self) -> None:
        """Release the ledger (the journal's file and lock)."""
        ...


class MemoryLedger:
    """No journal: the run's bookkeeping in memory (keys seen, ids attributed).

    Nothing outlives the run, so there are no earlier rows, a request about to
    leave needs no record, and there is nothing to make durable.
    """

    prior_rows = 0

    def __init__(self) -> None:
        self._keys: set[str] = set()
        # Keyed by 64 bits of the fingerprint, a str until a second id shares it:
        # a few dozen bytes per sent item instead of a set per content.
        self._ids: dict[int, str | tuple[str, ...]] = {}

    def admit(self, key: str, index: int, fingerprint: str) -> Row | None | Literal[False]:
        return None if self._first_sighting(key) else False

    def admit_invalid(self, key: str) -> bool:
        return self._first_sighting(key)

    def _first_sighting(self, key: str) -> bool:
        if key in self._keys:
            return False
        self._keys.add(key)
        return True

    def claim(self, key: str, passthrough: str, started_at: float, attempts: int) -> None:
        pass

    def record(
        self,
        key: str,
        fingerprint: str,
        state: JournalState,
        *,
        message_id: str | None = None,
        reason: str | None = None,
        attempts: int,
        reconciled: bool = False,
    ) -> None:
        if message_id is not None:
            slot = int(fingerprint[:16], 16)
            known = self._ids.get(slot)
            if known is None:
                self._ids[slot] = message_id
            else:
                self._ids[slot] = (*((known,) if isinstance(known, str) else known), message_id)

    def attributed_ids(self, fingerprint: str) -> frozenset[str]:
        known = self._ids.get(int(fingerprint[:16], 16))
        if known is None:
            return frozenset()
        return frozenset((known,) if isinstance(known, str) else known)

    def commit(self) -> None:
        pass

    def close(self) -> None:
        self._keys.clear()
        self._ids.clear()


_SCHEMA: Final = (
    """CREATE TABLE IF NOT EXISTS bulk_items (
    key TEXT PRIMARY KEY,
    idx INTEGER NOT NULL,
    hash TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'unknown')),
    message_id TEXT,
    passthrough TEXT,
    started_at REAL,
    attempts INTEGER NOT NULL DEFAULT 0,
    reason TEXT,
    reconciled INTEGER NOT NULL DEFAULT 0,
    updated_at REAL NOT NULL,
    run TEXT NOT NULL
)""",
    "CREATE INDEX IF NOT EXISTS bulk_items_hash ON bulk_items (hash)",
)

_ROW_COLUMNS: Final = (
    "idx, hash, state, message_id, passthrough, started_at, attempts, reason, reconciled,"
    " updated_at, run"
)


class Journal:
    """The SQLite journal: the bookkeeping on disk, and what earlier runs left there."""

    def __init__(self, path: str) -> None:
        self._run_id = client_reference()  # unique across processes
        self._invalid_keys: set[str] = set()
        self._in_transaction = False
        try:
            db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=1.0)
        except sqlite3.Error as exc:
            raise _journal_error(path, f"cannot open it ({exc})", "unusable") from exc
        self._db = db
        try:
            # Exclusive: one run per journal; the OS drops the lock when the process dies.
            db.execute("PRAGMA locking_mode=EXCLUSIVE")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("BEGIN IMMEDIATE")
            version: int = db.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                for statement in _SCHEMA:
                    db.execute(statement)
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            db.execute("COMMIT")
            if version not in (0, SCHEMA_VERSION):
                raise _journal_error(
                    path,
                    f"schema version {version}, this volt-sdk knows {SCHEMA_VERSION}",
                    "version",
                )
            self.prior_rows: int = db.execute("SELECT COUNT(*) FROM bulk_items").fetchone()[0]
        except sqlite3.OperationalError as exc:
            db.close()
            if "locked" in str(exc):
                raise _journal_error(
                    path, "in use by another run (or another program has it open)", "in_use"
                ) from exc
            raise _journal_error(path, f"not a usable journal ({exc})", "unusable") from exc
        except sqlite3.DatabaseError as exc:
            db.close()
            raise _journal_error(path, f"not a SQLite journal ({exc})", "unusable") from exc
        except BaseException:
            db.close()
            raise

    def _begin(self) -> None:
        # Changes gather in one transaction that the run commits once per dispatch
        # round, before that round's requests leave: one WAL write per round.
        if not self._in_transaction:
            self._db.execute("BEGIN")
            self._in_transaction = True

    def _write(self, sql: str, parameters: tuple[object, ...]) -> None:
        self._begin()
        self._db.execute(sql, parameters)

    def admit(self, key: str, index: int, fingerprint: str) -> Row | None | Literal[False]:
        if key in self._invalid_keys:
            return False
        self._begin()
        inserted = self._db.execute(
            "INSERT INTO bulk_items (key, idx, hash, state, updated_at, run)"
            " VALUES (?, ?, ?, 'pending', ?, ?) ON CONFLICT (key) DO NOTHING",
            (key, index, fingerprint, _concurrency.wall_clock(), self._run_id),
        )
        if inserted.rowcount == 1:
            return None  # a new key: the common case costs one statement
        found = self._db.execute(
            f"SELECT {_ROW_COLUMNS} FROM bulk_items WHERE key = ?", (key,)
        ).fetchone()
        if found[-1] == self._run_id:
            return False
        row = _row(found)
        if row.hash != fingerprint:
            raise ValidationError(
                f"messages[{index}]: key {key!r} was journaled with another to/from_/body/media "
                "(the input changed since the journal was written); nothing was sent for it. "
                "Restore the item, give it a new key, or use a new journal",
                argument=f"messages[{index}]",
                value=key,
                reason="journal_mismatch",
            )
        self._write("UPDATE bulk_items SET run = ? WHERE key = ?", (self._run_id, key))
        return row

    def admit_invalid(self, key: str) -> bool:
        # Kept in memory only: an invalid item is never sent, and the next run
        # refuses it again.
        if key in self._invalid_keys:
            return False
        found = self._db.execute("SELECT run FROM bulk_items WHERE key = ?", (key,)).fetchone()
        if found is not None and found[0] == self._run_id:
            return False
        self._invalid_keys.add(key)
        return True

    def claim(self, key: str, passthrough: str, started_at: float, attempts: int) -> None:
        self._write(
            "UPDATE bulk_items SET state = 'sending', passthrough = ?, started_at = ?,"
            " attempts = ?, updated_at = ? WHERE key = ?",
            (passthrough, started_at, attempts, _concurrency.wall_clock(), key),
        )

    def record(
        self,
        key: str,
        fingerprint: str,
        state: JournalState,
        *,
        message_id: str | None = None,
        reason: str | None = None,
        attempts: int,
        reconciled: bool = False,
    ) -> None:
        self._write(
            "UPDATE bulk_items SET state = ?, message_id = ?, reason = ?, attempts = ?,"
            " reconciled = ?, updated_at = ? WHERE key = ?",
            (state, message_id, reason, attempts, int(reconciled), _concurrency.wall_clock(), key),
        )

    def attributed_ids(self, fingerprint: str) -> frozenset[str]:
        rows = self._db.execute(
            "SELECT message_id FROM bulk_items WHERE hash = ? AND message_id IS NOT NULL",
            (fingerprint,),
        ).fetchall()
        return frozenset(row[0] for row in rows)

    def commit(self) -> None:
        if self._in_transaction:
            self._db.execute("COMMIT")
            self._in_transaction = False

    def close(self) -> None:
        try:
            self.commit()
        finally:
            self._db.close()


def _row(found: Any) -> Row:
    """A row of ``bulk_items`` (``_ROW_COLUMNS``, as SQLite returns them)."""
    (idx, hash_, state, message_id, passthrough, started_at, attempts, reason, reconciled,
     updated_at, _run) = found  # fmt: skip
    return Row(
        index=idx,
        hash=hash_,
        state=state,
        message_id=message_id,
        passthrough=passthrough,
        started_at=started_at,
        attempts=attempts,
        reason=reason,
        reconciled=bool(reconciled),
        updated_at=updated_at,
    )


def journaled_rows(path: str, keys: Iterable[str]) -> dict[str, Row]:
    """What the closed journal at ``path`` holds for ``keys`` (those it has).

    For a caller that stopped an asynchronous run, which hands nothing out after
    the stop, and must still report the outcomes it journaled (``volt send-bulk``).
    """
    db = sqlite3.connect(path)
    try:
        found: dict[str, Row] = {}
        for key in keys:
            columns = db.execute(
                f"SELECT {_ROW_COLUMNS} FROM bulk_items WHERE key = ?", (key,)
            ).fetchone()
            if columns is not None:
                found[key] = _row(columns)
        return found
    finally:
        db.close()


def _journal_error(path: str, what: str, reason: str) -> ValidationError:
    return ValidationError(
        f"journal {path!r}: {what}", argument="journal", value=path, reason=reason
    )


def open_ledger(path: str | None) -> Ledger:
    """The journal at ``path``, or bookkeeping in memory when there is none."""
    return MemoryLedger() if path is None else Journal(path)
