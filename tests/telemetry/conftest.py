"""OpenTelemetry's global providers, set for one test and put back after it.

The API lets a process set its tracer and meter providers once. The fixtures
here swap the API's globals (as OpenTelemetry's own test utilities do) for
fresh ones, set the SDK's providers with in-memory exporters, and restore the
originals when the test ends, so that every other test runs with no provider.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from opentelemetry import metrics, trace
from opentelemetry.metrics import _internal as metrics_state
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    HistogramDataPoint,
    InMemoryMetricReader,
    NumberDataPoint,
)
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.util._once import Once

from tests.payloads import FROM, TO
from volt_sdk import AsyncVolt, Message, Volt

ClientClass = type[Volt] | type[AsyncVolt]
#: Both clients, by the name a test shows.
CLIENTS: dict[str, ClientClass] = {"Volt": Volt, "AsyncVolt": AsyncVolt}


@dataclass(frozen=True)
class Point:
    """One metric data point: instrument, unit, attributes, and its value (a sum, or a count)."""

    name: str
    unit: str
    attributes: dict[str, Any]
    value: float
    total: float | None = None  # a histogram's sum
    bounds: tuple[float, ...] = ()  # a histogram's bucket boundaries


@dataclass
class Telemetry:
    """The spans and metrics recorded while a test runs."""

    exporter: InMemorySpanExporter | None = None
    reader: InMemoryMetricReader | None = None
    providers: list[TracerProvider | MeterProvider] = field(default_factory=list)

    def spans(self) -> list[ReadableSpan]:
        assert self.exporter is not None, "no tracer provider in this test"
        return list(self.exporter.get_finished_spans())

    def points(self) -> list[Point]:
        assert self.reader is not None, "no meter provider in this test"
        data = self.reader.get_metrics_data()
        found: list[Point] = []
        if data is None:
            return found
        for resource in data.resource_metrics:
            for scope in resource.scope_metrics:
                assert (scope.scope.name, scope.scope.version) == ("volt_sdk", _version())
                for metric in scope.metrics:
                    found.extend(_points(metric.name, metric.unit or "", metric.data.data_points))
        return found

    def values(self, name: str) -> list[tuple[dict[str, Any], float]]:
        """(attributes, value) of every data point of instrument ``name``."""
        return [(p.attributes, p.value) for p in self.points() if p.name == name]


def _points(name: str, unit: str, points: Sequence[object]) -> list[Point]:
    found: list[Point] = []
    for point in points:
        if isinstance(point, HistogramDataPoint):
            found.append(
                Point(name, unit, dict(point.attributes or {}), point.count, point.sum,
                      tuple(point.explicit_bounds))
            )  # fmt: skip
        else:
            assert isinstance(point, NumberDataPoint), point
            found.append(Point(name, unit, dict(point.attributes or {}), point.value))
    return found


def _version() -> str:
    from volt_sdk import __version__

    return __version__


@pytest.fixture
def install_telemetry(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Telemetry]]:
    """``install_telemetry(traces=True, meters=True)``: set SDK providers for this test."""
    installed: list[Telemetry] = []
    # Fresh globals, as the API has them before anything is set; monkeypatch puts
    # the originals back, whatever the test did.
    monkeypatch.setattr(trace, "_TRACER_PROVIDER_SET_ONCE", Once())
    monkeypatch.setattr(trace, "_TRACER_PROVIDER", None)
    monkeypatch.setattr(trace, "_PROXY_TRACER_PROVIDER", trace.ProxyTracerProvider())
    monkeypatch.setattr(metrics_state, "_METER_PROVIDER_SET_ONCE", Once())
    monkeypatch.setattr(metrics_state, "_METER_PROVIDER", None)
    monkeypatch.setattr(metrics_state, "_PROXY_METER_PROVIDER", metrics_state._ProxyMeterProvider())

    def install(*, traces: bool = True, meters: bool = True) -> Telemetry:
        telemetry = Telemetry()
        if traces:
            telemetry.exporter = InMemorySpanExporter()
            tracer_provider = TracerProvider()
            tracer_provider.add_span_processor(SimpleSpanProcessor(telemetry.exporter))
            trace.set_tracer_provider(tracer_provider)
            telemetry.providers.append(tracer_provider)
        if meters:
            telemetry.reader = InMemoryMetricReader()
            meter_provider = MeterProvider(metric_readers=[telemetry.reader])
            metrics.set_meter_provider(meter_provider)
            telemetry.providers.append(meter_provider)
        installed.append(telemetry)
        return telemetry

    yield install
    for telemetry in installed:
        for provider in telemetry.providers:
            provider.shutdown()


@pytest.fixture
def otel(install_telemetry: Callable[..., Telemetry]) -> Telemetry:
    """An SDK tracer provider and meter provider, with in-memory exporters, for this test."""
    return install_telemetry()


@pytest.fixture(params=list(CLIENTS), ids=list(CLIENTS))
def client_class(request: pytest.FixtureRequest) -> ClientClass:
    """Each client in turn."""
    found: ClientClass = CLIENTS[request.param]
    return found


def send(client_class: ClientClass, *, times: int = 1, **kwargs: Any) -> Message:
    """``times`` sends of TO from FROM with one client of ``client_class``; the last Message.

    ``max_rate`` and ``max_retries`` configure the client; the other keyword
    arguments go to ``send_message`` (``body`` defaults to ``"hi"``).
    """
    options = {k: kwargs.pop(k) for k in ("max_rate", "max_retries") if k in kwargs}
    arguments: dict[str, Any] = {"to": TO, "from_": FROM, "body": "hi", **kwargs}
    if issubclass(client_class, AsyncVolt):
        async_class = client_class

        async def run() -> Message:
            async with async_class(**options) as volt:
                for _ in range(times - 1):
                    await volt.send_message(**arguments)
                return await volt.send_message(**arguments)

        return asyncio.run(run())
    with client_class(**options) as volt:
        for _ in range(times - 1):
            volt.send_message(**arguments)
        return volt.send_message(**arguments)
