"""Bad input to any method is refused with a typed error naming the argument, before any request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from tests.payloads import FROM, TO
from volt_sdk import (
    AsyncVolt,
    InvalidMessageError,
    InvalidPhoneNumberError,
    MessageOutcomeUnknownError,
    ValidationError,
    Volt,
    VoltConnectionError,
)

UNKNOWN = MessageOutcomeUnknownError(
    to=TO,
    from_=FROM,
    body="x",
    media=(),
    passthrough=None,
    started_at=0.0,
    cause=VoltConnectionError("dropped"),
)

CASES: list[tuple[str, Callable[[Any], Any], type[ValidationError], str, str]] = [
    (
        "empty body",
        lambda v: v.send_message(to=TO, from_=FROM, body="  "),
        InvalidMessageError,
        "body",
        "empty_body",
    ),
    (
        "body not str",
        lambda v: v.send_message(to=TO, from_=FROM, body=42),
        InvalidMessageError,
        "body",
        "not_a_string",
    ),
    (
        "media as str",
        lambda v: v.send_message(to=TO, from_=FROM, body="x", media="https://e.com/a.png"),
        InvalidMessageError,
        "media",
        "not_a_list",
    ),
    (
        "relative media",
        lambda v: v.send_message(to=TO, from_=FROM, body="x", media=["a.png"]),
        InvalidMessageError,
        "media[0]",
        "not_a_url",
    ),
    (
        "ftp media",
        lambda v: v.send_message(
            to=TO, from_=FROM, body="x", media=["https://e.com/a.png", "ftp://e.com/b.png"]
        ),
        InvalidMessageError,
        "media[1]",
        "bad_scheme",
    ),
    (
        "bad to",
        lambda v: v.send_message(to="+1555", from_=FROM, body="x"),
        InvalidPhoneNumberError,
        "to",
        "too_short",
    ),
    (
        "bad from",
        lambda v: v.send_message(to=TO, from_="hello", body="x"),
        InvalidPhoneNumberError,
        "from_",
        "not_a_number",
    ),
    (
        "passthrough not str",
        lambda v: v.send_message(to=TO, from_=FROM, body="x", passthrough=7),
        ValidationError,
        "passthrough",
        "not_a_string",
    ),
    ("empty message id", lambda v: v.get_message(""), ValidationError, "id", "empty"),
    (
        "conversation to",
        lambda v: v.get_conversation(to="12", from_=FROM),
        InvalidPhoneNumberError,
        "to",
        "missing_country_code",
    ),
    (
        "contact phone",
        lambda v: v.get_contact(phone_number=TO, primary_phone="+999 1234"),
        InvalidPhoneNumberError,
        "primary_phone",
        "invalid_country_code",
    ),
    (
        "blocked not bool",
        lambda v: v.upsert_contact(phone_number=TO, account_phone=FROM, name="A", blocked="no"),
        ValidationError,
        "blocked",
        "not_a_bool",
    ),
    (
        "custom fields list",
        lambda v: v.upsert_contact(
            phone_number=TO, account_phone=FROM, name="A", blocked=False, custom_fields=["plan"]
        ),
        ValidationError,
        "custom_fields",
        "not_a_mapping",
    ),
    (
        "custom field value",
        lambda v: v.upsert_contact(
            phone_number=TO, account_phone=FROM, name="A", blocked=False, custom_fields={"plan": 3}
        ),
        ValidationError,
        "custom_fields['plan']",
        "not_a_string",
    ),
    (
        "empty list name",
        lambda v: v.get_list(primary_phone=FROM, name=""),
        ValidationError,
        "name",
        "empty",
    ),
    (
        "phone numbers as str",
        lambda v: v.add_contacts_to_list(primary_phone=FROM, list_name="VIP", phone_numbers=TO),
        ValidationError,
        "phone_numbers",
        "not_a_list",
    ),
    (
        "no phone numbers",
        lambda v: v.add_contacts_to_list(primary_phone=FROM, list_name="VIP", phone_numbers=[]),
        ValidationError,
        "phone_numbers",
        "empty",
    ),
    (
        "one bad phone number",
        lambda v: v.add_contacts_to_list(
            primary_phone=FROM, list_name="VIP", phone_numbers=[TO, "+1 555"]
        ),
        InvalidPhoneNumberError,
        "phone_numbers[1]",
        "too_short",
    ),
    (
        "webhook url relative",
        lambda v: v.register_webhook(url="/volt/events"),
        ValidationError,
        "url",
        "not_a_url",
    ),
    (
        "webhook url scheme",
        lambda v: v.register_webhook(url="ftp://example.com/x"),
        ValidationError,
        "url",
        "bad_scheme",
    ),
    (
        "event types as str",
        lambda v: v.register_webhook(url="https://e.com/x", event_types="MESSAGE_SENT"),
        ValidationError,
        "event_types",
        "not_a_list",
    ),
    (
        "event type not str",
        lambda v: v.register_webhook(url="https://e.com/x", event_types=[1]),
        ValidationError,
        "event_types[0]",
        "not_a_string",
    ),
    (
        "webhook phone",
        lambda v: v.register_webhook(url="https://e.com/x", primary_phone="+1 555"),
        InvalidPhoneNumberError,
        "primary_phone",
        "too_short",
    ),
    ("empty wave id", lambda v: v.get_wave(" "), ValidationError, "id", "empty"),
    (
        "id as int",
        lambda v: v.get_message(123),
        ValidationError,
        "id",
        "not_a_string",
    ),
    (
        "body with a lone surrogate",
        lambda v: v.send_message(to=TO, from_=FROM, body="caf\udce9"),
        InvalidMessageError,
        "body",
        "not_utf8",
    ),
    (
        "name with a lone surrogate",
        lambda v: v.upsert_contact(
            phone_number=TO, account_phone=FROM, name="caf\udce9", blocked=False
        ),
        ValidationError,
        "name",
        "not_utf8",
    ),
    (
        "passthrough with a lone surrogate",
        lambda v: v.send_message(to=TO, from_=FROM, body="x", passthrough="\udcff"),
        ValidationError,
        "passthrough",
        "not_utf8",
    ),
    (
        "unknown event type",
        lambda v: v.register_webhook(url="https://e.com/x", event_types=["NOPE"]),
        ValidationError,
        "event_types[0]",
        "unknown_event_type",
    ),
    (
        "event types not iterable",
        lambda v: v.register_webhook(url="https://e.com/x", event_types=5),
        ValidationError,
        "event_types",
        "not_a_list",
    ),
    (
        "phone numbers None",
        lambda v: v.add_contacts_to_list(primary_phone=FROM, list_name="VIP", phone_numbers=None),
        ValidationError,
        "phone_numbers",
        "not_a_list",
    ),
    (
        "reconcile None",
        lambda v: v.reconcile_message(None),
        ValidationError,
        "unknown",
        "wrong_type",
    ),
    (
        "reconcile no pages",
        lambda v: v.reconcile_message(UNKNOWN, max_pages=0),
        ValidationError,
        "max_pages",
        "out_of_range",
    ),
    (
        "reconcile negative skew",
        lambda v: v.reconcile_message(UNKNOWN, clock_skew=-1),
        ValidationError,
        "clock_skew",
        "out_of_range",
    ),
    (
        "reconcile ids as str",
        lambda v: v.reconcile_message(UNKNOWN, exclude_ids="m1"),
        ValidationError,
        "exclude_ids",
        "not_a_list",
    ),
    (
        "send many None",
        lambda v: v.send_many(None),
        ValidationError,
        "messages",
        "not_a_list",
    ),
]


@pytest.mark.parametrize(
    ("label", "call", "error", "argument", "reason"), CASES, ids=[c[0] for c in CASES]
)
def test_the_blocking_client_refuses_bad_input_before_sending(
    httpx_mock: HTTPXMock,
    label: str,
    call: Callable[[Any], Any],
    error: type[ValidationError],
    argument: str,
    reason: str,
) -> None:
    with Volt() as volt, pytest.raises(error) as info:
        call(volt)
    assert type(info.value) is error
    assert info.value.argument == argument
    assert info.value.reason == reason
    assert str(info.value).startswith(argument)
    assert isinstance(info.value, ValueError)
    assert httpx_mock.get_requests() == []


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("label", "call", "error", "argument", "reason"), CASES, ids=[c[0] for c in CASES]
)
async def test_the_async_client_refuses_the_same_input_the_same_way(
    httpx_mock: HTTPXMock,
    label: str,
    call: Callable[[Any], Any],
    error: type[ValidationError],
    argument: str,
    reason: str,
) -> None:
    async with AsyncVolt() as volt:
        with pytest.raises(error) as info:
            await call(volt)
    assert (info.value.argument, info.value.reason) == (argument, reason)
    assert httpx_mock.get_requests() == []
