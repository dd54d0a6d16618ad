"""Typing-only: the public API used the way customers use it.

Never run; checked by ``mypy --strict`` and ``pyright --strict`` (``make typecheck``).
A line marked ``type: ignore[...]`` is a mistake the type checkers must catch:
if one stops being an error, the unused ignore fails the check.
"""

from __future__ import annotations

from datetime import datetime

import httpx
from typing_extensions import assert_type

import volt_sdk
from volt_sdk import (
    AioHttpClient,
    AsyncVolt,
    Contact,
    ContactList,
    ConversationPage,
    Message,
    MessageErrorCode,
    SegmentInfo,
    Volt,
    VoltError,
    Wave,
    Webhook,
    WebhookEventType,
    message_segments,
    normalize_phone,
)


async def async_usage() -> None:
    async with AsyncVolt() as volt:
        msg = await volt.send_message(
            to="+15555550145",
            from_="+15555550123",
            body="Your One Time Code is 654312\n\nReply STOP to opt-out.",
        )
        assert_type(msg, Message)
        assert_type(msg.id, str)
        assert_type(msg.status, str | None)
        assert_type(msg.sent_at, str | None)
        assert_type(msg.sent_at_datetime, datetime | None)
        assert_type(msg.error, MessageErrorCode | None)
        assert_type(await volt.get_message(msg.id), Message)
        page = await volt.get_conversation(to="+15555550145", from_="+15555550123")
        assert_type(page, ConversationPage)
        async for message in volt.iter_conversation(to="+15555550145", from_="+15555550123"):
            assert_type(message, Message)
        assert_type(await volt.list_webhooks(), list[Webhook])
        await volt.send_message(to="+15555550145", form_="+15555550123", body="x")  # type: ignore[call-arg]
        await volt.send_message("+15555550145", "+15555550123", "x")  # type: ignore[call-arg]


async def aiohttp_usage() -> None:
    http: httpx.AsyncClient = AioHttpClient(timeout=10.0, limits=httpx.Limits(max_connections=8))
    async with AioHttpClient() as fast, AsyncVolt(http_client=fast, max_concurrency=64) as volt:
        assert_type(await volt.get_message("msg_1"), Message)
    await http.aclose()


def blocking_usage() -> None:
    with Volt(token="t", timeout=5.0, default_region="US", strict_numbers=False) as volt:
        assert_type(volt.send_message(to="+15555550145", from_="+15555550123", body="x"), Message)
        contact = volt.upsert_contact(
            phone_number="+15555550145",
            account_phone="+15555550123",
            name="Ada",
            blocked=False,
            custom_fields={"plan": "gold"},
        )
        assert_type(contact, Contact)
        assert_type(contact.created_at_datetime, datetime | None)
        assert_type(volt.get_list(primary_phone="+15555550123", name="VIP"), ContactList)
        assert_type(volt.get_wave("wave_1"), Wave)
        hook = volt.register_webhook(
            url="https://example.com/volt", event_types=[WebhookEventType.MESSAGE_SENT]
        )
        assert_type(hook, Webhook)
        volt.send_message(to=15555550145, from_="+15555550123", body="x")  # type: ignore[arg-type]
        volt.upsert_contact(phone_number="+1", account_phone="+1", name="A")  # type: ignore[call-arg]


def helpers_usage() -> None:
    assert_type(normalize_phone("(555) 555-0123", region="US"), str)
    info = message_segments("hello")
    assert_type(info, SegmentInfo)
    assert_type(info.segments, int)
    try:
        Volt()
    except VoltError as exc:
        assert_type(exc.message, str)
    assert_type(volt_sdk.__version__, str)


def production_usage() -> None:
    from datetime import timedelta
    from typing import Any

    from volt_sdk import Attempt, RawResponse, SchemaDriftError

    def hook(attempt: Attempt) -> None:
        assert_type(attempt.number, int)
        assert_type(attempt.error, VoltError | None)
        assert_type(attempt.response, httpx.Response | None)

    with Volt(on_attempt=[hook]) as volt:
        raw = volt.with_raw_response.send_message(to="+15555550145", from_="+15555550123", body="x")
        assert_type(raw, RawResponse[Message])
        assert_type(raw.parsed, Message)
        assert_type(raw.request_id, str | None)
        assert_type(raw.elapsed, timedelta)
        assert_type(raw.attempts, int)
        assert_type(volt.with_raw_response.get_wave("w").parsed, Wave)
        assert_type(volt.execute("{ a }"), dict[str, Any])
        assert_type(volt.with_raw_response.execute("{ a }", {"x": 1}).parsed, dict[str, Any])
        volt.with_raw_response.send_message(to="+1", form_="+1", body="x")  # type: ignore[call-arg]
        try:
            volt.get_message("msg_1")
        except SchemaDriftError as exc:
            assert_type(exc.messages, list[str])
    Volt(on_attempt=[lambda attempt: attempt.decision == "retry"])


async def async_production_usage() -> None:
    from typing import Any

    from volt_sdk import RawResponse

    async with AsyncVolt() as volt:
        raw = await volt.with_raw_response.get_message("msg_1")
        assert_type(raw, RawResponse[Message])
        assert_type(await volt.execute("{ a }"), dict[str, Any])
