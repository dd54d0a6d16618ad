"""Registered webhooks (their deliveries are the dispatcher's, in ``sandbox/_webhooks.py``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ._core import StoreCore
from ._values import URL, WEBHOOK_PREFIX, error, iso_timestamp, make_id, seq_of
from ._views import WebhookView

__all__ = ["WebhookStore"]


class WebhookStore(StoreCore):
    """The webhooks part of :class:`Store`."""

    def _webhook_view(self, row: tuple[Any, ...]) -> WebhookView:
        seq, url, primary_phone, event_types, created_at, updated_at = row
        return WebhookView(
            id=make_id(WEBHOOK_PREFIX, seq),
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
        if not URL.fullmatch(url):
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
            # answers 2xx (docs/volt-api.md, Webhooks). The probe raises a GraphQLError to refuse.
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
        seq = seq_of(identifier, WEBHOOK_PREFIX)
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

    def _has_webhooks(self) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM webhooks LIMIT 1").fetchone() is not None
