"""The sandbox's traffic counters: sends' arrivals and requests in flight.

``Sandbox.traffic()`` and ``GET /_sandbox/traffic``: what a fleet's limits are judged
by (``tests/e2e/test_fleet_limits.py``).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from volt_sdk import Volt
from volt_sdk.sandbox import FaultConfig, Sandbox, Traffic

from .conftest import OTHER


def test_each_send_is_recorded_in_order_and_queries_are_only_counted(
    volt: Volt, sandbox: Sandbox, sender: str
) -> None:
    sent = volt.send_message(to=OTHER, from_=sender, body="one")
    volt.get_message(sent.id)
    volt.send_message(to=OTHER, from_=sender, body="two")
    traffic = sandbox.traffic()
    assert traffic.requests == 3
    assert len(traffic.sends) == 2
    assert traffic.sends[0] <= traffic.sends[1]
    assert traffic.in_flight == 0
    assert traffic.max_in_flight == 1


def test_requests_held_by_latency_count_as_in_flight_together(
    sandbox: Sandbox, sender: str
) -> None:
    sandbox.set_faults(FaultConfig(latency=0.3))
    with (
        Volt(base_url=sandbox.url, token=sandbox.token, max_concurrency=4) as volt,
        ThreadPoolExecutor(4) as pool,
    ):
        list(pool.map(lambda _: volt.send_message(to=OTHER, from_=sender, body="x"), range(4)))
    traffic = sandbox.traffic()
    assert len(traffic.sends) == 4
    assert 2 <= traffic.max_in_flight <= 4  # at least two overlapped in 0.3 s each


def test_the_counters_are_read_over_http_and_cleared_by_a_reset(
    volt: Volt, sandbox: Sandbox, sender: str
) -> None:
    volt.send_message(to=OTHER, from_=sender, body="one")
    base = sandbox.url.rsplit("/graphql", 1)[0]
    headers = {"Authorization": f"Bearer {sandbox.token}"}
    answer = httpx.get(f"{base}/_sandbox/traffic", headers=headers)
    assert answer.status_code == 200
    assert Traffic.from_json(answer.json()) == sandbox.traffic()
    assert httpx.get(f"{base}/_sandbox/traffic").status_code == 401  # the token, as ever
    sandbox.reset()
    assert sandbox.traffic() == Traffic(requests=0, sends=(), in_flight=0, max_in_flight=0)
