"""Fixtures of the hostile-server tests.

``arena`` is what most tests take: a fresh :class:`HostileServer` (shut down after
the test), the client class under test (every test here runs with ``Volt``, with
``AsyncVolt`` and with ``AsyncVolt`` over ``AioHttpClient``: tests/transports.py),
a distinctive token, and the ``volt_sdk`` logs at DEBUG::

    @pytest.mark.anyio
    async def test_something(arena: Arena) -> None:
        arena.server.respond(drip("body"))
        outcome = await arena.attempt(GET_MESSAGE, client_timeout=5, deadline=2)
        outcome.raised(VoltTimeoutError)
        arena.assert_token_nowhere(outcome)
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from tests.transports import CLIENT_CLASSES

from .answers import GzipBomb, build_gzip_bomb
from .harness import Arena, ClientClass, volt_logs
from .server import HostileServer


@pytest.fixture(params=list(CLIENT_CLASSES.values()), ids=list(CLIENT_CLASSES))
def client_class(request: pytest.FixtureRequest) -> ClientClass:
    """``Volt``, ``AsyncVolt``, and ``AsyncVolt`` over ``AioHttpClient``."""
    cls: ClientClass = request.param
    return cls


@pytest.fixture
def token() -> str:
    """A token no text could contain by chance: ``tok_`` and 40 random hex digits."""
    return "tok_" + secrets.token_hex(20)


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with HostileServer() as hostile:
        yield hostile


@pytest.fixture
def arena(
    server: HostileServer,
    client_class: ClientClass,
    token: str,
    caplog: pytest.LogCaptureFixture,
) -> Arena:
    return Arena(server=server, client_class=client_class, token=token, logs=volt_logs(caplog))


@pytest.fixture(scope="session")
def gzip_bomb() -> GzipBomb:
    """~1 MB of gzip that inflates to 1 GiB, built once per session (about 0.3 s)."""
    return build_gzip_bomb()
