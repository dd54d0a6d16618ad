"""``volt webhook list|register|delete`` (``listen``: ``test_webhook_listen.py``)."""

from __future__ import annotations

import pytest
from pytest_httpx import HTTPXMock

from tests.payloads import FROM, webhook_data
from volt_sdk._cli import _webhook

from .helpers import RunVolt, fields, respond, sent


def test_webhook_list_prints_a_table(httpx_mock: HTTPXMock, volt: RunVolt) -> None:
    respond(
        httpx_mock,
        {"webhooks": [webhook_data(), webhook_data(id="wh_2", primaryPhone=FROM, eventTypes=None)]},
    )

    run = volt("webhook", "list")

    assert run.code == 0
    assert sent(httpx_mock) == [("ListWebhooks", {})]
    assert [line.split() for line in run.out.splitlines()] == [
        ["ID", "URL", "NUMBER", "EVENTS"],
        ["wh_1", "https://example.com/volt", "all", "numbers", "MESSAGE_SENT"],
        ["wh_2", "https://example.com/volt", FROM, "all", "events"],
    ]


def test_webhook_list_with_json_prints_a_list(httpx_mock: HTTPXMock, volt: RunVolt) -> None:
    respond(httpx_mock, {"webhooks": [webhook_data()]})

    run = volt("webhook", "list", "--json")

    assert run.json == [webhook_data()]


def test_webhook_list_says_when_there_are_none(httpx_mock: HTTPXMock, volt: RunVolt) -> None:
    respond(httpx_mock, {"webhooks": []})

    assert volt("webhook", "list").out == "no webhooks registered\n"


def test_webhook_register_sends_the_number_and_event_types(
    httpx_mock: HTTPXMock, volt: RunVolt
) -> None:
    hook = webhook_data(primaryPhone=FROM, eventTypes=["MESSAGE_RECEIVED", "MESSAGE_SENT"])
    respond(httpx_mock, {"registerWebhook": hook})

    run = volt(
        "webhook", "register", "--url", "https://example.com/volt",
        "--primary-phone", FROM, "--event", "MESSAGE_RECEIVED", "MESSAGE_SENT",
    )  # fmt: skip

    assert run.code == 0
    assert sent(httpx_mock) == [
        (
            "RegisterWebhook",
            {
                "url": "https://example.com/volt",
                "primaryPhone": FROM,
                "eventTypes": ["MESSAGE_RECEIVED", "MESSAGE_SENT"],
            },
        )
    ]
    shown = fields(run.out)
    assert shown["number"] == FROM
    assert shown["events"] == "MESSAGE_RECEIVED, MESSAGE_SENT"


def test_webhook_register_refuses_a_relative_url(httpx_mock: HTTPXMock, volt: RunVolt) -> None:
    run = volt("webhook", "register", "--url", "example.com/hook")

    assert run.code == 2
    assert run.err.startswith("volt: --url: 'example.com/hook' is not an absolute URL")
    assert httpx_mock.get_requests() == []


def test_webhook_delete_prints_the_deleted_webhook(httpx_mock: HTTPXMock, volt: RunVolt) -> None:
    respond(httpx_mock, {"deleteWebhook": webhook_data()})

    run = volt("webhook", "delete", "wh_1", "--json")

    assert run.code == 0
    assert sent(httpx_mock) == [("DeleteWebhook", {"id": "wh_1"})]
    assert run.json == webhook_data()


def test_webhook_register_refuses_an_unknown_event_type_before_building_a_client(
    httpx_mock: HTTPXMock, volt: RunVolt, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_client(args: object) -> None:
        raise AssertionError("a client was built")

    monkeypatch.setattr(_webhook, "make_client", no_client)

    run = volt(
        "webhook", "register", "--url", "https://example.com/volt",
        "--event", "MESSAGE_SENT", "NOPE",
    )  # fmt: skip

    assert run.code == 2
    assert run.out == ""
    assert run.err == (
        "volt: --event: 'NOPE' is not an event type; "
        "expected MESSAGE_SENT, MESSAGE_FINALIZED or MESSAGE_RECEIVED\n"
    )
    assert httpx_mock.get_requests() == []


def test_webhook_register_lists_every_unknown_event_type_and_suggests_the_right_case(
    volt: RunVolt,
) -> None:
    run = volt(
        "webhook", "register", "--url", "https://example.com/volt",
        "--event", "message_sent", "NOPE",
    )  # fmt: skip

    assert run.code == 2
    assert run.err == (
        "volt: --event: 'message_sent', 'NOPE' are not event types (did you mean "
        "MESSAGE_SENT?); expected MESSAGE_SENT, MESSAGE_FINALIZED or MESSAGE_RECEIVED\n"
    )
