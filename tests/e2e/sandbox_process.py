"""A sandbox in a process of its own, for the tests that kill or signal a client.

The server outlives the client it serves: a SIGKILL or a Ctrl-C of the client
leaves it up, and its control routes say what it holds.
"""

from __future__ import annotations

import subprocess
import threading
from typing import Any

import httpx

TOKEN = "bulk-e2e-token"
SERVE = (
    "from volt_sdk.sandbox import serve; "
    f"serve(port=0, token={TOKEN!r}, "
    "on_ready=lambda url: print('READY', url, flush=True))"
)


def readline(process: subprocess.Popen[str], timeout: float) -> str:
    """One line of ``process``'s output, or "" after ``timeout`` seconds."""
    lines: list[str] = []
    assert process.stdout is not None
    stdout = process.stdout
    reader = threading.Thread(target=lambda: lines.append(stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return lines[0] if lines else ""


def control(url: str, method: str, route: str, payload: object = None) -> Any:
    base = url.rsplit("/graphql", 1)[0]
    response = httpx.request(
        method,
        f"{base}/_sandbox/{route}",
        headers={"Authorization": f"Bearer {TOKEN}"},
        json=payload,
        timeout=30,
    )
    response.raise_for_status()
    return response.json()
