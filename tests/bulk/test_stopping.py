"""Stopping a run (Ctrl-C, a cancelled task, an iterator left early) sends nothing more.

A request already in flight gets a short grace (``STOP_GRACE``) to finish; one
that does not is reported ``unknown`` (it may have gone out) and stays so in the
journal; every other item either has its true result or was never sent.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator, Generator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.bulk.helpers import FlakySandbox, flaky_volt, operation, outbox_counts, outgoing
from volt_sdk import AsyncVolt, BulkResult, OutgoingMessage, ValidationError, Volt
from volt_sdk._bulk import _drivers
from volt_sdk.sandbox import Sandbox


class Stalling(FlakySandbox):
    """The sandbox, with every send to ``stall_to`` held until ``release`` is set."""

    def __init__(self, stall_to: str) -> None:
        super().__init__({})
        self.stall_to = stall_to
        self.release = threading.Event()
        self.stalled = threading.Event()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        name, variables = operation(request)
        if name == "CreateMessage" and variables.get("to") == self.stall_to:
            self.stalled.set()
            self.release.wait(30)
        return super().handle_request(request)


def running(results: Iterator[BulkResult]) -> Generator[BulkResult, None, None]:
    """``send_many``'s iterator, which is a generator (it can be closed, or thrown into)."""
    assert isinstance(results, Generator)
    return results


def sends(transport: FlakySandbox) -> int:
    with transport.lock:
        return sum(transport.sends.values())


def test_an_item_with_text_no_request_can_carry_fails_alone(volt_sandbox: Sandbox) -> None:
    items = [
        OutgoingMessage(to="+15555550145", from_=volt_sandbox.numbers[0], body="ok 1", key="a"),
        OutgoingMessage(
            to="+15555550146", from_=volt_sandbox.numbers[0], body="caf\udce9", key="b"
        ),
        OutgoingMessage(to="+15555550147", from_=volt_sandbox.numbers[0], body="ok 2", key="c"),
    ]
    with Volt() as volt:
        results = {r.key: r for r in volt.send_many(items)}
    assert {k: r.status for k, r in results.items()} == {"a": "sent", "b": "failed", "c": "sent"}
    assert results["b"].reason is not None
    assert "UTF-8" in results["b"].reason
    assert len(volt_sandbox.outbox()) == 2


def test_ctrl_c_in_the_loop_stops_sending_and_hands_out_every_last_result(
    volt_sandbox: Sandbox,
) -> None:
    transport = FlakySandbox({})
    with flaky_volt(transport) as volt:
        results = running(volt.send_many(outgoing(volt_sandbox, 40), concurrency=2, rate=20))
        seen: list[BulkResult] = [next(results)]
        # Ctrl-C arrives while the caller handles a result: thrown in, as Python would.
        try:
            seen.append(results.throw(KeyboardInterrupt()))
            seen.extend(results)
        except KeyboardInterrupt:
            pass
        else:  # pragma: no cover - the interrupt must come back out
            pytest.fail("the KeyboardInterrupt was swallowed")
        sent_at_stop = sends(transport)
        # Nothing more leaves afterwards (the rate had more queued for later).
        threading.Event().wait(0.3)
        assert sends(transport) == sent_at_stop
    assert sent_at_stop < 40
    stored = outbox_counts(volt_sandbox)
    assert {r.request.to for r in seen if r.status == "sent"} == set(stored)
    assert all(n == 1 for n in stored.values())
    assert len({r.index for r in seen}) == len(seen)  # each result once


def test_leaving_the_iterator_early_stops_the_sends_not_yet_made(volt_sandbox: Sandbox) -> None:
    transport = FlakySandbox({})
    with flaky_volt(transport) as volt:
        results = running(volt.send_many(outgoing(volt_sandbox, 40), concurrency=2, rate=20))
        next(results)
        results.close()
        sent_at_close = sends(transport)
        threading.Event().wait(0.3)
        assert sends(transport) == sent_at_close
    assert sent_at_close < 40
    assert sum(outbox_counts(volt_sandbox).values()) == sent_at_close


def test_a_request_still_in_flight_after_the_grace_is_left_unknown_in_the_journal(
    volt_sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_drivers, "STOP_GRACE", 0.2)
    items = list(outgoing(volt_sandbox, 3))
    transport = Stalling(stall_to=items[1].to)
    journal = tmp_path / "run.journal"
    with flaky_volt(transport) as volt:
        try:
            results = running(volt.send_many(iter(items), concurrency=3, journal=journal))
            first = next(results)
            assert transport.stalled.wait(10)
            try:
                rest = [first, results.throw(KeyboardInterrupt()), *results]
            except KeyboardInterrupt:
                rest = [first]
            results.close()
        finally:
            # The abandoned request may now end; let its thread finish before the
            # client closes under it.
            transport.release.set()
            for thread in threading.enumerate():
                if thread.name.startswith("volt-send-many"):
                    thread.join(10)
    db = sqlite3.connect(journal)
    try:
        states = dict(db.execute("SELECT key, state FROM bulk_items"))
    finally:
        db.close()
    assert states["#1"] == "unknown"  # may have gone out: the next run reconciles it
    assert all(r.key != "#1" or r.status == "unknown" for r in rest)


@pytest.mark.anyio
async def test_cancelling_the_task_stops_the_sends_not_yet_made(volt_sandbox: Sandbox) -> None:
    transport = FlakySandbox({})

    class Forward(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            response = await asyncio.to_thread(transport.handle_request, request)
            content = await asyncio.to_thread(response.read)
            return httpx.Response(response.status_code, headers=response.headers, content=content)

    first = asyncio.Event()

    async def consume(volt: AsyncVolt) -> None:
        async for _ in volt.send_many(outgoing(volt_sandbox, 40), concurrency=2, rate=20):
            first.set()

    async with AsyncVolt(http_client=httpx.AsyncClient(transport=Forward())) as volt:
        task = asyncio.ensure_future(consume(volt))
        await asyncio.wait_for(first.wait(), 30)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        sent_at_cancel = sends(transport)
        await asyncio.sleep(0.3)
        assert sends(transport) == sent_at_cancel
    assert sent_at_cancel < 40
    transport.close()


def test_the_blocking_client_refuses_an_async_iterable_at_the_call() -> None:
    async def items() -> AsyncIterator[OutgoingMessage]:
        yield OutgoingMessage(to="+15555550145", from_="+15555550123", body="hi")

    with Volt() as volt, pytest.raises(ValidationError, match=r"AsyncVolt\.send_many") as info:
        volt.send_many(items())  # type: ignore[arg-type]  # refused before any iteration
    assert (info.value.argument, info.value.reason) == ("messages", "not_a_list")
