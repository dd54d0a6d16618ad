"""One call of either client against a hostile server, under a hard guard.

``Arena.attempt(call, ...)`` builds a ``Volt`` or an ``AsyncVolt`` (the test's
``client_class``) aimed at the server, runs ``call`` and returns an
:class:`Outcome`: what it returned or raised, how long it took, and whether the
guard had to step in. The guard is a watchdog thread: when the call is still
running after ``guard`` seconds it severs the server (every connection cut),
which ends any call; a call that survives even that fails the test after a
further ``_AFTER_SEVER`` seconds instead of hanging the run. The blocking client
runs in a thread of its own, joined before ``attempt`` returns.
"""

from __future__ import annotations

import inspect
import json
import logging
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import anyio
import pytest

from tests.payloads import FROM, TO
from volt_sdk import AsyncVolt, Volt

from .server import HostileServer
from .texts import error_texts, leaks

__all__ = [
    "GET_MESSAGE",
    "SEND_MESSAGE",
    "Arena",
    "Call",
    "ClientClass",
    "Measured",
    "Outcome",
    "measure_in_fresh_process",
    "supports_option",
    "volt_logs",
]

ClientClass = type[Volt] | type[AsyncVolt]

#: Seconds a call may outlive the guard's severing before the test gives up on it.
_AFTER_SEVER: Final = 20.0
#: How much of an error's text an assertion message quotes.
_QUOTE: Final = 300


@dataclass(frozen=True)
class Call:
    """A client method and its arguments."""

    method: str
    kwargs: Mapping[str, object]

    def __str__(self) -> str:
        return self.method


GET_MESSAGE: Final = Call("get_message", {"id": "m1"})
SEND_MESSAGE: Final = Call("send_message", {"to": TO, "from_": FROM, "body": "hi"})


@dataclass
class Outcome:
    """What one call did: ``result`` or ``error``, ``elapsed`` seconds, ``hung``."""

    client: str
    call: Call
    result: object = None
    error: Exception | None = None
    elapsed: float = 0.0
    #: The guard had to sever the server to end the call.
    hung: bool = False
    guard: float = 0.0

    def describe(self) -> str:
        """One line for an assertion message: what happened, when, how long its text is."""
        who = f"{self.client}.{self.call}"
        if self.hung:
            who += f" HUNG until the {self.guard:g} s guard severed the server; then it"
        if self.error is None:
            return f"{who} returned {type(self.result).__name__} after {self.elapsed:.2f} s"
        text = str(self.error)
        quoted = text if len(text) <= _QUOTE else text[:_QUOTE] + "…"
        cause = getattr(self.error, "cause", None) or self.error.__cause__
        because = f" (cause: {type(cause).__module__}.{type(cause).__name__})" if cause else ""
        return (
            f"{who} raised {type(self.error).__module__}.{type(self.error).__name__}{because} "
            f"after {self.elapsed:.2f} s, str {len(text)} chars, repr {len(repr(self.error))} "
            f"chars: {quoted!r}"
        )

    def raised(self, *expected: type[BaseException]) -> Exception:
        """The error, asserting that the call raised one of ``expected`` and did not hang."""
        names = " or ".join(e.__name__ for e in expected)
        assert self.error is not None, f"expected {names}; {self.describe()}"
        assert isinstance(self.error, expected), f"expected {names}; {self.describe()}"
        return self.error

    def within(self, seconds: float) -> None:
        """Assert that the call ended by itself within ``seconds``."""
        assert not self.hung, f"expected the call to end within {seconds:g} s; {self.describe()}"
        assert self.elapsed < seconds, (
            f"expected the call to end within {seconds:g} s; {self.describe()}"
        )


def supports_option(client_class: ClientClass, name: str) -> bool:
    return name in inspect.signature(client_class).parameters


@dataclass
class Arena:
    """A hostile server, a client class, a distinctive token and the SDK's logs, for one test."""

    server: HostileServer
    client_class: ClientClass
    token: str
    logs: pytest.LogCaptureFixture
    outcomes: list[Outcome] = field(default_factory=list)

    def options(
        self,
        *,
        timeout: float,
        deadline: float,
        max_retries: int,
        max_response_bytes: int | None,
        room_for: int | None,
    ) -> dict[str, Any]:
        options: dict[str, Any] = {
            "token": self.token,
            "base_url": self.server.url,
            "timeout": timeout,
            "deadline": deadline,
            "max_retries": max_retries,
        }
        if max_response_bytes is not None:
            options["max_response_bytes"] = max_response_bytes
        elif room_for is not None and supports_option(self.client_class, "max_response_bytes"):
            # A legitimately large answer: make room for it when the client has a cap.
            options["max_response_bytes"] = room_for
        return options

    async def attempt(
        self,
        call: Call,
        *,
        client_timeout: float = 5.0,
        deadline: float = 2.0,
        max_retries: int = 0,
        max_response_bytes: int | None = None,
        room_for: int | None = None,
        guard: float = 15.0,
    ) -> Outcome:
        """Run ``call`` once with a fresh client; ``max_response_bytes`` is passed as given,
        ``room_for`` raises the client's cap to that many bytes if it has one."""
        options = self.options(
            timeout=client_timeout,
            deadline=deadline,
            max_retries=max_retries,
            max_response_bytes=max_response_bytes,
            room_for=room_for,
        )
        outcome = Outcome(client=self.client_class.__name__, call=call, guard=guard)
        tripped = threading.Event()

        def trip() -> None:
            tripped.set()
            self.server.sever()

        watchdog = threading.Timer(guard, trip)
        watchdog.daemon = True
        try:
            if issubclass(self.client_class, Volt):
                await self._blocking(Volt(**options), call, outcome, watchdog)
            else:
                await self._async(AsyncVolt(**options), call, outcome, watchdog)
        finally:
            watchdog.cancel()
            if watchdog.is_alive():
                watchdog.join()
        outcome.hung = tripped.is_set()
        self.outcomes.append(outcome)
        print(f"\n{outcome.describe()}")  # pytest -s shows every outcome
        return outcome

    @staticmethod
    async def _blocking(
        volt: Volt, call: Call, outcome: Outcome, watchdog: threading.Timer
    ) -> None:
        def run() -> None:
            started = time.monotonic()
            try:
                outcome.result = getattr(volt, call.method)(**call.kwargs)
            except Exception as exc:
                outcome.error = exc
            finally:
                outcome.elapsed = time.monotonic() - started

        thread = threading.Thread(target=run, name="hostile-blocking-call", daemon=True)
        with volt:
            watchdog.start()
            thread.start()
            await anyio.to_thread.run_sync(thread.join, watchdog.interval + _AFTER_SEVER)
            if thread.is_alive():
                raise AssertionError(
                    f"Volt.{call} still runs {_AFTER_SEVER:g} s after the guard severed "
                    "the server (its thread is left behind)"
                )
            thread.join()

    @staticmethod
    async def _async(
        volt: AsyncVolt, call: Call, outcome: Outcome, watchdog: threading.Timer
    ) -> None:
        async with volt:
            watchdog.start()
            started = time.monotonic()
            with anyio.move_on_after(watchdog.interval + _AFTER_SEVER) as scope:
                try:
                    outcome.result = await getattr(volt, call.method)(**call.kwargs)
                except Exception as exc:
                    outcome.error = exc
            outcome.elapsed = time.monotonic() - started
            if scope.cancelled_caught:
                raise AssertionError(
                    f"AsyncVolt.{call} still ran {_AFTER_SEVER:g} s after the guard severed "
                    "the server (cancelled)"
                )

    def assert_token_nowhere(self, outcome: Outcome) -> None:
        """No text of the outcome's error (chain, traceback) nor any SDK log line shows
        the token or a piece of it."""
        texts: list[tuple[str, str]] = []
        if outcome.error is not None:
            texts += error_texts(outcome.error)
        for record in self.logs.records:
            texts.append((f"log {record.name} {record.levelname}", record.getMessage()))
            if record.exc_info and record.exc_info[1] is not None:
                texts += [
                    (f"log {record.name} exc_info {w}", t)
                    for w, t in error_texts(record.exc_info[1])
                ]
        texts.append(("caplog.text", self.logs.text))
        places = leaks(self.token, texts)
        assert not places, f"the token shows in {places}; {outcome.describe()}"


def volt_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """``caplog`` capturing the ``volt_sdk`` logger at DEBUG."""
    caplog.set_level(logging.DEBUG, logger="volt_sdk")
    return caplog


#: The repository's root: the fresh process runs ``-m tests.hostile.bounded_call`` there.
_ROOT: Final = Path(__file__).resolve().parents[2]
_CHILD_TIMEOUT: Final = 180.0


@dataclass(frozen=True)
class Measured:
    """What :func:`measure_in_fresh_process` saw (see ``bounded_call``)."""

    elapsed: float
    peak_rss_kib: int
    ru_maxrss_kib: int
    returned: str | None
    returned_body_chars: int | None
    error: dict[str, Any] | None
    cause: dict[str, Any] | None
    default_cap: int | None
    token_leaks: list[str]

    @property
    def peak_rss_mb(self) -> float:
        return self.peak_rss_kib / 1024

    def classes(self, which: str = "error") -> list[str]:
        described = self.error if which == "error" else self.cause
        return list(described["classes"]) if described else []

    def summary(self) -> str:
        head = (
            f"peak RSS {self.peak_rss_mb:.0f} MB (ru_maxrss {self.ru_maxrss_kib / 1024:.0f} MB), "
            f"{self.elapsed:.2f} s, "
        )
        if self.error is None:
            body = f" (message body {self.returned_body_chars:,} chars)"
            return head + f"returned {self.returned}" + (body if self.returned_body_chars else "")
        error = self.error
        text = f"raised {error['type']}"
        if self.cause:
            text += f" (cause {self.cause['type']}, limit {self.cause['limit']})"
        elif error["limit"] is not None:
            text += f" (limit {error['limit']})"
        return head + text + f", str {error['str_chars']} chars: {error['text'][:160]!r}"


def measure_in_fresh_process(
    client_class: ClientClass, call: Call, options: Mapping[str, object]
) -> Measured:
    """Run ``call`` with a new ``client_class(**options)`` in a fresh Python process."""
    spec = {
        "client": client_class.__name__,
        "method": call.method,
        "kwargs": dict(call.kwargs),
        "options": dict(options),
    }
    try:
        done = subprocess.run(
            [sys.executable, "-m", "tests.hostile.bounded_call", json.dumps(spec)],
            cwd=_ROOT,
            capture_output=True,
            text=True,
            timeout=_CHILD_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise AssertionError(
            f"{client_class.__name__}.{call} in a fresh process did not end within "
            f"{_CHILD_TIMEOUT:g} s (killed)"
        ) from None
    lines = done.stdout.strip().splitlines()
    failed = f"the fresh process failed (exit {done.returncode}): {done.stderr[-2000:]}"
    assert done.returncode == 0, failed
    assert lines, failed
    report: dict[str, Any] = json.loads(lines[-1])
    return Measured(**report)
