"""A server that echoes the request's token in its answer never gets it into an
error's text: message, repr, ``body``, GraphQL messages, nor a send's
outcome-unknown error, on both clients and with a rotating token."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from tests.clock import FakeClock
from tests.payloads import FROM, TO, URL
from volt_sdk import (
    APIStatusError,
    AsyncVolt,
    GraphQLError,
    MalformedResponseError,
    Volt,
    VoltError,
)

pytestmark = pytest.mark.anyio

SECRET = "echoed-secret-token-0123456789"


def echo(status: int, shape: str) -> Callable[[httpx.Request], httpx.Response]:
    def answer(request: httpx.Request) -> httpx.Response:
        header = request.headers["authorization"]
        if shape == "text":
            return httpx.Response(status, text=f"refused {header}")
        if shape == "graphql":
            return httpx.Response(status, json={"errors": [{"message": f"bad {header}"}]})
        return httpx.Response(status, text=f"<html>{header}</html>")  # not JSON

    return answer


async def call(client: Volt | AsyncVolt, method: str) -> object:
    if method == "get_message":
        result: object = client.get_message("msg_1")
    else:
        result = client.send_message(to=TO, from_=FROM, body="hi")
    return await result if inspect.isawaitable(result) else result


ANSWERS = [(503, "text"), (429, "graphql"), (400, "graphql"), (200, "graphql"), (200, "html")]


def texts(error: BaseException) -> str:
    parts = [str(error), repr(error), str(getattr(error, "body", ""))]
    if isinstance(error, GraphQLError):
        parts += error.messages
    cause = getattr(error, "cause", None)
    if cause is not None:
        parts += [str(cause), repr(cause), str(getattr(cause, "body", ""))]
    return "\n".join(parts)


@pytest.mark.parametrize("client_class", [Volt, AsyncVolt])
@pytest.mark.parametrize(("status", "shape"), ANSWERS)
@pytest.mark.parametrize("method", ["get_message", "send_message"])
@pytest.mark.parametrize("rotating", [False, True], ids=["str", "callable"])
async def test_an_echoed_token_is_blanked_out_of_every_error_text(
    httpx_mock: HTTPXMock,
    fake_clock: FakeClock,
    client_class: type[Volt] | type[AsyncVolt],
    status: int,
    shape: str,
    method: str,
    rotating: bool,
) -> None:
    httpx_mock.add_callback(echo(status, shape), url=URL, is_reusable=True)
    token: Any = (lambda: SECRET) if rotating else SECRET
    client = client_class(token=token, max_retries=0)
    try:
        with pytest.raises(VoltError) as caught:
            await call(client, method)
    finally:
        closing = client.close()
        if inspect.isawaitable(closing):
            await closing
    error = caught.value
    shown = texts(error)
    assert SECRET not in shown
    # Blanked, not dropped: the answer is still described, in the message and the excerpt.
    assert "***" in str(error)
    wire_error = getattr(error, "cause", error)
    if isinstance(wire_error, (APIStatusError, MalformedResponseError)):
        assert "***" in wire_error.body
