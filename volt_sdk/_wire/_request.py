"""The request half of the wire: the body, the headers, and every decision made
before and between attempts (this attempt's timeout, the rate limit's wait, the
pause before a retry).

Nothing here does I/O; the executors (``_async_executor`` and its generated
blocking twin) ask these questions and do the waiting.
"""

from __future__ import annotations

import copy
import itertools
import json
import logging
import secrets
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import httpx

from volt_sdk import _concurrency
from volt_sdk._config import (
    DEFAULT_MAX_RESPONSE_BYTES,
    NOT_GIVEN,
    BearerAuth,
    ClientConfig,
    NotGiven,
    merged_headers,
)
from volt_sdk._errors import ValidationError, VoltError, VoltTimeoutError
from volt_sdk._logs import error_summary, package_logger

from ._body import ACCEPT_ENCODING
from ._retry import RetryPolicy, TokenBucket

if TYPE_CHECKING:
    from ._attempt import AttemptHook
    from ._limits import RateLimiter

__all__ = [
    "DEADLINE_MARGIN",
    "RATE_LIMITED_OPERATIONS",
    "Operation",
    "Wire",
    "client_reference",
    "log_request",
    "logger",
]

# Masks phone numbers in every record (_logs); the sole logger of the wire.
logger: Final = package_logger()

#: Seconds past its deadline a call may still take: the deadline cuts every
#: phase's timeout first; this backstop (cancelling the task, cutting the
#: socket) only catches a server that trickles bytes within those timeouts.
DEADLINE_MARGIN: Final = 0.25

# What the client's rate limit (messages per second) counts.
RATE_LIMITED_OPERATIONS: Final = frozenset({"CreateMessage"})

# A random prefix per process and a counter: unique across processes, and cheap.
_REFERENCE_PREFIX: Final = f"vsdk-{secrets.token_hex(6)}-"
_reference_counter = itertools.count(1)


def client_reference() -> str:
    """A new client reference for ``passthrough`` (``vsdk-<12 hex>-<counter>``)."""
    return f"{_REFERENCE_PREFIX}{next(_reference_counter):x}"


class Operation:
    """What is derived once from a GraphQL document: the start of the body, its kind.

    ``generated`` is true for the SDK's own operations (``queries/operations``),
    false for a document passed to ``execute()``; only the former can drift
    from Volt's schema (:class:`SchemaDriftError`). ``operation_name`` is what
    the body says (None: not sent); ``name`` what errors, logs and spans call it
    (default: the operation name, else ``query`` or ``mutation``).
    """

    __slots__ = ("body_prefix", "generated", "is_mutation", "name", "rate_limited", "sends")

    def __init__(
        self,
        query: str,
        operation_name: str | None,
        rate_limited: bool,
        *,
        is_mutation: bool | None = None,
        generated: bool = True,
        sends: int = 1,
        name: str | None = None,
    ) -> None:
        self.is_mutation = (
            query.lstrip().startswith("mutation") if is_mutation is None else is_mutation
        )
        self.name = name or operation_name or ("mutation" if self.is_mutation else "query")
        self.rate_limited = rate_limited
        # Messages one call sends: what it costs against the rate limit.
        self.sends = max(1, sends)
        self.generated = generated
        head_fields: dict[str, str] = {"query": query}
        if operation_name:
            head_fields["operationName"] = operation_name
        head = json.dumps(head_fields, ensure_ascii=False)
        # '{"query": ..., "operationName": ...}' -> '{..., "variables":' so that a
        # call only serializes its variables.
        self.body_prefix = (head[:-1] + ', "variables": ').encode()


class Wire:
    """The non-I/O half of a request: body, headers, timeout, rate and retry decisions."""

    __slots__ = (
        "_longest",
        "_operations",
        "auth",
        "bucket",
        "headers",
        "hooks",
        "limiter",
        "max_response_bytes",
        "policy",
        "timeout",
        "url",
    )

    def __init__(
        self,
        config: ClientConfig,
        timeout: httpx.Timeout | None,
        policy: RetryPolicy,
        bucket: TokenBucket | None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        *,
        default_headers: Mapping[str, str] | None = None,
        hooks: Sequence[AttemptHook] = (),
        limiter: RateLimiter | None = None,
    ) -> None:
        # Parsed once: httpx re-parses a str URL on every request (about 10 us).
        self.url = httpx.URL(config.base_url)
        self.auth = BearerAuth(config.token)
        self.headers = merged_headers(
            {
                "Content-Type": "application/json",
                "Accept": "application/json",
                # Only what the capped reader can decompress (_body.CappedBody).
                "Accept-Encoding": ACCEPT_ENCODING,
                "User-Agent": config.user_agent,
            },
            default_headers,
        )
        # Told of every attempt (_observe); empty: nobody listens.
        self.hooks = tuple(hooks)
        # None: the caller's own http_client decides the timeout.
        self.timeout = timeout
        self.policy = policy
        # Messages per second, shared by every clone of the client (with_options).
        self.bucket = bucket
        # A rate shared beyond this client (volt_sdk.limits), asked by the executors
        # (it may do I/O); None: the bucket above, or no limit.
        self.limiter = limiter
        self.max_response_bytes = max_response_bytes
        self._operations: dict[tuple[str, str], Operation] = {}
        # (timeout, its longest phase): one tuple, so threads never see a torn pair.
        self._longest: tuple[httpx.Timeout | None, float] = (None, 0.0)

    def with_options(
        self,
        timeout: httpx.Timeout | None,
        policy: RetryPolicy,
        *,
        auth: BearerAuth | None = None,
        default_headers: Mapping[str, str] | None = None,
        bucket: TokenBucket | None | NotGiven = NOT_GIVEN,
    ) -> Wire:
        """A copy with other settings, sharing the rest (the operations' cache too)."""
        clone = copy.copy(self)
        clone.timeout = timeout
        clone.policy = policy
        if auth is not None:
            clone.auth = auth
        if default_headers:
            clone.headers = merged_headers(self.headers, default_headers)
        if not isinstance(bucket, NotGiven):
            clone.bucket = bucket
        return clone

    def operation(self, query: str, operation_name: str) -> Operation:
        key = (query, operation_name)
        op = self._operations.get(key)
        if op is None:
            op = Operation(query, operation_name, operation_name in RATE_LIMITED_OPERATIONS)
            self._operations[key] = op
        return op

    def encode(self, op: Operation, variables: Mapping[str, Any]) -> bytes:
        try:
            text = json.dumps(variables, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as exc:
            # What json cannot send (a set, a datetime, NaN): a typed error, nothing sent.
            raise ValidationError(
                f"{op.name}: the variables cannot be sent as JSON ({exc})",
                argument="variables",
                value=variables,
                reason="not_json",
            ) from None
        try:
            return op.body_prefix + text.encode() + b"}"
        except UnicodeEncodeError as exc:
            # The argument rules refuse such text first; this keeps the promise
            # (a typed error, nothing sent) for whatever reaches the wire anyway.
            raise ValidationError(
                f"{op.name}: an argument holds text that cannot be encoded as UTF-8 "
                f"({exc.reason} at position {exc.start})",
                argument="variables",
                value=exc.object[max(0, exc.start - 20) : exc.end + 20],
                reason="not_utf8",
            ) from None

    def deadline_at(self) -> float:
        """When a call that starts now must be over (monotonic seconds)."""
        return _concurrency.monotonic() + self.policy.deadline

    def attempt_timeout(
        self, op: Operation, deadline_at: float, client_timeout: httpx.Timeout
    ) -> httpx.Timeout:
        """This attempt's timeout: the configured one, cut to what is left of the deadline."""
        remaining = deadline_at - _concurrency.monotonic()
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

    def rate_wait(self, op: Operation, deadline_at: float) -> float:
        """Seconds to wait for the rate limit before sending ``op`` (0 if not limited)."""
        if not op.rate_limited or self.bucket is None:
            return 0.0
        wait = self.bucket.reserve(op.sends)
        if wait and _concurrency.monotonic() + wait >= deadline_at:
            raise VoltTimeoutError(
                f"{op.name}: the client's rate limit ({self.bucket.rate:g}/s) would delay "
                f"this past the call's deadline of {self.policy.deadline:g}s",
                phase="deadline",
                request_sent=False,
            )
        return wait

    def retry_pause(
        self, error: VoltError, op: Operation, retries_done: int, deadline_at: float
    ) -> float | None:
        """How long to wait before retrying after ``error``, or None to give up."""
        policy = self.policy
        if not policy.should_retry(error, is_mutation=op.is_mutation, retries_done=retries_done):
            return None
        pause = policy.delay(error, retries_done)
        if _concurrency.monotonic() + pause >= deadline_at:
            return None  # no wait runs past the deadline
        if logger.isEnabledFor(logging.INFO):  # the summary is built only to be shown
            logger.info(
                "%s: retry %d of %d in %.2fs after %s",
                op.name,
                retries_done + 1,
                policy.max_retries,
                pause,
                error_summary(error, op.name),
            )
        return pause


def log_request(op: Operation, attempt: int, size: int, url: httpx.URL) -> None:
    """One DEBUG line per attempt about to be sent (the caller checks that DEBUG is on).

    Its size, never its body (that holds numbers and message text).
    """
    logger.debug(
        "%s: attempt %d, %s of %d bytes to %s",
        op.name,
        attempt,
        "mutation" if op.is_mutation else "query",
        size,
        url.netloc.decode("ascii"),
    )


def _longest_phase(timeout: httpx.Timeout) -> float:
    phases = (timeout.connect, timeout.read, timeout.write, timeout.pool)
    return float("inf") if None in phases else max(p for p in phases if p is not None)
