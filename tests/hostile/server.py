"""A small HTTP/1.1 server that misbehaves on purpose: standard library only.

Raw sockets and a thread per connection, so that a test controls every byte the
client receives and when. It listens on 127.0.0.1 (a free port) only. Each
connection carries one exchange: the server reads one request, records it, and
hands the connection to the *behaviour* the test gave (``respond``) when the
request is a ``POST /graphql``; anything else gets a 404.

Everything is bounded:

- an exchange lasts at most ``cap`` seconds (120 by default), then the server
  closes the connection, whatever the behaviour was doing;
- every wait (dripping, stalling, sending into a full socket) notices within
  ``_POLL`` seconds that the client went away, that the server was severed, or
  that the cap was reached, and ends the exchange;
- at most ``max_connections`` connections are served; later ones are reset;
- ``sever()`` cuts every open connection at once and resets new ones (the
  harness's guard uses it to unblock a hung client); ``close()`` severs, joins
  every thread, closes every socket, and raises if a behaviour crashed.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "DEFAULT_CAP",
    "Behaviour",
    "Exchange",
    "ExchangeEndedError",
    "HostileServer",
    "ReceivedRequest",
]

#: Seconds one exchange may last at most, whatever its behaviour.
DEFAULT_CAP: Final = 120.0
#: How often every wait looks at the client, the server and the cap.
_POLL: Final = 0.05
_MAX_HEAD: Final = 64 * 1024
_MAX_REQUEST_BODY: Final = 64 * 1024 * 1024
_SEND_SLICE: Final = 1024 * 1024
_JOIN_TIMEOUT: Final = 10.0
_REASONS: Final = {200: "OK", 404: "Not Found", 500: "Internal Server Error"}


class ExchangeEndedError(Exception):
    """The exchange is over: the client left, the server was severed, or the cap was hit."""


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as the server read it. Header names are lower-cased."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        """The body as a JSON object (``{}`` when it is not one)."""
        try:
            payload: object = json.loads(self.body)
        except ValueError:
            return {}
        return payload if isinstance(payload, dict) else {}

    @property
    def operation_name(self) -> str | None:
        name = self.json.get("operationName")
        return name if isinstance(name, str) else None


#: What the server does with a ``POST /graphql``: everything it sends, and when.
Behaviour = Callable[["Exchange"], None]


class Exchange:
    """One connection, as a behaviour sees it: the request, and ways to answer it.

    Every method raises :class:`ExchangeEndedError` when the exchange is over (the
    client left, the server was severed or is stopping, the cap was reached);
    the server catches it. The socket is non-blocking: every wait is a
    ``select`` of at most ``_POLL`` seconds.
    """

    def __init__(self, sock: socket.socket, server: HostileServer, cap: float) -> None:
        self._sock = sock
        self._server = server
        self._ends_at = time.monotonic() + cap
        self.closed = False
        self.bytes_sent = 0
        self._request: ReceivedRequest | None = None

    @property
    def request(self) -> ReceivedRequest:
        assert self._request is not None, "the request has not been read yet"
        return self._request

    # -- answering ---------------------------------------------------------------

    def send(self, data: bytes) -> None:
        """Send all of ``data`` as fast as the client takes it."""
        view = memoryview(data)
        while view:
            self._check()
            try:
                sent = self._sock.send(view[:_SEND_SLICE])
            except BlockingIOError:
                select.select([], [self._sock], [], _POLL)
                continue
            except OSError as exc:  # EPIPE, ECONNRESET: the client left
                raise ExchangeEndedError(str(exc)) from None
            self.bytes_sent += sent
            view = view[sent:]

    def drip(self, data: bytes, *, interval: float = 1.0) -> None:
        """Send ``data`` one byte every ``interval`` seconds."""
        for i in range(len(data)):
            self.send(data[i : i + 1])
            self.pause(interval)

    def pause(self, seconds: float) -> None:
        """Wait ``seconds``, ending the exchange early if the client leaves."""
        until = time.monotonic() + seconds
        while True:
            self._check()
            left = until - time.monotonic()
            if left <= 0:
                return
            readable, _, _ = select.select([self._sock], [], [], min(left, _POLL))
            if readable:
                self._discard_or_notice_departure()

    def stall(self) -> None:
        """Send nothing more until the client leaves (or the cap, or the server stops)."""
        while True:
            self.pause(_POLL)

    def reset(self) -> None:
        """Abort the connection with a TCP reset (``SO_LINGER`` 0, then close)."""
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self._sock.close()
        self.closed = True

    # -- reading -----------------------------------------------------------------

    def read_request(self) -> ReceivedRequest | None:
        """The next request, or None when the client closed before sending one."""
        buffer = bytearray()
        while b"\r\n\r\n" not in buffer:
            if len(buffer) > _MAX_HEAD:
                raise ExchangeEndedError("request head too large")
            chunk = self._recv()
            if not chunk:
                if not buffer:
                    return None
                raise ExchangeEndedError("the client closed in the middle of its request")
            buffer += chunk
        head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _version = lines[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        if length > _MAX_REQUEST_BODY:
            raise ExchangeEndedError("request body too large")
        body = bytearray(rest)
        while len(body) < length:
            chunk = self._recv()
            if not chunk:
                raise ExchangeEndedError("the client closed in the middle of its request body")
            body += chunk
        self._request = ReceivedRequest(method, path, headers, bytes(body[:length]))
        return self._request

    # -- internals ---------------------------------------------------------------

    def _check(self) -> None:
        if self.closed:
            raise ExchangeEndedError("the connection is closed")
        if self._server.halted:
            raise ExchangeEndedError("the server was severed or is stopping")
        if time.monotonic() >= self._ends_at:
            raise ExchangeEndedError("the exchange reached its cap")

    def _recv(self) -> bytes:
        while True:
            self._check()
            readable, _, _ = select.select([self._sock], [], [], _POLL)
            if not readable:
                continue
            try:
                return self._sock.recv(65536)
            except BlockingIOError:
                continue
            except OSError as exc:
                raise ExchangeEndedError(str(exc)) from None

    def _discard_or_notice_departure(self) -> None:
        try:
            chunk = self._sock.recv(65536)
        except BlockingIOError:
            return
        except OSError as exc:
            raise ExchangeEndedError(str(exc)) from None
        if not chunk:
            raise ExchangeEndedError("the client closed the connection")


def simple_response(status: int, body: bytes, content_type: str = "text/plain") -> bytes:
    """A complete, well-formed response that closes the connection."""
    reason = _REASONS.get(status, "Unknown")
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode("latin-1") + body


class HostileServer:
    """An HTTP/1.1 server on 127.0.0.1 whose ``POST /graphql`` does what the test says.

    ::

        with HostileServer(drip("body")) as server:
            ... base_url=server.url ...
            assert len(server.requests) == 1
    """

    def __init__(
        self,
        behaviour: Behaviour | None = None,
        *,
        cap: float = DEFAULT_CAP,
        max_connections: int = 50,
    ) -> None:
        self._behaviour = behaviour
        self._cap = cap
        self._max_connections = max_connections
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._severed = threading.Event()
        self._requests: list[ReceivedRequest] = []
        self._crashes: list[BaseException] = []
        self._live: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._connections = 0
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._closed = False
        try:
            self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._listener.bind(("127.0.0.1", 0))
            self._listener.listen(64)
            self._listener.setblocking(False)
        except BaseException:
            self._listener.close()
            raise
        self.port: int = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/graphql"
        self._acceptor = threading.Thread(
            target=self._accept_loop, name=f"hostile-accept-{self.port}", daemon=True
        )
        self._acceptor.start()

    # -- what a test uses ----------------------------------------------------------

    def respond(self, behaviour: Behaviour) -> None:
        """Answer every later ``POST /graphql`` with ``behaviour``."""
        with self._lock:
            self._behaviour = behaviour

    @property
    def requests(self) -> list[ReceivedRequest]:
        """Every request read so far, in order (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def halted(self) -> bool:
        """Severed or stopping: every exchange in progress is ending."""
        return self._severed.is_set() or self._stopping.is_set()

    def sever(self) -> None:
        """Cut every open connection now, and reset every later one."""
        self._severed.set()
        with self._lock:
            live = list(self._live)
        for sock in live:
            with contextlib.suppress(OSError):  # already closed by its thread
                sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Stop: sever, join every thread, close every socket; raise if a behaviour crashed."""
        if self._closed:
            return
        self._closed = True
        self._stopping.set()
        self._acceptor.join(_JOIN_TIMEOUT)
        self.sever()
        with self._lock:
            threads = list(self._threads)
        stuck = []
        for thread in threads:
            thread.join(_JOIN_TIMEOUT)
            if thread.is_alive():
                stuck.append(thread.name)
        self._listener.close()
        if self._acceptor.is_alive():
            stuck.append(self._acceptor.name)
        if stuck:
            raise AssertionError(f"hostile server threads did not stop: {stuck}")
        if self._crashes:
            raise AssertionError(
                f"the hostile server crashed {len(self._crashes)} time(s); first: "
                f"{self._crashes[0]!r}"
            ) from self._crashes[0]

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- internals -------------------------------------------------------------------

    def _accept_loop(self) -> None:
        try:
            while not self._stopping.is_set():
                readable, _, _ = select.select([self._listener], [], [], _POLL)
                if not readable:
                    continue
                try:
                    sock, _address = self._listener.accept()
                except (BlockingIOError, InterruptedError):
                    continue
                with self._lock:
                    self._connections += 1
                    refuse = self.halted or self._connections > self._max_connections
                    if not refuse:
                        self._live.add(sock)
                if refuse:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    sock.close()
                    continue
                thread = threading.Thread(
                    target=self._serve,
                    args=(sock,),
                    name=f"hostile-conn-{self.port}-{self._connections}",
                    daemon=True,
                )
                with self._lock:
                    self._threads.append(thread)
                thread.start()
        except BaseException as exc:  # a bug in the kit: reported by close()
            with self._lock:
                self._crashes.append(exc)

    def _serve(self, sock: socket.socket) -> None:
        exchange = Exchange(sock, self, self._cap)
        try:
            sock.setblocking(False)
            request = exchange.read_request()
            if request is None:
                return
            with self._lock:
                self._requests.append(request)
                behaviour = self._behaviour
            if request.method != "POST" or request.path.split("?")[0] != "/graphql":
                exchange.send(simple_response(404, b"only POST /graphql here\n"))
            elif behaviour is None:
                exchange.send(simple_response(500, b"the test gave this server no behaviour\n"))
            else:
                behaviour(exchange)
        except ExchangeEndedError:
            pass
        except BaseException as exc:  # a bug in the kit or a behaviour: reported by close()
            with self._lock:
                self._crashes.append(exc)
        finally:
            with self._lock:
                self._live.discard(sock)
            if not exchange.closed:
                sock.close()
