"""Valid answers, so that a misbehaviour is the only thing wrong with a response.

A dripped, huge or bombed answer is a *valid* GraphQL answer for the operation
asked (a message whose ``body`` is padded): the client cannot refuse it for its
content, only for its timing or its size.
"""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import dataclass
from typing import Any, Final

from tests.payloads import message_data

from .server import ReceivedRequest

__all__ = [
    "FILLER_BYTE",
    "GIB",
    "GzipBomb",
    "answer_around_filler",
    "build_gzip_bomb",
    "padded_answer",
    "root_field",
    "valid_answer",
]

GIB: Final = 1 << 30
#: What fills a padded message body: plain ASCII, one byte per character.
FILLER_BYTE: Final = b"a"
_MARK: Final = "@@FILLER@@"
#: The root field of each operation the tests call.
_ROOT_FIELD: Final = {"GetMessage": "message", "CreateMessage": "createMessage"}


def _data(request: ReceivedRequest, message: dict[str, Any]) -> dict[str, Any]:
    return {"data": {root_field(request): message}}


def valid_answer(request: ReceivedRequest) -> bytes:
    """A small, valid answer to ``request`` (GetMessage or CreateMessage)."""
    return json.dumps(_data(request, message_data(id="m1"))).encode()


def answer_around_filler(request: ReceivedRequest) -> tuple[bytes, bytes]:
    """``(head, tail)``: ``head + FILLER_BYTE * n + tail`` is a valid answer for any ``n``."""
    text = json.dumps(_data(request, message_data(id="m1", body=_MARK))).encode()
    head, _, tail = text.partition(_MARK.encode())
    return head, tail


def padded_answer(request: ReceivedRequest, size: int) -> bytes:
    """A valid answer to ``request`` of exactly ``size`` bytes."""
    head, tail = answer_around_filler(request)
    filler = size - len(head) - len(tail)
    if filler < 0:
        raise AssertionError(f"a valid answer needs at least {len(head) + len(tail)} bytes")
    return head + FILLER_BYTE * filler + tail


@dataclass(frozen=True)
class GzipBomb:
    """A gzip body (``payload``) that inflates to ``inflated_size`` bytes.

    What it inflates to is a valid answer to GetMessage and CreateMessage alike
    (a ``data`` object with both root fields) followed by blanks, which JSON
    allows: only a size cap can refuse it.
    """

    payload: bytes
    inflated_size: int
    prefix: bytes


def build_gzip_bomb(inflated_size: int = GIB, *, block: int = 1 << 20) -> GzipBomb:
    """A ~1 MB gzip body that inflates to ``inflated_size`` bytes (1 GiB by default).

    Streamed from zlib over blanks, block by block: after a full flush zlib has
    forgotten everything, so every block of blanks compresses to the same bytes,
    compressed once and repeated. The gzip header and trailer (CRC-32 and size of
    the whole inflated text) are written by hand; the result is one ordinary gzip
    member that any inflater accepts.
    """
    message = message_data(id="m1")
    prefix = json.dumps({"data": {"message": message, "createMessage": message}}).encode()
    blanks = inflated_size - len(prefix)
    whole_blocks, rest = divmod(blanks, block)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)  # raw deflate
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    blank_block = b" " * block
    unit = compressor.compress(blank_block) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.compress(b" " * rest) + compressor.flush(zlib.Z_FINISH)
    crc = zlib.crc32(prefix)
    for _ in range(whole_blocks):
        crc = zlib.crc32(blank_block, crc)
    crc = zlib.crc32(b" " * rest, crc)
    # ID1 ID2, CM=deflate, no flags, MTIME 0, XFL 2 (slowest, best), OS 255 (unknown).
    gzip_header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc, inflated_size & 0xFFFFFFFF)
    payload = b"".join([gzip_header, head, unit * whole_blocks, tail, trailer])
    return GzipBomb(payload=payload, inflated_size=inflated_size, prefix=prefix)


def root_field(request: ReceivedRequest) -> str:
    """The root field of the operation ``request`` asks (``message``, ``createMessage``)."""
    operation = request.operation_name or "GetMessage"
    field = _ROOT_FIELD.get(operation)
    if field is None:
        raise AssertionError(f"the hostile kit has no valid answer for {operation!r}")
    return field
