"""Wrong shapes: whatever a 200 answer holds, the client raises a VoltError
(a lookup: MalformedResponseError or GraphQLError; a send: an outcome unknown, or
a GraphQLError when the answer says Volt refused it), never anything else."""

from __future__ import annotations

import json

import pytest

from volt_sdk import GraphQLError, MalformedResponseError, MessageOutcomeUnknownError

from .answers import root_field
from .behaviours import answer, answer_json
from .harness import GET_MESSAGE, SEND_MESSAGE, Arena, Call
from .server import Behaviour, Exchange

DEPTH = 100_000


def root_field_is_a_number() -> Behaviour:
    """``{"data": {"message": 42}}`` (``createMessage`` for a send)."""

    def behave(exchange: Exchange) -> None:
        answer_json({"data": {root_field(exchange.request): 42}})(exchange)

    return behave


SHAPES: dict[str, Behaviour] = {
    "data-is-an-array": answer_json({"data": []}),
    "data-message-is-a-number": root_field_is_a_number(),
    "errors-is-a-string": answer_json({"errors": "everything is broken"}),
    "top-level-json-array": answer_json([{"data": {"message": None}}]),
    "html": answer(
        b"<!doctype html><html><body><h1>502 Bad Gateway</h1></body></html>",
        content_type="text/html",
    ),
    "invalid-utf8": answer(b'{"data": {"message": {"id": "m1", "body": "\xff\xfe\xc3("}}}'),
    "empty-body": answer(b""),
    "arrays-nested-100000-deep": answer(
        b'{"data": {"message": ' + b"[" * DEPTH + b"]" * DEPTH + b"}}"
    ),
    "objects-nested-100000-deep": answer(
        b'{"data": ' + b'{"a": ' * DEPTH + b"null" + b"}" * DEPTH + b"}"
    ),
    "errors-nested-100000-deep": answer(
        json.dumps({"errors": [{"message": "x", "extensions": "@@"}]})
        .encode()
        .replace(b'"@@"', b"[" * DEPTH + b"]" * DEPTH)
    ),
}


@pytest.mark.anyio
@pytest.mark.parametrize("call", [GET_MESSAGE, SEND_MESSAGE], ids=str)
@pytest.mark.parametrize("shape", list(SHAPES))
async def test_a_wrongly_shaped_answer_is_a_typed_error(
    arena: Arena, shape: str, call: Call
) -> None:
    arena.server.respond(SHAPES[shape])
    outcome = await arena.attempt(call, deadline=10)
    if call is SEND_MESSAGE:
        error = outcome.raised(MessageOutcomeUnknownError, GraphQLError)
        if isinstance(error, MessageOutcomeUnknownError):
            assert isinstance(error.cause, MalformedResponseError), outcome.describe()
        assert len(arena.server.requests) == 1
    else:
        outcome.raised(MalformedResponseError, GraphQLError)
    outcome.within(5.0)
    arena.assert_token_nowhere(outcome)
