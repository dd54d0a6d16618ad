"""``volt send-bulk --suppression PATH``: rows to numbers that opted out are never sent.

Over both transports (aiohttp's, httpx's own), against the sandbox.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from volt_sdk.sandbox import Sandbox
from volt_sdk.stores import SQLiteSuppressionList

from .bulk import FROM, TEMPLATE, fields, phone, write_csv
from .helpers import RunVolt

pytestmark = pytest.mark.usefixtures("bulk_transport")


def rows(n: int) -> list[tuple[str, str, str]]:
    return [(phone(300 + i), f"Person {i}", f"{2000 + i}") for i in range(n)]


def test_opted_out_rows_are_reported_suppressed_and_not_sent(
    volt_sandbox: Sandbox, volt: RunVolt, tmp_path: Path
) -> None:
    recipients = rows(4)
    path = write_csv(tmp_path / "r.csv", recipients)
    stops = SQLiteSuppressionList(tmp_path / "stops.db")
    stops.record(phone(301), opted_out=True, at=1.0, keyword="STOP")
    stops.record(phone(302), opted_out=True, at=1.0, keyword="STOP")
    stops.record(phone(302), opted_out=False, at=2.0, keyword="START")  # back in

    run = volt(
        "send-bulk", path, "--from", FROM, "--template", TEMPLATE,
        "--suppression", str(stops.path),
    )  # fmt: skip

    assert run.code == 0, run.err  # an opt-out honoured is not a failure
    assert sorted(m.to_number for m in volt_sandbox.outbox()) == [
        phone(300),
        phone(302),
        phone(303),
    ]
    summary = fields(run.out)
    assert (summary["sent"], summary["failed"], summary["suppressed (opted out)"]) == (
        "3",
        "0",
        "1",
    )
    assert "not sent (0 failed, 0 unknown, 1 suppressed):" in run.out
    [listed] = [line for line in run.out.splitlines() if phone(301) in line]
    assert listed.split()[2] == "suppressed"
    assert f"to: {phone(301)} opted out (STOP); not sent" in listed


def test_json_lines_carry_the_suppressed_status_and_count(
    volt_sandbox: Sandbox, volt: RunVolt, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", rows(2))
    stops = SQLiteSuppressionList(tmp_path / "stops.db")
    stops.opt_out(phone(300))

    run = volt(
        "send-bulk", "--json", path, "--from", FROM, "--template", TEMPLATE,
        "--suppression", str(stops.path),
    )  # fmt: skip

    assert run.code == 0, run.err
    lines = [json.loads(line) for line in run.out.splitlines()]
    statuses = {line["to"]: line["status"] for line in lines if "status" in line}
    assert statuses == {phone(300): "suppressed", phone(301): "sent"}
    summary = lines[-1]["summary"]
    assert (summary["sent"], summary["suppressed"], summary["failed"]) == (1, 1, 0)


def test_a_missing_suppression_file_is_a_usage_error_before_anything_is_sent(
    volt_sandbox: Sandbox, volt: RunVolt, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", rows(2))
    missing = tmp_path / "typo.db"

    run = volt(
        "send-bulk", path, "--from", FROM, "--template", TEMPLATE, "--suppression", str(missing)
    )

    assert run.code == 2
    assert run.err.strip() == f"volt: --suppression {str(missing)!r}: no such file"
    assert not missing.exists()
    assert volt_sandbox.outbox() == []


def test_a_dry_run_shows_the_rows_the_run_would_suppress_and_sends_nothing(
    volt_sandbox: Sandbox, volt: RunVolt, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", [*rows(2), ("not a number", "X", "1")])
    stops = SQLiteSuppressionList(tmp_path / "stops.db")
    stops.opt_out(phone(301))

    text = volt(
        "send-bulk", path, "--from", FROM, "--template", TEMPLATE,
        "--suppression", str(stops.path), "--dry-run",
    )  # fmt: skip
    as_json = volt(
        "send-bulk", "--json", path, "--from", FROM, "--template", TEMPLATE,
        "--suppression", str(stops.path), "--dry-run",
    )  # fmt: skip

    assert text.code == as_json.code == 2  # the bad number is refused; suppression is not
    [line] = [each for each in text.out.splitlines() if phone(301) in each]
    assert line.split()[3] == "suppressed:"
    assert line.endswith(f"to: {phone(301)} opted out (manual); not sent")
    summary = fields(text.out)
    assert (summary["refused"], summary["suppressed (opted out)"]) == ("1", "1")
    lines = [json.loads(each) for each in as_json.out.splitlines()]
    assert [(r["to"], r["sendable"], r["suppressed"]) for r in lines[:2]] == [
        (phone(300), True, False),
        (phone(301), False, True),
    ]
    assert lines[-1]["summary"] | {"segments": 0, "ucs2": 0} == {
        "messages": 3,
        "sendable": 1,
        "refused": 1,
        "suppressed": 1,
        "segments": 0,
        "ucs2": 0,
    }
    assert volt_sandbox.outbox() == []


def test_a_dry_run_without_suppression_keeps_its_output(
    volt_sandbox: Sandbox, volt: RunVolt, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", rows(1))
    run = volt("send-bulk", "--json", path, "--from", FROM, "--template", TEMPLATE, "--dry-run")
    assert run.code == 0, run.err
    first, summary = (json.loads(each) for each in run.out.splitlines())
    assert "suppressed" not in first
    assert "suppressed" not in summary["summary"]
