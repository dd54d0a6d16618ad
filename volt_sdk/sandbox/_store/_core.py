"""What every part of the store shares: the connection, the lock, the organization.

SQLite from the standard library holds it all (``:memory:``, or a file that
survives a restart). One connection, opened with ``check_same_thread=False``, is
shared by the server thread and the test thread; every access goes through one
lock, so a request never sees half of a reset.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence

from ._sql import DATA_TABLES, SCHEMA
from ._values import ACCOUNT_PREFIX, check_phone, error, iso_timestamp, make_id
from ._views import AccountView, MessageView, OrganizationView

__all__ = ["EventSink", "StoreCore", "WebhookProbe"]


WebhookProbe = Callable[[str], None]
"""Called with a webhook's URL before it is registered; raising refuses the registration."""

EventSink = Callable[[str, MessageView, float], None]
"""Called with (event type, the message as it stands at the event, when: epoch seconds)
for ``message.sent`` and ``message.finalized`` when a message is created, and for
``message.received`` when one is received; only while at least one webhook exists."""


class StoreCore:
    """The state the other parts of :class:`Store` build on; its arguments are Store's."""

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
        self._db = _open(":memory:" if db is None else os.fspath(db))
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
                    id=make_id(ACCOUNT_PREFIX, seq),
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
            for table in DATA_TABLES:
                self._db.execute(f"DELETE FROM {table}")

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)

    # -- organization and accounts ------------------------------------------------

    def account(self, phone: str | None) -> AccountView | None:
        """The account of one of the organization's numbers (or of a former one)."""
        return None if phone is None else self._accounts.get(phone)

    def _owned_phone(self, value: str, argument: str) -> str:
        check_phone(value, argument)
        if value not in self._owned:
            raise error(
                f"{argument}: {value} is not a number of this organization "
                f"(its numbers: {', '.join(self.numbers)})",
                "FORBIDDEN",
                argument=argument,
            )
        return value


def _open(path: str) -> sqlite3.Connection:
    """The database with the sandbox's tables; a ValueError naming ``db`` when ``path``
    cannot be one (its directory is missing, it is another kind of file, it is locked)."""
    if path != ":memory:":
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise ValueError(f"db: {path!r} is in a directory that does not exist ({folder})")
        if os.path.isdir(path):
            raise ValueError(f"db: {path!r} is a directory; give the path of a file")
    try:
        # isolation_level=None: autocommit; multi-statement changes use explicit
        # transactions (_transaction) so a crash never leaves half of one.
        connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        try:
            if path != ":memory:":
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=NORMAL")
            connection.executescript(SCHEMA)
        except BaseException:
            connection.close()
            raise
    except sqlite3.OperationalError as exc:  # cannot open, locked, read-only
        raise ValueError(f"db: cannot use {path!r}: {exc}") from None
    except sqlite3.DatabaseError as exc:  # "file is not a database"
        raise ValueError(f"db: {path!r} is not a SQLite database ({exc})") from None
    return connection


class _Transaction:
    """``BEGIN`` ... ``COMMIT`` (or ``ROLLBACK`` on an exception) on an autocommit connection."""

    __slots__ = ("_db",)

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._db.execute("ROLLBACK" if exc_type is not None else "COMMIT")
