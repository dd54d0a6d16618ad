"""Public models: stable names, lenient parsing, derived accessors that never raise."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from pytest_httpx import HTTPXMock

from tests.payloads import FROM, TO, message_data, webhook_data
from volt_sdk import (
    AsyncVolt,
    ErrorCategory,
    Message,
    Volt,
    Webhook,
    WebhookEventType,
    parse_timestamp,
)


def test_a_message_parses_its_timestamps_and_keeps_the_raw_strings() -> None:
    message = Message.model_validate(
        message_data(sentAt="2024-05-01T12:00:00Z", confirmedAt="2024-05-01T12:00:03.250+02:00")
    )
    assert message.sent_at == "2024-05-01T12:00:00Z"
    assert message.sent_at_datetime == datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
    assert message.confirmed_at_datetime is not None
    assert message.confirmed_at_datetime.utcoffset() is not None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-05-01T12:00:00Z", datetime(2024, 5, 1, 12, tzinfo=timezone.utc)),
        ("2024-05-01T12:00:00", datetime(2024, 5, 1, 12, tzinfo=timezone.utc)),
        ("2024-05-01 12:00:00+00:00", datetime(2024, 5, 1, 12, tzinfo=timezone.utc)),
        ("1714564800", datetime(2024, 5, 1, 12, tzinfo=timezone.utc)),
        ("1714564800000", datetime(2024, 5, 1, 12, tzinfo=timezone.utc)),
        (1714564800, datetime(2024, 5, 1, 12, tzinfo=timezone.utc)),
        (None, None),
        ("", None),
        ("yesterday", None),
        ("2024-13-45T99:99:99Z", None),
        ("9" * 400, None),
        (float("nan"), None),
        (True, None),
        ([], None),
    ],
)
def test_timestamps_parse_best_effort_and_never_raise(raw: object, expected: object) -> None:
    assert parse_timestamp(raw) == expected


def test_a_garbage_timestamp_leaves_the_model_usable() -> None:
    message = Message.model_validate(message_data(sentAt="not a time"))
    assert message.sent_at == "not a time"
    assert message.sent_at_datetime is None


def test_a_message_error_code_is_explained_by_the_volt_error_table() -> None:
    message = Message.model_validate(message_data(status="failed", errorCode=503))
    assert message.error is not None
    assert message.error.code == 503
    assert message.error.category is ErrorCategory.PHONE_NUMBER
    assert message.error.temporary is False
    assert Message.model_validate(message_data(errorCode=None)).error is None


def test_an_unknown_error_code_is_still_described_by_its_family() -> None:
    message = Message.model_validate(message_data(errorCode=799))
    assert message.error is not None
    assert message.error.known is False
    assert message.error.category is ErrorCategory.SPAM


def test_an_event_type_the_server_added_later_does_not_crash_the_client() -> None:
    hook = Webhook.model_validate(webhook_data(eventTypes=["MESSAGE_SENT", "MESSAGE_CLICKED"]))
    assert hook.event_types is not None
    known, unknown = hook.event_types
    assert known is WebhookEventType.MESSAGE_SENT
    assert unknown is not None
    assert unknown == "MESSAGE_CLICKED"
    assert unknown.value == "MESSAGE_CLICKED"
    assert isinstance(unknown, WebhookEventType)


def test_a_status_value_nobody_has_seen_is_kept_as_is() -> None:
    assert Message.model_validate(message_data(status="carrier_hold")).status == "carrier_hold"


def test_extra_fields_from_a_newer_server_are_ignored() -> None:
    message = Message.model_validate(message_data(segments=3, price="0.0079"))
    assert message.id == "msg_1"


def conversation(ids: list[str], total: int) -> dict[str, object]:
    return {
        "data": {
            "conversation": {
                "messages": [message_data(id=i) for i in ids],
                "pageInfo": {"totalItems": total},
            }
        }
    }


def test_iterating_a_conversation_walks_every_page_with_the_before_cursor(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(json=conversation(["m5", "m4"], 5))
    httpx_mock.add_response(json=conversation(["m3", "m2"], 5))
    httpx_mock.add_response(json=conversation(["m1"], 5))
    with Volt() as volt:
        ids = [m.id for m in volt.iter_conversation(to=TO, from_=FROM)]
    assert ids == ["m5", "m4", "m3", "m2", "m1"]
    import json

    befores = [json.loads(r.content)["variables"].get("before") for r in httpx_mock.get_requests()]
    assert befores == [None, "m4", "m2"]


@pytest.mark.anyio
async def test_async_iteration_stops_at_an_empty_page(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=conversation(["m2", "m1"], 3))
    httpx_mock.add_response(json=conversation([], 3))
    async with AsyncVolt() as volt:
        pages = [p async for p in volt.iter_conversation_pages(to=TO, from_=FROM)]
    assert [len(p.messages or []) for p in pages] == [2, 0]


def test_iteration_stops_when_the_server_ignores_the_cursor(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=conversation(["m2", "m1"], 10), is_reusable=True)
    with Volt() as volt:
        ids = [m.id for m in volt.iter_conversation(to=TO, from_=FROM)]
    # The second page repeats the first: nothing is yielded twice, and paging stops.
    assert ids == ["m2", "m1"]
    assert len(httpx_mock.get_requests()) == 2
