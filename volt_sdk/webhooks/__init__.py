"""Receive Volt webhooks: verify their signature, get typed events out of them.

Needs the webhooks extra: ``pip install "volt-sdk[webhooks]"`` (it brings
``cryptography``). ``import volt_sdk`` never imports this package.

::

    from volt_sdk.webhooks import MessageReceivedEvent, WebhookError, fetch_public_key, parse_event

    key = fetch_public_key()                  # Volt's id_rsa.pub, cached for an hour

    def handle(headers, raw_body: bytes) -> int:          # any web framework
        try:
            event = parse_event(headers, raw_body, key)
        except WebhookError:
            return 400                                    # not from Volt, or not an event
        if isinstance(event, MessageReceivedEvent) and event.payload.text == "STOP":
            ...
        return 204

**Provisional.** Volt documents the header (``X-Respond-Flow-Signature``) and
the key's address, not the scheme nor the payload. The defaults are the most
likely reading (RSA PKCS#1 v1.5, SHA-256, over the raw body, base64); hash and
padding are parameters. The event models are a guess, lenient on missing and
extra fields. See ``docs/webhooks.md``.
"""

from __future__ import annotations

import importlib as _importlib

try:
    _importlib.import_module("cryptography")
except ImportError as _exc:  # pragma: no cover - depends on the environment
    raise ModuleNotFoundError(
        f'volt_sdk.webhooks needs its extra: pip install "volt-sdk[webhooks]" '
        f"(missing: {_exc.name or _exc})",
        name=_exc.name,
    ) from _exc

from collections.abc import Mapping

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding as _rsa_padding

from ._dedup import ClaimResult, DedupStore, MemoryDedup, RedisDedup, SQLiteDedup
from ._errors import (
    WebhookBodyTooLargeError,
    WebhookError,
    WebhookKeyError,
    WebhookParseError,
    WebhookSignatureError,
)
from ._events import (
    EVENT_TYPES,
    MessageEvent,
    MessageFinalizedEvent,
    MessagePayload,
    MessageReceivedEvent,
    MessageSentEvent,
    TestEvent,
    UnknownEvent,
    WebhookEvent,
    event_from_json,
)
from ._keycache import DEFAULT_REFRESH_INTERVAL, KeyCache
from ._keys import (
    DEFAULT_KEY_TTL,
    DEFAULT_KEY_URL,
    MIN_KEY_BITS,
    clear_key_cache,
    fetch_public_key,
    fetch_public_key_async,
    load_public_key,
)
from ._receiver import WebhookReceiver, WebhookResponse
from ._router import WebhookRouter
from ._signature import (
    DEFAULT_HASH,
    DEFAULT_MAX_BODY,
    DEFAULT_PADDING,
    MAX_SIGNATURE_CHARS,
    SIGNATURE_HEADER,
    HashName,
    PaddingName,
    PublicKeyLike,
    sign_body,
    verify_signature,
)

__all__ = [
    "DEFAULT_HASH",
    "DEFAULT_KEY_TTL",
    "DEFAULT_KEY_URL",
    "DEFAULT_MAX_BODY",
    "DEFAULT_PADDING",
    "DEFAULT_REFRESH_INTERVAL",
    "EVENT_TYPES",
    "MAX_SIGNATURE_CHARS",
    "MIN_KEY_BITS",
    "SIGNATURE_HEADER",
    "ClaimResult",
    "DedupStore",
    "HashName",
    "KeyCache",
    "MemoryDedup",
    "MessageEvent",
    "MessageFinalizedEvent",
    "MessagePayload",
    "MessageReceivedEvent",
    "MessageSentEvent",
    "PaddingName",
    "PublicKeyLike",
    "RedisDedup",
    "SQLiteDedup",
    "TestEvent",
    "UnknownEvent",
    "WebhookBodyTooLargeError",
    "WebhookError",
    "WebhookEvent",
    "WebhookKeyError",
    "WebhookParseError",
    "WebhookReceiver",
    "WebhookResponse",
    "WebhookRouter",
    "WebhookSignatureError",
    "clear_key_cache",
    "event_from_json",
    "fetch_public_key",
    "fetch_public_key_async",
    "load_public_key",
    "parse_event",
    "sign_body",
    "verify_signature",
]


def _header(headers: Mapping[str, str] | Mapping[bytes, bytes], name: str) -> str | None:
    """The header's value, whatever the case of its name (str or bytes headers, as ASGI gives)."""
    wanted = name.lower()
    for key, value in headers.items():
        text_key = key.decode("latin-1") if isinstance(key, bytes) else key
        if text_key.lower() == wanted:
            return value.decode("latin-1") if isinstance(value, bytes) else value
    return None


def parse_event(
    headers: Mapping[str, str] | Mapping[bytes, bytes],
    body: bytes,
    key: PublicKeyLike,
    *,
    max_body: int = DEFAULT_MAX_BODY,
    hash: HashName | hashes.HashAlgorithm = DEFAULT_HASH,
    padding: PaddingName | _rsa_padding.AsymmetricPadding = DEFAULT_PADDING,
) -> WebhookEvent:
    """Verify a webhook request and return its typed event, in one call.

    ::

        event = parse_event(request.headers, await request.body(), key)

    ``headers`` is any mapping (``X-Respond-Flow-Signature`` is found whatever
    its case; ``str`` or ``bytes`` names and values); ``body`` the raw request
    bytes. Raises :class:`WebhookSignatureError` (a missing header too) or its
    subclass :class:`WebhookBodyTooLargeError` before anything is parsed, then
    :class:`WebhookParseError` if the verified body is not an event. An event
    type this version does not know comes back as :class:`UnknownEvent`.
    """
    signature = _header(headers, SIGNATURE_HEADER)
    if signature is None:
        raise WebhookSignatureError(f"the request has no {SIGNATURE_HEADER} header")
    verify_signature(body, signature, key, hash=hash, padding=padding, max_body=max_body)
    return event_from_json(body)
