"""Storage: a db file survives a restart, ids never repeat, concurrent sends are all kept."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from volt_sdk import AsyncVolt, Volt
from volt_sdk.sandbox import Sandbox

from .conftest import OTHER


def test_state_survives_a_restart_with_the_same_db_file(tmp_path: Path) -> None:
    db = tmp_path / "volt.db"
    with Sandbox(db=db) as first, Volt(base_url=first.url, token=first.token) as volt:
        sender = first.numbers[0]
        sent = volt.send_message(to=OTHER, from_=sender, body="before", passthrough="p")
        volt.upsert_contact(phone_number=OTHER, account_phone=sender, name="Ann", blocked=False)
        volt.upsert_list(primary_phone=sender, name="L")
        volt.add_contacts_to_list(primary_phone=sender, list_name="L", phone_numbers=[OTHER])
        hook = volt.register_webhook(url="https://example.com/hook")
        account_id = volt.get_contact(phone_number=OTHER, primary_phone=sender).account

    with Sandbox(db=db) as second, Volt(base_url=second.url, token=second.token) as volt:
        assert volt.get_message(sent.id).body == "before"
        assert [m.passthrough for m in second.outbox()] == ["p"]
        contact = volt.get_contact(phone_number=OTHER, primary_phone=sender)
        assert contact.name == "Ann"
        assert contact.account == account_id
        assert volt.get_list(primary_phone=sender, name="L").size == 1
        assert [w.id for w in volt.list_webhooks()] == [hook.id]
        later = volt.send_message(to=OTHER, from_=sender, body="after")
        assert later.id > sent.id


def test_ids_are_never_handed_out_twice_not_even_after_a_reset(tmp_path: Path) -> None:
    db = tmp_path / "volt.db"
    seen: list[str] = []
    for _ in range(2):
        with Sandbox(db=db) as sandbox, Volt(base_url=sandbox.url, token=sandbox.token) as volt:
            seen.append(volt.send_message(to=OTHER, from_=sandbox.numbers[0], body="x").id)
            sandbox.reset()
            seen.append(volt.send_message(to=OTHER, from_=sandbox.numbers[0], body="y").id)

    assert len(set(seen)) == 4
    assert seen == sorted(seen)


def test_messages_sent_from_many_threads_are_all_stored_exactly_once(sandbox: Sandbox) -> None:
    def worker(index: int) -> list[str]:
        with Volt(base_url=sandbox.url, token=sandbox.token) as volt:
            return [
                volt.send_message(to=OTHER, from_=sandbox.numbers[0], body=f"{index}-{i}").id
                for i in range(20)
            ]

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = [i for batch in pool.map(worker, range(8)) for i in batch]

    outbox = sandbox.outbox()
    assert len(ids) == len(set(ids)) == 160
    assert sorted(m.id for m in outbox) == sorted(ids)
    assert sorted(m.body for m in outbox) == sorted(f"{t}-{i}" for t in range(8) for i in range(20))


@pytest.mark.anyio
async def test_messages_sent_from_many_tasks_are_all_stored_exactly_once(
    sandbox: Sandbox,
) -> None:
    async with AsyncVolt(base_url=sandbox.url, token=sandbox.token) as volt:
        sent = await asyncio.gather(
            *(
                volt.send_message(to=OTHER, from_=sandbox.numbers[0], body=str(i))
                for i in range(100)
            )
        )

    assert len({m.id for m in sent}) == 100
    assert sorted(m.body for m in sandbox.outbox()) == sorted(str(i) for i in range(100))


def test_the_outbox_and_reset_work_from_another_thread_while_serving(sandbox: Sandbox) -> None:
    with Volt(base_url=sandbox.url, token=sandbox.token) as volt:

        def send_many() -> int:
            for i in range(50):
                volt.send_message(to=OTHER, from_=sandbox.numbers[0], body=str(i))
            return 50

        with ThreadPoolExecutor(max_workers=1) as pool:
            done = pool.submit(send_many)
            while not done.done():
                assert len(sandbox.outbox()) <= 50
            assert done.result() == 50
        sandbox.reset()
        assert sandbox.outbox() == []


def test_a_sandbox_can_be_stopped_and_started_again(tmp_path: Path) -> None:
    sandbox = Sandbox()
    try:
        sandbox.start()
        with pytest.raises(RuntimeError, match="already running"):
            sandbox.start()
        sandbox.stop()
        sandbox.start()
        with Volt(base_url=sandbox.url, token=sandbox.token) as volt:
            volt.send_message(to=OTHER, from_=sandbox.numbers[0], body="x")
        assert len(sandbox.outbox()) == 1
    finally:
        sandbox.close()
    with pytest.raises(RuntimeError, match="closed"):
        sandbox.start()


def test_a_sandbox_that_was_never_started_has_no_url() -> None:
    sandbox = Sandbox()
    with pytest.raises(RuntimeError, match="start"):
        _ = sandbox.url
    sandbox.close()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"token": ""},
        {"numbers": []},
        {"numbers": ["5555550123"]},
        {"numbers": "+15555550123"},
        {"pace": -1},
        {"page_size": 0},
        {"port": 70000},
    ],
)
def test_a_sandbox_refuses_impossible_settings(kwargs: dict[str, object]) -> None:
    with pytest.raises((ValueError, TypeError)):
        Sandbox(**kwargs)  # type: ignore[arg-type]


def test_listening_beyond_loopback_is_allowed_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="volt_sdk.sandbox"):
        Sandbox(host="0.0.0.0").close()

    assert "not loopback" in caplog.text
