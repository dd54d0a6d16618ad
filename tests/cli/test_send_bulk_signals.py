"""``volt send-bulk``'s signals: the first stops the run, a second exits at once."""

from __future__ import annotations

import signal

import pytest

from volt_sdk._cli import _bulk_run

from .helpers import ExitAtOnce


def test_the_first_signal_stops_the_run_and_a_second_exits_at_once(
    exit_at_once: ExitAtOnce,
) -> None:
    exits, written = exit_at_once.exits, exit_at_once.written
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    with _bulk_run._signals_stop_the_run():
        handler = signal.getsignal(signal.SIGINT)
        assert signal.getsignal(signal.SIGTERM) is handler
        assert callable(handler)
        with pytest.raises(KeyboardInterrupt):
            handler(signal.SIGINT, None)
        assert exits == []
        with pytest.raises(KeyboardInterrupt):  # only as os._exit is a stand-in here
            handler(signal.SIGTERM, None)
        assert exits == [130]
        assert written == [b"volt: interrupted again: exiting now, without waiting for the run\n"]
    # Outside the run, the previous handlers are back.
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
