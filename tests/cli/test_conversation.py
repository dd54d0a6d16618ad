"""``volt conversation``: one page and how to get the older one, or every page."""

from __future__ import annotations

from pytest_httpx import HTTPXMock

from tests.payloads import FROM, TO, message_data

from .helpers import RunVolt, respond, sent


def test_conversation_prints_one_page_and_how_to_get_the_older_one(
    httpx_mock: HTTPXMock, volt: RunVolt
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


def test_conversation_with_json_prints_the_page(httpx_mock: HTTPXMock, volt: RunVolt) -> None:
    page = {"messages": [message_data()], "pageInfo": {"totalItems": 1}}
    respond(httpx_mock, {"conversation": page})

    run = volt("conversation", "--to", TO, "--from", FROM, "--json")

    assert run.json == page


def test_conversation_all_walks_every_page(httpx_mock: HTTPXMock, volt: RunVolt) -> None:
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


def test_an_empty_conversation_says_so(httpx_mock: HTTPXMock, volt: RunVolt) -> None:
    respond(httpx_mock, {"conversation": {"messages": [], "pageInfo": {"totalItems": 0}}})

    run = volt("conversation", "--to", TO, "--from", FROM)

    assert (run.code, run.out) == (0, "no messages\n")
