"""Shared fixtures: every test starts with a known token in the environment."""

from __future__ import annotations

import pytest

from .clock import FakeClock
from .payloads import TOKEN
from .redis_server import redis_server, redis_url, silent_redis_url

__all__ = ["redis_server", "redis_url", "silent_redis_url"]  # fixtures: redis on loopback


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def volt_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts with a known token and no URL override."""
    monkeypatch.setenv("VOLT_API_TOKEN", TOKEN)
    monkeypatch.delenv("VOLT_API_URL", raising=False)


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """Time stands still but for the SDK's own waits, which return at once and are recorded."""
    return FakeClock().install(monkeypatch)
