"""The catalogue of misbehaviours: each function returns a :data:`Behaviour` for
:meth:`HostileServer.respond`.

::

    server.respond(drip("headers"))                   # headers at 1 byte/s
    server.respond(lying_length("longer", then="stall"))
    server.respond(answer_json({"data": []}))         # a wrong shape
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Final, Literal

from .answers import FILLER_BYTE, answer_around_filler, padded_answer, valid_answer
from .server import Behaviour, Exchange

__all__ = [
    "DripPart",
    "answer",
    "answer_json",
    "answer_valid",
    "answer_valid_padded",
    "drip",
    "gzip_answer",
    "huge_answer",
    "lying_length",
    "reset_mid_body",
]

DripPart = Literal["status line", "headers", "body"]
_BLOCK: Final = FILLER_BYTE * (1024 * 1024)


def _head(status: int, headers: Sequence[tuple[str, str]]) -> tuple[bytes, bytes]:
    """``(status line, header lines and the blank line)`` of a response."""
    reason = {200: "OK"}.get(status, "Whatever")
    status_line = f"HTTP/1.1 {status} {reason}\r\n".encode("latin-1")
    lines = "".join(f"{name}: {value}\r\n" for name, value in headers) + "\r\n"
    return status_line, lines.encode("latin-1")


def _json_headers(length: int, *extra: tuple[str, str]) -> list[tuple[str, str]]:
    return [
        ("Content-Type", "application/json"),
        ("Content-Length", str(length)),
        ("Connection", "close"),
        *extra,
    ]


def answer(
    body: bytes,
    *,
    status: int = 200,
    content_type: str = "application/json",
    headers: Sequence[tuple[str, str]] = (),
) -> Behaviour:
    """A well-formed response carrying ``body``, whatever it is."""

    def behave(exchange: Exchange) -> None:
        status_line, head = _head(
            status,
            [
                ("Content-Type", content_type),
                ("Content-Length", str(len(body))),
                ("Connection", "close"),
                *headers,
            ],
        )
        exchange.send(status_line + head + body)

    return behave


def answer_json(payload: object) -> Behaviour:
    """A well-formed response carrying ``payload`` as JSON."""
    return answer(json.dumps(payload).encode())


def answer_valid() -> Behaviour:
    """The right answer to GetMessage or CreateMessage: the kit's control case."""

    def behave(exchange: Exchange) -> None:
        answer(valid_answer(exchange.request))(exchange)

    return behave


def answer_valid_padded(size: int) -> Behaviour:
    """A valid answer of exactly ``size`` bytes (a message body padded to fit)."""

    def behave(exchange: Exchange) -> None:
        answer(padded_answer(exchange.request, size))(exchange)

    return behave


def drip(part: DripPart, *, interval: float = 1.0) -> Behaviour:
    """A valid answer whose ``part`` (and everything after it) comes at 1 byte per ``interval``.

    ``"status line"``: even ``HTTP/1.1 200 OK`` drips; ``"headers"``: the status
    line comes at once, the headers and the body drip; ``"body"``: status line
    and headers at once, then the body drips. The answer is valid and short
    enough that only the call's deadline can stop it before the server's cap.
    """

    def behave(exchange: Exchange) -> None:
        body = valid_answer(exchange.request)
        status_line, head = _head(200, _json_headers(len(body)))
        if part == "status line":
            exchange.drip(status_line + head + body, interval=interval)
        elif part == "headers":
            exchange.send(status_line)
            exchange.drip(head + body, interval=interval)
        else:
            exchange.send(status_line + head)
            exchange.drip(body, interval=interval)

    return behave


def lying_length(
    declared: Literal["longer", "shorter"], *, then: Literal["close", "stall"] = "close"
) -> Behaviour:
    """A valid answer whose ``Content-Length`` lies.

    ``"longer"``: it announces 1,000 bytes more than it sends, then closes the
    connection (``then="close"``) or sends nothing more (``then="stall"``).
    ``"shorter"``: it announces half of what it sends, sends it all, then closes.
    """

    def behave(exchange: Exchange) -> None:
        body = valid_answer(exchange.request)
        length = len(body) + 1000 if declared == "longer" else len(body) // 2
        status_line, head = _head(200, _json_headers(length))
        exchange.send(status_line + head + body)
        if then == "stall":
            exchange.stall()

    return behave


def gzip_answer(payload: bytes) -> Behaviour:
    """``payload`` sent as is, with ``Content-Encoding: gzip`` (a gzip bomb, say)."""
    return answer(payload, headers=[("Content-Encoding", "gzip")])


def huge_answer(size: int, *, chunked: bool) -> Behaviour:
    """A valid answer of ``size`` bytes, made on the fly (never held in memory).

    With a ``Content-Length``, or ``Transfer-Encoding: chunked`` in 1 MiB chunks.
    The message body is ``size`` bytes of filler less the JSON around it.
    """

    def behave(exchange: Exchange) -> None:
        head_json, tail_json = answer_around_filler(exchange.request)
        filler = size - len(head_json) - len(tail_json)
        framing = ("Transfer-Encoding", "chunked") if chunked else ("Content-Length", str(size))
        status_line, head = _head(
            200, [("Content-Type", "application/json"), framing, ("Connection", "close")]
        )
        exchange.send(status_line + head)

        def piece(data: bytes) -> None:
            if chunked:
                exchange.send(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            else:
                exchange.send(data)

        piece(head_json)
        whole, rest = divmod(filler, len(_BLOCK))
        for _ in range(whole):
            piece(_BLOCK)
        if rest:
            piece(_BLOCK[:rest])
        piece(tail_json)
        if chunked:
            exchange.send(b"0\r\n\r\n")

    return behave


def reset_mid_body(*, settle: float = 0.2) -> Behaviour:
    """Headers with a ``Content-Length``, half the body, a pause, then a TCP reset."""

    def behave(exchange: Exchange) -> None:
        body = valid_answer(exchange.request)
        status_line, head = _head(200, _json_headers(len(body)))
        exchange.send(status_line + head + body[: len(body) // 2])
        exchange.pause(settle)
        exchange.reset()

    return behave
