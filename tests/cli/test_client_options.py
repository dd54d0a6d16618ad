"""The options every API command shares: ``--token`` (else ``$VOLT_API_TOKEN``),
``--base-url`` and ``--timeout``.
"""

from __future__ import annotations

import pytest
from pytest_httpx import HTTPXMock

from tests.payloads import message_data

from .helpers import RunVolt


def test_a_missing_token_exits_2_and_says_how_to_give_one(
    httpx_mock: HTTPXMock, volt: RunVolt, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VOLT_API_TOKEN")

    run = volt("message", "get", "msg_1")

    assert run.code == 2
    assert run.err.startswith("volt: no API token: set VOLT_API_TOKEN or pass --token")
    assert run.err.count("\n") == 1
    assert httpx_mock.get_requests() == []


def test_token_base_url_and_timeout_options_reach_the_client(
    httpx_mock: HTTPXMock, volt: RunVolt, monkeypatch: pytest.MonkeyPatch
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
    httpx_mock: HTTPXMock, volt: RunVolt
) -> None:
    run = volt("message", "get", "msg_1", "--base-url", "http://example.com/graphql")

    assert run.code == 2
    assert run.err.startswith("volt: --base-url: refusing to send the API token over plain http")
