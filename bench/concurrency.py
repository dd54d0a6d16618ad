"""Client cost under concurrency: AsyncVolt, AioHttpClient, Volt.send_many and raw clients.

The sandbox runs in its own process on a loopback port (as in ``bench/sandbox.py``);
the load runs in this one. Every side sends ``createMessage``: the SDK's sides call
``send_message``; the raw sides post the same GraphQL document, headers and body
(captured from ``AsyncVolt`` once, as ``bench/sandbox.py --e2e`` does) and
``json.loads`` the answer. At each concurrency (1, 16, 64 and 256 requests in
flight) every side runs a bounded number of requests (``--serial`` at 1,
``--requests`` above, each run cut at ``--max-seconds``) after a warm-up that
opens its connections, the sides next to each other and their order reversed
round after round, so that the noise of a shared machine hits them alike.

Async sides (one event loop per run, one pool of as many connections as requests
in flight, all kept alive):

- ``aiohttp``: ``aiohttp.ClientSession.post`` (``TCPConnector(limit=c)``), the floor;
- ``httpx``: ``httpx.AsyncClient.post`` with ``httpx.Limits(max_connections=c,
  max_keepalive_connections=c)``;
- ``httpx+AioHttpTransport``: the same over volt_sdk's aiohttp transport
  (``volt_sdk._wire._aiohttp.AioHttpTransport``, what ``AioHttpClient`` runs on);
- ``httpx+httpx-aiohttp``: the same over the packaged ``httpx_aiohttp.AiohttpTransport``;
- ``AsyncVolt``: the SDK's own httpx client, ``max_concurrency=c``;
- ``AsyncVolt+AioHttpClient``: ``AsyncVolt(http_client=AioHttpClient(), max_concurrency=c)``.

Blocking sides (threads):

- ``httpx.Client threads``: ``httpx.Client.post`` from a ``ThreadPoolExecutor`` of c
  workers, each sending in a loop, over one pool of c connections;
- ``Volt.send_many``: ``Volt().send_many(messages, concurrency=c)`` (its own thread
  pool and its own httpx client, widened to c connections).

Reported per side and concurrency (medians over rounds): client CPU per request
(``time.process_time`` of this process over the timed phase, every thread
included, divided by the requests; the server is in another process), throughput,
p50 and p99 latency, and the server's CPU over the phase as a share of one core
(from /proc: near 100% means the server, not the client, bounds the throughput).
Latency is the time of one call (``send_message``, ``post`` and ``json.loads``) on
the async sides; on the blocking sides, where ``send_many`` hides its calls, it is
the time from the request leaving to its response's headers, taken by httpx event
hooks on both sides alike. A request that fails is counted, not timed (uvicorn
closes a connection idle for 5 s, which is also httpx's keep-alive expiry, so a
request can meet a kept-alive connection as the server closes it); a run where
more than 5% fail stops the bench. Every ratio is the median over rounds of that
round's ratio. Targets: AsyncVolt+AioHttpClient at most 2.0x raw aiohttp's CPU per
request and p99, at least 0.6x its throughput; AsyncVolt (default) at least 0.95x
raw httpx's throughput; send_many against raw threads is reported, without a target.

    python bench/concurrency.py [--requests 2000] [--serial 400] [--rounds 2]
        [--max-seconds 6] [--concurrency 1,16,64,256] [--max-threads 256] [--quick]

``--profile SIDE`` runs one async side once at ``--profile-concurrency`` (64) under
cProfile (timing the main thread's CPU, ``time.thread_time``), from after its
warm-up to the end of its timed phase, and writes the top entries by tottime and
cumtime, the time by package and volt_sdk's own entries to ``--profile-out``.

The last line of output is a JSON summary (read by ``bench/run_all.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import io
import itertools
import json
import os
import platform
import pstats
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Generator, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import aiohttp
import httpx
import httpx_aiohttp
from sandbox import BODY, FROM, TOKEN, Child, capture_request, fresh_number

from volt_sdk import AioHttpClient, AsyncVolt, BulkResult, OutgoingMessage, Volt, __version__
from volt_sdk._wire._aiohttp import AioHttpTransport

AIOHTTP: Final = "aiohttp"
HTTPX: Final = "httpx"
HTTPX_VOLT_AIOHTTP: Final = "httpx+AioHttpTransport"
HTTPX_AIOHTTP_PKG: Final = "httpx+httpx-aiohttp"
ASYNC_VOLT: Final = "AsyncVolt"
ASYNC_VOLT_AIOHTTP: Final = "AsyncVolt+AioHttpClient"
THREADS: Final = "httpx.Client threads"
SEND_MANY: Final = "Volt.send_many"
ASYNC_SIDES: Final = (
    AIOHTTP,
    HTTPX,
    HTTPX_VOLT_AIOHTTP,
    HTTPX_AIOHTTP_PKG,
    ASYNC_VOLT,
    ASYNC_VOLT_AIOHTTP,
)
SYNC_SIDES: Final = (THREADS, SEND_MANY)
CONCURRENCY: Final = (1, 16, 64, 256)
TIMEOUT: Final = 30.0  # the SDK's default; httpx's 5 s would cut the queue at c=256

# (side, baseline, metric, comparison, bound): the targets this bench checks.
TARGETS: Final = (
    (ASYNC_VOLT_AIOHTTP, AIOHTTP, "cpu", "<=", 2.0),
    (ASYNC_VOLT_AIOHTTP, AIOHTTP, "p99", "<=", 2.0),
    (ASYNC_VOLT_AIOHTTP, AIOHTTP, "rps", ">=", 0.6),
    (ASYNC_VOLT, HTTPX, "rps", ">=", 0.95),
)
# (side, baseline, metrics): ratios reported without a target.
REPORTED: Final = (
    (ASYNC_VOLT, HTTPX, ("cpu", "p99")),
    (ASYNC_VOLT_AIOHTTP, ASYNC_VOLT, ("cpu", "rps", "p99")),
    (HTTPX, AIOHTTP, ("cpu", "rps")),
    (HTTPX_VOLT_AIOHTTP, AIOHTTP, ("cpu", "rps")),
    (HTTPX_AIOHTTP_PKG, AIOHTTP, ("cpu", "rps")),
    (HTTPX_VOLT_AIOHTTP, HTTPX_AIOHTTP_PKG, ("cpu", "rps")),
    (SEND_MANY, THREADS, ("rps", "cpu")),
)
METRIC_NAMES: Final = {"cpu": "CPU/request", "rps": "req/s", "p50": "p50", "p99": "p99"}


@dataclass
class Result:
    requests: int  # answered
    seconds: float
    cpu: float  # CPU seconds of this process over the timed phase
    server_cpu: float | None  # CPU seconds of the server over the same phase
    latencies: list[float]
    errors: list[str]  # the requests that failed, counted, not timed

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_us(self) -> float:
        return self.cpu / (self.requests + len(self.errors)) * 1e6

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def metric(self, name: str) -> float:
        if name == "cpu":
            return self.cpu_us
        if name == "rps":
            return self.rps
        return self.percentile(0.5 if name == "p50" else 0.99)


@dataclass
class Raw:
    """The raw sides' request: the document and headers AsyncVolt sends."""

    url: str
    query: str
    headers: dict[str, str]

    def payload(self) -> bytes:
        variables = {"to": fresh_number(), "from": FROM, "body": BODY}
        document = {"query": self.query, "operationName": "CreateMessage", "variables": variables}
        return json.dumps(document).encode()

    @staticmethod
    def check(body: bytes) -> None:
        if json.loads(body)["data"]["createMessage"] is None:
            raise RuntimeError(f"no message in {body[:200]!r}")


def warmup_count(concurrency: int) -> int:
    """Enough sends, all started at once, to open every connection of the pool."""
    return max(100, 2 * concurrency)


# -- async sides -------------------------------------------------------------------------

Send = Callable[[], Awaitable[None]]


async def open_side(
    side: str, stack: contextlib.AsyncExitStack, raw: Raw, concurrency: int
) -> Send:
    """The side's client, closed with ``stack``, and one send over it."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    if side == AIOHTTP:
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=concurrency),
            timeout=aiohttp.ClientTimeout(total=TIMEOUT),
        )
        stack.push_async_callback(session.close)

        async def send_aiohttp() -> None:
            async with session.post(raw.url, data=raw.payload(), headers=raw.headers) as response:
                response.raise_for_status()
                raw.check(await response.read())

        return send_aiohttp
    if side in (HTTPX, HTTPX_VOLT_AIOHTTP, HTTPX_AIOHTTP_PKG):
        transport: httpx.AsyncBaseTransport | None = None
        if side == HTTPX_VOLT_AIOHTTP:
            transport = AioHttpTransport(limits=limits)
        elif side == HTTPX_AIOHTTP_PKG:
            transport = httpx_aiohttp.AiohttpTransport(limits=limits)
        client = httpx.AsyncClient(limits=limits, timeout=TIMEOUT, transport=transport)
        stack.push_async_callback(client.aclose)

        async def send_httpx() -> None:
            response = await client.post(raw.url, content=raw.payload(), headers=raw.headers)
            response.raise_for_status()
            raw.check(response.content)

        return send_httpx
    if side == ASYNC_VOLT:
        volt = AsyncVolt(token=TOKEN, base_url=raw.url, max_concurrency=concurrency)
    elif side == ASYNC_VOLT_AIOHTTP:
        # Closed after the AsyncVolt (which leaves a client it was given open).
        http = await stack.enter_async_context(AioHttpClient())
        volt = AsyncVolt(
            token=TOKEN, base_url=raw.url, http_client=http, max_concurrency=concurrency
        )
    else:
        raise ValueError(f"not an async side: {side}")
    await stack.enter_async_context(volt)

    async def send_volt() -> None:
        await volt.send_message(to=fresh_number(), from_=FROM, body=BODY)

    return send_volt


async def run_async(
    side: str, raw: Raw, child: Child, requests: int, concurrency: int, max_seconds: float,
    profiler: cProfile.Profile | None = None,
) -> Result:  # fmt: skip
    """``requests`` sends with ``concurrency`` in flight, after a warm-up."""
    async with contextlib.AsyncExitStack() as stack:
        send = await open_side(side, stack, raw, concurrency)
        await asyncio.gather(*(send() for _ in range(warmup_count(concurrency))))
        latencies: list[float] = []
        issued = 0
        gc.collect()
        server_before = child.cpu_seconds()
        cpu_before = time.process_time()
        started = time.perf_counter()
        deadline = started + max_seconds

        errors: list[str] = []

        async def worker() -> None:
            nonlocal issued
            while issued < requests and time.perf_counter() < deadline:
                issued += 1
                t0 = time.perf_counter()
                try:
                    await send()
                except Exception as exc:  # counted (a connection the server closed, ...)
                    errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                latencies.append(time.perf_counter() - t0)

        if profiler is not None:
            profiler.enable()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        if profiler is not None:
            profiler.disable()
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_before
        server_after = child.cpu_seconds()
    server = None if server_before is None or server_after is None else server_after - server_before
    return checked(Result(len(latencies), elapsed, cpu, server, latencies, errors))


# -- blocking sides ----------------------------------------------------------------------


def latency_hooks(latencies: list[float]) -> dict[str, list[Callable[..., Any]]]:
    """httpx event hooks that time each request, from leaving to its response's headers."""

    def sent(request: httpx.Request) -> None:
        request.extensions["bench_sent"] = time.perf_counter()

    def answered(response: httpx.Response) -> None:
        latencies.append(time.perf_counter() - response.request.extensions["bench_sent"])

    return {"request": [sent], "response": [answered]}


def checked(result: Result) -> Result:
    """``result``, unless more than 5% of its requests failed (a side that is broken)."""
    if len(result.errors) > 0.05 * (result.requests + len(result.errors)):
        raise RuntimeError(f"{len(result.errors)} requests failed; the first: {result.errors[0]}")
    return result


@contextlib.contextmanager
def timed_phase(
    child: Child, latencies: list[float], errors: list[str]
) -> Generator[list[Result], None, None]:
    """Measure the block: yields a list that holds its :class:`Result` afterwards."""
    out: list[Result] = []
    gc.collect()
    server_before = child.cpu_seconds()
    cpu_before = time.process_time()
    started = time.perf_counter()
    yield out
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_before
    server_after = child.cpu_seconds()
    server = None if server_before is None or server_after is None else server_after - server_before
    out.append(checked(Result(len(latencies), elapsed, cpu, server, list(latencies), errors)))


def run_threads(
    raw: Raw, child: Child, requests: int, concurrency: int, max_seconds: float
) -> Result:
    """``httpx.Client.post`` from ``concurrency`` threads, each in a loop."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    latencies: list[float] = []
    with (
        httpx.Client(limits=limits, timeout=TIMEOUT, event_hooks=latency_hooks(latencies)) as http,
        ThreadPoolExecutor(max_workers=concurrency) as pool,
    ):

        def send() -> None:
            response = http.post(raw.url, content=raw.payload(), headers=raw.headers)
            response.raise_for_status()
            raw.check(response.content)

        # Every worker thread started and every connection opened.
        for future in [pool.submit(send) for _ in range(warmup_count(concurrency))]:
            future.result()
        latencies.clear()
        issued = itertools.count()  # next() is atomic under the GIL
        errors: list[str] = []

        def worker() -> None:
            while next(issued) < requests and time.perf_counter() < deadline:
                try:
                    send()
                except Exception as exc:  # counted (a connection the server closed, ...)
                    errors.append(f"{type(exc).__name__}: {exc}")

        with timed_phase(child, latencies, errors) as result:
            deadline = time.perf_counter() + max_seconds
            for future in [pool.submit(worker) for _ in range(concurrency)]:
                future.result()
    return result[0]


def not_sent(results: Iterable[BulkResult]) -> list[str]:
    """The reasons of the items not sent."""
    return [f"{r.status}: {r.reason}" for r in results if r.status != "sent"]


def run_send_many(
    raw: Raw, child: Child, requests: int, concurrency: int, max_seconds: float
) -> Result:
    """``Volt.send_many`` at ``concurrency``, its own client, after a warm-up run."""
    latencies: list[float] = []
    with Volt(token=TOKEN, base_url=raw.url) as volt:
        # The SDK's own client, with the same timing hooks as the raw side's (bench only).
        volt._http.event_hooks = latency_hooks(latencies)  # pyright: ignore[reportPrivateUsage]
        warm = [
            OutgoingMessage(to=fresh_number(), from_=FROM, body=BODY)
            for _ in range(warmup_count(concurrency))
        ]
        warm_errors = not_sent(volt.send_many(warm, concurrency=concurrency))
        if warm_errors:
            raise RuntimeError(f"warm-up: {warm_errors[0]}")
        latencies.clear()
        errors: list[str] = []

        def messages() -> Iterator[OutgoingMessage]:
            for _ in range(requests):
                if time.perf_counter() >= deadline:
                    return
                yield OutgoingMessage(to=fresh_number(), from_=FROM, body=BODY)

        with timed_phase(child, latencies, errors) as result:
            deadline = time.perf_counter() + max_seconds
            errors += not_sent(volt.send_many(messages(), concurrency=concurrency))
    return result[0]


def run_side(
    side: str, raw: Raw, child: Child, requests: int, concurrency: int, max_seconds: float
) -> Result:
    if side == THREADS:
        return run_threads(raw, child, requests, concurrency, max_seconds)
    if side == SEND_MANY:
        return run_send_many(raw, child, requests, concurrency, max_seconds)
    return asyncio.run(run_async(side, raw, child, requests, concurrency, max_seconds))


# -- the profile -------------------------------------------------------------------------

# (marker in the file's path, package), the first that matches.
PACKAGES: Final = (
    ("/volt_sdk_graphql/", "volt_sdk_graphql (generated)"),
    ("/volt_sdk/", "volt_sdk"),
    ("/httpx_aiohttp/", "httpx_aiohttp"),
    ("/httpx/", "httpx"),
    ("/httpcore/", "httpcore"),
    ("/h11/", "h11"),
    ("/aiohttp/", "aiohttp"),
    ("/multidict/", "multidict"),
    ("/yarl/", "yarl"),
    ("/pydantic_core/", "pydantic"),
    ("/pydantic/", "pydantic"),
    ("/anyio/", "anyio"),
    ("/sniffio/", "anyio"),
    ("/phonenumbers/", "phonenumbers"),
    ("/asyncio/", "asyncio"),
    ("/json/", "json"),
    ("/bench/", "bench (the load loop)"),
)


def package_of(filename: str, function: str) -> str:
    if filename == "~":  # a built-in: its name says whose
        if "pydantic_core" in function:
            return "pydantic"
        if "_asyncio" in function:
            return "asyncio"
        if any(word in function for word in ("socket", "select", "epoll", "_ssl")):
            return "sockets/selector (C)"
        if "_json" in function or "json" in function:
            return "json"
        return "builtins (C)"
    path = filename.replace("\\", "/")
    for marker, package in PACKAGES:
        if marker in path:
            return package
    return "stdlib, other" if "/lib/python" in path else "other"


def short_path(filename: str) -> str:
    for marker in ("/site-packages/", "/work/main/", "/lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def profile_report(profiler: cProfile.Profile, title: str, top: int) -> str:
    stats = pstats.Stats(profiler)
    # (file, line, function) -> (primitive calls, calls, tottime, cumtime, callers)
    entries: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = vars(stats)["stats"]
    total = sum(tt for _, _, tt, _, _ in entries.values())
    by_package: dict[str, float] = {}
    for (filename, _, function), (_, _, tt, _, _) in entries.items():
        package = package_of(filename, function)
        by_package[package] = by_package.get(package, 0.0) + tt
    lines = [title, "", f"total tottime {total:.3f} s; by package (sum of tottime):"]
    for package, seconds in sorted(by_package.items(), key=lambda kv: -kv[1]):
        lines.append(f"  {package:<30}{seconds:>8.3f} s {seconds / total:>6.1%}")
    for key, label in ((2, "tottime"), (3, "cumtime")):
        lines += ["", f"top {top} by {label}:"]
        lines.append(f"  {'ncalls':>9}{'tottime':>9}{'cumtime':>9}  {'package':<22}function")
        ordered = sorted(entries.items(), key=lambda kv: -kv[1][key])[:top]
        for (filename, line, function), (_, nc, tt, ct, _) in ordered:
            where = function if filename == "~" else f"{short_path(filename)}:{line}({function})"
            lines.append(
                f"  {nc:>9}{tt:>9.3f}{ct:>9.3f}  {package_of(filename, function):<22}{where}"
            )
    own = [kv for kv in entries.items() if package_of(kv[0][0], kv[0][2]) == "volt_sdk"]
    own = sorted(own, key=lambda kv: -kv[1][2])[:top]
    lines += ["", f"volt_sdk's own functions, top {top} by tottime:"]
    for (filename, line, function), (_, nc, tt, ct, _) in own:
        lines.append(f"  {nc:>9}{tt:>9.3f}{ct:>9.3f}  {short_path(filename)}:{line}({function})")
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats("tottime").print_stats(40)
    lines += ["", "pstats, by tottime:", buffer.getvalue()]
    return "\n".join(lines)


def main_profile(args: argparse.Namespace, raw: Raw, child: Child) -> int:
    # The main thread's CPU time, not the wall clock: the question is where the
    # client's CPU goes (work handed to other threads is not attributed).
    profiler = cProfile.Profile(time.thread_time)
    result = asyncio.run(
        run_async(args.profile, raw, child, args.requests, args.profile_concurrency,
                  args.max_seconds, profiler)
    )  # fmt: skip
    title = (
        f"cProfile of {args.profile} at concurrency {args.profile_concurrency}: "
        f"{result.requests} requests, {result.rps:.0f} req/s, {result.cpu_us:.0f} us CPU/request "
        f"under the profiler (its own cost included); times are the main thread's CPU "
        f"(time.thread_time); volt-sdk {__version__}, Python {platform.python_version()}"
    )
    report = profile_report(profiler, title, args.profile_top)
    out = Path(args.profile_out or f"/tmp/profile-{args.profile.replace('+', '-')}.txt")
    out.write_text(report)
    print(report.split("\npstats, by tottime:", 1)[0])
    print(f"wrote {out}")
    return 0


# -- the rounds and the report -----------------------------------------------------------


def ratio(runs: dict[tuple[str, int], list[Result]], side: str, base: str, c: int, m: str) -> float:
    """Median over rounds of each round's side/base."""
    pairs = zip(runs[(side, c)], runs[(base, c)], strict=True)
    return statistics.median(a.metric(m) / b.metric(m) for a, b in pairs)


def main() -> int:
    parser = argparse.ArgumentParser(description="client cost at 1 to 256 requests in flight")
    parser.add_argument("--requests", type=int, default=2000, help="per run above concurrency 1")
    parser.add_argument("--serial", type=int, default=400, help="per run at concurrency 1")
    parser.add_argument("--rounds", type=int, default=2, help="side order reversed every round")
    parser.add_argument("--max-seconds", type=float, default=6.0, help="cap of each timed run")
    parser.add_argument(
        "--concurrency",
        type=lambda text: tuple(int(c) for c in text.split(",")),
        default=CONCURRENCY,
        help="comma-separated (default 1,16,64,256)",
    )
    parser.add_argument(
        "--max-threads",
        type=int,
        default=256,
        help="blocking sides run only at concurrencies up to this many threads",
    )
    parser.add_argument(
        "--sides",
        type=lambda text: tuple(text.split(",")),
        default=(*ASYNC_SIDES, *SYNC_SIDES),
        help="comma-separated subset of the sides (default: all; targets need their baselines)",
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: a few requests, 1 round")
    parser.add_argument("--profile", choices=ASYNC_SIDES, help="cProfile one side, one run")
    parser.add_argument("--profile-concurrency", type=int, default=64)
    parser.add_argument("--profile-top", type=int, default=25, help="entries per listing")
    parser.add_argument("--profile-out", help="default /tmp/profile-SIDE.txt")
    args = parser.parse_args()
    if args.quick:
        args.requests, args.serial, args.rounds = 150, 50, 1
    concurrencies: tuple[int, ...] = args.concurrency
    unknown = set(args.sides) - {*ASYNC_SIDES, *SYNC_SIDES}
    if unknown:
        parser.error(f"--sides: unknown {', '.join(sorted(unknown))}")

    query, headers = capture_request()
    child = Child("sandbox")
    raw = Raw(child.url, query, headers)
    runs: dict[tuple[str, int], list[Result]] = {}
    started = time.perf_counter()
    try:
        if args.profile:
            return main_profile(args, raw, child)
        for round_ in range(args.rounds):
            for c in concurrencies:
                count = args.serial if c == 1 else args.requests
                sides = [
                    side
                    for side in (*ASYNC_SIDES, *(SYNC_SIDES if c <= args.max_threads else ()))
                    if side in args.sides
                ]
                for side in sides if round_ % 2 == 0 else sides[::-1]:
                    result = run_side(side, raw, child, count, c, args.max_seconds)
                    runs.setdefault((side, c), []).append(result)
                    print(
                        f"  round {round_ + 1} c={c} {side}: {result.requests} in "
                        f"{result.seconds:.1f} s ({time.perf_counter() - started:.0f} s)",
                        file=sys.stderr,
                        flush=True,
                    )
    finally:
        child.stop()
    report(args, concurrencies, runs)
    return 0


def report(
    args: argparse.Namespace,
    concurrencies: tuple[int, ...],
    runs: dict[tuple[str, int], list[Result]],
) -> None:
    skipped = [c for c in concurrencies if c > args.max_threads]
    print(
        f"volt-sdk {__version__}, Python {platform.python_version()}, httpx {httpx.__version__}, "
        f"aiohttp {aiohttp.__version__}, {os.cpu_count()} CPUs; the sandbox in its own process, "
        f"the load in this one; {args.serial} requests at c=1, {args.requests} above (each run "
        f"cut at {args.max_seconds:g} s); medians over {args.rounds} round(s), sides alternating"
    )
    if skipped:
        print(f"blocking sides capped at {args.max_threads} threads: not run at c={skipped}")
    print(
        f"{'side':<25}{'conc':>5}{'requests':>9}{'req/s':>8}{'CPU us/req':>11}"
        f"{'p50 ms':>9}{'p99 ms':>9}{'server CPU':>11}{'errors':>7}"
    )
    summary: dict[str, Any] = {
        "rounds": args.rounds,
        "requests": args.requests,
        "serial": args.serial,
        "max_seconds": args.max_seconds,
        "max_threads": args.max_threads,
        "concurrency": list(concurrencies),
        "rows": [],
        "ratios": [],
        "targets": [],
    }
    for side in (*ASYNC_SIDES, *SYNC_SIDES):
        for c in concurrencies:
            if (side, c) not in runs:
                continue
            results = runs[(side, c)]
            servers = [r.server_cpu / r.seconds for r in results if r.server_cpu is not None]
            row = {
                "side": side,
                "concurrency": c,
                "requests": statistics.median(r.requests for r in results),
                "rps": statistics.median(r.rps for r in results),
                "cpu_us": statistics.median(r.cpu_us for r in results),
                "p50_ms": statistics.median(r.percentile(0.5) for r in results) * 1000,
                "p99_ms": statistics.median(r.percentile(0.99) for r in results) * 1000,
                "server_cpu": statistics.median(servers) if servers else None,
                "errors": sum(len(r.errors) for r in results),
            }
            summary["rows"].append(row)
            server = "n/a" if row["server_cpu"] is None else f"{row['server_cpu']:.0%}"
            print(
                f"{side:<25}{c:>5}{row['requests']:>9.0f}{row['rps']:>8.0f}{row['cpu_us']:>11.0f}"
                f"{row['p50_ms']:>9.2f}{row['p99_ms']:>9.2f}{server:>11}{row['errors']:>7}"
            )
            for error in sorted({e for r in results for e in r.errors})[:3]:
                print(f"    error: {error[:150]}")
    print("ratios (median over rounds of each round's ratio):")
    for side, base, metrics in REPORTED:
        for c in concurrencies:
            if (side, c) not in runs or (base, c) not in runs:
                continue
            values = {m: ratio(runs, side, base, c, m) for m in metrics}
            summary["ratios"].append({"side": side, "base": base, "concurrency": c, **values})
            shown = ", ".join(f"{METRIC_NAMES[m]} {v:.2f}x" for m, v in values.items())
            print(f"  c={c:<4}{side} / {base}: {shown}")
    print("targets:")
    for side, base, metric, op, bound in TARGETS:
        for c in concurrencies:
            if (side, c) not in runs or (base, c) not in runs:
                continue
            value = ratio(runs, side, base, c, metric)
            ok = value <= bound if op == "<=" else value >= bound
            summary["targets"].append(
                {"side": side, "base": base, "concurrency": c, "metric": metric,
                 "op": op, "bound": bound, "value": value, "ok": ok}
            )  # fmt: skip
            print(
                f"  c={c:<4}{side} / {base} {METRIC_NAMES[metric]} = {value:.2f}x: "
                f"{'meets' if ok else 'MISSES'} the target of {op} {bound:.2f}x"
            )
    print(json.dumps(summary))


if __name__ == "__main__":
    sys.exit(main())
