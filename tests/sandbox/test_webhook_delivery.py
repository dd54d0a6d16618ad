"""The sandbox's webhooks: test request on registration, signed deliveries, retries, the key."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from tests.clock import FakeClock
from volt_sdk import GraphQLError, Volt, parse_timestamp
from volt_sdk.sandbox import Sandbox
from volt_sdk.webhooks import (
    MessageEvent,
    MessageFinalizedEvent,
    MessageReceivedEvent,
    MessageSentEvent,
    TestEvent,
    WebhookEvent,
    load_public_key,
    parse_event,
)

OTHER = "+15555550145"


class Endpoint:
    """A loopback HTTP endpoint that records what it is sent and answers ``statuses`` in turn."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        self._lock = threading.Condition()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with endpoint._lock:
                    endpoint.requests.append((dict(self.headers.items()), body))
                    status = endpoint.statuses.pop(0) if endpoint.statuses else 204
                    endpoint._lock.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        """Wait until ``count`` requests have arrived; False if ``timeout`` passed first."""
        with self._lock:
            return self._lock.wait_for(lambda: len(self.requests) >= count, timeout)

    def events(self, key: bytes) -> list[WebhookEvent]:
        with self._lock:
            return [parse_event(headers, body, key) for headers, body in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    server = Endpoint()
    yield server
    server.close()


@pytest.fixture(scope="module")
def fast_sandbox() -> Iterator[Sandbox]:
    with Sandbox(webhook_backoff=0.01, webhook_attempts=3) as sandbox:
        yield sandbox


@pytest.fixture
def hooks(fast_sandbox: Sandbox) -> Iterator[Sandbox]:
    fast_sandbox.reset()
    yield fast_sandbox
    fast_sandbox.reset()


@pytest.fixture
def client(hooks: Sandbox) -> Iterator[Volt]:
    with Volt(base_url=hooks.url, token=hooks.token) as volt:
        yield volt


def test_the_public_key_is_served_without_a_token_as_ssh_rsa_and_pem(hooks: Sandbox) -> None:
    ssh = httpx.get(hooks.webhook_key_url)
    pem = httpx.get(hooks.webhook_key_url, params={"format": "pem"})
    assert ssh.status_code == pem.status_code == 200
    assert ssh.content.startswith(b"ssh-rsa AAAA")
    assert pem.content.startswith(b"-----BEGIN PUBLIC KEY-----")
    assert (
        load_public_key(ssh.content).public_numbers()
        == load_public_key(pem.content).public_numbers()
    )
    assert ssh.content == hooks.webhook_public_key()
    assert httpx.get(hooks.webhook_key_url, params={"format": "der"}).status_code == 400


def test_registration_sends_a_signed_test_request_first(
    hooks: Sandbox, client: Volt, endpoint: Endpoint
) -> None:
    hook = client.register_webhook(url=endpoint.url)
    (event,) = endpoint.events(hooks.webhook_public_key())
    assert isinstance(event, TestEvent)
    assert event.payload == {"url": endpoint.url}
    (probe,) = hooks.webhook_deliveries()
    assert (probe.event_type, probe.webhook_id, probe.ok, probe.status_code) == (
        "webhook.test",
        None,
        True,
        204,
    )
    assert [h.id for h in client.list_webhooks()] == [hook.id]


@pytest.mark.parametrize("status", [500, 404, 301])
def test_registration_is_refused_unless_the_test_request_gets_a_2xx(
    hooks: Sandbox, client: Volt, endpoint: Endpoint, status: int
) -> None:
    endpoint.statuses = [status]
    with pytest.raises(GraphQLError, match=f"HTTP {status}") as caught:
        client.register_webhook(url=endpoint.url)
    assert caught.value.errors[0].extensions["code"] == "BAD_USER_INPUT"
    assert client.list_webhooks() == []


def test_registration_of_an_unreachable_url_is_refused(hooks: Sandbox, client: Volt) -> None:
    with pytest.raises(GraphQLError, match=r"test request to http://127\.0\.0\.1:9/ failed"):
        client.register_webhook(url="http://127.0.0.1:9/")
    assert client.list_webhooks() == []


def test_without_probing_any_url_is_registered() -> None:
    with (
        Sandbox(webhook_probe=False) as sandbox,
        Volt(base_url=sandbox.url, token=sandbox.token) as volt,
    ):
        volt.register_webhook(url="http://127.0.0.1:9/")
        assert sandbox.webhook_deliveries() == []


def test_a_sent_message_delivers_signed_sent_and_finalized_events(
    hooks: Sandbox, client: Volt, endpoint: Endpoint
) -> None:
    hook = client.register_webhook(url=endpoint.url)
    message = client.send_message(
        to="+15005550003", from_=hooks.numbers[0], body="Hi", passthrough="order-7"
    )
    assert hooks.wait_for_webhooks(5)
    _, sent, final = endpoint.events(hooks.webhook_public_key())
    assert isinstance(sent, MessageSentEvent)
    assert isinstance(final, MessageFinalizedEvent)
    assert (sent.payload.id, sent.payload.status, sent.payload.confirmed_at) == (
        message.id,
        "sent",
        None,
    )
    assert (final.payload.status, final.payload.error_code) == ("failed", 503)
    assert final.payload.passthrough == "order-7"
    assert final.payload.direction == "outbound"
    assert {d.webhook_id for d in hooks.webhook_deliveries()[1:]} == {hook.id}


def test_a_simulated_inbound_stop_delivers_a_received_event(
    hooks: Sandbox, client: Volt, endpoint: Endpoint
) -> None:
    client.register_webhook(url=endpoint.url)
    message_id = hooks.simulate_inbound(from_number=OTHER, to_number=hooks.numbers[1], body="STOP")
    assert hooks.wait_for_webhooks(5)
    received = endpoint.events(hooks.webhook_public_key())[-1]
    assert isinstance(received, MessageReceivedEvent)
    assert (received.payload.id, received.payload.text, received.payload.direction) == (
        message_id,
        "STOP",
        "inbound",
    )
    assert (received.payload.from_number, received.payload.to_number) == (OTHER, hooks.numbers[1])


def test_the_inbound_control_route_delivers_a_received_event_too(
    hooks: Sandbox, client: Volt, endpoint: Endpoint
) -> None:
    client.register_webhook(url=endpoint.url)
    answer = httpx.post(
        hooks.url.replace("/graphql", "/_sandbox/inbound"),
        headers={"authorization": f"Bearer {hooks.token}"},
        json={"from_number": OTHER, "to_number": hooks.numbers[0], "body": "yes"},
    )
    assert answer.status_code == 200
    assert hooks.wait_for_webhooks(5)
    assert [e.event_type for e in endpoint.events(hooks.webhook_public_key())] == [
        "webhook.test",
        "message.received",
    ]


def test_events_are_filtered_by_the_webhooks_number_and_event_types(
    hooks: Sandbox, client: Volt, endpoint: Endpoint
) -> None:
    client.register_webhook(
        url=endpoint.url, primary_phone=hooks.numbers[0], event_types=["MESSAGE_RECEIVED"]
    )
    client.send_message(to=OTHER, from_=hooks.numbers[0], body="not announced")
    hooks.simulate_inbound(from_number=OTHER, to_number=hooks.numbers[1], body="other number")
    hooks.simulate_inbound(from_number=OTHER, to_number=hooks.numbers[0], body="this one")
    assert hooks.wait_for_webhooks(5)
    events = endpoint.events(hooks.webhook_public_key())[1:]
    assert all(isinstance(e, MessageEvent) for e in events)
    texts = [(e.event_type, e.payload.text) for e in events if isinstance(e, MessageEvent)]
    assert texts == [("message.received", "this one")]


def test_a_failed_delivery_is_retried_with_the_same_signed_body_until_it_succeeds(
    hooks: Sandbox, client: Volt, endpoint: Endpoint
) -> None:
    client.register_webhook(url=endpoint.url)
    endpoint.statuses = [503, 500]
    hooks.simulate_inbound(from_number=OTHER, to_number=hooks.numbers[0], body="hello")
    assert hooks.wait_for_webhooks(5)
    attempts = [d for d in hooks.webhook_deliveries() if d.event_type == "message.received"]
    assert [(d.attempt, d.status_code, d.ok) for d in attempts] == [
        (1, 503, False),
        (2, 500, False),
        (3, 204, True),
    ]
    assert len({(d.body, d.signature) for d in attempts}) == 1


def test_retries_stop_after_the_configured_attempts(
    hooks: Sandbox, client: Volt, endpoint: Endpoint
) -> None:
    client.register_webhook(url=endpoint.url)
    endpoint.statuses = [500] * 10
    hooks.simulate_inbound(from_number=OTHER, to_number=hooks.numbers[0], body="hello")
    assert hooks.wait_for_webhooks(5)
    attempts = [d for d in hooks.webhook_deliveries() if d.event_type == "message.received"]
    assert [d.attempt for d in attempts] == [1, 2, 3]
    assert not any(d.ok for d in attempts)
    assert attempts[-1].error == "HTTP 500"


def test_reserved_domains_are_never_contacted_and_count_as_delivered(
    hooks: Sandbox, client: Volt
) -> None:
    client.register_webhook(url="https://example.com/volt")
    hooks.simulate_inbound(from_number=OTHER, to_number=hooks.numbers[0], body="hi")
    assert hooks.wait_for_webhooks(5)
    deliveries = hooks.webhook_deliveries()
    assert [(d.event_type, d.simulated, d.ok, d.status_code) for d in deliveries] == [
        ("webhook.test", True, True, None),
        ("message.received", True, True, None),
    ]


def test_paced_messages_are_announced_when_the_sandbox_clock_reaches_each_step(
    endpoint: Endpoint,
) -> None:
    clock = FakeClock()
    with (
        Sandbox(pace=60, clock=clock.wall_clock) as sandbox,
        Volt(base_url=sandbox.url, token=sandbox.token) as volt,
    ):
        volt.register_webhook(url=endpoint.url)
        volt.send_message(to=OTHER, from_=sandbox.numbers[0], body="paced")
        assert not sandbox.wait_for_webhooks(0)  # both events wait for the clock
        assert len(endpoint.requests) == 1  # the test request

        clock.advance(60)
        assert endpoint.wait_for(2)
        assert not sandbox.wait_for_webhooks(0)  # the final state is a minute away
        assert len(endpoint.requests) == 2
        clock.advance(60)
        assert sandbox.wait_for_webhooks(10)

        events = endpoint.events(sandbox.webhook_public_key())[1:]
        assert [
            (e.event_type, e.payload.status) for e in events if isinstance(e, MessageEvent)
        ] == [
            ("message.sent", "sent"),
            ("message.finalized", "delivered"),
        ]
        sent, finalized = (parse_timestamp(e.created_at) for e in events)
        assert sent is not None
        assert finalized is not None
        assert (finalized - sent).total_seconds() == 60


def test_reset_forgets_the_delivery_log(hooks: Sandbox, client: Volt) -> None:
    client.register_webhook(url="https://hooks.test/volt")
    assert hooks.webhook_deliveries()
    hooks.reset()
    assert hooks.webhook_deliveries() == []


def webhook_workers() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "volt-sandbox-webhooks"}


def test_closing_the_sandbox_stops_the_webhook_worker(endpoint: Endpoint) -> None:
    before = webhook_workers()
    with (
        Sandbox(webhook_backoff=60) as sandbox,
        Volt(base_url=sandbox.url, token=sandbox.token) as volt,
    ):
        volt.register_webhook(url=endpoint.url)
        endpoint.statuses = [500]
        sandbox.simulate_inbound(from_number=OTHER, to_number=sandbox.numbers[0], body="x")
        assert not sandbox.wait_for_webhooks(0.3)  # a retry is pending, a minute away
        assert webhook_workers() - before
    assert webhook_workers() - before == set()
