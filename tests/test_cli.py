"""The ``volt`` command line: what each command sends, what it prints, and its exit codes.

The wire is pytest-httpx; ``main`` runs in-process and its output is read with capsys.
"""

from __future__ import annotations

import ast
import io
import json
import re
import subprocess
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

import volt_sdk
from volt_sdk import _cli

from .payloads import (
    CLIENT_REFERENCE,
    FROM,
    TO,
    TOKEN,
    URL,
    contact_data,
    list_data,
    message_data,
    webhook_data,
    without_client_reference,
)

BODY = "Your One Time Code is 654312\n\nReply STOP to opt-out."


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def volt(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Run ``volt ARGS...`` in-process; return its exit code, stdout and stderr."""

    def run(*argv: str) -> Run:
        code = _cli.main(list(argv))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def respond(httpx_mock: HTTPXMock, data: dict[str, Any], **kwargs: Any) -> None:
    httpx_mock.add_response(url=URL, method="POST", json={"data": data}, **kwargs)


def sent(httpx_mock: HTTPXMock) -> list[tuple[str, dict[str, Any]]]:
    """(operationName, variables) of every request, checking each carried the token."""
    calls = []
    for request in httpx_mock.get_requests():
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        body = json.loads(request.content)
        variables = body["variables"]
        if body["operationName"] == "CreateMessage" and "passthrough" not in _given(variables):
            variables = without_client_reference(variables)
        calls.append((body["operationName"], variables))
    return calls


def _given(variables: dict[str, Any]) -> dict[str, Any]:
    """The variables less a passthrough the SDK made up (a caller's own one stays)."""
    passthrough = variables.get("passthrough")
    if isinstance(passthrough, str) and CLIENT_REFERENCE.fullmatch(passthrough):
        return {k: v for k, v in variables.items() if k != "passthrough"}
    return variables


class FakeClock:
    """Stands in for the CLI's sleep and monotonic clock: sleeping only moves time on."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(_cli, "_sleep", fake.sleep)
    monkeypatch.setattr(_cli, "_monotonic", fake.monotonic)
    return fake


def fields(text: str) -> dict[str, str]:
    """The ``key: value`` lines of human output (continuation lines are skipped)."""
    result = {}
    for line in text.splitlines():
        key, sep, value = line.partition(": ")
        if sep and not line.startswith(" "):
            result[key] = value.strip()
    return result


# -- send ---------------------------------------------------------------------


def test_send_posts_the_message_and_prints_its_id_status_route_and_segments(
    httpx_mock: HTTPXMock, volt: Callable[..., Run]
) -> None:
    respond(httpx_mock, {"createMessage": message_data()})

    run = volt("send", "--to", TO, "--from", FROM, "--body", BODY)

    assert run.code == 0
    assert run.err == ""
    assert sent(httpx_mock) == [("CreateMessage", {"to": TO, "from": FROM, "body": BODY})]
    shown = fields(run.out)
    assert shown["id"] == "msg_1"
    assert shown["status"] == "queued"
    assert shown["from -> to"] == f"{FROM} -> {TO}"
    assert shown["segments"] == "1 (GSM-7, 52 characters)"
    assert "sent at" not in shown
    assert "error" not in shown
    # The multi-line body continues under its first line, aligned.
    assert (
        "body:       Your One Time Code is 654312\n\n            Reply STOP to opt-out.\n"
        in run.out
    )


def test_send_with_json_prints_the_message_exactly_as_volt_returned_it(
    httpx_mock: HTTPXMock, volt: Callable[..., Run]
) -> None:
    respond(httpx_mock, {"createMessage": message_data()})

    run = volt("send", "--json", "--to", TO, "--from", FROM, "--body", BODY)

    assert run.code == 0
    assert run.json == message_data()


def test_send_passes_media_and_passthrough_and_may_have_no_body(
    httpx_mock: HTTPXMock, volt: Callable[..., Run]
) -> None:
    media = ["https://example.com/a.png", "https://example.com/b.png"]
    respond(httpx_mock, {"createMessage": message_data(body="", media=media)})

    run = volt(
        "send", "--to", TO, "--from", FROM, "--media", media[0], "--media", media[1],
        "--passthrough", "order-42",
    )  # fmt: skip

    assert run.code == 0
    assert sent(httpx_mock) == [
        (
            "CreateMessage",
            {"to": TO, "from": FROM, "body": "", "media": media, "passthrough": "order-42"},
        )
    ]
    assert (
        "media:      https://example.com/a.png\n            https://example.com/b.png\n" in run.out
    )
    assert "segments" not in run.out  # an MMS without text


def test_send_reads_the_body_from_a_file_without_its_final_newline(
    httpx_mock: HTTPXMock, volt: Callable[..., Run], tmp_path: Path
) -> None:
    path = tmp_path / "body.txt"
    path.write_text(BODY + "\n", encoding="utf-8")
    respond(httpx_mock, {"createMessage": message_data()})

    run = volt("send", "--to", TO, "--from", FROM, "--body-file", str(path))

    assert run.code == 0
    assert sent(httpx_mock)[0][1]["body"] == BODY


def test_send_reads_the_body_from_stdin_when_given_a_dash(
    httpx_mock: HTTPXMock, volt: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("Hello from a pipe €\n"))
    respond(httpx_mock, {"createMessage": message_data(body="Hello from a pipe €")})

    run = volt("send", "--to", TO, "--from", FROM, "-")

    assert run.code == 0
    assert sent(httpx_mock)[0][1]["body"] == "Hello from a pipe €"
    # € is a GSM-7 extension character: two septets, but one character.
    assert fields(run.out)["segments"] == "1 (GSM-7, 19 characters)"


@pytest.mark.parametrize(
    ("flags", "expected"),
    [([], "Line one\\nLine two"), (["--escapes"], "Line one\nLine two")],
    ids=["verbatim-by-default", "escapes-asked-for"],
)
def test_send_turns_backslash_n_into_a_newline_only_with_escapes(
    httpx_mock: HTTPXMock, volt: Callable[..., Run], flags: list[str], expected: str
) -> None:
    respond(httpx_mock, {"createMessage": message_data(body=expected)})

    run = volt("send", "--to", TO, "--from", FROM, "--body", "Line one\\nLine two", *flags)

    assert run.code == 0
    assert sent(httpx_mock)[0][1]["body"] == expected


def test_send_reads_national_numbers_with_region(
    httpx_mock: HTTPXMock, volt: Callable[..., Run]
) -> None:
    respond(httpx_mock, {"createMessage": message_data()})

    run = volt("send", "--region", "US", "--to", "(555) 555-0145", "--from", FROM, "--body", "Hi")

    assert run.code == 0
    assert sent(httpx_mock)[0][1]["to"] == TO


def test_a_bad_phone_number_exits_2_with_one_line_naming_the_flag_and_sends_nothing(
    httpx_mock: HTTPXMock, volt: Callable[..., Run]
) -> None:
    run = volt("send", "--to", "+1555", "--from", FROM, "--body", "Hi")

    assert run.code == 2
    assert run.out == ""
    assert run.err.count("\n") == 1
    assert run.err.startswith("volt: --to: '+1555' is too short to be a phone number")
    assert httpx_mock.get_requests() == []


def test_a_send_without_body_or_media_exits_2_and_sends_nothing(
    httpx_mock: HTTPXMock, volt: Callable[..., Run]
) -> None:
    run = volt("send", "--to", TO, "--from", FROM)

    assert run.code == 2
    assert run.err == "volt: body is empty; give a body, or media for an MMS\n"
    assert httpx_mock.get_requests() == []


def test_a_missing_body_file_exits_2_with_the_reason(
    httpx_mock: HTTPXMock, volt: Callable[..., Run], tmp_path: Path
) -> None:
    run = volt("send", "--to", TO, "--from", FROM, "--body-file", str(tmp_path / "nope.txt"))

    assert run.code == 2
    assert run.err.startswith("volt: cannot read the body from '")
    assert run.err.endswith("nope.txt': No such file or directory\n")
    assert httpx_mock.get_requests() == []


def test_body_and_body_file_together_are_a_usage_error(volt: Callable[..., Run]) -> None:
    run = volt("send", "--to", TO, "--from", FROM, "--body", "a", "--body-file", "b.txt")

    assert run.code == 2
    assert run.err == (
        "volt: argument --body-file: not allowed with argument --body (see 'volt send --help')\n"
    )


# -- send --wait ----------------------------------------------------------------


def test_send_wait_prints_each_status_change_until_delivered(
    httpx_mock: HTTPXMock, volt: Callable[..., Run], clock: FakeClock
) -> None:
    respond(httpx_mock, {"createMessage": message_data()})
    respond(httpx_mock, {"message": message_data(status="queued")})
    respond(httpx_mock, {"message": message_data(status="sent", sentAt="2024-05-01T12:00:01Z")})
    respond(
        httpx_mock,
        {
            "message": message_data(
                status="delivered",
                sentAt="2024-05-01T12:00:01Z",
                confirmedAt="2024-05-01T12:00:03Z",
            )
        },
    )

    run = volt("send", "--to", TO, "--from", FROM, "--body", BODY, "--wait")

    assert run.code == 0
    assert run.err == ""
    assert [op for op, _ in sent(httpx_mock)] == [
        "CreateMessage", "GetMessage", "GetMessage", "GetMessage",
    ]  # fmt: skip
    assert sent(httpx_mock)[1][1] == {"id": "msg_1"}
    progression = [line.split()[-1] for line in run.out.splitlines() if line.startswith("  ")]
    progression = [s for s in progression if s in {"queued", "sent", "delivered"}]
    assert progression == ["queued", "sent", "delivered"]  # a repeated status is not reprinted
    assert "waiting for delivery of msg_1 (up to 60 s):" in run.out
    # 0.2 s, then backing off by half each time.
    assert clock.sleeps == [0.2, 0.3, 0.45]
    final = fields(run.out.split("  +")[-1])
    assert final["status"] == "delivered"
    assert final["sent at"] == "2024-05-01 12:00:01+00:00"
    assert final["confirmed at"] == "2024-05-01 12:00:03+00:00"


def test_send_wait_backs_off_to_one_second_between_polls(
    httpx_mock: HTTPXMock, volt: Callable[..., Run], clock: FakeClock
) -> None:
    respond(httpx_mock, {"createMessage": message_data()})
    for _ in range(6):
        respond(httpx_mock, {"message": message_data(status="queued")})
    respond(httpx_mock, {"message": message_data(status="delivered")})

    run = volt("send", "--to", TO, "--from", FROM, "--body", "Hi", "--wait")

    assert run.code == 0
    assert clock.sleeps == [0.2, 0.3, 0.45, 0.675, 1.0, 1.0, 1.0]


def test_send_wait_shows_the_error_code_of_a_failed_message_and_exits_1(
    httpx_mock: HTTPXMock, volt: Callable[..., Run], clock: FakeClock
) -> None:
    respond(httpx_mock, {"createMessage": message_data()})
    respond(httpx_mock, {"message": message_data(status="failed", errorCode=702)})

    run = volt("send", "--to", TO, "--from", FROM, "--body", "Hi", "--wait")

    assert run.code == 1
    assert fields(run.out)["error"] == "702 (spam): blocked as spam downstream (temporary)"
    assert run.err == (
        "volt: message msg_1 was not delivered (failed): 702 blocked as spam downstream "
        "(temporary)\n"
    )


def test_send_wait_gives_up_after_the_wait_timeout_and_exits_1(
    httpx_mock: HTTPXMock, volt: Callable[..., Run], clock: FakeClock
) -> None:
    respond(httpx_mock, {"createMessage": message_data()})
    respond(httpx_mock, {"message": message_data(status="sent")}, is_reusable=True)

    run = volt("send", "--to", TO, "--from", FROM, "--body", "Hi", "--wait", "--wait-timeout", "2")

    assert run.code == 1
    assert sum(clock.sleeps) == pytest.approx(2.0)
    assert clock.sleeps[-1] == pytest.approx(0.375)  # the last sleep ends at the deadline
    assert run.err == (
        "volt: stopped waiting after 2 s: message msg_1 is still sent "
        "(follow it with: volt message get msg_1)\n"
    )


@pytest.mark.parametrize(
    ("failure", "sleeps"),
    [
        ({"status_code": 503, "text": "busy"}, [0.2, 0.3]),
        ({"status_code": 429, "text": "slow down", "headers": {"Retry-After": "2"}}, [0.2, 2.0]),
        ({"status_code": 200, "text": "<html>cut"}, [0.2, 0.3]),
    ],
    ids=["5xx", "429-waits-retry-after", "malformed"],
)
def test_send_wait_polls_again_after_a_passing_server_error(
    httpx_mock: HTTPXMock,
    volt: Callable[..., Run],
    clock: FakeClock,
    failure: dict[str, Any],
    sleeps: list[float],
) -> None:
    respond(httpx_mock, {"createMessage": message_data()})
    httpx_mock.add_response(url=URL, **failure)
    respond(httpx_mock, {"message": message_data(status="delivered")})

    run = volt("send", "--to", TO, "--from", FROM, "--body", "Hi", "--wait")

    assert run.code == 0
    assert run.err.count("\n") == 1
    assert run.err.startswith("volt: GetMessage: ")
    assert run.err.endswith("; polling again\n")
    assert clock.sleeps == sleeps
    assert fields(run.out.split("  +")[-1])["status"] == "delivered"


def test_send_wait_with_json_prints_one_document_and_the_progression_on_stderr(
    httpx_mock: HTTPXMock, volt: Callable[..., Run], clock: FakeClock
) -> None:
    respond(httpx_mock, {"createMessage": message_data()})
    respond(httpx_mock, {"message": message_data(status="sent")})
    respond(httpx_mock, {"message": message_data(status="delivered")})

    run = volt("send", "--json", "--to", TO, "--from", FROM, "--body", BODY, "--wait")

    assert run.code == 0
    assert run.json == message_data(status="delivered")
    statuses = [line.split()[-1] for line in run.err.splitlines() if line.startswith("  ")]
    assert statuses == ["queued", "sent", "delivered"]


def test_wait_timeout_without_wait_is_a_usage_error(
    httpx_mock: HTTPXMock, volt: Callable[..., Run]
) -> None:
    run = volt("send", "--to", TO, "--from", FROM, "--body", "Hi", "--wait-timeout", "5")

    assert run.code == 2
    assert run.err == "volt: --wait-timeout needs --wait (see 'volt send --help')\n"
    assert httpx_mock.get_requests() == []


# -- message / conversation -------------------------------------------------------


def test_message_get_prints_the_message(httpx_mock: HTTPXMock, volt: Callable[..., Run]) -> None:
    respond(
        httpx_mock,
        {
            "message": message_data(
                status="undelivered", statusDescription="carrier", errorCode=1234
            )
        },
    )

    run = volt("message", "get", "msg_1")

    assert run.code == 0
    assert sent(httpx_mock) == [("GetMessage", {"id": "msg_1"})]
    shown = fields(run.out)
    assert shown["status"] == "undelivered (carrier)"
    assert shown["error"] == "1234 (unknown): unknown Volt error code 1234"


def test_message_get_with_json_prints_the_message(
    httpx_mock: HTTPXMock, volt: Callable[..., Run]
) -> None:
    respond(httpx_mock, {"message": message_data(status="delivered")})

    run = volt("message", "get", "msg_1", "--json")

    assert run.json == message_data(status="delivered")


def test_an_unknown_message_exits_1_with_not_found(
    httpx_mock: HTTPXMock, volt: Callable[..., Run]
) -> None:
    respond(httpx_mock, {"message": None})

    run = volt("message", "get", "nope")

    assert run.code == 1
    assert run.out == ""
    assert run.err == "volt: message not found (id='nope')\n"


def test_an_http_500_exits_1_with_one_line(httpx_mock: HTTPXMock, volt: Callable[..., Run]) -> None:
    httpx_mock.add_response(url=URL, status_code=500, text="<html>Internal Server Error</html>")

    run = volt("message", "get", "msg_1")

    assert run.code == 1
    assert run.out == ""
    assert run.err.count("\n") == 1
    assert run.err.startswith("volt: GetMessage: ")
    assert "500" in run.err


def test_a_missing_token_exits_2_and_says_how_to_give_one(
    httpx_mock: HTTPXMock, volt: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VOLT_API_TOKEN")

    run = volt("message", "get", "msg_1")

    assert run.code == 2
    assert run.err.startswith("volt: no API token: set VOLT_API_TOKEN or pass --token")
    assert run.err.count("\n") == 1
    assert httpx_mock.get_requests() == []


def test_token_base_url_and_timeout_options_reach_the_client(
    httpx_mock: HTTPXMock, volt: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VOLT_API_TOKEN")
    other = "http://127.0.0.1:8765/graphql"
    httpx_mock.add_response(url=other, json={"data": {"message": message_data()}})

    run = volt("message", "get", "msg_1", "--token", "t0k", "--base-url", other, "--timeout", "5")

    assert run.code == 0
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["authorization"] == "Bearer t0k"
    assert request.extensions["timeout"]["read"] == 5.0


def test_a_plain_http_base_url_exits_2_naming_the_flag(
    httpx_mock: HTTPXMock, volt: Callable[..., Run]
) -> None:
    run = volt("message", "get", "msg_1", "--base-url", "http://example.com/graphql")

    assert run.code == 2
    assert run.err.startswith("volt: --base-url: refusing to send the API token over plain http")


def test_conversation_prints_one_page_and_how_to_get_the_older_one(
    httpx_mock: HTTPXMock, volt: Callable[..., Run]
) -> None:
    page = {
        "messages": [
            message_data(id="msg_3", status="delivered", sentAt="2024-05-01T12:00:05Z"),
            message_data(id="msg_2", toNumber=FROM, fromNumber=TO, status="received", body="OK"),
        ],
        "pageInfo": {"totalItems": 5},
    }
    respond(httpx_mock, {"conversation": page})

    run = volt("conversation", "--to", TO, "--from", FROM, "--before", "msg_4")

    assert run.code == 0
    assert sent(httpx_mock) == [("GetConversation", {"to": TO, "from": FROM, "before": "msg_4"})]
    lines = run.out.splitlines()
    assert lines[0].split() == ["ID", "SENT", "FROM", "->", "TO", "STATUS", "BODY"]
    assert lines[1].split()[:7] == [
        "msg_3", "2024-05-01", "12:00:05+00:00", FROM, "->", TO, "delivered",
    ]  # fmt: skip
    assert lines[1].endswith("Your One Time Code is 654312 Reply STOP to opt-out.")
    assert lines[2].split() == ["msg_2", "-", TO, "->", FROM, "received", "OK"]
    assert "2 message(s) on this page, 5 in all" in run.out
    assert lines[-1] == "older: --before msg_2  (or --all)"


def test_conversation_with_json_prints_the_page(
    httpx_mock: HTTPXMock, volt: Callable[..., Run]
) -> None:
    page = {"messages": [message_data()], "pageInfo": {"totalItems": 1}}
    respond(httpx_mock, {"conversation": page})

    run = volt("conversation", "--to", TO, "--from", FROM, "--json")

    assert run.json == page


def test_conversation_all_walks_every_page(httpx_mock: HTTPXMock, volt: Callable[..., Run]) -> None:
    first = [message_data(id="msg_3"), message_data(id="msg_2")]
    respond(httpx_mock, {"conversation": {"messages": first, "pageInfo": {"totalItems": 3}}})
    respond(
        httpx_mock,
        {"conversation": {"messages": [message_data(id="msg_1")], "pageInfo": {"totalItems": 3}}},
    )

    run = volt("conversation", "--to", TO, "--from", FROM, "--all", "--json")

    assert run.code == 0
    assert [m["id"] for m in run.json] == ["msg_3", "msg_2", "msg_1"]
    assert [variables for _, variables in sent(httpx_mock)] == [
        {"to": TO, "from": FROM},
        {"to": TO, "from": FROM, "before": "msg_2"},
    ]


def test_an_empty_conversation_says_so(httpx_mock: HTTPXMock, volt: Callable[..., Run]) -> None:
    respond(httpx_mock, {"conversation": {"messages": [], "pageInfo": {"totalItems": 0}}})

    run = volt("conversation", "--to", TO, "--from", FROM)

    assert (run.code, run.out) == (0, "no messages\n")


# -- contacts -------------------------------------------------------------------


def test_contact_get_prints_the_contact(httpx_mock: HTTPXMock, volt: Callable[..., Run]) -> None:
    respond(httpx_mock, {"contact": contact_data()})

    run = volt("contact", "get", "--phone", TO, "--primary-phone", FROM)

    assert run.code == 0
    assert sent(httpx_mock) == [("GetContact", {"primaryPhone": FROM, "phoneNumber": TO})]
    shown = fields(run.out)
    assert shown["name"] == "Ada"
    assert shown["phone"] == TO
    assert shown["blocked"] == "no"
    assert shown["account"] == f"Main line ({FROM})"
    assert shown["fields"] == "plan = gold"
    assert shown["lists"] == "VIP"
    assert shown["updated at"] == "2024-05-02 08:30:00+02:00"


def test_contact_upsert_sends_blocked_and_the_custom_fields(
    httpx_mock: HTTPXMock, volt: Callable[..., Run]
) -> None:
    respond(httpx_mock, {"createOrUpdateContact": contact_data(blocked=True)})

    run = volt(
        "contact", "upsert", "--phone", TO, "--account-phone", FROM, "--name", "Ada",
        "--blocked", "--field", "plan=gold", "--field", "note=a=b", "--json",
    )  # fmt: skip

    assert run.code == 0
    assert sent(httpx_mock) == [
        (
            "UpsertContact",
            {
                "name": "Ada",
                "phoneNumber": TO,
                "accountPhone": FROM,
                "customFields": [{"key": "plan", "value": "gold"}, {"key": "note", "value": "a=b"}],
                "blocked": True,
            },
        )
    ]
    assert run.json == contact_data(blocked=True)


def test_contact_upsert_with_not_blocked_sends_false(
    httpx_mock: HTTPXMock, volt: Callable[..., Run]
) -> None:
    respond(httpx_mock, {"createOrUpdateContact": contact_data()})

    run = volt(
        "contact", "upsert", "--phone", TO, "--account-phone", FROM, "--name", "Ada",
        "--not-blocked",
    )  # fmt: skip

    assert run.code == 0
    assert sent(httpx_mock)[0][1]["blocked"] is False
    assert sent(httpx_mock)[0][1]["customFields"] == []
    assert fields(run.out)["blocked"] == "no"


def test_contact_upsert_requires_blocked_or_not_blocked(
    httpx_mock: HTTPXMock, volt: Callable[..., Run]
) -> None:
    run = volt("contact", "upsert", "--phone", TO, "--account-phone", FROM, "--name", "Ada")

    assert run.code == 2
    assert run.err == (
        "volt: one of the arguments --blocked --not-blocked is required "
        "(see 'volt contact upsert --help')\n"
    )
    assert httpx_mock.get_requests() == []


def test_a_field_without_an_equals_sign_is_a_usage_error(volt: Callable[..., Run]) -> None:
    run = volt(
        "contact", "upsert", "--phone", TO, "--account-phone", FROM, "--name", "Ada",
        "--blocked", "--field", "plan",
    )  # fmt: skip

    assert run.code == 2
    assert "argument --field: expected KEY=VALUE, got 'plan'" in run.err


# -- lists ----------------------------------------------------------------------


def test_list_get_prints_the_list(httpx_mock: HTTPXMock, volt: Callable[..., Run]) -> None:
    respond(httpx_mock, {"list": list_data()})

    run = volt("list", "get", "--primary-phone", FROM, "--name", "VIP")

    assert run.code == 0
    assert sent(httpx_mock) == [("GetList", {"primaryPhone": FROM, "listName": "VIP"})]
    shown = fields(run.out)
    assert (shown["id"], shown["name"], shown["size"]) == ("list_1", "VIP", "2")
    assert shown["created at"] == "2024-05-01 12:00:00+00:00"


def test_list_upsert_sends_the_list_query(httpx_mock: HTTPXMock, volt: Callable[..., Run]) -> None:
    respond(httpx_mock, {"createOrUpdateList": list_data(querySourceListName="VIP")})

    run = volt(
        "list", "upsert", "--primary-phone", FROM, "--name", "VIP Smiths",
        "--source-list", "VIP", "--name-search", "Smith",
    )  # fmt: skip

    assert run.code == 0
    assert sent(httpx_mock) == [
        (
            "UpsertList",
            {
                "primaryPhone": FROM,
                "listQuery": {
                    "name": "VIP Smiths",
                    "sourceListName": "VIP",
                    "nameSearchTerm": "Smith",
                },
            },
        )
    ]
    assert fields(run.out)["source list"] == "VIP"


def test_list_add_sends_every_phone_normalized(
    httpx_mock: HTTPXMock, volt: Callable[..., Run]
) -> None:
    respond(httpx_mock, {"addContactsToList": list_data(size=4)})

    run = volt("list", "add", "--primary-phone", FROM, "--name", "VIP", TO, "+1 555 555 0146")

    assert run.code == 0
    assert sent(httpx_mock) == [
        (
            "AddContactsToList",
            {"primaryPhone": FROM, "listName": "VIP", "phoneNumbers": [TO, "+15555550146"]},
        )
    ]
    assert fields(run.out)["size"] == "4"


def test_list_add_names_the_bad_phone(httpx_mock: HTTPXMock, volt: Callable[..., Run]) -> None:
    run = volt("list", "add", "--primary-phone", FROM, "--name", "VIP", TO, "abc")

    assert run.code == 2
    assert run.err.startswith("volt: PHONE: 'abc' is not a phone number")
    assert httpx_mock.get_requests() == []


# -- webhooks -------------------------------------------------------------------


def test_webhook_list_prints_a_table(httpx_mock: HTTPXMock, volt: Callable[..., Run]) -> None:
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


def test_webhook_list_with_json_prints_a_list(
    httpx_mock: HTTPXMock, volt: Callable[..., Run]
) -> None:
    respond(httpx_mock, {"webhooks": [webhook_data()]})

    run = volt("webhook", "list", "--json")

    assert run.json == [webhook_data()]


def test_webhook_list_says_when_there_are_none(
    httpx_mock: HTTPXMock, volt: Callable[..., Run]
) -> None:
    respond(httpx_mock, {"webhooks": []})

    assert volt("webhook", "list").out == "no webhooks registered\n"


def test_webhook_register_sends_the_number_and_event_types(
    httpx_mock: HTTPXMock, volt: Callable[..., Run]
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


def test_webhook_register_refuses_a_relative_url(
    httpx_mock: HTTPXMock, volt: Callable[..., Run]
) -> None:
    run = volt("webhook", "register", "--url", "example.com/hook")

    assert run.code == 2
    assert run.err.startswith("volt: --url: 'example.com/hook' is not an absolute URL")
    assert httpx_mock.get_requests() == []


def test_webhook_delete_prints_the_deleted_webhook(
    httpx_mock: HTTPXMock, volt: Callable[..., Run]
) -> None:
    respond(httpx_mock, {"deleteWebhook": webhook_data()})

    run = volt("webhook", "delete", "wh_1", "--json")

    assert run.code == 0
    assert sent(httpx_mock) == [("DeleteWebhook", {"id": "wh_1"})]
    assert run.json == webhook_data()


# -- sandbox --------------------------------------------------------------------


class FakeFaultConfig:
    def __init__(self, **fields: Any) -> None:
        self.fields = fields


@pytest.fixture
def fake_sandbox(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """A stand-in ``volt_sdk.sandbox``: ``serve`` records its arguments and is ready at once."""
    calls: list[dict[str, Any]] = []

    def serve(**kwargs: Any) -> None:
        calls.append(kwargs)
        kwargs["on_ready"](f"http://{kwargs['host']}:54321/graphql")

    module = types.ModuleType("volt_sdk.sandbox")
    module.serve = serve  # type: ignore[attr-defined]
    module.FaultConfig = FakeFaultConfig  # type: ignore[attr-defined]
    module.DEFAULT_TOKEN = "sandbox-token"  # type: ignore[attr-defined]
    module.DEFAULT_NUMBERS = (FROM, "+15555550124")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "volt_sdk.sandbox", module)
    return calls


def test_sandbox_serves_with_the_defaults_and_prints_how_to_use_it(
    fake_sandbox: list[dict[str, Any]], volt: Callable[..., Run]
) -> None:
    run = volt("sandbox")

    assert run.code == 0
    (call,) = fake_sandbox
    assert {k: v for k, v in call.items() if k != "on_ready"} == {
        "host": "127.0.0.1",
        "port": 8765,
        "db": None,
        "token": "sandbox-token",
        "numbers": [FROM, "+15555550124"],
        "faults": None,
    }
    url = "http://127.0.0.1:54321/graphql"
    assert run.out.splitlines() == [
        "Volt sandbox ready (Ctrl-C to stop)",
        f"  GraphQL URL: {url}",
        "  token:       sandbox-token",
        f"  numbers:     {FROM}, +15555550124",
        "",
        f"export VOLT_API_URL={url}",
        "export VOLT_API_TOKEN=sandbox-token",
    ]


def test_sandbox_passes_its_options_and_the_faults_asked_for(
    fake_sandbox: list[dict[str, Any]], volt: Callable[..., Run], tmp_path: Path
) -> None:
    db = str(tmp_path / "volt.db")
    run = volt(
        "sandbox", "--host", "0.0.0.0", "--port", "0", "--db", db, "--token", "s3cret",
        "--number", "+1 555 555 0199", "--pace", "0.5", "--fault-seed", "7",
        "--fault-429", "0.1", "--fault-retry-after", "2", "--fault-malformed", "0.05",
    )  # fmt: skip

    assert run.code == 0
    (call,) = fake_sandbox
    assert call["host"] == "0.0.0.0"
    assert call["port"] == 0
    assert call["db"] == db
    assert call["token"] == "s3cret"
    assert call["numbers"] == ["+15555550199"]
    assert call["pace"] == 0.5
    assert call["faults"].fields == {
        "seed": 7,
        "rate_429": 0.1,
        "retry_after": 2.0,
        "rate_malformed": 0.05,
    }
    assert "export VOLT_API_TOKEN=s3cret" in run.out
    assert "  faults:      seed=7, rate_429=0.1, retry_after=2.0, rate_malformed=0.05" in run.out


def test_sandbox_refuses_a_probability_above_one(
    fake_sandbox: list[dict[str, Any]], volt: Callable[..., Run]
) -> None:
    run = volt("sandbox", "--fault-5xx", "1.5")

    assert run.code == 2
    assert "argument --fault-5xx: expected a probability from 0 to 1, got '1.5'" in run.err
    assert fake_sandbox == []


class _MissingExtra:
    """A meta path finder for which importing the sandbox fails as without the extra."""

    def find_spec(self, name: str, path: object, target: object = None) -> None:
        if name == "volt_sdk.sandbox":
            raise ModuleNotFoundError("No module named 'uvicorn'", name="uvicorn")


def test_sandbox_without_the_extra_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, volt: Callable[..., Run]
) -> None:
    monkeypatch.delitem(sys.modules, "volt_sdk.sandbox", raising=False)
    monkeypatch.delattr(volt_sdk, "sandbox", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_MissingExtra(), *sys.meta_path])

    run = volt("sandbox")

    assert run.code == 2
    assert run.out == ""
    assert run.err == (
        'volt: the sandbox needs the sandbox extra: pip install "volt-sdk[sandbox]"\n'
    )


def test_sandbox_runs_the_real_serve_when_the_sandbox_is_installed(
    monkeypatch: pytest.MonkeyPatch, volt: Callable[..., Run]
) -> None:
    # Without the sandbox extra, the missing-extra test covers this command instead.
    sandbox = pytest.importorskip("volt_sdk.sandbox", exc_type=ImportError)
    calls: list[dict[str, Any]] = []

    def serve(**kwargs: Any) -> None:
        calls.append(kwargs)
        kwargs["on_ready"]("http://127.0.0.1:8765/graphql")

    monkeypatch.setattr(sandbox, "serve", serve)

    run = volt("sandbox", "--fault-5xx", "0.25")

    assert run.code == 0
    (call,) = calls
    assert call["token"] == sandbox.DEFAULT_TOKEN
    assert call["numbers"] == list(sandbox.DEFAULT_NUMBERS)
    assert isinstance(call["faults"], sandbox.FaultConfig)
    assert call["faults"].rate_5xx == 0.25
    assert f"export VOLT_API_TOKEN={sandbox.DEFAULT_TOKEN}" in run.out


# -- the program ------------------------------------------------------------------


def test_version_prints_the_package_version(volt: Callable[..., Run]) -> None:
    run = volt("--version")

    assert (run.code, run.out) == (0, f"volt-sdk {volt_sdk.__version__}\n")


def test_help_lists_every_command(volt: Callable[..., Run]) -> None:
    run = volt("--help")

    assert run.code == 0
    for command in ("send", "message", "conversation", "contact", "list", "webhook", "sandbox"):
        assert re.search(rf"^    {command}\b", run.out, re.MULTILINE)


def test_a_group_without_its_command_names_the_commands(volt: Callable[..., Run]) -> None:
    run = volt("webhook")

    assert run.code == 2
    assert run.err == (
        "volt: missing command: list, register, delete, listen (see 'volt webhook --help')\n"
    )


def test_an_unknown_option_is_one_line_and_exit_2(volt: Callable[..., Run]) -> None:
    run = volt("message", "get", "msg_1", "--colour")

    assert run.code == 2
    assert run.err == ("volt: unrecognized arguments: --colour (see 'volt --help')\n")


def test_ctrl_c_exits_130(
    monkeypatch: pytest.MonkeyPatch, volt: Callable[..., Run], httpx_mock: HTTPXMock
) -> None:
    def interrupted(self: volt_sdk.Volt, id: str) -> volt_sdk.Message:
        raise KeyboardInterrupt

    monkeypatch.setattr(volt_sdk.Volt, "get_message", interrupted)

    run = volt("message", "get", "msg_1")

    assert (run.code, run.err) == (130, "volt: interrupted\n")


def test_python_dash_m_runs_the_command_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "volt_sdk._cli", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert (result.returncode, result.stdout) == (0, f"volt-sdk {volt_sdk.__version__}\n")


def test_the_module_imports_only_the_standard_library_at_load_time() -> None:
    tree = ast.parse(Path(_cli.__file__).read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add("." * node.level + (node.module or ""))

    assert imported == {
        "__future__", "argparse", "os", "sys", "time", "collections.abc", "typing", "._version",
    }  # fmt: skip


def test_sandbox_reports_a_refused_fault_configuration_by_its_flag(
    fake_sandbox: list[dict[str, Any]], volt: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(**fields: Any) -> None:
        raise ValueError("rate_429: expected a probability between 0 and 1, got nan")

    monkeypatch.setattr(sys.modules["volt_sdk.sandbox"], "FaultConfig", refuse)

    run = volt("sandbox", "--fault-429", "0.5")

    assert run.code == 2
    assert run.err == "volt: --fault-429: expected a probability between 0 and 1, got nan\n"
    assert fake_sandbox == []


def test_send_wait_names_the_sent_message_when_following_it_fails(
    httpx_mock: HTTPXMock, volt: Callable[..., Run], clock: FakeClock
) -> None:
    respond(httpx_mock, {"createMessage": message_data()})
    httpx_mock.add_response(url=URL, status_code=401, text="Unauthorized")

    run = volt("send", "--json", "--to", TO, "--from", FROM, "--body", "Hi", "--wait")

    assert run.code == 1
    assert run.out == ""
    assert run.err.splitlines()[-1].startswith(
        "volt: message msg_1 was sent, but following it failed: GetMessage: "
    )
