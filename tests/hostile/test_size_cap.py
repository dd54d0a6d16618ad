"""A response size cap: ``max_response_bytes`` (default ``DEFAULT_MAX_RESPONSE_BYTES``,
a few MB) bounds what a client reads, after decompression; a larger answer raises
``ResponseTooLargeError`` (a ``MalformedResponseError`` with its ``limit``), quickly,
and with the client's memory bounded by the cap.

The huge answers (a 1 GiB gzip bomb, 300 MB with a Content-Length, 300 MB
chunked) are valid answers: only a cap can refuse them. They run in a fresh
process whose peak RSS is measured; each prints its figures (``pytest -s``).

The new names are read from ``volt_sdk`` inside the tests, so that a client
without them fails these tests one by one rather than the module at import.
"""

from __future__ import annotations

import gzip
import inspect

import pytest

import volt_sdk
from volt_sdk import MalformedResponseError, Message, MessageOutcomeUnknownError

from .answers import GzipBomb, padded_answer
from .behaviours import (
    answer,
    answer_valid,
    answer_valid_padded,
    gzip_answer,
    huge_answer,
)
from .harness import (
    GET_MESSAGE,
    SEND_MESSAGE,
    Arena,
    Call,
    ClientClass,
    measure_in_fresh_process,
)
from .server import Behaviour, Exchange, HostileServer

#: Peak resident memory of the fresh process making the call.
RSS_BOUND_MB = 200
#: "Quickly": the call's deadline is 30 s.
QUICK = 5.0
HUGE = 300_000_000
HUGE_CASES = ["gzip-bomb-1GiB", "plain-300MB", "chunked-300MB"]


def huge_behaviour(case: str, request: pytest.FixtureRequest) -> Behaviour:
    if case == "gzip-bomb-1GiB":
        bomb: GzipBomb = request.getfixturevalue("gzip_bomb")
        return gzip_answer(bomb.payload)
    return huge_answer(HUGE, chunked=case == "chunked-300MB")


def fresh_options(server: HostileServer, token: str, call: Call) -> dict[str, object]:
    return {
        "token": token,
        "base_url": server.url,
        "timeout": 30,
        "deadline": 30,
        # A send may be retried only when it surely never reached the server.
        "max_retries": 2 if call is SEND_MESSAGE else 0,
    }


def test_the_cap_is_an_option_of_the_client_with_a_default_of_a_few_megabytes(
    client_class: ClientClass,
) -> None:
    default = volt_sdk.DEFAULT_MAX_RESPONSE_BYTES
    assert 1_000_000 <= default <= 64_000_000
    parameter = inspect.signature(client_class).parameters.get("max_response_bytes")
    assert parameter is not None, f"{client_class.__name__} has no max_response_bytes option"
    assert parameter.default == default
    too_large = volt_sdk.ResponseTooLargeError
    assert issubclass(too_large, MalformedResponseError)


@pytest.mark.anyio
@pytest.mark.parametrize("call", [GET_MESSAGE, SEND_MESSAGE], ids=str)
async def test_an_answer_larger_than_max_response_bytes_is_refused(
    arena: Arena, call: Call
) -> None:
    arena.server.respond(answer_valid_padded(2000))
    outcome = await arena.attempt(call, deadline=10, max_response_bytes=1000)
    too_large = volt_sdk.ResponseTooLargeError
    if call is SEND_MESSAGE:
        unknown = outcome.raised(MessageOutcomeUnknownError)
        assert isinstance(unknown, MessageOutcomeUnknownError)
        error: object = unknown.cause
        assert len(arena.server.requests) == 1
    else:
        error = outcome.raised(too_large)
    assert isinstance(error, too_large), outcome.describe()
    assert error.limit == 1000, outcome.describe()
    outcome.within(5.0)
    arena.assert_token_nowhere(outcome)


@pytest.mark.anyio
async def test_an_answer_within_max_response_bytes_is_read(arena: Arena) -> None:
    arena.server.respond(answer_valid_padded(900))
    outcome = await arena.attempt(GET_MESSAGE, deadline=10, max_response_bytes=1000)
    assert isinstance(outcome.result, Message), outcome.describe()


@pytest.mark.anyio
async def test_a_gzip_answer_of_ordinary_size_is_still_read(arena: Arena) -> None:
    def behave(exchange: Exchange) -> None:
        body = gzip.compress(padded_answer(exchange.request, 100_000))
        answer(body, headers=[("Content-Encoding", "gzip")])(exchange)

    arena.server.respond(behave)
    outcome = await arena.attempt(GET_MESSAGE, deadline=10)
    assert isinstance(outcome.result, Message), outcome.describe()
    assert len(outcome.result.body or "") > 99_000


def test_a_normal_call_in_a_fresh_process_stays_far_below_the_memory_bound(
    server: HostileServer, token: str, client_class: ClientClass
) -> None:
    """The baseline of the figures below: the same process, a normal answer."""
    server.respond(answer_valid())
    measured = measure_in_fresh_process(
        client_class, GET_MESSAGE, fresh_options(server, token, GET_MESSAGE)
    )
    line = f"{client_class.__name__}.get_message against a normal answer: {measured.summary()}"
    print(f"\n{line}")
    assert measured.error is None, line
    assert measured.returned is not None, line
    assert measured.peak_rss_mb < RSS_BOUND_MB / 2, line


@pytest.mark.parametrize("call", [GET_MESSAGE, SEND_MESSAGE], ids=str)
@pytest.mark.parametrize("case", HUGE_CASES)
def test_a_huge_answer_is_refused_quickly_and_in_bounded_memory(
    server: HostileServer,
    token: str,
    client_class: ClientClass,
    case: str,
    call: Call,
    request: pytest.FixtureRequest,
) -> None:
    server.respond(huge_behaviour(case, request))
    measured = measure_in_fresh_process(client_class, call, fresh_options(server, token, call))
    line = f"{client_class.__name__}.{call} against {case}: {measured.summary()}"
    print(f"\n{line}")
    if call is SEND_MESSAGE:
        assert measured.classes()[:1] == ["MessageOutcomeUnknownError"], line
        refusal = measured.cause
        assert "ResponseTooLargeError" in measured.classes("cause"), line
        assert len(server.requests) == 1, line
    else:
        refusal = measured.error
        assert "ResponseTooLargeError" in measured.classes(), line
        assert "MalformedResponseError" in measured.classes(), line
    assert refusal is not None
    assert refusal["limit"] == measured.default_cap, line
    assert measured.elapsed < QUICK, line
    assert measured.peak_rss_mb < RSS_BOUND_MB, line
    assert not measured.token_leaks, line
