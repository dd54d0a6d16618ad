"""The proof: a bulk send killed part-way and run again sends every message exactly once.

A sandbox server runs in its own process (it outlives the client's kill) with
faults: 10% HTTP 5xx (answered *instead of* storing, so the client's outcome is
unknown and the message does not exist), 10% HTTP 429, 2-5 ms of latency. A
worker process sends to 2,000 recipients through ``Volt.send_many`` with a
journal and is SIGKILLed after about 600 results; a second worker finishes the
job with the same journal. The sandbox's outbox must then hold at most one
message per recipient, and the final report must account for every recipient
exactly once, consistently with the outbox.

A second, smaller run adds dropped connections and cut answers (the message is
stored although the client saw an error): reconciliation must find them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from . import bulk_worker
from .sandbox_process import TOKEN, control

WORKER = Path(bulk_worker.__file__)
FAULTS = {
    "seed": 20240501,
    "rate_5xx": 0.10,
    "rate_429": 0.10,
    "retry_after": 0.05,
    "latency": 0.002,
    "latency_jitter": 0.003,
}


def worker(url: str, journal: Path, count: int, *extra: str) -> list[str]:
    return [
        sys.executable,
        str(WORKER),
        url,
        TOKEN,
        str(journal),
        "--count",
        str(count),
        *extra,
    ]


def run_to_completion(command: list[str]) -> list[dict[str, Any]]:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert lines[-1] == {"done": True}
    return lines[:-1]


def run_and_kill(command: list[str], after: int) -> list[dict[str, Any]]:
    """Run the worker and SIGKILL it once it has printed ``after`` results."""
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert process.stdout is not None
    results: list[dict[str, Any]] = []
    try:
        for raw in process.stdout:
            results.append(json.loads(raw))
            if len(results) >= after:
                break
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(30)
        process.stdout.close()
    assert process.returncode == -signal.SIGKILL
    return results


def check_exactly_once(
    report: list[dict[str, Any]], outbox: list[dict[str, Any]], count: int
) -> Counter[str]:
    """Every recipient once in the report, at most once in the outbox, and consistently."""
    recipients = {bulk_worker.recipient(i) for i in range(count)}
    reported = Counter(r["to"] for r in report)
    assert set(reported) == recipients, "missing recipients"  # zero missing
    assert max(reported.values()) == 1, "a recipient reported twice"
    stored = Counter(m["to_number"] for m in outbox)
    assert set(stored) <= recipients
    duplicates = {to: n for to, n in stored.items() if n > 1}
    assert duplicates == {}  # zero duplicates
    ids = {m["to_number"]: m["id"] for m in outbox}
    for r in report:
        if r["status"] == "sent":
            assert stored[r["to"]] == 1, r
            assert r["message_id"] == ids[r["to"]], r
        else:
            assert r["status"] in ("failed", "unknown"), r
            assert r["reason"], r
            assert stored[r["to"]] == 0, r
    return Counter(r["status"] for r in report)


@pytest.mark.parametrize("client", ["sync", "aiohttp"])
def test_a_killed_bulk_run_resumed_with_its_journal_sends_each_message_exactly_once(
    server_url: str, tmp_path: Path, client: str
) -> None:
    count = 2000
    control(server_url, "POST", "reset")
    control(server_url, "POST", "faults", FAULTS)
    journal = tmp_path / "campaign.journal"

    before_kill = run_and_kill(worker(server_url, journal, count, "--client", client), after=600)
    assert len(before_kill) == 600
    stored_at_kill = len(control(server_url, "GET", "outbox"))
    assert stored_at_kill < count  # the kill did stop it part-way

    report = run_to_completion(worker(server_url, journal, count, "--client", client))
    outbox = control(server_url, "GET", "outbox")
    statuses = check_exactly_once(report, outbox, count)

    resumed = [r for r in report if r["resumed"]]
    first_run_keys = {r["key"] for r in before_kill}
    # What the first run reported is resumed, not sent again (and more: what it
    # journaled but had not printed yet).
    assert first_run_keys <= {r["key"] for r in resumed}
    assert len(resumed) >= 600
    assert sum(r["attempts"] > 1 for r in report) > 0  # 5xx answers were resent
    assert statuses["sent"] == count
    summary = {
        "sent": statuses["sent"],
        "failed": statuses["failed"],
        "unknown": statuses["unknown"],
        "reconciled": sum(r["reconciled"] for r in report),
        "resumed": len(resumed),
        "outbox": len(outbox),
        "duplicates": 0,
    }
    print(f"\nresume run ({client}): {json.dumps(summary)}")


@pytest.mark.parametrize("client", ["async", "aiohttp"])
def test_messages_stored_although_the_client_saw_an_error_are_found_not_resent(
    server_url: str, tmp_path: Path, client: str
) -> None:
    count = 300
    control(server_url, "POST", "reset")
    control(
        server_url,
        "POST",
        "faults",
        {**FAULTS, "rate_5xx": 0.05, "rate_429": 0.05, "rate_drop": 0.10, "rate_malformed": 0.05},
    )
    report = run_to_completion(
        worker(server_url, tmp_path / "j", count, "--client", client, "--reconcile-after", "0.1")
    )
    outbox = control(server_url, "GET", "outbox")
    statuses = check_exactly_once(report, outbox, count)
    reconciled = sum(r["reconciled"] for r in report)
    assert reconciled > 0
    assert statuses["sent"] == count
    summary = {**statuses, "reconciled": reconciled, "outbox": len(outbox)}
    print(f"\ndrop run ({client}): {json.dumps(summary)}")
