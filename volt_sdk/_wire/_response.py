"""The response half of the wire: an answer (or a failure to get one) mapped to
the ``data`` of a GraphQL response or to the right :class:`VoltError`.

Nothing here does I/O; it never raises anything but a :class:`VoltError`, whatever
the server sent.
"""

from __future__ import annotations

import dataclasses
import email.utils
import json
import math
import re
import time
from collections.abc import Mapping
from typing import Any, Final, cast

import httpx

from volt_sdk._config import BearerAuth
from volt_sdk._errors import (
    APIStatusError,
    AuthenticationError,
    GraphQLError,
    GraphQLErrorDetail,
    MalformedResponseError,
    RateLimitError,
    SchemaDriftError,
    TransportError,
    VoltConnectionError,
    VoltError,
    VoltTimeoutError,
)
from volt_sdk._text import body_excerpt

from ._body import readable
from ._request import logger

__all__ = [
    "deadline_error",
    "decode",
    "graphql_error",
    "is_schema_drift",
    "log_response",
    "parse_retry_after",
    "transport_error",
    "without_token",
]

_TIMEOUT_PHASES: Final[Mapping[type[httpx.TimeoutException], str]] = {
    httpx.ConnectTimeout: "connect",
    httpx.ReadTimeout: "read",
    httpx.WriteTimeout: "write",
    httpx.PoolTimeout: "pool",
}


def decode(
    response: httpx.Response, content: bytes, operation_name: str, *, generated: bool = False
) -> dict[str, Any]:
    """The ``data`` of a response whose body is ``content``, or the right :class:`VoltError`.

    ``response`` may have been read raw and closed (the executors read the body
    themselves, with a cap): an error carries a copy that holds ``content``.
    ``generated``: the document is one of the SDK's own, so a validation error
    means Volt's schema moved (:class:`SchemaDriftError`).
    """
    status = response.status_code
    if status < 200 or status >= 300:
        raise _status_error(readable(response, content), operation_name, content, generated)
    payload = _json_object(content)
    if payload is None:
        raise _malformed(readable(response, content), operation_name, content)
    errors: object = payload.get("errors")
    data = _as_object(payload.get("data"))
    if errors:
        raise graphql_error(
            _error_details(errors), operation_name, readable(response, content), data, generated
        )
    if data is None:
        raise _malformed(
            readable(response, content), operation_name, content, "JSON without a data object"
        )
    return data


# Failures that surely happened before any byte of the request left: no
# connection was made, none was free, or the request was refused locally.
_NOT_SENT: Final = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.LocalProtocolError,
    httpx.UnsupportedProtocol,
)


def transport_error(
    exc: httpx.HTTPError, operation_name: str, url: httpx.URL, auth: BearerAuth | None = None
) -> TransportError:
    """``exc`` as a :class:`TransportError`, saying whether the request may have left.

    With ``auth``, the token is blanked out of httpx's text, should it quote it.
    """
    request = _request_of(exc)
    sent = not isinstance(exc, _NOT_SENT)
    detail = str(exc) if auth is None else auth.redact(str(exc))
    if isinstance(exc, httpx.TimeoutException):
        phase = _TIMEOUT_PHASES.get(type(exc), "read")
        return VoltTimeoutError(
            f"{operation_name}: {phase} timeout talking to {url} ({detail})",
            request=request,
            phase=phase,
            request_sent=sent,
        )
    return VoltConnectionError(
        f"{operation_name}: could not complete the request to {url}: "
        f"{type(exc).__name__}: {detail}",
        request=request,
        request_sent=sent,
    )


def without_token(error: VoltError, auth: BearerAuth) -> None:
    """Blank every token ``auth`` sent out of ``error``'s texts, in place.

    A server may echo the request's ``Authorization`` header in its answer,
    which an error quotes (its message, ``body``, GraphQL messages). The answer
    itself stays on ``error.response``, as received.
    """
    if auth.safe_cause(error) is not None:  # its text quotes no token: the usual case
        return
    error.message = auth.redact(error.message)
    error.args = (error.message,)
    if isinstance(error, (APIStatusError, MalformedResponseError)):
        error.body = auth.redact(error.body)
    if isinstance(error, GraphQLError):
        error.errors = tuple(
            dataclasses.replace(detail, message=auth.redact(detail.message))
            for detail in error.errors
        )


def deadline_error(
    operation_name: str, deadline: float, request: httpx.Request | None
) -> VoltTimeoutError:
    """The call's deadline ran out during an exchange (the request may have left)."""
    return VoltTimeoutError(
        f"{operation_name}: the call's deadline of {deadline:g}s ran out during the "
        "exchange with Volt (the server was too slow to answer in full)",
        request=request,
        phase="deadline",
        request_sent=True,
    )


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
    """GraphQL ``errors`` inside a non-2xx body, which Volt may send (docs/volt-api.md, Errors)."""
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


# What a GraphQL server says when a document asks for what its schema lacks
# (graphql-core's validation messages; Apollo's code), not about the values sent.
_DRIFT: Final = re.compile(
    r"Cannot query field|Unknown argument|Unknown type|is required, but it was not provided"
    r"|used in position expecting type|must not have a selection|must have a selection of subfields"
)
_DRIFT_CODES: Final = frozenset({"GRAPHQL_VALIDATION_FAILED"})


def is_schema_drift(detail: GraphQLErrorDetail) -> bool:
    """Whether ``detail`` is a validation error against the schema (not about the values)."""
    return detail.code in _DRIFT_CODES or _DRIFT.search(detail.message) is not None


def graphql_error(
    details: list[GraphQLErrorDetail],
    operation_name: str,
    response: httpx.Response,
    data: dict[str, Any] | None,
    generated: bool,
) -> GraphQLError:
    """A :class:`GraphQLError`, or a :class:`SchemaDriftError` for the SDK's own documents."""
    if generated and any(is_schema_drift(d) for d in details):
        return SchemaDriftError(details, operation=operation_name, response=response, data=data)
    return GraphQLError(details, operation=operation_name, response=response, data=data)


def _status_error(
    response: httpx.Response, operation_name: str, content: bytes, generated: bool
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
        return graphql_error(details, operation_name, response, data, generated)
    return APIStatusError(
        f"{operation_name}: HTTP {status} from Volt{suffix}",
        operation=operation_name,
        response=response,
        body=excerpt,
    )


def log_response(operation_name: str, response: httpx.Response, started: float) -> None:
    """One DEBUG line per response (the caller checks that DEBUG is on)."""
    logger.debug(
        "%s -> HTTP %s in %.1f ms",
        operation_name,
        response.status_code,
        (time.perf_counter() - started) * 1000,
    )
