"""Running one test on both clients: call a method, await it if it is a coroutine."""

from __future__ import annotations

import inspect
from typing import Any

from volt_sdk import AsyncVolt, Volt

#: The clients a test of both runs with (httpx mocks: no aiohttp).
CLIENTS: list[type[Volt] | type[AsyncVolt]] = [Volt, AsyncVolt]


async def resolve(value: Any) -> Any:
    """``value``, awaited when the async client returned a coroutine."""
    return await value if inspect.isawaitable(value) else value


async def close(client: Volt | AsyncVolt) -> None:
    await resolve(client.close())
