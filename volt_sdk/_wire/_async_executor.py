"""Runs one GraphQL operation over an :class:`httpx.AsyncClient`: every attempt,
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

from ._body import CappedBody
from ._request import DEADLINE_MARGIN, Operation, Wire, logger
from ._response import deadline_error, decode, log_response, transport_error

if TYPE_CHECKING:
    import asyncio

__all__ = ["AsyncExecutor"]


class AsyncExecutor:
    """Runs one GraphQL operation with an :class:`httpx.AsyncClient`: every attempt,
    wait and retry of it, within its deadline, its rate and the concurrency cap."""

    __slots__ = ("_gate", "_http", "_wire")

    def __init__(
        self, wire: Wire, http_client: httpx.AsyncClient, gate: asyncio.BoundedSemaphore | None
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
        deadline_at = wire.deadline_at()
        retries = 0
        while True:
            try:
                wait = wire.rate_wait(op, deadline_at)
                if wait:
                    await _concurrency.async_sleep(wait)
                if self._gate is None:
                    response, body = await self._send(content, op, deadline_at)
                else:
                    async with self._gate:
                        response, body = await self._send(content, op, deadline_at)
                return decode(response, body, operation_name)
            except VoltError as error:
                pause = wire.retry_pause(error, op, retries, deadline_at)
                if pause is None:
                    raise
            retries += 1
            await _concurrency.async_sleep(pause)

    async def _send(
        self, content: bytes, op: Operation, deadline_at: float
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
        try:
            with _concurrency.deadline(deadline_at + DEADLINE_MARGIN):
                response = await http.send(request, auth=wire.auth, stream=True)
                try:
                    body = CappedBody(response, wire.max_response_bytes, op.name)
                    if not response.is_stream_consumed:
                        async for chunk in response.aiter_raw():
                            body.feed(chunk)
                    data = body.finish()
                finally:
                    await response.aclose()
        except httpx.HTTPError as exc:
            raise transport_error(exc, op.name, wire.url, wire.auth) from wire.auth.safe_cause(exc)
        except _concurrency.DeadlineExceededError:
            raise deadline_error(op.name, wire.policy.deadline, request) from None
        if logger.isEnabledFor(logging.DEBUG):
            log_response(op.name, response, started)
        return response, data
