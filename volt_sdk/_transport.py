"""The wire: one GraphQL request over httpx, and its answer mapped to data or a VoltError.

Everything here but the two ``execute`` methods is shared by the asynchronous and
the blocking client, so both follow the same rules to the letter.
"""

from __future__ import annotations

import copy
import email.utils
import json
import logging
import math
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, cast

import httpx

from ._config import BearerAuth, ClientConfig
from ._errors import (
    APIStatusError,
    AuthenticationError,
    GraphQLError,
    GraphQLErrorDetail,
    MalformedResponseError,
    RateLimitError,
    TransportError,
    VoltConnectionError,
    VoltError,
    VoltTimeoutError,
    body_excerpt,
)
from ._retry import RetryPolicy, TokenBucket

if TYPE_CHECKING:
    import asyncio

__all__ = ["AsyncExecutor", "SyncExecutor", "Wire"]

logger: Final = logging.getLogger("volt_sdk")

# The waits of retries and of the rate limit (module names, so tests can stand in).
_sleep = time.sleep


async def _async_sleep(seconds: float) -> None:
    # asyncio is imported here, not at the top: the blocking client never needs
    # it, and importing it is a tenth of `from volt_sdk import Volt` (bench/imports.py).
    import asyncio

    await asyncio.sleep(seconds)


# What the client's rate limit (messages per second) counts.
RATE_LIMITED_OPERATIONS: Final = frozenset({"CreateMessage"})

_TIMEOUT_PHASES: Final[Mapping[type[httpx.TimeoutException], str]] = {
    httpx.ConnectTimeout: "connect",
    httpx.ReadTimeout: "read",
    httpx.WriteTimeout: "write",
    httpx.PoolTimeout: "pool",
}


class _Operation:
    """What is derived once from a GraphQL document: the start of the body, its kind."""

    __slots__ = ("body_prefix", "is_mutation", "name", "rate_limited")

    def __init__(self, query: str, operation_name: str, rate_limited: bool) -> None:
        self.name = operation_name
        self.is_mutation = query.lstrip().startswith("mutation")
        self.rate_limited = rate_limited
        head = json.dumps({"query": query, "operationName": operation_name}, ensure_ascii=False)
        # '{"query": ..., "operationName": ...}' -> '{..., "variables":' so that a
        # call only serializes its variables.
        self.body_prefix = (head[:-1] + ', "variables": ').encode()


class Wire:
    """The non-I/O half of a request: body, headers, retry decisions, response mapping."""

    __slots__ = ("_longest", "_operations", "auth", "bucket", "headers", "policy", "timeout", "url")

    def __init__(
        self,
        config: ClientConfig,
        timeout: httpx.Timeout | None,
        policy: RetryPolicy,
        bucket: TokenBucket | None,
    ) -> None:
        # Parsed once: httpx re-parses a str URL on every request (about 10 us).
        self.url = httpx.URL(config.base_url)
        self.auth = BearerAuth(config.token)
        self.headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": config.user_agent,
        }
        # None: the caller's own http_client decides the timeout.
        self.timeout = timeout
        self.policy = policy
        # Messages per second, shared by every clone of the client (with_options).
        self.bucket = bucket
        self._operations: dict[tuple[str, str], _Operation] = {}
        # (timeout, its longest phase): one tuple, so threads never see a torn pair.
        self._longest: tuple[httpx.Timeout | None, float] = (None, 0.0)

    def with_options(self, timeout: httpx.Timeout | None, policy: RetryPolicy) -> Wire:
        """A copy with other timeout and retry settings, sharing the rest."""
        clone = copy.copy(self)
        clone.timeout = timeout
        clone.policy = policy
        return clone

    def operation(self, query: str, operation_name: str) -> _Operation:
        key = (query, operation_name)
        op = self._operations.get(key)
        if op is None:
            op = _Operation(query, operation_name, operation_name in RATE_LIMITED_OPERATIONS)
            self._operations[key] = op
        return op

    def attempt_timeout(
        self, op: _Operation, deadline_at: float, client_timeout: httpx.Timeout
    ) -> httpx.Timeout:
        """This attempt's timeout: the configured one, cut to what is left of the deadline."""
        remaining = deadline_at - time.monotonic()
        if remaining <= 0:
            raise VoltTimeoutError(
                f"{op.name}: the call's deadline of {self.policy.deadline:g}s ran out "
                "before another attempt could start",
                phase="deadline",
                request_sent=False,
            )
        timeout = self.timeout if self.timeout is not None else client_timeout
        cached, longest = self._longest
        if cached is not timeout:  # computed once per timeout object, not per request
            longest = _longest_phase(timeout)
            self._longest = (timeout, longest)
        if longest <= remaining:
            return timeout

        def cap(phase: float | None) -> float:
            return remaining if phase is None else min(phase, remaining)

        return httpx.Timeout(
            connect=cap(timeout.connect),
            read=cap(timeout.read),
            write=cap(timeout.write),
            pool=cap(timeout.pool),
        )

    def rate_wait(self, op: _Operation, deadline_at: float) -> float:
        """Seconds to wait for the rate limit before sending ``op`` (0 if not limited)."""
        if not op.rate_limited or self.bucket is None:
            return 0.0
        wait = self.bucket.reserve()
        if wait and time.monotonic() + wait >= deadline_at:
            raise VoltTimeoutError(
                f"{op.name}: the client's rate limit ({self.bucket.rate:g}/s) would delay "
                f"this past the call's deadline of {self.policy.deadline:g}s",
                phase="deadline",
                request_sent=False,
            )
        return wait

    def retry_pause(
        self, error: VoltError, op: _Operation, retries_done: int, deadline_at: float
    ) -> float | None:
        """How long to wait before retrying after ``error``, or None to give up."""
        policy = self.policy
        if not policy.should_retry(error, is_mutation=op.is_mutation, retries_done=retries_done):
            return None
        pause = policy.delay(error, retries_done)
        if time.monotonic() + pause >= deadline_at:
            return None  # no wait runs past the deadline
        logger.info(
            "%s: retry %d of %d in %.2fs after: %s",
            op.name,
            retries_done + 1,
            policy.max_retries,
            pause,
            error.message,
        )
        return pause

    def encode(self, op: _Operation, variables: Mapping[str, Any]) -> bytes:
        return op.body_prefix + json.dumps(variables, ensure_ascii=False).encode() + b"}"

    def transport_error(self, exc: httpx.HTTPError, operation_name: str) -> TransportError:
        request = _request_of(exc)
        # Nothing reached Volt when no connection was made or none was free.
        sent = not isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
        if isinstance(exc, httpx.TimeoutException):
            phase = _TIMEOUT_PHASES.get(type(exc), "read")
            return VoltTimeoutError(
                f"{operation_name}: {phase} timeout talking to {self.url} ({exc})",
                request=request,
                phase=phase,
                request_sent=sent,
            )
        return VoltConnectionError(
            f"{operation_name}: could not complete the request to {self.url}: "
            f"{type(exc).__name__}: {exc}",
            request=request,
            request_sent=sent,
        )

    def decode(self, response: httpx.Response, operation_name: str) -> dict[str, Any]:
        """The ``data`` of a successful response, or the right :class:`VoltError`."""
        status = response.status_code
        content = response.content
        if status < 200 or status >= 300:
            raise _status_error(response, operation_name, content)
        payload = _json_object(content)
        if payload is None:
            raise _malformed(response, operation_name, content)
        errors: object = payload.get("errors")
        data = _as_object(payload.get("data"))
        if errors:
            raise GraphQLError(
                _error_details(errors), operation=operation_name, response=response, data=data
            )
        if data is None:
            raise _malformed(response, operation_name, content, "JSON without a data object")
        return data


def _as_object(value: object) -> dict[str, Any] | None:
    """``value`` if it is a JSON object (a dict), else None."""
    return cast("dict[str, Any]", value) if isinstance(value, dict) else None


def _json_object(content: bytes) -> dict[str, Any] | None:
    """The JSON object in ``content``, or None when it is not JSON or not an object."""
    try:
        payload: object = json.loads(content)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None
    return _as_object(payload)


def _longest_phase(timeout: httpx.Timeout) -> float:
    phases = (timeout.connect, timeout.read, timeout.write, timeout.pool)
    return float("inf") if None in phases else max(p for p in phases if p is not None)


def _request_of(exc: httpx.HTTPError) -> httpx.Request | None:
    try:
        return exc.request
    except RuntimeError:  # httpx raises when no request is attached
        return None


def _malformed(
    response: httpx.Response, operation_name: str, content: bytes, what: str | None = None
) -> MalformedResponseError:
    text = content.decode("utf-8", "replace")
    if what is None:
        content_type = response.headers.get("content-type", "")
        looks_html = "html" in content_type or text.lstrip()[:15].lower().startswith(
            ("<!doctype", "<html")
        )
        if looks_html:
            what = "an HTML page, not JSON"
        elif not text.strip():
            what = "an empty body"
        else:
            what = "a body that is not a GraphQL JSON object"
    return MalformedResponseError(
        f"{operation_name}: Volt answered HTTP {response.status_code} with {what}: "
        f"{body_excerpt(text)!r}",
        operation=operation_name,
        response=response,
        body=body_excerpt(text),
    )


def _error_details(errors: object) -> list[GraphQLErrorDetail]:
    """Each entry of ``errors`` as sent, however malformed (never raises)."""
    entries = cast("list[object]", errors) if isinstance(errors, list) else [errors]
    details: list[GraphQLErrorDetail] = []
    for item in entries:
        entry = _as_object(item)
        if entry is None:
            details.append(GraphQLErrorDetail(message=str(item)))
            continue
        path: object = entry.get("path")
        locations: object = entry.get("locations")
        details.append(
            GraphQLErrorDetail(
                message=str(entry.get("message", "")) or "(no message)",
                path=(
                    tuple(p for p in cast("list[object]", path) if isinstance(p, (str, int)))
                    if isinstance(path, list)
                    else None
                ),
                locations=(
                    tuple(
                        loc
                        for loc in map(_as_object, cast("list[object]", locations))
                        if loc is not None
                    )
                    if isinstance(locations, list)
                    else None
                ),
                extensions=_as_object(entry.get("extensions")) or {},
            )
        )
    return details


def _graphql_messages(
    content: bytes,
) -> tuple[list[GraphQLErrorDetail], dict[str, Any] | None] | None:
    """GraphQL ``errors`` inside a non-2xx body, which Volt may send (REFERENCE 8.1)."""
    payload = _json_object(content)
    if payload is not None and payload.get("errors"):
        return _error_details(payload["errors"]), _as_object(payload.get("data"))
    return None


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
            seconds = when.timestamp() - (time.time() if now is None else now)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    if not math.isfinite(seconds):  # "inf", "1e999", NaN: no usable advice
        return None
    return max(0.0, seconds)


def _status_error(
    response: httpx.Response, operation_name: str, content: bytes
) -> APIStatusError | GraphQLError:
    status = response.status_code
    text = content.decode("utf-8", "replace")
    excerpt = body_excerpt(text)
    graphql = _graphql_messages(content)
    detail = "; ".join(e.message for e in graphql[0]) if graphql else excerpt
    suffix = f": {detail}" if detail else ""
    if status in (401, 403):
        what = "the API token was refused" if status == 401 else "the API token lacks a permission"
        return AuthenticationError(
            f"{operation_name}: HTTP {status}, {what} (check VOLT_API_TOKEN and its scopes)"
            f"{suffix}",
            operation=operation_name,
            response=response,
            body=excerpt,
        )
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        hint = f"; retry after {retry_after:g}s" if retry_after is not None else ""
        return RateLimitError(
            f"{operation_name}: HTTP 429, rate limited by Volt{hint}{suffix}",
            operation=operation_name,
            response=response,
            body=excerpt,
            retry_after=retry_after,
        )
    if graphql and 400 <= status < 500:
        # A GraphQL server refusing the document or its variables.
        details, data = graphql
        return GraphQLError(details, operation=operation_name, response=response, data=data)
    return APIStatusError(
        f"{operation_name}: HTTP {status} from Volt{suffix}",
        operation=operation_name,
        response=response,
        body=excerpt,
    )


class AsyncExecutor:
    """Runs one GraphQL operation with an :class:`httpx.AsyncClient`: every attempt,
    wait and retry of it, within its deadline, its rate and the concurrency cap."""

    __slots__ = ("_gate", "_http", "_wire")

    def __init__(
        self, wire: Wire, http_client: httpx.AsyncClient, gate: asyncio.Semaphore | None
    ) -> None:
        self._wire = wire
        self._http = http_client
        self._gate = gate

    async def execute(
        self, query: str, operation_name: str, variables: dict[str, Any]
    ) -> dict[str, Any]:
        wire = self._wire
        op = wire.operation(query, operation_name)
        content = wire.encode(op, variables)
        deadline_at = time.monotonic() + wire.policy.deadline
        retries = 0
        while True:
            try:
                wait = wire.rate_wait(op, deadline_at)
                if wait:
                    await _async_sleep(wait)
                timeout = wire.attempt_timeout(op, deadline_at, self._http.timeout)
                if self._gate is None:
                    response = await self._send(content, timeout, op)
                else:
                    async with self._gate:
                        response = await self._send(content, timeout, op)
                return wire.decode(response, operation_name)
            except VoltError as error:
                pause = wire.retry_pause(error, op, retries, deadline_at)
                if pause is None:
                    raise
            retries += 1
            await _async_sleep(pause)

    async def _send(self, content: bytes, timeout: httpx.Timeout, op: _Operation) -> httpx.Response:
        wire = self._wire
        started = time.perf_counter()
        try:
            response = await self._http.post(
                wire.url, content=content, headers=wire.headers, auth=wire.auth, timeout=timeout
            )
        except httpx.HTTPError as exc:
            raise wire.transport_error(exc, op.name) from exc
        if logger.isEnabledFor(logging.DEBUG):
            _log(op.name, response, started)
        return response


class SyncExecutor:
    """Runs one GraphQL operation with an :class:`httpx.Client` (see :class:`AsyncExecutor`)."""

    __slots__ = ("_gate", "_http", "_wire")

    def __init__(
        self, wire: Wire, http_client: httpx.Client, gate: threading.BoundedSemaphore | None
    ) -> None:
        self._wire = wire
        self._http = http_client
        self._gate = gate

    def execute(self, query: str, operation_name: str, variables: dict[str, Any]) -> dict[str, Any]:
        wire = self._wire
        op = wire.operation(query, operation_name)
        content = wire.encode(op, variables)
        deadline_at = time.monotonic() + wire.policy.deadline
        retries = 0
        while True:
            try:
                wait = wire.rate_wait(op, deadline_at)
                if wait:
                    _sleep(wait)
                timeout = wire.attempt_timeout(op, deadline_at, self._http.timeout)
                if self._gate is None:
                    response = self._send(content, timeout, op)
                else:
                    with self._gate:
                        response = self._send(content, timeout, op)
                return wire.decode(response, operation_name)
            except VoltError as error:
                pause = wire.retry_pause(error, op, retries, deadline_at)
                if pause is None:
                    raise
            retries += 1
            _sleep(pause)

    def _send(self, content: bytes, timeout: httpx.Timeout, op: _Operation) -> httpx.Response:
        wire = self._wire
        started = time.perf_counter()
        try:
            response = self._http.post(
                wire.url, content=content, headers=wire.headers, auth=wire.auth, timeout=timeout
            )
        except httpx.HTTPError as exc:
            raise wire.transport_error(exc, op.name) from exc
        if logger.isEnabledFor(logging.DEBUG):
            _log(op.name, response, started)
        return response


def _log(operation_name: str, response: httpx.Response, started: float) -> None:
    logger.debug(
        "%s -> HTTP %s in %.1f ms",
        operation_name,
        response.status_code,
        (time.perf_counter() - started) * 1000,
    )
