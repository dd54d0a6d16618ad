"""``volt message get``, and how any command reports an error from Volt or the wire."""

from __future__ import annotations

from pytest_httpx import HTTPXMock

from tests.payloads import URL, message_data

from .helpers import RunVolt, fields, respond, sent


def test_message_get_prints_the_message(httpx_mock: HTTPXMock, volt: RunVolt) -> None:
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


def test_message_get_with_json_prints_the_message(httpx_mock: HTTPXMock, volt: RunVolt) -> None:
    respond(httpx_mock, {"message": message_data(status="delivered")})

    run = volt("message", "get", "msg_1", "--json")

    assert run.json == message_data(status="delivered")


def test_an_unknown_message_exits_1_with_not_found(httpx_mock: HTTPXMock, volt: RunVolt) -> None:
    respond(httpx_mock, {"message": None})

    run = volt("message", "get", "nope")

    assert run.code == 1
    assert run.out == ""
    assert run.err == "volt: message not found (id='nope')\n"


def test_an_http_500_exits_1_with_one_line(httpx_mock: HTTPXMock, volt: RunVolt) -> None:
    httpx_mock.add_response(url=URL, status_code=500, text="<html>Internal Server Error</html>")

    run = volt("message", "get", "msg_1")

    assert run.code == 1
    assert run.out == ""
    assert run.err.count("\n") == 1
    assert run.err.startswith("volt: GetMessage: ")
    assert "500" in run.err
