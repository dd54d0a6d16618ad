"""End to end: the sandbox's real signed deliveries, replayed into a Starlette app on the kit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.applications import Starlette

from tests.webhook_sandbox import CUSTOMER, SIMULATED_URL, converse
from volt_sdk.sandbox import Sandbox
from volt_sdk.webhooks import (
    SIGNATURE_HEADER,
    KeyCache,
    MemoryDedup,
    MessageEvent,
    MessageFinalizedEvent,
    MessageReceivedEvent,
    TestEvent,
    WebhookReceiver,
)
from volt_sdk.webhooks.starlette import webhook_route

from .frameworks import TestClient


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as running:
        yield running


def test_the_sandboxs_deliveries_verify_route_and_deduplicate(sandbox: Sandbox) -> None:
    message, deliveries = converse(sandbox, SIMULATED_URL)
    assert message is not None
    assert {d.event_type for d in deliveries} == {
        "webhook.test",
        "message.sent",
        "message.finalized",
        "message.received",
    }

    receiver = WebhookReceiver(keys=KeyCache(sandbox.webhook_key_url), dedup=MemoryDedup())
    seen: list[str] = []

    @receiver.router.on(MessageReceivedEvent)
    async def opt_out(event: MessageReceivedEvent) -> None:
        seen.append(f"opt-out {event.payload.from_number} {event.payload.text}")

    @receiver.router.on(MessageFinalizedEvent)
    def final(event: MessageFinalizedEvent) -> None:
        seen.append(f"final {event.payload.id} {event.payload.status}")

    @receiver.router.on(MessageEvent)
    def any_message(event: MessageEvent) -> None:
        seen.append(event.event_type)

    @receiver.router.on(TestEvent)
    def registration(event: TestEvent) -> None:
        seen.append("test")

    app = Starlette(routes=[webhook_route(receiver, "/volt")])
    with TestClient(app) as client:
        for delivery in [*deliveries, *deliveries]:  # every event twice: a retry storm
            response = client.post(
                "/volt", content=delivery.body, headers={SIGNATURE_HEADER: delivery.signature}
            )
            assert response.status_code == 204, delivery.event_type
        forged = deliveries[-1].body.replace(b"STOP", b"START")
        response = client.post(
            "/volt", content=forged, headers={SIGNATURE_HEADER: deliveries[-1].signature}
        )
        assert response.status_code == 401
    assert sorted(seen) == sorted(
        [
            "test",
            "message.sent",
            f"final {message.id} delivered",
            "message.finalized",
            f"opt-out {CUSTOMER} STOP",
            "message.received",
        ]
    )
    assert receiver.keys.downloads == 2  # the key; one refresh for the forgery, rate-limited
