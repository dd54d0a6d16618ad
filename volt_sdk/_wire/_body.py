"""Reading an answer's body with a size cap, enforced while reading and after decompression.

The executors feed :class:`CappedBody` the raw bytes as they arrive
(``response.iter_raw()``), unless the response was read already (an in-memory
answer); it decompresses gzip and deflate itself, never more
than the cap allows, so a gzip bomb or an endless body costs at most
``max_response_bytes`` of memory and raises :class:`ResponseTooLargeError` as
soon as the cap is passed. Nothing here does I/O.
"""

from __future__ import annotations

import zlib
from typing import Final

import httpx

from volt_sdk._errors import MalformedResponseError, ResponseTooLargeError

__all__ = ["ACCEPT_ENCODING", "CappedBody", "readable"]

#: What the client asks for: what :class:`CappedBody` can decompress with a cap.
ACCEPT_ENCODING: Final = "gzip, deflate"

# zlib's wbits: a gzip header, or a zlib header (what HTTP calls "deflate").
_WBITS: Final = {
    "gzip": 16 + zlib.MAX_WBITS,
    "x-gzip": 16 + zlib.MAX_WBITS,
    "deflate": zlib.MAX_WBITS,
}


class CappedBody:
    """The body of one response, decompressed, at most ``limit`` bytes."""

    __slots__ = (
        "_chunks",
        "_decoder",
        "_limit",
        "_operation",
        "_raw_deflate",
        "_response",
        "_size",
    )

    def __init__(self, response: httpx.Response, limit: int, operation: str) -> None:
        self._response = response
        self._limit = limit
        self._operation = operation
        self._chunks: list[bytes] = []
        self._size = 0
        self._decoder: zlib._Decompress | None = None  # pyright: ignore[reportPrivateUsage]
        self._raw_deflate = False
        if response.is_stream_consumed:
            # Read before it reached us (an in-memory answer, such as a mock
            # transport's), and decoded already: the cap still applies.
            self._add(response.content)
            return
        encoding = response.headers.get("content-encoding", "").strip().lower()
        if encoding and encoding != "identity":
            wbits = _WBITS.get(encoding)
            if wbits is None:
                raise MalformedResponseError(
                    f"{operation}: Volt answered with a content encoding the client did not "
                    f"ask for ({encoding[:40]!r}; it asks for {ACCEPT_ENCODING})",
                    operation=operation,
                    response=response,
                )
            self._decoder = zlib.decompressobj(wbits)
            # Servers send "deflate" with or without its zlib header (as httpx
            # does, the raw form is tried when the first bytes are not a header).
            self._raw_deflate = encoding == "deflate"
        declared = response.headers.get("content-length", "")
        if self._decoder is None and declared.isdigit() and int(declared) > limit:
            raise self._too_large(f"it announced {int(declared)} bytes")

    def feed(self, raw: bytes) -> None:
        """Take the next raw bytes off the wire."""
        if self._decoder is None:
            self._add(raw)
            return
        data = raw
        while data:
            room = self._limit - self._size + 1  # one byte more than fits: enough to know
            try:
                out = self._decoder.decompress(data, room)
            except zlib.error as exc:
                if not (self._raw_deflate and self._size == 0):
                    raise self._garbled(exc) from None
                self._raw_deflate = False
                self._decoder = zlib.decompressobj(-zlib.MAX_WBITS)
                continue
            self._raw_deflate = False
            self._add(out)
            data = self._decoder.unconsumed_tail

    def finish(self) -> bytes:
        """The whole body, once the raw stream has ended."""
        if self._decoder is not None:
            try:
                self._add(self._decoder.flush())
            except zlib.error as exc:
                raise self._garbled(exc) from None
        return b"".join(self._chunks)

    def _add(self, data: bytes) -> None:
        if not data:
            return
        self._size += len(data)
        if self._size > self._limit:
            raise self._too_large("it was not read further")
        self._chunks.append(data)

    def _too_large(self, detail: str) -> ResponseTooLargeError:
        return ResponseTooLargeError(
            f"{self._operation}: Volt's answer is larger than max_response_bytes "
            f"({self._limit} bytes); {detail}",
            limit=self._limit,
            operation=self._operation,
            response=self._response,
        )

    def _garbled(self, exc: zlib.error) -> MalformedResponseError:
        encoding = self._response.headers.get("content-encoding", "")
        return MalformedResponseError(
            f"{self._operation}: Volt's answer is not valid {encoding[:40]} ({exc})",
            operation=self._operation,
            response=self._response,
        )


def readable(response: httpx.Response, body: bytes) -> httpx.Response:
    """A copy of a streamed ``response`` that holds ``body``, for an error to carry.

    The original was read raw and closed: its ``.content`` would raise. The copy
    answers ``.content``, ``.text`` and ``.json()`` with the decompressed body.
    """
    headers = [
        (k, v)
        for k, v in response.headers.raw
        if k.lower() not in (b"content-encoding", b"content-length", b"transfer-encoding")
    ]
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=body,
        request=response.request,
        extensions=response.extensions,
    )
