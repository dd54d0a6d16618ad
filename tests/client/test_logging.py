"""What a client logs: ``VOLT_LOG`` in a process of its own, and masking under the user's
own logging configuration (issue 13).

A client whose query meets a 503 and then a refused connection retries twice;
each retry is one INFO line with its cause and wait, and the number the
answers quote shows masked. The waits are not waited (the script replaces the
SDK's sleep), and no assertion depends on time.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from pytest_httpx import HTTPXMock

from tests.clock import FakeClock
from tests.payloads import TO, TOKEN, message_data
from volt_sdk import Attempt, GraphQLError, Volt

ROOT = Path(__file__).resolve().parents[2]
MASKED = "+*******0145"  # TO, as every log line shows it
BODY = "Your code is 654312"

SCRIPT = """
import httpx
from volt_sdk import Volt, _concurrency
from tests.payloads import TO, message_data

_concurrency.sleep = lambda seconds: None  # the wait is logged, not waited

steps = iter(["503", "refused", "ok"])

def answer(request):
    step = next(steps)
    if step == "503":
        return httpx.Response(503, text=f"overloaded while texting {TO}")
    if step == "refused":
        raise httpx.ConnectError(f"no route to {TO}", request=request)
    return httpx.Response(200, json={"data": {"message": message_data()}})

http = httpx.Client(transport=httpx.MockTransport(answer))
with Volt(http_client=http) as client:
    print(client.get_message("msg_1").id)
Volt().close()  # a second client: VOLT_LOG is applied once
"""

STAMP = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}"
RETRY_503 = (
    rf"{STAMP} INFO volt_sdk: GetMessage: retry 1 of 2 in \d+\.\d\ds after APIStatusError: HTTP 503"
)
RETRY_REFUSED = (
    rf"{STAMP} INFO volt_sdk: GetMessage: retry 2 of 2 in \d+\.\d\ds after VoltConnectionError: "
    r"could not complete the request to https://api\.respondflow\.com/graphql: "
    rf"ConnectError: no route to {re.escape(MASKED)}"
)


def attempt(number: int) -> str:
    return (
        rf"{STAMP} DEBUG volt_sdk: GetMessage: attempt {number}, query of \d+ bytes "
        r"to api\.respondflow\.com"
    )


def response(status: int) -> str:
    return rf"{STAMP} DEBUG volt_sdk: GetMessage -> HTTP {status} in \d+\.\d ms"


def run(volt_log: str | None) -> list[str]:
    """The script's stderr lines, with ``VOLT_LOG`` set to ``volt_log`` (None: unset)."""
    env = {k: v for k, v in os.environ.items() if k not in ("VOLT_LOG", "VOLT_API_URL")}
    env["VOLT_API_TOKEN"] = TOKEN
    if volt_log is not None:
        env["VOLT_LOG"] = volt_log
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "msg_1\n"
    assert TOKEN not in done.stderr
    assert TO not in done.stderr
    return done.stderr.splitlines()


def matches(lines: list[str], patterns: list[str]) -> bool:
    return len(lines) == len(patterns) and all(
        re.fullmatch(p, line) for p, line in zip(patterns, lines, strict=True)
    )


def test_volt_log_info_writes_each_retry_with_its_cause_and_wait_the_number_masked() -> None:
    lines = run("info")
    assert matches(lines, [RETRY_503, RETRY_REFUSED]), lines


def test_volt_log_debug_adds_a_line_per_request_and_per_response() -> None:
    lines = run("DEBUG")
    expected = [
        attempt(1),
        response(503),
        RETRY_503,
        attempt(2),
        RETRY_REFUSED,
        attempt(3),
        response(200),
    ]
    assert matches(lines, expected), lines


def test_without_volt_log_nothing_is_written() -> None:
    assert run(None) == []


def test_an_unknown_volt_log_is_named_once_and_ignored() -> None:
    assert run("verbose") == ["volt_sdk: VOLT_LOG='verbose' ignored; expected one of: info, debug"]


# -- under the user's own logging configuration (caplog) ----------------------------------


def every_line(caplog: pytest.LogCaptureFixture) -> str:
    """Every captured record as a handler would write it, tracebacks included."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(r) for r in caplog.records)


def test_no_token_body_or_whole_number_is_logged_across_sends_that_fail(
    httpx_mock: HTTPXMock, caplog: pytest.LogCaptureFixture, fake_clock: FakeClock
) -> None:
    echo = f"rejected {TO} with body {BODY!r} for token {TOKEN}"
    # A query rate limited by an answer that echoes everything, then answered.
    httpx_mock.add_response(status_code=429, headers={"Retry-After": "1"}, text=echo)
    httpx_mock.add_response(json={"data": {"message": message_data(body=BODY)}})
    # A send refused with a GraphQL error that quotes the number and the body.
    httpx_mock.add_response(json={"data": None, "errors": [{"message": echo}]})

    def failing_hook(attempt: Attempt) -> None:
        raise RuntimeError(f"cannot record an attempt to {TO}")

    with (
        caplog.at_level(logging.DEBUG, logger="volt_sdk"),
        Volt(on_attempt=[failing_hook]) as client,
    ):
        client.get_message("msg_1")
        with pytest.raises(GraphQLError):
            client.send_message(to=TO, from_="+15555550123", body=BODY)

    text = every_line(caplog)
    assert fake_clock.sleeps == [1.0]
    assert "GetMessage: retry 1 of 2 in 1.00s after RateLimitError: HTTP 429" in text
    assert f"raised RuntimeError: cannot record an attempt to {MASKED}" in text
    assert "CreateMessage: attempt 1, mutation of" in text
    for secret in (TOKEN, TO, "15555550145", BODY, "654312"):
        assert secret not in text, secret


def test_a_retry_line_is_masked_for_a_handler_on_the_parent_logger(
    httpx_mock: HTTPXMock, caplog: pytest.LogCaptureFixture, fake_clock: FakeClock
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"no route to {TO}", request=request)

    httpx_mock.add_callback(refuse)
    httpx_mock.add_response(json={"data": {"message": message_data()}})
    with caplog.at_level(logging.INFO), Volt() as client:  # the root logger's level only
        client.get_message("msg_1")
    (line,) = [r.getMessage() for r in caplog.records if r.name == "volt_sdk"]
    assert line.endswith(f"ConnectError: no route to {MASKED}")
