"""examples/webhook_kit_fastapi.py end to end: the sandbox delivers over HTTP, the kit handles."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from examples.webhook_kit_fastapi import make_app, make_receiver
from tests.webhook_sandbox import converse, serving
from volt_sdk.sandbox import Sandbox
from volt_sdk.webhooks import SIGNATURE_HEADER, KeyCache, SQLiteDedup, WebhookReceiver


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
    with serving(make_app(receiver)) as base:
        yield f"{base}/webhooks/volt"


def test_the_kit_example_handles_each_event_once_and_refuses_forgeries(
    sandbox: Sandbox, receiver_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="webhook_kit_fastapi")
    message, deliveries = converse(sandbox, receiver_url)
    assert message is not None
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
