"""What the bulk tests share: recipients, inputs, and a sandbox that fails on demand.

Most tests run against the session's sandbox (``volt_sandbox``) over loopback,
some through a transport that fails chosen requests in a chosen way: a
``createMessage`` that is stored and then answered with a dropped connection
(the outcome is unknown, the message exists), or answered 503 without being
stored (unknown, and it does not exist).
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Literal

import httpx

from volt_sdk import BulkResult, OutgoingMessage, Volt
from volt_sdk.sandbox import Sandbox

__all__ = [
    "FlakySandbox",
    "flaky_volt",
    "operation",
    "outbox_counts",
    "outgoing",
    "recipient",
    "statuses",
]

Failure = Literal["store_then_drop", "503_unstored", "429", "refuse_connection"]


def recipient(i: int) -> str:
    return f"+1555{2_000_000 + i:07d}"


def outgoing(sandbox: Sandbox, count: int, **extra: str) -> Iterator[OutgoingMessage]:
    for i in range(count):
        yield OutgoingMessage(to=recipient(i), from_=sandbox.numbers[0], body=f"Hi {i}", **extra)


def operation(request: httpx.Request) -> tuple[str, dict[str, object]]:
    payload = json.loads(request.content)
    return payload["operationName"], payload["variables"]


class FlakySandbox(httpx.BaseTransport):
    """Forwards to the sandbox, failing the first sends to chosen recipients."""

    def __init__(self, failures: dict[str, list[Failure]]) -> None:
        self.inner = httpx.HTTPTransport()
        self.failures = failures
        self.sends: Counter[str] = Counter()
        self.requests = 0
        self.lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        name, variables = operation(request)
        with self.lock:
            self.requests += 1
            planned = self.failures.get(str(variables.get("to")), [])
            failure = planned.pop(0) if name == "CreateMessage" and planned else None
            if name == "CreateMessage":
                self.sends[str(variables["to"])] += 1
        if failure == "503_unstored":
            return httpx.Response(503, json={"errors": [{"message": "unavailable"}]})
        if failure == "429":
            return httpx.Response(429, headers={"Retry-After": "0"}, json={"errors": []})
        if failure == "refuse_connection":
            raise httpx.ConnectError("refused", request=request)
        response = self.inner.handle_request(request)
        if failure == "store_then_drop":
            response.read()
            response.close()
            raise httpx.RemoteProtocolError("peer closed", request=request)
        return response

    def close(self) -> None:
        self.inner.close()


@contextlib.contextmanager
def flaky_volt(transport: FlakySandbox, max_retries: int = 2) -> Iterator[Volt]:
    with (
        httpx.Client(transport=transport) as http,
        Volt(http_client=http, max_retries=max_retries) as volt,
    ):
        yield volt


def statuses(results: list[BulkResult]) -> Counter[str]:
    return Counter(r.status for r in results)


def outbox_counts(sandbox: Sandbox) -> Counter[str]:
    return Counter(m.to_number for m in sandbox.outbox())
