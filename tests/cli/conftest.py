"""The one way the CLI tests run ``volt``: in-process, with stdout and stderr read by capsys.

``volt send-bulk`` goes over aiohttp when it is installed, else over httpx's own
connections (``$VOLT_BULK_TRANSPORT`` chooses). pytest-httpx only sees httpx's
transports: a test that mocks the wire with ``httpx_mock`` runs on httpx, so that
what it asserts about the wire is about the wire the command used. The others
start from the default (the variable unset); ``bulk_transport`` runs a test on each.
"""

from __future__ import annotations

import os

import pytest

from volt_sdk._cli import main
from volt_sdk._cli._send_bulk import TRANSPORT_VARIABLE

from .helpers import ExitAtOnce, Run, RunVolt


@pytest.fixture(autouse=True)
def _default_bulk_transport(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    if "httpx_mock" in request.fixturenames:
        monkeypatch.setenv(TRANSPORT_VARIABLE, "httpx")
    else:
        monkeypatch.delenv(TRANSPORT_VARIABLE, raising=False)


@pytest.fixture(params=["aiohttp", "httpx"])
def bulk_transport(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test once over each of ``send-bulk``'s transports; the one in use."""
    transport: str = request.param
    monkeypatch.setenv(TRANSPORT_VARIABLE, transport)
    return transport


@pytest.fixture
def volt(capsys: pytest.CaptureFixture[str]) -> RunVolt:
    """Run ``volt ARGS...`` in-process; return its exit code, stdout and stderr."""

    def run(*argv: str) -> Run:
        code = main(list(argv))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture
def exit_at_once(monkeypatch: pytest.MonkeyPatch) -> ExitAtOnce:
    """A second signal's immediate exit, recorded (``os._exit`` does not return here)."""
    recorded = ExitAtOnce()
    monkeypatch.setattr(os, "_exit", recorded.exits.append)
    monkeypatch.setattr(os, "write", recorded.write)
    return recorded
