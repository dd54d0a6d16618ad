"""The deadline is a wall-clock bound: a server that answers one byte per second
cannot hold a call past it, and a send it holds is never sent twice.

httpx's timeouts are per read: a server that sends a byte every second never
trips a 5 s read timeout, so only the call's deadline can end the call. Each
call runs under a 15 s guard (``harness``) so that a client without a wall-clock
deadline fails the test instead of hanging it.
"""

from __future__ import annotations

import pytest

from volt_sdk import MessageOutcomeUnknownError, VoltTimeoutError

from .behaviours import DripPart, drip
from .harness import GET_MESSAGE, SEND_MESSAGE, Arena

DEADLINE = 2.0
#: The documented margin is 0.25 s; this one is generous for a loaded 2-core machine.
MARGIN = 2.5
PARTS: list[DripPart] = ["status line", "headers", "body"]
IDS = [part.replace(" ", "-") for part in PARTS]


@pytest.mark.anyio
@pytest.mark.parametrize("part", PARTS, ids=IDS)
async def test_a_server_that_drips_cannot_hold_a_lookup_past_its_deadline(
    arena: Arena, part: DripPart
) -> None:
    arena.server.respond(drip(part))
    outcome = await arena.attempt(GET_MESSAGE, client_timeout=5, deadline=DEADLINE, max_retries=0)
    outcome.within(DEADLINE + MARGIN)
    error = outcome.raised(VoltTimeoutError)
    assert isinstance(error, VoltTimeoutError)
    assert error.phase == "deadline", outcome.describe()
    arena.assert_token_nowhere(outcome)


@pytest.mark.anyio
@pytest.mark.parametrize("part", PARTS, ids=IDS)
async def test_a_server_that_drips_cannot_hold_a_send_past_its_deadline_nor_get_it_twice(
    arena: Arena, part: DripPart
) -> None:
    arena.server.respond(drip(part))
    # Retries allowed: the send must still never be repeated, since it reached the server.
    outcome = await arena.attempt(SEND_MESSAGE, client_timeout=5, deadline=DEADLINE, max_retries=2)
    outcome.within(DEADLINE + MARGIN)
    error = outcome.raised(MessageOutcomeUnknownError)
    assert isinstance(error, MessageOutcomeUnknownError)
    assert isinstance(error.cause, VoltTimeoutError), outcome.describe()
    assert len(arena.server.requests) == 1, outcome.describe()
    arena.assert_token_nowhere(outcome)
