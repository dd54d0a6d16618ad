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

from ._errors import WebhookKeyError

if TYPE_CHECKING:
    import httpx

__all__ = [
    "DEFAULT_KEY_TTL",
    "DEFAULT_KEY_URL",
    "MIN_KEY_BITS",
    "checked_key",
    "clear_key_cache",
    "download",
    "download_async",
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

# A public key file is a few hundred bytes; anything much larger is not one.
_MAX_KEY_BYTES: Final = 64 * 1024

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
    if len(raw) > _MAX_KEY_BYTES:
        raise WebhookKeyError(f"the webhook key text is over {_MAX_KEY_BYTES} bytes")
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
    now = time.monotonic()
    if not refresh and ttl > 0:
        with _cache_lock:
            cached = _cache.get(url)
        if cached is not None and cached[0] > now:
            return cached[1]
    data = download(url, timeout, http_client)
    key = load_public_key(data)
    if ttl > 0:
        with _cache_lock:
            _cache[url] = (time.monotonic() + ttl, key)
    return key


def _check_url(url: object, timeout: float) -> str:
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise WebhookKeyError(f"key URL: expected an http(s) URL, got {url!r}")
    if not timeout > 0:
        raise ValueError(f"timeout: expected seconds > 0, got {timeout!r}")
    return url


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
    if not refresh and ttl > 0:
        with _cache_lock:
            cached = _cache.get(url)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
    data = await download_async(url, timeout, http_client)
    key = load_public_key(data)
    if ttl > 0:
        with _cache_lock:
            _cache[url] = (time.monotonic() + ttl, key)
    return key


def _status_error(url: str, status: int) -> WebhookKeyError:
    return WebhookKeyError(f"fetching the webhook key from {url}: HTTP {status}")


def _too_large(url: str) -> WebhookKeyError:
    return WebhookKeyError(f"fetching the webhook key from {url}: over {_MAX_KEY_BYTES} bytes")


def download(url: str, timeout: float, http_client: httpx.Client | None) -> bytes:
    """The key file's bytes (at most 64 KiB); :class:`WebhookKeyError` for any failure."""
    import httpx

    def read(client: httpx.Client) -> bytes:
        with client.stream("GET", url, timeout=timeout, follow_redirects=False) as response:
            if not 200 <= response.status_code < 300:
                raise _status_error(url, response.status_code)
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > _MAX_KEY_BYTES:
                    raise _too_large(url)
                chunks.append(chunk)
            return b"".join(chunks)

    try:
        if http_client is not None:
            return read(http_client)
        with httpx.Client() as client:
            return read(client)
    except httpx.TimeoutException:
        raise WebhookKeyError(
            f"fetching the webhook key from {url}: no answer within {timeout:g}s"
        ) from None
    except httpx.HTTPError as exc:
        raise WebhookKeyError(f"fetching the webhook key from {url}: {exc}") from None


async def download_async(url: str, timeout: float, http_client: httpx.AsyncClient | None) -> bytes:
    """:func:`download` with ``httpx.AsyncClient``."""
    import httpx

    async def read(client: httpx.AsyncClient) -> bytes:
        async with client.stream("GET", url, timeout=timeout, follow_redirects=False) as response:
            if not 200 <= response.status_code < 300:
                raise _status_error(url, response.status_code)
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > _MAX_KEY_BYTES:
                    raise _too_large(url)
                chunks.append(chunk)
            return b"".join(chunks)

    try:
        if http_client is not None:
            return await read(http_client)
        async with httpx.AsyncClient() as client:
            return await read(client)
    except httpx.TimeoutException:
        raise WebhookKeyError(
            f"fetching the webhook key from {url}: no answer within {timeout:g}s"
        ) from None
    except httpx.HTTPError as exc:
        raise WebhookKeyError(f"fetching the webhook key from {url}: {exc}") from None
