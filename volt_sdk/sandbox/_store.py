"""The sandbox's state: one organization, its numbers, and everything created through the API.

SQLite from the standard library holds it all (``:memory:``, or a file that
survives a restart). One connection, opened with ``check_same_thread=False``, is
shared by the server thread and the test thread; every access goes through one
lock, so a request never sees half of a reset.

Reads return small view objects whose attribute names are the snake_case forms
of the GraphQL fields (``to_number`` for ``toNumber``); ariadne's name conversion
resolves the fields from them. A message's status is computed from its stored
timestamps when it is read, so no timer runs for it; only webhook deliveries,
announced through :attr:`Store.event_sink`, are posted later by a worker thread.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from graphql import GraphQLError

from volt_sdk._error_codes import ERROR_CODES

__all__ = [
    "MAGIC_NUMBERS",
    "AccountView",
    "ContactView",
    "EventSink",
    "ListView",
    "MagicOutcome",
    "MessageView",
    "OrganizationView",
    "OutboxMessage",
    "Store",
    "WaveView",
    "WebhookView",
    "is_e164",
    "iso_timestamp",
]

# 7 to 15 digits: E.164 has no other floor, and Niue numbers (+683 and four digits)
# are real and possible for the client.
_E164: Final = re.compile(r"\+[1-9][0-9]{6,14}")
_URL: Final = re.compile(r"https?://[^\s/?#]+[^\s]*", re.IGNORECASE)


@dataclass(frozen=True)
class MagicOutcome:
    """What a magic destination number does to a message sent to it."""

    error_code: int
    """The ``Message.errorCode`` the message ends with (REFERENCE 8.2)."""
    description: str
    """Its ``statusDescription``, from Volt's error-code table."""
    status: str = "failed"
    """The final ``status``."""


def _magic(code: int) -> MagicOutcome:
    return MagicOutcome(code, ERROR_CODES[code].description)


MAGIC_NUMBERS: Final[Mapping[str, MagicOutcome]] = MappingProxyType(
    {
        "+15005550001": _magic(402),  # client: invalid "to" number
        "+15005550002": _magic(501),  # phone number: destination not routable
        "+15005550003": _magic(503),  # phone number: on a DNC list / opted out
        "+15005550004": _magic(601),  # volumetric: messaging rate limit exceeded
        "+15005550005": _magic(701),  # spam: blocked as spam by Volt
        "+15005550006": _magic(801),  # carrier: temporarily rejected by the carrier
        "+15005550009": _magic(901),  # system: internal Volt error
    }
)
"""Destination numbers whose messages end ``failed`` with a given error code.

Every one is a *possible* North American number (area code 500), so the client's
own checks let it through; everything else ends ``delivered``. Read-only.
"""

# Message lifecycle: `queued` until sentAt, `sent` until confirmedAt, then final.
QUEUED: Final = "queued"
SENT: Final = "sent"
DELIVERED: Final = "delivered"
FAILED: Final = "failed"
RECEIVED: Final = "received"
_DESCRIPTIONS: Final = {
    QUEUED: "accepted, queued for sending",
    SENT: "sent to the carrier, waiting for confirmation",
    DELIVERED: "delivered to the handset",
    RECEIVED: "received from the contact",
}
# A contact with blocked=true gets what an opted-out number gets.
_BLOCKED_CODE: Final = 503

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    phone TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    inbound INTEGER NOT NULL,
    to_number TEXT NOT NULL,
    from_number TEXT NOT NULL,
    body TEXT NOT NULL,
    media TEXT NOT NULL,
    passthrough TEXT,
    final_status TEXT NOT NULL,
    error_code INTEGER,
    created_at REAL NOT NULL,
    sent_at REAL NOT NULL,
    confirmed_at REAL NOT NULL,
    wave_seq INTEGER
);
CREATE INDEX IF NOT EXISTS messages_by_pair ON messages (from_number, to_number, seq);
CREATE TABLE IF NOT EXISTS contacts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    account_phone TEXT NOT NULL,
    phone_number TEXT NOT NULL,
    name TEXT,
    blocked INTEGER NOT NULL,
    custom_fields TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    UNIQUE (account_phone, phone_number)
);
CREATE TABLE IF NOT EXISTS lists (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    account_phone TEXT NOT NULL,
    name TEXT NOT NULL,
    source_list_name TEXT,
    name_search_term TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    UNIQUE (account_phone, name)
);
CREATE TABLE IF NOT EXISTS list_members (
    list_seq INTEGER NOT NULL,
    contact_seq INTEGER NOT NULL,
    PRIMARY KEY (list_seq, contact_seq)
);
CREATE TABLE IF NOT EXISTS waves (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    type TEXT,
    body TEXT NOT NULL,
    media TEXT NOT NULL,
    sent_by TEXT,
    scheduled_time TEXT,
    account_phone TEXT,
    list_seqs TEXT NOT NULL,
    total_messages INTEGER NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS webhooks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL,
    primary_phone TEXT,
    event_types TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
"""
# What reset() empties: everything but the organization and its accounts. The
# AUTOINCREMENT counters survive, so an id is never handed out twice.
_DATA_TABLES: Final = ("messages", "contacts", "lists", "list_members", "waves", "webhooks")

_MESSAGE_COLUMNS: Final = (
    "seq, inbound, to_number, from_number, body, media, passthrough, final_status, "
    "error_code, created_at, sent_at, confirmed_at, wave_seq"
)
_CONTACT_COLUMNS: Final = (
    "seq, account_phone, phone_number, name, blocked, custom_fields, created_at, updated_at"
)
_LIST_COLUMNS: Final = (
    "seq, account_phone, name, source_list_name, name_search_term, created_at, updated_at"
)

# Prefixes of ids; the number is zero-padded so that ids sort in creation order.
MESSAGE_PREFIX: Final = "msg_"
CONTACT_PREFIX: Final = "ct_"
LIST_PREFIX: Final = "lst_"
WAVE_PREFIX: Final = "wave_"
WEBHOOK_PREFIX: Final = "wh_"
ACCOUNT_PREFIX: Final = "acct_"
# Dynamic lists may be built on dynamic lists; a chain longer than this is refused.
_MAX_LIST_DEPTH: Final = 32


def iso_timestamp(t: float) -> str:
    """Epoch seconds as ISO 8601 UTC with milliseconds: ``2024-05-01T12:00:00.250Z``."""
    millis = int(t * 1000)
    seconds, millis = divmod(millis, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


def _make_id(prefix: str, seq: int) -> str:
    return f"{prefix}{seq:012d}"


def _seq_of(identifier: str, prefix: str) -> int | None:
    if identifier.startswith(prefix):
        digits = identifier[len(prefix) :]
        if digits.isdigit() and len(digits) <= 18:
            return int(digits)
    return None


def error(message: str, code: str = "BAD_USER_INPUT", **extensions: Any) -> GraphQLError:
    """A GraphQL error with a short ``extensions.code`` (a sandbox choice, see the package docs)."""
    return GraphQLError(message, extensions={"code": code, **extensions})


def is_e164(value: object) -> bool:
    """True for a string like ``+15555550123``: a ``+``, then 8 to 15 digits, the first not 0."""
    return isinstance(value, str) and _E164.fullmatch(value) is not None


def _check_phone(value: str, argument: str) -> str:
    if not is_e164(value):
        raise error(
            f"{argument}: {value!r} is not an E.164 phone number "
            "(a '+', then 8 to 15 digits, the first not 0)",
            argument=argument,
        )
    return value


def _check_media(media: Sequence[str] | None) -> list[str]:
    urls = list(media or ())
    for index, url in enumerate(urls):
        if not _URL.fullmatch(url):
            raise error(
                f"media[{index}]: {url!r} is not an absolute http(s) URL",
                argument=f"media[{index}]",
            )
    return urls


# -- views: what resolvers return -------------------------------------------------


@dataclass(slots=True)
class OrganizationView:
    """The one organization of the sandbox."""

    id: str
    company_name: str
    domain: str
    size: str
    industry: str
    created_at: str
    last_updated_at: str
    is_on_free_trial: bool
    is_active: bool


@dataclass(slots=True)
class AccountView:
    """One of the organization's numbers (Volt calls it an account)."""

    id: str
    name: str
    primary_phone: str
    created_by: str
    call_forwarding_number: str | None
    location: str | None
    created_at: str
    last_updated_at: str


@dataclass(slots=True)
class MessageView:
    """A message as it stands at one moment."""

    id: str
    to_number: str
    from_number: str
    status: str
    status_description: str | None
    media: list[str]
    body: str
    sent_at: str | None
    confirmed_at: str | None
    error_code: int | None
    passthrough: str | None
    created_at: str
    account_phone: str
    other_phone: str
    wave_seq: int | None
    legacy_id: str | None = None


@dataclass(slots=True)
class ContactView:
    """A contact of one account."""

    seq: int
    id: str
    account_phone: str
    phone_number: str
    name: str | None
    mapped_number: str
    blocked: bool
    custom_fields: list[dict[str, str | None]]
    created_at: str
    last_updated_at: str


@dataclass(slots=True)
class ListView:
    """A contact list; ``size`` counts its members when it was read."""

    seq: int
    id: str
    account_phone: str
    name: str
    created_by: str
    size: int
    query_source_list_name: str | None
    query_name_search_term: str | None
    created_at: str
    last_updated_at: str


@dataclass(slots=True)
class WaveView:
    """A wave (bulk send), as stored."""

    id: str
    name: str
    type: str | None
    body: str
    media: list[str]
    sent_by: str | None
    scheduled_time: str | None
    total_messages: int
    total_messages_delivered: int
    total_messages_failed: int
    account_phone: str | None
    list_seqs: list[int]


@dataclass(slots=True)
class WebhookView:
    """A registered webhook."""

    id: str
    url: str
    primary_phone: str | None
    event_types: list[str] | None
    created_at: str
    last_updated_at: str


@dataclass(frozen=True)
class OutboxMessage:
    """A message accepted by ``createMessage``, as :meth:`Sandbox.outbox` lists it.

    ``status`` and ``error_code`` are those of the moment ``outbox()`` was called
    (``queued``/``sent`` while a paced message is under way).
    """

    id: str
    to_number: str
    from_number: str
    body: str
    media: tuple[str, ...]
    passthrough: str | None
    status: str
    error_code: int | None
    created_at: str

    def to_json(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict (``media`` as a list)."""
        return {
            "id": self.id,
            "to_number": self.to_number,
            "from_number": self.from_number,
            "body": self.body,
            "media": list(self.media),
            "passthrough": self.passthrough,
            "status": self.status,
            "error_code": self.error_code,
            "created_at": self.created_at,
        }


# -- the store -----------------------------------------------------------------------


WebhookProbe = Callable[[str], None]
"""Called with a webhook's URL before it is registered; raising refuses the registration."""

EventSink = Callable[[str, MessageView, float], None]
"""Called with (event type, the message as it stands at the event, when: epoch seconds)
for ``message.sent`` and ``message.finalized`` when a message is created, and for
``message.received`` when one is received; only while at least one webhook exists."""


class Store:
    """All sandbox data, behind one lock.

    Args:
        numbers: the organization's own numbers (E.164).
        db: ``None`` for memory, else a SQLite file path (created if missing).
        pace: seconds per lifecycle step of a message (0: final at once).
        page_size: messages per ``conversation`` page.
        webhook_probe: the test request Volt sends to a webhook URL on
            registration; raising refuses it. ``None`` (the default) sends
            nothing; :class:`Sandbox` plugs in its webhook dispatcher.
        clock: epoch seconds; tests of the lifecycle may pass their own.
    """

    def __init__(
        self,
        *,
        numbers: Sequence[str],
        db: str | os.PathLike[str] | None = None,
        pace: float = 0.0,
        page_size: int = 20,
        webhook_probe: WebhookProbe | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._lock = threading.RLock()
        self._clock = clock
        self.pace = pace
        self.page_size = page_size
        self.webhook_probe = webhook_probe
        self.event_sink: EventSink | None = None
        self.numbers: tuple[str, ...] = tuple(numbers)
        self._owned = frozenset(self.numbers)
        path = ":memory:" if db is None else os.fspath(db)
        # isolation_level=None: autocommit; multi-statement changes use explicit
        # transactions (_transaction) so a crash never leaves half of one.
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        if path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        now = self._clock()
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('created_at', ?)", (repr(now),)
            )
            self._db.executemany(
                "INSERT OR IGNORE INTO accounts (phone, created_at) VALUES (?, ?)",
                [(n, now) for n in self.numbers],
            )
            created = float(
                self._db.execute("SELECT value FROM meta WHERE key = 'created_at'").fetchone()[0]
            )
            stamp = iso_timestamp(created)
            self.organization = OrganizationView(
                id="org_1",
                company_name="Volt Sandbox",
                domain="sandbox.invalid",
                size="1-10",
                industry="Software",
                created_at=stamp,
                last_updated_at=stamp,
                is_on_free_trial=False,
                is_active=True,
            )
            self._accounts: dict[str, AccountView] = {}
            for seq, phone, created_at in self._db.execute(
                "SELECT seq, phone, created_at FROM accounts ORDER BY seq"
            ):
                account_stamp = iso_timestamp(created_at)
                self._accounts[phone] = AccountView(
                    id=_make_id(ACCOUNT_PREFIX, seq),
                    name=f"Sandbox line {phone}",
                    primary_phone=phone,
                    created_by="sandbox",
                    call_forwarding_number=None,
                    location=None,
                    created_at=account_stamp,
                    last_updated_at=account_stamp,
                )

    def close(self) -> None:
        """Close the database; the store is unusable afterwards."""
        with self._lock:
            self._db.close()

    def reset(self) -> None:
        """Drop every message, contact, list, wave and webhook; keep the organization."""
        with self._lock, self._transaction():
            for table in _DATA_TABLES:
                self._db.execute(f"DELETE FROM {table}")

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)

    # -- organization and accounts ------------------------------------------------

    def account(self, phone: str | None) -> AccountView | None:
        """The account of one of the organization's numbers (or of a former one)."""
        return None if phone is None else self._accounts.get(phone)

    def _owned_phone(self, value: str, argument: str) -> str:
        _check_phone(value, argument)
        if value not in self._owned:
            raise error(
                f"{argument}: {value} is not a number of this organization "
                f"(its numbers: {', '.join(self.numbers)})",
                "FORBIDDEN",
                argument=argument,
            )
        return value

    # -- messages -------------------------------------------------------------------

    def create_message(
        self,
        *,
        to: str,
        from_: str,
        body: str,
        media: Sequence[str] | None,
        passthrough: str | None,
    ) -> MessageView:
        """Accept an outbound message; returns it as accepted (``queued``)."""
        _check_phone(to, "to")
        self._owned_phone(from_, "from")
        urls = _check_media(media)
        if not body.strip() and not urls:
            raise error("body: must not be empty when there is no media", argument="body")
        magic = MAGIC_NUMBERS.get(to)
        pace = self.pace
        with self._lock:
            if magic is not None:
                final, code = magic.status, magic.error_code
            elif self._blocked(from_, to):
                final, code = FAILED, _BLOCKED_CODE
            else:
                final, code = DELIVERED, None
            now = self._clock()
            media_json = json.dumps(urls) if urls else "[]"
            cursor = self._db.execute(
                "INSERT INTO messages (inbound, to_number, from_number, body, media, passthrough,"
                " final_status, error_code, created_at, sent_at, confirmed_at)"
                " VALUES (0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (to, from_, body, media_json, passthrough, final, code, now, now + pace,
                 now + 2 * pace),
            )  # fmt: skip
            seq = cursor.lastrowid
        assert seq is not None
        self._announce_created(seq)
        return MessageView(
            id=_make_id(MESSAGE_PREFIX, seq),
            to_number=to,
            from_number=from_,
            status=QUEUED,
            status_description=_DESCRIPTIONS[QUEUED],
            media=urls,
            body=body,
            sent_at=None,
            confirmed_at=None,
            error_code=None,
            passthrough=passthrough,
            created_at=iso_timestamp(now),
            account_phone=from_,
            other_phone=to,
            wave_seq=None,
        )

    def add_inbound(
        self, *, from_number: str, to_number: str, body: str, media: Sequence[str] = ()
    ) -> MessageView:
        """Store a message *received* by one of the organization's numbers."""
        _check_phone(from_number, "from_number")
        self._owned_phone(to_number, "to_number")
        urls = _check_media(media)
        with self._lock:
            now = self._clock()
            cursor = self._db.execute(
                "INSERT INTO messages (inbound, to_number, from_number, body, media, passthrough,"
                " final_status, error_code, created_at, sent_at, confirmed_at)"
                " VALUES (1, ?, ?, ?, ?, NULL, ?, NULL, ?, ?, ?)",
                (to_number, from_number, body, json.dumps(urls), RECEIVED, now, now, now),
            )
            seq = cursor.lastrowid
            assert seq is not None
            row = self._db.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE seq = ?",
                (seq,),
            ).fetchone()
        view = self._message_view(row, now)
        sink = self.event_sink
        if sink is not None and self._has_webhooks():
            sink("message.received", view, now)
        return view

    def _has_webhooks(self) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM webhooks LIMIT 1").fetchone() is not None

    def _announce_created(self, seq: int) -> None:
        """Tell the event sink when the new message is sent and when it is final."""
        sink = self.event_sink
        if sink is None or not self._has_webhooks():
            return
        with self._lock:
            row = self._db.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE seq = ?",
                (seq,),
            ).fetchone()
        sent_at, confirmed_at = row[10], row[11]
        final = self._message_view(row, confirmed_at)
        # With pace 0 the stored timestamps make every read final; the sent event
        # still shows the message as it was between the two steps.
        sent = dataclasses.replace(
            final,
            status=SENT,
            status_description=_DESCRIPTIONS[SENT],
            confirmed_at=None,
            error_code=None,
        )
        sink("message.sent", sent, sent_at)
        sink("message.finalized", final, confirmed_at)

    def _blocked(self, account_phone: str, phone_number: str) -> bool:
        row = self._db.execute(
            "SELECT blocked FROM contacts WHERE account_phone = ? AND phone_number = ?",
            (account_phone, phone_number),
        ).fetchone()
        return bool(row and row[0])

    def _message_view(self, row: tuple[Any, ...], now: float) -> MessageView:
        (seq, inbound, to_number, from_number, body, media, passthrough, final, code,
         created_at, sent_at, confirmed_at, wave_seq) = row  # fmt: skip
        sent: str | None
        confirmed: str | None
        description: str | None
        if inbound:
            status, sent, confirmed, code = RECEIVED, iso_timestamp(sent_at), None, None
            description = _DESCRIPTIONS[RECEIVED]
        elif confirmed_at <= created_at or now >= confirmed_at:
            # Final. pace 0 stores confirmed_at == created_at: final however the
            # wall clock moves.
            status, sent, confirmed = final, iso_timestamp(sent_at), iso_timestamp(confirmed_at)
            description = (
                ERROR_CODES[code].description if code is not None else _DESCRIPTIONS[final]
            )
        elif now >= sent_at:
            status, sent, confirmed, code = SENT, iso_timestamp(sent_at), None, None
            description = _DESCRIPTIONS[SENT]
        else:
            status, sent, confirmed, code = QUEUED, None, None, None
            description = _DESCRIPTIONS[QUEUED]
        return MessageView(
            id=_make_id(MESSAGE_PREFIX, seq),
            to_number=to_number,
            from_number=from_number,
            status=status,
            status_description=description,
            media=json.loads(media),
            body=body,
            sent_at=sent,
            confirmed_at=confirmed,
            error_code=code,
            passthrough=passthrough,
            created_at=iso_timestamp(created_at),
            account_phone=to_number if inbound else from_number,
            other_phone=from_number if inbound else to_number,
            wave_seq=wave_seq,
        )

    def message(self, identifier: str) -> MessageView | None:
        """The message with this id, as it stands now; None when there is none."""
        seq = _seq_of(identifier, MESSAGE_PREFIX)
        if seq is None:
            return None
        with self._lock:
            row = self._db.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE seq = ?",
                (seq,),
            ).fetchone()
        return None if row is None else self._message_view(row, self._clock())

    def conversation(self, *, to: str, from_: str, before: str | None) -> dict[str, Any]:
        """One page (newest first) of the messages between ``from_`` (owned) and ``to``."""
        _check_phone(to, "to")
        self._owned_phone(from_, "from")
        pair = (from_, to, to, from_)
        where = "((from_number = ? AND to_number = ?) OR (from_number = ? AND to_number = ?))"
        with self._lock:
            limit = 1 << 62
            if before is not None:
                seq = _seq_of(before, MESSAGE_PREFIX)
                found = (
                    None
                    if seq is None
                    else self._db.execute(
                        f"SELECT 1 FROM messages WHERE seq = ? AND {where}",
                        (seq, *pair),
                    ).fetchone()
                )
                if seq is None or found is None:
                    raise error(
                        f"before: no message {before!r} in the conversation between "
                        f"{from_} and {to}",
                        "NOT_FOUND",
                        argument="before",
                    )
                limit = seq
            rows = self._db.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE {where} AND seq < ?"
                " ORDER BY seq DESC LIMIT ?",
                (*pair, limit, self.page_size),
            ).fetchall()
            (total,) = self._db.execute(
                f"SELECT COUNT(*) FROM messages WHERE {where}",
                pair,
            ).fetchone()
        now = self._clock()
        return {
            "messages": [self._message_view(row, now) for row in rows],
            "page_info": {"total_items": total},
        }

    def outbox(self) -> list[OutboxMessage]:
        """Every message accepted by createMessage, oldest first, as it stands now."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE inbound = 0 ORDER BY seq"
            ).fetchall()
        now = self._clock()
        result: list[OutboxMessage] = []
        for row in rows:
            view = self._message_view(row, now)
            result.append(
                OutboxMessage(
                    id=view.id,
                    to_number=view.to_number,
                    from_number=view.from_number,
                    body=view.body,
                    media=tuple(view.media),
                    passthrough=view.passthrough,
                    status=view.status,
                    error_code=view.error_code,
                    created_at=view.created_at,
                )
            )
        return result

    # -- contacts -------------------------------------------------------------------

    def _contact_view(self, row: tuple[Any, ...]) -> ContactView:
        seq, account_phone, phone_number, name, blocked, fields, created_at, updated_at = row
        custom: dict[str, str | None] = json.loads(fields)
        return ContactView(
            seq=seq,
            id=_make_id(CONTACT_PREFIX, seq),
            account_phone=account_phone,
            phone_number=phone_number,
            name=name,
            mapped_number=account_phone,
            blocked=bool(blocked),
            custom_fields=[{"key": k, "value": v} for k, v in custom.items()],
            created_at=iso_timestamp(created_at),
            last_updated_at=iso_timestamp(updated_at),
        )

    def _contact_row(self, account_phone: str, phone_number: str) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self._db.execute(
            f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE account_phone = ? AND phone_number = ?",
            (account_phone, phone_number),
        ).fetchone()
        return row

    def contact(self, *, primary_phone: str, phone_number: str) -> ContactView | None:
        """The contact ``phone_number`` of the account ``primary_phone``; None when unknown."""
        self._owned_phone(primary_phone, "primaryPhone")
        _check_phone(phone_number, "phoneNumber")
        with self._lock:
            row = self._contact_row(primary_phone, phone_number)
        return None if row is None else self._contact_view(row)

    def contact_of_message(self, message: MessageView) -> ContactView | None:
        """The contact a message was exchanged with, if it is one."""
        with self._lock:
            row = self._contact_row(message.account_phone, message.other_phone)
        return None if row is None else self._contact_view(row)

    def upsert_contact(
        self,
        *,
        name: str,
        phone_number: str,
        account_phone: str,
        custom_fields: Iterable[Mapping[str, Any] | None],
        blocked: bool,
    ) -> ContactView:
        """Create the contact or update it; ``custom_fields`` merge (a null value deletes)."""
        _check_phone(phone_number, "phoneNumber")
        self._owned_phone(account_phone, "accountPhone")
        changes: dict[str, str | None] = {}
        for index, item in enumerate(custom_fields):
            if item is None:
                continue
            key = item.get("key")
            if not isinstance(key, str) or not key.strip():
                raise error(
                    f"customFields[{index}].key: must not be empty",
                    argument=f"customFields[{index}].key",
                )
            changes[key] = item.get("value")
        with self._lock, self._transaction():
            now = self._clock()
            row = self._contact_row(account_phone, phone_number)
            if row is None:
                fields = {k: v for k, v in changes.items() if v is not None}
                self._db.execute(
                    "INSERT INTO contacts (account_phone, phone_number, name, blocked,"
                    " custom_fields, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (account_phone, phone_number, name, int(blocked), json.dumps(fields), now,
                     now),
                )  # fmt: skip
            else:
                fields = json.loads(row[5])
                for key, value in changes.items():
                    if value is None:
                        fields.pop(key, None)
                    else:
                        fields[key] = value
                self._db.execute(
                    "UPDATE contacts SET name = ?, blocked = ?, custom_fields = ?, updated_at = ?"
                    " WHERE seq = ?",
                    (name, int(blocked), json.dumps(fields), now, row[0]),
                )
            new_row = self._contact_row(account_phone, phone_number)
        assert new_row is not None
        return self._contact_view(new_row)

    # -- lists ----------------------------------------------------------------------

    def _list_row(self, account_phone: str, name: str) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self._db.execute(
            f"SELECT {_LIST_COLUMNS} FROM lists WHERE account_phone = ? AND name = ?",
            (account_phone, name),
        ).fetchone()
        return row

    def _members(self, row: tuple[Any, ...], depth: int = 0) -> set[int]:
        """The contact seqs of a list: stored members, or its query's result if dynamic."""
        seq, account_phone, _name, source, term = row[:5]
        if source is None and term is None:
            return {
                contact
                for (contact,) in self._db.execute(
                    "SELECT contact_seq FROM list_members WHERE list_seq = ?", (seq,)
                )
            }
        if source is not None:
            source_row = self._list_row(account_phone, source)
            if source_row is None or depth >= _MAX_LIST_DEPTH:
                return set()
            base = self._members(source_row, depth + 1)
        else:
            base = {
                contact
                for (contact,) in self._db.execute(
                    "SELECT seq FROM contacts WHERE account_phone = ?", (account_phone,)
                )
            }
        if not term:
            return base
        needle = term.casefold()
        return {
            contact
            for contact, name in self._db.execute(
                "SELECT seq, name FROM contacts WHERE account_phone = ?", (account_phone,)
            )
            if contact in base and name and needle in name.casefold()
        }

    def _list_view(self, row: tuple[Any, ...]) -> ListView:
        seq, account_phone, name, source, term, created_at, updated_at = row
        return ListView(
            seq=seq,
            id=_make_id(LIST_PREFIX, seq),
            account_phone=account_phone,
            name=name,
            created_by="api",
            size=len(self._members(row)),
            query_source_list_name=source,
            query_name_search_term=term,
            created_at=iso_timestamp(created_at),
            last_updated_at=iso_timestamp(updated_at),
        )

    def contact_list(self, *, primary_phone: str, list_name: str) -> ListView | None:
        """The list ``list_name`` of the account ``primary_phone``; None when unknown."""
        self._owned_phone(primary_phone, "primaryPhone")
        with self._lock:
            row = self._list_row(primary_phone, list_name)
            return None if row is None else self._list_view(row)

    def lists_of_contact(self, contact: ContactView) -> list[ListView]:
        """Every list of the contact's account that has the contact as a member."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_LIST_COLUMNS} FROM lists WHERE account_phone = ? ORDER BY seq",
                (contact.account_phone,),
            ).fetchall()
            return [self._list_view(row) for row in rows if contact.seq in self._members(row)]

    def lists_by_seq(self, seqs: Sequence[int]) -> list[ListView]:
        """The lists with these seqs, in that order (a deleted one is left out)."""
        with self._lock:
            result: list[ListView] = []
            for seq in seqs:
                row = self._db.execute(
                    f"SELECT {_LIST_COLUMNS} FROM lists WHERE seq = ?",
                    (seq,),
                ).fetchone()
                if row is not None:
                    result.append(self._list_view(row))
            return result

    def upsert_list(self, *, primary_phone: str, list_query: Mapping[str, Any]) -> ListView:
        """Create or update the list named in ``list_query``; its query is replaced as given."""
        self._owned_phone(primary_phone, "primaryPhone")
        name: str = list_query["name"]
        source: str | None = list_query.get("source_list_name")
        term: str | None = list_query.get("name_search_term")
        if not name.strip():
            raise error("listQuery.name: must not be empty", argument="listQuery.name")
        with self._lock, self._transaction():
            if source is not None:
                self._check_source(primary_phone, name, source)
            now = self._clock()
            row = self._list_row(primary_phone, name)
            if row is None:
                self._db.execute(
                    "INSERT INTO lists (account_phone, name, source_list_name, name_search_term,"
                    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (primary_phone, name, source, term, now, now),
                )
            else:
                self._db.execute(
                    "UPDATE lists SET source_list_name = ?, name_search_term = ?, updated_at = ?"
                    " WHERE seq = ?",
                    (source, term, now, row[0]),
                )
            new_row = self._list_row(primary_phone, name)
            assert new_row is not None
            return self._list_view(new_row)

    def _check_source(self, account_phone: str, name: str, source: str) -> None:
        """Refuse an unknown source list, and a chain of sources that comes back to ``name``."""
        current: str | None = source
        for _ in range(_MAX_LIST_DEPTH):
            if current is None:
                return
            if current == name:
                raise error(
                    f"listQuery.sourceListName: {source!r} would make list {name!r} its own source",
                    argument="listQuery.sourceListName",
                )
            row = self._list_row(account_phone, current)
            if row is None:
                raise error(
                    f"listQuery.sourceListName: no list {current!r} on {account_phone}",
                    "NOT_FOUND",
                    argument="listQuery.sourceListName",
                )
            current = row[3]
        raise error(
            f"listQuery.sourceListName: lists built on lists more than {_MAX_LIST_DEPTH} deep",
            argument="listQuery.sourceListName",
        )

    def add_contacts_to_list(
        self, *, primary_phone: str, list_name: str, phone_numbers: Sequence[str]
    ) -> ListView:
        """Add contacts to a static list; unknown numbers become bare contacts first."""
        self._owned_phone(primary_phone, "primaryPhone")
        for index, number in enumerate(phone_numbers):
            _check_phone(number, f"phoneNumbers[{index}]")
        with self._lock, self._transaction():
            row = self._list_row(primary_phone, list_name)
            if row is None:
                raise error(
                    f"listName: no list {list_name!r} on {primary_phone}",
                    "NOT_FOUND",
                    argument="listName",
                )
            if row[3] is not None or row[4] is not None:
                raise error(
                    f"listName: {list_name!r} is a dynamic list; its members come from its query",
                    argument="listName",
                )
            now = self._clock()
            for number in dict.fromkeys(phone_numbers):
                self._db.execute(
                    "INSERT OR IGNORE INTO contacts (account_phone, phone_number, name, blocked,"
                    " custom_fields, created_at, updated_at) VALUES (?, ?, NULL, 0, '{}', ?, ?)",
                    (primary_phone, number, now, now),
                )
                self._db.execute(
                    "INSERT OR IGNORE INTO list_members (list_seq, contact_seq)"
                    " SELECT ?, seq FROM contacts WHERE account_phone = ? AND phone_number = ?",
                    (row[0], primary_phone, number),
                )
            self._db.execute("UPDATE lists SET updated_at = ? WHERE seq = ?", (now, row[0]))
            new_row = self._list_row(primary_phone, list_name)
            assert new_row is not None
            return self._list_view(new_row)

    # -- waves ----------------------------------------------------------------------

    def create_wave(self, wave_input: Mapping[str, Any]) -> WaveView:
        """Store a wave; ``totalMessages`` counts the distinct contacts of its lists.

        No message is sent for it (the shape of Volt's ``createWave`` is a guess).
        """
        name: str = wave_input["name"]
        body: str = wave_input["body"]
        urls = _check_media(wave_input.get("media"))
        if not name.strip():
            raise error("input.name: must not be empty", argument="input.name")
        if not body.strip() and not urls:
            raise error(
                "input.body: must not be empty when there is no media", argument="input.body"
            )
        list_ids: Sequence[str] = wave_input.get("lists") or ()
        with self._lock, self._transaction():
            rows: list[tuple[Any, ...]] = []
            for index, list_id in enumerate(list_ids):
                seq = _seq_of(list_id, LIST_PREFIX)
                row = (
                    None
                    if seq is None
                    else self._db.execute(
                        f"SELECT {_LIST_COLUMNS} FROM lists WHERE seq = ?",
                        (seq,),
                    ).fetchone()
                )
                if row is None:
                    raise error(
                        f"input.lists[{index}]: no list with id {list_id!r}",
                        "NOT_FOUND",
                        argument=f"input.lists[{index}]",
                    )
                rows.append(row)
            members: set[int] = set()
            for row in rows:
                members |= self._members(row)
            list_seqs = list(dict.fromkeys(row[0] for row in rows))
            account_phone = rows[0][1] if rows else None
            cursor = self._db.execute(
                "INSERT INTO waves (name, type, body, media, sent_by, scheduled_time,"
                " account_phone, list_seqs, total_messages, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (name, wave_input.get("type"), body, json.dumps(urls), wave_input.get("sent_by"),
                 wave_input.get("scheduled_time"), account_phone, json.dumps(list_seqs),
                 len(members), self._clock()),
            )  # fmt: skip
            wave_seq = cursor.lastrowid
        assert wave_seq is not None
        found = self.wave(_make_id(WAVE_PREFIX, wave_seq))
        assert found is not None
        return found

    def wave(self, identifier: str) -> WaveView | None:
        """The wave with this id; None when there is none."""
        seq = _seq_of(identifier, WAVE_PREFIX)
        if seq is None:
            return None
        with self._lock:
            row = self._db.execute(
                "SELECT seq, name, type, body, media, sent_by, scheduled_time, account_phone,"
                " list_seqs, total_messages FROM waves WHERE seq = ?",
                (seq,),
            ).fetchone()
        if row is None:
            return None
        (seq, name, type_, body, media, sent_by, scheduled, account_phone, list_seqs,
         total) = row  # fmt: skip
        return WaveView(
            id=_make_id(WAVE_PREFIX, seq),
            name=name,
            type=type_,
            body=body,
            media=json.loads(media),
            sent_by=sent_by,
            scheduled_time=scheduled,
            total_messages=total,
            # Nothing is sent for a wave, so nothing is delivered or failed.
            total_messages_delivered=0,
            total_messages_failed=0,
            account_phone=account_phone,
            list_seqs=json.loads(list_seqs),
        )

    # -- webhooks -------------------------------------------------------------------

    def _webhook_view(self, row: tuple[Any, ...]) -> WebhookView:
        seq, url, primary_phone, event_types, created_at, updated_at = row
        return WebhookView(
            id=_make_id(WEBHOOK_PREFIX, seq),
            url=url,
            primary_phone=primary_phone,
            event_types=None if event_types is None else json.loads(event_types),
            created_at=iso_timestamp(created_at),
            last_updated_at=iso_timestamp(updated_at),
        )

    def register_webhook(
        self,
        *,
        url: str,
        primary_phone: str | None,
        event_types: Sequence[str | None] | None,
    ) -> WebhookView:
        """Store a webhook after the (pluggable) test request to its URL."""
        if not _URL.fullmatch(url):
            raise error(f"url: {url!r} is not an absolute http(s) URL", argument="url")
        if primary_phone is not None:
            self._owned_phone(primary_phone, "primaryPhone")
        types = (
            None
            if event_types is None
            else list(dict.fromkeys(t for t in event_types if t is not None))
        )
        probe = self.webhook_probe
        if probe is not None:
            # Volt sends a test request and refuses the registration unless the URL
            # answers 2xx (REFERENCE 10). The probe raises a GraphQLError to refuse.
            probe(url)
        with self._lock:
            now = self._clock()
            cursor = self._db.execute(
                "INSERT INTO webhooks (url, primary_phone, event_types, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (url, primary_phone, None if types is None else json.dumps(types), now, now),
            )
            seq = cursor.lastrowid
            row = self._db.execute(
                "SELECT seq, url, primary_phone, event_types, created_at, updated_at"
                " FROM webhooks WHERE seq = ?",
                (seq,),
            ).fetchone()
        return self._webhook_view(row)

    def webhooks(self) -> list[WebhookView]:
        """Every webhook, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, url, primary_phone, event_types, created_at, updated_at"
                " FROM webhooks ORDER BY seq"
            ).fetchall()
        return [self._webhook_view(row) for row in rows]

    def delete_webhook(self, identifier: str) -> WebhookView | None:
        """Delete the webhook with this id; returns it as it was, or None when unknown."""
        seq = _seq_of(identifier, WEBHOOK_PREFIX)
        if seq is None:
            return None
        with self._lock:
            row = self._db.execute(
                "SELECT seq, url, primary_phone, event_types, created_at, updated_at"
                " FROM webhooks WHERE seq = ?",
                (seq,),
            ).fetchone()
            if row is None:
                return None
            self._db.execute("DELETE FROM webhooks WHERE seq = ?", (seq,))
        return self._webhook_view(row)


class _Transaction:
    """``BEGIN`` ... ``COMMIT`` (or ``ROLLBACK`` on an exception) on an autocommit connection."""

    __slots__ = ("_db",)

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._db.execute("ROLLBACK" if exc_type is not None else "COMMIT")
