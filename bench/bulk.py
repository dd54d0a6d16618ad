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

With ``--loopback`` it measures the HTTP client instead, where the in-process
sandbox cannot (``volt_sdk.AioHttpClient`` sends over aiohttp, which has no ASGI
transport): the same CSV into ``AsyncVolt.send_many`` at ``--concurrency`` (32)
*with* the journal, against the sandbox in its own process on a loopback port (a
fresh one for every run, so each starts from an empty database), with the
client's own httpx pool (``default``) and with ``AsyncVolt(http_client=AioHttpClient())``
(``aiohttp``), each run in a fresh process, the clients alternating round after
round. Reported per client: messages per second, the client process's CPU per
message (``resource.getrusage``), the server's CPU as a share of one core (from
/proc: near 100% means the server bounds the run), peak RSS; and the ratio
AioHttpClient/default of messages per second and of CPU per message (median over
rounds of each round's ratio). 100,000 recipients take several minutes per run.

    python bench/bulk.py --loopback [--recipients 100000] [--rounds 2] [--concurrency 32]

The last line of output is a JSON summary (read by ``bench/run_all.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import itertools
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import httpx
from sandbox import Child

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


async def send_all_loopback(
    csv_path: Path, url: str, client: str, concurrency: int
) -> dict[str, Any]:
    """``send_many`` with a journal against the sandbox at ``url``, over ``client``."""
    statuses: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as workdir:
        journal = Path(workdir) / "bench.journal"
        async with contextlib.AsyncExitStack() as stack:
            if client == "aiohttp":
                # Imported here: the in-process runs' peak RSS stays without aiohttp.
                from volt_sdk import AioHttpClient

                # Closed after the AsyncVolt, which leaves a client it was given open.
                http = await stack.enter_async_context(AioHttpClient())
                volt = AsyncVolt(base_url=url, token=TOKEN, http_client=http)
            else:
                volt = AsyncVolt(base_url=url, token=TOKEN)
            await stack.enter_async_context(volt)
            started = time.perf_counter()
            cpu_before = time.process_time()
            messages = read_csv(csv_path)
            async for result in volt.send_many(messages, concurrency=concurrency, journal=journal):
                statuses[result.status] += 1
            cpu = time.process_time() - cpu_before
            seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "cpu": cpu,
        "statuses": dict(statuses),
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def child(args: argparse.Namespace) -> int:
    if args.url:
        result = asyncio.run(
            send_all_loopback(Path(args.csv), args.url, args.client, args.concurrency)
        )
        if set(result["statuses"]) != {"sent"}:
            raise SystemExit(f"not every message was sent: {result['statuses']}")
        print(json.dumps(result), flush=True)
        return 0
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


LOOPBACK_CLIENTS: Final = ("default", "aiohttp")


def run_loopback_child(csv_path: Path, client: str, concurrency: int) -> dict[str, Any]:
    """One run against a sandbox of its own, started for it and stopped after."""
    server = Child("sandbox")
    try:
        server_before = server.cpu_seconds()
        command = [sys.executable, __file__, "--child", "--csv", str(csv_path), "--url", server.url,
                   "--client", client, "--concurrency", str(concurrency)]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        server_after = server.cpu_seconds()
    finally:
        server.stop()
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    result["server_cpu"] = (
        None if server_before is None or server_after is None else server_after - server_before
    )
    return result


def main_loopback(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp())
    csv_path = workdir / "recipients.csv"
    write_csv(csv_path, args.recipients)
    runs: dict[str, list[dict[str, Any]]] = {client: [] for client in LOOPBACK_CLIENTS}
    for round_ in range(args.rounds):
        order = LOOPBACK_CLIENTS if round_ % 2 == 0 else LOOPBACK_CLIENTS[::-1]
        for client in order:
            runs[client].append(run_loopback_child(csv_path, client, args.concurrency))
    csv_path.unlink()
    workdir.rmdir()

    n = args.recipients
    print(
        f"volt-sdk {__version__}, Python {platform.python_version()}, httpx {httpx.__version__}, "
        f"{os.cpu_count()} CPUs; {n} recipients from a CSV into AsyncVolt.send_many at "
        f"concurrency {args.concurrency} with a journal, the sandbox in its own process (a "
        f"fresh one per run), {args.rounds} round(s), each run in a fresh process, the "
        f"clients alternating"
    )
    print(
        f"{'client':<9}{'round':>6}{'msg/s':>8}{'seconds':>9}{'CPU us/msg':>12}"
        f"{'server CPU':>12}{'peak RSS MB':>13}  outcomes"
    )
    for client, results in runs.items():
        for round_, r in enumerate(results, 1):
            server = "n/a" if r["server_cpu"] is None else f"{r['server_cpu'] / r['seconds']:.0%}"
            print(
                f"{client:<9}{round_:>6}{n / r['seconds']:>8.0f}{r['seconds']:>9.1f}"
                f"{r['cpu'] / n * 1e6:>12.0f}{server:>12}{r['rss_mb']:>13.1f}  {r['statuses']}"
            )
    pairs = list(zip(runs["aiohttp"], runs["default"], strict=True))
    ratio = statistics.median(b["seconds"] / a["seconds"] for a, b in pairs)
    ratio_cpu = statistics.median(a["cpu"] / b["cpu"] for a, b in pairs)
    print(
        f"AioHttpClient / default client: {ratio:.2f}x the messages per second, "
        f"{ratio_cpu:.2f}x the client CPU per message (median over rounds of each round's ratio)"
    )
    summary: dict[str, Any] = {
        "mode": "loopback",
        "recipients": n,
        "concurrency": args.concurrency,
        "rounds": args.rounds,
        "ratio": ratio,
        "ratio_cpu": ratio_cpu,
        "clients": {
            client: {
                "msg_per_s": statistics.median(n / r["seconds"] for r in results),
                "cpu_us": statistics.median(r["cpu"] / n * 1e6 for r in results),
                "rss_mb": max(r["rss_mb"] for r in results),
                "server_cpu": statistics.median(
                    (r["server_cpu"] or 0.0) / r["seconds"] for r in results
                ),
            }
            for client, results in runs.items()
        },
    }
    print(json.dumps(summary))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description="send_many throughput and memory")
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="5,000 recipients, one round")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    parser.add_argument("--journal", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--canned", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--loopback",
        action="store_true",
        help="AioHttpClient against the default client, the sandbox in its own process",
    )
    parser.add_argument(
        "--concurrency", type=int, default=CONCURRENCY, help="send_many's, with --loopback"
    )
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--client", choices=LOOPBACK_CLIENTS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    if args.quick:
        args.recipients, args.rounds = (300 if args.loopback else 5_000), 1
    if args.loopback:
        return main_loopback(args)

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
