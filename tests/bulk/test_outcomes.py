"""Items refused before sending, refused by Volt, never reaching Volt, or of unknown outcome."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest

from tests.bulk.helpers import (
    FlakySandbox,
    flaky_volt,
    operation,
    outbox_counts,
    outgoing,
    recipient,
    statuses,
)
from tests.clock import FakeClock
from volt_sdk import (
    AsyncVolt,
    AuthenticationError,
    GraphQLError,
    MessageOutcomeUnknownError,
    OutgoingMessage,
    RateLimitError,
    ValidationError,
    Volt,
    VoltConnectionError,
)
from volt_sdk.sandbox import Sandbox


def test_invalid_items_fail_without_sending_and_the_rest_goes_on(volt_sandbox: Sandbox) -> None:
    sender = volt_sandbox.numbers[0]
    messages = [
        OutgoingMessage(to=recipient(0), from_=sender, body="ok 0"),
        OutgoingMessage(to="not a number", from_=sender, body="bad number"),
        OutgoingMessage(to=recipient(2), from_=sender, body="   "),
        OutgoingMessage(to=recipient(3), from_=sender, body="ok 3"),
    ]
    with Volt() as volt:
        results = {r.index: r for r in volt.send_many(iter(messages))}
    assert [results[i].status for i in range(4)] == ["sent", "failed", "failed", "sent"]
    for i in (1, 2):
        error = results[i].error
        assert isinstance(error, ValidationError)
        assert results[i].reason == error.message
        assert results[i].attempts == 0
    assert [getattr(results[i].error, "argument", None) for i in (1, 2)] == ["to", "body"]
    assert sorted(m.body for m in volt_sandbox.outbox()) == ["ok 0", "ok 3"]


def test_a_send_refused_by_volt_fails_with_its_reason(volt_sandbox: Sandbox) -> None:
    messages = [
        OutgoingMessage(to=recipient(0), from_="+15555550199", body="not our number"),
        OutgoingMessage(to=recipient(1), from_=volt_sandbox.numbers[0], body="fine"),
    ]
    with Volt() as volt:
        results = {r.index: r for r in volt.send_many(messages)}
    refused = results[0]
    assert refused.status == "failed"
    assert isinstance(refused.error, GraphQLError)
    assert refused.reason is not None
    assert refused.reason.startswith("refused: ")
    assert "+15555550199" in refused.reason
    assert refused.attempts == 1
    assert results[1].status == "sent"
    assert [m.body for m in volt_sandbox.outbox()] == ["fine"]


def test_a_4xx_answer_fails_every_item_once() -> None:
    calls = 0

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(401, json={"errors": [{"message": "bad token"}]})

    messages = (OutgoingMessage(to=recipient(i), from_="+15555550123", body="x") for i in range(3))
    with Volt(http_client=httpx.Client(transport=httpx.MockTransport(answer))) as volt:
        results = list(volt.send_many(messages))
    assert statuses(results) == {"failed": 3}
    assert all(isinstance(r.error, AuthenticationError) for r in results)
    assert calls == 3


def test_a_send_that_never_reached_volt_is_requeued_then_fails_after_max_attempts(
    volt_sandbox: Sandbox, fake_clock: FakeClock
) -> None:
    target = recipient(1)
    transport = FlakySandbox({target: ["429"] * 3, recipient(2): ["refuse_connection"]})
    with flaky_volt(transport, max_retries=0) as volt:
        results = {r.index: r for r in volt.send_many(outgoing(volt_sandbox, 3), max_attempts=3)}
    given_up = results[1]
    assert given_up.status == "failed"
    assert given_up.attempts == 3
    assert isinstance(given_up.error, RateLimitError)
    assert given_up.reason is not None
    assert given_up.reason.startswith("not sent after 3 attempts")
    # A refused connection once: sent on the second attempt, after a backoff.
    assert (results[2].status, results[2].attempts) == ("sent", 2)
    assert transport.sends == {recipient(0): 1, target: 3, recipient(2): 2}
    assert outbox_counts(volt_sandbox) == {recipient(0): 1, recipient(2): 1}
    # Retry-After: 0 asks for no wait; the refused connection backs off up to 0.5 s.
    assert len(fake_clock.sleeps) == 1
    assert 0 < fake_clock.sleeps[0] <= 0.5


def test_a_connection_error_is_a_volt_error_kept_on_the_result(volt_sandbox: Sandbox) -> None:
    transport = FlakySandbox({recipient(0): ["refuse_connection"] * 2})
    with flaky_volt(transport, max_retries=0) as volt:
        (result,) = volt.send_many(outgoing(volt_sandbox, 1), max_attempts=2)
    assert result.status == "failed"
    assert isinstance(result.error, VoltConnectionError)
    assert len(volt_sandbox.outbox()) == 0


def test_an_unknown_outcome_is_reconciled_to_the_message_that_was_stored(
    volt_sandbox: Sandbox,
) -> None:
    transport = FlakySandbox({recipient(1): ["store_then_drop"]})
    with flaky_volt(transport) as volt:
        results = {r.index: r for r in volt.send_many(outgoing(volt_sandbox, 3), reconcile_after=0)}
    found = results[1]
    assert (found.status, found.reconciled, found.attempts) == ("sent", True, 1)
    assert found.message is not None
    assert found.message.body == "Hi 1"
    assert transport.sends[recipient(1)] == 1
    assert outbox_counts(volt_sandbox) == Counter(recipient(i) for i in range(3))
    stored = {m.to_number: m.id for m in volt_sandbox.outbox()}
    assert found.message_id == stored[recipient(1)]


@pytest.mark.anyio
async def test_an_unknown_outcome_not_found_is_sent_again_once(volt_sandbox: Sandbox) -> None:
    class Unstored(httpx.AsyncBaseTransport):
        def __init__(self) -> None:
            self.inner = httpx.AsyncHTTPTransport()
            self.refused = 0
            self.sends = 0

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            name, variables = operation(request)
            if name == "CreateMessage":
                self.sends += 1
                if variables["to"] == recipient(0) and not self.refused:
                    self.refused += 1
                    return httpx.Response(503, json={"errors": [{"message": "unavailable"}]})
            return await self.inner.handle_async_request(request)

        async def aclose(self) -> None:
            await self.inner.aclose()

    transport = Unstored()
    async with httpx.AsyncClient(transport=transport) as http, AsyncVolt(http_client=http) as volt:
        results = [r async for r in volt.send_many(outgoing(volt_sandbox, 2), reconcile_after=0.01)]
    again = next(r for r in results if r.index == 0)
    assert (again.status, again.attempts, again.reconciled) == ("sent", 2, False)
    assert transport.sends == 3
    assert outbox_counts(volt_sandbox) == {recipient(0): 1, recipient(1): 1}


def test_an_outcome_still_unknown_when_attempts_run_out_is_reported_unknown() -> None:
    sends = 0

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal sends
        name, _ = operation(request)
        if name == "CreateMessage":
            sends += 1
            return httpx.Response(503, json={"errors": [{"message": "unavailable"}]})
        page = {"messages": [], "pageInfo": {"totalItems": 0}}
        return httpx.Response(200, json={"data": {"conversation": page}})

    message = OutgoingMessage(to=recipient(0), from_="+15555550123", body="x")
    with Volt(http_client=httpx.Client(transport=httpx.MockTransport(answer))) as volt:
        (result,) = volt.send_many([message], max_attempts=2, reconcile_after=0)
    assert (result.status, result.attempts, result.message_id) == ("unknown", 2, None)
    assert isinstance(result.error, MessageOutcomeUnknownError)
    assert result.reason is not None
    assert result.reason.startswith("outcome unknown after 2 attempt(s): not found")
    assert sends == 2


def test_the_wait_before_a_reconciliation_is_on_the_sdk_clock(
    volt_sandbox: Sandbox, fake_clock: FakeClock
) -> None:
    # Nothing else runs meanwhile: the run sleeps until the reconciliation is due.
    transport = FlakySandbox({recipient(0): ["store_then_drop"]})
    with flaky_volt(transport) as volt:
        (result,) = volt.send_many(outgoing(volt_sandbox, 1), reconcile_after=600)
    assert (result.status, result.reconciled, result.attempts) == ("sent", True, 1)
    assert fake_clock.sleeps == [600.0]
    assert transport.sends[recipient(0)] == 1


@pytest.mark.anyio
async def test_the_async_wait_before_a_reconciliation_is_on_the_sdk_clock(
    volt_sandbox: Sandbox, fake_clock: FakeClock
) -> None:
    class StoreThenDrop(httpx.AsyncBaseTransport):
        def __init__(self) -> None:
            self.inner = httpx.AsyncHTTPTransport()
            self.sends = 0

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            name, _ = operation(request)
            response = await self.inner.handle_async_request(request)
            if name == "CreateMessage":
                self.sends += 1
                if self.sends == 1:
                    await response.aread()
                    await response.aclose()
                    raise httpx.RemoteProtocolError("peer closed", request=request)
            return response

        async def aclose(self) -> None:
            await self.inner.aclose()

    transport = StoreThenDrop()
    async with httpx.AsyncClient(transport=transport) as http, AsyncVolt(http_client=http) as volt:
        messages = outgoing(volt_sandbox, 1)
        results = [r async for r in volt.send_many(messages, reconcile_after=600)]
    (result,) = results
    assert (result.status, result.reconciled, result.attempts) == ("sent", True, 1)
    assert fake_clock.sleeps == [600.0]
    assert transport.sends == 1


def test_identical_messages_under_two_keys_are_never_attributed_one_message(
    volt_sandbox: Sandbox,
) -> None:
    # Same recipient, same text, two keys: both sends are uncertain but stored.
    sender = volt_sandbox.numbers[0]
    twice = [
        OutgoingMessage(to=recipient(0), from_=sender, body="same", key="a"),
        OutgoingMessage(to=recipient(0), from_=sender, body="same", key="b"),
    ]
    transport = FlakySandbox({recipient(0): ["store_then_drop", "store_then_drop"]})
    with flaky_volt(transport) as volt:
        results = list(volt.send_many(twice, reconcile_after=0))
    assert statuses(results) == {"sent": 2}
    assert all(r.reconciled for r in results)
    assert len({r.message_id for r in results}) == 2
    assert len(volt_sandbox.outbox()) == 2
