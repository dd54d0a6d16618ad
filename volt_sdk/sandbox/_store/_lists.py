"""Contact lists: static ones (stored members) and dynamic ones (a query, read live)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from ._core import StoreCore
from ._sql import LIST_COLUMNS
from ._values import LIST_PREFIX, check_phone, error, iso_timestamp, make_id
from ._views import ContactView, ListView

__all__ = ["ListStore"]

# Dynamic lists may be built on dynamic lists; a chain longer than this is refused.
_MAX_LIST_DEPTH: Final = 32


class ListStore(StoreCore):
    """The lists part of :class:`Store`."""

    def _list_row(self, account_phone: str, name: str) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self._db.execute(
            f"SELECT {LIST_COLUMNS} FROM lists WHERE account_phone = ? AND name = ?",
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
            id=make_id(LIST_PREFIX, seq),
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
                f"SELECT {LIST_COLUMNS} FROM lists WHERE account_phone = ? ORDER BY seq",
                (contact.account_phone,),
            ).fetchall()
            return [self._list_view(row) for row in rows if contact.seq in self._members(row)]

    def lists_by_seq(self, seqs: Sequence[int]) -> list[ListView]:
        """The lists with these seqs, in that order (a deleted one is left out)."""
        with self._lock:
            result: list[ListView] = []
            for seq in seqs:
                row = self._db.execute(
                    f"SELECT {LIST_COLUMNS} FROM lists WHERE seq = ?",
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
            check_phone(number, f"phoneNumbers[{index}]")
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
