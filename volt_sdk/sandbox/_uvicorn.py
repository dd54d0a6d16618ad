"""uvicorn, set up for the sandbox: a bound socket, a server that says when it listens,
connections recorded for the drop fault, and SIGTERM handled like Ctrl-C."""

from __future__ import annotations

import asyncio
import importlib.util
import signal
import socket
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any, cast

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from ._app import CONNECTIONS, SandboxApp

__all__ = ["ListeningServer", "bind", "config", "endpoint_url", "terminate_as_interrupt"]


def _fast_options() -> dict[str, Any]:
    """The fastest uvicorn setup installed: httptools and uvloop when present."""
    has_uvloop = importlib.util.find_spec("uvloop") is not None
    return {"loop": "uvloop" if has_uvloop else "asyncio"}


def _tracked(
    registry: dict[tuple[object, object], asyncio.Transport],
) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol, recording each connection's transport for the drop fault."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:  # pragma: no cover - httptools is part of the sandbox extra
        from uvicorn.protocols.http.h11_impl import H11Protocol

        class _TrackedH11(H11Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                stream = cast(asyncio.Transport, transport)
                super().connection_made(stream)
                registry[(self.server, self.client)] = stream

            def connection_lost(self, exc: Exception | None) -> None:
                registry.pop((self.server, self.client), None)
                super().connection_lost(exc)

        return _TrackedH11

    class _TrackedHttpTools(HttpToolsProtocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            stream = cast(asyncio.Transport, transport)  # uvicorn's servers are streams
            super().connection_made(stream)
            registry[(self.server, self.client)] = stream

        def connection_lost(self, exc: Exception | None) -> None:
            registry.pop((self.server, self.client), None)
            super().connection_lost(exc)

    return _TrackedHttpTools


class ListeningServer(uvicorn.Server):
    """uvicorn's server, calling back once it accepts connections."""

    def __init__(self, config: uvicorn.Config, on_started: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_started = on_started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self._on_started()


def bind(host: str, port: int) -> socket.socket:
    """A bound socket: a busy port fails here, in the caller's thread, with an OSError that
    keeps its ``errno`` and says where (``cannot listen on 127.0.0.1:8765: Address already
    in use``)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError as exc:
        raise OSError(exc.errno, f"cannot listen on {host}: {exc.strerror or exc}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except BaseException as exc:
        sock.close()
        if isinstance(exc, OSError):
            where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
            raise OSError(exc.errno, f"cannot listen on {where}: {exc.strerror or exc}") from None
        raise
    return sock


def endpoint_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/graphql"


class _Terminated(KeyboardInterrupt):
    """SIGTERM, re-raised by uvicorn after its graceful shutdown."""


def terminate_as_interrupt() -> Callable[[], None]:
    """Make SIGTERM end :func:`serve` like Ctrl-C (a clean return, the database closed)."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def on_terminate(signum: int, frame: FrameType | None) -> None:
        raise _Terminated

    previous = signal.signal(signal.SIGTERM, on_terminate)

    def restore() -> None:
        signal.signal(signal.SIGTERM, previous)

    return restore


def config(app: SandboxApp, host: str, port: int, *, quiet: bool) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=_tracked(CONNECTIONS),
        interface="asgi3",
        lifespan="off",
        access_log=False,
        log_level="warning",
        # In a test process, leave the user's logging configuration alone.
        log_config=None if quiet else LOGGING_CONFIG,
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=2,
        **_fast_options(),
    )
