"""Import time of volt_sdk against its own dependencies, and ``volt --help`` startup.

Every figure is a median over ``--runs`` cold runs, each a fresh interpreter
(``python -c``), the statements alternating run after run so that machine noise
hits them alike. Inside each child the import is timed with ``perf_counter``
around the statement only, so interpreter startup (the same for all, and about
as large as what is measured) does not dilute the ratios; the wall time of the
whole child is reported beside it.

- baseline: ``import httpx, pydantic, phonenumbers`` (the core dependencies).
  ``import pydantic`` is lazy: BaseModel's machinery loads with the first model
  class, which the baseline never defines; the row "baseline + one model" shows
  what any pydantic user pays on top;
- ``import volt_sdk``: lazy (PEP 562), nearly free;
- ``from volt_sdk import Volt`` / ``AsyncVolt``: what users pay in practice (the
  client, the generated operations, the models, pydantic's machinery);
- first call: ``from volt_sdk import Volt`` then one ``send_message`` over
  ``httpx.MockTransport`` (so that a saving at import is not merely moved to the
  first call);
- ``volt --help``: the CLI's startup, wall time of the whole process, against
  ``python -c pass``.

Target (issue 4): ``import volt_sdk`` and ``from volt_sdk import Volt`` at most
1.4x the baseline.

    python bench/imports.py [--runs 15] [--quick]

The last line of output is a JSON summary (read by ``bench/run_all.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Final

TARGET: Final = 1.4
BASELINE: Final = "import httpx, pydantic, phonenumbers"
FIRST_CALL: Final = """\
import httpx
from volt_sdk import Volt
def answer(request):
    return httpx.Response(200, json={"data": {"createMessage": {
        "id": "msg_1", "legacyId": None, "toNumber": "+15555550145",
        "fromNumber": "+15555550123", "status": "queued", "statusDescription": None,
        "media": [], "body": "hi", "sentAt": None, "confirmedAt": None, "errorCode": None}}})
with Volt(token="t", http_client=httpx.Client(transport=httpx.MockTransport(answer))) as v:
    v.send_message(to="+15555550145", from_="+15555550123", body="hi")
"""
# (label, statement timed in the child)
CASES: Final = (
    ("baseline: " + BASELINE, BASELINE),
    ("baseline + one pydantic model", BASELINE + "\nclass M(pydantic.BaseModel):\n    a: int"),
    ("import volt_sdk", "import volt_sdk"),
    ("from volt_sdk import Volt", "from volt_sdk import Volt"),
    ("from volt_sdk import AsyncVolt", "from volt_sdk import AsyncVolt"),
    ("Volt + first send_message", FIRST_CALL),
)
PROBE: Final = """\
import time
_t = time.perf_counter()
exec(compile({statement!r}, "<bench>", "exec"))
print(time.perf_counter() - _t)
"""


def timed_child(statement: str) -> tuple[float, float]:
    """(seconds of the statement inside the child, wall seconds of the child)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(statement=statement)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    wall = time.perf_counter() - started
    return float(done.stdout.split()[-1]), wall


def wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, capture_output=True, check=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description="import time and CLI startup")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="smoke run: 2 runs")
    args = parser.parse_args()
    if args.quick:
        args.runs = 2
    volt = Path(sys.executable).with_name("volt")
    cli = [str(volt), "--help"] if volt.exists() else [sys.executable, "-m", "volt_sdk", "--help"]

    for _, statement in CASES:  # warm the OS file cache and the bytecode caches once
        timed_child(statement)
    inner: dict[str, list[float]] = {label: [] for label, _ in CASES}
    outer: dict[str, list[float]] = {label: [] for label, _ in CASES}
    startup: dict[str, list[float]] = {"python -c pass": [], "volt --help": []}
    for _ in range(args.runs):
        for label, statement in CASES:
            seconds, total = timed_child(statement)
            inner[label].append(seconds)
            outer[label].append(total)
        startup["python -c pass"].append(wall([sys.executable, "-c", "pass"]))
        startup["volt --help"].append(wall(cli))

    base = CASES[0][0]
    print(
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs; medians of {args.runs} "
        f"cold interpreters, statements alternating"
    )
    print(f"{'statement':<40}{'import ms':>10}{'ratio':>8}{'process ms':>12}{'ratio':>8}")
    summary: dict[str, Any] = {"runs": args.runs, "rows": [], "startup": {}}
    for label, _ in CASES:
        ms = statistics.median(inner[label]) * 1000
        ratio = statistics.median(a / b for a, b in zip(inner[label], inner[base], strict=True))
        wall_ms = statistics.median(outer[label]) * 1000
        wall_ratio = statistics.median(
            a / b for a, b in zip(outer[label], outer[base], strict=True)
        )
        summary["rows"].append(
            {"label": label, "ms": ms, "ratio": ratio, "wall_ms": wall_ms, "wall_ratio": wall_ratio}
        )
        print(f"{label:<40}{ms:>10.1f}{ratio:>7.2f}x{wall_ms:>12.1f}{wall_ratio:>7.2f}x")
    for label, values in startup.items():
        ms = statistics.median(values) * 1000
        summary["startup"][label] = ms
        print(f"{label:<40}{'':>18}{ms:>12.1f}")
    for row in summary["rows"]:
        if row["label"] in ("import volt_sdk", "from volt_sdk import Volt"):
            verdict = "meets" if row["ratio"] <= TARGET else "MISSES"
            print(
                f"{row['label']} / baseline = {row['ratio']:.2f}x (process: "
                f"{row['wall_ratio']:.2f}x): {verdict} the target of <= {TARGET:.1f}x"
            )
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
