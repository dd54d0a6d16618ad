"""The wire: one GraphQL request over httpx, and its answer mapped to data or a VoltError.

Everything here but the two ``execute`` methods is shared by the asynchronous and
the blocking client, so both follow the same rules to the letter.
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
from collections.abc import Mapping
from typing import Any, Final, cast

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
    VoltTimeoutError,
    body_excerpt,
)

__all__ = ["AsyncExecutor", "SyncExecutor", "Wire"]

logger: Final = logging.getLogger("volt_sdk")

_TIMEOUT_PHASES: Final[Mapping[type[httpx.TimeoutException], str]] = {
    httpx.ConnectTimeout: "connect",
    httpx.ReadTimeout: "read",
    httpx.WriteTimeout: "write",
    httpx.PoolTimeout: "pool",
}


class _Operation:
    """What is derived once from a GraphQL document: the start of the request body."""

    __slots__ = ("body_prefix",)

    def __init__(self, query: str, operation_name: str) -> None:
        head = json.dumps({"query": query, "operationName": operation_name}, ensure_ascii=False)
        # '{"query": ..., "operationName": ...}' -> '{..., "variables":' so that a
        # call only serializes its variables.
        self.body_prefix = (head[:-1] + ', "variables": ').encode()


class Wire:
    """The non-I/O half of a request: body encoding, headers, and response mapping."""

    __slots__ = ("_operations", "auth", "headers", "timeout", "url")

    def __init__(self, config: ClientConfig, timeout: httpx.Timeout | None) -> None:
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
        self._operations: dict[tuple[str, str], _Operation] = {}

    def operation(self, query: str, operation_name: str) -> _Operation:
        key = (query, operation_name)
        op = self._operations.get(key)
        if op is None:
            op = self._operations[key] = _Operation(query, operation_name)
        return op

    def encode(self, op: _Operation, variables: Mapping[str, Any]) -> bytes:
        return op.body_prefix + json.dumps(variables, ensure_ascii=False).encode() + b"}"

    def transport_error(self, exc: httpx.HTTPError, operation_name: str) -> TransportError:
        request = _request_of(exc)
        if isinstance(exc, httpx.TimeoutException):
            phase = _TIMEOUT_PHASES.get(type(exc), "read")
            return VoltTimeoutError(
                f"{operation_name}: {phase} timeout talking to {self.url} ({exc})",
                request=request,
                phase=phase,
            )
        return VoltConnectionError(
            f"{operation_name}: could not complete the request to {self.url}: "
            f"{type(exc).__name__}: {exc}",
            request=request,
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
    except (ValueError, UnicodeDecodeError):
        return None
    return _as_object(payload)


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
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds:  # NaN
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
    """Sends one GraphQL request with an :class:`httpx.AsyncClient`."""

    __slots__ = ("_http", "_wire")

    def __init__(self, wire: Wire, http_client: httpx.AsyncClient) -> None:
        self._wire = wire
        self._http = http_client

    async def execute(
        self, query: str, operation_name: str, variables: dict[str, Any]
    ) -> dict[str, Any]:
        wire = self._wire
        op = wire.operation(query, operation_name)
        content = wire.encode(op, variables)
        started = time.perf_counter()
        try:
            response = await self._http.post(
                wire.url,
                content=content,
                headers=wire.headers,
                auth=wire.auth,
                timeout=wire.timeout if wire.timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.HTTPError as exc:
            raise wire.transport_error(exc, operation_name) from exc
        if logger.isEnabledFor(logging.DEBUG):
            _log(operation_name, response, started)
        return wire.decode(response, operation_name)


class SyncExecutor:
    """Sends one GraphQL request with an :class:`httpx.Client`."""

    __slots__ = ("_http", "_wire")

    def __init__(self, wire: Wire, http_client: httpx.Client) -> None:
        self._wire = wire
        self._http = http_client

    def execute(self, query: str, operation_name: str, variables: dict[str, Any]) -> dict[str, Any]:
        wire = self._wire
        op = wire.operation(query, operation_name)
        content = wire.encode(op, variables)
        started = time.perf_counter()
        try:
            response = self._http.post(
                wire.url,
                content=content,
                headers=wire.headers,
                auth=wire.auth,
                timeout=wire.timeout if wire.timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.HTTPError as exc:
            raise wire.transport_error(exc, operation_name) from exc
        if logger.isEnabledFor(logging.DEBUG):
            _log(operation_name, response, started)
        return wire.decode(response, operation_name)


def _log(operation_name: str, response: httpx.Response, started: float) -> None:
    logger.debug(
        "%s -> HTTP %s in %.1f ms",
        operation_name,
        response.status_code,
        (time.perf_counter() - started) * 1000,
    )
