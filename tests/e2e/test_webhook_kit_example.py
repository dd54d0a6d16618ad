"""examples/webhook_kit_fastapi.py end to end: the sandbox delivers over HTTP, the kit handles."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from examples.webhook_kit_fastapi import make_app, make_receiver
from volt_sdk import Volt
from volt_sdk.sandbox import Sandbox
from volt_sdk.webhooks import SIGNATURE_HEADER, KeyCache, SQLiteDedup, WebhookReceiver

CUSTOMER = "+15555550145"


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as running:
        yield running


@pytest.fixture
def receiver(sandbox: Sandbox, tmp_path: Path) -> WebhookReceiver:
    return make_receiver(KeyCache(sandbox.webhook_key_url), SQLiteDedup(tmp_path / "hooks.db"))


@pytest.fixture
def receiver_url(receiver: WebhookReceiver) -> Iterator[str]:
    """The example's FastAPI app under uvicorn on loopback."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        make_app(receiver), lifespan="off", log_config=None, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while not server.started:
        assert time.monotonic() < deadline, "the example receiver did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}/webhooks/volt"
    server.should_exit = True
    thread.join(5)
    sock.close()


def test_the_kit_example_handles_each_event_once_and_refuses_forgeries(
    sandbox: Sandbox, receiver_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="webhook_kit_fastapi")
    sender = sandbox.numbers[0]
    with Volt(base_url=sandbox.url, token=sandbox.token) as volt:
        volt.register_webhook(url=receiver_url, primary_phone=sender)
        message = volt.send_message(to=CUSTOMER, from_=sender, body="Reply STOP to opt out")
    sandbox.simulate_inbound(from_number=CUSTOMER, to_number=sender, body="STOP")
    assert sandbox.wait_for_webhooks(10)
    deliveries = sandbox.webhook_deliveries()
    assert all(d.ok and d.attempt == 1 and d.status_code == 204 for d in deliveries)

    stop = next(d for d in deliveries if d.event_type == "message.received")
    again = httpx.post(receiver_url, content=stop.body, headers={SIGNATURE_HEADER: stop.signature})
    forged = httpx.post(
        receiver_url,
        content=stop.body.replace(b"STOP", b"START"),
        headers={SIGNATURE_HEADER: stop.signature},
    )
    assert (again.status_code, forged.status_code) == (204, 401)
    lines = [r.getMessage() for r in caplog.records if r.name == "webhook_kit_fastapi"]
    assert sorted(lines) == sorted(
        [
            "registration test request",
            f"sent {message.id}",
            f"final {message.id}: delivered ",
            "opt-out from +15555550145",  # once: the replay was a duplicate
        ]
    )
