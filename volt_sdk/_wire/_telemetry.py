"""OpenTelemetry for the executors: one span per call, and the client's metrics.

Only ``opentelemetry-api`` is used (the ``otel`` extra), and only when the
application configured a tracer or meter provider: otherwise :func:`start_call`
returns None without importing anything, and the call pays two dictionary
look-ups. What is recorded, and what never is: ``docs/telemetry.md``.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, Final, cast

from volt_sdk._errors import APIError, VoltError
from volt_sdk._redact import mask_phone, mask_phone_numbers
from volt_sdk._version import __version__

if TYPE_CHECKING:
    from contextvars import Token

    import httpx
    from opentelemetry.context import Context
    from opentelemetry.metrics import Counter, Histogram, Meter
    from opentelemetry.trace import Span, Tracer

    from volt_sdk._config import BearerAuth

    from ._attempt import Attempt, Outcome
    from ._request import Operation, Wire

__all__ = ["INSTRUMENTATION_NAME", "MAX_TEXT", "CallSpan", "start_call"]

#: The tracer's and the meter's name.
INSTRUMENTATION_NAME: Final = "volt_sdk"
#: Longest error text put in a span (a status description, a retry's cause).
MAX_TEXT: Final = 200
# Texts of the request shorter than this are not looked for in error texts:
# blanking every "hi" out of a message would say nothing and spoil it.
_MIN_SECRET: Final = 4
# Durations in seconds, from a sandbox call (a millisecond) to the 60 s deadline.
_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
                   30.0, 60.0)  # fmt: skip
_DEFAULT_PORTS: Final = {"https": 443, "http": 80}

_TRACE: Final = "opentelemetry.trace"
_METRICS: Final = "opentelemetry.metrics"
# Where the API keeps the meter provider that set_meter_provider() set.
_METRICS_STATE: Final = "opentelemetry.metrics._internal"
_UNKNOWN: Final = object()

_log: Final = logging.getLogger("volt_sdk")
# Failures already logged, by step and exception class: one warning each, not one per call.
_logged: Final[set[tuple[str, str]]] = set()

# A provider named by OTEL_PYTHON_TRACER_PROVIDER / OTEL_PYTHON_METER_PROVIDER is
# loaded by the API's first get_*_provider() call, perhaps ours: then the API is
# imported even though nothing else imported it. Read once, at import: the API's
# own check reads os.environ on every call (about a microsecond).
_ENV_TRACER: Final = bool(os.environ.get("OTEL_PYTHON_TRACER_PROVIDER"))
_ENV_METER: Final = bool(os.environ.get("OTEL_PYTHON_METER_PROVIDER"))
_import_pending = _ENV_TRACER or _ENV_METER


class _Instruments:
    """The client's instruments, made once per meter provider."""

    __slots__ = ("calls", "duration", "rate_wait_duration", "rate_waits", "retries", "unknown")

    def __init__(self, meter: Meter) -> None:
        self.calls: Counter = meter.create_counter(
            "volt.client.calls", unit="{call}", description="Calls made by the client, by outcome"
        )
        self.duration: Histogram = meter.create_histogram(
            "volt.client.call.duration",
            unit="s",
            description="Duration of a call: every attempt, wait and retry",
            explicit_bucket_boundaries_advisory=_BUCKETS,
        )
        self.retries: Counter = meter.create_counter(
            "volt.client.retries", unit="{retry}", description="Attempts retried, by cause"
        )
        self.rate_waits: Counter = meter.create_counter(
            "volt.client.rate_limit.waits",
            unit="{wait}",
            description="Waits for the client's own rate limit (max_rate)",
        )
        self.rate_wait_duration: Histogram = meter.create_histogram(
            "volt.client.rate_limit.wait.duration",
            unit="s",
            description="Time waited for the client's own rate limit (max_rate)",
            explicit_bucket_boundaries_advisory=_BUCKETS,
        )
        self.unknown: Counter = meter.create_counter(
            "volt.client.outcome_unknown",
            unit="{call}",
            description="Mutations that may or may not have run (MessageOutcomeUnknownError)",
        )


class _Setup:
    """What the current providers give: a tracer, instruments, or both."""

    __slots__ = ("instruments", "tracer")

    def __init__(self, tracer: Tracer | None, instruments: _Instruments | None) -> None:
        self.tracer = tracer
        self.instruments = instruments


# (the API's two globals as last seen, what their providers give): rebuilt when one changes.
_cache: tuple[object, object, _Setup | None] = (None, None, None)
_cache_lock: Final = threading.Lock()


def start_call(op: Operation, variables: Mapping[str, Any], wire: Wire) -> CallSpan | None:
    """The span and metrics of one call, or None when no provider is configured."""
    modules = sys.modules
    trace = modules.get(_TRACE)
    state = modules.get(_METRICS_STATE)
    # A provider can only be set through these modules: if nothing imported
    # them, there is none, and nothing is imported here either.
    if trace is None and state is None:
        if not _import_pending:
            return None
        trace, state = _import_api()
    try:
        # The API's getters read os.environ whenever no provider is set (about
        # a microsecond each); the globals they return cost an attribute.
        try:
            tracer_key = None if trace is None else trace._TRACER_PROVIDER
            meter_key = None if state is None else state._METER_PROVIDER
        except AttributeError:  # kept elsewhere by this release: its getters answer
            tracer_key = meter_key = _UNKNOWN
        cached = _cache
        if tracer_key is cached[0] and meter_key is cached[1]:
            setup = cached[2]
        else:
            setup = _rebuild(trace, tracer_key, state, meter_key)
        if setup is None:
            return None
        return CallSpan(setup, op, variables, wire.url, wire.auth)
    except Exception as exc:  # telemetry never changes what a call does
        _failed("start", exc)
        return None


def _provider(module: ModuleType | None, key: object, getter: str, from_env: bool) -> object:
    """The provider behind ``key`` (what the API's global held), or None for the default."""
    if module is None or (key is None and not from_env):
        return None
    # Set, named by the environment, or kept where this module does not know:
    # the API's getter says which.
    found: object = getattr(module, getter)()
    return found


def _import_api() -> tuple[ModuleType | None, ModuleType | None]:
    """Import the API for a provider named by environment variable (tried once)."""
    global _import_pending
    _import_pending = False
    try:
        importlib.import_module(_TRACE)
        importlib.import_module(_METRICS)
    except ImportError:
        pass  # no API, no provider
    return sys.modules.get(_TRACE), sys.modules.get(_METRICS_STATE)


def _rebuild(
    trace: ModuleType | None, tracer_key: object, state: ModuleType | None, meter_key: object
) -> _Setup | None:
    """What the providers behind the keys give, cached until a key changes."""
    global _cache
    with _cache_lock:
        tracer_provider = _provider(trace, tracer_key, "get_tracer_provider", _ENV_TRACER)
        meter_provider = _provider(state, meter_key, "get_meter_provider", _ENV_METER)
        tracer = _tracer(tracer_provider) if tracer_provider is not None else None
        instruments = _instruments(meter_provider) if meter_provider is not None else None
        setup = None if tracer is None and instruments is None else _Setup(tracer, instruments)
        # A global this module cannot read matches nothing: the getters answer every call.
        _cache = (
            object() if tracer_key is _UNKNOWN else tracer_key,
            object() if meter_key is _UNKNOWN else meter_key,
            setup,
        )
    return setup


def _tracer(provider: Any) -> Tracer | None:
    from opentelemetry import trace

    if isinstance(provider, (trace.NoOpTracerProvider, trace.ProxyTracerProvider)):
        return None
    tracer: Tracer = provider.get_tracer(INSTRUMENTATION_NAME, __version__)
    # A disabled SDK (OTEL_SDK_DISABLED) hands out no-op tracers.
    return None if isinstance(tracer, trace.NoOpTracer) else tracer


def _instruments(provider: Any) -> _Instruments | None:
    from opentelemetry import metrics

    # The API's default is a private proxy class: known by name, not imported.
    if isinstance(provider, metrics.NoOpMeterProvider) or (
        type(provider).__name__ == "_ProxyMeterProvider"
    ):
        return None
    meter: Meter = provider.get_meter(INSTRUMENTATION_NAME, __version__)
    return None if isinstance(meter, metrics.NoOpMeter) else _Instruments(meter)


def _failed(step: str, exc: Exception) -> None:
    """Log a failure of telemetry once per step and kind (no text: it could hold anything)."""
    key = (step, type(exc).__name__)
    if key not in _logged:
        _logged.add(key)
        _log.warning("OpenTelemetry %s failed: %s (ignored: the call goes on)", *key)


def _error_type(error: BaseException) -> str:
    """``error.type``: the exception's class name (``RateLimitError``, ``CancelledError``)."""
    return type(error).__name__


class CallSpan:
    """The span and the metrics of one call; every method is no-throw.

    Built by :func:`start_call` when a provider is configured; told of each
    rate-limit wait, each attempt that sent a request, and the call's end.
    """

    __slots__ = (
        "_attempts",
        "_attributes",
        "_auth",
        "_context_token",
        "_ended",
        "_instruments",
        "_span",
        "_started",
        "_status_code",
        "_variables",
    )

    def __init__(
        self,
        setup: _Setup,
        op: Operation,
        variables: Mapping[str, Any],
        url: httpx.URL,
        auth: BearerAuth,
    ) -> None:
        self._instruments = setup.instruments
        self._variables = variables
        self._auth = auth
        self._attempts = 0
        self._status_code: int | None = None
        self._ended = False
        self._span: Span | None = None
        self._context_token: Token[Context] | None = None
        operation_type = "mutation" if op.is_mutation else "query"
        # A document without an operation name is called by its type (Operation.name).
        named = op.name != operation_type
        self._attributes: dict[str, str] = {"graphql.operation.type": operation_type}
        if named:
            self._attributes["graphql.operation.name"] = op.name
        self._started = time.perf_counter()
        if setup.tracer is not None:
            self._start_span(setup.tracer, op, operation_type, named, url)

    def _start_span(
        self, tracer: Tracer, op: Operation, operation_type: str, named: bool, url: httpx.URL
    ) -> None:
        from opentelemetry import context, trace

        attributes: dict[str, str | int] = dict(self._attributes)
        attributes["server.address"] = url.host
        port = url.port or _DEFAULT_PORTS.get(url.scheme)
        if port is not None:
            attributes["server.port"] = port
        to = self._variables.get("to")
        if op.name == "CreateMessage" and isinstance(to, str):
            attributes["volt.message.to"] = mask_phone(to)
        name = f"{operation_type} {op.name}" if named else operation_type
        span = tracer.start_span(name, kind=trace.SpanKind.CLIENT, attributes=attributes)
        self._span = span
        # Current while the call runs: an HTTP instrumentation's spans become its children.
        self._context_token = context.attach(trace.set_span_in_context(span))

    def rate_wait(self, seconds: float) -> None:
        """The call is about to wait ``seconds`` for the client's rate limit (``max_rate``)."""
        try:
            if self._span is not None:
                self._span.add_event("rate_limit_wait", {"volt.rate_limit.wait_s": seconds})
            if self._instruments is not None:
                attributes = self._attributes
                self._instruments.rate_waits.add(1, attributes)
                self._instruments.rate_wait_duration.record(seconds, attributes)
        except Exception as exc:
            _failed("rate_wait", exc)

    def attempt(self, attempt: Attempt) -> None:
        """An attempt sent a request: count it, and note a retry with its cause and wait."""
        try:
            self._attempts = attempt.number
            if attempt.response is not None:
                self._status_code = attempt.response.status_code
            if attempt.decision != "retry":
                return
            cause = attempt.error
            kind = "unknown" if cause is None else _error_type(cause)
            if self._span is not None:
                self._span.add_event(
                    "retry",
                    {
                        "volt.retry.attempt": attempt.number,
                        "volt.retry.wait_s": attempt.retry_in or 0.0,
                        "error.type": kind,
                        "volt.retry.cause": "" if cause is None else self._text(cause),
                    },
                )
            if self._instruments is not None:
                self._instruments.retries.add(1, {**self._attributes, "error.type": kind})
        except Exception as exc:
            _failed("attempt", exc)

    def end(self, outcome: Outcome, error: BaseException | None) -> None:
        """The call is over: close the span, count the call (once; later calls do nothing)."""
        if self._ended:
            return
        self._ended = True
        try:
            if self._span is not None:
                self._end_span(self._span, outcome, error)
        except Exception as exc:
            _failed("end", exc)
        finally:
            if self._context_token is not None:
                _detach(self._context_token)
        try:
            if self._instruments is not None:
                self._count(self._instruments, outcome, error)
        except Exception as exc:
            _failed("metrics", exc)

    def _end_span(self, span: Span, outcome: Outcome, error: BaseException | None) -> None:
        try:
            from opentelemetry.trace import Status, StatusCode

            span.set_attribute("volt.attempts", self._attempts)
            span.set_attribute("volt.outcome", outcome)
            status_code = self._status_code
            if status_code is None and isinstance(error, APIError) and error.response is not None:
                status_code = error.response.status_code
            if status_code is not None:
                span.set_attribute("http.response.status_code", status_code)
            if error is not None:
                span.set_attribute("error.type", _error_type(error))
                span.set_status(Status(StatusCode.ERROR, self._text(error)))
        finally:
            span.end()

    def _count(
        self, instruments: _Instruments, outcome: Outcome, error: BaseException | None
    ) -> None:
        attributes: dict[str, str] = {**self._attributes, "volt.outcome": outcome}
        if error is not None:
            attributes["error.type"] = _error_type(error)
        instruments.calls.add(1, attributes)
        instruments.duration.record(time.perf_counter() - self._started, attributes)
        if outcome == "outcome_unknown":
            instruments.unknown.add(1, self._attributes)

    def _text(self, error: BaseException) -> str:
        """``error``'s text, safe to export: no token, no message text, masked numbers, bounded.

        Only a VoltError's text is used (any other error is shown by its class).
        A server may quote the request in an error, the token included: the
        token, the body, media URLs and passthrough are blanked before phone
        numbers are masked (masking first would break the texts apart).
        """
        if not isinstance(error, VoltError):
            return _error_type(error)
        text = self._auth.redact(str(error))
        for secret in _secrets(self._variables):
            text = text.replace(secret, "[redacted]")
        text = mask_phone_numbers(text)
        return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 3] + "..."


def _detach(token: Token[Context]) -> None:
    """Restore the context the call started in."""
    from opentelemetry import context

    try:
        context.detach(token)
    except Exception as exc:
        _failed("detach", exc)


def _secrets(variables: Mapping[str, Any]) -> list[str]:
    """The request's texts that must not reach telemetry, longest first."""
    found: list[str] = []
    for key in ("body", "passthrough", "media"):
        value: object = variables.get(key)
        values: Sequence[object] = (
            cast("Sequence[object]", value) if isinstance(value, (list, tuple)) else (value,)
        )
        found.extend(v for v in values if isinstance(v, str) and len(v) >= _MIN_SECRET)
    return sorted(found, key=len, reverse=True)
