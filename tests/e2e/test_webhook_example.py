"""examples/webhook_receiver.py end to end: the sandbox sends, the example verifies and parses."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from examples.webhook_receiver import make_app
from tests.webhook_sandbox import CUSTOMER, converse, serving
from volt_sdk import Volt
from volt_sdk.sandbox import Sandbox
from volt_sdk.webhooks import (
    SIGNATURE_HEADER,
    MessageFinalizedEvent,
    MessageReceivedEvent,
    MessageSentEvent,
    PublicKeyLike,
    TestEvent,
    WebhookEvent,
    WebhookKeyError,
    fetch_public_key,
)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as running:
        yield running


@pytest.fixture
def received() -> list[WebhookEvent]:
    return []


@pytest.fixture
def key_outage() -> list[int]:
    """How many of the next requests find the key unavailable (its download failing)."""
    return [0]


@pytest.fixture
def receiver_url(
    sandbox: Sandbox, received: list[WebhookEvent], key_outage: list[int]
) -> Iterator[str]:
    """The example app under uvicorn on loopback, trusting the sandbox's published key."""

    def key() -> PublicKeyLike:
        if key_outage[0] > 0:
            key_outage[0] -= 1
            raise WebhookKeyError("cannot download the key: connection refused")
        return fetch_public_key(sandbox.webhook_key_url, refresh=False)

    with serving(make_app(key, received.append)) as base:
        yield f"{base}/"


def test_the_example_receives_typed_sent_finalized_and_received_events(
    sandbox: Sandbox, receiver_url: str, received: list[WebhookEvent]
) -> None:
    message, _ = converse(sandbox, receiver_url, send="Reply STOP to opt-out.")
    assert message is not None

    test, *messages = received
    assert isinstance(test, TestEvent)
    sent, final, stop = sorted(messages, key=lambda e: e.event_type.split(".")[1] != "sent")
    assert isinstance(sent, MessageSentEvent)
    assert isinstance(final, MessageFinalizedEvent)
    assert isinstance(stop, MessageReceivedEvent)
    assert sent.payload.id == final.payload.id == message.id
    assert final.payload.status == "delivered"
    assert (stop.payload.text, stop.payload.from_number) == ("STOP", CUSTOMER)
    assert all(d.ok and d.attempt == 1 for d in sandbox.webhook_deliveries())


def test_the_example_refuses_a_forged_request(
    sandbox: Sandbox, receiver_url: str, received: list[WebhookEvent]
) -> None:
    _, deliveries = converse(sandbox, receiver_url, event_types=["MESSAGE_RECEIVED"], send=None)
    (genuine,) = [d for d in deliveries if d.event_type != "webhook.test"]
    forged_body = genuine.body.replace(b'"STOP"', b'"START"')
    forged = httpx.post(
        receiver_url, content=forged_body, headers={SIGNATURE_HEADER: genuine.signature}
    )
    unsigned = httpx.post(receiver_url, content=genuine.body)
    replayed = httpx.post(
        receiver_url, content=genuine.body, headers={SIGNATURE_HEADER: genuine.signature}
    )
    assert (forged.status_code, unsigned.status_code, replayed.status_code) == (400, 400, 204)
    texts = [e.payload.text for e in received if isinstance(e, MessageReceivedEvent)]
    assert texts == ["STOP", "STOP"]


def test_without_its_key_the_example_answers_503_so_that_volt_retries(
    sandbox: Sandbox, receiver_url: str, received: list[WebhookEvent], key_outage: list[int]
) -> None:
    with Volt(base_url=sandbox.url, token=sandbox.token) as volt:
        volt.register_webhook(url=receiver_url, event_types=["MESSAGE_RECEIVED"])
    key_outage[0] = 1  # the next download fails, the one after works again

    sandbox.simulate_inbound(from_number=CUSTOMER, to_number=sandbox.numbers[0], body="STOP")
    assert sandbox.wait_for_webhooks(10)

    deliveries = [d for d in sandbox.webhook_deliveries() if d.event_type != "webhook.test"]
    assert [(d.attempt, d.status_code) for d in deliveries] == [(1, 503), (2, 204)]
    texts = [e.payload.text for e in received if isinstance(e, MessageReceivedEvent)]
    assert texts == ["STOP"]  # handled once, after the retry


def test_the_example_refuses_an_oversized_body_and_other_methods(receiver_url: str) -> None:
    assert httpx.post(receiver_url, content=b"x" * ((1 << 20) + 1)).status_code == 413
    assert httpx.get(receiver_url).status_code == 405
