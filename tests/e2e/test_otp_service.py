"""examples/otp_service.py end to end: the sandbox sends its signed webhooks to the service over
HTTP, a real redis-server holds the shared rate limit, the suppression list and the codes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from examples.otp_service import (
    HELP_REPLY,
    START_CONFIRMATION,
    STOP_CONFIRMATION,
    Settings,
    make_app,
)
from tests.webhook_sandbox import CUSTOMER, serving
from volt_sdk import Volt
from volt_sdk.sandbox import Sandbox


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as running:
        yield running


@pytest.fixture
def service(sandbox: Sandbox, redis_url: str, tmp_path: Path) -> Iterator[httpx.Client]:
    """The service under uvicorn (its lifespan on), registered as the sandbox's webhook."""
    settings = Settings(
        from_number=sandbox.numbers[0],
        redis_url=redis_url,
        db=tmp_path / "otp.db",
        key_url=sandbox.webhook_key_url,
        rate=50.0,
        volt_url=sandbox.url,
        token=sandbox.token,
    )
    with serving(make_app(settings), lifespan="on") as base:
        with Volt(base_url=sandbox.url, token=sandbox.token) as volt:
            volt.register_webhook(url=f"{base}/webhooks/volt")
        with httpx.Client(base_url=base, timeout=10) as client:
            yield client


def texts_to_customer(sandbox: Sandbox) -> list[str]:
    return [m.body for m in sandbox.outbox() if m.to_number == CUSTOMER]


def text(sandbox: Sandbox, body: str) -> None:
    """The customer's phone texts ``body`` to the service's number; every event delivered."""
    sandbox.simulate_inbound(from_number=CUSTOMER, to_number=sandbox.numbers[0], body=body)
    assert sandbox.wait_for_webhooks(10)


def test_a_code_is_sent_its_receipt_seen_and_it_verifies_once(
    sandbox: Sandbox, service: httpx.Client, redis_url: str
) -> None:
    sent = service.post("/codes", json={"phone": "+1 555 555 0145"})
    assert sent.status_code == 201, sent.text
    code_id = sent.json()["id"]
    assert re.fullmatch(r"otp_[0-9a-f]{16}", code_id)
    (body,) = texts_to_customer(sandbox)
    match = re.fullmatch(r"Your Acme code is (\d{6})\. Reply STOP to unsubscribe\.", body)
    assert match is not None
    (message,) = sandbox.outbox()
    assert sent.json()["message_id"] == message.id

    assert sandbox.wait_for_webhooks(10)
    status = service.get(f"/codes/{code_id}")
    assert status.json() == {"id": code_id, "message_id": message.id, "status": "delivered"}
    assert service.get("/codes/otp_0000000000000000").status_code == 404

    wrong = f"{(int(match.group(1)) + 1) % 1_000_000:06d}"
    assert service.post(f"/codes/{code_id}/verify", json={"code": wrong}).status_code == 400
    again = service.post("/codes", json={"phone": CUSTOMER}).json()["id"]
    code = re.findall(r"\d{6}", texts_to_customer(sandbox)[-1])[0]
    verified = service.post(f"/codes/{again}/verify", json={"code": code})
    assert (verified.status_code, verified.json()) == (200, {"verified": True})
    assert service.post(f"/codes/{again}/verify", json={"code": code}).status_code == 400
    # The rate limit lives in Redis, for every process of the service.
    assert redis.Redis.from_url(redis_url).exists("volt_sdk:rate:otp") == 1


def test_stop_refuses_new_codes_with_nothing_sent_and_start_allows_them_again(
    sandbox: Sandbox, service: httpx.Client
) -> None:
    assert service.post("/codes", json={"phone": CUSTOMER}).status_code == 201
    text(sandbox, "Stop")
    assert texts_to_customer(sandbox)[1:] == [STOP_CONFIRMATION]  # the one confirmation

    refused = service.post("/codes", json={"phone": CUSTOMER})
    assert refused.status_code == 403
    assert refused.json() == {
        "detail": "this number unsubscribed (STOP); it can text START to resubscribe"
    }
    text(sandbox, "hello?")  # unsubscribed: no reply either
    assert len(texts_to_customer(sandbox)) == 2

    text(sandbox, "START")
    assert texts_to_customer(sandbox)[2:] == [START_CONFIRMATION]
    allowed = service.post("/codes", json={"phone": CUSTOMER})
    assert allowed.status_code == 201
    assert texts_to_customer(sandbox)[3].startswith("Your Acme code is ")
    text(sandbox, "stop it")  # a sentence, not a keyword: still subscribed
    assert texts_to_customer(sandbox)[4:] == [HELP_REPLY]
    assert service.post("/codes", json={"phone": CUSTOMER}).status_code == 201


def test_a_number_that_is_not_one_is_a_422_with_nothing_sent(
    sandbox: Sandbox, service: httpx.Client
) -> None:
    answer = service.post("/codes", json={"phone": "not a phone"})
    assert answer.status_code == 422
    assert sandbox.outbox() == []
