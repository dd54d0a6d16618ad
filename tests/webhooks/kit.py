"""What the receiving kit's tests share: key pairs, signed requests, a receiver with a fixed key."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from volt_sdk.webhooks import SIGNATURE_HEADER, sign_body

KEY_URL = "https://keys.test/id_rsa.pub"

RECEIVED: dict[str, Any] = {
    "id": "evt_1",
    "event_type": "message.received",
    "created_at": "2023-11-14T22:13:00Z",  # 20 s before the fake clock's wall time
    "payload": {"id": "msg_1", "text": "STOP", "from_number": "+15555550145"},
}
FINALIZED: dict[str, Any] = {
    "id": "evt_2",
    "event_type": "message.finalized",
    "payload": {"id": "msg_2", "status": "delivered"},
}
UNKNOWN: dict[str, Any] = {"id": "evt_3", "event_type": "contact.merged", "payload": {"a": 1}}


def private_key(number: int = 0) -> RSAPrivateKey:
    """Key pair ``number`` (one per number, made once per session)."""
    return _key_pair(number)


@cache
def _key_pair(number: int) -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def openssh(key: RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )


def signed(
    event: dict[str, Any] | bytes, key: RSAPrivateKey | None = None
) -> tuple[dict[str, str], bytes]:
    """The headers and raw body of a request carrying ``event``, signed with ``key``."""
    body = event if isinstance(event, bytes) else json.dumps(event).encode()
    return {SIGNATURE_HEADER: sign_body(body, key or private_key())}, body
