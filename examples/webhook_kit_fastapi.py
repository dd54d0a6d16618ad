"""A Volt webhook receiver on the receiving kit, as a FastAPI service.

Run it (with the starlette and sandbox extras, and FastAPI, installed)::

    VOLT_WEBHOOK_KEY_URL=http://127.0.0.1:8765/_sandbox/webhook-key \\
        uvicorn examples.webhook_kit_fastapi:app --port 8787

then register it: ``volt webhook register --url http://127.0.0.1:8787/webhooks/volt``.
Without ``VOLT_WEBHOOK_KEY_URL`` it trusts Volt's own key; ``VOLT_WEBHOOK_DEDUP=path``
deduplicates in an SQLite file shared by the server's workers (default: in memory).

Compared with ``webhook_receiver.py`` (a plain ASGI app over ``parse_event``), the kit
does the rest: typed handlers per event class, the statuses Volt acts on, one
rate-limited key refresh when Volt rotates its key, deduplication and a maximum age.
"""

from __future__ import annotations

import logging
import os

from fastapi import FastAPI

from volt_sdk.webhooks import (
    DEFAULT_KEY_URL,
    DedupStore,
    KeyCache,
    MemoryDedup,
    MessageFinalizedEvent,
    MessageReceivedEvent,
    MessageSentEvent,
    SQLiteDedup,
    TestEvent,
    WebhookEvent,
    WebhookReceiver,
)
from volt_sdk.webhooks.starlette import webhook_endpoint

logger = logging.getLogger("webhook_kit_fastapi")

#: Events older than this are refused (a replayed request): the payload's created_at.
MAX_AGE = 24 * 3600


def make_receiver(keys: KeyCache, dedup: DedupStore) -> WebhookReceiver:
    """The receiver and its handlers: what a real service would do with each event."""
    receiver = WebhookReceiver(keys=keys, dedup=dedup, max_age=MAX_AGE)

    @receiver.router.on(MessageReceivedEvent)
    async def on_reply(event: MessageReceivedEvent) -> None:
        if (event.payload.text or "").strip().upper() == "STOP":
            logger.info("opt-out from %s", event.payload.from_number)
        else:
            logger.info("reply from %s: %r", event.payload.from_number, event.payload.text)

    @receiver.router.on(MessageSentEvent)
    def on_sent(event: MessageSentEvent) -> None:
        logger.info("sent %s", event.payload.id)

    @receiver.router.on(MessageFinalizedEvent)
    def on_final(event: MessageFinalizedEvent) -> None:
        logger.info("final %s: %s %s", event.payload.id, event.payload.status,
                    event.payload.error_code or "")  # fmt: skip

    @receiver.router.on(TestEvent)
    def on_registration(event: TestEvent) -> None:
        logger.info("registration test request")

    @receiver.router.fallback
    def on_other(event: WebhookEvent) -> None:
        logger.info("unhandled event %s", event.event_type)

    return receiver


def make_app(receiver: WebhookReceiver) -> FastAPI:
    """The service: one POST route, out of the OpenAPI schema."""
    app = FastAPI(title="Volt webhooks")
    app.add_api_route(
        "/webhooks/volt", webhook_endpoint(receiver), methods=["POST"], include_in_schema=False
    )
    return app


def _from_environment() -> FastAPI:
    keys = KeyCache(os.environ.get("VOLT_WEBHOOK_KEY_URL", DEFAULT_KEY_URL))
    path = os.environ.get("VOLT_WEBHOOK_DEDUP")
    dedup: DedupStore = SQLiteDedup(path) if path else MemoryDedup()
    return make_app(make_receiver(keys, dedup))


app = _from_environment()
"""The app ``uvicorn examples.webhook_kit_fastapi:app`` runs."""
