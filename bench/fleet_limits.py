"""A fleet's rate limit and concurrency cap, measured where the fleet's requests meet.

Four worker processes (two ``Volt`` with threads, two ``AsyncVolt`` with tasks) send
``createMessage`` as fast as they are let for a bounded time to one sandbox in its
own process, which records the arrival of every send and the most requests it
handled at once (``GET /_sandbox/traffic``). Each process is told the same limit:

- **rate**: ``max_rate=R``, a number (the baseline: each process limits only itself,
  the problem of ten web workers at 10/s sending 100/s), then ``max_rate=
  RedisRateLimiter(rate=R)`` (one limit for the fleet). Reported: the aggregate
  rate the sandbox received and its ratio to R, and the most sends in any
  one-second sliding window.
- **concurrency**: ``max_concurrency=C``, a number (each process caps only itself),
  then ``max_concurrency=RedisConcurrencyLimiter(limit=C)``, against a sandbox that
  adds ``--latency`` seconds to every answer so that requests pile up. Reported: the
  most requests in flight at the sandbox, against C.

    python bench/fleet_limits.py [--quick] [--rate 20] [--limit 3] [--seconds 3]

Needs redis-server on the PATH (Debian's ``redis-server`` package) and the
``sandbox`` and ``redis`` extras. ``tests/e2e/test_fleet_limits.py`` runs the same
fleet (``run_fleet``) against the test suite's redis-server and asserts the bounds.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

TOKEN = "fleet-bench-token"
PROCESSES = 4

SERVE = (
    "import sys; from volt_sdk.sandbox import FaultConfig, serve; "
    f"serve(port=0, token={TOKEN!r}, faults=FaultConfig(latency=float(sys.argv[1])), "
    "on_ready=lambda url: print('READY', url, flush=True))"
)

# One worker: builds its client as told, says READY, waits for GO, sends for `seconds`.
WORKER = r"""
import asyncio, sys, threading, time
from volt_sdk import AsyncVolt, Volt, VoltError
from volt_sdk.limits import RedisConcurrencyLimiter, RedisRateLimiter

url, token, redis_url, kind, mode, rate, limit, seconds, name = sys.argv[1:10]
rate, limit, seconds = float(rate), int(limit), float(seconds)
options = {}
if mode == "rate-local":
    options["max_rate"] = rate
elif mode == "rate-redis":
    options["max_rate"] = RedisRateLimiter(redis_url, rate=rate, name=name)
elif mode == "slots-local":
    options["max_concurrency"] = limit
elif mode == "slots-redis":
    options["max_concurrency"] = RedisConcurrencyLimiter(redis_url, limit=limit, name=name)
WORKERS = 6
sent = errors = 0

def send(volt):
    return volt.send_message(to="+15555550145", from_="+15555550123", body="fleet")

print("READY", flush=True)
sys.stdin.readline()
end = time.monotonic() + seconds
if kind == "sync":
    lock = threading.Lock()
    def loop():
        global sent, errors
        while time.monotonic() < end:
            try:
                send(volt)
                with lock:
                    sent += 1
            except VoltError:
                with lock:
                    errors += 1
    with Volt(base_url=url, token=token, deadline=30, **options) as volt:
        threads = [threading.Thread(target=loop) for _ in range(WORKERS)]
        for t in threads: t.start()
        for t in threads: t.join()
else:
    async def main():
        global sent, errors
        async with AsyncVolt(base_url=url, token=token, deadline=30, **options) as volt:
            async def loop():
                global sent, errors
                while time.monotonic() < end:
                    try:
                        await send(volt)
                        sent += 1
                    except VoltError:
                        errors += 1
            await asyncio.gather(*(loop() for _ in range(WORKERS)))
        for limiter in options.values():
            if hasattr(limiter, "aclose"):
                await limiter.aclose()
    asyncio.run(main())
print("DONE", sent, errors, flush=True)
"""


@dataclass
class FleetResult:
    """What the sandbox saw of one fleet run."""

    mode: str
    sends: list[float]
    max_in_flight: int
    sent: int
    errors: int

    @property
    def aggregate_rate(self) -> float:
        """Sends per second between the first and the last arrival."""
        if len(self.sends) < 2:
            return 0.0
        return (len(self.sends) - 1) / (self.sends[-1] - self.sends[0])

    def max_in_window(self, window: float = 1.0) -> int:
        """The most arrivals in any ``window``-second sliding window."""
        most = 0
        start = 0
        for end, at in enumerate(self.sends):
            while at - self.sends[start] >= window:
                start += 1
            most = max(most, end - start + 1)
        return most


def _readline(process: subprocess.Popen[str], timeout: float) -> str:
    lines: list[str] = []
    stdout = process.stdout
    assert stdout is not None
    reader = threading.Thread(target=lambda: lines.append(stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return lines[0] if lines else ""


@contextmanager
def sandbox_process(latency: float) -> Iterator[str]:
    """A sandbox in its own process (adding ``latency`` to every answer); yields its URL."""
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(latency)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = _readline(process, 30)
        if not line.startswith("READY "):
            raise RuntimeError(f"the sandbox did not start: {line!r}")
        yield line.split()[1]
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()


@contextmanager
def redis_process() -> Iterator[str]:
    """A redis-server of its own on a free loopback port (for the bench; tests use theirs)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed: apt-get install redis-server")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory() as directory:
        process = subprocess.Popen(
            [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
             "--appendonly", "no", "--dir", directory],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            for _ in range(200):
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1) as c:
                        c.sendall(b"PING\r\n")
                        if c.recv(16).startswith(b"+PONG"):
                            break
                except OSError:
                    time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            process.wait(10)


def _traffic(url: str, route: str, method: str = "GET") -> Any:
    base = url.rsplit("/graphql", 1)[0]
    response = httpx.request(
        method, f"{base}/_sandbox/{route}", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    response.raise_for_status()
    return response.json()


def run_fleet(
    url: str,
    redis_url: str,
    mode: str,
    *,
    rate: float,
    limit: int,
    seconds: float,
    name: str,
    processes: int = PROCESSES,
) -> FleetResult:
    """Run ``processes`` workers (sync and async alternately) in ``mode``; the sandbox's view."""
    _traffic(url, "reset", "POST")

    def argv(index: int) -> list[str]:
        kind = "sync" if index % 2 == 0 else "async"
        settings = [mode, str(rate), str(limit), str(seconds), name]
        return [sys.executable, "-c", WORKER, url, TOKEN, redis_url, kind, *settings]

    workers = [
        subprocess.Popen(argv(i), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for i in range(processes)
    ]
    sent = errors = 0
    try:
        for worker in workers:
            line = _readline(worker, 60)
            if line.strip() != "READY":
                raise RuntimeError(f"a worker did not start: {line!r}")
        for worker in workers:  # all at once: the fleet starts together
            assert worker.stdin is not None
            worker.stdin.write("GO\n")
            worker.stdin.flush()
        for worker in workers:
            line = _readline(worker, seconds + 60)
            if not line.startswith("DONE "):
                raise RuntimeError(f"a worker did not finish: {line!r}")
            _, done, failed = line.split()
            sent += int(done)
            errors += int(failed)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
            worker.wait(10)
            for stream in (worker.stdin, worker.stdout):
                if stream is not None:
                    stream.close()
    traffic = _traffic(url, "traffic")
    return FleetResult(mode, sorted(traffic["sends"]), traffic["max_in_flight"], sent, errors)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="1 s runs (smoke mode)")
    parser.add_argument("--rate", type=float, default=20.0, help="R, messages per second")
    parser.add_argument("--limit", type=int, default=3, help="C, requests in flight")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds each run sends")
    parser.add_argument("--latency", type=float, default=0.1, help="added to each answer")
    args = parser.parse_args(argv)
    seconds = 1.0 if args.quick else args.seconds
    r, c = args.rate, args.limit
    summary: dict[str, Any] = {"rate": r, "limit": c, "processes": PROCESSES, "seconds": seconds}
    with redis_process() as redis_url:
        with sandbox_process(0.0) as url:
            for mode in ("rate-local", "rate-redis"):
                res = run_fleet(url, redis_url, mode, rate=r, limit=c, seconds=seconds, name=mode)
                summary[mode] = {
                    "aggregate": res.aggregate_rate,
                    "ratio_to_r": res.aggregate_rate / r,
                    "max_in_1s": res.max_in_window(),
                    "sends": len(res.sends),
                    "errors": res.errors,
                }
                print(
                    f"{mode}: {len(res.sends)} sends, aggregate {res.aggregate_rate:.1f}/s, "
                    f"aggregate / R = {res.aggregate_rate / r:.2f}, "
                    f"most in a 1 s window {res.max_in_window()} (R = {r:g}), "
                    f"errors {res.errors}"
                )
        with sandbox_process(args.latency) as url:
            for mode in ("slots-local", "slots-redis"):
                res = run_fleet(url, redis_url, mode, rate=r, limit=c, seconds=seconds, name=mode)
                summary[mode] = {
                    "max_in_flight": res.max_in_flight,
                    "ratio_to_c": res.max_in_flight / c,
                    "aggregate": res.aggregate_rate,
                    "errors": res.errors,
                }
                print(
                    f"{mode}: max in flight {res.max_in_flight} (C = {c}), "
                    f"max in flight / C = {res.max_in_flight / c:.2f}, "
                    f"aggregate {res.aggregate_rate:.1f}/s, errors {res.errors}"
                )
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
