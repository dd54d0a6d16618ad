"""Throughput and latency of the local Volt sandbox, against plain ariadne on the same schema.

Two servers, each in its own process on a loopback port, both uvicorn with
httptools and uvloop, no access log:

- ``sandbox``: ``volt_sdk.sandbox.serve``, the thin ASGI app with the cache of
  parsed and validated documents and synchronous execution;
- ``baseline``: ``ariadne.asgi.GraphQL`` over the *same* executable schema,
  resolvers and store (it parses and validates every request and runs the
  operation through ariadne's async path): what a plain ariadne server costs.

The load is ``AsyncVolt.send_message`` (``createMessage``) from this process, at
concurrency 1 and 32, for a bounded number of requests (and at most
``--max-seconds`` each), alternating between the servers in rounds. Why a
subprocess: on a 2-core machine a server in a thread of the client's process
would share one GIL with the client, and the figure would measure their sum;
with a process each gets a core, as with ``volt sandbox`` and a test suite.
Besides requests/second and p50/p99 latency it reports the server's CPU time
per request (from /proc, where available), which does not depend on the client.

    python bench/sandbox.py [--requests 3000] [--serial 1000] [--rounds 2]

With ``--e2e`` it measures the client instead (issue 3): against the one sandbox
process, ``AsyncVolt.send_message`` against a raw ``httpx.AsyncClient.post`` of the
same ``createMessage`` request (same document, headers and body, ``json.loads`` of
the answer), each side one ``httpx.AsyncClient`` whose pool allows as many
connections as requests in flight, at concurrency 1, 16 and 64, alternating
sides in rounds. Reported: throughput, p50/p99 latency (medians over rounds) and
the median over rounds of AsyncVolt/raw throughput (target: >= 0.95x).

    python bench/sandbox.py --e2e [--requests 3000] [--serial 1000] [--rounds 3] [--quick]

The last line of output is a JSON summary (read by ``bench/run_all.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any, Final

import httpx

from volt_sdk import AsyncVolt, __version__

FROM: Final = "+15555550123"
BODY: Final = "Your One Time Code is 654312\n\nReply STOP to opt-out."
TOKEN: Final = "bench-token"
TARGET_RPS: Final = 1000.0
TARGET_E2E: Final = 0.95
E2E_CONCURRENCY: Final = (1, 16, 64)
_numbers = itertools.count(5_550_000_000)


def fresh_number() -> str:
    """A North American number not used before in this run (none is a magic number)."""
    return f"+1{next(_numbers)}"


# -- server side (child process) ------------------------------------------------------


def serve_sandbox() -> None:
    from volt_sdk.sandbox import serve

    serve(port=0, token=TOKEN, on_ready=lambda url: print(f"READY {url}", flush=True))


def serve_baseline() -> None:
    import uvicorn
    from ariadne.asgi import GraphQL

    from volt_sdk.sandbox._schema import build_schema
    from volt_sdk.sandbox._server import DEFAULT_NUMBERS
    from volt_sdk.sandbox._store import Store

    store = Store(numbers=DEFAULT_NUMBERS)
    app = GraphQL(build_schema(), context_value=store)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        http="httptools",
        loop="uvloop",
        lifespan="off",
        access_log=False,
        log_level="warning",
        proxy_headers=False,
        server_header=False,
    )

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[object] | None = None) -> None:  # type: ignore[override]
            await super().startup(sockets=None)
            port = self.servers[0].sockets[0].getsockname()[1]
            print(f"READY http://127.0.0.1:{port}/graphql", flush=True)

    Server(config).run()


# -- client side --------------------------------------------------------------------------


class Child:
    """A server process; its URL comes on its first line of output."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve", kind],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.url = self._await_ready(timeout=30.0)

    def _await_ready(self, timeout: float) -> str:
        assert self.process.stdout is not None
        lines: list[str] = []
        reader = threading.Thread(
            target=lambda: lines.append(self.process.stdout.readline()),  # type: ignore[union-attr]
            daemon=True,
        )
        reader.start()
        reader.join(timeout)
        if not lines or not lines[0].startswith("READY "):
            self.stop()
            raise RuntimeError(f"{self.kind} server did not start: {lines!r}")
        return lines[0].split()[1]

    def cpu_seconds(self) -> float | None:
        """User + system CPU of the server process so far (Linux /proc), else None."""
        try:
            with open(f"/proc/{self.process.pid}/stat") as stat:
                fields = stat.read().rpartition(")")[2].split()
        except OSError:
            return None
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


@dataclass
class Result:
    requests: int
    seconds: float
    latencies: list[float]
    server_cpu: float | None

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def load(
    child: Child, requests: int, concurrency: int, clients: int, max_seconds: float
) -> Result:
    """``requests`` sends with ``concurrency`` in flight, spread over ``clients`` AsyncVolt."""
    per_client = max(1, concurrency // clients)
    limits = httpx.Limits(max_connections=per_client, max_keepalive_connections=per_client)
    pools = [httpx.AsyncClient(limits=limits) for _ in range(clients)]
    volts = [AsyncVolt(base_url=child.url, token=TOKEN, http_client=pool) for pool in pools]
    try:
        for volt in volts:  # warm-up: connections, caches
            for _ in range(max(1, 200 // clients)):
                await volt.send_message(to=fresh_number(), from_=FROM, body=BODY)
        latencies: list[float] = []
        issued = 0
        cpu_before = child.cpu_seconds()
        started = time.perf_counter()
        deadline = started + max_seconds

        async def worker(volt: AsyncVolt) -> None:
            nonlocal issued
            while issued < requests and time.perf_counter() < deadline:
                issued += 1
                t0 = time.perf_counter()
                await volt.send_message(to=fresh_number(), from_=FROM, body=BODY)
                latencies.append(time.perf_counter() - t0)

        await asyncio.gather(*(worker(volts[i % clients]) for i in range(concurrency)))
        elapsed = time.perf_counter() - started
        cpu_after = child.cpu_seconds()
    finally:
        for pool in pools:  # AsyncVolt leaves an http_client it was given open
            await pool.aclose()
    cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    return Result(len(latencies), elapsed, latencies, cpu)


def capture_request() -> tuple[str, dict[str, str]]:
    """The document and headers AsyncVolt sends for createMessage, captured once."""
    seen: list[httpx.Request] = []

    def capture(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(500)

    async def send() -> None:
        transport = httpx.MockTransport(capture)
        async with AsyncVolt(
            token=TOKEN, max_retries=0, http_client=httpx.AsyncClient(transport=transport)
        ) as volt:
            with contextlib.suppress(Exception):  # the 500: only the request matters
                await volt.send_message(to=fresh_number(), from_=FROM, body=BODY)

    asyncio.run(send())
    request = seen[0]
    headers = {
        name: request.headers[name]
        for name in ("content-type", "accept", "user-agent", "authorization")
        if name in request.headers
    }
    query: str = json.loads(request.content)["query"]
    return query, headers


async def load_e2e(
    url: str, side: str, requests: int, concurrency: int, max_seconds: float,
    query: str, headers: dict[str, str],
) -> Result:  # fmt: skip
    """``requests`` createMessage sends, ``concurrency`` in flight, over one httpx client."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    pool = httpx.AsyncClient(limits=limits)
    volt = AsyncVolt(base_url=url, token=TOKEN, http_client=pool)

    async def raw() -> None:
        variables = {"to": fresh_number(), "from": FROM, "body": BODY}
        payload = {"query": query, "operationName": "CreateMessage", "variables": variables}
        response = await pool.post(url, content=json.dumps(payload).encode(), headers=headers)
        response.raise_for_status()
        if json.loads(response.content)["data"]["createMessage"] is None:
            raise RuntimeError("no message")

    async def sdk() -> None:
        await volt.send_message(to=fresh_number(), from_=FROM, body=BODY)

    send = sdk if side == "AsyncVolt" else raw
    try:
        # warm-up: every connection of the pool opened, caches filled
        await asyncio.gather(*(send() for _ in range(max(100, 2 * concurrency))))
        latencies: list[float] = []
        issued = 0
        started = time.perf_counter()
        deadline = started + max_seconds

        async def worker() -> None:
            nonlocal issued
            while issued < requests and time.perf_counter() < deadline:
                issued += 1
                t0 = time.perf_counter()
                await send()
                latencies.append(time.perf_counter() - t0)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    finally:
        await pool.aclose()
    return Result(len(latencies), elapsed, latencies, None)


def main_e2e(args: argparse.Namespace) -> int:
    query, headers = capture_request()
    child = Child("sandbox")
    runs: dict[tuple[str, int], list[Result]] = {}
    try:
        for round_ in range(args.rounds):
            for concurrency in E2E_CONCURRENCY:
                count = args.serial if concurrency == 1 else args.requests
                sides = ("raw", "AsyncVolt") if round_ % 2 == 0 else ("AsyncVolt", "raw")
                for side in sides:
                    result = asyncio.run(
                        load_e2e(child.url, side, count, concurrency, args.max_seconds,
                                 query, headers)
                    )  # fmt: skip
                    runs.setdefault((side, concurrency), []).append(result)
    finally:
        child.stop()

    print(
        f"volt-sdk {__version__}, Python {platform.python_version()}, httpx {httpx.__version__}, "
        f"{os.cpu_count()} CPUs; the sandbox in its own process on loopback, the load in "
        f"this one; medians over {args.rounds} rounds, sides alternating"
    )
    print(f"{'client':<11}{'conc':>5}{'requests':>9}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}")
    summary: dict[str, Any] = {"rounds": args.rounds, "rows": [], "ratios": {}}
    for concurrency in E2E_CONCURRENCY:
        for side in ("raw", "AsyncVolt"):
            results = runs[(side, concurrency)]
            row = {
                "client": side,
                "concurrency": concurrency,
                "requests": statistics.median(r.requests for r in results),
                "rps": statistics.median(r.rps for r in results),
                "p50_ms": statistics.median(r.percentile(0.5) for r in results) * 1000,
                "p99_ms": statistics.median(r.percentile(0.99) for r in results) * 1000,
            }
            summary["rows"].append(row)
            print(
                f"{side:<11}{concurrency:>5}{row['requests']:>9.0f}{row['rps']:>8.0f}"
                f"{row['p50_ms']:>8.2f}{row['p99_ms']:>8.2f}"
            )
    for concurrency in E2E_CONCURRENCY:
        pairs = zip(runs[("AsyncVolt", concurrency)], runs[("raw", concurrency)], strict=True)
        achieved = statistics.median(a.rps / b.rps for a, b in pairs)
        summary["ratios"][str(concurrency)] = achieved
        verdict = "meets" if achieved >= TARGET_E2E else "MISSES"
        print(
            f"concurrency {concurrency}: AsyncVolt / raw httpx = {achieved:.2f}x req/s: "
            f"{verdict} the target of >= {TARGET_E2E:.2f}x"
        )
    print(json.dumps(summary))
    return 0


def best(results: list[Result]) -> Result:
    """The round with the highest throughput: the least disturbed by the rest of the machine."""
    return max(results, key=lambda r: r.rps)


# (concurrency, AsyncVolt clients): 32 in flight over 32 single-connection clients
# (32 workers, each with its own client) and over one client with a pool of 32.
SCENARIOS: Final = ((1, 1), (32, 32), (32, 1))


def main() -> int:
    parser = argparse.ArgumentParser(description="Volt sandbox throughput vs plain ariadne")
    parser.add_argument("--serve", choices=["sandbox", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--requests", type=int, default=3000, help="per run at concurrency 32")
    parser.add_argument("--serial", type=int, default=1000, help="per run at concurrency 1")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--max-seconds", type=float, default=20.0, help="cap per run")
    parser.add_argument("--e2e", action="store_true", help="AsyncVolt vs raw httpx, c=1/16/64")
    parser.add_argument("--quick", action="store_true", help="smoke run: a few requests, 1 round")
    args = parser.parse_args()
    if args.quick:
        args.requests, args.serial, args.rounds = 150, 50, 1
    if args.serve == "sandbox":
        serve_sandbox()
        return 0
    if args.serve == "baseline":
        serve_baseline()
        return 0
    if args.e2e:
        return main_e2e(args)

    children = {kind: Child(kind) for kind in ("sandbox", "baseline")}
    results: dict[tuple[str, int, int], list[Result]] = {}
    try:
        for _ in range(args.rounds):
            for concurrency, clients in SCENARIOS:
                count = args.serial if concurrency == 1 else args.requests
                for kind, child in children.items():
                    result = asyncio.run(load(child, count, concurrency, clients, args.max_seconds))
                    results.setdefault((kind, concurrency, clients), []).append(result)
    finally:
        for child in children.values():
            child.stop()

    print(
        f"volt-sdk {__version__}, Python {platform.python_version()}, httpx {httpx.__version__}, "
        f"{os.cpu_count()} CPUs; each server in its own process, the AsyncVolt load in this "
        f"one; best of {args.rounds} rounds"
    )
    print(
        f"{'server':<10}{'conc':>5}{'clients':>8}{'requests':>9}{'req/s':>8}{'p50 ms':>8}"
        f"{'p99 ms':>8}{'server CPU ms/req':>19}"
    )
    for (kind, concurrency, clients), runs in sorted(results.items(), key=lambda kv: kv[0][1:]):
        r = best(runs)
        cpu = "n/a" if r.server_cpu is None else f"{r.server_cpu / r.requests * 1000:.3f}"
        print(
            f"{kind:<10}{concurrency:>5}{clients:>8}{r.requests:>9}{r.rps:>8.0f}"
            f"{r.percentile(0.5) * 1000:>8.2f}{r.percentile(0.99) * 1000:>8.2f}{cpu:>19}"
        )
    ratios: dict[str, float] = {}
    for concurrency, clients in SCENARIOS:
        sandbox = best(results[("sandbox", concurrency, clients)])
        baseline = best(results[("baseline", concurrency, clients)])
        label = f"c={concurrency}/{clients} client(s)"
        ratios[label] = sandbox.rps / baseline.rps
        print(f"{label}: sandbox / baseline = {ratios[label]:.2f}x req/s")
    achieved = best(results[("sandbox", 32, 32)]).rps
    verdict = "meets" if achieved >= TARGET_RPS else "MISSES"
    print(f"sandbox at concurrency 32: {achieved:.0f} req/s, {verdict} the target of "
          f">= {TARGET_RPS:.0f}")  # fmt: skip
    print(json.dumps({"ratios": ratios}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
