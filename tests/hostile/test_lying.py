"""Lying lengths and resets: each is a typed VoltError, never a raw httpx or h11
exception, never "HTTP 200 with an empty body" for a body that was cut short or
too long, and a send it breaks is an outcome unknown, never sent twice."""

from __future__ import annotations

import pytest

from volt_sdk import (
    MalformedResponseError,
    MessageOutcomeUnknownError,
    VoltConnectionError,
    VoltError,
    VoltTimeoutError,
)

from .behaviours import lying_length, reset_mid_body
from .harness import GET_MESSAGE, SEND_MESSAGE, Arena, Call, Outcome
from .server import Behaviour

DEADLINE = 2.0
MARGIN = 2.5

CUT_OR_GARBLED: tuple[type[VoltError], ...] = (VoltConnectionError, MalformedResponseError)
LIES: dict[str, tuple[Behaviour, tuple[type[VoltError], ...]]] = {
    # Content-Length 1,000 bytes more than sent, then the connection closes.
    "longer-then-close": (lying_length("longer", then="close"), CUT_OR_GARBLED),
    # Content-Length 1,000 bytes more than sent, then nothing: only time can end it.
    "longer-then-stall": (lying_length("longer", then="stall"), (VoltTimeoutError,)),
    # Content-Length half of what is sent.
    "shorter": (lying_length("shorter"), CUT_OR_GARBLED),
    # Headers, half the body, then a TCP reset.
    "reset-mid-body": (reset_mid_body(), CUT_OR_GARBLED),
}


def typed_error(outcome: Outcome, expected: tuple[type[VoltError], ...]) -> VoltError:
    """The error the lie should give (for a send: the cause of the outcome unknown)."""
    if outcome.call is SEND_MESSAGE:
        unknown = outcome.raised(MessageOutcomeUnknownError)
        assert isinstance(unknown, MessageOutcomeUnknownError)
        assert isinstance(unknown.cause, expected), outcome.describe()
        return unknown.cause
    error = outcome.raised(*expected)
    assert isinstance(error, VoltError)
    return error


@pytest.mark.anyio
@pytest.mark.parametrize("call", [GET_MESSAGE, SEND_MESSAGE], ids=str)
@pytest.mark.parametrize("lie", list(LIES))
async def test_a_lying_or_broken_answer_is_a_typed_error_in_time(
    arena: Arena, lie: str, call: Call
) -> None:
    behaviour, expected = LIES[lie]
    arena.server.respond(behaviour)
    outcome = await arena.attempt(
        call, client_timeout=5, deadline=DEADLINE, max_retries=2 if call is SEND_MESSAGE else 0
    )
    outcome.within(DEADLINE + MARGIN)
    error = typed_error(outcome, expected)
    assert "empty body" not in str(error), outcome.describe()
    if call is SEND_MESSAGE:
        assert len(arena.server.requests) == 1, outcome.describe()
    arena.assert_token_nowhere(outcome)
