"""``send_many`` through a client that holds a shared limiter.

Every send asks it, and two runs in one process (a ``Volt`` and an ``AsyncVolt``) share
one Redis concurrency cap, as the sandbox counts. The limits belong to the client;
``send_many(rate=, concurrency=)`` pace one run on top of them: a number for this run alone,
a limiter for a limit shared with whoever holds it (docs/limits.md).
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from tests.bulk.helpers import outgoing, statuses
from volt_sdk import AsyncVolt, LimiterUnavailableError, ValidationError, Volt
from volt_sdk.limits import LocalRateLimiter, RedisConcurrencyLimiter
from volt_sdk.sandbox import FaultConfig, Sandbox


class Counting(LocalRateLimiter):
    """A local limit that counts the sends asked for (never waits: a high rate)."""

    def __init__(self) -> None:
        super().__init__(1e6)
        self.asked = 0

    def reserve(self, count: int, max_wait: float) -> float | None:
        self.asked += count
        return 0.0


def test_every_send_of_a_run_asks_the_clients_shared_limiter(volt_sandbox: Sandbox) -> None:
    limiter = Counting()
    with Volt(max_rate=limiter) as volt:
        results = list(volt.send_many(outgoing(volt_sandbox, 12), concurrency=4))
    assert statuses(results) == {"sent": 12}
    assert limiter.asked == 12


@pytest.mark.parametrize("holder", ["client", "send_many"])
def test_two_runs_sharing_a_redis_cap_never_exceed_it_at_the_sandbox(
    volt_sandbox: Sandbox, redis_url: str, holder: str
) -> None:
    """The cap held by each run's client (``max_concurrency=``), or given to each run
    (``send_many(concurrency=)``): a blocking and an async run, 2 in flight between them.
    Without it each would keep 2 (``limit``) or 8 (``concurrency=8``) of its own."""
    volt_sandbox.set_faults(FaultConfig(latency=0.05))  # the fixture's reset removes it
    cap = RedisConcurrencyLimiter(redis_url, limit=2, name=f"bulk-{holder}")
    by_client: dict[str, Any] = {"max_concurrency": cap} if holder == "client" else {}
    by_run: dict[str, Any] = {"concurrency": 8 if holder == "client" else cap}
    results: list[object] = []

    def blocking_run() -> None:
        with Volt(**by_client) as volt:
            results.extend(volt.send_many(outgoing(volt_sandbox, 10), **by_run))

    async def async_run() -> None:
        async with AsyncVolt(**by_client) as volt:
            run = volt.send_many(outgoing(volt_sandbox, 10), **by_run)
            results.extend([r async for r in run])
        await cap.aclose()

    thread = threading.Thread(target=blocking_run, daemon=True)
    thread.start()
    try:
        asyncio.run(async_run())
    finally:
        thread.join(60)
        cap.close()
    assert len(results) == 20
    traffic = volt_sandbox.traffic()
    assert len(traffic.sends) == 20
    assert traffic.max_in_flight <= 2


# -- limiters given to send_many itself ------------------------------------------------------


class RecordingRate:
    """A RateLimiter (both halves) that records each reservation and never makes one wait."""

    rate = 1000.0

    def __init__(self, unavailable: bool = False) -> None:
        self.calls: list[str] = []
        self.unavailable = unavailable

    def reserve(self, count: int, max_wait: float) -> float | None:
        self.calls.append(f"reserve {count}")
        if self.unavailable:
            raise LimiterUnavailableError("redis is down", limiter="RecordingRate")
        return 0.0

    async def areserve(self, count: int, max_wait: float) -> float | None:
        self.calls.append(f"areserve {count}")
        if self.unavailable:
            raise LimiterUnavailableError("redis is down", limiter="RecordingRate")
        return 0.0


class RecordingSlots:
    """A ConcurrencyLimiter (both halves) that records every lease taken and given back."""

    limit = 3

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.held = 0
        self.most = 0
        self.events: list[str] = []
        self.holds: set[float] = set()

    def acquire(self, wait: float, hold: float) -> object | None:
        with self.lock:
            self.held += 1
            self.most = max(self.most, self.held)
            self.events.append("acquire")
            self.holds.add(hold)
            return object()

    async def aacquire(self, wait: float, hold: float) -> object | None:
        return self.acquire(wait, hold)

    def release(self, lease: object) -> None:
        with self.lock:
            self.held -= 1
            self.events.append("release")

    async def arelease(self, lease: object) -> None:
        self.release(lease)


def test_a_rate_limiter_given_to_send_many_is_asked_once_per_send(volt_sandbox: Sandbox) -> None:
    rate = RecordingRate()
    with Volt() as volt:
        results = list(volt.send_many(outgoing(volt_sandbox, 6), rate=rate))
    assert statuses(results) == {"sent": 6}
    assert rate.calls == ["reserve 1"] * 6


@pytest.mark.anyio
async def test_the_async_run_asks_the_async_halves(volt_sandbox: Sandbox) -> None:
    rate, slots = RecordingRate(), RecordingSlots()
    async with AsyncVolt() as volt:
        run = volt.send_many(outgoing(volt_sandbox, 5), rate=rate, concurrency=slots)
        results = [r async for r in run]
    assert statuses(results) == {"sent": 5}
    assert rate.calls == ["areserve 1"] * 5
    assert slots.events.count("acquire") == slots.events.count("release") == 5
    assert slots.held == 0


def test_each_send_holds_a_slot_and_the_run_keeps_to_its_limit(volt_sandbox: Sandbox) -> None:
    volt_sandbox.set_faults(FaultConfig(latency=0.02))
    slots = RecordingSlots()
    with Volt(deadline=30.0) as volt:
        results = list(volt.send_many(outgoing(volt_sandbox, 9), concurrency=slots))
    assert statuses(results) == {"sent": 9}
    assert slots.events.count("acquire") == slots.events.count("release") == 9
    assert slots.held == 0
    assert 1 <= slots.most <= 3  # the run's window is the limiter's limit
    assert slots.holds == {32.0}  # the client's deadline, plus the lease's margin


def test_a_limiter_the_client_holds_already_is_not_asked_twice(volt_sandbox: Sandbox) -> None:
    rate, slots = RecordingRate(), RecordingSlots()
    with Volt(max_rate=rate, max_concurrency=slots) as volt:
        results = list(volt.send_many(outgoing(volt_sandbox, 4), rate=rate, concurrency=slots))
    assert statuses(results) == {"sent": 4}
    assert rate.calls == ["reserve 1"] * 4  # by the client's executor, once per send
    assert slots.events.count("acquire") == 4


def test_an_unavailable_limiter_sends_nothing_and_fails_after_max_attempts(
    volt_sandbox: Sandbox,
) -> None:
    rate = RecordingRate(unavailable=True)
    with Volt() as volt:
        results = list(volt.send_many(outgoing(volt_sandbox, 2), rate=rate, max_attempts=2))
    assert statuses(results) == {"failed": 2}
    assert all(isinstance(r.error, LimiterUnavailableError) for r in results)
    assert {r.reason for r in results} == {"not sent after 2 attempts: redis is down"}
    assert rate.calls == ["reserve 1"] * 4
    assert volt_sandbox.outbox() == []


@pytest.mark.parametrize(
    ("options", "argument", "expected"),
    [
        (
            {"rate": "fast"},
            "rate",
            "None, a positive number of messages per second or a RateLimiter",
        ),
        ({"concurrency": object()}, "concurrency", "an int from 1 to 1024 or a ConcurrencyLimiter"),
    ],
)
def test_something_that_is_neither_a_number_nor_a_limiter_is_refused(
    options: dict[str, object], argument: str, expected: str
) -> None:
    with Volt() as volt, pytest.raises(ValidationError) as caught:
        volt.send_many([], **options)  # type: ignore[arg-type]
    assert caught.value.argument == argument
    assert str(caught.value).startswith(f"{argument}: expected {expected}, got ")
