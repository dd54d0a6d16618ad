"""Injected faults reach the client as the right VoltError, deterministically."""

from __future__ import annotations

import time

import httpx
import pytest

from volt_sdk import (
    APIStatusError,
    AsyncVolt,
    AuthenticationError,
    MalformedResponseError,
    RateLimitError,
    Volt,
    VoltConnectionError,
    VoltError,
)
from volt_sdk.sandbox import FaultConfig, Sandbox

from .conftest import OTHER


def _outcome(volt: Volt, sender: str) -> str:
    try:
        volt.send_message(to=OTHER, from_=sender, body="hi")
    except VoltError as exc:
        return type(exc).__name__
    return "ok"


def test_a_429_is_a_rate_limit_error_with_retry_after_and_nothing_is_sent(
    volt: Volt, sandbox: Sandbox, sender: str
) -> None:
    sandbox.set_faults(FaultConfig(rate_429=1.0, retry_after=0.5))

    with pytest.raises(RateLimitError) as caught:
        volt.send_message(to=OTHER, from_=sender, body="hi")

    assert caught.value.status_code == 429
    assert caught.value.retry_after == 0.5
    assert sandbox.outbox() == []


def test_a_5xx_is_an_api_status_error_and_nothing_is_sent(
    volt: Volt, sandbox: Sandbox, sender: str
) -> None:
    sandbox.set_faults(FaultConfig(seed=1, rate_5xx=1.0))
    statuses = set()

    for _ in range(12):
        with pytest.raises(APIStatusError) as caught:
            volt.send_message(to=OTHER, from_=sender, body="hi")
        assert type(caught.value) is APIStatusError
        statuses.add(caught.value.status_code)

    assert statuses <= {500, 502, 503, 504}
    assert len(statuses) >= 2
    assert sandbox.outbox() == []


def test_a_dropped_connection_is_a_connection_error_after_the_message_was_stored(
    volt: Volt, sandbox: Sandbox, sender: str
) -> None:
    sandbox.set_faults(FaultConfig(rate_drop=1.0))

    with pytest.raises(VoltConnectionError):
        volt.send_message(to=OTHER, from_=sender, body="hi")

    assert len(sandbox.outbox()) == 1  # it reached the server: resending would send twice
    sandbox.set_faults(None)
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
        with pytest.raises(VoltConnectionError):
            await volt.send_message(to=OTHER, from_=sandbox.numbers[0], body="hi")
    sandbox.close()


def test_a_malformed_answer_is_a_malformed_response_error_after_the_message_was_stored(
    volt: Volt, sandbox: Sandbox, sender: str
) -> None:
    sandbox.set_faults(FaultConfig(rate_malformed=1.0))

    with pytest.raises(MalformedResponseError) as caught:
        volt.send_message(to=OTHER, from_=sender, body="hi")

    assert caught.value.status_code == 200
    assert caught.value.response is not None
    assert caught.value.response.headers["content-type"] == "application/json"
    assert len(sandbox.outbox()) == 1


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
