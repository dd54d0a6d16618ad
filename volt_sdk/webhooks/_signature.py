"""Signing and verifying webhook bodies: the **provisional** scheme.

Volt documents only that every webhook carries ``X-Respond-Flow-Signature`` and
that it verifies with the RSA key at ``https://callbacks.respondflow.com/id_rsa.pub``
(docs/volt-api.md, Webhooks). Hash, padding, encoding and the signed bytes are not documented.
The default here is the most likely reading: RSASSA-PKCS1-v1_5 with SHA-256 over
the raw request body, base64 in the header. Hash and padding are parameters so
that a receiver can follow Volt without waiting for a release, should the real
scheme differ.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Final, Literal, TypeAlias, cast

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from ._errors import WebhookBodyTooLargeError, WebhookSignatureError
from ._keys import checked_key, load_public_key

__all__ = [
    "DEFAULT_HASH",
    "DEFAULT_MAX_BODY",
    "DEFAULT_PADDING",
    "MAX_SIGNATURE_CHARS",
    "SIGNATURE_HEADER",
    "HashName",
    "PaddingName",
    "PublicKeyLike",
    "sign_body",
    "verify_signature",
]

SIGNATURE_HEADER: Final = "X-Respond-Flow-Signature"
"""The header Volt signs webhooks in (docs/volt-api.md, Webhooks)."""

DEFAULT_MAX_BODY: Final = 1 << 20
"""Bodies over 1 MiB are refused before any verification."""

MAX_SIGNATURE_CHARS: Final = 2048
"""Longer headers are refused unread: a 8192-bit RSA signature is 1368 base64 characters."""

HashName: TypeAlias = Literal["sha1", "sha256", "sha384", "sha512"]
"""The hashes a scheme may name."""

PaddingName: TypeAlias = Literal["pkcs1v15", "pss"]
"""The RSA signature paddings a scheme may name."""

PublicKeyLike: TypeAlias = "RSAPublicKey | bytes | str"
"""A loaded key, or its PEM / OpenSSH text (see :func:`load_public_key`)."""

DEFAULT_HASH: Final[HashName] = "sha256"
"""[GUESS] The hash of the default scheme."""

DEFAULT_PADDING: Final[PaddingName] = "pkcs1v15"
"""[GUESS] The padding of the default scheme."""

_HASHES: Final[dict[str, type[hashes.HashAlgorithm]]] = {
    "sha1": hashes.SHA1,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
# Standard and URL-safe base64 alphabets, with up to two '=' of padding.
_BASE64: Final = re.compile(rb"[A-Za-z0-9+/_-]+={0,2}")
_URLSAFE: Final = bytes.maketrans(b"-_", b"+/")


def _hash(hash: HashName | hashes.HashAlgorithm) -> hashes.HashAlgorithm:
    if isinstance(hash, hashes.HashAlgorithm):
        return hash
    algorithm = _HASHES.get(hash) if isinstance(hash, str) else None
    if algorithm is None:
        raise ValueError(f"hash: expected one of {sorted(_HASHES)}, got {hash!r}")
    return algorithm()


def _padding(
    padding: PaddingName | rsa_padding.AsymmetricPadding,
    algorithm: hashes.HashAlgorithm,
    *,
    signing: bool,
) -> rsa_padding.AsymmetricPadding:
    if isinstance(padding, rsa_padding.AsymmetricPadding):
        return padding
    if padding == "pkcs1v15":
        return rsa_padding.PKCS1v15()
    if padding == "pss":
        salt = rsa_padding.PSS.DIGEST_LENGTH if signing else rsa_padding.PSS.AUTO
        return rsa_padding.PSS(mgf=rsa_padding.MGF1(algorithm), salt_length=salt)
    raise ValueError(f"padding: expected 'pkcs1v15' or 'pss', got {padding!r}")


def _raw_body(body: object) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, bytearray):
        return bytes(body)
    if isinstance(body, memoryview):
        return cast("memoryview[int]", body).tobytes()
    raise TypeError(
        f"body: expected the raw request bytes, got {type(body).__name__} "
        "(verify the bytes as received, never re-serialized JSON)"
    )


def as_public_key(key: PublicKeyLike) -> RSAPublicKey:
    if isinstance(key, RSAPublicKey):
        return checked_key(key)
    if isinstance(key, (bytes, str)):
        return load_public_key(key)
    raise TypeError(f"public_key: expected an RSA public key, PEM or OpenSSH text, got {key!r}")


def _decode_signature(signature: str | bytes, key_bytes: int) -> bytes:
    """The signature's bytes; every malformed header is refused here, before any RSA work."""
    if isinstance(signature, str):
        if not signature.isascii():
            raise WebhookSignatureError("the webhook signature is not base64 (non-ASCII text)")
        raw = signature.encode("ascii")
    elif isinstance(signature, (bytes, bytearray)):
        raw = bytes(signature)
    else:
        raise TypeError(f"signature: expected str, got {type(signature).__name__}")
    if len(raw) > MAX_SIGNATURE_CHARS + 64:
        raise WebhookSignatureError(
            f"the webhook signature is over {MAX_SIGNATURE_CHARS} characters"
        )
    raw = raw.strip()
    if not raw:
        raise WebhookSignatureError("the webhook signature is empty")
    if len(raw) > MAX_SIGNATURE_CHARS:
        raise WebhookSignatureError(
            f"the webhook signature is over {MAX_SIGNATURE_CHARS} characters"
        )
    if _BASE64.fullmatch(raw) is None:
        raise WebhookSignatureError("the webhook signature is not base64")
    unpadded = raw.rstrip(b"=").translate(_URLSAFE)
    if len(unpadded) % 4 == 1:
        raise WebhookSignatureError("the webhook signature is not base64 (bad length)")
    try:
        decoded = base64.b64decode(unpadded + b"=" * (-len(unpadded) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise WebhookSignatureError("the webhook signature is not base64") from None
    if len(decoded) != key_bytes:
        # An RSA signature is exactly as long as the key's modulus; the size is public.
        raise WebhookSignatureError(
            f"the webhook signature has {len(decoded)} bytes, the key's signatures "
            f"have {key_bytes} (truncated, or made with another key)"
        )
    return decoded


def verify_signature(
    body: bytes,
    signature: str,
    public_key: PublicKeyLike,
    *,
    hash: HashName | hashes.HashAlgorithm = DEFAULT_HASH,
    padding: PaddingName | rsa_padding.AsymmetricPadding = DEFAULT_PADDING,
    max_body: int = DEFAULT_MAX_BODY,
) -> None:
    """Check that ``signature`` is Volt's signature of exactly ``body``; raise if it is not.

    ::

        verify_signature(request_body, headers["X-Respond-Flow-Signature"], key)

    The scheme is **provisional** (Volt does not document it): by default RSA
    PKCS#1 v1.5 with SHA-256 over the raw body, the signature in base64
    (standard or URL-safe, with or without padding, surrounding whitespace
    ignored). ``hash`` (``"sha1"``, ``"sha256"``, ``"sha384"``, ``"sha512"`` or a
    ``cryptography`` hash) and ``padding`` (``"pkcs1v15"``, ``"pss"`` or a
    ``cryptography`` padding) change it.

    ``body`` must be the bytes as received: a re-serialized JSON document differs
    in spacing and key order and never verifies. Raises
    :class:`WebhookBodyTooLargeError` for a body over ``max_body`` bytes and
    :class:`WebhookSignatureError` for an empty, non-base64, over-long or
    wrong-length signature (all refused before any RSA work) and for a signature
    that does not match. The RSA check runs in OpenSSL, whose comparison takes
    the same time wherever the bytes differ.
    """
    raw = _raw_body(body)
    if len(raw) > max_body:
        raise WebhookBodyTooLargeError(len(raw), max_body)
    key = as_public_key(public_key)
    algorithm = _hash(hash)
    scheme = _padding(padding, algorithm, signing=False)
    decoded = _decode_signature(signature, (key.key_size + 7) // 8)
    try:
        key.verify(decoded, raw, scheme, algorithm)
    except InvalidSignature:
        raise WebhookSignatureError(
            "the webhook signature does not match the body (tampered, another key, "
            "or another scheme)"
        ) from None


def sign_body(
    body: bytes,
    private_key: RSAPrivateKey,
    *,
    hash: HashName | hashes.HashAlgorithm = DEFAULT_HASH,
    padding: PaddingName | rsa_padding.AsymmetricPadding = DEFAULT_PADDING,
) -> str:
    """The ``X-Respond-Flow-Signature`` value for ``body`` under the provisional scheme.

    For tests of a receiver, and for the sandbox: sign with your own key pair,
    verify with its public half::

        from cryptography.hazmat.primitives.asymmetric import rsa

        private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        headers = {SIGNATURE_HEADER: sign_body(body, private_key)}
        verify_signature(body, headers[SIGNATURE_HEADER], private_key.public_key())
    """
    raw = _raw_body(body)
    if not isinstance(private_key, RSAPrivateKey):
        raise TypeError(f"private_key: expected an RSA private key, got {private_key!r}")
    algorithm = _hash(hash)
    signature = private_key.sign(raw, _padding(padding, algorithm, signing=True), algorithm)
    return base64.b64encode(signature).decode("ascii")
