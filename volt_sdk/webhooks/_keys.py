"""Volt's webhook public key: load it (PEM or OpenSSH), fetch it, cache it."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Final

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import (
    load_pem_public_key,
    load_ssh_public_key,
)

from ._async_download import MAX_KEY_BYTES, download_async
from ._errors import WebhookKeyError
from ._sync_download import download

if TYPE_CHECKING:
    import httpx

__all__ = [
    "DEFAULT_KEY_TTL",
    "DEFAULT_KEY_URL",
    "MIN_KEY_BITS",
    "checked_key",
    "clear_key_cache",
    "fetch_public_key",
    "fetch_public_key_async",
    "load_public_key",
]

DEFAULT_KEY_URL: Final = "https://callbacks.respondflow.com/id_rsa.pub"
"""Where Volt publishes the RSA key its webhook signatures verify with (docs/volt-api.md)."""

MIN_KEY_BITS: Final = 2048
"""Shorter RSA keys are refused: they can be factored, so their signatures prove nothing."""

DEFAULT_KEY_TTL: Final = 3600.0
"""Seconds a fetched key is reused before :func:`fetch_public_key` asks again."""

_cache: dict[str, tuple[float, RSAPublicKey]] = {}
_cache_lock = threading.Lock()


def checked_key(key: object) -> RSAPublicKey:
    """``key`` if it is an RSA public key of at least :data:`MIN_KEY_BITS` bits."""
    if not isinstance(key, RSAPublicKey):
        raise WebhookKeyError(
            f"the webhook key is a {type(key).__name__}, not an RSA public key "
            "(Volt signs webhooks with RSA)"
        )
    if key.key_size < MIN_KEY_BITS:
        raise WebhookKeyError(
            f"the webhook key has {key.key_size} bits; at least {MIN_KEY_BITS} are required"
        )
    return key


def load_public_key(data: bytes | str) -> RSAPublicKey:
    """An RSA public key from its text: PEM (SPKI or PKCS#1) or OpenSSH ``ssh-rsa AAAA...``.

    ::

        from pathlib import Path

        key = load_public_key(Path("id_rsa.pub").read_bytes())

    Volt's key file is named ``id_rsa.pub``, which suggests the OpenSSH format;
    both are accepted. Raises :class:`WebhookKeyError` for anything else, a key
    that is not RSA, or one shorter than :data:`MIN_KEY_BITS`.
    """
    if isinstance(data, str):
        raw = data.encode("utf-8", "replace")
    elif isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
    else:
        raise TypeError(f"data: expected bytes or str, got {type(data).__name__}")
    if len(raw) > MAX_KEY_BYTES:
        raise WebhookKeyError(f"the webhook key text is over {MAX_KEY_BYTES} bytes")
    text = raw.strip()
    if not text:
        raise WebhookKeyError("the webhook key text is empty")
    try:
        if text.startswith(b"-----BEGIN"):
            # load_pem_public_key reads both SPKI ("PUBLIC KEY") and PKCS#1 ("RSA PUBLIC KEY").
            return checked_key(load_pem_public_key(text))
        lines = [line.strip() for line in text.splitlines()]
        for line in lines:
            if line and not line.startswith(b"#"):
                # The first key line of an authorized_keys-style file; a comment may follow it.
                return checked_key(load_ssh_public_key(line))
        raise WebhookKeyError("the webhook key text has no key line")
    except WebhookKeyError:
        raise
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise WebhookKeyError(
            "not a public key in PEM or OpenSSH form "
            f"(expected '-----BEGIN PUBLIC KEY-----' or 'ssh-rsa AAAA...'): {exc}"
        ) from None


def clear_key_cache() -> None:
    """Forget every key :func:`fetch_public_key` cached (e.g. after Volt rotated its key)."""
    with _cache_lock:
        _cache.clear()


def fetch_public_key(
    url: str = DEFAULT_KEY_URL,
    *,
    timeout: float = 5.0,
    http_client: httpx.Client | None = None,
    ttl: float = DEFAULT_KEY_TTL,
    refresh: bool = False,
) -> RSAPublicKey:
    """Volt's webhook public key, downloaded from ``url`` and cached for ``ttl`` seconds.

    ::

        key = fetch_public_key()                          # Volt's id_rsa.pub
        key = fetch_public_key(sandbox.webhook_key_url)   # a local Sandbox's key

    Args:
        url: where the key is published; default :data:`DEFAULT_KEY_URL`.
        timeout: seconds for the whole download (connect, read).
        http_client: an ``httpx.Client`` to use (proxies, certificates); it is
            not closed, and ``timeout`` still applies to the request.
        ttl: seconds a cached key is reused; 0 always downloads.
        refresh: download even when a fresh key is cached (after a key rotation).

    Raises :class:`WebhookKeyError` for a network error, a timeout, a non-2xx
    answer, or a body that is not an acceptable key (see :func:`load_public_key`).
    Thread-safe; a failed download leaves the cache as it was.
    """
    _check_url(url, timeout)
    key = _cached(url, ttl, refresh)
    if key is None:
        key = _remember(url, ttl, download(url, timeout, http_client))
    return key


def _check_url(url: object, timeout: float) -> str:
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise WebhookKeyError(f"key URL: expected an http(s) URL, got {url!r}")
    if not timeout > 0:
        raise ValueError(f"timeout: expected seconds > 0, got {timeout!r}")
    return url


def _cached(url: str, ttl: float, refresh: bool) -> RSAPublicKey | None:
    """The key cached for ``url`` while it is fresh; None after ``refresh``, or with no ``ttl``."""
    if refresh or not ttl > 0:
        return None
    with _cache_lock:
        cached = _cache.get(url)
    return cached[1] if cached is not None and cached[0] > time.monotonic() else None


def _remember(url: str, ttl: float, data: bytes) -> RSAPublicKey:
    """The key ``data`` holds, downloaded from ``url``: cached for ``ttl`` seconds."""
    key = load_public_key(data)
    if ttl > 0:
        with _cache_lock:
            _cache[url] = (time.monotonic() + ttl, key)
    return key


async def fetch_public_key_async(
    url: str = DEFAULT_KEY_URL,
    *,
    timeout: float = 5.0,
    http_client: httpx.AsyncClient | None = None,
    ttl: float = DEFAULT_KEY_TTL,
    refresh: bool = False,
) -> RSAPublicKey:
    """:func:`fetch_public_key` for async code: the download does not block the event loop.

    Same arguments (``http_client`` is an ``httpx.AsyncClient``, not closed), same
    errors, and the same cache as :func:`fetch_public_key`: a key either one
    downloaded serves both.
    """
    _check_url(url, timeout)
    key = _cached(url, ttl, refresh)
    if key is None:
        key = _remember(url, ttl, await download_async(url, timeout, http_client))
    return key
