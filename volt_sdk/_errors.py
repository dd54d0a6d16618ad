"""Every error volt-sdk raises, rooted at :class:`VoltError`.

The tree::

    VoltError
    ├── ConfigurationError            bad or missing client settings (also a ValueError)
    ├── ValidationError               bad input, refused before any request (also a ValueError)
    │   ├── InvalidPhoneNumberError   not a usable phone number
    │   ├── InvalidMessageError       body / media refused (empty body, bad media URL, ...)
    │   └── RecipientSuppressedError  the recipient opted out (STOP); nothing sent
    ├── TransportError                the request did not complete
    │   ├── VoltConnectionError       could not connect, or the connection dropped
    │   └── VoltTimeoutError          connect, read, write, pool timeout, or the call's deadline
    ├── APIError                      Volt answered, and the answer is an error
    │   ├── APIStatusError            a non-2xx HTTP status
    │   │   ├── AuthenticationError   401 / 403: bad, expired or under-scoped token
    │   │   └── RateLimitError        429, with ``retry_after`` when Volt said
    │   ├── MalformedResponseError    not JSON, an HTML error page, JSON without ``data``
    │   │   └── ResponseTooLargeError the answer is larger than ``max_response_bytes``
    │   ├── GraphQLError              ``errors`` in the body; messages, extensions, partial data
    │   │   └── SchemaDriftError      Volt refused one of the SDK's own operations as invalid
    │   └── NotFoundError             a ``get_*`` whose result is null
    ├── MessageOutcomeUnknownError    a send that may or may not have reached Volt
    ├── WaitTimeoutError              ``wait_for_status`` gave up before a final status
    ├── LimiterUnavailableError       a shared limit's store (Redis) did not answer; nothing sent
    └── StoreUnavailableError         the suppression list did not answer; nothing sent

Every error a user sees is a :class:`VoltError`: httpx and pydantic exceptions
are translated at the boundary and never escape raw. No error's text or repr ever
contains the API token, and no error's text is longer than about
``MAX_MESSAGE_CHARS`` characters, whatever the server sent: the full data stays
on the error's attributes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    import httpx

    from ._models import Message

__all__ = [
    "APIError",
    "APIStatusError",
    "AuthenticationError",
    "ConfigurationError",
    "GraphQLError",
    "GraphQLErrorDetail",
    "InvalidMessageError",
    "InvalidPhoneNumberError",
    "LimiterUnavailableError",
    "MalformedResponseError",
    "MessageOutcomeUnknownError",
    "NotFoundError",
    "RateLimitError",
    "RecipientSuppressedError",
    "ResponseTooLargeError",
    "SchemaDriftError",
    "StoreUnavailableError",
    "TransportError",
    "ValidationError",
    "VoltConnectionError",
    "VoltError",
    "VoltTimeoutError",
    "WaitTimeoutError",
]

# The text rules of error messages live in ``_text``; imported here, where they always were.
from ._text import (
    bounded,
    bounded_join,
    quote_value,
)


class VoltError(Exception):
    """Base class of every error raised by volt-sdk."""

    message: str
    """The error's text (also ``str(error)``), cut to about 1000 characters."""

    def __init__(self, message: str) -> None:
        message = bounded(message)
        super().__init__(message)
        self.message = message


class ConfigurationError(VoltError, ValueError):
    """The client cannot be built as configured (missing token, bad URL, ...)."""


class ValidationError(VoltError, ValueError):
    """An argument was refused before any request was sent."""

    argument: str
    """The parameter refused (``"to"``, ``"media[1]"``)."""
    value: object
    """What was given for it."""
    reason: str
    """Why, as a short code (``"too_short"``, ``"empty_body"``...)."""

    def __init__(self, message: str, *, argument: str, value: object, reason: str) -> None:
        super().__init__(message)
        self.argument = argument
        self.value = value
        self.reason = reason


class InvalidPhoneNumberError(ValidationError):
    """A phone number argument could not be turned into E.164.

    ``reason`` is one of ``"not_a_number"``, ``"missing_country_code"``,
    ``"invalid_country_code"``, ``"too_short"``, ``"too_long"``,
    ``"invalid_length"``, ``"has_extension"`` or ``"not_valid"`` (strict checking
    only).
    """


class InvalidMessageError(ValidationError):
    """A message's body or media was refused before sending."""


class RecipientSuppressedError(ValidationError):
    """The recipient opted out (a STOP recorded in the suppression list): nothing was sent.

    ``argument`` is ``"to"``, ``reason`` is ``"suppressed"``; ``entry`` is the
    :class:`~volt_sdk.stores.SuppressionEntry` that says when and by which keyword.
    """

    entry: object
    """The suppression list's entry for the number."""

    def __init__(self, message: str, *, value: object, entry: object) -> None:
        super().__init__(message, argument="to", value=value, reason="suppressed")
        self.entry = entry


class TransportError(VoltError):
    """The HTTP exchange did not complete."""

    request: httpx.Request | None
    """The :class:`httpx.Request` that was attempted, when one was built."""
    request_sent: bool
    """False only when the request surely never reached Volt (no connection made or free)."""

    def __init__(
        self, message: str, *, request: httpx.Request | None = None, request_sent: bool = True
    ) -> None:
        super().__init__(message)
        self.request = request
        self.request_sent = request_sent


class VoltConnectionError(TransportError):
    """Could not connect to Volt, or the connection broke during the exchange."""


class VoltTimeoutError(TransportError):
    """A timeout. ``phase`` is ``connect``, ``read``, ``write``, ``pool``, or
    ``deadline`` when the call's overall time budget ran out before an attempt."""

    phase: str
    """``connect``, ``read``, ``write``, ``pool``, or ``deadline`` (the call's budget)."""

    def __init__(
        self,
        message: str,
        *,
        request: httpx.Request | None = None,
        phase: str = "read",
        request_sent: bool = True,
    ) -> None:
        super().__init__(message, request=request, request_sent=request_sent)
        self.phase = phase


class APIError(VoltError):
    """Volt answered, and the answer is an error."""

    operation: str | None
    """The GraphQL operation's name."""
    status_code: int | None
    """The HTTP status of the answer."""
    request_id: str | None
    """Volt's request id header, when sent: quote it when you ask Volt about a call."""
    response: httpx.Response | None
    """The :class:`httpx.Response`, when there is one."""

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        response: httpx.Response | None = None,
    ) -> None:
        super().__init__(message)
        self.operation = operation
        self.response = response
        self.status_code = response.status_code if response is not None else None
        self.request_id = request_id_of(response)


def request_id_of(response: httpx.Response | None) -> str | None:
    """The request id header of ``response`` (``x-request-id``), when there is one."""
    if response is None:
        return None
    headers = response.headers
    value: str | None = headers.get("x-request-id") or headers.get("x-amzn-requestid")
    return value


class APIStatusError(APIError):
    """Volt answered with a non-2xx HTTP status. ``body`` is a short excerpt."""

    body: str
    """A short excerpt of the answer's body."""

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        response: httpx.Response | None = None,
        body: str = "",
    ) -> None:
        super().__init__(message, operation=operation, response=response)
        self.body = body


class AuthenticationError(APIStatusError):
    """401 or 403: the token is missing, wrong, expired or lacks a permission."""


class RateLimitError(APIStatusError):
    """429: too many requests. ``retry_after`` is in seconds, when Volt said."""

    retry_after: float | None
    """Seconds Volt asked to wait (``Retry-After``), when it said."""

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        response: httpx.Response | None = None,
        body: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, operation=operation, response=response, body=body)
        self.retry_after = retry_after


class MalformedResponseError(APIError):
    """The response is not a GraphQL response: not JSON, HTML, or JSON without ``data``."""

    body: str
    """A short excerpt of the answer's body."""

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        response: httpx.Response | None = None,
        body: str = "",
    ) -> None:
        super().__init__(message, operation=operation, response=response)
        self.body = body


class ResponseTooLargeError(MalformedResponseError):
    """The answer is larger than the client's ``max_response_bytes`` (after
    decompression); it was not read further. ``limit`` is that cap, in bytes."""

    limit: int
    """The cap the answer went over, in bytes (``max_response_bytes``)."""

    def __init__(
        self,
        message: str,
        *,
        limit: int,
        operation: str | None = None,
        response: httpx.Response | None = None,
    ) -> None:
        super().__init__(message, operation=operation, response=response)
        self.limit = limit


@dataclass(frozen=True)
class GraphQLErrorDetail:
    """One entry of a GraphQL response's ``errors`` list, as Volt sent it."""

    message: str
    """The error's text, as Volt sent it."""
    path: tuple[str | int, ...] | None = None
    """Where in the response the error happened (field names and list indexes), if sent."""
    locations: tuple[Mapping[str, Any], ...] | None = None
    """Where in the query document the error was found, if sent."""
    extensions: Mapping[str, Any] = field(default_factory=dict[str, Any])
    """Whatever else Volt sent with the error (``code`` reads its ``code``)."""

    @property
    def code(self) -> str | None:
        """``extensions.code`` when present (Volt may not send one: docs/volt-api.md, Errors)."""
        code = self.extensions.get("code")
        return code if isinstance(code, str) else None


class GraphQLError(APIError):
    """The response carried GraphQL ``errors``."""

    errors: tuple[GraphQLErrorDetail, ...]
    """Every entry of the response's ``errors``, with its ``extensions``."""
    data: Mapping[str, Any] | None
    """The partial data that came with the errors, if any (queries may return some)."""
    hint: ClassVar[str] = ""
    """What a subclass adds to the message: what the errors mean and what to do."""

    def __init__(
        self,
        errors: Sequence[GraphQLErrorDetail],
        *,
        operation: str | None = None,
        response: httpx.Response | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        messages = bounded_join((e.message for e in errors), "; ") or "unknown error"
        prefix = f"{operation}: " if operation else ""
        suffix = f" ({self.hint})" if self.hint else ""
        super().__init__(f"{prefix}{messages}{suffix}", operation=operation, response=response)
        self.errors = tuple(errors)
        self.data = data

    @property
    def messages(self) -> list[str]:
        """The ``message`` of every entry of ``errors``, in order."""
        return [e.message for e in self.errors]


class SchemaDriftError(GraphQLError):
    """Volt refused one of the SDK's own operations as invalid against its schema.

    An unknown field, argument or type: Volt's schema has moved away from the one
    this SDK was generated from (it was reconstructed, not introspected: see the
    README, "Schema upgrades"). Nothing was carried out. Run ``volt schema pull``
    and ``volt schema diff`` to see what changed. Operations run through
    ``execute()`` raise a plain :class:`GraphQLError` instead: their documents are
    the caller's.
    """

    hint: ClassVar[str] = (
        "Volt's schema no longer matches the one this SDK was generated from: "
        "run `volt schema pull` and `volt schema diff`"
    )
    """Added to the message: the schema moved, and how to see what changed."""


class NotFoundError(APIError):
    """A lookup (``get_*``) returned null: no such object for this organization."""

    resource: str
    """What was looked up (``"message"``, ``"contact"``, ``"list"``...)."""
    lookup: Mapping[str, object]
    """The arguments of the lookup (``{"id": ...}``)."""

    def __init__(
        self,
        resource: str,
        lookup: Mapping[str, object],
        *,
        operation: str | None = None,
    ) -> None:
        keys = ", ".join(f"{k}={quote_value(v, 80)}" for k, v in lookup.items())
        super().__init__(f"{resource} not found ({keys})", operation=operation)
        self.resource = resource
        self.lookup = dict(lookup)


class MessageOutcomeUnknownError(VoltError):
    """A ``createMessage`` attempt may have reached Volt, and its outcome is unknown.

    Raised instead of the transport or status error (kept as ``__cause__`` and
    ``cause``) when the request may have been processed: a read timeout, a
    connection dropped after sending, a 5xx, a garbled answer. Sending again
    could text the person twice; find out first with the client's
    ``reconcile_message(error)``, which looks for the message in the
    conversation.
    """

    to: str
    """The recipient, as sent (E.164)."""
    from_: str
    """The sender, as sent."""
    body: str
    """The text sent."""
    media: tuple[str, ...]
    """The media URLs sent."""
    passthrough: str | None
    """The client reference the SDK tagged the message with (for reconciling)."""
    started_at: float
    """When the call began (UNIX seconds, the client's clock)."""
    cause: VoltError
    """The transport or status error behind the doubt (also ``__cause__``)."""

    def __init__(
        self,
        *,
        to: str,
        from_: str,
        body: str,
        media: Sequence[str],
        passthrough: str | None,
        started_at: float,
        cause: VoltError,
    ) -> None:
        super().__init__(
            f"CreateMessage: the outcome is unknown, the message to {to} may or may not "
            f"have been sent ({cause.message}); do not resend blindly: reconcile it first "
            f"(passthrough {passthrough!r})"
        )
        self.to = to
        self.from_ = from_
        self.body = body
        self.media = tuple(media)
        self.passthrough = passthrough
        self.started_at = started_at
        self.cause = cause


class WaitTimeoutError(VoltError):
    """``wait_for_status`` gave up: the message had no status in ``until`` in time."""

    message_id: str
    """The id of the message waited for."""
    last: Message | None
    """The last :class:`Message` seen (``None`` if no poll succeeded)."""
    timeout: float
    """The seconds waited."""
    until: tuple[str, ...]
    """The statuses waited for."""
    last_error: VoltError | None
    """The last poll's error, when it failed for a passing reason (rate limit, 5xx, network)."""

    def __init__(
        self,
        *,
        message_id: str,
        last: Message | None,
        timeout: float,
        until: Sequence[str],
        last_error: VoltError | None = None,
    ) -> None:
        status = (last.status if last is not None else None) or "(no status)"
        why = f"; the last poll failed: {last_error.message}" if last_error is not None else ""
        super().__init__(
            f"message {message_id} is still {status} after {timeout:g}s; "
            f"waited for {', '.join(until)}{why}"
        )
        self.message_id = message_id
        self.last = last
        self.timeout = timeout
        self.until = tuple(until)
        self.last_error = last_error


class LimiterUnavailableError(VoltError):
    """A shared limit's Redis did not answer: nothing was sent (:mod:`volt_sdk.limits`)."""

    limiter: str
    """What could not be asked, e.g. ``"RedisRateLimiter('volt:sms')"``."""

    def __init__(self, message: str, *, limiter: str) -> None:
        super().__init__(message)
        self.limiter = limiter


class StoreUnavailableError(VoltError):
    """The suppression list could not be read: nothing was sent (:mod:`volt_sdk.stores`)."""

    store: str
    """What could not be read, e.g. ``"RedisSuppressionList"``."""

    def __init__(self, message: str, *, store: str) -> None:
        super().__init__(message)
        self.store = store
