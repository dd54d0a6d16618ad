"""The end-to-end tests' shared sandbox process (``server_url``)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from .sandbox_process import SERVE, readline


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = readline(process, timeout=30.0)
        assert first.startswith("READY "), first
        url = first.split()[1]
        assert url.startswith("http://127.0.0.1:")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:  # pragma: no cover - a stuck server
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
