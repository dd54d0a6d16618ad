"""The HTTP plumbing of the sandbox's ASGI app: reading a body within its limit, reading
JSON that may be hostile, and answering."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Final

from ._limits import MAX_BODY

__all__ = [
    "HTML",
    "JSON",
    "TEXT",
    "BodyTooLargeError",
    "NestedTooDeeplyError",
    "Receive",
    "Scope",
    "Send",
    "dumps",
    "errors_body",
    "load_json",
    "read_body",
    "respond",
]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

JSON: Final = (b"content-type", b"application/json")
HTML: Final = (b"content-type", b"text/html; charset=utf-8")
TEXT: Final = (b"content-type", b"text/plain; charset=utf-8")
dumps: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def errors_body(message: str, code: str | None = None, *, with_data: bool = False) -> bytes:
    entry: dict[str, Any] = {"message": message}
    if code is not None:
        entry["extensions"] = {"code": code}
    payload: dict[str, Any] = {"errors": [entry]}
    if with_data:
        payload["data"] = None
    return dumps(payload).encode()


class NestedTooDeeplyError(ValueError):
    pass


def load_json(raw: bytes) -> object:
    """The JSON document, or a ValueError; JSON nested too deep for Python's parser, which
    recurses, is one too (a subclass), not a crash with a traceback."""
    try:
        return json.loads(raw)
    except RecursionError:
        raise NestedTooDeeplyError("the JSON is nested too deeply") from None


async def respond(
    send: Send,
    status: int,
    body: bytes,
    extra: tuple[tuple[bytes, bytes], ...] = (),
    content_type: tuple[bytes, bytes] = JSON,
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [content_type, (b"content-length", b"%d" % len(body)), *extra],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyTooLargeError(Exception):
    pass


async def read_body(scope: Scope, receive: Receive) -> bytes:
    for name, value in scope["headers"]:
        # Refused before reading: the whole body need not arrive to be too long.
        if name == b"content-length" and value.isdigit() and int(value) > MAX_BODY:
            raise BodyTooLargeError
    message = await receive()
    body: bytes = message.get("body", b"")
    size = len(body)
    if size > MAX_BODY:
        raise BodyTooLargeError
    if not message.get("more_body"):
        return body
    chunks = [body]
    while message.get("more_body"):
        message = await receive()
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise BodyTooLargeError
        chunks.append(chunk)
    return b"".join(chunks)
