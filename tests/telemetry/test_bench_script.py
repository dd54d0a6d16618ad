"""Smoke test of ``bench/otel.py``: its quick mode runs and prints its ratios.

No figure is asserted (``make bench`` measures); the script itself checks that
each configuration loaded what it claims to (no OpenTelemetry module where none
should be, one span per call with the SDK).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "otel.py"


def test_the_otel_bench_runs_and_prints_the_no_provider_ratio() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.rstrip().splitlines()
    summary = json.loads(lines[-1])
    assert [row["mode"] for row in summary["rows"]] == [
        "unimportable",
        "installed",
        "imported",
        "sdk",
    ]
    assert summary["target"] == 1.05
    assert any(line.startswith("no provider / OpenTelemetry unimportable = ") for line in lines), (
        done.stdout
    )
