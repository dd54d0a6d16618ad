"""The delivery rules at the socket, over every transport: httpx's own and aiohttp's.

tests/wire/test_delivery.py checks the rules at the httpx seam (mocked
exceptions); here real failures happen on a real connection (tests/hostile's
server), so that each transport's own errors are what the rules see. What a
transport must get right is one distinction: a request that *never left* (no
connection) may be sent again; one that *may have reached Volt* (the connection
was made, then lost, reset, timed out, or answered with garbage) is a send whose
outcome is unknown, and is never sent twice.
"""

from __future__ import annotations

import socket
from typing import Any

import anyio
import pytest

from tests.clock import FakeClock
from tests.hostile.answers import valid_answer
from tests.hostile.behaviours import answer_valid
from tests.hostile.harness import ClientClass
from tests.hostile.server import Exchange, HostileServer, simple_response
from tests.payloads import FROM, TO
from volt_sdk import (
    Message,
    MessageOutcomeUnknownError,
    Volt,
    VoltConnectionError,
    VoltTimeoutError,
)

pytestmark = pytest.mark.anyio

SEND: dict[str, Any] = {"to": TO, "from_": FROM, "body": "hi"}


@pytest.fixture(autouse=True)
def instant_retries(fake_clock: FakeClock) -> FakeClock:
    """The SDK's waits between attempts return at once; sockets keep real time."""
    return fake_clock


async def call(client_class: ClientClass, url: str, method: str, **kwargs: Any) -> object:
    """``method(**kwargs)`` on a fresh client of ``client_class`` aimed at ``url``."""
    options: dict[str, Any] = {"base_url": url, "max_retries": 2, "timeout": 1.0, "deadline": 10}
    if issubclass(client_class, Volt):

        def run() -> object:
            with Volt(**options) as volt:
                return getattr(volt, method)(**kwargs)

        return await anyio.to_thread.run_sync(run)
    async with client_class(**options) as async_volt:
        return await getattr(async_volt, method)(**kwargs)


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def hang_up(exchange: Exchange) -> None:
    """Read the request, then close the connection without a word."""


def reset(exchange: Exchange) -> None:
    exchange.reset()


def garbage(exchange: Exchange) -> None:
    exchange.send(b"NOT HTTP AT ALL\r\n\r\n")


def short_body(exchange: Exchange) -> None:
    exchange.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
    exchange.send(b'Content-Length: 500\r\n\r\n{"data": {')


def stall(exchange: Exchange) -> None:
    exchange.stall()


MAY_HAVE_REACHED = {
    "hang-up": hang_up,
    "reset": reset,
    "garbage": garbage,
    "short-body": short_body,
    "silence": stall,
}


async def test_a_send_that_never_left_is_sent_again_and_raises_not_sent(
    client_class: ClientClass, instant_retries: FakeClock
) -> None:
    url = f"http://127.0.0.1:{closed_port()}/graphql"
    with pytest.raises(VoltConnectionError) as caught:
        await call(client_class, url, "send_message", **SEND)
    assert caught.value.request_sent is False
    assert len(instant_retries.sleeps) == 2  # a wait before each of max_retries=2 retries
    assert not isinstance(caught.value, MessageOutcomeUnknownError)


@pytest.mark.parametrize("failure", list(MAY_HAVE_REACHED), ids=list(MAY_HAVE_REACHED))
async def test_a_send_that_may_have_reached_volt_is_never_sent_twice(
    client_class: ClientClass, server: HostileServer, failure: str
) -> None:
    server.respond(MAY_HAVE_REACHED[failure])
    with pytest.raises(MessageOutcomeUnknownError) as caught:
        await call(client_class, server.url, "send_message", **SEND)
    assert len(server.requests) == 1
    cause = caught.value.__cause__
    assert isinstance(cause, (VoltConnectionError, VoltTimeoutError)), repr(cause)
    assert cause.request_sent is True
    if failure == "silence":
        assert isinstance(cause, VoltTimeoutError)
        assert cause.phase == "read"


@pytest.mark.parametrize("failure", list(MAY_HAVE_REACHED), ids=list(MAY_HAVE_REACHED))
async def test_a_lookup_that_failed_after_connecting_is_retried(
    client_class: ClientClass, server: HostileServer, failure: str
) -> None:
    server.respond(MAY_HAVE_REACHED[failure])
    with pytest.raises((VoltConnectionError, VoltTimeoutError)) as caught:
        await call(client_class, server.url, "get_message", id="m1")
    assert len(server.requests) == 3
    assert caught.value.request_sent is True


async def test_a_lookup_answered_after_a_503_succeeds_on_the_second_attempt(
    client_class: ClientClass, server: HostileServer
) -> None:
    answers = iter([simple_response(503, b"busy")])
    valid = answer_valid()

    def behave(exchange: Exchange) -> None:
        first = next(answers, None)
        if first is None:
            valid(exchange)
        else:
            exchange.send(first)

    server.respond(behave)
    message = await call(client_class, server.url, "get_message", id="m1")
    assert isinstance(message, Message)
    assert len(server.requests) == 2


async def test_a_send_answered_in_full_is_sent_once(
    client_class: ClientClass, server: HostileServer
) -> None:
    server.respond(answer_valid())
    message = await call(client_class, server.url, "send_message", **SEND)
    assert isinstance(message, Message)
    assert len(server.requests) == 1
    request = server.requests[0]
    assert request.headers["authorization"].startswith("Bearer ")
    assert request.operation_name == "CreateMessage"


async def test_a_connection_the_server_closed_while_idle_is_not_reused(
    client_class: ClientClass, server: HostileServer
) -> None:
    # The server closes each connection after its answer, without saying so
    # (no "Connection: close"): a pool that reused one would fail the next send,
    # whose outcome would then be unknown.
    def keep_alive_then_close(exchange: Exchange) -> None:
        body = valid_answer(exchange.request)
        exchange.send(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        )

    server.respond(keep_alive_then_close)
    options: dict[str, Any] = {"base_url": server.url, "max_retries": 0}

    async def pause() -> None:
        await anyio.sleep(0.3)  # the server's close reaches the client's socket

    if issubclass(client_class, Volt):

        def run() -> list[object]:
            with Volt(**options) as volt:
                sent: list[object] = []
                for _ in range(3):
                    sent.append(volt.send_message(**SEND))
                    anyio.from_thread.run(pause)
                return sent

        sent = await anyio.to_thread.run_sync(run)
    else:
        async with client_class(**options) as async_volt:
            sent = []
            for _ in range(3):
                sent.append(await async_volt.send_message(**SEND))
                await pause()
    assert all(isinstance(message, Message) for message in sent)
    assert len(server.requests) == 3
