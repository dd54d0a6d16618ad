# Generated from _async_executor.py by codegen/unasync.py (make generate). Do not edit:
# change _async_executor.py and run `make generate`.
"""Runs one GraphQL operation over an :class:`httpx.Client`: every attempt,
wait and retry of it, within its deadline, the client's rate and the concurrency cap.

This is the async source; ``_sync_executor.py`` is generated from it by
``codegen/unasync.py`` (``make generate``). Every decision is the wire's
(``_request``, ``_response``); this module only waits and sends.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from volt_sdk import _concurrency
from volt_sdk._errors import VoltError

from ._body import CappedBody
from ._limits import granted_wait, no_slot_error, slot_times
from ._observe import watch_call
from ._request import DEADLINE_MARGIN, Operation, Wire, log_request, logger
from ._response import deadline_error, decode, log_response, transport_error, without_token

if TYPE_CHECKING:
    import threading

    from ._limits import ConcurrencyLimiter
    from ._observe import Watch

__all__ = ["SyncExecutor"]


class SyncExecutor:
    """Runs one GraphQL operation with an :class:`httpx.Client`: every attempt,
    wait and retry of it, within its deadline, its rate and the concurrency cap."""

    __slots__ = ("_gate", "_http", "_slots", "_wire")

    def __init__(
        self,
        wire: Wire,
        http_client: httpx.Client,
        gate: threading.BoundedSemaphore | None,
        slots: ConcurrencyLimiter | None = None,
    ) -> None:
        self._wire = wire
        self._http = http_client
        self._gate = gate
        # A cap shared beyond this client (volt_sdk.limits); the gate is this client's own.
        self._slots = slots

    def execute(self, query: str, operation_name: str, variables: dict[str, Any]) -> dict[str, Any]:
        """Run one of the SDK's own operations (the generated client calls this)."""
        return self.run(self._wire.operation(query, operation_name), variables)

    def run(self, op: Operation, variables: Mapping[str, Any]) -> dict[str, Any]:
        """Run ``op`` with ``variables``: the ``data`` of its answer, or a VoltError."""
        wire = self._wire
        content = wire.encode(op, variables)
        deadline_at = wire.deadline_at()
        watch = watch_call(op, variables, wire)
        if watch is None:
            return self._attempts(op, content, deadline_at, None)
        with watch:
            return self._attempts(op, content, deadline_at, watch)

    def _attempts(
        self, op: Operation, content: bytes, deadline_at: float, watch: Watch | None
    ) -> dict[str, Any]:
        wire = self._wire
        retries = 0
        while True:
            try:
                wait = wire.rate_wait(op, deadline_at)
                limiter = wire.limiter
                if limiter is not None and op.rate_limited:
                    # Asked before every attempt; what it refuses was not taken.
                    left = deadline_at - _concurrency.monotonic()
                    granted = limiter.reserve(op.sends, left)
                    wait = granted_wait(op.name, granted, limiter.rate, wire.policy.deadline)
                if wait:
                    if watch is not None:
                        watch.rate_wait(wait)
                    _concurrency.sleep(wait)
                if logger.isEnabledFor(logging.DEBUG):
                    log_request(op, retries + 1, len(content), wire.url)
                if self._gate is not None:
                    with self._gate:
                        response, body = self._send(content, op, deadline_at, watch)
                elif self._slots is not None:
                    response, body = self._send_in_slot(content, op, deadline_at, watch)
                else:
                    response, body = self._send(content, op, deadline_at, watch)
                data = decode(response, body, op.name, generated=op.generated)
            except VoltError as error:
                without_token(error, wire.auth)
                pause = wire.retry_pause(error, op, retries, deadline_at)
                if watch is not None:
                    watch.failed(error, pause)
                if pause is None:
                    raise
            else:
                if watch is not None:
                    watch.succeeded(response, body)
                return data
            retries += 1
            _concurrency.sleep(pause)

    def _send_in_slot(
        self, content: bytes, op: Operation, deadline_at: float, watch: Watch | None
    ) -> tuple[httpx.Response, bytes]:
        """One attempt holding a slot of the shared cap, given back however it ends."""
        slots = self._slots
        assert slots is not None
        wait, hold = slot_times(deadline_at, DEADLINE_MARGIN)
        lease = slots.acquire(wait, hold)
        if lease is None:
            raise no_slot_error(op.name, slots.limit, self._wire.policy.deadline)
        try:
            return self._send(content, op, deadline_at, watch)
        finally:
            slots.release(lease)

    def _send(
        self, content: bytes, op: Operation, deadline_at: float, watch: Watch | None
    ) -> tuple[httpx.Response, bytes]:
        """One attempt: the response and its body, read with the size cap, by the deadline."""
        wire = self._wire
        http = self._http
        # Computed here, after any wait for the concurrency cap: that wait counts too.
        timeout = wire.attempt_timeout(op, deadline_at, http.timeout)
        started = time.perf_counter()
        request = http.build_request(
            "POST", wire.url, content=content, headers=wire.headers, timeout=timeout
        )
        if watch is not None:
            watch.sending(request)
        try:
            with _concurrency.deadline(deadline_at + DEADLINE_MARGIN):
                response = http.send(request, auth=wire.auth, stream=True)
                try:
                    body = CappedBody(response, wire.max_response_bytes, op.name)
                    if not response.is_stream_consumed:
                        for chunk in response.iter_raw():
                            body.feed(chunk)
                    data = body.finish()
                finally:
                    response.close()
        except httpx.HTTPError as exc:
            raise transport_error(exc, op.name, wire.url, wire.auth) from wire.auth.safe_cause(exc)
        except _concurrency.DeadlineExceededError:
            raise deadline_error(op.name, wire.policy.deadline, request) from None
        if logger.isEnabledFor(logging.DEBUG):
            log_response(op.name, response, started)
        return response, data
