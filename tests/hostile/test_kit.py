"""The kit itself: the server answers well when told to, and misbehaves exactly as it
says when told to. Without these, a test of the client could pass or fail because of
the kit."""

from __future__ import annotations

import json
import socket
import time
import zlib

import httpx
import pytest

from volt_sdk import Message

from .answers import GIB, GzipBomb
from .behaviours import drip, huge_answer, lying_length, reset_mid_body
from .harness import GET_MESSAGE, SEND_MESSAGE, Arena, Call
from .server import HostileServer

_BODY = b'{"operationName": "GetMessage", "variables": {"id": "m1"}}'
REQUEST = (
    b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    b"Content-Length: %d\r\n\r\n%s" % (len(_BODY), _BODY)
)


def raw_exchange(
    server: HostileServer, *, read_for: float = 5.0
) -> tuple[bytes, BaseException | None]:
    """Send one request over a raw socket; everything received until EOF (or
    ``read_for`` seconds), and the error that ended the reading, if any."""
    received = bytearray()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=read_for) as sock:
            sock.sendall(REQUEST)
            ends_at = time.monotonic() + read_for
            while time.monotonic() < ends_at:
                sock.settimeout(max(0.01, ends_at - time.monotonic()))
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
    except TimeoutError:
        pass
    except OSError as exc:
        return bytes(received), exc
    return bytes(received), None


def split_response(raw: bytes) -> tuple[dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")[1:]
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return headers, body


@pytest.mark.anyio
@pytest.mark.parametrize("call", [GET_MESSAGE, SEND_MESSAGE], ids=str)
async def test_the_kit_answers_a_well_behaved_call_so_a_failure_elsewhere_is_the_misbehaviour(
    arena: Arena, call: Call
) -> None:
    from .behaviours import answer_valid

    arena.server.respond(answer_valid())
    outcome = await arena.attempt(call, client_timeout=5, deadline=5)
    assert isinstance(outcome.result, Message), outcome.describe()
    assert outcome.result.id == "m1"
    outcome.within(2.0)
    (request,) = arena.server.requests
    assert request.method == "POST"
    assert request.headers["authorization"] == f"Bearer {arena.token}"
    assert request.operation_name == ("GetMessage" if call is GET_MESSAGE else "CreateMessage")


def test_a_drip_sends_one_byte_per_interval_and_ends_when_the_client_leaves(
    server: HostileServer,
) -> None:
    server.respond(drip("status line", interval=0.1))
    received, error = raw_exchange(server, read_for=0.55)
    assert error is None
    assert 2 <= len(received) <= 7, received  # about 6 in 0.55 s: never the whole answer
    assert b"HTTP/1.1 200 OK".startswith(received)
    # The client has gone: the server's exchange ends at its next look, and close() is quick.
    started = time.monotonic()
    server.close()
    assert time.monotonic() - started < 1.0


def test_a_severed_server_cuts_its_connections_and_refuses_new_ones(server: HostileServer) -> None:
    server.respond(drip("body", interval=0.1))
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(REQUEST)
        first = b""
        while len(first) < 12:
            first += sock.recv(12 - len(first))
        assert first == b"HTTP/1.1 200"
        server.sever()
        sock.settimeout(5)
        rest = b""
        while chunk := sock.recv(65536):
            rest += chunk
    assert len(rest) < 200  # cut short, not dripped to the end
    received, error = raw_exchange(server, read_for=2)
    assert received == b""
    assert isinstance(error, (ConnectionResetError, BrokenPipeError)), error


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_huge_answer_is_well_framed_valid_json_of_exactly_its_size(
    server: HostileServer, chunked: bool
) -> None:
    size = 3_000_000
    server.respond(huge_answer(size, chunked=chunked))
    with httpx.Client() as client:
        response = client.post(server.url, json={"operationName": "GetMessage"})
    assert len(response.content) == size
    assert ("transfer-encoding" in response.headers) is chunked
    payload = json.loads(response.content)
    assert len(payload["data"]["message"]["body"]) > size - 1000


def test_the_gzip_bomb_is_a_megabyte_that_inflates_to_a_gibibyte_of_valid_answer(
    gzip_bomb: GzipBomb,
) -> None:
    assert 900_000 < len(gzip_bomb.payload) < 1_200_000
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    out = inflater.decompress(gzip_bomb.payload, 1 << 20)
    assert out.startswith(gzip_bomb.prefix)
    json.loads(gzip_bomb.prefix)  # a valid answer, followed by blanks only
    assert out[len(gzip_bomb.prefix) :].strip() == b""
    total = len(out)
    while inflater.unconsumed_tail:
        total += len(inflater.decompress(inflater.unconsumed_tail, 1 << 24))
    total += len(inflater.flush())
    assert inflater.eof  # the CRC and the size in the trailer are right
    assert total == gzip_bomb.inflated_size == GIB


def test_a_longer_content_length_announces_more_than_is_sent(server: HostileServer) -> None:
    server.respond(lying_length("longer"))
    received, error = raw_exchange(server)
    assert error is None
    headers, body = split_response(received)
    assert int(headers["content-length"]) == len(body) + 1000


def test_a_shorter_content_length_announces_half_of_what_is_sent(server: HostileServer) -> None:
    server.respond(lying_length("shorter"))
    received, _ = raw_exchange(server)
    headers, body = split_response(received)
    assert int(headers["content-length"]) == len(body) // 2


def test_a_reset_mid_body_sends_half_the_body_then_a_tcp_reset(server: HostileServer) -> None:
    server.respond(reset_mid_body())
    received, error = raw_exchange(server)
    assert isinstance(error, ConnectionResetError)
    if received:  # what arrived before the reset: the head and part of the body
        headers, body = split_response(received)
        assert len(body) < int(headers["content-length"])
