"""The idle-connection check of the client's own transport: httpcore's answer, found cheaply.

httpcore asks every idle connection "is the socket readable?" (a closed or
misbehaving one is) each time its pool hands out connections; the client's
deadline-cutting stream answers from the socket it looked up once, instead of
asking anyio, which rebuilds a dict of attributes on every call (at 64 requests
in flight that was most of the client's CPU: docs/benchmarks.md, section 7).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from volt_sdk._wire._async_deadline import (
    _AsyncDeadlineStream,  # pyright: ignore[reportPrivateUsage]
    _readable,  # pyright: ignore[reportPrivateUsage]
)
from volt_sdk._wire._sync_deadline import _DeadlineStream  # pyright: ignore[reportPrivateUsage]


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    ours, theirs = socket.socketpair()
    yield ours, theirs
    ours.close()
    theirs.close()


def test_an_idle_connection_is_not_readable_until_its_peer_speaks(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    ours, theirs = pair
    assert _readable(ours) is False
    theirs.send(b"x")
    assert _readable(ours) is True


def test_a_connection_its_peer_closed_is_readable(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    ours, theirs = pair
    theirs.close()
    assert _readable(ours) is True


def test_no_socket_or_a_closed_one_counts_as_readable() -> None:
    closed = socket.socket()
    closed.close()
    assert _readable(None) is True
    assert _readable(closed) is True


class Inner:
    """A network stream that counts what it is asked."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.asked: list[str] = []

    def get_extra_info(self, info: str) -> Any:
        self.asked.append(info)
        return self.sock if info == "socket" else f"inner {info}"


@pytest.mark.parametrize("stream_class", [_AsyncDeadlineStream, _DeadlineStream])
def test_the_socket_is_looked_up_once_and_everything_else_passes_through(
    pair: tuple[socket.socket, socket.socket], stream_class: Any
) -> None:
    ours, theirs = pair
    inner = Inner(ours)
    stream = stream_class(inner)
    assert [stream.get_extra_info("is_readable") for _ in range(3)] == [False] * 3
    theirs.send(b"x")
    assert stream.get_extra_info("is_readable") is True
    assert stream.get_extra_info("server_addr") == "inner server_addr"
    assert inner.asked == ["socket", "server_addr"]


def test_asyncios_socket_wrapper_is_read_through_its_file_descriptor(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    # What anyio gives as the "socket" of an asyncio stream: not a socket.socket.
    from asyncio.trsock import TransportSocket

    ours, theirs = pair
    assert _readable(TransportSocket(ours)) is False
    theirs.send(b"x")
    assert _readable(TransportSocket(ours)) is True
