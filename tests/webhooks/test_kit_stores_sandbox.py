"""The sandbox's real signed deliveries write the stores through the kit: SQLite and Redis."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette

from tests.webhook_sandbox import CUSTOMER, SIMULATED_URL, converse, serving
from volt_sdk.sandbox import Sandbox
from volt_sdk.stores import (
    DeliveryRecord,
    RedisDeliveryLog,
    RedisSuppressionList,
    SQLiteDeliveryLog,
    SQLiteSuppressionList,
    SuppressionEntry,
)
from volt_sdk.webhooks import SIGNATURE_HEADER, KeyCache, MemoryDedup, WebhookReceiver
from volt_sdk.webhooks.starlette import webhook_route

from .frameworks import starlette_client

Stores = tuple[SQLiteSuppressionList | RedisSuppressionList, SQLiteDeliveryLog | RedisDeliveryLog]


def _time(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


class Clock:
    """The sandbox's clock, moved by the test: events a second apart, never tied."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sandbox(clock: Clock) -> Iterator[Sandbox]:
    with Sandbox(clock=clock, webhook_backoff=0.05) as running:
        yield running


@pytest.fixture(params=["sqlite", "redis"])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Stores:
    if request.param == "sqlite":
        db = tmp_path / "volt.db"  # one file for both, as a service would have it
        return SQLiteSuppressionList(db), SQLiteDeliveryLog(db)
    url = request.getfixturevalue("redis_url")
    return RedisSuppressionList.from_url(url), RedisDeliveryLog.from_url(url)


def test_a_stop_suppresses_and_the_sent_message_is_logged_with_its_passthrough(
    sandbox: Sandbox, stores: Stores
) -> None:
    suppression, log = stores
    message, deliveries = converse(sandbox, SIMULATED_URL, passthrough="otp-42")
    assert message is not None
    receiver = WebhookReceiver(
        keys=KeyCache(sandbox.webhook_key_url), suppression=suppression, deliveries=log
    )
    app = Starlette(routes=[webhook_route(receiver, "/volt")])
    with starlette_client(app) as client:
        statuses = [
            client.post(
                "/volt", content=d.body, headers={SIGNATURE_HEADER: d.signature}
            ).status_code
            for d in deliveries
        ]
    assert [d.event_type for d in deliveries] == [
        "webhook.test", "message.sent", "message.finalized", "message.received"
    ]  # fmt: skip
    assert statuses == [204, 204, 204, 204]
    stopped_at = _time(deliveries[-1].json()["payload"]["created_at"])
    assert suppression.lookup(CUSTOMER) == SuppressionEntry(
        CUSTOMER, True, stopped_at, "STOP", sandbox.numbers[0]
    )
    expected = DeliveryRecord(
        id=message.id,
        to=CUSTOMER,
        from_=sandbox.numbers[0],
        body="Reply STOP to opt out",
        media=(),
        passthrough="otp-42",
        at=_time(deliveries[1].json()["payload"]["sent_at"]),
        status="delivered",
    )
    assert log.by_passthrough("otp-42") == expected
    assert log.between(sandbox.numbers[0], CUSTOMER, 0.0) == [expected]


def test_a_stop_and_a_start_replayed_out_of_order_end_opted_in(
    sandbox: Sandbox, stores: Stores, clock: Clock
) -> None:
    suppression, _ = stores
    converse(sandbox, SIMULATED_URL, send=None, replies=["STOP"])
    clock.now += 1
    sandbox.simulate_inbound(from_number=CUSTOMER, to_number=sandbox.numbers[0], body="start")
    assert sandbox.wait_for_webhooks(10)
    stop, start = [d for d in sandbox.webhook_deliveries() if d.event_type == "message.received"]
    receiver = WebhookReceiver(
        keys=KeyCache(sandbox.webhook_key_url), suppression=suppression, dedup=MemoryDedup()
    )
    recorded = [
        receiver.handle({SIGNATURE_HEADER: d.signature}, d.body).recorded
        for d in (start, stop, start, stop)  # Volt's retries, late and repeated
    ]
    assert recorded == [("opt_in",), (), (), ()]
    entry = suppression.lookup(CUSTOMER)
    assert entry is not None
    assert (entry.opted_out, entry.keyword) == (False, "START")
    assert suppression.is_suppressed(CUSTOMER) is False


class FailingOnce(SQLiteSuppressionList):
    """An SQLite list whose first write fails (the disk was busy)."""

    failed = False

    def record(self, number: str, **change: Any) -> bool:
        if not self.failed:
            self.failed = True
            raise OSError("database is locked")
        return super().record(number, **change)


def test_a_store_failure_answers_503_and_the_event_is_recorded_on_volts_retry(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    suppression = FailingOnce(tmp_path / "volt.db")
    receiver = WebhookReceiver(
        keys=KeyCache(sandbox.webhook_key_url), suppression=suppression, dedup=MemoryDedup()
    )
    handled: list[str] = []
    receiver.router.fallback(lambda event: handled.append(event.event_type))
    with serving(Starlette(routes=[webhook_route(receiver, "/volt")])) as base:
        _, deliveries = converse(
            sandbox, f"{base}/volt", event_types=["MESSAGE_RECEIVED"], send=None
        )
    attempts = [(d.event_type, d.attempt, d.status_code) for d in deliveries]
    assert attempts == [
        ("webhook.test", 1, 204),
        ("message.received", 1, 503),
        ("message.received", 2, 204),
    ]
    assert deliveries[1].event_id == deliveries[2].event_id
    assert handled == ["webhook.test", "message.received"]  # once, after the retry
    assert suppression.is_suppressed(CUSTOMER) is True
