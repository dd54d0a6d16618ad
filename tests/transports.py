"""The transports the client tests run over: httpx's own, and aiohttp's.

:class:`AsyncVoltOverAiohttp` is what a user writes,
``AsyncVolt(http_client=AioHttpClient())``, packed into one class that closes its
``AioHttpClient`` with itself, so that a test that takes a client class can take
it where it takes ``AsyncVolt``.
"""

from __future__ import annotations

import inspect
from typing import Any

from volt_sdk import AioHttpClient, AsyncVolt, Volt

__all__ = ["CLIENT_CLASSES", "AsyncVoltOverAiohttp"]


class AsyncVoltOverAiohttp(AsyncVolt):
    """``AsyncVolt(http_client=AioHttpClient(), ...)``, closing its AioHttpClient on close."""

    __signature__ = inspect.signature(AsyncVolt)

    def __init__(self, **options: Any) -> None:
        super().__init__(http_client=AioHttpClient(), **options)
        # Closed with this client (not with its with_options copies), as the SDK's own.
        self._owns_http_client = True


#: Every client the transport-sensitive tests run with, by the name they show as.
CLIENT_CLASSES: dict[str, type[Volt] | type[AsyncVolt]] = {
    "Volt": Volt,
    "AsyncVolt": AsyncVolt,
    "AsyncVolt-aiohttp": AsyncVoltOverAiohttp,
}
