"""Bounded resources: the size of an answer, the length of an error's text, the deadline's backstop.

The same promises against a real misbehaving server are in ``tests/hostile``.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator

import httpx
import pytest
from pytest_httpx import HTTPXMock

from tests.clock import FakeClock
from tests.payloads import FROM, TO, message_data
from volt_sdk import (
    DEFAULT_MAX_RESPONSE_BYTES,
    APIStatusError,
    AsyncVolt,
    ConfigurationError,
    GraphQLError,
    MalformedResponseError,
    MessageOutcomeUnknownError,
    NotFoundError,
    ResponseTooLargeError,
    Volt,
    _concurrency,
)
from volt_sdk._text import MAX_MESSAGE_CHARS
from volt_sdk._wire import _async_deadline, _sync_deadline

GET = {"data": {"message": message_data()}}


class Chunks(httpx.SyncByteStream):
    """A body that arrives in pieces, as from a socket (not read before the client sees it)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self.taken = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            self.taken += len(chunk)
            yield chunk


def volt_over(handler: httpx.MockTransport, **options: object) -> Volt:
    return Volt(http_client=httpx.Client(transport=handler), **options)  # type: ignore[arg-type]


def gzip_bomb(inflated: int) -> Iterator[bytes]:
    """``inflated`` zero bytes, gzip-compressed, produced piece by piece."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    for _ in range(inflated // len(block)):
        out = compressor.compress(block)
        if out:
            yield out
    yield compressor.flush()


def test_the_default_cap_is_four_mebibytes() -> None:
    assert DEFAULT_MAX_RESPONSE_BYTES == 4 * 1024 * 1024


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "10"])
def test_a_cap_that_cannot_work_is_refused(bad: object) -> None:
    with pytest.raises(ConfigurationError, match="max_response_bytes"):
        Volt(max_response_bytes=bad)  # type: ignore[arg-type]


def test_a_gzip_bomb_stops_at_the_cap_without_being_inflated() -> None:
    stream = Chunks(gzip_bomb(1 << 30))  # 1 GiB of zeros, about 1 MB on the wire
    transport = httpx.MockTransport(
        lambda request: httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=stream)
    )
    volt = volt_over(transport, max_response_bytes=100_000)
    with volt, pytest.raises(ResponseTooLargeError) as info:
        volt.get_message("m1")
    assert info.value.limit == 100_000
    assert isinstance(info.value, MalformedResponseError)
    assert "max_response_bytes (100000 bytes)" in str(info.value)
    # It stopped reading almost at once: a few kilobytes of the megabyte sent.
    assert stream.taken < 50_000


def test_an_answer_announcing_more_than_the_cap_is_not_read_at_all() -> None:
    stream = Chunks(iter([b"x" * 10, b"y" * 10]))
    transport = httpx.MockTransport(
        lambda request: httpx.Response(200, headers={"Content-Length": "5000000"}, stream=stream)
    )
    volt = volt_over(transport, max_response_bytes=1_000_000)
    with volt, pytest.raises(ResponseTooLargeError, match="it announced 5000000 bytes"):
        volt.get_message("m1")
    assert stream.taken == 0


def test_an_endless_chunked_answer_stops_at_the_cap() -> None:
    stream = Chunks(b"a" * 65536 for _ in range(100_000))  # 6.5 GB if read to the end
    transport = httpx.MockTransport(lambda request: httpx.Response(200, stream=stream))
    volt = volt_over(transport, max_response_bytes=1_000_000)
    with volt, pytest.raises(ResponseTooLargeError):
        volt.get_message("m1")
    assert stream.taken <= 1_000_000 + 65536


def test_the_cap_applies_to_an_answer_held_in_memory_too(httpx_mock: HTTPXMock) -> None:
    body = json.dumps({"data": {"message": message_data(body="x" * 2000)}}).encode()
    httpx_mock.add_response(content=body)
    with Volt(max_response_bytes=1000) as volt, pytest.raises(ResponseTooLargeError):
        volt.get_message("m1")


def test_a_send_whose_answer_is_too_large_may_have_gone_out(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(content=b"{" + b" " * 5000 + b"}")
    with Volt(max_response_bytes=1000) as volt, pytest.raises(MessageOutcomeUnknownError) as info:
        volt.send_message(to=TO, from_=FROM, body="hi")
    assert isinstance(info.value.cause, ResponseTooLargeError)
    assert len(httpx_mock.get_requests()) == 1  # never resent


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw-deflate"])
def test_compressed_answers_within_the_cap_are_read_whole(encoding: str) -> None:
    body = json.dumps(GET).encode()
    if encoding == "gzip":
        packed = gzip.compress(body)
    elif encoding == "deflate":
        packed = zlib.compress(body)
    else:  # "deflate" without its zlib header, which servers send too
        squeeze = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        packed = squeeze.compress(body) + squeeze.flush()
    name = "deflate" if encoding == "raw-deflate" else encoding
    transport = httpx.MockTransport(
        lambda request: httpx.Response(
            200, headers={"Content-Encoding": name}, stream=Chunks(iter([packed[:7], packed[7:]]))
        )
    )
    with volt_over(transport) as volt:
        assert volt.get_message("m1").id == "msg_1"


def test_an_encoding_the_client_did_not_ask_for_is_a_malformed_answer(
    httpx_mock: HTTPXMock,
) -> None:
    transport = httpx.MockTransport(
        lambda request: httpx.Response(
            200, headers={"Content-Encoding": "br"}, stream=Chunks(iter([b"\x00\x01"]))
        )
    )
    with volt_over(transport) as volt, pytest.raises(MalformedResponseError, match="'br'"):
        volt.get_message("m1")
    request = httpx_mock.get_requests()  # none went through the mock fixture
    assert request == []


def test_the_client_asks_only_for_encodings_it_can_cap(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=GET)
    with Volt() as volt:
        volt.get_message("m1")
    sent = httpx_mock.get_request()
    assert sent is not None
    assert sent.headers["Accept-Encoding"] == "gzip, deflate"


def test_an_error_that_carries_a_streamed_answer_can_still_show_its_body() -> None:
    transport = httpx.MockTransport(
        lambda request: httpx.Response(
            502,
            headers={"Content-Encoding": "gzip"},
            stream=Chunks(iter([gzip.compress(b"<html>bad gateway</html>")])),
        )
    )
    with volt_over(transport, max_retries=0) as volt, pytest.raises(APIStatusError) as info:
        volt.get_message("m1")
    response = getattr(info.value, "response", None)
    assert response is not None
    assert response.text == "<html>bad gateway</html>"


# -- bounded error texts ---------------------------------------------------------------------


def test_a_huge_server_error_message_is_cut_in_the_text_and_kept_whole_on_the_error(
    httpx_mock: HTTPXMock,
) -> None:
    long = "e" * 5_000_000
    httpx_mock.add_response(json={"errors": [{"message": long}, {"message": "second"}]})
    with Volt(max_response_bytes=8_000_000) as volt, pytest.raises(GraphQLError) as info:
        volt.get_message("m1")
    assert len(str(info.value)) <= MAX_MESSAGE_CHARS + 100
    assert len(repr(info.value)) <= MAX_MESSAGE_CHARS + 200
    assert "more characters" in str(info.value)
    assert info.value.errors[0].message == long
    assert info.value.messages == [long, "second"]


def test_a_hundred_thousand_errors_make_a_short_text(httpx_mock: HTTPXMock) -> None:
    errors = [{"message": f"problem {i}"} for i in range(100_000)]
    httpx_mock.add_response(json={"errors": errors})
    with Volt() as volt, pytest.raises(GraphQLError) as info:
        volt.get_message("m1")
    assert len(str(info.value)) <= MAX_MESSAGE_CHARS + 100
    assert str(info.value).startswith("GetMessage: problem 0; problem 1; ")
    assert len(info.value.errors) == 100_000


def test_a_huge_id_makes_a_short_not_found_text(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json={"data": {"message": None}})
    with Volt() as volt, pytest.raises(NotFoundError) as info:
        volt.get_message("x" * 1_000_000)
    assert len(str(info.value)) <= 200
    assert info.value.lookup["id"] == "x" * 1_000_000


# -- the deadline's backstops ----------------------------------------------------------------


def test_the_backstop_cuts_each_socket_wait_to_what_is_left(fake_clock: FakeClock) -> None:
    cut = _concurrency.cut_to_deadline
    assert cut(30.0) == 30.0  # no deadline set: the timeout as given
    with _concurrency.deadline(fake_clock.now + 2.5):
        assert cut(30.0) == 2.5
        assert cut(None) == 2.5
        assert cut(1.0) == 1.0
        assert _concurrency.cut_by_deadline(30.0, 2.5)
        assert _concurrency.cut_by_deadline(None, 2.5)
        assert not _concurrency.cut_by_deadline(1.0, 1.0)
        fake_clock.advance(2.5)
        with pytest.raises(_concurrency.DeadlineExceededError):
            cut(30.0)
    assert cut(30.0) == 30.0  # and gone again after the block


def test_both_clients_are_built_on_the_deadline_backend() -> None:
    with Volt() as volt:
        pool = volt._http._transport._pool  # type: ignore[attr-defined]
        assert isinstance(pool._network_backend, _sync_deadline._DeadlineBackend)
    client = AsyncVolt()
    pool = client._http._transport._pool  # type: ignore[attr-defined]
    assert isinstance(pool._network_backend, _async_deadline._AsyncDeadlineBackend)


@pytest.mark.anyio
async def test_the_async_client_reads_with_the_cap_too() -> None:
    stream = Chunks(gzip_bomb(64 << 20))

    class AsyncChunks(httpx.AsyncByteStream):
        async def __aiter__(self):  # type: ignore[no-untyped-def]
            for chunk in stream:
                yield chunk

    transport = httpx.MockTransport(
        lambda request: httpx.Response(
            200, headers={"Content-Encoding": "gzip"}, stream=AsyncChunks()
        )
    )
    async with AsyncVolt(
        http_client=httpx.AsyncClient(transport=transport), max_response_bytes=50_000
    ) as volt:
        with pytest.raises(ResponseTooLargeError):
            await volt.get_message("m1")
