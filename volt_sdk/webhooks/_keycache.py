"""The receiver's key: fetched when needed, cached, refreshed once per interval after a failure.

A key rotation looks, from the receiver, like a genuine request whose signature does
not verify with the cached key. So on a verification failure the receiver asks for one
fresh download before refusing; a forger can provoke that at will, so the refresh is
rate-limited (at most one per ``refresh_interval``), and a failed download is not tried
again for ``failure_backoff`` seconds. Every clock reading goes through
``volt_sdk._concurrency`` (tests replace it).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Final

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from volt_sdk import _concurrency

from ._async_download import download_async, try_download_async
from ._errors import WebhookKeyError
from ._keys import DEFAULT_KEY_TTL, DEFAULT_KEY_URL, load_public_key
from ._signature import PublicKeyLike, as_public_key
from ._sync_download import download, try_download

if TYPE_CHECKING:
    import httpx

__all__ = ["DEFAULT_REFRESH_INTERVAL", "KeyCache"]

DEFAULT_REFRESH_INTERVAL: Final = 60.0
"""At most one forced key refresh per this many seconds, whatever the requests."""

_DEFAULT_FAILURE_BACKOFF: Final = 5.0


class KeyCache:
    """Volt's webhook key for a :class:`WebhookReceiver`: downloaded, cached, refreshed on rotation.

    Args:
        url: where the key is published (:data:`DEFAULT_KEY_URL`; a sandbox's
            ``webhook_key_url``).
        key: a fixed key instead (a loaded key, PEM or OpenSSH text): never
            downloaded, never refreshed.
        ttl: seconds a downloaded key is used before it is downloaded again. When
            that download fails, the previous key stays in use.
        refresh_interval: a signature that does not verify triggers one download
            of the key (Volt may have rotated it), at most once per this many
            seconds: a flood of forged requests makes one download per interval.
        failure_backoff: after a failed download, seconds during which the failure
            is reported again without a new download.
        timeout: seconds for one download.
        http_client: an ``httpx.Client`` for the blocking downloads (not closed).
        async_http_client: an ``httpx.AsyncClient`` for the async ones (not closed).

    Thread-safe. :meth:`get` / :meth:`refresh` block; :meth:`get_async` /
    :meth:`refresh_async` download with ``httpx.AsyncClient``. All four share one
    cache and one refresh budget.
    """

    def __init__(
        self,
        url: str = DEFAULT_KEY_URL,
        *,
        key: PublicKeyLike | None = None,
        ttl: float = DEFAULT_KEY_TTL,
        refresh_interval: float = DEFAULT_REFRESH_INTERVAL,
        failure_backoff: float = _DEFAULT_FAILURE_BACKOFF,
        timeout: float = 5.0,
        http_client: httpx.Client | None = None,
        async_http_client: httpx.AsyncClient | None = None,
    ) -> None:
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise ValueError(f"url: expected an http(s) URL, got {url!r}")
        for name, value in (
            ("ttl", ttl),
            ("refresh_interval", refresh_interval),
            ("failure_backoff", failure_backoff),
        ):
            if not value >= 0:
                raise ValueError(f"{name}: expected seconds >= 0, got {value!r}")
        if not timeout > 0:
            raise ValueError(f"timeout: expected seconds > 0, got {timeout!r}")
        self.url = url
        """Where the key is downloaded from."""
        self._fixed = as_public_key(key) if key is not None else None
        self._ttl = ttl
        self._refresh_interval = refresh_interval
        self._failure_backoff = failure_backoff
        self._timeout = timeout
        self._http_client = http_client
        self._async_http_client = async_http_client
        self._lock = threading.Lock()
        self._key: RSAPublicKey | None = self._fixed
        self._expires = float("inf")
        self._last_refresh: float | None = None
        self._failure: tuple[float, WebhookKeyError] | None = None
        self.downloads = 0
        """How many downloads were attempted (for tests and metrics)."""

    @property
    def refreshable(self) -> bool:
        """False for a fixed ``key``: nothing to download."""
        return self._fixed is None

    # The decisions, shared by the blocking and the async paths.

    def _cached(self, now: float) -> RSAPublicKey | None:
        """The key to use now; None when it is to be downloaded (the download is counted)."""
        with self._lock:
            if self._key is not None and (self._fixed is not None or now < self._expires):
                return self._key
            if self._failure is not None and now < self._failure[0]:
                if self._key is not None:
                    return self._key  # a stale key beats no key while the URL fails
                raise self._failure[1]
            self.downloads += 1
            return None

    def _claim_refresh(self, now: float) -> bool:
        """Whether a forced refresh may download now (and if so, it is counted)."""
        with self._lock:
            if self._fixed is not None:
                return False
            if self._last_refresh is not None and now - self._last_refresh < self._refresh_interval:
                return False
            self._last_refresh = now
            self.downloads += 1
            return True

    def _store(self, data: bytes, now: float) -> RSAPublicKey:
        key = load_public_key(data)
        with self._lock:
            self._key = key
            self._expires = now + self._ttl
            self._failure = None
        return key

    def _failed(self, error: WebhookKeyError, now: float) -> RSAPublicKey:
        with self._lock:
            self._failure = (now + self._failure_backoff, error)
            if self._key is not None:
                return self._key  # the TTL ran out and the URL fails: keep the old key
        raise error

    def _load(self, data: bytes | WebhookKeyError, now: float) -> RSAPublicKey:
        """The key of a download that ``_cached`` asked for, or the failure's outcome."""
        if isinstance(data, WebhookKeyError):
            return self._failed(data, now)
        try:
            return self._store(data, now)
        except WebhookKeyError as error:
            return self._failed(error, now)

    # Blocking.

    def get(self) -> RSAPublicKey:
        """The key: cached, else downloaded. Raises :class:`WebhookKeyError` when there is none."""
        now = _concurrency.monotonic()
        key = self._cached(now)
        if key is None:
            key = self._load(try_download(self.url, self._timeout, self._http_client), now)
        return key

    def refresh(self) -> RSAPublicKey | None:
        """A freshly downloaded key, or None when a refresh ran less than ``refresh_interval`` ago.

        Raises :class:`WebhookKeyError` when the download fails.
        """
        now = _concurrency.monotonic()
        if not self._claim_refresh(now):
            return None
        return self._store(download(self.url, self._timeout, self._http_client), now)

    # Async: the same decisions, downloads with httpx.AsyncClient.

    async def get_async(self) -> RSAPublicKey:
        """:meth:`get`, downloading with ``httpx.AsyncClient``."""
        now = _concurrency.monotonic()
        key = self._cached(now)
        if key is None:
            client = self._async_http_client
            key = self._load(await try_download_async(self.url, self._timeout, client), now)
        return key

    async def refresh_async(self) -> RSAPublicKey | None:
        """:meth:`refresh`, downloading with ``httpx.AsyncClient``."""
        now = _concurrency.monotonic()
        if not self._claim_refresh(now):
            return None
        data = await download_async(self.url, self._timeout, self._async_http_client)
        return self._store(data, now)
