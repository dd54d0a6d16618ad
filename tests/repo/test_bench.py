"""Smoke test of the benchmarks: each script runs in its quick mode and prints its ratios.

No figure is asserted (the machine is shared and noisy; `make bench` measures):
only that every script runs end to end and says how it compares with its baseline.
gql is left out (``--no-gql``): it needs a venv of its own, made from PyPI.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def run(script: str, *args: str) -> tuple[str, dict[str, object]]:
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.rstrip().splitlines()
    summary: dict[str, object] = json.loads(lines[-1])
    return "\n".join(lines[:-1]), summary


@pytest.mark.parametrize(
    ("script", "args", "ratio_lines"),
    [
        (
            "overhead.py",
            ("--quick", "--no-gql"),
            ("AsyncVolt / raw httpx = ", "Volt / raw httpx = "),
        ),
        (
            "sandbox.py",
            ("--e2e", "--quick"),
            tuple(f"concurrency {c}: AsyncVolt / raw httpx = " for c in (1, 16, 64)),
        ),
        (
            "imports.py",
            ("--quick",),
            ("import volt_sdk / baseline = ", "from volt_sdk import Volt / baseline = "),
        ),
        ("bulk.py", ("--recipients", "300", "--rounds", "1"), ("journal: ",)),
    ],
)
def test_bench_script_prints_its_ratios(
    script: str, args: tuple[str, ...], ratio_lines: tuple[str, ...]
) -> None:
    text, summary = run(script, *args)
    for prefix in ratio_lines:
        assert any(line.startswith(prefix) and "x" in line for line in text.splitlines()), (
            prefix,
            text,
        )
    assert summary


def test_the_otel_bench_runs_and_prints_the_no_provider_ratio() -> None:
    # The script itself checks that each configuration loaded what it claims to
    # (no OpenTelemetry module where none should be, one span per call with the SDK).
    output, summary = run("otel.py", "--quick")
    rows = summary["rows"]
    assert isinstance(rows, list)
    assert [row["mode"] for row in rows] == ["unimportable", "installed", "imported", "sdk"]
    assert summary["target"] == 1.05
    assert any(
        line.startswith("no provider / OpenTelemetry unimportable = ")
        for line in output.splitlines()
    ), output


def test_the_fleet_bench_runs_and_prints_its_ratios_to_r_and_c() -> None:
    # Four processes, a sandbox and a redis-server of its own: bounds are asserted by
    # tests/e2e/test_fleet_limits.py, not here (the quick mode's figures mean little).
    output, summary = run("fleet_limits.py", "--quick")
    assert set(summary) >= {"rate-local", "rate-redis", "slots-local", "slots-redis"}
    lines = output.splitlines()
    for mode, ratio in [
        ("rate-local", "aggregate / R = "),
        ("rate-redis", "aggregate / R = "),
        ("slots-local", "max in flight / C = "),
        ("slots-redis", "max in flight / C = "),
    ]:
        assert any(line.startswith(f"{mode}: ") and ratio in line for line in lines), output
