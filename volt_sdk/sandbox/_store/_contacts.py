"""Contacts, keyed by (account number, phone number)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from ._core import StoreCore
from ._sql import CONTACT_COLUMNS
from ._values import CONTACT_PREFIX, check_phone, error, iso_timestamp, make_id
from ._views import ContactView, MessageView

__all__ = ["ContactStore"]


class ContactStore(StoreCore):
    """The contacts part of :class:`Store`."""

    def _contact_view(self, row: tuple[Any, ...]) -> ContactView:
        seq, account_phone, phone_number, name, blocked, fields, created_at, updated_at = row
        custom: dict[str, str | None] = json.loads(fields)
        return ContactView(
            seq=seq,
            id=make_id(CONTACT_PREFIX, seq),
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
            f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE account_phone = ? AND phone_number = ?",
            (account_phone, phone_number),
        ).fetchone()
        return row

    def contact(self, *, primary_phone: str, phone_number: str) -> ContactView | None:
        """The contact ``phone_number`` of the account ``primary_phone``; None when unknown."""
        self._owned_phone(primary_phone, "primaryPhone")
        check_phone(phone_number, "phoneNumber")
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
        check_phone(phone_number, "phoneNumber")
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

    def _blocked(self, account_phone: str, phone_number: str) -> bool:
        """Whether the account saved ``phone_number`` as a contact with ``blocked: true``."""
        row = self._db.execute(
            "SELECT blocked FROM contacts WHERE account_phone = ? AND phone_number = ?",
            (account_phone, phone_number),
        ).fetchone()
        return bool(row and row[0])
