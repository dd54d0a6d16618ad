"""The client's own pool keeps its connections: sequential calls share one.

(A check that wrongly found every idle connection "readable" would make the
pool drop each one after its request: correct, but a new connection, and on
the real API a TLS handshake, for every call.)
"""

from __future__ import annotations

from typing import Any

import pytest

from volt_sdk import AsyncVolt, Volt

from .sandbox_process import TOKEN

pytestmark = pytest.mark.anyio


def pool_of(client: Any) -> Any:
    return client._http._transport._pool  # httpcore's pool, behind httpx's transport


async def test_sequential_async_calls_share_one_connection(server_url: str) -> None:
    async with AsyncVolt(token=TOKEN, base_url=server_url) as volt:
        for i in range(5):
            await volt.send_message(to=f"+1555{3_100_000 + i:07d}", from_="+15555550123", body="hi")
        assert len(pool_of(volt).connections) == 1


def test_sequential_blocking_calls_share_one_connection(server_url: str) -> None:
    with Volt(token=TOKEN, base_url=server_url) as volt:
        for i in range(5):
            volt.send_message(to=f"+1555{3_200_000 + i:07d}", from_="+15555550123", body="hi")
        assert len(pool_of(volt).connections) == 1
