"""``send_many`` through a client that holds a shared limiter.

Every send asks it, and two runs in one process (a ``Volt`` and an ``AsyncVolt``) share
one Redis concurrency cap, as the sandbox counts. The limits belong to the client;
``send_many(rate=, concurrency=)`` only pace one run on top of them (docs/limits.md).
"""

from __future__ import annotations

import asyncio
import threading

from tests.bulk.helpers import outgoing, statuses
from volt_sdk import AsyncVolt, Volt
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


def test_two_runs_sharing_a_redis_cap_never_exceed_it_at_the_sandbox(
    volt_sandbox: Sandbox, redis_url: str
) -> None:
    volt_sandbox.set_faults(FaultConfig(latency=0.05))  # the fixture's reset removes it
    cap = RedisConcurrencyLimiter(redis_url, limit=2, name="bulk")
    results: list[object] = []

    def blocking_run() -> None:
        with Volt(max_concurrency=cap) as volt:
            results.extend(volt.send_many(outgoing(volt_sandbox, 10), concurrency=8))

    async def async_run() -> None:
        async with AsyncVolt(max_concurrency=cap) as volt:
            run = volt.send_many(outgoing(volt_sandbox, 10), concurrency=8)
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
