"""Fault injection: which GraphQL request gets a 429, a 5xx, a dropped connection or a cut body.

Every GraphQL request that passed the token check draws the same three numbers
from one seeded :class:`random.Random` (fault, status, jitter), whatever the
configuration, so the same seed and the same sequence of requests always give
the same faults. Control endpoints never draw.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import Enum
from typing import Any, Final, cast

__all__ = ["Fault", "FaultConfig", "FaultPlan", "FaultState"]

# The statuses a 5xx fault picks from: what a real API and the proxies in front of it send.
_STATUSES_5XX: Final = (500, 502, 503, 504)


@dataclass(frozen=True)
class FaultConfig:
    """What goes wrong, and how often, on the sandbox's GraphQL endpoint.

    Rates are probabilities per request, drawn in this order: ``rate_429``,
    ``rate_5xx``, ``rate_drop``, ``rate_malformed``; their sum must not exceed 1.
    ``latency`` seconds (plus up to ``latency_jitter`` more) are added to every
    answer. The same ``seed`` and the same sequence of requests give the same
    faults::

        sandbox.set_faults(FaultConfig(seed=7, rate_429=0.2, retry_after=0.5))

    When each fault strikes (a sandbox choice, see docs/sandbox.md): a 429
    and a 5xx answer *instead* of running the operation; a dropped connection and
    a malformed body come *after* it ran, so a mutation did take effect although
    the client saw an error, the case where resending would send twice.
    """

    seed: int = 0
    """Seeds the draws: the same seed and requests give the same faults."""
    latency: float = 0.0
    """Seconds added to every answer."""
    latency_jitter: float = 0.0
    """Up to this many more seconds, drawn per answer."""
    rate_429: float = 0.0
    """Probability of a 429 answer, instead of running the operation."""
    retry_after: float = 1.0
    """Seconds the ``Retry-After`` header of a 429 asks for."""
    rate_5xx: float = 0.0
    """Probability of a 5xx answer, instead of running the operation."""
    rate_drop: float = 0.0
    """Probability that the connection drops after the operation ran."""
    rate_malformed: float = 0.0
    """Probability of a body that is not JSON, after the operation ran."""

    def __post_init__(self) -> None:
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise TypeError(f"seed: expected an int, got {type(self.seed).__name__}")
        for name in ("latency", "latency_jitter", "retry_after"):
            value = _number(self, name)
            if not value >= 0 or math.isinf(value):
                raise ValueError(f"{name}: expected a finite number of seconds >= 0, got {value!r}")
        total = 0.0
        for name in ("rate_429", "rate_5xx", "rate_drop", "rate_malformed"):
            value = _number(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name}: expected a probability between 0 and 1, got {value!r}")
            total += value
        if total > 1.0 + 1e-9:
            raise ValueError(f"the fault rates add up to {total:g}; at most 1 is possible")

    @property
    def active(self) -> bool:
        """False when this configuration changes nothing (the fast path skips the draws)."""
        return bool(
            self.latency
            or self.latency_jitter
            or self.rate_429
            or self.rate_5xx
            or self.rate_drop
            or self.rate_malformed
        )

    @classmethod
    def from_json(cls, payload: object) -> FaultConfig:
        """A configuration from a JSON object of field names; raises ValueError/TypeError."""
        if not isinstance(payload, Mapping):
            raise TypeError("expected a JSON object of FaultConfig fields")
        given = cast("Mapping[object, Any]", payload)
        known = {f.name for f in fields(cls)}
        unknown = sorted(str(k) for k in given if k not in known)
        if unknown:
            raise ValueError(f"unknown FaultConfig field(s): {', '.join(unknown)}")
        return cls(**{str(k): v for k, v in given.items()})

    def to_json(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _number(config: FaultConfig, name: str) -> float:
    value: object = getattr(config, name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name}: expected a number, got {type(value).__name__}")
    return float(value)


class Fault(Enum):
    """The fault a request gets."""

    NONE = "none"
    RATE_LIMIT = "429"
    SERVER_ERROR = "5xx"
    DROP = "drop"
    MALFORMED = "malformed"


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """The decision for one request: its fault, the status of a 5xx, the added delay."""

    fault: Fault
    status: int
    delay: float
    retry_after: float


NO_FAULT: Final = FaultPlan(Fault.NONE, 200, 0.0, 0.0)


class FaultState:
    """The current configuration and its random stream; swapped as a whole under a lock."""

    __slots__ = ("_config", "_lock", "_rng")

    def __init__(self, config: FaultConfig) -> None:
        self._lock = threading.Lock()
        self._config = config
        self._rng = random.Random(config.seed)

    @property
    def config(self) -> FaultConfig:
        """The configuration in force."""
        return self._config

    def replace(self, config: FaultConfig) -> None:
        """Use ``config`` from the next request on, with a fresh stream from its seed."""
        with self._lock:
            self._config = config
            self._rng = random.Random(config.seed)

    def draw(self) -> FaultPlan:
        """The plan for the next GraphQL request."""
        config = self._config
        if not config.active:
            return NO_FAULT
        with self._lock:
            config = self._config
            rng = self._rng
            # Always three draws, in this order: the stream stays aligned with the
            # request count whatever the rates, so a seed replays exactly.
            roll, pick, jitter = rng.random(), rng.random(), rng.random()
        delay = config.latency + config.latency_jitter * jitter
        edge = config.rate_429
        if roll < edge:
            return FaultPlan(Fault.RATE_LIMIT, 429, delay, config.retry_after)
        edge += config.rate_5xx
        if roll < edge:
            status = _STATUSES_5XX[min(int(pick * len(_STATUSES_5XX)), len(_STATUSES_5XX) - 1)]
            return FaultPlan(Fault.SERVER_ERROR, status, delay, 0.0)
        edge += config.rate_drop
        if roll < edge:
            return FaultPlan(Fault.DROP, 0, delay, 0.0)
        edge += config.rate_malformed
        if roll < edge:
            return FaultPlan(Fault.MALFORMED, 200, delay, 0.0)
        return FaultPlan(Fault.NONE, 200, delay, 0.0)
