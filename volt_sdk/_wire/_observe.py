"""What a call lets others see: per-attempt hooks, tracing, and the raw response.

The executors ask :func:`watch` for a :class:`Watch` at the start of every call.
When nobody listens (no hook, no OpenTelemetry provider, no raw response asked
for) it is ``None`` and the call runs exactly as it would without this module;
otherwise the watch is told of every rate-limit wait and every attempt, and
passes them on:

- to the client's ``on_attempt`` hooks, as an :class:`Attempt` (a hook that
  raises is logged and ignored: it never changes what the call does);
- to the OpenTelemetry span of the call (``_telemetry``);
- to the :class:`CallRecord` of a ``with_raw_response`` call, which reads the
  last response's status, headers and request id from it.
"""

from __future__ import annotations

import contextvars
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Literal

from volt_sdk import _concurrency
from volt_sdk._errors import APIError, ConfigurationError, VoltError
from volt_sdk._redact import mask_phone_numbers

from ._attempt import Attempt, AttemptHook, Outcome
from ._body import readable
from ._retry import may_have_reached_volt
from ._telemetry import start_call

if TYPE_CHECKING:
    import httpx

    from ._request import Operation, Wire
    from ._telemetry import CallSpan

__all__ = [
    "RECORD",
    "CallRecord",
    "Watch",
    "outcome_of",
    "watch_call",
]


class CallRecord:
    """Filled by a call made through ``with_raw_response``: its last response and attempts."""

    __slots__ = ("attempts", "elapsed", "headers", "response")

    def __init__(self) -> None:
        #: The last answer, holding its body; ``headers`` are as received.
        self.response: httpx.Response | None = None
        self.headers: httpx.Headers | None = None
        self.attempts = 0
        self.elapsed = 0.0


#: Set around a ``with_raw_response`` call; the executor fills it.
RECORD: Final[contextvars.ContextVar[CallRecord | None]] = contextvars.ContextVar(
    "volt_sdk_call_record", default=None
)


def outcome_of(op: Operation, error: BaseException | None) -> Outcome:
    """``ok``, ``error``, or ``outcome_unknown`` for a mutation that may have run."""
    if error is None:
        return "ok"
    if op.is_mutation and isinstance(error, VoltError) and may_have_reached_volt(error):
        return "outcome_unknown"
    return "error"


def watch_call(op: Operation, variables: Mapping[str, Any], wire: Wire) -> Watch | None:
    """A watch for one call, or None when nobody listens (the common, free case)."""
    record = RECORD.get()
    span = start_call(op, variables, wire)
    hooks = wire.hooks
    if span is None and record is None and not hooks:
        return None
    return Watch(op, hooks, span, record)


class Watch:
    """Hears one call's rate-limit waits and attempts; tells the hooks, the span, the record."""

    __slots__ = (
        "_attempt_started",
        "_hooks",
        "_number",
        "_op",
        "_record",
        "_request",
        "_span",
        "_started",
    )

    def __init__(
        self,
        op: Operation,
        hooks: Sequence[AttemptHook],
        span: CallSpan | None,
        record: CallRecord | None,
    ) -> None:
        self._op = op
        self._hooks = hooks
        self._span = span
        self._record = record
        self._request: httpx.Request | None = None
        self._number = 0
        self._started = _concurrency.monotonic()
        self._attempt_started = self._started

    def rate_wait(self, seconds: float) -> None:
        if self._span is not None:
            self._span.rate_wait(seconds)

    def sending(self, request: httpx.Request) -> None:
        """An attempt starts: ``request`` is about to leave."""
        self._request = request
        self._number += 1
        self._attempt_started = _concurrency.monotonic()
        if self._record is not None:
            self._record.attempts = self._number

    def succeeded(self, response: httpx.Response, body: bytes) -> None:
        """The attempt was answered with ``body`` and the call returns its data."""
        # The response was read raw and closed: hooks and the raw view get a copy
        # that holds the body (its content-encoding and length headers dropped).
        copy = readable(response, body)
        if self._record is not None:
            self._record.response = copy
            self._record.headers = response.headers
            self._record.elapsed = _concurrency.monotonic() - self._started
        self._tell(copy, None, "return", None)

    def failed(self, error: VoltError, pause: float | None) -> None:
        if isinstance(error, ConfigurationError):
            # The token callable failed as the request was being signed: nothing
            # left, so this was no attempt (the call's end says why).
            self._request = None
            self._number -= 1
            if self._record is not None:
                self._record.attempts = self._number
            return
        response = error.response if isinstance(error, APIError) else None
        self._tell(response, error, "raise" if pause is None else "retry", pause)

    def _tell(
        self,
        response: httpx.Response | None,
        error: VoltError | None,
        decision: Literal["return", "retry", "raise"],
        pause: float | None,
    ) -> None:
        request = self._request
        if request is None:
            # Refused before any request left (the deadline, the rate limit):
            # no attempt to report; the call's end says why.
            return
        self._request = None
        attempt = Attempt(
            operation=self._op.name,
            operation_type="mutation" if self._op.is_mutation else "query",
            number=self._number,
            request=request,
            response=response,
            error=error,
            elapsed=_concurrency.monotonic() - self._attempt_started,
            decision=decision,
            retry_in=pause,
        )
        if self._span is not None:
            self._span.attempt(attempt)
        for hook in self._hooks:
            try:
                hook(attempt)
            except Exception as exc:  # a hook never changes what the call does
                from ._request import logger

                logger.warning(
                    "%s: on_attempt hook %s raised %s: %s (ignored)",
                    self._op.name,
                    getattr(hook, "__qualname__", type(hook).__name__),
                    type(exc).__name__,
                    mask_phone_numbers(str(exc))[:200],
                )

    def __enter__(self) -> Watch:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._span is not None:
            self._span.end(outcome_of(self._op, exc), exc)
