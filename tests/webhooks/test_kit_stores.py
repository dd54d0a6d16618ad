"""The kit writes the stores: inbound keywords into the suppression list, outbound messages
into the delivery log, after the dedup claim and before the handlers, on both paths."""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.clock import FakeClock
from volt_sdk.stores import (
    DeliveryRecord,
    MemoryDeliveryLog,
    MemorySuppressionList,
    RedisDeliveryLog,
    RedisSuppressionList,
    SQLiteDeliveryLog,
    SQLiteSuppressionList,
    SuppressionEntry,
)
from volt_sdk.webhooks import (
    MemoryDedup,
    MessageReceivedEvent,
    WebhookEvent,
    WebhookReceiver,
    WebhookResponse,
)
from volt_sdk.webhooks import flask as volt_flask
from volt_sdk.webhooks.starlette import webhook_route

from .frameworks import starlette_client
from .kit import private_key, signed

CUSTOMER = "+15555550145"
OURS = "+15555550100"
T0 = 1_699_999_980.0  # 2023-11-14T22:13:00Z, 20 s before the fake clock's wall time

Suppression = MemorySuppressionList | SQLiteSuppressionList | RedisSuppressionList
Deliveries = MemoryDeliveryLog | SQLiteDeliveryLog | RedisDeliveryLog


def inbound(
    text: str | None,
    *,
    event_id: str = "evt_in",
    event_at: str | None = "2023-11-14T22:13:00Z",
    **payload: Any,
) -> dict[str, Any]:
    fields = {"id": "msg_in", "text": text, "from_number": CUSTOMER, "to_number": OURS}
    return {
        "id": event_id,
        "event_type": "message.received",
        "created_at": event_at,
        "payload": {**fields, **payload},
    }


def outbound(event_type: str, *, event_id: str, **payload: Any) -> dict[str, Any]:
    fields = {
        "id": "msg_out",
        "text": "Your code is 123456",
        "from_number": OURS,
        "to_number": CUSTOMER,
        "direction": "outbound",
        "media": ["https://example.com/logo.png"],
    }
    return {
        "id": event_id,
        "event_type": event_type,
        "created_at": "2023-11-14T22:13:10Z",
        "payload": {**fields, **payload},
    }


def receiver(**options: Any) -> WebhookReceiver:
    return WebhookReceiver(keys=private_key().public_key(), **options)


def post(hook: WebhookReceiver, event: dict[str, Any], *, asynchronous: bool) -> WebhookResponse:
    headers, body = signed(event)
    if asynchronous:
        return asyncio.run(hook.handle_async(headers, body))
    return hook.handle(headers, body)


@pytest.fixture(params=["memory", "sqlite", "redis"])
def suppression(request: pytest.FixtureRequest, tmp_path: Path) -> Suppression:
    if request.param == "memory":
        return MemorySuppressionList()
    if request.param == "sqlite":
        return SQLiteSuppressionList(tmp_path / "suppression.db")
    return RedisSuppressionList.from_url(request.getfixturevalue("redis_url"))


@pytest.fixture(params=["memory", "sqlite", "redis"])
def deliveries(request: pytest.FixtureRequest, tmp_path: Path, fake_clock: FakeClock) -> Deliveries:
    if request.param == "memory":
        return MemoryDeliveryLog()
    if request.param == "sqlite":
        return SQLiteDeliveryLog(tmp_path / "deliveries.db")
    return RedisDeliveryLog.from_url(request.getfixturevalue("redis_url"))


@pytest.fixture(params=[False, True], ids=["blocking", "async"])
def asynchronous(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


# -- opt-out and opt-in ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "keyword"),
    [("STOP", "STOP"), ("stop!", "STOP"), (" Unsubscribe ", "UNSUBSCRIBE"), ("cancel", "CANCEL"),
     ("End.", "END"), ("quit", "QUIT"), ("StopAll", "STOPALL")],
)  # fmt: skip
def test_an_opt_out_keyword_suppresses_its_sender(
    suppression: Suppression, asynchronous: bool, text: str, keyword: str
) -> None:
    hook = receiver(suppression=suppression)
    answer = post(hook, inbound(text), asynchronous=asynchronous)
    assert (answer.status, answer.outcome, answer.recorded) == (204, "ignored", ("opt_out",))
    assert suppression.lookup(CUSTOMER) == SuppressionEntry(CUSTOMER, True, T0, keyword, OURS)


@pytest.mark.parametrize(("text", "keyword"), [("START", "START"), ("unstop", "UNSTOP")])
def test_an_opt_in_keyword_lifts_the_suppression(
    suppression: Suppression, asynchronous: bool, text: str, keyword: str
) -> None:
    suppression.opt_out(CUSTOMER, at=T0 - 60)
    hook = receiver(suppression=suppression)
    answer = post(hook, inbound(text), asynchronous=asynchronous)
    assert answer.recorded == ("opt_in",)
    assert suppression.lookup(CUSTOMER) == SuppressionEntry(CUSTOMER, False, T0, keyword, OURS)
    assert suppression.is_suppressed(CUSTOMER) is False


@pytest.mark.parametrize("text", ["stop it", "please STOP", "HELP", "", None, "STOP STOP"])
def test_any_other_text_records_nothing(
    suppression: Suppression, asynchronous: bool, text: str | None
) -> None:
    hook = receiver(suppression=suppression)
    answer = post(hook, inbound(text), asynchronous=asynchronous)
    assert (answer.status, answer.recorded) == (204, ())
    assert suppression.lookup(CUSTOMER) is None


def test_the_numbers_are_recorded_in_e164_and_what_is_no_number_as_sent() -> None:
    suppression = MemorySuppressionList()
    hook = receiver(suppression=suppression)
    hook.handle(
        *signed(inbound("STOP", from_number="+1 (555) 555-0146", to_number="+1.555.555.0100"))
    )
    assert suppression.lookup("+15555550146") == SuppressionEntry(
        "+15555550146", True, T0, "STOP", OURS
    )
    hook.handle(
        *signed(inbound("STOP", event_id="e2", from_number="  short-code 42 ", to_number=None))
    )
    assert suppression.lookup("short-code 42") == SuppressionEntry(
        "short-code 42", True, T0, "STOP", None
    )
    answer = hook.handle(*signed(inbound("STOP", event_id="e3", from_number="   ")))
    assert answer.recorded == ()  # no sender: nobody to suppress
    answer = hook.handle(*signed(inbound("STOP", event_id="e4", from_number=None)))
    assert answer.recorded == ()
    assert len(suppression) == 2


@pytest.mark.parametrize(
    ("payload", "created_at", "at"),
    [
        (
            {"created_at": "2023-11-14T22:00:00Z", "sent_at": "2023-11-14T22:01:00Z"},
            "2023-11-14T22:13:00Z",
            1_699_999_200.0,
        ),
        (
            {"created_at": None, "sent_at": "2023-11-14T22:01:00Z"},
            "2023-11-14T22:13:00Z",
            1_699_999_260.0,
        ),
        ({"created_at": "garbled", "sent_at": "1699999000000"}, None, 1_699_999_000.0),
        ({}, "2023-11-14T22:13:00Z", T0),
        ({}, None, 1_700_000_000.0),  # no time anywhere: now
        ({"sent_at": "later"}, "never", 1_700_000_000.0),
    ],
    ids=["payload-created", "payload-sent", "epoch-millis", "event-created", "now", "unreadable"],
)
def test_the_change_is_dated_by_the_payload_then_the_event_then_now(
    fake_clock: FakeClock, payload: dict[str, Any], created_at: str | None, at: float
) -> None:
    suppression = MemorySuppressionList()
    receiver(suppression=suppression).handle(
        *signed(inbound("STOP", event_at=created_at, **payload))
    )
    entry = suppression.lookup(CUSTOMER)
    assert entry is not None
    assert entry.at == at


def test_a_stop_and_a_start_delivered_out_of_order_end_in_the_later_ones_state(
    suppression: Suppression, asynchronous: bool
) -> None:
    hook = receiver(suppression=suppression)
    start = inbound("START", event_id="evt_start", event_at="2023-11-14T22:13:05Z")
    stop = inbound("STOP", event_id="evt_stop", event_at="2023-11-14T22:13:00Z")
    assert post(hook, start, asynchronous=asynchronous).recorded == ("opt_in",)
    late = post(hook, stop, asynchronous=asynchronous)
    assert (late.status, late.outcome, late.recorded) == (204, "ignored", ())  # older: ignored
    assert suppression.lookup(CUSTOMER) == SuppressionEntry(CUSTOMER, False, T0 + 5, "START", OURS)
    # In order, the later STOP wins again.
    again = inbound("stop", event_id="evt_stop2", event_at="2023-11-14T22:13:06Z")
    assert post(hook, again, asynchronous=asynchronous).recorded == ("opt_out",)
    assert suppression.is_suppressed(CUSTOMER) is True


class CountingSuppression(MemorySuppressionList):
    """Counts its writes, remembers their threads, and fails the first ``failures`` of them."""

    def __init__(self, failures: int = 0) -> None:
        super().__init__()
        self.calls = 0
        self.failures = failures
        self.threads: list[int] = []

    def record(self, number: str, **change: Any) -> bool:
        self.calls += 1
        self.threads.append(threading.get_ident())
        if self.calls <= self.failures:
            raise ConnectionError("the store is down")
        return super().record(number, **change)


def test_a_duplicate_event_is_recorded_once(asynchronous: bool) -> None:
    suppression = CountingSuppression()
    hook = receiver(suppression=suppression, dedup=MemoryDedup())
    first = post(hook, inbound("STOP"), asynchronous=asynchronous)
    second = post(hook, inbound("STOP"), asynchronous=asynchronous)
    assert (first.outcome, first.recorded) == ("ignored", ("opt_out",))
    assert (second.status, second.outcome, second.recorded) == (204, "duplicate", ())
    assert suppression.calls == 1


def test_a_store_failure_is_a_503_that_releases_the_claim_so_that_the_retry_records(
    asynchronous: bool, caplog: pytest.LogCaptureFixture
) -> None:
    suppression = CountingSuppression(failures=1)
    hook = receiver(suppression=suppression, dedup=MemoryDedup(), retry_after=30)
    handled: list[WebhookEvent] = []
    hook.router.on(MessageReceivedEvent)(handled.append)
    with caplog.at_level(logging.ERROR, logger="volt_sdk.webhooks"):
        failed = post(hook, inbound("STOP"), asynchronous=asynchronous)
    assert (failed.status, failed.body, failed.outcome, failed.recorded) == (
        503, b"try again later", "store_error", ()
    )  # fmt: skip
    assert dict(failed.headers)["retry-after"] == "30"
    assert handled == []  # the handlers wait for the store
    assert [r.getMessage() for r in caplog.records] == [
        "a store failed to record webhook event evt_in"
    ]
    retried = post(hook, inbound("STOP"), asynchronous=asynchronous)
    assert (retried.status, retried.outcome, retried.recorded) == (204, "handled", ("opt_out",))
    assert len(handled) == 1
    assert suppression.is_suppressed(CUSTOMER) is True


def test_an_opt_out_holds_even_when_a_handler_fails(asynchronous: bool) -> None:
    suppression = MemorySuppressionList()
    hook = receiver(suppression=suppression, dedup=MemoryDedup())

    @hook.router.on(MessageReceivedEvent)
    def broken(event: MessageReceivedEvent) -> None:
        raise RuntimeError("the handler's bug")

    answer = post(hook, inbound("STOP"), asynchronous=asynchronous)
    assert (answer.status, answer.outcome, answer.recorded) == (500, "handler_error", ("opt_out",))
    assert suppression.is_suppressed(CUSTOMER) is True


def test_the_async_path_writes_a_memory_store_on_the_event_loops_thread() -> None:
    inline = CountingSuppression()
    loop_threads: list[int] = []

    async def both() -> None:
        loop_threads.append(threading.get_ident())
        headers, body = signed(inbound("STOP"))
        await receiver(suppression=inline).handle_async(headers, body)

    asyncio.run(both())
    assert inline.threads == loop_threads


def test_a_store_that_is_not_in_memory_is_written_in_a_worker_thread(tmp_path: Path) -> None:
    written: list[int] = []

    class Remote:
        def record(self, number: str, **change: Any) -> bool:
            written.append(threading.get_ident())
            return True

        def lookup(self, number: str) -> SuppressionEntry | None:
            return None

    loop: list[int] = []

    async def run() -> WebhookResponse:
        loop.append(threading.get_ident())
        return await receiver(suppression=Remote()).handle_async(*signed(inbound("STOP")))

    assert asyncio.run(run()).recorded == ("opt_out",)
    assert len(written) == 1
    assert written != loop


def test_the_keywords_can_be_replaced_and_are_compared_in_upper_case(asynchronous: bool) -> None:
    suppression = MemorySuppressionList()
    hook = receiver(
        suppression=suppression, opt_out_keywords={"halt", " Arret "}, opt_in_keywords=["go"]
    )
    assert hook.opt_out_keywords == frozenset({"HALT", "ARRET"})
    assert hook.opt_in_keywords == frozenset({"GO"})
    assert post(hook, inbound("STOP"), asynchronous=asynchronous).recorded == ()
    assert post(hook, inbound("arret", event_id="e2"), asynchronous=asynchronous).recorded == (
        "opt_out",
    )
    assert post(
        hook,
        inbound("Go!", event_id="e3", event_at="2023-11-14T22:14:00Z"),
        asynchronous=asynchronous,
    ).recorded == ("opt_in",)
    assert suppression.lookup(CUSTOMER) == SuppressionEntry(CUSTOMER, False, T0 + 60, "GO", OURS)


def test_bad_keyword_sets_are_refused() -> None:
    with pytest.raises(
        ValueError, match=r"^opt_out_keywords and opt_in_keywords share START, STOP$"
    ):
        receiver(opt_out_keywords={"stop", "start"}, opt_in_keywords={"START", "STOP"})
    with pytest.raises(
        TypeError, match=r"^opt_out_keywords: expected a collection of words, got a single str$"
    ):
        receiver(opt_out_keywords="STOP")
    with pytest.raises(ValueError, match=r"^opt_in_keywords: a keyword cannot be empty$"):
        receiver(opt_in_keywords={"START", " "})


def test_the_defaults_are_the_ctia_keywords_and_no_stores() -> None:
    hook = receiver()
    assert hook.opt_out_keywords == frozenset(
        {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
    )
    assert hook.opt_in_keywords == frozenset({"START", "UNSTOP"})
    assert (hook.suppression, hook.deliveries) == (None, None)
    assert hook.handle(*signed(inbound("STOP"))).recorded == ()


# -- the delivery log --------------------------------------------------------------------


def test_outbound_events_fill_the_delivery_log_with_the_passthrough(
    deliveries: Deliveries, asynchronous: bool
) -> None:
    hook = receiver(deliveries=deliveries, dedup=MemoryDedup())
    sent = outbound(
        "message.sent",
        event_id="evt_s",
        status="sent",
        passthrough="otp-1",
        sent_at="2023-11-14T22:13:01Z",
    )
    final = outbound(
        "message.finalized",
        event_id="evt_f",
        status="delivered",
        passthrough=None,
        sent_at="2023-11-14T22:13:01Z",
        confirmed_at="2023-11-14T22:13:09Z",
    )
    assert post(hook, sent, asynchronous=asynchronous).recorded == ("delivery",)
    record = DeliveryRecord(
        "msg_out",
        CUSTOMER,
        OURS,
        "Your code is 123456",
        ("https://example.com/logo.png",),
        "otp-1",
        T0 + 1,
        "sent",
    )
    assert deliveries.by_passthrough("otp-1") == record
    assert post(hook, final, asynchronous=asynchronous).recorded == ("delivery",)
    assert post(hook, final, asynchronous=asynchronous).outcome == "duplicate"
    delivered = DeliveryRecord(
        "msg_out",
        CUSTOMER,
        OURS,
        "Your code is 123456",
        ("https://example.com/logo.png",),
        "otp-1",
        T0 + 1,
        "delivered",
    )
    assert deliveries.by_passthrough("otp-1") == delivered
    assert deliveries.between(OURS, CUSTOMER, T0) == [delivered]


@pytest.mark.parametrize(
    ("payload", "at"),
    [
        ({"sent_at": "2023-11-14T22:13:01Z", "created_at": "2023-11-14T22:12:00Z"}, T0 + 1),
        ({"sent_at": None, "created_at": "2023-11-14T22:12:00Z"}, T0 - 60),
        ({}, T0 + 10),  # the event's created_at
    ],
)
def test_a_delivery_is_dated_by_sent_at_then_created_at_then_the_event(
    fake_clock: FakeClock, payload: dict[str, Any], at: float
) -> None:
    log = MemoryDeliveryLog()
    receiver(deliveries=log).handle(*signed(outbound("message.sent", event_id="e", **payload)))
    assert [r.at for r in log.between(OURS, CUSTOMER, 0.0)] == [at]


def test_a_bare_delivery_event_records_empty_fields(fake_clock: FakeClock) -> None:
    log = MemoryDeliveryLog()
    event = {"id": "e", "event_type": "message.finalized", "payload": {"id": "msg_9"}}
    assert receiver(deliveries=log).handle(*signed(event)).recorded == ("delivery",)
    assert log.between("", "", 0.0) == [
        DeliveryRecord("msg_9", "", "", "", (), None, 1_700_000_000.0, None)
    ]


def test_events_without_a_message_id_and_inbound_ones_are_not_deliveries(
    fake_clock: FakeClock,
) -> None:
    log = MemoryDeliveryLog()
    hook = receiver(deliveries=log)
    assert hook.handle(*signed(outbound("message.sent", event_id="e1", id=None))).recorded == ()
    assert hook.handle(*signed(outbound("message.sent", event_id="e2", id=""))).recorded == ()
    assert hook.handle(*signed(inbound("hello"))).recorded == ()
    test_event = {"id": "e3", "event_type": "webhook.test", "payload": {"id": "x"}}
    assert hook.handle(*signed(test_event)).recorded == ()
    assert len(log) == 0


def test_a_stop_is_not_a_delivery_and_a_delivery_is_not_a_stop(fake_clock: FakeClock) -> None:
    suppression, log = MemorySuppressionList(), MemoryDeliveryLog()
    hook = receiver(suppression=suppression, deliveries=log)
    assert hook.handle(*signed(inbound("STOP"))).recorded == ("opt_out",)
    sent = outbound("message.sent", event_id="e2", text="STOP")
    assert hook.handle(*signed(sent)).recorded == ("delivery",)
    assert (len(suppression), len(log)) == (1, 1)


def test_a_delivery_log_failure_is_a_503_too(asynchronous: bool) -> None:
    class Down(MemoryDeliveryLog):
        def record(self, record: DeliveryRecord) -> None:
            raise OSError("disk full")

    hook = receiver(deliveries=Down(), dedup=MemoryDedup())
    answer = post(hook, outbound("message.sent", event_id="e"), asynchronous=asynchronous)
    assert (answer.status, answer.outcome) == (503, "store_error")
    assert hook.dedup is not None
    assert hook.dedup.claim("e", "other", 60) == "claimed"  # released


# -- through the frameworks' own test clients --------------------------------------------


def test_starlette_and_flask_apps_record_through_the_kit(tmp_path: Path) -> None:
    suppression = SQLiteSuppressionList(tmp_path / "shared.db")
    hook = receiver(suppression=suppression, dedup=MemoryDedup())
    flask_app = Flask(__name__)
    flask_app.add_url_rule("/hook", view_func=volt_flask.webhook_view(hook), methods=["POST"])
    from starlette.applications import Starlette

    headers, body = signed(inbound("STOP", event_id="evt_a"))
    with starlette_client(Starlette(routes=[webhook_route(hook, "/hook")])) as client:
        assert client.post("/hook", content=body, headers=headers).status_code == 204
    assert suppression.is_suppressed(CUSTOMER) is True
    headers, body = signed(inbound("START", event_id="evt_b", event_at="2023-11-14T22:13:01Z"))
    assert flask_app.test_client().post("/hook", data=body, headers=headers).status_code == 204
    assert suppression.lookup(CUSTOMER) == SuppressionEntry(CUSTOMER, False, T0 + 1, "START", OURS)
