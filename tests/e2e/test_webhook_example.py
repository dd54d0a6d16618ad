"""examples/webhook_receiver.py end to end: the sandbox sends, the example verifies and parses."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from examples.webhook_receiver import make_app
from volt_sdk import Volt
from volt_sdk.sandbox import Sandbox, WebhookDelivery
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

CUSTOMER = "+15555550145"


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

    app = make_app(key, received.append)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, lifespan="off", log_config=None, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while not server.started:
        assert time.monotonic() < deadline, "the example receiver did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}/"
    server.should_exit = True
    thread.join(5)
    sock.close()


def test_the_example_receives_typed_sent_finalized_and_received_events(
    sandbox: Sandbox, receiver_url: str, received: list[WebhookEvent]
) -> None:
    sender = sandbox.numbers[0]
    with Volt(base_url=sandbox.url, token=sandbox.token) as volt:
        volt.register_webhook(url=receiver_url, primary_phone=sender)
        message = volt.send_message(to=CUSTOMER, from_=sender, body="Reply STOP to opt-out.")
    sandbox.simulate_inbound(from_number=CUSTOMER, to_number=sender, body="STOP")
    assert sandbox.wait_for_webhooks(10)

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
    (genuine,) = [
        d for d in _register_and_receive(sandbox, receiver_url) if d.event_type != "webhook.test"
    ]
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


def _register_and_receive(sandbox: Sandbox, receiver_url: str) -> list[WebhookDelivery]:
    with Volt(base_url=sandbox.url, token=sandbox.token) as volt:
        volt.register_webhook(url=receiver_url, event_types=["MESSAGE_RECEIVED"])
    sandbox.simulate_inbound(from_number=CUSTOMER, to_number=sandbox.numbers[0], body="STOP")
    assert sandbox.wait_for_webhooks(10)
    return list(sandbox.webhook_deliveries())
