"""A Volt webhook receiver as a plain ASGI app: no web framework needed.

Run it (with the sandbox and webhooks extras installed)::

    VOLT_WEBHOOK_KEY_URL=http://127.0.0.1:8765/_sandbox/webhook-key \\
        uvicorn examples.webhook_receiver:app --port 8787

then register it: ``volt webhook register --url http://127.0.0.1:8787/``.
Without ``VOLT_WEBHOOK_KEY_URL`` it trusts Volt's own key
(``https://callbacks.respondflow.com/id_rsa.pub``).

Each POST is verified over its raw bytes and parsed into a typed event:
204 when it verifies, 400 when it does not (a forged request never reaches
``handle``), 413 when it is too large, 405 for other methods, and 503 when the
key cannot be had (a download that fails): the fault is ours, not the sender's,
so Volt is told to try again later rather than that the event is bad.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from volt_sdk.webhooks import (
    DEFAULT_KEY_URL,
    DEFAULT_MAX_BODY,
    MessageFinalizedEvent,
    MessageReceivedEvent,
    MessageSentEvent,
    PublicKeyLike,
    TestEvent,
    WebhookBodyTooLargeError,
    WebhookError,
    WebhookEvent,
    WebhookKeyError,
    fetch_public_key,
    parse_event,
)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Handler = Callable[[WebhookEvent], None]

logger = logging.getLogger("webhook_receiver")


def log_event(event: WebhookEvent) -> None:
    """What a real receiver would do with each event; here, one log line."""
    if isinstance(event, MessageReceivedEvent):
        text = event.payload.text or ""
        if text.strip().upper() == "STOP":
            logger.info("opt-out from %s", event.payload.from_number)
        else:
            logger.info("received from %s: %r", event.payload.from_number, text)
    elif isinstance(event, (MessageSentEvent, MessageFinalizedEvent)):
        logger.info("%s %s: %s", event.event_type, event.payload.id, event.payload.status)
    elif isinstance(event, TestEvent):
        logger.info("registration test request")
    else:
        logger.info("unknown event %s", event.event_type)


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The raw body, or None as soon as it grows over ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


# Seconds a sender is asked to wait before it tries again, when the key is missing.
RETRY_AFTER = 60


async def _respond(
    send: Send, status: int, text: bytes = b"", extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": text})


def make_app(
    key: Callable[[], PublicKeyLike],
    handle: Handler = log_event,
    *,
    max_body: int = DEFAULT_MAX_BODY,
) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """An ASGI app that verifies each webhook with ``key()`` and passes its event to ``handle``."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if scope["method"] != "POST":
            await _respond(send, 405, b"webhooks are POSTed")
            return
        body = await _read_body(receive, max_body)
        if body is None:
            await _respond(send, 413, b"body too large")
            return
        headers = dict(scope["headers"])
        try:
            event = parse_event(headers, body, key(), max_body=max_body)
        except WebhookBodyTooLargeError:
            await _respond(send, 413, b"body too large")
            return
        except WebhookKeyError as exc:
            # Not the request's fault: a 4xx would tell Volt to give the event up.
            logger.error("cannot verify webhooks, no key: %s", exc)
            retry = [(b"retry-after", str(RETRY_AFTER).encode())]
            await _respond(send, 503, b"cannot verify webhooks now; try again later", retry)
            return
        except WebhookError as exc:
            # Say why in the log, not to the caller: a forger learns nothing.
            logger.warning("refused a webhook: %s", exc)
            await _respond(send, 400, b"refused")
            return
        handle(event)
        await _respond(send, 204)

    return app


def _key_from_environment() -> PublicKeyLike:
    # fetch_public_key caches the key for an hour: not one download per request.
    return fetch_public_key(os.environ.get("VOLT_WEBHOOK_KEY_URL", DEFAULT_KEY_URL))


app = make_app(_key_from_environment)
"""The app ``uvicorn examples.webhook_receiver:app`` runs."""
