"""``with_raw_response``: every one-request method returns its usual result with
the HTTP answer it came from, on both clients."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from tests.clock import FakeClock
from tests.payloads import FROM, TO, URL, message_data
from volt_sdk import AsyncVolt, RawResponse, Volt

from .both import CLIENTS, close, resolve
from .test_requests import CASES, IDS

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("client_class", CLIENTS)
@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_every_one_request_method_returns_its_result_with_the_answer(
    httpx_mock: HTTPXMock, client_class: type[Volt] | type[AsyncVolt], case: Any
) -> None:
    httpx_mock.add_response(
        url=URL,
        method="POST",
        json={"data": case.data},
        headers={"x-request-id": "req_42", "x-extra": "yes"},
    )
    httpx_mock.add_response(url=URL, method="POST", json={"data": case.data})
    client = client_class()
    try:
        method = getattr(client.with_raw_response, case.method)
        raw = await resolve(method(*case.args, **case.kwargs))
        plain = await resolve(getattr(client, case.method)(*case.args, **case.kwargs))
    finally:
        await close(client)
    assert isinstance(raw, RawResponse)
    assert raw.parsed == plain  # the very result the method gives without the raw view
    if case.check is not None:
        assert case.check(raw.parsed)
    assert raw.status_code == 200
    assert raw.request_id == "req_42"
    assert raw.headers["x-extra"] == "yes"
    assert raw.attempts == 1
    assert raw.http_response.json() == {"data": case.data}


def test_the_raw_view_has_every_one_request_method_and_execute() -> None:
    for client_class in CLIENTS:
        raw = client_class().with_raw_response
        names = {n for n in vars(raw) if not n.startswith("_")}
        assert names == {case.method for case in CASES} | {"execute"}


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_a_retried_call_counts_its_attempts_and_the_time_across_them(
    httpx_mock: HTTPXMock, client_class: type[Volt] | type[AsyncVolt], fake_clock: FakeClock
) -> None:
    httpx_mock.add_response(url=URL, status_code=429, headers={"retry-after": "3"}, json={})
    httpx_mock.add_response(
        url=URL, json={"data": {"createMessage": message_data()}}, headers={"x-request-id": "r2"}
    )
    client = client_class()
    try:
        raw = await resolve(client.with_raw_response.send_message(to=TO, from_=FROM, body="Hello"))
    finally:
        await close(client)
    assert raw.attempts == 2
    assert raw.elapsed == timedelta(seconds=3)  # the Retry-After wait, on the injected clock
    assert raw.request_id == "r2"  # the answer that counted, not the 429
    assert raw.parsed.id == "msg_1"


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_a_failing_call_raises_as_without_the_raw_view(
    httpx_mock: HTTPXMock, client_class: type[Volt] | type[AsyncVolt]
) -> None:
    from volt_sdk import NotFoundError

    httpx_mock.add_response(url=URL, json={"data": {"message": None}})
    client = client_class()
    try:
        with pytest.raises(NotFoundError):
            await resolve(client.with_raw_response.get_message("msg_missing"))
    finally:
        await close(client)


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_a_copy_made_by_with_options_has_a_raw_view_of_its_own(
    httpx_mock: HTTPXMock, client_class: type[Volt] | type[AsyncVolt], fake_clock: FakeClock
) -> None:
    httpx_mock.add_response(url=URL, status_code=429, headers={"retry-after": "1"}, json={})
    client = client_class()
    try:
        _ = client.with_raw_response  # cached on the parent before the copy is made
        copy = client.with_options(max_retries=0)
        with pytest.raises(Exception, match="429"):
            await resolve(copy.with_raw_response.get_message("msg_1"))
    finally:
        await close(client)
    # max_retries=0 held: one request, no retry through the parent's methods.
    assert len(httpx_mock.get_requests()) == 1


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_the_raw_answer_holds_the_decompressed_body_and_the_headers_as_sent(
    httpx_mock: HTTPXMock, client_class: type[Volt] | type[AsyncVolt]
) -> None:
    import gzip
    import json

    payload = json.dumps({"data": {"message": message_data()}}).encode()
    httpx_mock.add_response(
        url=URL,
        content=gzip.compress(payload),
        headers={"content-encoding": "gzip", "content-type": "application/json"},
    )
    client = client_class()
    try:
        raw = await resolve(client.with_raw_response.get_message("msg_1"))
    finally:
        await close(client)
    assert raw.headers["content-encoding"] == "gzip"
    assert raw.http_response.content == payload
    assert isinstance(raw.http_response, httpx.Response)
