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
from collections.abc import Mapping
from typing import Any, Final

import httpx

from volt_sdk import _concurrency
from volt_sdk._config import DEFAULT_MAX_RESPONSE_BYTES, BearerAuth, ClientConfig
from volt_sdk._errors import ValidationError, VoltError, VoltTimeoutError

from ._body import ACCEPT_ENCODING
from ._retry import RetryPolicy, TokenBucket

__all__ = [
    "DEADLINE_MARGIN",
    "RATE_LIMITED_OPERATIONS",
    "Operation",
    "Wire",
    "client_reference",
    "logger",
]

logger: Final = logging.getLogger("volt_sdk")

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
    """The non-I/O half of a request: body, headers, timeout, rate and retry decisions."""

    __slots__ = (
        "_longest",
        "_operations",
        "auth",
        "bucket",
        "headers",
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
    ) -> None:
        # Parsed once: httpx re-parses a str URL on every request (about 10 us).
        self.url = httpx.URL(config.base_url)
        self.auth = BearerAuth(config.token)
        self.headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            # Only what the capped reader can decompress (_body.CappedBody).
            "Accept-Encoding": ACCEPT_ENCODING,
            "User-Agent": config.user_agent,
        }
        # None: the caller's own http_client decides the timeout.
        self.timeout = timeout
        self.policy = policy
        # Messages per second, shared by every clone of the client (with_options).
        self.bucket = bucket
        self.max_response_bytes = max_response_bytes
        self._operations: dict[tuple[str, str], Operation] = {}
        # (timeout, its longest phase): one tuple, so threads never see a torn pair.
        self._longest: tuple[httpx.Timeout | None, float] = (None, 0.0)

    def with_options(self, timeout: httpx.Timeout | None, policy: RetryPolicy) -> Wire:
        """A copy with other timeout and retry settings, sharing the rest."""
        clone = copy.copy(self)
        clone.timeout = timeout
        clone.policy = policy
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
            return op.body_prefix + json.dumps(variables, ensure_ascii=False).encode() + b"}"
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
        wait = self.bucket.reserve()
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
        logger.info(
            "%s: retry %d of %d in %.2fs after: %s",
            op.name,
            retries_done + 1,
            policy.max_retries,
            pause,
            error.message,
        )
        return pause


def _longest_phase(timeout: httpx.Timeout) -> float:
    phases = (timeout.connect, timeout.read, timeout.write, timeout.pool)
    return float("inf") if None in phases else max(p for p in phases if p is not None)
