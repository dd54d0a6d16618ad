"""The one place tests replace time: waits and clock readings of the SDK.

Every wait and clock reading of volt_sdk goes through ``volt_sdk._concurrency``;
the ``fake_clock`` fixture (``tests/conftest.py``) swaps them for a
:class:`FakeClock`, so tests never sleep and never depend on the machine's speed.
"""

from __future__ import annotations

import threading

import pytest

from volt_sdk import _concurrency


class FakeClock:
    """A monotonic clock that moves only when the SDK sleeps or a test says so."""

    def __init__(self, start: float = 1_000.0, wall: float = 1_700_000_000.0) -> None:
        self.now = start
        self.wall_offset = wall - start
        self.sleeps: list[float] = []
        #: Whether a wait moves the clock (False: time stands still, waits are only recorded).
        self.advance_on_sleep = True

    def monotonic(self) -> float:
        return self.now

    def wall_clock(self) -> float:
        return self.now + self.wall_offset

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if self.advance_on_sleep:
            self.now += max(0.0, seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)

    def wait_event(self, event: threading.Event, seconds: float) -> bool:
        if event.is_set():
            return True
        self.sleep(seconds)
        return event.is_set()

    def install(self, monkeypatch: pytest.MonkeyPatch) -> FakeClock:
        monkeypatch.setattr(_concurrency, "monotonic", self.monotonic)
        monkeypatch.setattr(_concurrency, "wall_clock", self.wall_clock)
        monkeypatch.setattr(_concurrency, "sleep", self.sleep)
        monkeypatch.setattr(_concurrency, "async_sleep", self.async_sleep)
        monkeypatch.setattr(_concurrency, "wait_event", self.wait_event)
        return self
