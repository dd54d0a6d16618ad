"""One span per call, its attributes and events, and the client's metrics.

Every test runs with the OpenTelemetry SDK's in-memory span exporter and metric
reader (``conftest.py``), against both clients, at the httpx seam.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind, StatusCode
from pytest_httpx import HTTPXMock

from tests.clock import FakeClock
from tests.payloads import FROM, TO, message_data
from volt_sdk import (
    AsyncVolt,
    GraphQLError,
    MessageOutcomeUnknownError,
    Volt,
    VoltTimeoutError,
)
from volt_sdk._wire._telemetry import MAX_TEXT

from .conftest import ClientClass, Telemetry, send

SEND = {"data": {"createMessage": message_data()}}
NAMED = {"graphql.operation.name": "CreateMessage", "graphql.operation.type": "mutation"}
# What every CreateMessage span carries from its start.
STARTED = {
    "graphql.operation.type": "mutation",
    "graphql.operation.name": "CreateMessage",
    "server.address": "api.respondflow.com",
    "server.port": 443,
    "volt.message.to": "+*******0145",
}
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
           30.0, 60.0)  # fmt: skip


def only_span(otel: Telemetry) -> ReadableSpan:
    (span,) = otel.spans()
    return span


def events(span: ReadableSpan) -> list[tuple[str, dict[str, Any]]]:
    return [(event.name, dict(event.attributes or {})) for event in span.events]


def test_a_send_that_succeeds_is_one_client_span_and_one_call_counted(
    otel: Telemetry, httpx_mock: HTTPXMock, client_class: ClientClass
) -> None:
    httpx_mock.add_response(json=SEND)
    send(client_class)

    span = only_span(otel)
    assert span.name == "mutation CreateMessage"
    assert span.kind is SpanKind.CLIENT
    assert dict(span.attributes or {}) == {
        **STARTED,
        "volt.attempts": 1,
        "volt.outcome": "ok",
        "http.response.status_code": 200,
    }
    assert span.status.status_code is StatusCode.UNSET
    assert events(span) == []
    assert span.instrumentation_scope is not None
    assert span.instrumentation_scope.name == "volt_sdk"

    points = otel.points()
    assert sorted((p.name, p.unit) for p in points) == [
        ("volt.client.call.duration", "s"),
        ("volt.client.calls", "{call}"),
    ]
    assert otel.values("volt.client.calls") == [({**NAMED, "volt.outcome": "ok"}, 1)]
    (duration,) = [p for p in points if p.name == "volt.client.call.duration"]
    assert duration.attributes == {**NAMED, "volt.outcome": "ok"}
    assert duration.value == 1
    assert duration.total is not None
    assert 0 < duration.total < 60
    assert duration.bounds == BUCKETS


def test_a_send_retried_after_a_429_is_one_span_with_a_retry_event(
    otel: Telemetry, httpx_mock: HTTPXMock, client_class: ClientClass, fake_clock: FakeClock
) -> None:
    httpx_mock.add_response(status_code=429, headers={"Retry-After": "2"})
    httpx_mock.add_response(json=SEND)
    send(client_class)

    assert fake_clock.sleeps == [2.0]
    span = only_span(otel)
    assert dict(span.attributes or {}) == {
        **STARTED,
        "volt.attempts": 2,
        "volt.outcome": "ok",
        "http.response.status_code": 200,
    }
    assert events(span) == [
        (
            "retry",
            {
                "volt.retry.attempt": 1,
                "volt.retry.wait_s": 2.0,
                "error.type": "RateLimitError",
                "volt.retry.cause": "CreateMessage: HTTP 429, rate limited by Volt; retry after 2s",
            },
        )
    ]
    assert otel.values("volt.client.retries") == [({**NAMED, "error.type": "RateLimitError"}, 1)]
    assert otel.values("volt.client.calls") == [({**NAMED, "volt.outcome": "ok"}, 1)]
    assert otel.values("volt.client.outcome_unknown") == []


@pytest.mark.parametrize(
    ("failure", "wire_error", "status"),
    [
        ({"status_code": 503, "text": "unavailable"}, "APIStatusError", 503),
        (httpx.ReadTimeout("slow"), "VoltTimeoutError", None),
    ],
    ids=["503", "read-timeout"],
)
def test_a_send_whose_outcome_is_unknown_says_so_and_is_counted(
    otel: Telemetry,
    httpx_mock: HTTPXMock,
    client_class: ClientClass,
    failure: object,
    wire_error: str,
    status: int | None,
) -> None:
    if isinstance(failure, Exception):
        httpx_mock.add_exception(failure)
    else:
        httpx_mock.add_response(**failure)  # type: ignore[arg-type]
    with pytest.raises(MessageOutcomeUnknownError) as raised:
        send(client_class)

    assert type(raised.value.cause).__name__ == wire_error
    span = only_span(otel)
    expected: dict[str, Any] = {
        **STARTED,
        "volt.attempts": 1,
        "volt.outcome": "outcome_unknown",
        "error.type": wire_error,
    }
    if status is not None:
        expected["http.response.status_code"] = status
    assert dict(span.attributes or {}) == expected
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description == str(raised.value.cause)
    assert events(span) == []
    failed = {**NAMED, "volt.outcome": "outcome_unknown", "error.type": wire_error}
    assert otel.values("volt.client.calls") == [(failed, 1)]
    assert otel.values("volt.client.outcome_unknown") == [(NAMED, 1)]
    assert otel.values("volt.client.retries") == []


def test_a_query_that_fails_is_an_error_with_its_type_and_no_recipient(
    otel: Telemetry, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={"data": None, "errors": [{"message": "boom"}]})
    with Volt() as volt, pytest.raises(GraphQLError):
        volt.get_message("msg_1")

    span = only_span(otel)
    assert span.name == "query GetMessage"
    assert dict(span.attributes or {}) == {
        "graphql.operation.type": "query",
        "graphql.operation.name": "GetMessage",
        "server.address": "api.respondflow.com",
        "server.port": 443,
        "volt.attempts": 1,
        "volt.outcome": "error",
        "http.response.status_code": 200,
        "error.type": "GraphQLError",
    }
    assert span.status.status_code is StatusCode.ERROR
    query = {"graphql.operation.name": "GetMessage", "graphql.operation.type": "query"}
    assert otel.values("volt.client.calls") == [
        ({**query, "volt.outcome": "error", "error.type": "GraphQLError"}, 1)
    ]
    assert otel.values("volt.client.outcome_unknown") == []


def test_a_document_without_an_operation_name_is_called_by_its_type(
    otel: Telemetry, httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOLT_API_URL", "http://127.0.0.1:8123/graphql")
    httpx_mock.add_response(json={"data": {"wave": None}})
    with Volt() as volt:
        volt.execute("query { wave(id: 1) { id } }")

    span = only_span(otel)
    assert span.name == "query"
    attributes = dict(span.attributes or {})
    assert "graphql.operation.name" not in attributes
    assert (attributes["server.address"], attributes["server.port"]) == ("127.0.0.1", 8123)
    assert otel.values("volt.client.calls") == [
        ({"graphql.operation.type": "query", "volt.outcome": "ok"}, 1)
    ]


def test_the_span_is_current_while_the_call_runs_and_not_after(
    otel: Telemetry, httpx_mock: HTTPXMock
) -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        # What an HTTP instrumentation would see as its parent.
        seen.append(getattr(trace.get_current_span(), "name", ""))
        return httpx.Response(200, json=SEND)

    httpx_mock.add_callback(answer)
    send(Volt)
    assert seen == ["mutation CreateMessage"]
    assert trace.get_current_span() is trace.INVALID_SPAN


def test_an_error_text_is_cut_to_its_bound(otel: Telemetry, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json={"data": None, "errors": [{"message": "why " * 200}]})
    with Volt() as volt, pytest.raises(GraphQLError) as raised:
        volt.get_message("msg_1")

    text = str(raised.value)
    assert len(text) > MAX_TEXT
    assert only_span(otel).status.description == text[: MAX_TEXT - 3] + "..."


def test_tracing_works_without_a_meter_provider(
    install_telemetry: Any, httpx_mock: HTTPXMock
) -> None:
    otel: Telemetry = install_telemetry(meters=False)
    httpx_mock.add_response(json=SEND)
    send(Volt)
    assert only_span(otel).attributes["volt.outcome"] == "ok"  # type: ignore[index]
    assert otel.reader is None


def test_metrics_work_without_a_tracer_provider(
    install_telemetry: Any, httpx_mock: HTTPXMock
) -> None:
    otel: Telemetry = install_telemetry(traces=False)
    seen: list[object] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(trace.get_current_span())
        return httpx.Response(200, json=SEND)

    httpx_mock.add_callback(answer)
    send(Volt)
    assert otel.values("volt.client.calls") == [({**NAMED, "volt.outcome": "ok"}, 1)]
    assert seen == [trace.INVALID_SPAN]  # no span, none made current
    assert otel.exporter is None


@pytest.mark.parametrize("client_class", [Volt, AsyncVolt], ids=["Volt", "AsyncVolt"])
def test_a_rate_limited_client_records_its_waits(
    otel: Telemetry, httpx_mock: HTTPXMock, client_class: ClientClass, fake_clock: FakeClock
) -> None:
    httpx_mock.add_response(json=SEND, is_reusable=True)
    fake_clock.advance_on_sleep = False  # time stands still: the second send waits a whole second
    send(client_class, times=2, max_rate=1)

    (wait,) = fake_clock.sleeps
    assert wait > 0
    first, second = otel.spans()
    assert events(first) == []
    assert events(second) == [("rate_limit_wait", {"volt.rate_limit.wait_s": wait})]
    assert otel.values("volt.client.rate_limit.waits") == [(NAMED, 1)]
    (waited,) = [p for p in otel.points() if p.name == "volt.client.rate_limit.wait.duration"]
    assert (waited.attributes, waited.unit, waited.value, waited.total) == (NAMED, "s", 1, wait)
    assert otel.values("volt.client.calls") == [({**NAMED, "volt.outcome": "ok"}, 2)]


@pytest.mark.anyio
async def test_a_cancelled_call_still_ends_its_span(otel: Telemetry, httpx_mock: HTTPXMock) -> None:
    sent = asyncio.Event()

    async def never_answer(request: httpx.Request) -> httpx.Response:
        sent.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    httpx_mock.add_callback(never_answer)
    async with AsyncVolt() as volt:
        call = asyncio.create_task(volt.send_message(to=TO, from_=FROM, body="hi"))
        await sent.wait()
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call

    span = only_span(otel)
    assert dict(span.attributes or {}) == {
        **STARTED,
        "volt.attempts": 0,  # the attempt never finished
        "volt.outcome": "error",
        "error.type": "CancelledError",
    }
    assert (span.status.status_code, span.status.description) == (
        StatusCode.ERROR,
        "CancelledError",
    )
    assert otel.values("volt.client.calls") == [
        ({**NAMED, "volt.outcome": "error", "error.type": "CancelledError"}, 1)
    ]
    assert trace.get_current_span() is trace.INVALID_SPAN


def test_a_keyboard_interrupt_still_ends_its_span(otel: Telemetry, httpx_mock: HTTPXMock) -> None:
    def interrupt(request: httpx.Request) -> httpx.Response:
        raise KeyboardInterrupt

    httpx_mock.add_callback(interrupt)
    with pytest.raises(KeyboardInterrupt):
        send(Volt)

    span = only_span(otel)
    assert span.attributes is not None
    assert (span.attributes["volt.outcome"], span.attributes["error.type"]) == (
        "error",
        "KeyboardInterrupt",
    )
    assert span.status.description == "KeyboardInterrupt"
    assert trace.get_current_span() is trace.INVALID_SPAN


def test_a_timeout_of_a_query_is_retried_and_each_retry_is_an_event(
    otel: Telemetry, httpx_mock: HTTPXMock, fake_clock: FakeClock
) -> None:
    httpx_mock.add_exception(httpx.ReadTimeout("slow"))
    httpx_mock.add_exception(httpx.ReadTimeout("slow"))
    httpx_mock.add_exception(httpx.ReadTimeout("slow"))
    with Volt() as volt, pytest.raises(VoltTimeoutError):
        volt.get_message("msg_1")

    span = only_span(otel)
    assert [
        (name, attributes["volt.retry.attempt"], attributes["error.type"])
        for name, attributes in events(span)
    ] == [("retry", 1, "VoltTimeoutError"), ("retry", 2, "VoltTimeoutError")]
    assert [attributes["volt.retry.wait_s"] for _, attributes in events(span)] == (
        fake_clock.sleeps
    )
    assert span.attributes is not None
    assert span.attributes["volt.attempts"] == 3
    assert "http.response.status_code" not in span.attributes
    query = {"graphql.operation.name": "GetMessage", "graphql.operation.type": "query"}
    assert otel.values("volt.client.retries") == [({**query, "error.type": "VoltTimeoutError"}, 2)]
