"""What the CLI tests share: a run's result, and what reached the (pytest-httpx) wire."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pytest_httpx import HTTPXMock

from tests.payloads import CLIENT_REFERENCE, TOKEN, URL, without_client_reference


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)

    @property
    def lines(self) -> list[Any]:
        """stdout as JSON Lines."""
        return [json.loads(line) for line in self.out.splitlines()]


#: The ``volt`` fixture: runs ``volt ARGS...`` in-process.
RunVolt = Callable[..., Run]


def respond(httpx_mock: HTTPXMock, data: dict[str, Any], **kwargs: Any) -> None:
    httpx_mock.add_response(url=URL, method="POST", json={"data": data}, **kwargs)


def sent(httpx_mock: HTTPXMock) -> list[tuple[str, dict[str, Any]]]:
    """(operationName, variables) of every request, checking each carried the token."""
    calls = []
    for request in httpx_mock.get_requests():
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        body = json.loads(request.content)
        variables = body["variables"]
        if body["operationName"] == "CreateMessage" and "passthrough" not in _given(variables):
            variables = without_client_reference(variables)
        calls.append((body["operationName"], variables))
    return calls


def _given(variables: dict[str, Any]) -> dict[str, Any]:
    """The variables less a passthrough the SDK made up (a caller's own one stays)."""
    passthrough = variables.get("passthrough")
    if isinstance(passthrough, str) and CLIENT_REFERENCE.fullmatch(passthrough):
        return {k: v for k, v in variables.items() if k != "passthrough"}
    return variables


def fields(text: str) -> dict[str, str]:
    """The ``key: value`` lines of human output (continuation lines are skipped)."""
    result = {}
    for line in text.splitlines():
        key, sep, value = line.partition(": ")
        if sep and not line.startswith(" "):
            result[key] = value.strip()
    return result


@dataclass
class ExitAtOnce:
    """What ``os._exit`` and ``os.write`` were called with, instead of calling them."""

    exits: list[int] = field(default_factory=list)
    written: list[bytes] = field(default_factory=list)

    def write(self, fd: int, data: bytes) -> int:
        self.written.append(data)
        return len(data)
