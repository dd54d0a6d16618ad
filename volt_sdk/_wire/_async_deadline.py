"""The call's wall-clock deadline, enforced where it can be: at the socket.

httpx bounds each read, not a whole response: a server that sends one byte a
second keeps every read short and a call alive for ever. So the clients' own
transports run on a network backend whose every connect, read and write is cut
to what is left of the call's deadline (``volt_sdk._concurrency.DEADLINE``, set
by the executor around each attempt), and raises
:class:`~volt_sdk._concurrency.DeadlineExceededError` once nothing is left. No
timer is armed per request: the cut costs a clock reading per socket operation.

Written once, as async code (``_async_deadline.py``); the blocking twin is
generated from it (``codegen/unasync.py``). An ``http_client`` of your own keeps
its transport: its calls are bounded per phase by the timeout, but a server that
trickles its answer can hold them past the deadline (README, "Delivery").
"""

from __future__ import annotations

import select
import ssl
import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Final

import httpx

from volt_sdk import _concurrency

if TYPE_CHECKING:
    import httpcore
    from httpcore import AsyncNetworkBackend, AsyncNetworkStream
else:
    # httpcore (with h11 and anyio) is imported by httpx only when a transport is
    # built, not at ``import httpx``; at run time these bases are plain ``object``
    # (httpcore checks no stream's or backend's class), so that importing the
    # client costs no more than importing httpx. Its exceptions are imported
    # where one is caught, by then long loaded.
    AsyncNetworkBackend = AsyncNetworkStream = object

__all__ = ["DEFAULT_CONNECTIONS", "new_async_http_client", "widen_async_pool"]

#: The connection pool's size when nothing sets it: httpx's own default.
DEFAULT_CONNECTIONS: Final = 100

_NOT_LOOKED_UP: Final = object()


class _AsyncDeadlineStream(AsyncNetworkStream):
    __slots__ = ("_socket", "_stream")

    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream
        self._socket: Any = _NOT_LOOKED_UP

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        cut = _concurrency.cut_to_deadline(timeout)
        try:
            return await self._stream.read(max_bytes, cut)
        except Exception as error:
            import httpcore

            if isinstance(error, httpcore.ReadTimeout) and _concurrency.cut_by_deadline(
                timeout, cut
            ):
                raise _concurrency.DeadlineExceededError from None
            raise

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        cut = _concurrency.cut_to_deadline(timeout)
        try:
            await self._stream.write(buffer, cut)
        except Exception as error:
            import httpcore

            if isinstance(error, httpcore.WriteTimeout) and _concurrency.cut_by_deadline(
                timeout, cut
            ):
                raise _concurrency.DeadlineExceededError from None
            raise

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        cut = _concurrency.cut_to_deadline(timeout)
        return _AsyncDeadlineStream(await self._stream.start_tls(ssl_context, server_hostname, cut))

    def get_extra_info(self, info: str) -> Any:
        if info != "is_readable":
            return self._stream.get_extra_info(info)
        # httpcore asks this of every idle connection each time its pool hands out
        # connections, so under load it is asked thousands of times a second, and
        # anyio answers it by rebuilding a dict of the stream's attributes on every
        # call. The socket is the stream's for its whole life: looked up once.
        if self._socket is _NOT_LOOKED_UP:
            self._socket = self._stream.get_extra_info("socket")
        return _readable(self._socket)


def _readable(sock: Any) -> bool:
    """Whether a read on ``sock`` would return at once (data, or the end): httpcore's test.

    ``sock`` is what the stream gives as its ``"socket"``: a :class:`socket.socket`,
    or asyncio's ``TransportSocket`` around one; either has ``fileno()``.
    """
    fd: int = -1 if sock is None else sock.fileno()
    if fd < 0:
        return True  # gone: as if the next read returned the end
    poll = getattr(select, "poll", None)
    if poll is None or sys.platform == "win32":
        ready, _, _ = select.select([fd], [], [], 0)
        return bool(ready)
    poller = poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


class _AsyncDeadlineBackend(AsyncNetworkBackend):
    __slots__ = ("_backend",)

    def __init__(self, backend: httpcore.AsyncNetworkBackend) -> None:
        self._backend = backend

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        cut = _concurrency.cut_to_deadline(timeout)
        stream = await self._backend.connect_tcp(
            host, port, cut, local_address=local_address, socket_options=socket_options
        )
        return _AsyncDeadlineStream(stream)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        cut = _concurrency.cut_to_deadline(timeout)
        stream = await self._backend.connect_unix_socket(path, cut, socket_options)
        return _AsyncDeadlineStream(stream)

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


def new_async_http_client(
    timeout: httpx.Timeout, connections: int | None = None
) -> httpx.AsyncClient:
    """The client's own :class:`httpx.AsyncClient`, on the deadline-cutting backend.

    Its pool holds ``connections`` (default :data:`DEFAULT_CONNECTIONS`), and keeps
    them all alive between requests: httpx's default keeps 20, so that under more
    load than that every request past the 20th opened and closed a connection.
    """
    size = connections or DEFAULT_CONNECTIONS
    client = httpx.AsyncClient(
        timeout=timeout,
        limits=httpx.Limits(max_connections=size, max_keepalive_connections=size),
    )
    # httpcore's pools take their network backend as a constructor argument only,
    # and httpx builds them itself (one per proxy from the environment too): the
    # backend is wrapped after.
    for transport in _transports(client):
        if isinstance(transport, httpx.AsyncHTTPTransport):
            pool = transport._pool  # pyright: ignore[reportPrivateUsage]
            pool._network_backend = _AsyncDeadlineBackend(  # pyright: ignore[reportPrivateUsage]
                pool._network_backend  # pyright: ignore[reportPrivateUsage]
            )
    return client


def widen_async_pool(client: httpx.AsyncClient, connections: int, *, owned: bool) -> None:
    """Let ``client``'s pools hold at least ``connections``, so that none queues
    the requests a caller allowed (``send_many``'s ``concurrency``).

    httpx's pools only when the client is the SDK's own (``owned``); a transport
    of the SDK's own making (:class:`volt_sdk.AioHttpClient`'s) decides for itself.
    """
    for transport in _transports(client):
        if isinstance(transport, httpx.AsyncHTTPTransport):
            if owned:
                pool = transport._pool  # pyright: ignore[reportPrivateUsage]
                if pool._max_connections < connections:  # pyright: ignore[reportPrivateUsage]
                    pool._max_connections = connections  # pyright: ignore[reportPrivateUsage]
                    pool._max_keepalive_connections = connections  # pyright: ignore[reportPrivateUsage]
        else:
            widen = getattr(transport, "widen_pool", None)
            if callable(widen):
                widen(connections)


def _transports(client: httpx.AsyncClient) -> Iterator[object]:
    yield client._transport  # pyright: ignore[reportPrivateUsage]
    yield from client._mounts.values()  # pyright: ignore[reportPrivateUsage]
