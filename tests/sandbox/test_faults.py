"""Injected faults reach the client as the right VoltError, deterministically.

A send whose request may have reached Volt (a 5xx, a dropped connection, a garbled
answer) raises MessageOutcomeUnknownError carrying the transport or status error
as ``cause``; ``reconcile_message`` then tells whether the message exists.
"""

from __future__ import annotations

import time

import httpx
import pytest

from volt_sdk import (
    APIStatusError,
    AsyncVolt,
    AuthenticationError,
    MalformedResponseError,
    MessageOutcomeUnknownError,
    RateLimitError,
    Volt,
    VoltConnectionError,
    VoltError,
)
from volt_sdk.sandbox import FaultConfig, Sandbox

from .conftest import OTHER


def _outcome(volt: Volt, sender: str) -> str:
    """What one send gave, with the client's retries off: "ok" or an error's class name."""
    try:
        volt.with_options(max_retries=0).send_message(to=OTHER, from_=sender, body="hi")
    except MessageOutcomeUnknownError as exc:
        return type(exc.cause).__name__
    except VoltError as exc:
        return type(exc).__name__
    return "ok"


def test_a_429_is_a_rate_limit_error_with_retry_after_and_nothing_is_sent(
    volt: Volt, sandbox: Sandbox, sender: str
) -> None:
    sandbox.set_faults(FaultConfig(rate_429=1.0, retry_after=0.5))

    with pytest.raises(RateLimitError) as caught:
        volt.with_options(max_retries=0).send_message(to=OTHER, from_=sender, body="hi")

    assert caught.value.status_code == 429
    assert caught.value.retry_after == 0.5
    assert sandbox.outbox() == []


def test_a_5xx_on_a_send_is_an_unknown_outcome_that_reconciles_to_not_sent(
    volt: Volt, sandbox: Sandbox, sender: str
) -> None:
    sandbox.set_faults(FaultConfig(seed=1, rate_5xx=1.0))
    statuses = set()

    for _ in range(12):
        with pytest.raises(MessageOutcomeUnknownError) as caught:
            volt.send_message(to=OTHER, from_=sender, body="hi")
        cause = caught.value.cause
        assert type(cause) is APIStatusError
        statuses.add(cause.status_code)

    assert statuses <= {500, 502, 503, 504}
    assert len(statuses) >= 2
    assert sandbox.outbox() == []
    sandbox.set_faults(None)
    assert volt.reconcile_message(caught.value) is None


def test_a_dropped_connection_on_a_send_is_an_unknown_outcome_that_reconciles_to_sent(
    volt: Volt, sandbox: Sandbox, sender: str
) -> None:
    sandbox.set_faults(FaultConfig(rate_drop=1.0))

    with pytest.raises(MessageOutcomeUnknownError) as caught:
        volt.send_message(to=OTHER, from_=sender, body="hi")

    assert isinstance(caught.value.cause, VoltConnectionError)
    (stored,) = sandbox.outbox()  # it reached the server: resending would send twice
    sandbox.set_faults(None)
    found = volt.reconcile_message(caught.value)
    assert found is not None
    assert found.id == stored.id
    assert volt.send_message(to=OTHER, from_=sender, body="again").status == "queued"


def test_a_dropped_connection_is_closed_without_any_response_bytes(sandbox: Sandbox) -> None:
    sandbox.set_faults(FaultConfig(rate_drop=1.0))

    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        httpx.post(
            sandbox.url,
            json={"query": "{ webhooks { id } }"},
            headers={"Authorization": f"Bearer {sandbox.token}"},
        )


@pytest.mark.anyio
async def test_a_dropped_connection_in_process_is_a_connection_error_too() -> None:
    sandbox = Sandbox(faults=FaultConfig(rate_drop=1.0))
    transport = httpx.ASGITransport(app=sandbox.app)
    async with AsyncVolt(
        base_url="http://127.0.0.1/graphql",
        token=sandbox.token,
        http_client=httpx.AsyncClient(transport=transport),
    ) as volt:
        with pytest.raises(MessageOutcomeUnknownError) as caught:
            await volt.send_message(to=OTHER, from_=sandbox.numbers[0], body="hi")
        assert isinstance(caught.value.cause, VoltConnectionError)
    sandbox.close()


def test_a_malformed_answer_to_a_send_is_an_unknown_outcome_that_reconciles_to_sent(
    volt: Volt, sandbox: Sandbox, sender: str
) -> None:
    sandbox.set_faults(FaultConfig(rate_malformed=1.0))

    with pytest.raises(MessageOutcomeUnknownError) as caught:
        volt.send_message(to=OTHER, from_=sender, body="hi")

    cause = caught.value.cause
    assert isinstance(cause, MalformedResponseError)
    assert cause.status_code == 200
    assert cause.response is not None
    assert cause.response.headers["content-type"] == "application/json"
    (stored,) = sandbox.outbox()
    sandbox.set_faults(None)
    found = volt.reconcile_message(caught.value)
    assert found is not None
    assert found.id == stored.id


def test_the_same_seed_gives_the_same_faults_and_another_seed_others(
    volt: Volt, sandbox: Sandbox, sender: str
) -> None:
    mix = {"rate_429": 0.2, "rate_5xx": 0.2, "rate_drop": 0.1, "rate_malformed": 0.2}

    def run(seed: int) -> list[str]:
        sandbox.set_faults(FaultConfig(seed=seed, retry_after=0, **mix))
        return [_outcome(volt, sender) for _ in range(30)]

    first, again, other = run(42), run(42), run(43)

    assert first == again
    assert first != other
    assert {"ok", "RateLimitError", "APIStatusError", "MalformedResponseError"} <= set(first)


def test_reset_restores_the_constructors_faults_with_a_fresh_seed() -> None:
    faults = FaultConfig(seed=5, rate_429=0.5, retry_after=0)
    with Sandbox(faults=faults) as sandbox, Volt(base_url=sandbox.url, token=sandbox.token) as volt:
        sender = sandbox.numbers[0]
        first = [_outcome(volt, sender) for _ in range(12)]
        sandbox.set_faults(None)
        assert _outcome(volt, sender) == "ok"
        sandbox.reset()
        assert sandbox.faults == faults
        assert [_outcome(volt, sender) for _ in range(12)] == first


def test_latency_is_added_to_every_answer(volt: Volt, sandbox: Sandbox, sender: str) -> None:
    sandbox.set_faults(FaultConfig(latency=0.05, latency_jitter=0.01))

    started = time.monotonic()
    volt.send_message(to=OTHER, from_=sender, body="hi")

    assert time.monotonic() - started >= 0.05


def test_faults_never_touch_control_routes_or_refused_tokens(sandbox: Sandbox) -> None:
    sandbox.set_faults(FaultConfig(rate_5xx=1.0))
    base = sandbox.url.removesuffix("/graphql")
    auth = {"Authorization": f"Bearer {sandbox.token}"}

    assert httpx.get(f"{base}/_sandbox/outbox", headers=auth).status_code == 200
    assert httpx.get(f"{base}/_sandbox/health").status_code == 200
    with (
        Volt(base_url=sandbox.url, token="wrong") as volt,
        pytest.raises(AuthenticationError),
    ):
        volt.get_message("msg_1")


@pytest.mark.parametrize(
    "fields",
    [
        {"rate_429": 1.5},
        {"rate_5xx": -0.1},
        {"rate_429": 0.5, "rate_drop": 0.6},
        {"latency": -1.0},
        {"retry_after": float("inf")},
    ],
)
def test_an_impossible_fault_configuration_is_refused(fields: dict[str, float]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        FaultConfig(**fields)  # type: ignore[arg-type]
