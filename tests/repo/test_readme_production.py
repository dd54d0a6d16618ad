"""The README's "Running it in production" examples say what they print."""

from __future__ import annotations

import logging
import re

import pytest
from pytest_httpx import HTTPXMock

from tests.clock import FakeClock
from tests.payloads import TO, URL, message_data
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


def test_the_readme_logging_example_logs_the_send_at_debug_with_the_number_masked(
    httpx_mock: HTTPXMock, caplog: pytest.LogCaptureFixture
) -> None:
    (source,) = [b for b in BLOCKS if 'getLogger("volt_sdk")' in b]
    httpx_mock.add_response(json={"data": {"createMessage": message_data()}})
    volt_logger = logging.getLogger("volt_sdk")
    level, root_handlers = volt_logger.level, list(logging.getLogger().handlers)
    try:
        # Under pytest the root logger has handlers already: basicConfig adds none,
        # and the records reach caplog, as they would reach the example's handler.
        exec(compile(source, "README.md", "exec"), {"__name__": "readme_example"})
    finally:
        volt_logger.setLevel(level)
    assert logging.getLogger().handlers == root_handlers
    lines = [r.getMessage() for r in caplog.records if r.name == "volt_sdk"]
    assert len(lines) == 2, lines
    assert re.fullmatch(
        r"CreateMessage: attempt 1, mutation of \d+ bytes to api\.respondflow\.com", lines[0]
    )
    assert re.fullmatch(r"CreateMessage -> HTTP 200 in \d+\.\d ms", lines[1])
    assert TO not in caplog.text


def test_the_readme_tenancy_example_sends_each_tenants_current_token(
    httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str]
) -> None:
    (source,) = [b for b in BLOCKS if "current_token" in b]
    httpx_mock.add_response(
        url=URL, json={"data": {"createMessage": message_data()}}, is_reusable=True
    )
    exec(compile(source, str(README), "exec"), {"__name__": "readme_example"})
    requests = httpx_mock.get_requests()
    bearers = [r.headers["authorization"].removeprefix("Bearer ") for r in requests]
    assert bearers == ["acme-token-1", "acme-token-2"]  # rotated between the sends
    assert [r.headers["x-tenant"] for r in requests] == ["acme", "acme"]
    assert all(r.headers["user-agent"].endswith(" acme-crm/2.1.0") for r in requests)
    assert capsys.readouterr().out.strip() == "msg_1"
