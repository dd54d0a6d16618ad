"""Limiter objects given to ``max_rate`` / ``max_concurrency``, on both clients: what is asked
when, the waits (on the fake clock), the deadline, cancellation, Redis down, and sharing."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from tests.clock import FakeClock
from tests.payloads import FROM, TO, URL, message_data
from volt_sdk import (
    APIStatusError,
    AsyncVolt,
    ConfigurationError,
    LimiterUnavailableError,
    Volt,
    VoltTimeoutError,
)
from volt_sdk.limits import (
    LocalRateLimiter,
    RedisConcurrencyLimiter,
    RedisRateLimiter,
)

pytestmark = pytest.mark.anyio

CLIENTS = [Volt, AsyncVolt]
ClientClass = type[Volt] | type[AsyncVolt]
SENT = {"data": {"createMessage": message_data()}}
MESSAGE = {"data": {"message": message_data()}}
NOWHERE = "redis://127.0.0.1:1/0"


async def resolve(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


async def send(client: Volt | AsyncVolt) -> Any:
    return await resolve(client.send_message(to=TO, from_=FROM, body="hi"))


class CountingRate:
    """A RateLimiter that records each call and grants what it is told."""

    rate = 4.0

    def __init__(self, grants: list[float | None]) -> None:
        self.grants = grants
        self.calls: list[tuple[str, int, float]] = []

    def reserve(self, count: int, max_wait: float) -> float | None:
        self.calls.append(("reserve", count, max_wait))
        return self.grants.pop(0)

    async def areserve(self, count: int, max_wait: float) -> float | None:
        self.calls.append(("areserve", count, max_wait))
        return self.grants.pop(0)


class CountingSlots:
    """A ConcurrencyLimiter of ``free`` slots that records acquisitions and releases."""

    limit = 2

    def __init__(self, free: int = 2) -> None:
        self.free = free
        self.events: list[str] = []
        self.asked: list[tuple[float, float]] = []

    def acquire(self, wait: float, hold: float) -> object | None:
        self.asked.append((wait, hold))
        if self.free == 0:
            return None
        self.free -= 1
        self.events.append("acquire")
        return "lease"

    async def aacquire(self, wait: float, hold: float) -> object | None:
        return self.acquire(wait, hold)

    def release(self, lease: object) -> None:
        assert lease == "lease"
        self.free += 1
        self.events.append("release")

    async def arelease(self, lease: object) -> None:
        self.release(lease)


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_a_rate_limiter_is_asked_before_each_send_and_its_wait_is_slept(
    httpx_mock: HTTPXMock, fake_clock: FakeClock, client_class: ClientClass
) -> None:
    httpx_mock.add_response(url=URL, json=SENT, is_reusable=True)
    limiter = CountingRate([0.0, 0.25])
    with_client = client_class(max_rate=limiter, deadline=10)
    try:
        await send(with_client)
        await send(with_client)
    finally:
        await resolve(with_client.close())
    half = "areserve" if client_class is AsyncVolt else "reserve"
    assert limiter.calls == [(half, 1, 10.0), (half, 1, 10.0)]
    assert fake_clock.sleeps == [0.25]


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_queries_are_not_counted_against_a_rate_limiter(
    httpx_mock: HTTPXMock, fake_clock: FakeClock, client_class: ClientClass
) -> None:
    httpx_mock.add_response(url=URL, json=MESSAGE)
    limiter = CountingRate([])
    client = client_class(max_rate=limiter)
    try:
        await resolve(client.get_message("msg_1"))
    finally:
        await resolve(client.close())
    assert limiter.calls == []


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_a_rate_wait_past_the_deadline_sends_nothing(
    httpx_mock: HTTPXMock, fake_clock: FakeClock, client_class: ClientClass
) -> None:
    client = client_class(max_rate=CountingRate([None]), deadline=3, max_retries=0)
    try:
        with pytest.raises(VoltTimeoutError, match="shared rate limit") as caught:
            await send(client)
    finally:
        await resolve(client.close())
    assert caught.value.request_sent is False
    assert httpx_mock.get_requests() == []
    assert fake_clock.sleeps == []


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_a_local_rate_limiter_shared_by_two_clients_is_one_limit(
    httpx_mock: HTTPXMock, fake_clock: FakeClock, client_class: ClientClass
) -> None:
    httpx_mock.add_response(url=URL, json=SENT, is_reusable=True)
    shared = LocalRateLimiter(2, burst=1)
    a = client_class(max_rate=shared)
    b = client_class(max_rate=shared)
    try:
        await send(a)
        await send(b)
        await send(a.with_options(token="tok_other_0123456789"))  # another token: still shared
    finally:
        await resolve(a.close())
        await resolve(b.close())
    assert fake_clock.sleeps == [pytest.approx(0.5), pytest.approx(0.5)]


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_a_slot_is_held_for_the_send_and_given_back_even_on_an_error(
    httpx_mock: HTTPXMock, fake_clock: FakeClock, client_class: ClientClass
) -> None:
    httpx_mock.add_response(url=URL, json=MESSAGE)
    httpx_mock.add_response(url=URL, status_code=500)
    slots = CountingSlots()
    client = client_class(max_concurrency=slots, deadline=20)
    try:
        await resolve(client.get_message("msg_1"))
        with pytest.raises(APIStatusError):  # the slot must come back after an error too
            await resolve(client.get_message("msg_1"))
    finally:
        await resolve(client.close())
    assert slots.events == ["acquire", "release", "acquire", "release"]
    wait, hold = slots.asked[0]
    assert wait == 20.0
    assert hold > wait  # a dead process's lease outlives the call's deadline


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_no_free_slot_before_the_deadline_sends_nothing(
    httpx_mock: HTTPXMock, fake_clock: FakeClock, client_class: ClientClass
) -> None:
    client = client_class(max_concurrency=CountingSlots(free=0), max_retries=0)
    try:
        with pytest.raises(VoltTimeoutError, match="shared concurrency cap") as caught:
            await send(client)
    finally:
        await resolve(client.close())
    assert caught.value.request_sent is False
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_redis_down_is_a_typed_error_before_any_request(
    httpx_mock: HTTPXMock, client_class: ClientClass
) -> None:
    rate = RedisRateLimiter(NOWHERE, rate=5, timeout=0.5)
    slots = RedisConcurrencyLimiter(NOWHERE, limit=2, timeout=0.5)
    for options in ({"max_rate": rate}, {"max_concurrency": slots}):
        client = client_class(**options)
        try:
            with pytest.raises(LimiterUnavailableError):
                await send(client)
        finally:
            await resolve(client.close())
    assert httpx_mock.get_requests() == []
    await rate.aclose()
    await slots.aclose()


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_redis_limiters_let_sends_through_and_leave_no_lease(
    httpx_mock: HTTPXMock, redis_url: str, client_class: ClientClass
) -> None:
    import redis

    httpx_mock.add_response(url=URL, json=SENT, is_reusable=True)
    rate = RedisRateLimiter(redis_url, rate=1000, burst=10, name="clients")
    slots = RedisConcurrencyLimiter(redis_url, limit=2, name="clients")
    client = client_class(max_rate=rate, max_concurrency=slots)
    try:
        for _ in range(3):
            await send(client)
    finally:
        await resolve(client.close())
        await rate.aclose()
        await slots.aclose()
        rate.close()
        slots.close()
    assert len(httpx_mock.get_requests()) == 3
    assert redis.Redis.from_url(redis_url).zcard("volt_sdk:slots:clients") == 0


async def test_cancelling_a_call_waiting_for_the_rate_sends_nothing(
    httpx_mock: HTTPXMock,
) -> None:
    waiting = asyncio.Event()

    class Slow(CountingRate):
        async def areserve(self, count: int, max_wait: float) -> float | None:
            waiting.set()
            return 30.0  # the executor sleeps this (the real asyncio sleep)

    client = AsyncVolt(max_rate=Slow([]), deadline=60)
    try:
        task = asyncio.ensure_future(send(client))
        await waiting.wait()
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    finally:
        await client.close()
    assert httpx_mock.get_requests() == []


async def test_cancelling_a_call_waiting_for_a_redis_slot_sends_nothing(
    httpx_mock: HTTPXMock, redis_url: str
) -> None:
    slots = RedisConcurrencyLimiter(redis_url, limit=1, name="cancel")
    held = slots.try_acquire(30.0)  # another process holds the only slot
    assert held is not None
    client = AsyncVolt(max_concurrency=slots, deadline=60)
    try:
        task = asyncio.ensure_future(send(client))
        for _ in range(20):
            await asyncio.sleep(0.01)  # let it poll a few times
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    finally:
        await client.close()
        await slots.aclose()
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_something_that_is_not_a_limiter_is_refused_naming_the_option(
    client_class: ClientClass,
) -> None:
    with pytest.raises(ConfigurationError, match=r"^max_rate: .*RateLimiter"):
        client_class(max_rate="10/s")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match=r"^max_concurrency: .*ConcurrencyLimiter"):
        client_class(max_concurrency=CountingRate([]))  # type: ignore[arg-type]


def test_a_limiter_sizes_the_clients_own_pool() -> None:
    with Volt(max_concurrency=CountingSlots()) as volt:
        pool = volt._http._transport._pool  # type: ignore[attr-defined]
        assert pool._max_connections == 2


def test_nothing_redis_is_imported_by_volt_sdk_or_volt_sdk_limits() -> None:
    import subprocess
    import sys

    code = "import sys, volt_sdk, volt_sdk.limits; print('redis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


_ = httpx  # the mock's transport type, for readers of the pool test
