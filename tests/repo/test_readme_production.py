"""The README's "Running it in production" examples say what they print."""

from __future__ import annotations

import pytest
from pytest_httpx import HTTPXMock

from tests.clock import FakeClock
from tests.payloads import message_data
from tests.repo.test_readme import BLOCKS, README


def run(marker: str) -> None:
    (source,) = [b for b in BLOCKS if marker in b]
    exec(compile(source, str(README), "exec"), {"__name__": "readme_example"})


def test_the_hooks_example_prints_one_line_per_attempt(
    httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str]
) -> None:
    httpx_mock.add_response(status_code=429, headers={"retry-after": "0"}, json={})
    httpx_mock.add_response(json={"data": {"createMessage": message_data()}})
    run("on_attempt=[record]")
    assert capsys.readouterr().out.splitlines() == [
        "CreateMessage 1 retry 429 0.0",
        "CreateMessage 2 return 200 None",
    ]


def test_the_raw_response_example_shows_the_answer(
    httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str], fake_clock: FakeClock
) -> None:
    httpx_mock.add_response(
        json={"data": {"createMessage": message_data()}}, headers={"x-request-id": "req_7"}
    )
    run("with_raw_response.send_message")
    assert capsys.readouterr().out.splitlines() == [
        "200 req_7",
        "1 0:00:00",
        "application/json",
    ]


def test_the_execute_example_prints_the_data_as_sent(
    httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str]
) -> None:
    httpx_mock.add_response(json={"data": {"message": {"id": "msg_1", "status": "delivered"}}})
    run("volt.execute(")
    assert capsys.readouterr().out.strip() == "{'message': {'id': 'msg_1', 'status': 'delivered'}}"
