"""``volt send-bulk``: whole runs against the sandbox (``volt_sandbox``): every row sent once,
resumed from a journal after Ctrl-C, and through rate limits and dropped connections; each
over both transports (aiohttp's, httpx's own), which must not differ in anything shown.
"""

from __future__ import annotations

import re
import signal
from collections import Counter
from collections.abc import AsyncIterable, AsyncIterator, Generator, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

import volt_sdk
from volt_sdk.sandbox import FaultConfig, Sandbox

from .bulk import FROM, TEMPLATE, fields, phone, write_csv
from .helpers import RunVolt

pytestmark = pytest.mark.usefixtures("bulk_transport")


def names(n: int) -> list[tuple[str, str, str]]:
    """n rows: a distinct number, a name and a code for each."""
    return [(phone(100 + i), f"Person {i}", f"{1000 + i}") for i in range(n)]


def body(name: str, code: str) -> str:
    return TEMPLATE.format(name=name, code=code)


def sent_to(sandbox: Sandbox) -> Counter[str]:
    """How many messages the sandbox accepted for each number."""
    return Counter(message.to_number for message in sandbox.outbox())


class Interrupt:
    """Stands in for ``send_many`` (``Volt``'s and ``AsyncVolt``'s): the real one, with a
    real SIGINT to this process after ``after`` results, as Ctrl-C would."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, after: int) -> None:
        self.after: int | None = after
        real = volt_sdk.Volt.send_many
        real_async = volt_sdk.AsyncVolt.send_many

        def send_many(
            client: volt_sdk.Volt, messages: Iterable[volt_sdk.OutgoingMessage], **options: Any
        ) -> Iterator[volt_sdk.BulkResult]:
            results = real(client, messages, **options)
            try:
                for count, result in enumerate(results, start=1):
                    yield result
                    if count == self.after:
                        signal.raise_signal(signal.SIGINT)  # the CLI's handler raises here
            finally:
                if isinstance(results, Generator):
                    results.close()  # as Ctrl-C inside send_many would: in-flight sends settle

        async def send_many_async(
            client: volt_sdk.AsyncVolt,
            messages: Iterable[volt_sdk.OutgoingMessage] | AsyncIterable[volt_sdk.OutgoingMessage],
            **options: Any,
        ) -> AsyncIterator[volt_sdk.BulkResult]:
            results = real_async(client, messages, **options)
            count = 0
            async for result in results:
                yield result
                count += 1
                if count == self.after:
                    # The event loop's handler runs at its next turn: the CLI cancels
                    # the run then, wherever it waits.
                    signal.raise_signal(signal.SIGINT)

        monkeypatch.setattr(volt_sdk.Volt, "send_many", send_many)
        monkeypatch.setattr(volt_sdk.AsyncVolt, "send_many", send_many_async)


def test_a_50_row_file_is_sent_once_per_row_with_the_template_filled_in(
    volt_sandbox: Sandbox, volt: RunVolt, tmp_path: Path
) -> None:
    rows = names(50)
    path = write_csv(tmp_path / "r.csv", rows)

    run = volt("send-bulk", path, "--from", FROM, "--template", TEMPLATE)

    assert run.code == 0, run.err
    outbox = volt_sandbox.outbox()
    assert len(outbox) == 50
    assert {(m.to_number, m.from_number, m.body) for m in outbox} == {
        (to, FROM, body(name, code)) for to, name, code in rows
    }
    assert set(sent_to(volt_sandbox).values()) == {1}
    summary = fields(run.out)
    assert {key: summary[key] for key in ("sent", "of which reconciled", "failed", "unknown")} == {
        "sent": "50",
        "of which reconciled": "0",
        "failed": "0",
        "unknown": "0",
    }
    assert summary["total"] == "50"
    assert float(summary["messages/second"]) > 0
    assert "resumed from the journal" not in summary  # no journal
    assert "not sent" not in run.out
    # stderr is not a terminal here: one progress line per 10% of the rows.
    progress = run.err.splitlines()
    assert len(progress) == 10
    assert progress[-1].startswith("50/50 100%  sent 50  failed 0  unknown 0  ")


def test_an_interrupted_run_resumes_from_its_journal_without_sending_any_row_twice(
    volt_sandbox: Sandbox,
    volt: RunVolt,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    bulk_transport: str,
) -> None:
    rows = names(50)
    path = write_csv(tmp_path / "r.csv", rows)
    journal = str(tmp_path / "run.journal")
    interrupt = Interrupt(monkeypatch, after=20)
    command = ("send-bulk", path, "--from", FROM, "--template", TEMPLATE, "--journal", journal)

    first = volt(*command)

    assert first.code == 130
    last = first.err.splitlines()[-1]
    found = re.fullmatch(
        r"volt: interrupted after (\d+) of 50 rows; to resume safely, run the same command "
        rf"with --resume \(journal: {re.escape(journal)}\)",
        last,
    )
    assert found, last
    done = int(found[1])
    summary = fields(first.out)
    assert summary["not done"] == str(50 - done)
    # Requests in flight at Ctrl-C went out too; the journal recorded them.
    went_out = len(volt_sandbox.outbox())
    assert 20 <= went_out < 50
    if bulk_transport == "httpx":
        # The signal reached the stand-in, which closed send_many: the results of the
        # grace went to the journal only.
        assert done == 20
    else:
        # Over aiohttp the loop's handler stops the run where it waits; every outcome
        # of the grace is read back from the journal: the summary has what went out.
        assert done >= 20
        assert summary["sent"] == str(went_out)
        assert summary["unknown"] == "0"

    interrupt.after = None
    second = volt(*command, "--resume")

    assert second.code == 0, second.err
    assert sent_to(volt_sandbox) == Counter(to for to, _, _ in rows)  # each exactly once
    summary = fields(second.out)
    assert summary["sent"] == "50"
    assert summary["resumed from the journal"] == str(went_out)
    assert summary["total"] == "50"


def test_a_resumed_run_that_is_complete_sends_nothing_and_still_exits_0(
    volt_sandbox: Sandbox, volt: RunVolt, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", names(5))
    journal = str(tmp_path / "run.journal")
    command = ("send-bulk", path, "--from", FROM, "--template", TEMPLATE, "--journal", journal)
    assert volt(*command).code == 0

    again = volt(*command, "--resume", "--json")

    assert again.code == 0, again.err
    *results, summary = again.lines
    assert all(result["resumed"] and result["status"] == "sent" for result in results)
    assert summary["summary"]["resumed"] == summary["summary"]["sent"] == 5
    assert len(volt_sandbox.outbox()) == 5


def test_a_file_changed_since_the_journal_was_written_is_refused_before_sending(
    volt_sandbox: Sandbox, volt: RunVolt, tmp_path: Path
) -> None:
    rows = names(5)
    path = write_csv(tmp_path / "r.csv", rows)
    journal = str(tmp_path / "run.journal")
    command = ("send-bulk", path, "--from", FROM, "--template", TEMPLATE, "--journal", journal)
    assert volt(*command).code == 0
    rows[2] = (rows[2][0], rows[2][1], "9999")
    rows.append((phone(999), "Late", "1"))
    write_csv(tmp_path / "r.csv", rows)

    run = volt(*command, "--resume")

    assert run.code == 2
    assert run.err.splitlines()[-1] == (
        "volt: --resume: row 2 (key '#2') is not what the journal recorded for it: the file "
        "changed since the journal was written, and the row was not sent. Restore the file, "
        "or start again with a new --journal"
    )
    assert len(volt_sandbox.outbox()) == 5  # not even the new row


def test_with_a_key_column_a_reordered_file_resumes_by_key(
    volt_sandbox: Sandbox, volt: RunVolt, tmp_path: Path
) -> None:
    rows = [(f"c-{i}", to, name) for i, (to, name, _) in enumerate(names(6))]
    path = write_csv(tmp_path / "r.csv", rows, header=("id", "to", "name"))
    journal = str(tmp_path / "run.journal")
    command = (
        "send-bulk", path, "--from", FROM, "--template", "Hi {name}", "--key-column", "id",
        "--journal", journal,
    )  # fmt: skip
    assert volt(*command).code == 0
    write_csv(tmp_path / "r.csv", rows[::-1], header=("id", "to", "name"))

    run = volt(*command, "--resume", "--json")

    assert run.code == 0, run.err
    *results, _ = run.lines
    assert {(r["key"], r["index"], r["resumed"]) for r in results} == {
        (f"c-{i}", 5 - i, True) for i in range(6)
    }
    assert len(volt_sandbox.outbox()) == 6


def test_a_row_with_a_bad_number_or_a_missing_value_fails_the_others_are_sent_exit_1(
    volt_sandbox: Sandbox, volt: RunVolt, tmp_path: Path
) -> None:
    good = names(3)
    path = write_csv(
        tmp_path / "r.csv", [good[0], ("+1555", "Bob", "1"), good[1], (phone(7), "", "2"), good[2]]
    )

    run = volt("send-bulk", path, "--from", FROM, "--template", TEMPLATE)

    assert run.code == 1
    assert sorted(sent_to(volt_sandbox)) == sorted(to for to, _, _ in good)
    summary = fields(run.out)
    assert (summary["sent"], summary["failed"], summary["total"]) == ("3", "2", "5")
    listed = run.out.split("not sent (2 failed, 0 unknown):\n")[1].splitlines()
    assert listed[0].split() == ["KEY", "TO", "STATUS", "REASON"]
    assert listed[1].startswith("#1   +1555         failed  to: '+1555' is too short")
    assert listed[2] == f"#3   {phone(7)}  failed  no value for {{name}} in this row"


def test_json_prints_one_line_per_row_and_the_summary_last(
    volt_sandbox: Sandbox, volt: RunVolt, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", [*names(4), ("abc", "Bob", "1")])

    run = volt("send-bulk", path, "--from", FROM, "--template", TEMPLATE, "--json")

    assert run.code == 1
    *results, summary = run.lines
    assert len(results) == 5
    assert all(
        list(r) == [
            "index", "key", "to", "status", "message_id", "reason", "resumed", "reconciled",
            "attempts",
        ]
        for r in results
    )  # fmt: skip
    by_index = {r["index"]: r for r in results}
    assert sorted(by_index) == [0, 1, 2, 3, 4]
    assert {by_index[i]["message_id"] for i in range(4)} == {m.id for m in volt_sandbox.outbox()}
    assert by_index[4]["status"] == "failed"
    assert by_index[4]["message_id"] is None
    assert by_index[4]["reason"].startswith("to: 'abc' is not a phone number")
    assert by_index[4]["attempts"] == 0
    assert by_index[0] == {
        "index": 0,
        "key": "#0",
        "to": phone(100),
        "status": "sent",
        "message_id": by_index[0]["message_id"],
        "reason": None,
        "resumed": False,
        "reconciled": False,
        "attempts": 1,
    }
    assert summary["summary"] | {"elapsed": 0, "per_second": 0} == {
        "sent": 4,
        "reconciled": 0,
        "resumed": 0,
        "failed": 1,
        "suppressed": 0,
        "unknown": 0,
        "not_done": 0,
        "total": 5,
        "elapsed": 0,
        "per_second": 0,
        "journal": None,
        "interrupted": False,
    }


def test_rate_limits_and_dropped_connections_still_send_every_row_exactly_once(
    volt_sandbox: Sandbox, volt: RunVolt, tmp_path: Path
) -> None:
    rows = names(30)
    path = write_csv(tmp_path / "r.csv", rows)
    volt_sandbox.set_faults(FaultConfig(seed=7, rate_429=0.2, retry_after=0.05, rate_drop=0.25))

    run = volt("send-bulk", path, "--from", FROM, "--template", TEMPLATE, "--json")

    assert run.code == 0, run.out + run.err
    assert sent_to(volt_sandbox) == Counter(to for to, _, _ in rows)
    *results, summary = run.lines
    reconciled = [r for r in results if r["reconciled"]]
    assert reconciled  # a dropped connection after createMessage ran: found, not resent
    assert summary["summary"]["reconciled"] == len(reconciled)
    assert summary["summary"]["sent"] == 30
