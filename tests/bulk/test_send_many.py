"""One result per item, in completion order, within the concurrency, rate and memory bounds."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import AsyncIterator, Generator, Iterator

import httpx
import pytest

from tests.bulk.helpers import (
    operation,
    outbox_counts,
    outgoing,
    recipient,
    statuses,
)
from tests.clock import FakeClock
from tests.payloads import message_data
from volt_sdk import (
    AsyncVolt,
    BulkResult,
    OutgoingMessage,
    ValidationError,
    Volt,
)
from volt_sdk.sandbox import Sandbox


def test_every_item_gets_exactly_one_result_and_one_message(volt_sandbox: Sandbox) -> None:
    with Volt() as volt:
        results = list(volt.send_many(outgoing(volt_sandbox, 50), concurrency=8))
    assert sorted(r.index for r in results) == list(range(50))
    assert statuses(results) == {"sent": 50}
    assert {r.key for r in results} == {f"#{i}" for i in range(50)}
    sent = {m.id: m for m in volt_sandbox.outbox()}
    assert len(sent) == 50
    for r in results:
        assert r.message is not None
        assert r.message_id == r.message.id
        assert sent[r.message_id].to_number == recipient(r.index)
        assert sent[r.message_id].body == f"Hi {r.index}"
        assert (r.attempts, r.resumed, r.reconciled, r.error, r.reason) == (
            1,
            False,
            False,
            None,
            None,
        )


@pytest.mark.anyio
async def test_the_async_client_takes_an_async_iterable(volt_sandbox: Sandbox) -> None:
    async def messages() -> AsyncIterator[OutgoingMessage]:
        for message in outgoing(volt_sandbox, 30):
            await asyncio.sleep(0)
            yield message

    async with AsyncVolt() as volt:
        results = [r async for r in volt.send_many(messages(), concurrency=4)]
    assert sorted(r.index for r in results) == list(range(30))
    assert statuses(results) == {"sent": 30}
    assert outbox_counts(volt_sandbox) == Counter(recipient(i) for i in range(30))


def test_results_come_in_completion_order_not_input_order() -> None:
    # The first item is answered only once the caller has every other result, so
    # every other one completes before it (a timeout only keeps a bug from hanging).
    others_done = threading.Event()

    def answer(request: httpx.Request) -> httpx.Response:
        _, variables = operation(request)
        if variables["to"] == recipient(0):
            others_done.wait(timeout=30)
        return httpx.Response(200, json={"data": {"createMessage": message_data()}})

    order: list[int] = []
    with Volt(http_client=httpx.Client(transport=httpx.MockTransport(answer))) as volt:
        messages = (
            OutgoingMessage(to=recipient(i), from_="+15555550123", body="x") for i in range(6)
        )
        for result in volt.send_many(messages, concurrency=3):
            order.append(result.index)
            if len(order) == 5:
                others_done.set()
    assert sorted(order) == list(range(6))
    assert order[-1] == 0


@pytest.mark.parametrize("concurrency", [1, 3, 7])
def test_no_more_requests_run_at_once_than_the_concurrency(concurrency: int) -> None:
    lock = threading.Lock()
    in_flight = peak = 0
    # The first requests are held until `concurrency` of them are in flight together
    # (a timeout only keeps a bug from hanging); later ones are answered at once.
    full = threading.Event()

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
            if in_flight == concurrency:
                full.set()
        full.wait(timeout=30)
        with lock:
            in_flight -= 1
        return httpx.Response(200, json={"data": {"createMessage": message_data()}})

    messages = (OutgoingMessage(to=recipient(i), from_="+15555550123", body="x") for i in range(30))
    with Volt(http_client=httpx.Client(transport=httpx.MockTransport(answer))) as volt:
        results = list(volt.send_many(messages, concurrency=concurrency))
    assert len(results) == 30
    assert peak == concurrency


@pytest.mark.anyio
async def test_the_async_client_respects_the_concurrency_too() -> None:
    in_flight = peak = 0
    full = asyncio.Event()  # set once 5 requests are in flight together

    async def answer(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        if in_flight == 5:
            full.set()
        await asyncio.wait_for(full.wait(), timeout=30)
        in_flight -= 1
        return httpx.Response(200, json={"data": {"createMessage": message_data()}})

    messages = (OutgoingMessage(to=recipient(i), from_="+15555550123", body="x") for i in range(40))
    async with AsyncVolt(http_client=httpx.AsyncClient(transport=httpx.MockTransport(answer))) as v:
        results = [r async for r in v.send_many(messages, concurrency=5)]
    assert len(results) == 40
    assert peak == 5


def send_all(
    client: str, messages: Iterator[OutgoingMessage], *, concurrency: int, rate: float
) -> list[BulkResult]:
    """Every result of one ``send_many`` run, by the blocking or the async client."""
    if client == "sync":
        with Volt() as volt:
            return list(volt.send_many(messages, concurrency=concurrency, rate=rate))

    async def run() -> list[BulkResult]:
        async with AsyncVolt() as volt:
            return [r async for r in volt.send_many(messages, concurrency=concurrency, rate=rate)]

    return asyncio.run(run())


@pytest.mark.parametrize("client", ["sync", "async"])
def test_the_run_rate_spaces_the_sends(
    volt_sandbox: Sandbox, fake_clock: FakeClock, client: str
) -> None:
    # One job at a time: the fake clock moves only while a job waits, so each
    # wait is exactly the rate's spacing.
    started = fake_clock.monotonic()
    results = send_all(client, outgoing(volt_sandbox, 11), concurrency=1, rate=5)
    elapsed = fake_clock.monotonic() - started
    assert len(results) == 11
    # The first send goes at once; the next ten wait their turn, 0.2 s apart: the
    # last one 2 s after the first.
    assert len(fake_clock.sleeps) == 10
    assert 2.0 - elapsed <= max(fake_clock.sleeps) <= 2.0 + 0.01
    assert sorted(fake_clock.sleeps)[0] <= 0.2 + 0.01
    assert fake_clock.sleeps == pytest.approx([0.2] * 10)
    assert elapsed == pytest.approx(2.0)


@pytest.mark.parametrize("client", ["sync", "async"])
def test_the_run_rate_holds_across_concurrent_sends(
    volt_sandbox: Sandbox, fake_clock: FakeClock, client: str
) -> None:
    # Jobs dispatched together reserve successive turns, so 11 sends at 5 per
    # second span 2 s at least, however many run at once.
    started = fake_clock.monotonic()
    results = send_all(client, outgoing(volt_sandbox, 11), concurrency=4, rate=5)
    assert statuses(results) == {"sent": 11}
    assert fake_clock.monotonic() - started >= 2.0 - 1e-6


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("concurrency", 0),
        ("concurrency", 2.5),
        ("rate", 0),
        ("rate", float("inf")),
        ("reconcile_after", -1),
        ("max_attempts", 0),
        ("journal", ":memory:"),
    ],
)
def test_impossible_options_are_refused_at_the_call(option: str, value: object) -> None:
    with Volt() as volt, pytest.raises(ValidationError) as raised:
        volt.send_many([], **{option: value})  # type: ignore[arg-type]
    assert raised.value.argument == option


def test_the_input_is_pulled_lazily_a_window_at_a_time() -> None:
    pulled = 0

    def messages() -> Iterator[OutgoingMessage]:
        nonlocal pulled
        for i in range(20_000):
            pulled += 1
            yield OutgoingMessage(to=recipient(i), from_="+15555550123", body="x")

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": {"createMessage": message_data()}})

    ahead: list[int] = []
    with Volt(http_client=httpx.Client(transport=httpx.MockTransport(answer))) as volt:
        results = volt.send_many(messages(), concurrency=4)
        for seen, _ in enumerate(results, start=1):
            ahead.append(pulled - seen)
            if seen == 300:
                break
        assert isinstance(results, Generator)
        results.close()
    assert pulled < 400
    # At most 2 x concurrency admitted, plus the results of one round not yet seen.
    assert max(ahead) <= 3 * 4
