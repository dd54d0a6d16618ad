"""``wait_for_status`` over real loopback HTTP: a sandbox moves a sent message to
``delivered`` step by step, in real time, and the wait follows it there."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from volt_sdk import AsyncVolt, Message, Volt
from volt_sdk.sandbox import Sandbox

FROM = "+15555550123"
TO = "+15555550145"
# Seconds per lifecycle step: queued, then sent, then delivered.
PACE = 0.2


@pytest.fixture(scope="module")
def paced_sandbox() -> Iterator[Sandbox]:
    with Sandbox(pace=PACE) as sandbox:
        yield sandbox


def test_a_sent_message_is_followed_until_delivered(paced_sandbox: Sandbox) -> None:
    heard: list[str | None] = []

    def hear(message: Message) -> None:
        heard.append(message.status)

    with Volt(base_url=paced_sandbox.url, token=paced_sandbox.token) as volt:
        sent = volt.send_message(to=TO, from_=FROM, body="Hi")
        assert sent.status == "queued"
        message = volt.wait_for_status(sent.id, timeout=30, interval=0.1, on_status=hear)

    assert message.id == sent.id
    assert message.status == "delivered"
    assert message.confirmed_at is not None
    assert heard[-1] == "delivered"
    assert len(heard) == len(set(heard))  # each status heard once


@pytest.mark.anyio
async def test_the_async_client_follows_it_the_same_way(paced_sandbox: Sandbox) -> None:
    async with AsyncVolt(base_url=paced_sandbox.url, token=paced_sandbox.token) as volt:
        sent = await volt.send_message(to=TO, from_=FROM, body="Hi")
        message = await volt.wait_for_status(sent.id, timeout=30, interval=0.1)

    assert (message.id, message.status) == (sent.id, "delivered")
