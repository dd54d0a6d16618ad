"""The receiving kit's core (WebhookReceiver): statuses, routing, key rotation, max age, dedup."""

from __future__ import annotations

import asyncio
import json
import logging

import httpx
import pytest
from pytest_httpx import HTTPXMock

from tests.clock import FakeClock
from volt_sdk.webhooks import (
    DEFAULT_MAX_BODY,
    KeyCache,
    MemoryDedup,
    MessageEvent,
    MessageFinalizedEvent,
    MessageReceivedEvent,
    TestEvent,
    UnknownEvent,
    WebhookEvent,
    WebhookReceiver,
    WebhookRouter,
    fetch_public_key_async,
)

from .kit import FINALIZED, KEY_URL, RECEIVED, UNKNOWN, openssh, private_key, signed


def receiver(**options: object) -> WebhookReceiver:
    return WebhookReceiver(keys=private_key().public_key(), **options)  # type: ignore[arg-type]


def both(hook: WebhookReceiver, headers: dict[str, str], body: bytes) -> tuple[int, int]:
    """The status of the blocking and of the async path, for the same request."""
    sync = hook.handle(headers, body).status
    return sync, asyncio.run(hook.handle_async(headers, body)).status


# -- statuses ---------------------------------------------------------------------------------


def test_a_signed_event_is_handled_with_204_on_both_paths() -> None:
    hook = receiver()
    seen: list[str] = []
    hook.router.on(MessageReceivedEvent)(lambda event: seen.append(event.payload.text or ""))
    assert both(hook, *signed(RECEIVED)) == (204, 204)
    assert seen == ["STOP", "STOP"]


@pytest.mark.parametrize(
    ("mutate", "status"),
    [
        (lambda h, b: (h, b.replace(b"STOP", b"GO!!")), 401),  # tampered body
        (lambda h, b: ({}, b), 401),  # no signature
        (lambda h, b: ({"x-respond-flow-signature": "bm90IGEgc2lnbmF0dXJl"}, b), 401),
        (lambda h, b: (h, b"x" * (DEFAULT_MAX_BODY + 1)), 413),
    ],
    ids=["tampered", "unsigned", "garbled", "too-large"],
)
def test_refusals_answer_their_status_and_say_nothing_of_why(mutate, status) -> None:  # type: ignore[no-untyped-def]
    hook = receiver()
    handled: list[WebhookEvent] = []
    hook.router.on(WebhookEvent)(handled.append)
    headers, body = mutate(*signed(RECEIVED))
    answer = hook.handle(headers, body)
    assert (answer.status, answer.body) == (status, b"refused")
    assert asyncio.run(hook.handle_async(headers, body)).status == status
    assert handled == []


def test_a_signed_body_that_is_not_an_event_is_a_400() -> None:
    assert both(receiver(), *signed(b'{"no": "event type"}')) == (400, 400)
    assert both(receiver(), *signed(b"not json")) == (400, 400)


def test_a_handler_that_raises_is_a_500_without_detail(caplog: pytest.LogCaptureFixture) -> None:
    hook = receiver()

    @hook.router.on(MessageReceivedEvent)
    def boom(event: MessageReceivedEvent) -> None:
        raise RuntimeError("database password is hunter2")

    answer = hook.handle(*signed(RECEIVED))
    assert (answer.status, answer.body, answer.outcome) == (500, b"handler failed", "handler_error")
    assert b"hunter2" not in answer.body
    assert "hunter2" in caplog.text  # the traceback is in the log
    assert asyncio.run(hook.handle_async(*signed(RECEIVED))).status == 500


# -- the router -------------------------------------------------------------------------------


def test_handlers_run_by_class_in_order_sync_and_async_on_both_paths() -> None:
    router = WebhookRouter()
    calls: list[str] = []

    @router.on(MessageReceivedEvent)
    def first(event: MessageReceivedEvent) -> None:
        calls.append(f"received:{event.payload.text}")

    @router.on(MessageEvent)
    async def any_message(event: MessageEvent) -> None:
        await asyncio.sleep(0)
        calls.append(f"message:{event.event_type}")

    @router.on(TestEvent)
    def test_request(event: TestEvent) -> None:
        calls.append("test")

    @router.fallback
    def other(event: WebhookEvent) -> None:
        calls.append(f"fallback:{type(event).__name__}")

    hook = receiver(router=router)
    for event in (RECEIVED, FINALIZED, UNKNOWN, {"event_type": "webhook.test"}):
        assert hook.handle(*signed(event)).status == 204
    assert calls == [
        "received:STOP",
        "message:message.received",
        "message:message.finalized",
        "fallback:UnknownEvent",
        "test",
    ]
    calls.clear()
    for event in (RECEIVED, UNKNOWN):
        assert asyncio.run(hook.handle_async(*signed(event))).status == 204
    assert calls == ["received:STOP", "message:message.received", "fallback:UnknownEvent"]


def test_an_event_no_handler_takes_is_acknowledged() -> None:
    answer = receiver().handle(*signed(UNKNOWN))
    assert (answer.status, answer.outcome) == (204, "ignored")
    assert isinstance(answer.event, UnknownEvent)


def test_a_handler_given_to_handle_replaces_the_router() -> None:
    hook = receiver()
    hook.router.on(WebhookEvent)(lambda event: pytest.fail("the router ran"))
    got: list[WebhookEvent] = []
    assert hook.handle(*signed(FINALIZED), handler=got.append).status == 204
    assert isinstance(got[0], MessageFinalizedEvent)


def test_the_router_refuses_what_is_not_an_event_class() -> None:
    with pytest.raises(TypeError, match="WebhookEvent class"):
        WebhookRouter().on(dict)  # type: ignore[type-var]


# -- the key: fetched, cached, refreshed once per interval --------------------------------------


def test_an_unreachable_key_is_a_503_with_retry_after_so_that_volt_retries(
    httpx_mock: HTTPXMock, fake_clock: FakeClock
) -> None:
    httpx_mock.add_exception(httpx.ConnectError("refused"), url=KEY_URL)
    httpx_mock.add_response(url=KEY_URL, status_code=502)
    httpx_mock.add_response(url=KEY_URL, content=b"not a key")
    hook = WebhookReceiver(keys=KeyCache(KEY_URL, failure_backoff=5))
    for _ in range(3):
        answer = hook.handle(*signed(RECEIVED))
        assert (answer.status, dict(answer.headers)["retry-after"]) == (503, "60")
        assert hook.handle(*signed(RECEIVED)).status == 503  # within the backoff: no download
        fake_clock.advance(5)
    assert hook.keys.downloads == 3


def test_a_rotated_key_is_fetched_once_then_the_event_accepted(
    httpx_mock: HTTPXMock, fake_clock: FakeClock
) -> None:
    httpx_mock.add_response(url=KEY_URL, content=openssh(private_key(0)))
    httpx_mock.add_response(url=KEY_URL, content=openssh(private_key(1)))
    hook = WebhookReceiver(keys=KeyCache(KEY_URL))
    assert hook.handle(*signed(RECEIVED, private_key(0))).status == 204
    # Volt rotates: the next event is signed with the new key.
    assert hook.handle(*signed(FINALIZED, private_key(1))).status == 204
    assert hook.handle(*signed(FINALIZED, private_key(1))).status == 204  # cached now
    assert len(httpx_mock.get_requests()) == 2


def test_a_forged_flood_fetches_the_key_at_most_once_per_interval(
    httpx_mock: HTTPXMock, fake_clock: FakeClock
) -> None:
    httpx_mock.add_response(url=KEY_URL, content=openssh(private_key(0)), is_reusable=True)
    hook = WebhookReceiver(keys=KeyCache(KEY_URL, refresh_interval=60))
    forged = signed(RECEIVED, private_key(2))
    for _ in range(50):
        assert hook.handle(*forged).status == 401
    assert len(httpx_mock.get_requests()) == 2  # the first get, one refresh
    fake_clock.advance(59)
    assert asyncio.run(hook.handle_async(*forged)).status == 401
    assert len(httpx_mock.get_requests()) == 2
    fake_clock.advance(1)
    for _ in range(10):
        assert asyncio.run(hook.handle_async(*forged)).status == 401
    assert len(httpx_mock.get_requests()) == 3


def test_a_failed_refresh_is_a_503(httpx_mock: HTTPXMock, fake_clock: FakeClock) -> None:
    httpx_mock.add_response(url=KEY_URL, content=openssh(private_key(0)))
    httpx_mock.add_response(url=KEY_URL, status_code=500)
    hook = WebhookReceiver(keys=KeyCache(KEY_URL))
    assert hook.handle(*signed(RECEIVED, private_key(1))).status == 503


def test_an_expired_key_is_downloaded_again_and_kept_if_that_fails(
    httpx_mock: HTTPXMock, fake_clock: FakeClock
) -> None:
    httpx_mock.add_response(url=KEY_URL, content=openssh(private_key(0)))
    httpx_mock.add_response(url=KEY_URL, status_code=503)
    hook = WebhookReceiver(keys=KeyCache(KEY_URL, ttl=100))
    assert hook.handle(*signed(RECEIVED)).status == 204
    fake_clock.advance(101)
    assert asyncio.run(hook.handle_async(*signed(RECEIVED))).status == 204  # the stale key
    assert len(httpx_mock.get_requests()) == 2


def test_a_fixed_key_is_never_refreshed() -> None:
    hook = receiver()
    assert not hook.keys.refreshable
    assert hook.handle(*signed(RECEIVED, private_key(1))).status == 401
    assert hook.keys.downloads == 0


@pytest.mark.anyio
async def test_fetch_public_key_async_downloads_without_blocking(httpx_mock: HTTPXMock) -> None:
    from volt_sdk.webhooks import clear_key_cache, fetch_public_key

    clear_key_cache()
    httpx_mock.add_response(url=KEY_URL, content=openssh(private_key()))
    key = await fetch_public_key_async(KEY_URL)
    assert key.public_numbers() == private_key().public_key().public_numbers()
    assert fetch_public_key(KEY_URL) is key  # one cache for both
    clear_key_cache()


# -- max age ----------------------------------------------------------------------------------


def test_max_age_refuses_an_old_event_and_accepts_one_without_a_time(
    fake_clock: FakeClock,
) -> None:
    # The fake wall clock is 1_700_000_000 (2023-11-14T22:13:20Z); RECEIVED is 20 s older.
    assert both(receiver(max_age=30), *signed(RECEIVED)) == (204, 204)
    fake_clock.advance(11)
    answer = receiver(max_age=30).handle(*signed(RECEIVED))
    assert (answer.status, answer.outcome) == (400, "too_old")
    assert receiver(max_age=30).handle(*signed(FINALIZED)).status == 204  # no created_at
    assert receiver().handle(*signed(RECEIVED)).status == 204  # no max_age: no limit
    with pytest.raises(ValueError, match="max_age"):
        receiver(max_age=0)


# -- deduplication ----------------------------------------------------------------------------


def test_dedup_handles_an_event_once_and_a_failed_one_again(fake_clock: FakeClock) -> None:
    hook = receiver(dedup=MemoryDedup())
    calls: list[str | None] = []
    fail = [True]

    @hook.router.on(MessageEvent)
    def handle(event: MessageEvent) -> None:
        calls.append(event.id)
        if event.id == "evt_2" and fail[0]:
            raise RuntimeError("the database is down")

    assert hook.handle(*signed(RECEIVED)).outcome == "handled"
    assert hook.handle(*signed(RECEIVED)).outcome == "duplicate"
    assert asyncio.run(hook.handle_async(*signed(RECEIVED))).status == 204
    assert hook.handle(*signed(FINALIZED)).status == 500  # released: Volt's retry handles it
    fail[0] = False
    assert hook.handle(*signed(FINALIZED)).status == 204
    assert hook.handle(*signed(FINALIZED)).outcome == "duplicate"
    assert calls == ["evt_1", "evt_2", "evt_2"]


def test_an_event_being_handled_elsewhere_is_a_503_until_its_lease_ends(
    fake_clock: FakeClock,
) -> None:
    store = MemoryDedup()
    hook = receiver(dedup=store, claim_lease=30)
    assert store.claim("evt_1", "another-worker", 30) == "claimed"
    answer = hook.handle(*signed(RECEIVED))
    assert (answer.status, answer.outcome) == (503, "in_flight")
    fake_clock.advance(30)  # the other worker died: its claim lapsed
    assert hook.handle(*signed(RECEIVED)).status == 204
    assert hook.handle(*signed(RECEIVED)).outcome == "duplicate"


def test_an_event_without_an_id_is_not_deduplicated() -> None:
    hook = receiver(dedup=MemoryDedup())
    event = {"event_type": "message.sent", "payload": {}}
    assert [hook.handle(*signed(event)).outcome for _ in range(2)] == ["ignored", "ignored"]


def test_a_failing_store_is_a_503_and_a_failing_confirmation_still_a_204(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Broken(MemoryDedup):
        def __init__(self, fail: str) -> None:
            super().__init__()
            self.fail = fail

        def claim(self, event_id: str, token: str, lease: float):  # type: ignore[no-untyped-def]
            if self.fail == "claim":
                raise ConnectionError("redis is down")
            return super().claim(event_id, token, lease)

        def confirm(self, event_id: str, token: str, ttl: float) -> None:
            raise ConnectionError("redis is down")

    caplog.set_level(logging.ERROR)
    assert receiver(dedup=Broken("claim")).handle(*signed(RECEIVED)).status == 503
    assert receiver(dedup=Broken("confirm")).handle(*signed(RECEIVED)).status == 204
    assert "failed to confirm evt_1" in caplog.text


def test_the_response_body_is_never_json_of_the_event() -> None:
    answer = receiver().handle(*signed(RECEIVED))
    assert answer.body == b""
    assert json.loads(signed(RECEIVED)[1])["id"] == "evt_1"
