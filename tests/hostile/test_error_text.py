"""Bounded error texts: whatever the server sends, an error's ``str`` and ``repr``
stay short (a log line, a traceback), while the full data stays on the error."""

from __future__ import annotations

import pytest

from volt_sdk import GraphQLError, NotFoundError

from .behaviours import answer_json
from .harness import Arena, Call

MAX_TEXT = 2000
#: Room for the large answers below when the client caps answers: they are
#: legitimate, only their errors' texts are on trial here.
ROOM = 32 * 1024 * 1024


def assert_short(error: BaseException, what: str) -> None:
    text, shown = str(error), repr(error)
    lengths = (
        f"{what}: str(exc) is {len(text)} chars and repr(exc) {len(shown)} chars "
        f"(at most {MAX_TEXT} each); it starts {text[:200]!r}"
    )
    assert len(text) <= MAX_TEXT, lengths
    assert len(shown) <= MAX_TEXT, lengths


@pytest.mark.anyio
async def test_a_hundred_thousand_graphql_errors_make_a_short_text_and_are_all_kept(
    arena: Arena,
) -> None:
    errors = [{"message": f"error {i}", "path": ["message"]} for i in range(100_000)]
    arena.server.respond(answer_json({"errors": errors, "data": None}))
    outcome = await arena.attempt(Call("get_message", {"id": "m1"}), deadline=20, room_for=ROOM)
    error = outcome.raised(GraphQLError)
    assert isinstance(error, GraphQLError)
    assert_short(error, outcome.describe())
    assert len(error.errors) == 100_000
    assert error.errors[0].message == "error 0"
    assert error.errors[-1].message == "error 99999"
    assert error.errors[-1].path == ("message",)
    arena.assert_token_nowhere(outcome)


@pytest.mark.anyio
async def test_a_five_million_character_error_message_is_cut_in_the_text_and_kept_whole(
    arena: Arena,
) -> None:
    message = "the server is very unhappy " * 185_186  # 5,000,022 characters
    arena.server.respond(answer_json({"errors": [{"message": message}], "data": None}))
    outcome = await arena.attempt(Call("get_message", {"id": "m1"}), deadline=20, room_for=ROOM)
    error = outcome.raised(GraphQLError)
    assert isinstance(error, GraphQLError)
    assert_short(error, outcome.describe())
    assert error.errors[0].message == message
    arena.assert_token_nowhere(outcome)


@pytest.mark.anyio
async def test_a_lookup_of_a_million_character_id_that_is_not_found_has_a_short_text(
    arena: Arena,
) -> None:
    huge_id = "x" * 1_000_000
    arena.server.respond(answer_json({"data": {"message": None}}))
    outcome = await arena.attempt(Call("get_message", {"id": huge_id}), deadline=20)
    error = outcome.raised(NotFoundError)
    assert isinstance(error, NotFoundError)
    assert_short(error, outcome.describe())
    assert error.lookup == {"id": huge_id}  # the whole lookup stays on the error
    arena.assert_token_nowhere(outcome)
