"""Bulk sending that never sends twice: ``send_many`` and its crash-safe journal.

``AsyncVolt.send_many`` and ``Volt.send_many`` send a stream of
:class:`OutgoingMessage` with bounded concurrency and yield one
:class:`BulkResult` per input item, in completion order. Every rule that is not
I/O (validation, the journal, the state machine, every decision) lives in
:class:`_Run` here; the two drivers at the bottom only run its jobs, one with
asyncio tasks, the other with a bounded thread pool.

What is certain
---------------
- A message is never sent again once it is known to have gone out: a success,
  or a message found by reconciliation, is final and is journaled before it is
  yielded.
- A send that surely never reached Volt (no connection was made, HTTP 429, a
  refusal) is never counted as sent; the ones that may succeed later (no
  connection, 429) are re-queued with backoff, up to ``max_attempts``.
- With a journal, a row reaches ``sending`` (with the client reference the SDK
  will put in ``passthrough``) and is COMMITTED before its request leaves. A
  run killed at any point leaves every item it touched ``pending`` (never
  sent), ``sending``/``unknown`` (maybe sent), or final: the next run with the
  same journal never sends an item it knows went out, and reconciles the
  uncertain ones before deciding to send them again.
- A key is used at most once per input, and an input that changed since the
  journal was written is refused (:class:`ValidationError` naming the key)
  before that item is sent; when the input keeps its order, before anything is
  sent at all.

What is best effort
-------------------
A send that *may* have reached Volt (a read timeout, a dropped connection, a
5xx, a garbled answer: :class:`MessageOutcomeUnknownError`) is reconciled with
``reconcile_message`` after ``reconcile_after`` seconds: the conversation is
searched for a message with the same sender, recipient, body and media, sent
no earlier than the item's first attempt less the clock skew, and not already
attributed to another item of the journal (``exclude_ids``). Volt's ``Message``
has no ``passthrough`` field in the known schema, so the match is by content and
time, not by the client reference:

- "found" is reliable unless the same text went to the same number from the
  same sender shortly before, outside this journal (another tool, another
  journal): that message could be taken for this one, and this one not sent.
- "not found" right after an uncertain attempt is not proof: Volt may still be
  processing the request. Hence the delay; after it the item is sent again
  (a new attempt, a new client reference). If Volt shows a message only after
  longer than ``reconcile_after``, the recipient may get two.
- An item still uncertain when its attempts run out is reported ``unknown``
  with a reason, never ``sent`` or ``failed``; a later run with the journal
  reconciles it again.

Durability: the journal is SQLite in WAL mode with ``synchronous=NORMAL``: every
commit survives the process being killed (SIGKILL, a crash, an OOM kill), which
is what it is for. A power loss or an OS crash may lose the last commits; that
would need ``synchronous=FULL`` (an fsync per commit), which this module does
not offer. A journal is used by one run at a time (an exclusive lock, released
by the OS when the process dies).

The journal's table ``bulk_items`` has one row per key: ``key``, ``idx`` (the
item's position), ``hash`` (of the normalized to, from, body and media),
``state`` (``pending``/``sending``/``sent``/``failed``/``unknown``),
``message_id``, ``passthrough``, ``started_at`` (UNIX seconds, the item's first
attempt), ``attempts``, ``reason``, ``reconciled``, ``updated_at`` and ``run``
(the id of the last run that saw the key).

Memory: the input is pulled lazily, at most ``2 * concurrency`` items are
admitted and unfinished at a time, plus the items waiting to be reconciled;
results are never kept. Without a journal, the run also remembers each key and
each sent message's id (a few dozen bytes per item, to refuse duplicate keys
and to never attribute one message to two items); with a journal that
bookkeeping is on disk.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
import heapq
import itertools
import json
import os
import sqlite3
import time
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal, Protocol

from ._client import client_reference
from ._config import is_finite_number
from ._errors import (
    MessageOutcomeUnknownError,
    RateLimitError,
    TransportError,
    ValidationError,
    VoltError,
)
from ._message import validate_message
from ._models import Message
from ._retry import RetryPolicy, TokenBucket

if TYPE_CHECKING:
    from ._client import AsyncVolt, Volt

__all__ = ["BulkResult", "BulkStatus", "OutgoingMessage"]

# The waits before a send (the run's rate, a backoff): module names, so tests can stand in.
_sleep = time.sleep
_async_sleep = asyncio.sleep

BulkStatus = Literal["sent", "failed", "unknown"]
BulkStatus.__doc__ = 'The outcome of one item of ``send_many``: "sent", "failed" or "unknown".'

_JournalState = Literal["pending", "sending", "sent", "failed", "unknown"]

# Backoff between attempts of a send that surely never reached Volt.
_BACKOFF: Final = RetryPolicy(backoff_base=0.5, backoff_max=8.0, retry_after_max=30.0)
_SCHEMA_VERSION: Final = 1
_MAX_CONCURRENCY: Final = 1024


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One message for :meth:`AsyncVolt.send_many` / :meth:`Volt.send_many`.

    ``to``, ``from_``, ``body`` and ``media`` are those of ``send_message``.
    ``key`` is the recipient's identity in the journal (a customer id, a row
    id): it must be unique within the input and stable across runs. Default:
    ``"#<index>"``, the item's position in the input, which is only stable if
    the input keeps its order between runs.
    """

    to: str
    from_: str
    body: str = ""
    media: Sequence[str] | None = None
    key: str | None = None


@dataclass(frozen=True, slots=True)
class BulkResult:
    """The outcome of one item of ``send_many``.

    Attributes:
        index: the item's position in the input (0-based).
        key: its key (``OutgoingMessage.key``, else ``"#<index>"``).
        request: the item as given.
        status: ``"sent"``, ``"failed"`` (surely not sent) or ``"unknown"``
            (may or may not have been sent; see ``reason``).
        message_id: the message's id, when sent.
        message: the message, when sent (or found) in this run; None when only
            the journal knows it.
        error: the last error, when failed or unknown in this run.
        reason: one line saying why, when failed or unknown.
        attempts: send attempts made for it, over all runs.
        resumed: its outcome was recorded by an earlier run; nothing was sent now.
        reconciled: "sent" was established by finding the message in the
            conversation after an uncertain attempt.
    """

    index: int
    key: str
    request: OutgoingMessage
    status: BulkStatus
    message_id: str | None
    message: Message | None
    error: VoltError | None
    reason: str | None
    attempts: int
    resumed: bool
    reconciled: bool


class _PhoneRules(Protocol):
    """What the bulk layer needs of the client's argument checks (``_client._Rules``)."""

    def phone(self, number: str, argument: str) -> str: ...


@dataclass(frozen=True, slots=True)
class BulkOptions:
    """The checked options of one ``send_many`` call."""

    concurrency: int
    rate: float | None
    journal: str | None
    reconcile_after: float
    max_attempts: int


def check_options(
    *,
    concurrency: int,
    rate: float | None,
    journal: str | os.PathLike[str] | None,
    reconcile_after: float,
    max_attempts: int,
) -> BulkOptions:
    """The options, or a :class:`ValidationError` naming the bad one (before anything runs)."""
    if isinstance(concurrency, bool) or not isinstance(concurrency, int):
        raise _option_error("concurrency", concurrency, f"an int from 1 to {_MAX_CONCURRENCY}")
    if not 1 <= concurrency <= _MAX_CONCURRENCY:
        raise _option_error("concurrency", concurrency, f"an int from 1 to {_MAX_CONCURRENCY}")
    if rate is not None and not (is_finite_number(rate) and rate > 0):
        raise _option_error("rate", rate, "None or a positive number of messages per second")
    if not (is_finite_number(reconcile_after) and reconcile_after >= 0):
        raise _option_error("reconcile_after", reconcile_after, "a number of seconds >= 0")
    if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
        raise _option_error("max_attempts", max_attempts, "an int >= 1")
    path: str | None = None
    if journal is not None:
        if not isinstance(journal, (str, os.PathLike)):
            raise _option_error("journal", journal, "None or a file path")
        path = os.fspath(journal)
        if not path or path == ":memory:":
            raise _option_error("journal", journal, "a file path")
    return BulkOptions(
        concurrency=concurrency,
        rate=None if rate is None else float(rate),
        journal=path,
        reconcile_after=float(reconcile_after),
        max_attempts=max_attempts,
    )


def _option_error(argument: str, value: object, expected: str) -> ValidationError:
    return ValidationError(
        f"{argument}: expected {expected}, got {value!r}",
        argument=argument,
        value=value,
        reason="bad_option",
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _fingerprint(to: str, from_: str, body: str, media: Sequence[str]) -> str:
    """The journal's hash of what is sent (normalized numbers, body, media)."""
    payload = json.dumps([to, from_, body, list(media)], ensure_ascii=False)
    return hashlib.blake2b(payload.encode(), digest_size=16).hexdigest()


# -- the ledger: what earlier runs recorded, and the bookkeeping of this one -------------


@dataclass(frozen=True, slots=True)
class _Row:
    """A journal row as an earlier run left it."""

    index: int
    hash: str
    state: _JournalState
    message_id: str | None
    passthrough: str | None
    started_at: float | None
    attempts: int
    reason: str | None
    reconciled: bool
    updated_at: float


class _Ledger:
    """No journal: the run's bookkeeping in memory (keys seen, ids attributed)."""

    prior_rows = 0

    def __init__(self) -> None:
        self._keys: set[str] = set()
        self._ids: dict[int, str | tuple[str, ...]] = {}

    def admit(self, key: str, index: int, fingerprint: str) -> _Row | None | Literal[False]:
        """Register ``key`` for this run: False for a duplicate, else the earlier run's row."""
        if key in self._keys:
            return False
        self._keys.add(key)
        return None

    def claim(self, key: str, passthrough: str, started_at: float, attempts: int) -> None:
        """The item's request is about to leave."""

    def record(
        self,
        key: str,
        fingerprint: str,
        state: _JournalState,
        *,
        message_id: str | None = None,
        reason: str | None = None,
        attempts: int,
        reconciled: bool = False,
    ) -> None:
        """The item's new state (final, or ``pending``/``unknown``)."""
        if message_id is not None:
            slot = int(fingerprint[:16], 16)
            known = self._ids.get(slot)
            if known is None:
                self._ids[slot] = message_id
            else:
                self._ids[slot] = (*((known,) if isinstance(known, str) else known), message_id)

    def attributed_ids(self, fingerprint: str) -> frozenset[str]:
        """Ids of messages already attributed to items with this content."""
        known = self._ids.get(int(fingerprint[:16], 16))
        if known is None:
            return frozenset()
        return frozenset((known,) if isinstance(known, str) else known)

    def commit(self) -> None:
        """Make every change so far durable."""

    def close(self) -> None:
        """Release the journal."""


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


class _Journal(_Ledger):
    """The SQLite journal (see the module docstring for its table and guarantees)."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self._run = client_reference()  # unique across processes
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
                db.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")
            db.execute("COMMIT")
            if version not in (0, _SCHEMA_VERSION):
                raise _journal_error(
                    path,
                    f"schema version {version}, this volt-sdk knows {_SCHEMA_VERSION}",
                    "version",
                )
            (self.prior_rows,) = db.execute("SELECT COUNT(*) FROM bulk_items").fetchone()
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

    def _write(self, sql: str, parameters: tuple[object, ...]) -> None:
        if not self._in_transaction:
            self._db.execute("BEGIN")
            self._in_transaction = True
        self._db.execute(sql, parameters)

    def admit(self, key: str, index: int, fingerprint: str) -> _Row | None | Literal[False]:
        if key in self._invalid_keys:
            return False
        if not self._in_transaction:
            self._db.execute("BEGIN")
            self._in_transaction = True
        inserted = self._db.execute(
            "INSERT INTO bulk_items (key, idx, hash, state, updated_at, run)"
            " VALUES (?, ?, ?, 'pending', ?, ?) ON CONFLICT (key) DO NOTHING",
            (key, index, fingerprint, time.time(), self._run),
        )
        if inserted.rowcount == 1:
            return None  # a new key: the common case costs one statement
        found = self._db.execute(
            f"SELECT {_ROW_COLUMNS} FROM bulk_items WHERE key = ?", (key,)
        ).fetchone()
        (idx, hash_, state, message_id, passthrough, started_at, attempts, reason, reconciled,
         updated_at, run) = found  # fmt: skip
        if run == self._run:
            return False
        if hash_ != fingerprint:
            raise ValidationError(
                f"messages[{index}]: key {key!r} was journaled with another to/from_/body/media "
                "(the input changed since the journal was written); nothing was sent for it. "
                "Restore the item, give it a new key, or use a new journal",
                argument=f"messages[{index}]",
                value=key,
                reason="journal_mismatch",
            )
        self._write("UPDATE bulk_items SET run = ? WHERE key = ?", (self._run, key))
        return _Row(
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

    def admit_invalid(self, key: str) -> bool:
        """Register the key of an item refused before sending; False for a duplicate."""
        if key in self._invalid_keys:
            return False
        found = self._db.execute("SELECT run FROM bulk_items WHERE key = ?", (key,)).fetchone()
        if found is not None and found[0] == self._run:
            return False
        self._invalid_keys.add(key)
        return True

    def claim(self, key: str, passthrough: str, started_at: float, attempts: int) -> None:
        self._write(
            "UPDATE bulk_items SET state = 'sending', passthrough = ?, started_at = ?,"
            " attempts = ?, updated_at = ? WHERE key = ?",
            (passthrough, started_at, attempts, time.time(), key),
        )

    def record(
        self,
        key: str,
        fingerprint: str,
        state: _JournalState,
        *,
        message_id: str | None = None,
        reason: str | None = None,
        attempts: int,
        reconciled: bool = False,
    ) -> None:
        self._write(
            "UPDATE bulk_items SET state = ?, message_id = ?, reason = ?, attempts = ?,"
            " reconciled = ?, updated_at = ? WHERE key = ?",
            (state, message_id, reason, attempts, int(reconciled), time.time(), key),
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


def _journal_error(path: str, what: str, reason: str) -> ValidationError:
    return ValidationError(
        f"journal {path!r}: {what}", argument="journal", value=path, reason=reason
    )


def _open_ledger(path: str | None) -> _Ledger:
    return _Ledger() if path is None else _Journal(path)


# -- the run: one state machine for both clients ---------------------------------------


@dataclass(slots=True)
class _Item:
    """An admitted item on its way to a result."""

    index: int
    key: str
    request: OutgoingMessage
    to: str
    from_: str
    body: str
    media: list[str] | None
    fingerprint: str
    attempts: int = 0
    first_started_at: float | None = None
    passthrough: str | None = None
    error: VoltError | None = None
    backoff: float = 0.0
    reconcile_next: bool = False
    reconcile_failures: int = 0
    resumed_uncertain: bool = False


@dataclass(frozen=True, slots=True)
class _Job:
    """One request for a driver to run: a send (``passthrough`` set) or a reconciliation."""

    item: _Item
    delay: float = 0.0
    passthrough: str | None = None
    unknown: MessageOutcomeUnknownError | None = None
    exclude_ids: frozenset[str] = frozenset()


_Outcome = tuple[Message | None, VoltError | None]


class _Future(Protocol):
    """What both kinds of future (asyncio's, concurrent.futures') offer."""

    def done(self) -> bool: ...
    def cancelled(self) -> bool: ...
    def exception(self) -> BaseException | None: ...
    def result(self) -> _Outcome: ...


def _surely_not_sent(error: VoltError) -> bool:
    """Whether the send surely never reached Volt and may work on another try."""
    if isinstance(error, RateLimitError):
        return True
    return isinstance(error, TransportError) and not error.request_sent


class _Run:
    """The decisions of one ``send_many`` run; the drivers only do the I/O.

    An item is admitted (validated, checked against the journal), then goes
    through jobs: a *send* (its row ``sending`` and committed first), and after
    an uncertain one, a *reconciliation* once ``reconcile_after`` has passed.
    Per item::

        new/pending --send--> sent                         (final)
                        +---> failed (refused by Volt)     (final)
                        +---> pending (surely not sent) --backoff--> send again
                        +---> unknown --wait--> reconcile --found--> sent (reconciled)
                                                         +--not found--> send again
                                                         +--no attempts left--> unknown (final)
        sent/failed in the journal           --> resumed result, nothing sent
        sending/unknown in the journal       --> reconcile first

    Two jobs for items with the same content (sender, recipient, body, media)
    never run at once, so a reconciliation cannot take another item's message.
    """

    def __init__(self, ledger: _Ledger, rules: _PhoneRules, options: BulkOptions) -> None:
        self.ledger = ledger
        self.rules = rules
        self.options = options
        self.window = 2 * options.concurrency
        # burst 1: evenly spaced sends, on top of the client's own max_rate.
        self.bucket = TokenBucket(options.rate, burst=1.0) if options.rate else None
        self.ready: deque[_Item] = deque()
        self.parked: list[tuple[float, int, _Item]] = []  # (due, tie-break, item), a heap
        self.busy: set[str] = set()
        self.running = 0
        self.active = 0  # admitted, unfinished and not parked
        self.results: list[BulkResult] = []
        self.input_done = False
        self.matched = 0
        self.gate_open = ledger.prior_rows == 0
        self._tie = itertools.count()

    # -- admission ----------------------------------------------------------------------

    def wants_input(self) -> bool:
        return not self.input_done and self.active < self.window

    def end_of_input(self) -> None:
        self.input_done = True

    def add(self, index: int, request: OutgoingMessage) -> None:
        """Admit the input's item number ``index``: a result now, or a place in the queue."""
        if not isinstance(request, OutgoingMessage):
            raise ValidationError(
                f"messages[{index}]: expected an OutgoingMessage, got {type(request).__name__}",
                argument=f"messages[{index}]",
                value=request,
                reason="not_an_outgoing_message",
            )
        key = request.key
        if key is None:
            key = f"#{index}"
        elif not isinstance(key, str) or not key:
            self._finish_invalid(
                index,
                f"#{index}",
                request,
                ValidationError(
                    f"key: expected a non-empty str, got {key!r}",
                    argument="key",
                    value=key,
                    reason="bad_key",
                ),
            )
            return
        try:
            to = self.rules.phone(request.to, "to")
            from_ = self.rules.phone(request.from_, "from_")
            body, media = validate_message(body=request.body, media=request.media)
        except ValidationError as error:
            self._finish_invalid(index, key, request, error)
            return
        fingerprint = _fingerprint(to, from_, body, media or ())
        row = self.ledger.admit(key, index, fingerprint)
        if row is False:
            self._finish_duplicate(index, key, request)
            return
        item = _Item(index, key, request, to, from_, body, media, fingerprint)
        if row is None:
            self._queue(item)
            return
        self.matched += 1
        item.attempts = row.attempts
        if row.state in ("sent", "failed"):
            self.results.append(
                BulkResult(
                    index=index,
                    key=key,
                    request=request,
                    status="sent" if row.state == "sent" else "failed",
                    message_id=row.message_id,
                    message=None,
                    error=None,
                    reason=row.reason,
                    attempts=row.attempts,
                    resumed=True,
                    reconciled=row.reconciled,
                )
            )
        elif row.state == "pending":
            self._queue(item)
        else:  # sending (a run stopped mid-request) or unknown: reconcile first
            item.first_started_at = row.started_at if row.started_at is not None else time.time()
            item.passthrough = row.passthrough
            item.resumed_uncertain = True
            item.reconcile_next = True
            wait = max(0.0, row.updated_at + self.options.reconcile_after - time.time())
            self._park(item, time.monotonic() + wait)

    def _queue(self, item: _Item) -> None:
        self.active += 1
        self.ready.append(item)

    def _park(self, item: _Item, due: float) -> None:
        heapq.heappush(self.parked, (due, next(self._tie), item))

    def _finish_invalid(
        self, index: int, key: str, request: OutgoingMessage, error: ValidationError
    ) -> None:
        if isinstance(self.ledger, _Journal):
            if not self.ledger.admit_invalid(key):
                self._finish_duplicate(index, key, request)
                return
        elif self.ledger.admit(key, index, "") is False:
            self._finish_duplicate(index, key, request)
            return
        self.results.append(_failed(index, key, request, error, _one_line(error.message), 0))

    def _finish_duplicate(self, index: int, key: str, request: OutgoingMessage) -> None:
        error = ValidationError(
            f"key: duplicate key {key!r}: an earlier item of this input has it; not sent",
            argument="key",
            value=key,
            reason="duplicate_key",
        )
        self.results.append(_failed(index, key, request, error, error.message, 0))

    # -- dispatch -------------------------------------------------------------------------

    def next_due(self, now: float) -> float | None:
        """Seconds until the next parked item is due, None when none is parked."""
        if not self.parked:
            return None
        return max(0.0, self.parked[0][0] - now)

    def dispatch(self, now: float) -> list[_Job]:
        """The jobs to start now; their rows are ``sending`` and committed on return."""
        while self.parked and self.parked[0][0] <= now:
            self.active += 1
            self.ready.append(heapq.heappop(self.parked)[2])
        if not self.gate_open and (
            self.matched >= self.ledger.prior_rows or self.input_done or self.active >= self.window
        ):
            # Until every journaled key was seen, a changed input is refused before
            # anything is sent (when the window fills first, item by item instead).
            self.gate_open = True
        jobs: list[_Job] = []
        if self.gate_open:
            for _ in range(len(self.ready)):
                if self.running >= self.options.concurrency:
                    break
                item = self.ready.popleft()
                if item.fingerprint in self.busy:
                    self.ready.append(item)  # one job per content at a time
                    continue
                self.busy.add(item.fingerprint)
                self.running += 1
                jobs.append(
                    self._reconcile_job(item) if item.reconcile_next else self._send_job(item)
                )
        self.ledger.commit()
        return jobs

    def _send_job(self, item: _Item) -> _Job:
        item.attempts += 1
        started = time.time()
        if item.first_started_at is None:
            item.first_started_at = started
        item.passthrough = client_reference()
        self.ledger.claim(item.key, item.passthrough, item.first_started_at, item.attempts)
        delay = item.backoff
        item.backoff = 0.0
        if self.bucket is not None:
            delay = max(delay, self.bucket.reserve())
        return _Job(item, delay=delay, passthrough=item.passthrough)

    def _reconcile_job(self, item: _Item) -> _Job:
        cause = item.error
        if cause is None:
            cause = VoltError("an earlier run stopped before it recorded the outcome of this send")
        elif isinstance(cause, MessageOutcomeUnknownError):
            cause = cause.cause
        unknown = MessageOutcomeUnknownError(
            to=item.to,
            from_=item.from_,
            body=item.body,
            media=item.media or (),
            passthrough=item.passthrough,
            # The first attempt: any attempt of the item may be the one that went out.
            started_at=item.first_started_at if item.first_started_at is not None else time.time(),
            cause=cause,
        )
        return _Job(item, unknown=unknown, exclude_ids=self.ledger.attributed_ids(item.fingerprint))

    # -- outcomes -------------------------------------------------------------------------

    def complete(self, job: _Job, outcome: _Outcome) -> None:
        """Record what a job came back with: a result, or the item's next step."""
        message, error = outcome
        item = job.item
        self.running -= 1
        self.busy.discard(item.fingerprint)
        if job.unknown is None:
            self._sent_or_not(item, message, error)
        else:
            self._reconciled_or_not(item, message, error)

    def _sent_or_not(self, item: _Item, message: Message | None, error: VoltError | None) -> None:
        if error is None:
            assert message is not None
            self._finish_sent(item, message, reconciled=False)
            return
        item.error = error
        max_attempts = self.options.max_attempts
        if isinstance(error, MessageOutcomeUnknownError):
            self.ledger.record(
                item.key, item.fingerprint, "unknown",
                reason=_one_line(error.message), attempts=item.attempts,
            )  # fmt: skip
            item.reconcile_next = True
            self.active -= 1
            self._park(item, time.monotonic() + self.options.reconcile_after)
        elif _surely_not_sent(error) and item.attempts < max_attempts:
            reason = f"not sent (attempt {item.attempts}): {_one_line(error.message)}"
            self.ledger.record(
                item.key, item.fingerprint, "pending", reason=reason, attempts=item.attempts
            )
            item.backoff = _BACKOFF.delay(error, item.attempts - 1)
            self.ready.append(item)
        elif _surely_not_sent(error):
            self._finish_failed(
                item, f"not sent after {item.attempts} attempts: {_one_line(error.message)}"
            )
        else:
            self._finish_failed(item, f"refused: {_one_line(error.message)}")

    def _reconciled_or_not(
        self, item: _Item, message: Message | None, error: VoltError | None
    ) -> None:
        if message is not None:
            self._finish_sent(item, message, reconciled=True)
            return
        if error is not None:
            item.reconcile_failures += 1
            if item.reconcile_failures < self.options.max_attempts:
                # Could not search the conversation: try again later, still sending nothing.
                self.active -= 1
                wait = max(self.options.reconcile_after, _BACKOFF.delay(error, 0))
                self._park(item, time.monotonic() + wait)
                return
            reason = (
                f"outcome unknown after {item.attempts} attempt(s): the conversation could "
                f"not be searched ({_one_line(error.message)})"
            )
            self._finish_unknown(item, reason, error)
            return
        # Not found: the uncertain attempt did not go out, as far as Volt shows.
        item.reconcile_next = False
        if item.attempts < self.options.max_attempts:
            self.ready.append(item)
            return
        last = item.error.message if item.error is not None else "an earlier run stopped"
        reason = (
            f"outcome unknown after {item.attempts} attempt(s): not found in the "
            f"conversation, but it may still appear ({_one_line(last)})"
        )
        self._finish_unknown(item, reason, item.error)

    def _finish_sent(self, item: _Item, message: Message, *, reconciled: bool) -> None:
        self.ledger.record(
            item.key, item.fingerprint, "sent",
            message_id=message.id, attempts=item.attempts, reconciled=reconciled,
        )  # fmt: skip
        self.active -= 1
        self.results.append(
            BulkResult(
                index=item.index,
                key=item.key,
                request=item.request,
                status="sent",
                message_id=message.id,
                message=message,
                error=None,
                reason=None,
                attempts=item.attempts,
                resumed=False,
                reconciled=reconciled,
            )
        )

    def _finish_failed(self, item: _Item, reason: str) -> None:
        self.ledger.record(
            item.key, item.fingerprint, "failed", reason=reason, attempts=item.attempts
        )
        self.active -= 1
        self.results.append(
            _failed(item.index, item.key, item.request, item.error, reason, item.attempts)
        )

    def _finish_unknown(self, item: _Item, reason: str, error: VoltError | None) -> None:
        self.ledger.record(
            item.key, item.fingerprint, "unknown", reason=reason, attempts=item.attempts
        )
        self.active -= 1
        self.results.append(
            BulkResult(
                index=item.index,
                key=item.key,
                request=item.request,
                status="unknown",
                message_id=None,
                message=None,
                error=error,
                reason=reason,
                attempts=item.attempts,
                resumed=False,
                reconciled=False,
            )
        )

    def take_results(self) -> list[BulkResult]:
        results, self.results = self.results, []
        return results

    def finished(self) -> bool:
        return (
            self.input_done
            and self.active == 0
            and self.running == 0
            and not self.parked
            and not self.results
        )


def _failed(
    index: int,
    key: str,
    request: OutgoingMessage,
    error: VoltError | None,
    reason: str,
    attempts: int,
) -> BulkResult:
    return BulkResult(
        index=index,
        key=key,
        request=request,
        status="failed",
        message_id=None,
        message=None,
        error=error,
        reason=reason,
        attempts=attempts,
        resumed=False,
        reconciled=False,
    )


# -- the drivers: I/O only ----------------------------------------------------------------


async def _run_async_job(client: AsyncVolt, job: _Job) -> _Outcome:
    item = job.item
    try:
        if job.unknown is not None:
            return await client.reconcile_message(job.unknown, exclude_ids=job.exclude_ids), None
        if job.delay > 0:
            await _async_sleep(job.delay)
        message = await client.send_message(
            to=item.to, from_=item.from_, body=item.body, media=item.media,
            passthrough=job.passthrough,
        )  # fmt: skip
    except VoltError as error:
        return None, error
    return message, None


def _run_sync_job(client: Volt, job: _Job) -> _Outcome:
    item = job.item
    try:
        if job.unknown is not None:
            return client.reconcile_message(job.unknown, exclude_ids=job.exclude_ids), None
        if job.delay > 0:
            _sleep(job.delay)
        message = client.send_message(
            to=item.to, from_=item.from_, body=item.body, media=item.media,
            passthrough=job.passthrough,
        )  # fmt: skip
    except VoltError as error:
        return None, error
    return message, None


async def send_many_async(
    client: AsyncVolt,
    rules: _PhoneRules,
    messages: Iterable[OutgoingMessage] | AsyncIterable[OutgoingMessage],
    options: BulkOptions,
) -> AsyncIterator[BulkResult]:
    """The asynchronous driver of :class:`_Run` (see ``AsyncVolt.send_many``)."""
    ledger = _open_ledger(options.journal)
    run = _Run(ledger, rules, options)
    if isinstance(messages, AsyncIterable):
        async_source: AsyncIterator[OutgoingMessage] | None = aiter(messages)
        source: Iterator[OutgoingMessage] | None = None
    else:
        async_source, source = None, iter(messages)
    tasks: dict[asyncio.Future[_Outcome], _Job] = {}
    done: deque[asyncio.Future[_Outcome]] = deque()
    wake = asyncio.Event()

    def on_done(task: asyncio.Future[_Outcome]) -> None:
        done.append(task)
        wake.set()

    index = 0
    try:
        while True:
            while run.wants_input():
                try:
                    if async_source is not None:
                        request = await anext(async_source)
                    else:
                        assert source is not None
                        request = next(source)
                except (StopIteration, StopAsyncIteration):
                    run.end_of_input()
                    break
                run.add(index, request)
                index += 1
            for job in run.dispatch(time.monotonic()):
                future = asyncio.ensure_future(_run_async_job(client, job))
                tasks[future] = job
                future.add_done_callback(on_done)
            for result in run.take_results():
                yield result
            if run.finished():
                return
            if not done:
                wake.clear()
                timeout = run.next_due(time.monotonic())
                if timeout is None:
                    await wake.wait()
                else:
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(wake.wait(), timeout)
            while done:
                finished = done.popleft()
                run.complete(tasks.pop(finished), finished.result())
    finally:
        try:
            _record_finished(run, tasks.items())
            for task in tasks:
                task.cancel()  # left "sending": the next run reconciles them
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            ledger.close()


def send_many_sync(
    client: Volt,
    rules: _PhoneRules,
    messages: Iterable[OutgoingMessage],
    options: BulkOptions,
) -> Iterator[BulkResult]:
    """The blocking driver of :class:`_Run` (see ``Volt.send_many``)."""
    ledger = _open_ledger(options.journal)
    run = _Run(ledger, rules, options)
    source = iter(messages)
    pool = concurrent.futures.ThreadPoolExecutor(
        max_workers=options.concurrency, thread_name_prefix="volt-send-many"
    )
    futures: dict[concurrent.futures.Future[_Outcome], _Job] = {}
    index = 0
    try:
        while True:
            while run.wants_input():
                try:
                    request = next(source)
                except StopIteration:
                    run.end_of_input()
                    break
                run.add(index, request)
                index += 1
            for job in run.dispatch(time.monotonic()):
                futures[pool.submit(_run_sync_job, client, job)] = job
            yield from run.take_results()
            if run.finished():
                return
            timeout = run.next_due(time.monotonic())
            finished: set[concurrent.futures.Future[_Outcome]] = set()
            if futures:
                finished, _ = concurrent.futures.wait(
                    futures, timeout, concurrent.futures.FIRST_COMPLETED
                )
            else:
                assert timeout is not None, "nothing running, nothing parked, not finished"
                time.sleep(timeout)
            for future in finished:
                run.complete(futures.pop(future), future.result())
    finally:
        try:
            pool.shutdown(wait=True, cancel_futures=True)  # a running send cannot be cancelled
            _record_finished(run, futures.items())
        finally:
            ledger.close()


def _record_finished(run: _Run, jobs: Iterable[tuple[_Future, _Job]]) -> None:
    """On an early stop, record the outcomes that came back (results nobody will see)."""
    for future, job in jobs:
        if future.done() and not future.cancelled() and future.exception() is None:
            run.complete(job, future.result())
    run.take_results()
