"""What OpenTelemetry support costs ``Volt.send_message`` when nobody configured it.

Per-call CPU time of ``Volt.send_message`` over ``httpx.MockTransport`` (the
canned answer and the fresh recipients of ``bench/overhead.py``), with the
OpenTelemetry API:

- ``unimportable``: ``sys.modules["opentelemetry"] = None`` before volt_sdk is
  imported, as if the ``otel`` extra were not installed: the baseline, today's figure;
- ``installed``: the API installed, imported by nobody (a send imports nothing);
- ``imported``: ``opentelemetry.trace`` and ``opentelemetry.metrics`` imported,
  no provider set: each call looks the providers up, finds the defaults, and
  records nothing. The target applies to this one;
- ``sdk`` (for information): the SDK's tracer provider with an in-memory
  exporter behind a ``SimpleSpanProcessor``, and its meter provider with an
  in-memory reader: what a span and the metrics of every call cost.

Each configuration runs in a fresh interpreter of its own (so that one cannot
import OpenTelemetry for another), ``--rounds`` rounds, the configurations in a
new order every round; in each child, ``--batches`` batches of ``--calls`` calls
after a warm-up, CPU time (``time.process_time``), the child's figure being the
median batch. Ratios are the median over rounds of each round's ratio.

Target (issue 13): ``imported`` at most 1.05x ``unimportable``.

    python bench/otel.py [--calls 2000] [--batches 3] [--rounds 9] [--quick]

The last line of output is a JSON summary (read by ``bench/run_all.py``).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from typing import Any, Final

TARGET: Final = 1.05
BASELINE: Final = "unimportable"
MODES: Final = ("unimportable", "installed", "imported", "sdk")
LABELS: Final = {
    "unimportable": "API not importable (today)",
    "installed": "API installed, not imported",
    "imported": "API imported, no provider",
    "sdk": "SDK providers, in-memory",
}


def child(mode: str, calls: int, batches: int) -> dict[str, Any]:
    """In a fresh interpreter: CPU seconds per call of each batch, and what was loaded."""
    if mode == "unimportable":
        sys.modules["opentelemetry"] = None  # type: ignore[assignment]
    elif mode == "imported":
        import opentelemetry.metrics
        import opentelemetry.trace  # noqa: F401
    exporter = _configure_sdk() if mode == "sdk" else None

    # After the lines above: overhead imports volt_sdk.
    import httpx
    from overhead import BODY, FROM, TOKEN, fresh_number, time_sync, transport

    from volt_sdk import Volt

    volt = Volt(token=TOKEN, http_client=httpx.Client(transport=transport()))

    def send() -> None:
        volt.send_message(to=fresh_number(), from_=FROM, body=BODY)

    time_sync(min(200, calls), send)  # warm-up
    if exporter is not None:
        exporter.clear()
    per_call = []
    for _ in range(batches):
        per_call.append(time_sync(calls, send))
        if exporter is not None:
            spans = len(exporter.get_finished_spans())
            assert spans == calls, f"{spans} spans for {calls} calls"
            exporter.clear()
    volt.close()
    loaded = sorted(m for m in ("opentelemetry.trace", "opentelemetry.metrics") if m in sys.modules)
    return {"mode": mode, "per_call": per_call, "loaded": loaded}


def _configure_sdk() -> Any:
    from opentelemetry import metrics, trace
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(tracer_provider)
    metrics.set_meter_provider(MeterProvider(metric_readers=[InMemoryMetricReader()]))
    return exporter


def run_child(mode: str, calls: int, batches: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--calls", str(calls),
         "--batches", str(batches)],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"child {mode} failed:\n{done.stdout}{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description="send_message cost of OpenTelemetry support")
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--batches", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--quick", action="store_true", help="smoke run: 100 calls, 1 round")
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.calls, args.batches, args.rounds = 100, 1, 1
    if args.child:
        print(json.dumps(child(args.child, args.calls, args.batches)))
        return 0

    started = time.perf_counter()
    figures: dict[str, list[float]] = {mode: [] for mode in MODES}
    loaded: dict[str, list[str]] = {}
    for number in range(args.rounds):
        # A new order every round: no configuration always runs first or last.
        order = MODES[number % len(MODES) :] + MODES[: number % len(MODES)]
        for mode in order if number % 2 == 0 else tuple(reversed(order)):
            found = run_child(mode, args.calls, args.batches)
            figures[mode].append(statistics.median(found["per_call"]))
            loaded[mode] = found["loaded"]
    # What each child had loaded: the configurations are what they claim to be.
    assert loaded["unimportable"] == loaded["installed"] == [], loaded
    assert loaded["imported"] == loaded["sdk"] == ["opentelemetry.metrics", "opentelemetry.trace"]

    from importlib import metadata

    print(
        f"Python {platform.python_version()}, opentelemetry-api "
        f"{metadata.version('opentelemetry-api')}, {args.rounds} rounds x {args.batches} "
        f"batches x {args.calls} calls of Volt.send_message, a fresh process per configuration"
    )
    print(f"{'configuration':<32}{'CPU us/call (median)':>22}{'ratio':>9}")
    rows: list[dict[str, Any]] = []
    for mode in MODES:
        us = statistics.median(figures[mode]) * 1e6
        ratio = statistics.median(
            a / b for a, b in zip(figures[mode], figures[BASELINE], strict=True)
        )
        rows.append({"mode": mode, "label": LABELS[mode], "us": us, "ratio": ratio})
        print(f"{LABELS[mode]:<32}{us:>22.1f}{ratio:>8.2f}x")
    by_mode = {row["mode"]: row for row in rows}
    achieved = by_mode["imported"]["ratio"]
    verdict = "meets" if achieved <= TARGET else "MISSES"
    print(
        f"no provider / OpenTelemetry unimportable = {achieved:.3f}x: "
        f"{verdict} the target of <= {TARGET:.2f}x"
    )
    print(f"not imported / OpenTelemetry unimportable = {by_mode['installed']['ratio']:.3f}x")
    print(f"({time.perf_counter() - started:.0f} s)")
    summary = {
        "calls": args.calls,
        "batches": args.batches,
        "rounds": args.rounds,
        "rows": rows,
        "no_provider/unimportable": achieved,
        "target": TARGET,
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
