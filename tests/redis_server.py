"""A real redis-server on a loopback port, for what is shared across processes.

`.ci/run` installs Debian's redis-server when it is missing; a machine without it
fails these tests with the install command rather than skipping them, since a skip
would let a fleet-wide promise go untested. Each server keeps nothing on disk and
is killed when the session ends.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

START_TIMEOUT = 10.0


class RedisServer:
    """One redis-server process; ``url`` is ``redis://127.0.0.1:<port>/0``."""

    def __init__(self, process: subprocess.Popen[bytes], port: int) -> None:
        self.process = process
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"

    def flush(self) -> None:
        """Forget every key, so that each test starts from an empty database."""
        _command(self.port, b"*1\r\n$8\r\nFLUSHALL\r\n")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _command(port: int, raw: bytes) -> bytes:
    """Send one RESP command and read the first reply (no client library needed)."""
    with socket.create_connection(("127.0.0.1", port), timeout=2.0) as connection:
        connection.sendall(raw)
        return connection.recv(1024)


def start_redis(directory: Path) -> RedisServer:
    """Start redis-server on a free loopback port and wait until it answers PING."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail(
            "redis-server is not installed: `make redis-server` installs it (make test does)",
            pytrace=False,
        )
    port = _free_port()
    process = subprocess.Popen(
        [
            binary,
            "--bind", "127.0.0.1",
            "--port", str(port),
            "--save", "",
            "--appendonly", "no",
            "--dir", str(directory),
            "--protected-mode", "yes",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"redis-server exited with {process.returncode}", pytrace=False)
        try:
            if _command(port, b"*1\r\n$4\r\nPING\r\n").startswith(b"+PONG"):
                return RedisServer(process, port)
        except OSError:
            time.sleep(0.05)
    process.kill()
    pytest.fail(f"redis-server did not answer on port {port} in {START_TIMEOUT}s", pytrace=False)


def stop_redis(server: RedisServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One redis-server for the session (each test gets it empty through ``redis_url``)."""
    server = start_redis(tmp_path_factory.mktemp("redis"))
    try:
        yield server
    finally:
        stop_redis(server)


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The URL of an empty database on the session's redis-server."""
    redis_server.flush()
    return redis_server.url


@pytest.fixture
def silent_redis_url() -> Iterator[str]:
    """The URL of a "Redis" that accepts connections and never answers: what a hung server
    looks like to a client (its calls must time out, not wait forever)."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        yield f"redis://127.0.0.1:{silent.getsockname()[1]}/0"


def finishes(call: Callable[[], object], within: float = 30.0) -> BaseException | None:
    """What ``call`` raised (None if nothing), run in a thread; fails the test if it is still
    running after ``within`` seconds (a hang, where a timeout was promised)."""
    raised: list[BaseException] = []

    def run() -> None:
        try:
            call()
        except BaseException as error:
            raised.append(error)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(within)
    assert not worker.is_alive(), f"still waiting after {within:g} s: it hung"
    return raised[0] if raised else None
