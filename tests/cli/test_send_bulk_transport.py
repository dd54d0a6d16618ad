"""Whose connections ``volt send-bulk`` uses: aiohttp's (``AsyncVolt`` over ``AioHttpClient``)
when aiohttp imports, else httpx's own (``Volt``, threads); ``VOLT_BULK_TRANSPORT`` chooses.

Which one ran is seen from outside the command: its debug line (logger ``volt_sdk.cli``),
and the requests aiohttp's sessions made.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import AsyncGenerator, AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

import volt_sdk
from volt_sdk._cli import _bulk_run_async
from volt_sdk.sandbox import Sandbox

from .bulk import FROM, TEMPLATE, fields, phone, write_csv
from .helpers import ExitAtOnce, RunVolt

ROWS = [(phone(300 + i), f"P{i}", str(i)) for i in range(12)]
WITHOUT_AIOHTTP = (
    "import logging, sys; sys.modules['aiohttp'] = None; "  # import aiohttp fails
    "logging.basicConfig(format='%(name)s: %(message)s'); "
    "logging.getLogger('volt_sdk.cli').setLevel(logging.DEBUG); "
    "from volt_sdk._cli import main; sys.exit(main(sys.argv[1:]))"
)


@pytest.fixture
def aiohttp_requests(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The URL of every request an aiohttp session makes during the test."""
    urls: list[str] = []
    real = aiohttp.ClientSession.request

    def request(session: aiohttp.ClientSession, method: str, url: Any, **kwargs: Any) -> Any:
        urls.append(str(url))
        return real(session, method, url, **kwargs)

    monkeypatch.setattr(aiohttp.ClientSession, "request", request)
    return urls


def transport_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "volt_sdk.cli" and r.getMessage().startswith("send-bulk: transport ")
    ]


def test_by_default_the_run_goes_over_aiohttp(
    volt_sandbox: Sandbox,
    volt: RunVolt,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    aiohttp_requests: list[str],
) -> None:
    assert "VOLT_BULK_TRANSPORT" not in os.environ
    caplog.set_level(logging.DEBUG, logger="volt_sdk.cli")
    path = write_csv(tmp_path / "r.csv", ROWS)

    run = volt("send-bulk", path, "--from", FROM, "--template", TEMPLATE)

    assert run.code == 0, run.err
    assert transport_lines(caplog) == ["send-bulk: transport aiohttp (AsyncVolt, AioHttpClient)"]
    assert Counter(aiohttp_requests) == {volt_sandbox.url: len(ROWS)}  # every send went there
    assert fields(run.out)["sent"] == str(len(ROWS))
    assert len(volt_sandbox.outbox()) == len(ROWS)


def test_volt_bulk_transport_httpx_runs_the_blocking_client(
    volt_sandbox: Sandbox,
    volt: RunVolt,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    aiohttp_requests: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VOLT_BULK_TRANSPORT", "httpx")
    caplog.set_level(logging.DEBUG, logger="volt_sdk.cli")
    path = write_csv(tmp_path / "r.csv", ROWS)

    run = volt("send-bulk", path, "--from", FROM, "--template", TEMPLATE)

    assert run.code == 0, run.err
    assert transport_lines(caplog) == ["send-bulk: transport httpx (Volt, threads)"]
    assert aiohttp_requests == []
    assert len(volt_sandbox.outbox()) == len(ROWS)


@pytest.mark.parametrize("value", ["AIOHTTP", " httpx ", "auto"])
def test_the_variable_is_read_without_regard_to_case_or_blanks(
    volt_sandbox: Sandbox,
    volt: RunVolt,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    value: str,
) -> None:
    monkeypatch.setenv("VOLT_BULK_TRANSPORT", value)
    caplog.set_level(logging.DEBUG, logger="volt_sdk.cli")
    path = write_csv(tmp_path / "r.csv", ROWS[:2])

    assert volt("send-bulk", path, "--from", FROM, "--template", TEMPLATE).code == 0
    expected = "httpx" if value.strip() == "httpx" else "aiohttp"
    assert transport_lines(caplog)[0].startswith(f"send-bulk: transport {expected} ")


def test_an_unknown_transport_is_refused_before_sending_exit_2(
    volt_sandbox: Sandbox, volt: RunVolt, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOLT_BULK_TRANSPORT", "curl")
    path = write_csv(tmp_path / "r.csv", ROWS)

    run = volt("send-bulk", path, "--from", FROM, "--template", TEMPLATE)

    assert run.code == 2
    assert run.err == "volt: $VOLT_BULK_TRANSPORT: expected auto, aiohttp or httpx, got 'curl'\n"
    assert volt_sandbox.outbox() == []


def test_a_dry_run_ignores_the_transport(
    volt: RunVolt, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOLT_BULK_TRANSPORT", "curl")
    path = write_csv(tmp_path / "r.csv", ROWS[:1])

    assert volt("send-bulk", path, "--from", FROM, "--template", TEMPLATE, "--dry-run").code == 0


def without_aiohttp(sandbox: Sandbox, path: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``volt send-bulk`` in a process where ``import aiohttp`` fails."""
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_AIOHTTP, "send-bulk", path, "--from", FROM,
         "--template", TEMPLATE, "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={
            **os.environ,
            "VOLT_API_URL": sandbox.url,
            "VOLT_API_TOKEN": sandbox.token,
            "PYTHONWARNINGS": "always::ResourceWarning",
            **env,
        },
    )  # fmt: skip


def test_without_aiohttp_the_run_falls_back_to_the_blocking_client(
    volt_sandbox: Sandbox, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", ROWS)

    done = without_aiohttp(volt_sandbox, path)

    assert done.returncode == 0, done.stderr
    assert "volt_sdk.cli: send-bulk: transport httpx (Volt, threads)" in done.stderr.splitlines()
    assert "Unclosed" not in done.stderr
    assert done.stdout.splitlines()[-1].startswith('{"summary": {"sent": 12,')
    assert len(volt_sandbox.outbox()) == len(ROWS)


def test_asking_for_aiohttp_without_it_says_which_extra_to_install_exit_2(
    volt_sandbox: Sandbox, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", ROWS)

    done = without_aiohttp(volt_sandbox, path, VOLT_BULK_TRANSPORT="aiohttp")

    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == (
        'volt: VOLT_BULK_TRANSPORT=aiohttp needs the aiohttp extra: pip install "volt-sdk[aiohttp]"'
    )
    assert done.stdout == ""
    assert volt_sandbox.outbox() == []


# -- the signals of the run over aiohttp, caught by its event loop ------------------------


def test_in_the_loop_the_first_signal_stops_the_run_and_a_second_exits_at_once() -> None:
    calls: list[str] = []
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        with _bulk_run_async._signals_stop_the_run(
            loop, lambda: calls.append("stop"), lambda: calls.append("exit")
        ):
            signal.raise_signal(signal.SIGINT)
            await asyncio.sleep(0.05)  # the loop runs the handler in its turn
            assert calls == ["stop"]
            signal.raise_signal(signal.SIGTERM)
            await asyncio.sleep(0.05)
            assert calls == ["stop", "exit"]

    asyncio.run(main())
    # Outside the run, the previous handlers are back.
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


def test_off_the_main_thread_the_signals_are_left_alone() -> None:
    calls: list[str] = []
    seen: list[object] = []

    async def main() -> None:
        with _bulk_run_async._signals_stop_the_run(
            asyncio.get_running_loop(), lambda: calls.append("stop"), lambda: None
        ):
            seen.append(signal.getsignal(signal.SIGINT))

    before = signal.getsignal(signal.SIGINT)
    thread = threading.Thread(target=asyncio.run, args=(main(),))
    thread.start()
    thread.join(10)
    assert seen == [before]
    assert calls == []


def test_the_second_signal_says_what_the_blocking_run_says(exit_at_once: ExitAtOnce) -> None:
    from volt_sdk._cli import _bulk_rows

    _bulk_rows.exit_at_once()
    exits, written = exit_at_once.exits, exit_at_once.written
    assert exits == [130]
    assert written == [b"volt: interrupted again: exiting now, without waiting for the run\n"]


def test_called_from_a_running_event_loop_the_run_is_the_blocking_one(
    volt_sandbox: Sandbox,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from volt_sdk._cli import main

    caplog.set_level(logging.DEBUG, logger="volt_sdk.cli")
    path = write_csv(tmp_path / "r.csv", ROWS[:3])
    argv = ["send-bulk", path, "--from", FROM, "--template", TEMPLATE]

    async def inside() -> int:  # asyncio.run cannot nest: aiohttp's run would need it
        return main(argv)

    assert asyncio.run(inside()) == 0
    assert transport_lines(caplog) == ["send-bulk: transport httpx (Volt, threads)"]
    assert len(volt_sandbox.outbox()) == 3
    capsys.readouterr()

    monkeypatch.setenv("VOLT_BULK_TRANSPORT", "aiohttp")
    assert asyncio.run(inside()) == 2
    assert capsys.readouterr().err == (
        "volt: VOLT_BULK_TRANSPORT=aiohttp: an event loop is already running in this thread\n"
    )
    assert len(volt_sandbox.outbox()) == 3


def test_a_cancellation_lost_on_the_way_still_stops_the_run_and_reports_what_it_journaled(
    volt_sandbox: Sandbox, volt: RunVolt, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # asyncio.wait_for (before Python 3.12) can swallow the cancellation when what it
    # waits for completes at the same moment: send_many then goes on handing out
    # results. The stand-in swallows it for sure; the run must stop all the same.
    real = volt_sdk.AsyncVolt.send_many
    swallowed: list[bool] = []
    armed = [True]

    async def send_many(
        client: volt_sdk.AsyncVolt, messages: Any, **options: Any
    ) -> AsyncIterator[volt_sdk.BulkResult]:
        results = real(client, messages, **options)
        try:
            count = 0
            async for result in results:
                yield result
                count += 1
                if count == 5 and armed[0]:
                    signal.raise_signal(signal.SIGINT)
                    try:
                        await asyncio.sleep(1)  # the loop's handler cancels the run here
                    except asyncio.CancelledError:
                        swallowed.append(True)
        finally:
            if isinstance(results, AsyncGenerator):
                await results.aclose()  # as the run's stop: in-flight sends settle, journaled

    monkeypatch.setattr(volt_sdk.AsyncVolt, "send_many", send_many)
    monkeypatch.setenv("VOLT_BULK_TRANSPORT", "aiohttp")
    rows = [(phone(400 + i), f"P{i}", str(i)) for i in range(50)]
    path = write_csv(tmp_path / "r.csv", rows)
    journal = tmp_path / "run.journal"
    command = ("send-bulk", path, "--from", FROM, "--template", TEMPLATE)

    first = volt(*command, "--journal", str(journal), "--json")

    assert swallowed == [True]
    assert first.code == 130, first.err
    *outcomes, summary = first.lines
    assert 5 < len(outcomes) < 50  # it went on for one result, then stopped
    db = sqlite3.connect(journal)
    try:
        states = dict(db.execute("SELECT key, state FROM bulk_items"))
    finally:
        db.close()
    assert {o["key"]: o["status"] for o in outcomes} == {
        k: s for k, s in states.items() if s != "pending"
    }
    assert summary["summary"]["sent"] == len(volt_sandbox.outbox()) == len(outcomes)

    armed[0] = False
    second = volt(*command, "--journal", str(journal), "--resume")

    assert second.code == 0, second.err
    assert Counter(m.to_number for m in volt_sandbox.outbox()) == Counter(t for t, _, _ in rows)


def test_the_help_says_how_to_choose_the_transport(volt: RunVolt) -> None:
    run = volt("send-bulk", "--help")

    assert run.code == 0
    text = " ".join(run.out.split())
    assert "aiohttp's when it is installed" in text
    assert "VOLT_BULK_TRANSPORT=httpx or =aiohttp chooses (default: auto)" in text
    assert "Exit codes: 0 every row sent; 1 a row failed or its outcome is unknown;" in text
