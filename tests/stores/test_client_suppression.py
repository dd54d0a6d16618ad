"""send_message and send_many refuse a recipient who opted out, before any request.

Against the sandbox, on both clients: what matters is what reached it.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.client.both import CLIENTS, close, resolve
from tests.redis_server import finishes
from volt_sdk import (
    AsyncVolt,
    ConfigurationError,
    OutgoingMessage,
    RecipientSuppressedError,
    StoreUnavailableError,
    ValidationError,
    Volt,
)
from volt_sdk.sandbox import Sandbox
from volt_sdk.stores import MemorySuppressionList, SQLiteSuppressionList, SuppressionEntry

pytestmark = pytest.mark.anyio

OPTED_OUT = "+15555550177"
OTHER = "+15555550178"


class BrokenList:
    """A suppression list whose backing store is down."""

    def __init__(self) -> None:
        self.lookups = 0

    def record(self, number: str, **_: Any) -> bool:
        raise OSError("connection refused")

    def lookup(self, number: str) -> SuppressionEntry | None:
        self.lookups += 1
        raise OSError("connection refused")


@pytest.fixture
def opted_out() -> MemorySuppressionList:
    store = MemorySuppressionList()
    store.record(OPTED_OUT, opted_out=True, at=100.0, keyword="STOP", sender=None)
    return store


@pytest.fixture(params=CLIENTS, ids=lambda c: c.__name__)
def client_type(request: pytest.FixtureRequest) -> type[Volt] | type[AsyncVolt]:
    kind: type[Volt] | type[AsyncVolt] = request.param
    return kind


def sent_to(sandbox: Sandbox) -> list[str]:
    return [m.to_number for m in sandbox.outbox()]


async def test_a_suppressed_recipient_is_refused_and_nothing_is_sent(
    volt_sandbox: Sandbox,
    opted_out: MemorySuppressionList,
    client_type: type[Volt] | type[AsyncVolt],
) -> None:
    volt = client_type(suppression=opted_out)
    try:
        with pytest.raises(RecipientSuppressedError) as caught:
            # Written without the +: normalized first, then looked up.
            await resolve(
                volt.send_message(to="+1 555 555 0177", from_=volt_sandbox.numbers[0], body="Hi")
            )
        message = await resolve(
            volt.send_message(to=OTHER, from_=volt_sandbox.numbers[0], body="Hi")
        )
    finally:
        await close(volt)
    error = caught.value
    assert isinstance(error, ValidationError)
    assert (error.argument, error.reason, error.value) == ("to", "suppressed", OPTED_OUT)
    assert error.entry == SuppressionEntry(OPTED_OUT, True, 100.0, "STOP", None)
    assert str(error) == f"to: {OPTED_OUT} opted out (STOP); not sent"
    assert message.to_number == OTHER
    assert sent_to(volt_sandbox) == [OTHER]


async def test_an_opt_in_lifts_the_suppression(
    volt_sandbox: Sandbox,
    opted_out: MemorySuppressionList,
    client_type: type[Volt] | type[AsyncVolt],
) -> None:
    opted_out.record(OPTED_OUT, opted_out=False, at=101.0, keyword="START")
    volt = client_type(suppression=opted_out)
    try:
        await resolve(volt.send_message(to=OPTED_OUT, from_=volt_sandbox.numbers[0], body="Hi"))
    finally:
        await close(volt)
    assert sent_to(volt_sandbox) == [OPTED_OUT]


async def test_none_per_call_skips_the_list_and_a_list_per_call_replaces_the_clients(
    volt_sandbox: Sandbox,
    opted_out: MemorySuppressionList,
    client_type: type[Volt] | type[AsyncVolt],
) -> None:
    volt = client_type(suppression=opted_out)
    plain = client_type()
    try:
        # The one confirmation a STOP may get goes out with suppression=None.
        await resolve(
            volt.send_message(
                to=OPTED_OUT, from_=volt_sandbox.numbers[0], body="Unsubscribed", suppression=None
            )
        )
        with pytest.raises(RecipientSuppressedError):
            await resolve(
                plain.send_message(
                    to=OPTED_OUT, from_=volt_sandbox.numbers[0], body="x", suppression=opted_out
                )
            )
    finally:
        await close(volt)
        await close(plain)
    assert sent_to(volt_sandbox) == [OPTED_OUT]


async def test_a_list_that_cannot_be_read_fails_closed(
    volt_sandbox: Sandbox, client_type: type[Volt] | type[AsyncVolt]
) -> None:
    broken = BrokenList()
    volt = client_type(suppression=broken)
    try:
        with pytest.raises(StoreUnavailableError) as caught:
            await resolve(volt.send_message(to=OTHER, from_=volt_sandbox.numbers[0], body="Hi"))
    finally:
        await close(volt)
    assert caught.value.store == "BrokenList"
    assert "could not be read, so nothing was sent: OSError: connection refused" in str(
        caught.value
    )
    assert broken.lookups == 1
    assert sent_to(volt_sandbox) == []


async def test_a_bad_argument_is_refused_before_the_list_is_asked(
    volt_sandbox: Sandbox, client_type: type[Volt] | type[AsyncVolt]
) -> None:
    broken = BrokenList()
    volt = client_type(suppression=broken)
    try:
        with pytest.raises(ValidationError) as caught:
            await resolve(volt.send_message(to="nope", from_=volt_sandbox.numbers[0], body="Hi"))
    finally:
        await close(volt)
    assert caught.value.argument == "to"
    assert broken.lookups == 0


def test_a_store_of_the_wrong_type_is_refused_at_construction() -> None:
    with pytest.raises(ConfigurationError, match=r"^suppression: expected a SuppressionList"):
        Volt(suppression="stops.db")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match=r"^deliveries: expected a DeliveryLog"):
        Volt(deliveries=MemorySuppressionList())  # type: ignore[arg-type]


def test_a_store_of_the_wrong_type_per_call_is_a_validation_error(volt_sandbox: Sandbox) -> None:
    with Volt() as volt, pytest.raises(ValidationError) as caught:
        volt.send_message(to=OTHER, from_=volt_sandbox.numbers[0], body="Hi", suppression=3)  # type: ignore[arg-type]
    assert (caught.value.argument, caught.value.reason) == ("suppression", "wrong_type")
    assert sent_to(volt_sandbox) == []


# -- send_many ------------------------------------------------------------------------------


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    return tmp_path / "run.journal"


def test_send_many_reports_suppressed_items_and_sends_the_rest(
    volt_sandbox: Sandbox, opted_out: MemorySuppressionList, journal: Path
) -> None:
    sender = volt_sandbox.numbers[0]
    messages = [
        OutgoingMessage(to=OTHER, from_=sender, body="a", key="k1"),
        OutgoingMessage(to=OPTED_OUT, from_=sender, body="b", key="k2"),
    ]
    with Volt(suppression=opted_out) as volt:
        results = {r.key: r for r in volt.send_many(messages, journal=journal)}
    assert results["k1"].status == "sent"
    suppressed = results["k2"]
    assert (suppressed.status, suppressed.attempts, suppressed.message_id) == (
        "suppressed",
        0,
        None,
    )
    assert isinstance(suppressed.error, RecipientSuppressedError)
    assert suppressed.reason == f"to: {OPTED_OUT} opted out (STOP); not sent"
    assert sent_to(volt_sandbox) == [OTHER]
    # Pending in the journal, not final: a later run asks the list again.
    with contextlib.closing(sqlite3.connect(journal)) as db:
        rows = dict(db.execute("SELECT key, state FROM bulk_items").fetchall())
    assert rows == {"k1": "sent", "k2": "pending"}
    opted_out.record(OPTED_OUT, opted_out=False, at=200.0, keyword="START")
    with Volt(suppression=opted_out) as volt:
        again = {r.key: r for r in volt.send_many(messages, journal=journal)}
    assert (again["k1"].status, again["k1"].resumed) == ("sent", True)
    assert (again["k2"].status, again["k2"].resumed, again["k2"].attempts) == ("sent", False, 1)
    assert sorted(sent_to(volt_sandbox)) == sorted([OTHER, OPTED_OUT])


async def test_async_send_many_takes_a_list_per_call(
    volt_sandbox: Sandbox, opted_out: MemorySuppressionList, tmp_path: Path
) -> None:
    stops = SQLiteSuppressionList(tmp_path / "stops.db")
    stops.opt_out(OPTED_OUT)
    sender = volt_sandbox.numbers[0]
    messages = [OutgoingMessage(to=n, from_=sender, body="x") for n in (OPTED_OUT, OTHER)]
    async with AsyncVolt() as volt:
        results = [r async for r in volt.send_many(messages, suppression=stops)]
    assert sorted((r.request.to, r.status) for r in results) == [
        (OPTED_OUT, "suppressed"),
        (OTHER, "sent"),
    ]
    assert sent_to(volt_sandbox) == [OTHER]


def test_send_many_with_an_unreadable_list_sends_nothing_and_fails_after_retries(
    volt_sandbox: Sandbox,
) -> None:
    broken = BrokenList()
    sender = volt_sandbox.numbers[0]
    with Volt(suppression=broken) as volt:
        results = list(
            volt.send_many([OutgoingMessage(to=OTHER, from_=sender, body="x")], max_attempts=2)
        )
    assert [r.status for r in results] == ["failed"]
    assert isinstance(results[0].error, StoreUnavailableError)
    assert results[0].reason is not None
    assert results[0].reason.startswith("not sent after 2 attempts: the suppression list")
    assert broken.lookups == 2
    assert sent_to(volt_sandbox) == []


def test_a_redis_that_hangs_is_a_store_error_not_a_send_that_hangs(
    volt_sandbox: Sandbox, silent_redis_url: str
) -> None:
    """``from_url`` gives its client a socket timeout: a Redis that accepts the connection and
    never answers fails the send closed instead of holding it forever."""
    from volt_sdk.stores import RedisSuppressionList

    store = RedisSuppressionList.from_url(silent_redis_url, timeout=0.2)

    def send() -> None:
        with Volt(suppression=store) as volt:
            volt.send_message(to=OTHER, from_=volt_sandbox.numbers[0], body="Hi")

    error = finishes(send)
    assert isinstance(error, StoreUnavailableError)
    assert error.store == "RedisSuppressionList"
    assert "TimeoutError" in str(error)
    assert sent_to(volt_sandbox) == []
