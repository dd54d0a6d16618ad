"""The blocking client's wall-clock deadline, enforced where a blocking call can be: the socket.

httpx bounds each read, not a whole response: a server that sends one byte a
second keeps every read short and a call alive for ever. A blocking call cannot
be interrupted from outside, so the blocking client's own transport runs on a
network backend whose every connect, read and write is cut to what is left of
the call's deadline (``volt_sdk._concurrency.DEADLINE``, set by the executor),
and raises :class:`DeadlineExceededError` once nothing is left. The async client
needs none of this: its executor cancels the awaiting task
(``_concurrency.async_deadline``).

A blocking ``http_client`` of your own keeps its transport: its calls are bounded
per phase by the timeout, but a trickling server can hold them past the
deadline (README, "Delivery").
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from volt_sdk import _concurrency

__all__ = ["new_async_http_client", "new_http_client"]


def _cut(timeout: float | None) -> float | None:
    """``timeout``, cut to what is left of the current deadline (if any)."""
    at = _concurrency.DEADLINE.get()
    if at is None:
        return timeout
    left = at - _concurrency.monotonic()
    if left <= 0:
        raise _concurrency.DeadlineExceededError
    return left if timeout is None else min(timeout, left)


def _by_deadline(timeout: float | None, cut: float | None) -> bool:
    """Whether the deadline, not the phase's own timeout, set the wait that ran out."""
    return cut is not None and (timeout is None or cut < timeout)


class _DeadlineStream(httpcore.NetworkStream):
    __slots__ = ("_stream",)

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        cut = _cut(timeout)
        try:
            return self._stream.read(max_bytes, cut)
        except httpcore.ReadTimeout:
            if _by_deadline(timeout, cut):
                raise _concurrency.DeadlineExceededError from None
            raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        cut = _cut(timeout)
        try:
            self._stream.write(buffer, cut)
        except httpcore.WriteTimeout:
            if _by_deadline(timeout, cut):
                raise _concurrency.DeadlineExceededError from None
            raise

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        tls = self._stream.start_tls(ssl_context, server_hostname, _cut(timeout))
        return _DeadlineStream(tls)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    __slots__ = ("_backend",)

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._backend.connect_tcp(
            host, port, _cut(timeout), local_address=local_address, socket_options=socket_options
        )
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._backend.connect_unix_socket(path, _cut(timeout), socket_options)
        return _DeadlineStream(stream)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def new_http_client(timeout: httpx.Timeout) -> httpx.Client:
    """The blocking client's own :class:`httpx.Client`, on the deadline-cutting backend."""
    client = httpx.Client(timeout=timeout)
    # httpcore's pools take their network backend as a constructor argument only,
    # and httpx builds them itself (one per proxy from the environment too): the
    # backend is wrapped after.
    mounts = client._mounts.values()  # pyright: ignore[reportPrivateUsage]
    for transport in (client._transport, *mounts):  # pyright: ignore[reportPrivateUsage]
        if isinstance(transport, httpx.HTTPTransport):
            pool = transport._pool  # pyright: ignore[reportPrivateUsage]
            pool._network_backend = _DeadlineBackend(  # pyright: ignore[reportPrivateUsage]
                pool._network_backend  # pyright: ignore[reportPrivateUsage]
            )
    return client


def new_async_http_client(timeout: httpx.Timeout) -> httpx.AsyncClient:
    """The async client's own :class:`httpx.AsyncClient` (its deadline cancels the task)."""
    return httpx.AsyncClient(timeout=timeout)
