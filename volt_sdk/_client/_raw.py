"""A method's result with the HTTP response it came from: :class:`RawResponse`.

``volt.with_raw_response.send_message(...)`` runs the method as usual (same
arguments, retries, deadline, errors) with a :class:`CallRecord` set for the
call, which the executor fills; the wrapper returns the parsed result together
with what the record holds. The two wrappers below are the only code written
twice (one awaits, one does not); the classes that apply them to every method
are generated (``_async_raw.py`` -> ``_sync_raw.py``).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Generic, ParamSpec, TypeVar

import httpx

from volt_sdk._errors import request_id_of
from volt_sdk._wire import RECORD, CallRecord

__all__ = ["RawResponse", "async_raw", "sync_raw"]

_T = TypeVar("_T")
_P = ParamSpec("_P")


@dataclass(frozen=True)
class RawResponse(Generic[_T]):
    """A method's usual result (``parsed``) with the HTTP exchange that produced it."""

    parsed: _T
    """What the method returns without ``with_raw_response`` (a :class:`Message`, a
    :class:`Contact`, the ``data`` dict of ``execute``)."""
    status_code: int
    """The HTTP status of the answer."""
    headers: httpx.Headers
    """The answer's headers."""
    request_id: str | None
    """Volt's request id header (``x-request-id``), when sent; quote it when you ask Volt
    about a call."""
    elapsed: timedelta
    """From the first attempt to the answer, every retry and wait included."""
    attempts: int
    """Requests sent for this call (1 unless it was retried)."""
    http_response: httpx.Response
    """The :class:`httpx.Response`, holding the body (decompressed; its ``content-encoding``
    and ``content-length`` headers dropped)."""


def _raw_response(parsed: _T, record: CallRecord) -> RawResponse[_T]:
    response = record.response
    if response is None or record.headers is None:  # every method sends a request
        raise RuntimeError("with_raw_response: the call returned without an HTTP response")
    return RawResponse(
        parsed=parsed,
        status_code=response.status_code,
        headers=record.headers,
        request_id=request_id_of(response),
        elapsed=timedelta(seconds=record.elapsed),
        attempts=record.attempts,
        http_response=response,
    )


def async_raw(method: Callable[_P, Awaitable[_T]]) -> Callable[_P, Awaitable[RawResponse[_T]]]:
    """``method`` returning a :class:`RawResponse` of its result (async)."""

    @functools.wraps(method)
    async def call(*args: _P.args, **kwargs: _P.kwargs) -> RawResponse[_T]:
        record = CallRecord()
        token = RECORD.set(record)
        try:
            parsed = await method(*args, **kwargs)
        finally:
            RECORD.reset(token)
        return _raw_response(parsed, record)

    return call


def sync_raw(method: Callable[_P, _T]) -> Callable[_P, RawResponse[_T]]:
    """``method`` returning a :class:`RawResponse` of its result (blocking)."""

    @functools.wraps(method)
    def call(*args: _P.args, **kwargs: _P.kwargs) -> RawResponse[_T]:
        record = CallRecord()
        token = RECORD.set(record)
        try:
            parsed = method(*args, **kwargs)
        finally:
            RECORD.reset(token)
        return _raw_response(parsed, record)

    return call
