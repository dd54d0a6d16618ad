"""A connection pool never queues the requests the caller allowed.

The client's own pool follows ``max_concurrency``, and ``send_many``'s
``concurrency``: a server that answers nobody until N requests are in flight at
once must see all N, past httpx's default pool of 100. A client of your own
keeps the limits you gave it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import httpx
import pytest

from tests.hostile.behaviours import answer_valid
from tests.hostile.harness import ClientClass
from tests.hostile.server import Exchange, HostileServer
from tests.payloads import FROM
from volt_sdk import AsyncVolt, OutgoingMessage, Volt

pytestmark = pytest.mark.anyio

#: More than httpx's default pool (100).
IN_FLIGHT = 120


class Rendezvous:
    """Answers each request once IN_FLIGHT of them are in at the same time."""

    def __init__(self) -> None:
        self.barrier = threading.Barrier(IN_FLIGHT, timeout=10)
        self.broken = threading.Event()
        self.valid = answer_valid()

    def __call__(self, exchange: Exchange) -> None:
        try:
            self.barrier.wait()
        except threading.BrokenBarrierError:
            self.broken.set()
        self.valid(exchange)


@pytest.fixture
def rendezvous() -> Rendezvous:
    return Rendezvous()


@pytest.fixture
def server(rendezvous: Rendezvous) -> Iterator[HostileServer]:
    with HostileServer(rendezvous, cap=30, max_connections=IN_FLIGHT + 10) as hostile:
        yield hostile


def recipient(i: int) -> str:
    return f"+1555{3_000_000 + i:07d}"


async def test_max_concurrency_sizes_the_pool(
    client_class: ClientClass, server: HostileServer, rendezvous: Rendezvous
) -> None:
    options: dict[str, Any] = {
        "base_url": server.url,
        "max_concurrency": IN_FLIGHT,
        "max_retries": 0,
    }
    if issubclass(client_class, Volt):

        def run() -> None:
            with Volt(**options) as volt, ThreadPoolExecutor(IN_FLIGHT) as pool:
                list(pool.map(lambda i: volt.get_message(f"m{i}"), range(IN_FLIGHT)))

        await anyio.to_thread.run_sync(run)
    else:
        async with client_class(**options) as async_volt:
            await asyncio.gather(*(async_volt.get_message(f"m{i}") for i in range(IN_FLIGHT)))
    assert not rendezvous.broken.is_set(), "fewer requests in flight than allowed"
    assert len(server.requests) == IN_FLIGHT


async def test_send_many_sizes_the_pool_to_its_concurrency(
    client_class: ClientClass, server: HostileServer, rendezvous: Rendezvous
) -> None:
    items = [
        OutgoingMessage(to=recipient(i), from_=FROM, body="hi", key=str(i))
        for i in range(IN_FLIGHT)
    ]
    options: dict[str, Any] = {"base_url": server.url, "max_retries": 0}
    if issubclass(client_class, Volt):

        def run() -> list[str]:
            with Volt(**options) as volt:
                return [r.status for r in volt.send_many(items, concurrency=IN_FLIGHT)]

        statuses = await anyio.to_thread.run_sync(run)
    else:
        async with client_class(**options) as async_volt:
            statuses = [r.status async for r in async_volt.send_many(items, concurrency=IN_FLIGHT)]
    assert not rendezvous.broken.is_set(), "fewer requests in flight than allowed"
    assert statuses == ["sent"] * IN_FLIGHT


def pool_sizes(client: httpx.Client | httpx.AsyncClient) -> tuple[int, int]:
    """The pool's (max connections, max kept alive): httpcore's private fields."""
    pool: Any = getattr(client, "_transport")._pool  # noqa: B009
    return pool._max_connections, pool._max_keepalive_connections


def test_the_own_pool_keeps_every_connection_alive_and_never_shrinks() -> None:
    with Volt() as volt:
        assert pool_sizes(volt._http) == (100, 100)  # pyright: ignore[reportPrivateUsage]
    with Volt(max_concurrency=7) as volt:
        assert pool_sizes(volt._http) == (7, 7)  # pyright: ignore[reportPrivateUsage]
        volt.send_many([], concurrency=50)
        assert pool_sizes(volt._http) == (50, 50)  # pyright: ignore[reportPrivateUsage]
        volt.send_many([], concurrency=20)
        assert pool_sizes(volt._http) == (50, 50)  # pyright: ignore[reportPrivateUsage]


async def test_a_pool_of_your_own_keeps_its_limits() -> None:
    limits = httpx.Limits(max_connections=5, max_keepalive_connections=2)
    async with httpx.AsyncClient(limits=limits) as http:
        volt = AsyncVolt(http_client=http, max_concurrency=50)
        volt.send_many([], concurrency=80)
        assert pool_sizes(http) == (5, 2)
