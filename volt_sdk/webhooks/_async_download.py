"""The download of Volt's webhook key file, with ``httpx.AsyncClient``.

Written once, as async code (``_async_download.py``); the blocking twin
(``_sync_download.py``) is generated from it by ``codegen/unasync.py``.
``_keys`` and ``_keycache`` download with both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from ._errors import WebhookKeyError

if TYPE_CHECKING:
    import httpx

__all__ = ["MAX_KEY_BYTES", "download_async", "try_download_async"]

MAX_KEY_BYTES: Final = 64 * 1024
"""A public key file is a few hundred bytes; anything much larger is not one."""


async def download_async(url: str, timeout: float, http_client: httpx.AsyncClient | None) -> bytes:
    """The key file's bytes (at most 64 KiB); :class:`WebhookKeyError` for any failure."""
    import httpx

    where = f"fetching the webhook key from {url}"

    async def read(client: httpx.AsyncClient) -> bytes:
        async with client.stream("GET", url, timeout=timeout, follow_redirects=False) as response:
            if not 200 <= response.status_code < 300:
                raise WebhookKeyError(f"{where}: HTTP {response.status_code}")
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_KEY_BYTES:
                    raise WebhookKeyError(f"{where}: over {MAX_KEY_BYTES} bytes")
                chunks.append(chunk)
            return b"".join(chunks)

    try:
        if http_client is not None:
            return await read(http_client)
        async with httpx.AsyncClient() as client:
            return await read(client)
    except httpx.TimeoutException:
        raise WebhookKeyError(f"{where}: no answer within {timeout:g}s") from None
    except httpx.HTTPError as exc:
        raise WebhookKeyError(f"{where}: {exc}") from None


async def try_download_async(
    url: str, timeout: float, http_client: httpx.AsyncClient | None
) -> bytes | WebhookKeyError:
    """:func:`download_async`, its failure returned instead of raised."""
    try:
        return await download_async(url, timeout, http_client)
    except WebhookKeyError as error:
        return error
