"""Messages: sent through ``createMessage``, received through the sandbox, and read back."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from ._contacts import ContactStore
from ._lifecycle import (
    BLOCKED_CODE,
    DELIVERED,
    DESCRIPTIONS,
    FAILED,
    MAGIC_NUMBERS,
    QUEUED,
    RECEIVED,
    SENT,
    message_view,
)
from ._sql import MESSAGE_COLUMNS
from ._values import MESSAGE_PREFIX, check_media, check_phone, error, iso_timestamp, make_id, seq_of
from ._views import MessageView, OutboxMessage
from ._webhooks import WebhookStore

__all__ = ["MessageStore"]


class MessageStore(ContactStore, WebhookStore):
    """The messages part of :class:`Store`: blocked contacts fail, webhooks hear of each."""

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
        check_phone(to, "to")
        self._owned_phone(from_, "from")
        urls = check_media(media)
        if not body.strip() and not urls:
            raise error("body: must not be empty when there is no media", argument="body")
        magic = MAGIC_NUMBERS.get(to)
        pace = self.pace
        with self._lock:
            if magic is not None:
                final, code = magic.status, magic.error_code
            elif self._blocked(from_, to):
                final, code = FAILED, BLOCKED_CODE
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
            id=make_id(MESSAGE_PREFIX, seq),
            to_number=to,
            from_number=from_,
            status=QUEUED,
            status_description=DESCRIPTIONS[QUEUED],
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
        check_phone(from_number, "from_number")
        self._owned_phone(to_number, "to_number")
        urls = check_media(media)
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
                f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE seq = ?",
                (seq,),
            ).fetchone()
        view = message_view(row, now)
        sink = self.event_sink
        if sink is not None and self._has_webhooks():
            sink("message.received", view, now)
        return view

    def _announce_created(self, seq: int) -> None:
        """Tell the event sink when the new message is sent and when it is final."""
        sink = self.event_sink
        if sink is None or not self._has_webhooks():
            return
        with self._lock:
            row = self._db.execute(
                f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE seq = ?",
                (seq,),
            ).fetchone()
        sent_at, confirmed_at = row[10], row[11]
        final = message_view(row, confirmed_at)
        # With pace 0 the stored timestamps make every read final; the sent event
        # still shows the message as it was between the two steps.
        sent = dataclasses.replace(
            final,
            status=SENT,
            status_description=DESCRIPTIONS[SENT],
            confirmed_at=None,
            error_code=None,
        )
        sink("message.sent", sent, sent_at)
        sink("message.finalized", final, confirmed_at)

    def message(self, identifier: str) -> MessageView | None:
        """The message with this id, as it stands now; None when there is none."""
        seq = seq_of(identifier, MESSAGE_PREFIX)
        if seq is None:
            return None
        with self._lock:
            row = self._db.execute(
                f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE seq = ?",
                (seq,),
            ).fetchone()
        return None if row is None else message_view(row, self._clock())

    def conversation(self, *, to: str, from_: str, before: str | None) -> dict[str, Any]:
        """One page (newest first) of the messages between ``from_`` (owned) and ``to``."""
        check_phone(to, "to")
        self._owned_phone(from_, "from")
        pair = (from_, to, to, from_)
        where = "((from_number = ? AND to_number = ?) OR (from_number = ? AND to_number = ?))"
        with self._lock:
            limit = 1 << 62
            if before is not None:
                seq = seq_of(before, MESSAGE_PREFIX)
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
                f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE {where} AND seq < ?"
                " ORDER BY seq DESC LIMIT ?",
                (*pair, limit, self.page_size),
            ).fetchall()
            (total,) = self._db.execute(
                f"SELECT COUNT(*) FROM messages WHERE {where}",
                pair,
            ).fetchone()
        now = self._clock()
        return {
            "messages": [message_view(row, now) for row in rows],
            "page_info": {"total_items": total},
        }

    def outbox(self) -> list[OutboxMessage]:
        """Every message accepted by createMessage, oldest first, as it stands now."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE inbound = 0 ORDER BY seq"
            ).fetchall()
        now = self._clock()
        result: list[OutboxMessage] = []
        for row in rows:
            view = message_view(row, now)
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
