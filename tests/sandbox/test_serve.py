"""serve(): the foreground server behind `volt sandbox`."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import httpx

from volt_sdk import Volt
from volt_sdk.sandbox import DEFAULT_TOKEN

from .conftest import OTHER

SCRIPT = """
import sys
from volt_sdk.sandbox import serve

serve(port=0, db=sys.argv[1], on_ready=lambda url: print(url, flush=True))
print("stopped", flush=True)
"""


def test_serve_announces_its_url_serves_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    db = tmp_path / "volt.db"
    process = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert url.endswith("/graphql")
        with Volt(base_url=url, token=DEFAULT_TOKEN) as volt:
            sent = volt.send_message(to=OTHER, from_="+15555550123", body="hi")
        outbox = httpx.get(
            url.replace("/graphql", "/_sandbox/outbox"),
            headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"},
        ).json()
        assert [m["id"] for m in outbox] == [sent.id]
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert process.returncode == 0, err
    assert out.strip() == "stopped"
