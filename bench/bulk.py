"""Throughput and memory of ``AsyncVolt.send_many``, without and with its journal.

N recipients are written to a temporary CSV, then read back streaming (one
``csv.reader`` row at a time) into ``AsyncVolt.send_many`` at concurrency 32,
against the sandbox in the same process (``httpx.ASGITransport(app=Sandbox().app)``,
no sockets). Each configuration runs in a fresh child process, alternating
without/with the journal round after round, so each has its own peak RSS and
machine noise hits both alike.

- throughput: messages per second, best of the rounds;
- journal cost: 1 - with/without (target: at most 15% slower);
- peak RSS (``ru_maxrss``) of the child (target: < 200 MB). In process, the
  sandbox's own memory counts too: it keeps every message it accepted in an
  in-memory SQLite database, so it grows with N. The client side alone is
  measured by one more pair of runs against a canned ``createMessage`` answer
  (``httpx.MockTransport``, no sandbox at all), whose RSS is reported
  separately. (A sandbox in its own process, over loopback HTTP, would also do,
  but on a small machine it serves a few hundred requests per second, and 100,000
  recipients would take many minutes per run.)

    python bench/bulk.py [--recipients 100000] [--rounds 2] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import itertools
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import httpx

from volt_sdk import AsyncVolt, OutgoingMessage, __version__

TOKEN: Final = "bench-token"
FROM: Final = "+15555550123"
CONCURRENCY: Final = 32
TARGET_COST: Final = 0.15
TARGET_RSS_MB: Final = 200.0


def write_csv(path: Path, count: int) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "phone", "name"])
        for i in range(count):
            writer.writerow([f"cust-{i}", f"+1555{4_000_000 + i:07d}", f"Customer {i}"])


def read_csv(path: Path) -> Iterator[OutgoingMessage]:
    """One message per row, read lazily."""
    with path.open(newline="") as handle:
        rows = csv.reader(handle)
        next(rows)
        for key, phone, name in rows:
            yield OutgoingMessage(
                to=phone, from_=FROM, body=f"Hi {name}, your order has shipped.", key=key
            )


# -- child: one configuration ----------------------------------------------------------


def canned_transport() -> httpx.MockTransport:
    """Answers every ``createMessage`` at once, with a fresh id (no sandbox)."""
    ids = itertools.count(1)

    def answer(request: httpx.Request) -> httpx.Response:
        variables = json.loads(request.content)["variables"]
        message = {
            "id": f"msg_{next(ids):012d}",
            "legacyId": None,
            "toNumber": variables["to"],
            "fromNumber": variables["from"],
            "status": "queued",
            "statusDescription": None,
            "media": [],
            "body": variables["body"],
            "sentAt": None,
            "confirmedAt": None,
            "errorCode": None,
        }
        return httpx.Response(200, json={"data": {"createMessage": message}})

    return httpx.MockTransport(answer)


async def send_all(csv_path: Path, journal: Path | None, canned: bool) -> dict[str, Any]:
    if canned:
        transport: httpx.AsyncBaseTransport = canned_transport()
    else:
        from volt_sdk.sandbox import Sandbox

        sandbox = Sandbox(token=TOKEN)  # referenced until the end: it closes its store when freed
        transport = httpx.ASGITransport(app=sandbox.app)
    statuses: Counter[str] = Counter()
    async with (
        httpx.AsyncClient(transport=transport, timeout=30.0) as http,
        AsyncVolt(base_url="http://127.0.0.1/graphql", token=TOKEN, http_client=http) as volt,
    ):
        started = time.perf_counter()
        messages = read_csv(csv_path)
        async for result in volt.send_many(messages, concurrency=CONCURRENCY, journal=journal):
            statuses[result.status] += 1
        seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "statuses": dict(statuses),
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def child(args: argparse.Namespace) -> int:
    journal = Path(tempfile.mkdtemp()) / "bench.journal" if args.journal else None
    result = asyncio.run(send_all(Path(args.csv), journal, args.canned))
    if set(result["statuses"]) != {"sent"}:
        raise SystemExit(f"not every message was sent: {result['statuses']}")
    print(json.dumps(result), flush=True)
    return 0


# -- parent: the rounds -------------------------------------------------------------------


def run_child(csv_path: Path, journal: bool, canned: bool) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", "--csv", str(csv_path)]
    if journal:
        command.append("--journal")
    if canned:
        command.append("--canned")
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description="send_many throughput and memory")
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="5,000 recipients, one round")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    parser.add_argument("--journal", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--canned", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    if args.quick:
        args.recipients, args.rounds = 5_000, 1

    workdir = Path(tempfile.mkdtemp())
    csv_path = workdir / "recipients.csv"
    write_csv(csv_path, args.recipients)
    runs: dict[str, list[dict[str, Any]]] = {"without": [], "with": []}
    for round_ in range(args.rounds):
        order = ["without", "with"] if round_ % 2 == 0 else ["with", "without"]
        for mode in order:
            runs[mode].append(run_child(csv_path, mode == "with", canned=False))
    canned = {mode: run_child(csv_path, mode == "with", canned=True) for mode in runs}

    print(
        f"volt-sdk {__version__}, Python {platform.python_version()}, httpx {httpx.__version__}, "
        f"{os.cpu_count()} CPUs; {args.recipients} recipients from a CSV, concurrency "
        f"{CONCURRENCY}, {args.rounds} round(s), each run in a fresh process"
    )
    print(f"{'journal':<9}{'server':<15}{'msg/s':>9}{'seconds':>9}{'peak RSS MB':>13}  outcomes")
    best: dict[str, dict[str, Any]] = {}
    for mode, results in runs.items():
        best[mode] = min(results, key=lambda r: r["seconds"])
        for label, r in (("in process", best[mode]), ("none (canned)", canned[mode])):
            rate = args.recipients / r["seconds"]
            print(
                f"{mode:<9}{label:<15}{rate:>9.0f}{r['seconds']:>9.1f}{r['rss_mb']:>13.1f}"
                f"  {r['statuses']}"
            )
    ratio = best["without"]["seconds"] / best["with"]["seconds"]
    canned_ratio = canned["without"]["seconds"] / canned["with"]["seconds"]
    cost = 1 - ratio
    verdict = "meets" if cost <= TARGET_COST else "MISSES"
    print(
        f"journal: {ratio:.3f}x the throughput without it ({cost:+.1%} slower): {verdict} the "
        f"target of <= {TARGET_COST:.0%} slower (against a canned answer, where the journal is "
        f"a larger share of the work: {canned_ratio:.3f}x)"
    )
    peak_in = max(r["rss_mb"] for results in runs.values() for r in results)
    peak_client = max(r["rss_mb"] for r in canned.values())
    verdict = "meets" if peak_in < TARGET_RSS_MB else "MISSES"
    print(
        f"peak RSS: {peak_in:.0f} MB with the sandbox in process ({verdict} the target of "
        f"< {TARGET_RSS_MB:.0f} MB; includes the sandbox's in-memory database of every "
        f"message), {peak_client:.0f} MB for the client alone (against a canned answer)"
    )
    summary = {
        "recipients": args.recipients,
        "ratio": ratio,
        "ratio_canned": canned_ratio,
        "rss_mb_in_process": peak_in,
        "rss_mb_client": peak_client,
        "msg_per_s": {m: args.recipients / best[m]["seconds"] for m in best},
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
