"""What reached the sandbox: arrivals of ``createMessage`` and requests in flight.

The counters a limit is judged by (``docs/limits.md``): the sandbox is where a
fleet's requests meet, so it is where "at most R per second" and "at most C in
flight" can be measured for every process at once.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

__all__ = ["Traffic", "TrafficCounter"]


@dataclass(frozen=True)
class Traffic:
    """The GraphQL traffic a sandbox saw since it started or was last reset.

    ``sends`` are the arrival times of the requests that call ``createMessage``,
    in seconds of the sandbox host's monotonic clock (``time.monotonic()``),
    oldest first: compare them with each other, not with another host's clock.
    ``max_in_flight`` is the most GraphQL requests the sandbox was handling at
    once (counted from arrival to the end of the answer, an added ``latency``
    fault included); ``in_flight`` those it is handling now.
    """

    requests: int
    """GraphQL requests that passed authentication."""
    sends: tuple[float, ...]
    """Arrival times of the requests that call ``createMessage``."""
    in_flight: int
    """Requests being handled now."""
    max_in_flight: int
    """The most requests handled at once."""

    def to_json(self) -> dict[str, Any]:
        """The JSON of ``GET /_sandbox/traffic``."""
        return {
            "requests": self.requests,
            "sends": list(self.sends),
            "in_flight": self.in_flight,
            "max_in_flight": self.max_in_flight,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Traffic:
        """The inverse of :meth:`to_json` (for a sandbox in another process)."""
        return cls(
            requests=int(data["requests"]),
            sends=tuple(float(t) for t in data["sends"]),
            in_flight=int(data["in_flight"]),
            max_in_flight=int(data["max_in_flight"]),
        )


class TrafficCounter:
    """Counts requests as they start and end; read from any thread."""

    __slots__ = ("_in_flight", "_lock", "_max", "_requests", "_sends")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight = 0
        self._max = 0
        self._requests = 0
        self._sends: list[float] = []

    def start(self, *, sends: bool) -> None:
        now = time.monotonic()
        with self._lock:
            self._requests += 1
            self._in_flight += 1
            self._max = max(self._max, self._in_flight)
            if sends:
                self._sends.append(now)

    def end(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def reset(self) -> None:
        with self._lock:
            self._requests = 0
            self._sends.clear()
            self._max = self._in_flight

    def snapshot(self) -> Traffic:
        with self._lock:
            return Traffic(self._requests, tuple(self._sends), self._in_flight, self._max)
