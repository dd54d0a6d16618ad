"""Ctrl-C during ``volt send-bulk`` stops the texting at once, and the summary tells the truth.

A sandbox runs in its own process; ``volt send-bulk --rate 2`` sends to 40
recipients with a journal and gets SIGINT (or SIGTERM) after its third outcome.
Then: exit 130; at most the requests that were in flight at the signal are
stored after it; the summary's counts, the journal and the sandbox's outbox
agree; ``--resume`` finishes the job with every recipient texted exactly once.
Each over both transports (``VOLT_BULK_TRANSPORT``): aiohttp's (``AsyncVolt``,
the signals caught by the event loop) and httpx's own (``Volt``, threads).
"""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from .sandbox_process import TOKEN, control

COUNT = 40
FROM = "+15555550123"


def recipient(i: int) -> str:
    return f"+1555556{i:04d}"


@pytest.fixture
def recipients(tmp_path: Path) -> Path:
    path = tmp_path / "recipients.csv"
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["id", "to", "name"])
        for i in range(COUNT):
            writer.writerow([f"c{i}", recipient(i), f"n{i}"])
    return path


def send_bulk(url: str, csv_path: Path, journal: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "volt_sdk._cli",
        "send-bulk",
        str(csv_path),
        "--from",
        FROM,
        "--template",
        "Hi {name}",
        "--key-column",
        "id",
        "--journal",
        str(journal),
        "--base-url",
        url,
        "--json",
        *extra,
    ]


def environment(transport: str = "auto", **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "VOLT_API_TOKEN": TOKEN,
        "PYTHONUNBUFFERED": "1",
        "VOLT_BULK_TRANSPORT": transport,
        # An unclosed aiohttp session or socket would say so on stderr.
        "PYTHONWARNINGS": "always::ResourceWarning",
        **extra,
    }


def interrupt_after(
    command: list[str],
    outcomes: int,
    signum: int,
    url: str,
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Run ``command``, send ``signum`` once it printed ``outcomes`` outcomes; what happened."""
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment() if env is None else env,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    lines: list[dict[str, Any]] = []
    stored_at_signal = -1
    for raw in process.stdout:
        lines.append(json.loads(raw))
        if len(lines) == outcomes:
            stored_at_signal = len(control(url, "GET", "outbox"))
            process.send_signal(signum)
    stderr = process.stderr.read()
    code = process.wait(60)
    process.stdout.close()
    process.stderr.close()
    return {
        "lines": lines,
        "code": code,
        "stderr": stderr,
        "stored_at_signal": stored_at_signal,
        "outbox": control(url, "GET", "outbox"),
    }


def journal_states(journal: Path) -> Counter[str]:
    db = sqlite3.connect(journal)
    try:
        return Counter(state for (state,) in db.execute("SELECT state FROM bulk_items"))
    finally:
        db.close()  # the journal allows one user at a time: --resume comes next


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_ctrl_c_stops_sending_at_once_and_the_summary_matches_the_journal_and_the_server(
    server_url: str, recipients: Path, tmp_path: Path, signum: int, transport: str
) -> None:
    control(server_url, "POST", "reset")
    journal = tmp_path / "run.journal"
    run = interrupt_after(
        send_bulk(server_url, recipients, journal, "--rate", "2"),
        3,
        signum,
        server_url,
        environment(transport),
    )
    assert run["code"] == 130, run["stderr"]
    assert "interrupted after" in run["stderr"]
    assert "Unclosed" not in run["stderr"]
    assert "Traceback" not in run["stderr"]
    summary = run["lines"][-1]["summary"]
    outcomes = [line for line in run["lines"] if "summary" not in line]
    outbox = control(server_url, "GET", "outbox")

    # Nothing new left after the signal: at most what was in flight then (at two
    # a second, one request at a time at most) was stored after it.
    sent_after_signal = len(outbox) - run["stored_at_signal"]
    print(f"\n{signal.Signals(signum).name} ({transport}): {sent_after_signal} stored after it")
    assert sent_after_signal <= 1
    assert summary["interrupted"] is True

    # The summary, each outcome line, the journal and the outbox say the same thing.
    stored = Counter(m["to_number"] for m in outbox)
    assert all(n == 1 for n in stored.values())
    sent = {o["to"] for o in outcomes if o["status"] == "sent"}
    unknown = {o["to"] for o in outcomes if o["status"] == "unknown"}
    assert sent <= set(stored)  # every "sent" is on the server
    assert set(stored) <= sent | unknown  # nothing on the server the summary calls not sent
    assert summary["sent"] == len(sent)
    assert summary["unknown"] == len(unknown)
    assert summary["not_done"] == COUNT - len(outcomes)
    states = journal_states(journal)
    assert states["sent"] == len(sent)
    assert states["unknown"] + states["sending"] == len(unknown)

    # Resuming finishes the job: every recipient exactly once.
    done = subprocess.run(
        send_bulk(server_url, recipients, journal, "--resume"),
        capture_output=True,
        text=True,
        env=environment(transport),
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    final = Counter(m["to_number"] for m in control(server_url, "GET", "outbox"))
    assert final == Counter({recipient(i): 1 for i in range(COUNT)})


def journal_rows(journal: Path) -> dict[str, str]:
    db = sqlite3.connect(journal)
    try:
        return dict(db.execute("SELECT key, state FROM bulk_items"))
    finally:
        db.close()


@pytest.mark.parametrize("journaled", [True, False], ids=["journal", "no-journal"])
@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
def test_requests_in_flight_at_the_signal_are_reported_sent_or_unknown_as_journaled(
    server_url: str, recipients: Path, tmp_path: Path, transport: str, journaled: bool
) -> None:
    # Each answer comes 0 to 5 s after the message is stored: at the signal, eight
    # requests are in flight; those answered within the grace (2 s) are sent, the
    # others unknown (stored all the same: "it may have been sent").
    control(server_url, "POST", "reset")
    control(server_url, "POST", "faults", {"seed": 11, "latency_jitter": 5.0})
    journal = tmp_path / "run.journal"
    command = send_bulk(server_url, recipients, journal, "--concurrency", "8")
    if not journaled:
        at = command.index("--journal")
        del command[at : at + 2]
    scratch = tmp_path / "tmp"  # where a run without --journal keeps its own, for a while
    scratch.mkdir()
    run = interrupt_after(
        command, 3, signal.SIGINT, server_url, environment(transport, TMPDIR=str(scratch))
    )
    control(server_url, "POST", "reset")

    assert run["code"] == 130, run["stderr"]
    assert "Unclosed" not in run["stderr"]
    assert "Traceback" not in run["stderr"]
    summary = run["lines"][-1]["summary"]
    outcomes = [line for line in run["lines"] if "summary" not in line]
    assert len({o["key"] for o in outcomes}) == len(outcomes)  # each row once
    sent = {o["to"] for o in outcomes if o["status"] == "sent"}
    unknown = {o["to"] for o in outcomes if o["status"] == "unknown"}
    stored = {m["to_number"] for m in run["outbox"]}
    print(f"\n{transport}: {len(outcomes)} outcomes, {len(sent)} sent, {len(unknown)} unknown")
    assert len(outcomes) > 3  # the requests in flight at the signal are reported too
    assert sent <= stored
    assert stored <= sent | unknown
    assert summary["sent"] == len(sent)
    assert summary["unknown"] == len(unknown)
    assert summary["not_done"] == COUNT - len(outcomes)
    assert summary["journal"] == (str(journal) if journaled else None)
    if journaled:
        # Row by row, what the summary says is what the journal says.
        states = journal_rows(journal)
        reported = {o["key"]: o["status"] for o in outcomes}
        assert {
            k: "unknown" if s == "sending" else s for k, s in states.items() if k in reported
        } == (reported)
        assert {s for k, s in states.items() if k not in reported} <= {"pending"}
    else:
        assert not journal.exists()
    assert list(scratch.iterdir()) == []  # nothing of the run is left behind


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
def test_a_second_signal_exits_at_once_without_waiting_for_the_requests_in_flight(
    server_url: str, recipients: Path, tmp_path: Path, transport: str
) -> None:
    control(server_url, "POST", "reset")
    control(server_url, "POST", "faults", {"seed": 5, "latency": 0.2, "latency_jitter": 20.0})
    process = subprocess.Popen(
        send_bulk(server_url, recipients, tmp_path / "run.journal", "--concurrency", "8"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(transport),
    )
    try:
        assert process.stdout is not None
        assert process.stderr is not None
        first = process.stdout.readline()  # an outcome: the run is under way
        assert json.loads(first)["status"] == "sent"
        process.send_signal(signal.SIGINT)  # the run stops, giving its requests 2 s
        time.sleep(0.3)
        process.send_signal(signal.SIGINT)
        started = time.monotonic()
        code = process.wait(10)
        waited = time.monotonic() - started
        stderr = process.stderr.read()
    finally:
        if process.poll() is None:  # pragma: no cover - it did not exit
            process.kill()
            process.wait()
        control(server_url, "POST", "reset")
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
    assert code == 130
    assert stderr.endswith("volt: interrupted again: exiting now, without waiting for the run\n")
    assert waited < 1.5  # not the rest of the grace, nor the requests' 20 s
