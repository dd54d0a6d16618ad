"""Without a provider, telemetry costs nothing; when it fails, the call goes on.

``start_call`` returns None (and the executor then does no extra work) unless a
tracer or meter provider other than the API's default was set; a program that
never imported OpenTelemetry does not import it by sending. A tracer or an
instrument that raises never changes what a call returns or raises.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from collections.abc import Callable
from typing import Any, cast

import httpx
import pytest
from opentelemetry import metrics, trace
from pytest_httpx import HTTPXMock

from tests.payloads import FROM, TO, message_data
from volt_sdk import MessageOutcomeUnknownError, Volt
from volt_sdk._config import BearerAuth
from volt_sdk._wire import _telemetry
from volt_sdk._wire._request import Operation, Wire
from volt_sdk._wire._telemetry import start_call

from .conftest import Telemetry, send

SEND = {"data": {"createMessage": message_data()}}
# A fresh interpreter sends one message over httpx.MockTransport, then prints
# which OpenTelemetry modules it holds and what the given check says.
CHILD = """\
import json, sys
{before}
import httpx
from volt_sdk import Volt
answer = {{"data": {{"createMessage": {message}}}}}
transport = httpx.MockTransport(lambda request: httpx.Response(200, json=answer))
with Volt(token="t" * 20, http_client=httpx.Client(transport=transport)) as volt:
    volt.send_message(to="+15555550145", from_="+15555550123", body="hi")
    {after}
print(json.dumps({{"otel": sorted(m for m in sys.modules if m.startswith("opentelemetry")),
                  "check": check}}))
"""


class FakeWire:
    """What start_call reads of a Wire."""

    url = httpx.URL("https://api.respondflow.com/graphql")
    auth = BearerAuth("t" * 20)


def start() -> _telemetry.CallSpan | None:
    op = Operation("mutation CreateMessage { x }", "CreateMessage", rate_limited=False)
    return start_call(op, {"to": TO}, cast(Wire, FakeWire()))


def child(before: str = "", after: str = "check = None", **env: str) -> dict[str, Any]:
    code = CHILD.format(before=before, after=after, message=json.dumps(message_data()))
    code = code.replace("null", "None")
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **env},
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def test_with_the_api_imported_and_no_provider_a_call_gets_no_span() -> None:
    # This process imported OpenTelemetry (the fixtures did): the default stands.
    assert "opentelemetry.trace" in sys.modules
    assert "opentelemetry.metrics" in sys.modules
    assert start() is None


def test_no_op_providers_set_on_purpose_are_no_provider(
    install_telemetry: Callable[..., Telemetry],
) -> None:
    trace.set_tracer_provider(trace.NoOpTracerProvider())
    metrics.set_meter_provider(metrics.NoOpMeterProvider())
    assert start() is None


def test_the_providers_are_looked_up_again_when_they_change(
    install_telemetry: Callable[..., Telemetry], httpx_mock: HTTPXMock
) -> None:
    assert start() is None
    otel = install_telemetry()
    httpx_mock.add_response(json=SEND)
    send(Volt)
    assert len(otel.spans()) == 1


def test_a_send_imports_no_opentelemetry_when_nothing_did() -> None:
    assert child() == {"otel": [], "check": None}


def test_a_send_works_when_opentelemetry_cannot_be_imported() -> None:
    found = child(before='sys.modules["opentelemetry"] = None')
    assert found == {"otel": ["opentelemetry"], "check": None}  # the blocked entry only


def test_a_send_with_the_api_imported_and_no_provider_sets_none() -> None:
    found = child(
        before="import opentelemetry.trace, opentelemetry.metrics",
        after="check = repr(opentelemetry.trace._TRACER_PROVIDER)",
    )
    assert found["check"] == "None"
    assert "opentelemetry.trace" in found["otel"]


def test_a_provider_named_by_environment_variable_is_loaded_and_used() -> None:
    # Nothing in the child imports OpenTelemetry: the variable alone asks for it.
    after = (
        "from opentelemetry import trace\n"
        "    from opentelemetry.sdk.trace.export import SimpleSpanProcessor\n"
        "    from opentelemetry.sdk.trace.export.in_memory_span_exporter import "
        "InMemorySpanExporter\n"
        "    exporter = InMemorySpanExporter()\n"
        "    trace.get_tracer_provider().add_span_processor(SimpleSpanProcessor(exporter))\n"
        "    volt.send_message(to='+15555550145', from_='+15555550123', body='hi')\n"
        "    check = [span.name for span in exporter.get_finished_spans()]"
    )
    found = child(after=after, OTEL_PYTHON_TRACER_PROVIDER="sdk_tracer_provider")
    assert found["check"] == ["mutation CreateMessage"]


class _RaisingTracer(trace.Tracer):
    def start_span(self, *args: Any, **kwargs: Any) -> trace.Span:
        raise RuntimeError("tracer broke")

    def start_as_current_span(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("tracer broke")


class _RaisingTracerProvider(trace.TracerProvider):
    def get_tracer(self, *args: Any, **kwargs: Any) -> trace.Tracer:
        return _RaisingTracer()


def test_a_tracer_that_raises_never_changes_the_call_and_is_logged_once(
    install_telemetry: Callable[..., Telemetry],
    httpx_mock: HTTPXMock,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_telemetry, "_logged", set())
    trace.set_tracer_provider(_RaisingTracerProvider())
    httpx_mock.add_response(json=SEND, is_reusable=True)
    assert send(Volt, times=2).id == "msg_1"
    warnings = [r.getMessage() for r in caplog.records if r.name == "volt_sdk"]
    assert warnings == ["OpenTelemetry start failed: RuntimeError (ignored: the call goes on)"]


class _Broken:
    def add(self, *args: object, **kwargs: object) -> None:
        raise RuntimeError("counter broke")

    record = add


def test_an_instrument_that_raises_never_changes_what_the_call_raises(
    otel: Telemetry, httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpx_mock.add_response(json=SEND)
    send(Volt)  # builds the instruments
    setup = _telemetry._cache[2]
    assert setup is not None
    assert setup.instruments is not None
    monkeypatch.setattr(setup.instruments, "calls", _Broken())
    monkeypatch.setattr(setup.instruments, "unknown", _Broken())
    httpx_mock.add_response(status_code=503)
    with pytest.raises(MessageOutcomeUnknownError):
        send(Volt)
    second = otel.spans()[1]
    assert second.attributes is not None
    assert second.attributes["volt.outcome"] == "outcome_unknown"
    assert trace.get_current_span() is trace.INVALID_SPAN


def test_a_span_that_ends_twice_is_counted_once(otel: Telemetry) -> None:
    span = start()
    assert span is not None
    span.end("ok", None)
    span.end("error", RuntimeError())
    (ended,) = otel.spans()
    assert ended.attributes is not None
    assert ended.attributes["volt.outcome"] == "ok"
    assert otel.values("volt.client.calls") == [
        ({"graphql.operation.name": "CreateMessage", "graphql.operation.type": "mutation",
          "volt.outcome": "ok"}, 1)
    ]  # fmt: skip


def test_only_a_send_shows_its_recipient(otel: Telemetry) -> None:
    # A query's variables may name numbers too: only CreateMessage's recipient is shown, masked.
    op = Operation("query GetConversation { x }", "GetConversation", rate_limited=False)
    span = start_call(op, {"to": TO, "from": FROM}, cast(Wire, FakeWire()))
    assert span is not None
    span.end("ok", None)
    (ended,) = otel.spans()
    assert ended.attributes is not None
    assert "volt.message.to" not in ended.attributes


def test_an_api_that_keeps_its_provider_elsewhere_is_asked_through_its_getter(
    otel: Telemetry, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A release without the global read here: the public getter answers, every call.
    real = sys.modules["opentelemetry.trace"]
    other = types.ModuleType(real.__name__)
    other.__dict__.update({k: v for k, v in vars(real).items() if k != "_TRACER_PROVIDER"})
    other.get_tracer_provider = real.get_tracer_provider  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "opentelemetry.trace", other)
    for _ in range(2):
        span = start()
        assert span is not None
        span.end("ok", None)
    assert [span.name for span in otel.spans()] == ["mutation CreateMessage"] * 2
    # Nothing cached on a global it cannot see: a new provider counts at once.
    other.get_tracer_provider = trace.NoOpTracerProvider  # type: ignore[attr-defined]
    span = start()
    assert span is not None  # the meter provider still stands
    span.end("ok", None)
    assert len(otel.spans()) == 2
    assert otel.values("volt.client.calls")[0][1] == 3


def test_a_disabled_sdk_is_no_provider(
    install_telemetry: Callable[..., Telemetry], monkeypatch: pytest.MonkeyPatch
) -> None:
    # OTEL_SDK_DISABLED: the SDK's providers hand out no-op tracers and meters.
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    install_telemetry()
    assert start() is None
