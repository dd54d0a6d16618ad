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
from typing import TYPE_CHECKING, Any

import httpx

from volt_sdk import _concurrency
from volt_sdk._errors import VoltError

from ._request import Operation, Wire, logger
from ._response import decode, log_response, transport_error

if TYPE_CHECKING:
    import threading

__all__ = ["SyncExecutor"]


class SyncExecutor:
    """Runs one GraphQL operation with an :class:`httpx.Client`: every attempt,
    wait and retry of it, within its deadline, its rate and the concurrency cap."""

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
        deadline_at = wire.deadline_at()
        retries = 0
        while True:
            try:
                wait = wire.rate_wait(op, deadline_at)
                if wait:
                    _concurrency.sleep(wait)
                timeout = wire.attempt_timeout(op, deadline_at, self._http.timeout)
                if self._gate is None:
                    response = self._send(content, timeout, op)
                else:
                    with self._gate:
                        response = self._send(content, timeout, op)
                return decode(response, operation_name)
            except VoltError as error:
                pause = wire.retry_pause(error, op, retries, deadline_at)
                if pause is None:
                    raise
            retries += 1
            _concurrency.sleep(pause)

    def _send(self, content: bytes, timeout: httpx.Timeout, op: Operation) -> httpx.Response:
        wire = self._wire
        started = time.perf_counter()
        try:
            response = self._http.post(
                wire.url, content=content, headers=wire.headers, auth=wire.auth, timeout=timeout
            )
        except httpx.HTTPError as exc:
            raise transport_error(exc, op.name, wire.url) from exc
        if logger.isEnabledFor(logging.DEBUG):
            log_response(op.name, response, started)
        return response
