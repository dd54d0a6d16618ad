"""The fleet proof: four processes told one limit through Redis stay within it, as the
sandbox (one process, where all their requests meet) counts them.

The fleet is ``bench/fleet_limits.py``'s (``run_fleet``): two ``Volt`` processes with six
threads each and two ``AsyncVolt`` processes with six tasks each, all sending
``createMessage`` as fast as they are let for three seconds, against the test suite's
redis-server. Only the bounds are asserted; ``make bench`` reports the figures.

**The burst allowance.** The Redis limiter (burst 1) spaces the fleet's sends exactly
``1/R`` apart *in Redis time*. A send arrives at the sandbox some delay after its slot:
the client's sleep overshooting, its thread or task being scheduled, the HTTP request.
If that delay varies by at most ``J`` seconds, any one-second window of arrivals holds
the slots of a ``1 + J``-second window of Redis time: at most ``R * (1 + J) + 1``. On
this shared two-core machine (four workers, a sandbox and Redis on two cores) we allow
``J = 0.25 s``: at ``R = 20``, 26 in any one-second window; four processes each limited
to ``R`` alone would send about ``4 R``.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "fleet_limits.py"
R = 20.0
C = 3
SECONDS = 3.0
JITTER = 0.25  # seconds; see the module's docstring
BURST = 1


def load_fleet() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fleet_limits", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("fleet_limits", module)  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fleet() -> ModuleType:
    return load_fleet()


def test_four_processes_sharing_a_redis_rate_stay_within_it(
    fleet: ModuleType, redis_url: str
) -> None:
    with fleet.sandbox_process(0.0) as url:
        result = fleet.run_fleet(
            url, redis_url, "rate-redis", rate=R, limit=C, seconds=SECONDS, name="proof"
        )
    assert result.errors == 0
    assert len(result.sends) > R * SECONDS  # the fleet pushed harder than the limit
    allowed = BURST + math.ceil(R * (1 + JITTER))
    assert result.max_in_window(1.0) <= allowed, (result.max_in_window(1.0), allowed)
    assert result.aggregate_rate <= R * 1.05, result.aggregate_rate


def test_four_processes_sharing_a_redis_cap_never_exceed_it_in_flight(
    fleet: ModuleType, redis_url: str
) -> None:
    with fleet.sandbox_process(0.1) as url:  # each answer takes 0.1 s: requests pile up
        result = fleet.run_fleet(
            url, redis_url, "slots-redis", rate=R, limit=C, seconds=SECONDS, name="proof"
        )
    assert result.errors == 0
    assert result.sends
    assert result.max_in_flight <= C
    assert result.max_in_flight >= 2  # the cap, not a lack of demand, held it
