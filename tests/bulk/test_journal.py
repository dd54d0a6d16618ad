"""Keys and the journal: duplicates refused, a stopped run resumed, a changed input refused."""

from __future__ import annotations

import contextlib
import sqlite3
from collections import Counter
from collections.abc import Generator
from pathlib import Path

import httpx
import pytest

from tests.bulk.helpers import (
    FlakySandbox,
    flaky_volt,
    outbox_counts,
    outgoing,
    recipient,
    statuses,
)
from volt_sdk import (
    OutgoingMessage,
    ValidationError,
    Volt,
)
from volt_sdk.sandbox import Sandbox


def test_a_duplicate_key_fails_and_is_not_sent_again(volt_sandbox: Sandbox) -> None:
    sender = volt_sandbox.numbers[0]
    messages = [
        OutgoingMessage(to=recipient(0), from_=sender, body="first", key="cust-1"),
        OutgoingMessage(to=recipient(1), from_=sender, body="second", key="cust-1"),
        OutgoingMessage(to="bad", from_=sender, body="third", key="cust-2"),
        OutgoingMessage(to=recipient(3), from_=sender, body="fourth", key="cust-2"),
    ]
    with Volt() as volt:
        results = {r.index: r for r in volt.send_many(messages)}
    assert [results[i].status for i in range(4)] == ["sent", "failed", "failed", "failed"]
    for i in (1, 3):
        assert results[i].reason is not None
        assert "duplicate key" in results[i].reason  # type: ignore[operator]
        assert results[i].attempts == 0
    assert [m.body for m in volt_sandbox.outbox()] == ["first"]


def test_duplicate_keys_are_refused_with_a_journal_too(
    volt_sandbox: Sandbox, tmp_path: Path
) -> None:
    sender = volt_sandbox.numbers[0]
    messages = [
        OutgoingMessage(to=recipient(0), from_=sender, body="first", key="k"),
        OutgoingMessage(to=recipient(0), from_=sender, body="first", key="k"),
    ]
    with Volt() as volt:
        results = sorted(volt.send_many(messages, journal=tmp_path / "j"), key=lambda r: r.index)
    assert [r.status for r in results] == ["sent", "failed"]
    assert len(volt_sandbox.outbox()) == 1


def test_a_resumed_run_reports_what_was_sent_and_sends_only_the_rest(
    volt_sandbox: Sandbox, tmp_path: Path
) -> None:
    journal = tmp_path / "run.journal"
    with Volt() as volt:
        first = volt.send_many(outgoing(volt_sandbox, 40), concurrency=4, journal=journal)
        early = [next(first) for _ in range(10)]
        assert isinstance(first, Generator)
        first.close()  # stops: what is in flight is settled and journaled
        sent_before = len(volt_sandbox.outbox())
        results = list(volt.send_many(outgoing(volt_sandbox, 40), concurrency=4, journal=journal))
    assert sent_before >= 10
    assert sorted(r.index for r in results) == list(range(40))
    assert statuses(results) == {"sent": 40}
    resumed = {r.key: r for r in results if r.resumed}
    assert len(resumed) == sent_before
    for r in early:
        assert resumed[r.key].message_id == r.message_id
        assert resumed[r.key].message is None
        assert resumed[r.key].attempts == 1
    assert outbox_counts(volt_sandbox) == Counter(recipient(i) for i in range(40))
    with contextlib.closing(sqlite3.connect(journal)) as db, db:
        rows = db.execute("SELECT state, COUNT(*) FROM bulk_items GROUP BY state").fetchall()
    assert rows == [("sent", 40)]


def test_a_run_killed_mid_request_is_reconciled_not_resent(
    volt_sandbox: Sandbox, tmp_path: Path
) -> None:
    journal = tmp_path / "run.journal"
    with Volt() as volt:
        list(volt.send_many(outgoing(volt_sandbox, 3), journal=journal))
    # What a SIGKILL after the request left and before its outcome was written leaves.
    with contextlib.closing(sqlite3.connect(journal)) as db, db:
        db.execute("UPDATE bulk_items SET state = 'sending', message_id = NULL WHERE key = '#1'")
    with Volt() as volt:
        results = {r.index: r for r in volt.send_many(outgoing(volt_sandbox, 3), journal=journal)}
    assert (results[1].status, results[1].reconciled, results[1].resumed) == ("sent", True, False)
    assert results[0].resumed
    assert results[2].resumed
    assert outbox_counts(volt_sandbox) == Counter(recipient(i) for i in range(3))


def test_a_changed_input_is_refused_before_any_request(
    volt_sandbox: Sandbox, tmp_path: Path
) -> None:
    journal = tmp_path / "run.journal"
    with Volt() as volt:
        list(volt.send_many(outgoing(volt_sandbox, 5), journal=journal))
    changed = list(outgoing(volt_sandbox, 8))
    changed[3] = OutgoingMessage(to=recipient(3), from_=volt_sandbox.numbers[0], body="edited")
    transport = FlakySandbox({})
    with flaky_volt(transport) as volt, pytest.raises(ValidationError) as raised:
        list(volt.send_many(changed, journal=journal, concurrency=2))
    assert raised.value.reason == "journal_mismatch"
    assert "'#3'" in raised.value.message
    assert transport.requests == 0
    assert len(volt_sandbox.outbox()) == 5


def test_a_journal_is_used_by_one_run_at_a_time(volt_sandbox: Sandbox, tmp_path: Path) -> None:
    journal = tmp_path / "run.journal"
    with Volt() as volt:
        first = volt.send_many(outgoing(volt_sandbox, 20), concurrency=2, journal=journal)
        next(first)
        assert isinstance(first, Generator)
        with pytest.raises(ValidationError, match="in use by another run"):
            next(volt.send_many(outgoing(volt_sandbox, 20), journal=journal))
        first.close()
        assert len(list(volt.send_many(outgoing(volt_sandbox, 20), journal=journal))) == 20
    assert len(volt_sandbox.outbox()) == 20


def test_a_file_that_is_not_a_journal_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not a database, " * 100)
    with Volt() as volt, pytest.raises(ValidationError, match="journal") as raised:
        next(volt.send_many([], journal=path))
    assert raised.value.argument == "journal"


def test_a_journal_survives_a_failed_request_with_a_non_volt_error(
    volt_sandbox: Sandbox, tmp_path: Path
) -> None:
    # A bug below the SDK escapes; the item it hit stays "sending" for the next run.
    def answer(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("bug in a transport")

    journal = tmp_path / "run.journal"
    http = httpx.Client(transport=httpx.MockTransport(answer))
    with Volt(http_client=http) as volt, pytest.raises(RuntimeError, match="bug in a transport"):
        list(volt.send_many(outgoing(volt_sandbox, 1), journal=journal))
    with contextlib.closing(sqlite3.connect(journal)) as db, db:
        assert db.execute("SELECT key, state, attempts FROM bulk_items").fetchall() == [
            ("#0", "sending", 1)
        ]
    with Volt() as volt:
        (result,) = volt.send_many(outgoing(volt_sandbox, 1), journal=journal, reconcile_after=0)
    assert (result.status, result.attempts, result.reconciled) == ("sent", 2, False)
    assert len(volt_sandbox.outbox()) == 1
