"""The stores of each kind, for the tests of both protocols: memory, SQLite, Redis."""

from __future__ import annotations

import pytest

KINDS = ["memory", "sqlite", "redis"]


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    """Which store a test builds; "redis" starts (or reuses) the session's redis-server."""
    if request.param == "redis":
        request.getfixturevalue("redis_url")
    return str(request.param)
