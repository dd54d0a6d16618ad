"""pytest fixtures for testing code that uses volt-sdk, against the local Volt sandbox.

Installed with volt-sdk as a pytest plugin (entry point ``pytest11``); the
fixtures need the sandbox extra: ``pip install "volt-sdk[sandbox]"``.

``volt_sandbox``
    A Volt-compatible sandbox on a free loopback port, shared by the test
    session and reset before each test. It gives ``url``, ``token``,
    ``numbers`` (the organization's own numbers) and ``outbox()`` (every message
    sent, to assert on), and sets ``VOLT_API_URL`` / ``VOLT_API_TOKEN`` for the
    test, so ``Volt()`` and ``AsyncVolt()`` talk to it with no arguments::

        from volt_sdk import Volt

        def send_one_time_code(phone):                  # your code, using Volt()
            with Volt() as volt:
                volt.send_message(to=phone, from_="+15555550123", body="Your code is 654312")

        def test_sends_the_code(volt_sandbox):
            send_one_time_code("+15555550145")
            (sent,) = volt_sandbox.outbox()
            assert sent.to_number == "+15555550145"
            assert "654312" in sent.body

This module imports nothing heavy at load time: pytest loads it in every run of
a project that has volt-sdk installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .sandbox import Sandbox

__all__ = ["volt_sandbox", "volt_sandbox_server"]


@pytest.fixture(scope="session")
def volt_sandbox_server() -> Iterator[Sandbox]:
    """One sandbox server for the whole session (see ``volt_sandbox``)."""
    try:
        from .sandbox import Sandbox
    except ImportError as exc:  # pragma: no cover - depends on the environment
        pytest.skip(f"volt_sandbox needs the extra: pip install 'volt-sdk[sandbox]' ({exc})")
    with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def volt_sandbox(
    volt_sandbox_server: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Sandbox]:
    """A clean sandbox for this test; ``VOLT_API_URL`` and ``VOLT_API_TOKEN`` point at it."""
    volt_sandbox_server.reset()
    monkeypatch.setenv("VOLT_API_URL", volt_sandbox_server.url)
    monkeypatch.setenv("VOLT_API_TOKEN", volt_sandbox_server.token)
    yield volt_sandbox_server
    volt_sandbox_server.reset()
