"""``volt send``: what it sends, what it prints, and with ``--wait``, how it follows the message
(the wire is pytest-httpx; time is the ``fake_clock`` fixture's).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from tests.clock import FakeClock
from tests.payloads import FROM, TO, URL, message_data

from .helpers import RunVolt, fields, respond, sent

BODY = "Your One Time Code is 654312\n\nReply STOP to opt-out."


def test_send_posts_the_message_and_prints_its_id_status_route_and_segments(
    httpx_mock: HTTPXMock, volt: RunVolt
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
    httpx_mock: HTTPXMock, volt: RunVolt
) -> None:
    respond(httpx_mock, {"createMessage": message_data()})

    run = volt("send", "--json", "--to", TO, "--from", FROM, "--body", BODY)

    assert run.code == 0
    assert run.json == message_data()


def test_send_passes_media_and_passthrough_and_may_have_no_body(
    httpx_mock: HTTPXMock, volt: RunVolt
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
    httpx_mock: HTTPXMock, volt: RunVolt, tmp_path: Path
) -> None:
    path = tmp_path / "body.txt"
    path.write_text(BODY + "\n", encoding="utf-8")
    respond(httpx_mock, {"createMessage": message_data()})

    run = volt("send", "--to", TO, "--from", FROM, "--body-file", str(path))

    assert run.code == 0
    assert sent(httpx_mock)[0][1]["body"] == BODY


def test_send_reads_the_body_from_stdin_when_given_a_dash(
    httpx_mock: HTTPXMock, volt: RunVolt, monkeypatch: pytest.MonkeyPatch
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
    httpx_mock: HTTPXMock, volt: RunVolt, flags: list[str], expected: str
) -> None:
    respond(httpx_mock, {"createMessage": message_data(body=expected)})

    run = volt("send", "--to", TO, "--from", FROM, "--body", "Line one\\nLine two", *flags)

    assert run.code == 0
    assert sent(httpx_mock)[0][1]["body"] == expected


def test_send_reads_national_numbers_with_region(httpx_mock: HTTPXMock, volt: RunVolt) -> None:
    respond(httpx_mock, {"createMessage": message_data()})

    run = volt("send", "--region", "US", "--to", "(555) 555-0145", "--from", FROM, "--body", "Hi")

    assert run.code == 0
    assert sent(httpx_mock)[0][1]["to"] == TO


def test_a_bad_phone_number_exits_2_with_one_line_naming_the_flag_and_sends_nothing(
    httpx_mock: HTTPXMock, volt: RunVolt
) -> None:
    run = volt("send", "--to", "+1555", "--from", FROM, "--body", "Hi")

    assert run.code == 2
    assert run.out == ""
    assert run.err.count("\n") == 1
    assert run.err.startswith("volt: --to: '+1555' is too short to be a phone number")
    assert httpx_mock.get_requests() == []


def test_a_send_without_body_or_media_exits_2_and_sends_nothing(
    httpx_mock: HTTPXMock, volt: RunVolt
) -> None:
    run = volt("send", "--to", TO, "--from", FROM)

    assert run.code == 2
    assert run.err == "volt: body is empty; give a body, or media for an MMS\n"
    assert httpx_mock.get_requests() == []


def test_a_missing_body_file_exits_2_with_the_reason(
    httpx_mock: HTTPXMock, volt: RunVolt, tmp_path: Path
) -> None:
    run = volt("send", "--to", TO, "--from", FROM, "--body-file", str(tmp_path / "nope.txt"))

    assert run.code == 2
    assert run.err.startswith("volt: cannot read the body from '")
    assert run.err.endswith("nope.txt': No such file or directory\n")
    assert httpx_mock.get_requests() == []


def test_body_and_body_file_together_are_a_usage_error(volt: RunVolt) -> None:
    run = volt("send", "--to", TO, "--from", FROM, "--body", "a", "--body-file", "b.txt")

    assert run.code == 2
    assert run.err == (
        "volt: argument --body-file: not allowed with argument --body (see 'volt send --help')\n"
    )


# -- send --wait --------------------------------------------------------------


def test_send_wait_prints_each_status_change_until_delivered(
    httpx_mock: HTTPXMock, volt: RunVolt, fake_clock: FakeClock
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
    assert fake_clock.sleeps == pytest.approx([0.2, 0.3, 0.45])
    final = fields(run.out.split("  +")[-1])
    assert final["status"] == "delivered"
    assert final["sent at"] == "2024-05-01 12:00:01+00:00"
    assert final["confirmed at"] == "2024-05-01 12:00:03+00:00"


def test_send_wait_backs_off_to_one_second_between_polls(
    httpx_mock: HTTPXMock, volt: RunVolt, fake_clock: FakeClock
) -> None:
    respond(httpx_mock, {"createMessage": message_data()})
    for _ in range(6):
        respond(httpx_mock, {"message": message_data(status="queued")})
    respond(httpx_mock, {"message": message_data(status="delivered")})

    run = volt("send", "--to", TO, "--from", FROM, "--body", "Hi", "--wait")

    assert run.code == 0
    assert fake_clock.sleeps == pytest.approx([0.2, 0.3, 0.45, 0.675, 1.0, 1.0, 1.0])


def test_send_wait_shows_the_error_code_of_a_failed_message_and_exits_1(
    httpx_mock: HTTPXMock, volt: RunVolt, fake_clock: FakeClock
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
    httpx_mock: HTTPXMock, volt: RunVolt, fake_clock: FakeClock
) -> None:
    respond(httpx_mock, {"createMessage": message_data()})
    respond(httpx_mock, {"message": message_data(status="sent")}, is_reusable=True)

    run = volt("send", "--to", TO, "--from", FROM, "--body", "Hi", "--wait", "--wait-timeout", "2")

    assert run.code == 1
    assert sum(fake_clock.sleeps) == pytest.approx(2.0)
    assert fake_clock.sleeps[-1] == pytest.approx(0.375)  # the last sleep ends at the deadline
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
    volt: RunVolt,
    fake_clock: FakeClock,
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
    assert fake_clock.sleeps == pytest.approx(sleeps)
    assert fields(run.out.split("  +")[-1])["status"] == "delivered"


def test_send_wait_with_json_prints_one_document_and_the_progression_on_stderr(
    httpx_mock: HTTPXMock, volt: RunVolt, fake_clock: FakeClock
) -> None:
    respond(httpx_mock, {"createMessage": message_data()})
    respond(httpx_mock, {"message": message_data(status="sent")})
    respond(httpx_mock, {"message": message_data(status="delivered")})

    run = volt("send", "--json", "--to", TO, "--from", FROM, "--body", BODY, "--wait")

    assert run.code == 0
    assert run.json == message_data(status="delivered")
    statuses = [line.split()[-1] for line in run.err.splitlines() if line.startswith("  ")]
    assert statuses == ["queued", "sent", "delivered"]


def test_send_wait_names_the_sent_message_when_following_it_fails(
    httpx_mock: HTTPXMock, volt: RunVolt, fake_clock: FakeClock
) -> None:
    respond(httpx_mock, {"createMessage": message_data()})
    httpx_mock.add_response(url=URL, status_code=401, text="Unauthorized")

    run = volt("send", "--json", "--to", TO, "--from", FROM, "--body", "Hi", "--wait")

    assert run.code == 1
    assert run.out == ""
    assert run.err.splitlines()[-1].startswith(
        "volt: message msg_1 was sent, but following it failed: GetMessage: "
    )


def test_wait_timeout_without_wait_is_a_usage_error(httpx_mock: HTTPXMock, volt: RunVolt) -> None:
    run = volt("send", "--to", TO, "--from", FROM, "--body", "Hi", "--wait-timeout", "5")

    assert run.code == 2
    assert run.err == "volt: --wait-timeout needs --wait (see 'volt send --help')\n"
    assert httpx_mock.get_requests() == []
