"""``Sandbox`` (a server in a background thread) and ``serve`` (one in the foreground)."""

from __future__ import annotations

import math
import os
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Final

from volt_sdk._logs import package_logger
from volt_sdk._network import is_loopback_host

from ._app import SandboxApp
from ._faults import FaultConfig, FaultState
from ._schema import build_schema
from ._store import OutboxMessage, Store, is_e164
from ._traffic import Traffic
from ._uvicorn import ListeningServer, bind, config, endpoint_url, terminate_as_interrupt
from ._webhooks import WebhookDelivery, WebhookDispatcher

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["DEFAULT_NUMBERS", "DEFAULT_TOKEN", "Sandbox", "serve"]

logger: Final = package_logger("volt_sdk.sandbox")  # masks phone numbers (_logs)

DEFAULT_TOKEN: Final = "sandbox-token"
"""The token a sandbox accepts unless told otherwise."""

DEFAULT_NUMBERS: Final[tuple[str, ...]] = ("+15555550123", "+15555550124", "+15555550125")
"""The organization's own numbers; the first is Volt's documented example sender."""

_START_TIMEOUT: Final = 10.0
_STOP_TIMEOUT: Final = 10.0


class Sandbox:
    """A local Volt-compatible GraphQL server, for tests and demos.

    ::

        from volt_sdk import Volt
        from volt_sdk.sandbox import Sandbox

        with Sandbox() as sandbox:                          # a free loopback port
            with Volt(base_url=sandbox.url, token=sandbox.token) as volt:
                volt.send_message(to="+15555550145", from_=sandbox.numbers[0], body="Hi")
            (sent,) = sandbox.outbox()
            assert sent.status == "delivered"

    Args:
        token: the bearer token it accepts.
        numbers: the organization's own numbers (E.164); messages go from these.
        db: a SQLite file, so state survives a restart; default in memory.
        pace: seconds per lifecycle step (queued -> sent -> delivered/failed);
            0 makes every read after ``createMessage`` show the final state.
        faults: injected faults (:class:`FaultConfig`); :meth:`reset` returns to these.
        host: the address :meth:`start` listens on.
        port: the port :meth:`start` listens on; 0 picks a free port.
        page_size: messages per ``conversation`` page.
        schema_sdl: another schema to serve instead of the packaged one (to test what
            a changed Volt schema does to the client); it must keep the types the
            resolvers are bound to.
        webhook_probe: send Volt's test request to a URL before registering it, and
            refuse the registration unless it answers 2xx; False registers any URL.
        webhook_attempts: tries per webhook delivery, the first included.
        webhook_backoff: seconds before the first retry of a failed delivery,
            doubled for each further retry.
        clock: the time in epoch seconds (default :func:`time.time`). Every timestamp,
            every message's status and when its webhook events are due follow it: a
            test that moves its own clock sees ``queued``, ``sent`` and the final
            state without waiting. Retries of a webhook delivery wait in real time.

    :attr:`app` is the ASGI app, usable in process with ``httpx.ASGITransport``
    without starting a server. Every method is safe to call from any thread
    while the server thread serves.
    """

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        numbers: Sequence[str] = DEFAULT_NUMBERS,
        db: str | os.PathLike[str] | None = None,
        pace: float = 0.0,
        faults: FaultConfig | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        page_size: int = 20,
        schema_sdl: str | None = None,
        webhook_probe: bool = True,
        webhook_attempts: int = 5,
        webhook_backoff: float = 0.5,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not isinstance(token, str) or not token.strip() or token != token.strip():
            raise ValueError("token: expected a non-empty string without surrounding spaces")
        if isinstance(numbers, str):
            raise TypeError("numbers: expected a sequence of E.164 numbers, got a single str")
        owned = tuple(dict.fromkeys(numbers))
        if not owned:
            raise ValueError("numbers: the organization needs at least one number")
        for number in owned:
            if not is_e164(number):
                raise ValueError(f"numbers: {number!r} is not an E.164 number like +15555550123")
        if isinstance(pace, bool) or not isinstance(pace, (int, float)) or not pace >= 0:
            raise ValueError(f"pace: expected seconds >= 0, got {pace!r}")
        if math.isinf(pace):
            raise ValueError("pace: must be finite")
        if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
            raise ValueError(f"page_size: expected an int >= 1, got {page_size!r}")
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ValueError(f"port: expected 0..65535, got {port!r}")
        if faults is not None and not isinstance(faults, FaultConfig):
            raise TypeError(f"faults: expected a FaultConfig, got {type(faults).__name__}")
        if not isinstance(webhook_probe, bool):
            raise TypeError(f"webhook_probe: expected a bool, got {webhook_probe!r}")
        if (
            isinstance(webhook_attempts, bool)
            or not isinstance(webhook_attempts, int)
            or not 1 <= webhook_attempts <= 20
        ):
            raise ValueError(f"webhook_attempts: expected an int 1..20, got {webhook_attempts!r}")
        if (
            isinstance(webhook_backoff, bool)
            or not isinstance(webhook_backoff, (int, float))
            or not 0 <= webhook_backoff <= 3600
        ):
            raise ValueError(f"webhook_backoff: expected seconds 0..3600, got {webhook_backoff!r}")
        if not callable(clock):
            raise TypeError(f"clock: expected a function returning epoch seconds, got {clock!r}")
        if not is_loopback_host(host):
            logger.warning(
                "the Volt sandbox listens on %s, not loopback: anyone who can reach it and "
                "knows its token can use it",
                host,
            )
        self._token = token
        self._host = host
        self._port = port
        self._store = Store(
            numbers=owned, db=db, pace=float(pace), page_size=page_size, clock=clock
        )
        self._webhooks = WebhookDispatcher(
            self._store, attempts=webhook_attempts, backoff=float(webhook_backoff), clock=clock
        )
        self._store.event_sink = self._webhooks.message_event
        if webhook_probe:
            self._store.webhook_probe = self._webhooks.probe
        # Stops the webhook worker and closes the database when the sandbox is
        # garbage-collected without close().
        self._finalizer = weakref.finalize(self, _shut, self._webhooks, self._store)
        self._initial_faults = faults or FaultConfig()
        self._app = SandboxApp(
            store=self._store,
            token=token,
            faults=FaultState(self._initial_faults),
            initial_faults=self._initial_faults,
            schema=build_schema(schema_sdl),
        )
        self._app.reset_hooks.append(self._webhooks.clear)
        self._lock = threading.Lock()
        self._server: ListeningServer | None = None
        self._thread: threading.Thread | None = None
        self._bound_port: int | None = None

    def __repr__(self) -> str:
        where = self.url if self._bound_port is not None else "not started"
        return f"Sandbox({where}, numbers={self.numbers!r})"

    # -- properties -------------------------------------------------------------------

    @property
    def app(self) -> SandboxApp:
        """The ASGI application (for ``httpx.ASGITransport`` or another ASGI server)."""
        return self._app

    @property
    def url(self) -> str:
        """The GraphQL endpoint, e.g. ``http://127.0.0.1:54321/graphql``; needs :meth:`start`."""
        port = self._bound_port if self._bound_port is not None else self._port
        if port == 0:
            raise RuntimeError("the sandbox has no port yet: call start() first")
        return endpoint_url(self._host, port)

    @property
    def webhook_key_url(self) -> str:
        """Where the sandbox serves its webhook key (``ssh-rsa``; ``?format=pem`` for PEM)."""
        return self.url.rsplit("/", 1)[0] + "/_sandbox/webhook-key"

    @property
    def token(self) -> str:
        """The bearer token the sandbox accepts."""
        return self._token

    @property
    def numbers(self) -> tuple[str, ...]:
        """The organization's own numbers."""
        return self._store.numbers

    @property
    def faults(self) -> FaultConfig:
        """The fault configuration in force."""
        return self._app.faults.config

    # -- lifecycle --------------------------------------------------------------------

    def start(self) -> Self:
        """Serve in a background thread; returns once the port accepts connections."""
        with self._lock:
            if self._thread is not None:
                raise RuntimeError("the sandbox is already running")
            if not self._finalizer.alive:
                raise RuntimeError("the sandbox is closed")
            sock = bind(self._host, self._port)
            port: int = sock.getsockname()[1]
            started = threading.Event()
            server = ListeningServer(config(self._app, self._host, port, quiet=True), started.set)
            thread = threading.Thread(
                target=server.run,
                kwargs={"sockets": [sock]},
                name=f"volt-sandbox:{port}",
                daemon=True,
            )
            thread.start()
            deadline = time.monotonic() + _START_TIMEOUT
            while not started.wait(0.01):
                if not thread.is_alive():
                    sock.close()
                    raise RuntimeError("the sandbox server stopped while starting (see the log)")
                if time.monotonic() > deadline:
                    server.should_exit = True
                    thread.join(_STOP_TIMEOUT)
                    sock.close()
                    raise RuntimeError(f"the sandbox did not start within {_START_TIMEOUT:g}s")
            self._server, self._thread, self._bound_port = server, thread, port
        return self

    def stop(self) -> None:
        """Stop serving (open connections are closed); data stays until :meth:`close`."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
            self._bound_port = None
        if server is None or thread is None:
            return
        server.should_exit = True
        thread.join(_STOP_TIMEOUT)
        if thread.is_alive():  # pragma: no cover - a stuck request
            server.force_exit = True
            thread.join(_STOP_TIMEOUT)

    def close(self) -> None:
        """Stop serving and the webhook worker, then close the database (``db=`` is free again)."""
        self.stop()
        self._finalizer()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- state ------------------------------------------------------------------------

    def outbox(self) -> list[OutboxMessage]:
        """Every message accepted by ``createMessage``, oldest first, as it stands now."""
        return self._store.outbox()

    def traffic(self) -> Traffic:
        """What reached the GraphQL endpoint since the start or the last :meth:`reset`.

        The arrival time of each request that calls ``createMessage`` and the
        most requests handled at once: how a rate limit or a concurrency cap is
        judged from the receiving end (``GET /_sandbox/traffic`` over HTTP).
        """
        return self._app.traffic.snapshot()

    def set_faults(self, faults: FaultConfig | None) -> None:
        """Inject these faults from the next request on (``None``: no faults); reseeds."""
        if faults is not None and not isinstance(faults, FaultConfig):
            raise TypeError(f"faults: expected a FaultConfig or None, got {type(faults).__name__}")
        self._app.faults.replace(faults or FaultConfig())

    def reset(self) -> None:
        """Drop all data; faults go back to the constructor's (reseeded). Token and numbers stay."""
        self._app.reset()

    def simulate_inbound(
        self, *, from_number: str, to_number: str, body: str, media: Sequence[str] = ()
    ) -> str:
        """Store a message *received* by ``to_number`` (one of :attr:`numbers`); returns its id.

        It shows in ``conversation`` with status ``received``, not in :meth:`outbox`.
        """
        return self._store.add_inbound(
            from_number=from_number, to_number=to_number, body=body, media=media
        ).id

    # -- webhooks ---------------------------------------------------------------------

    def webhook_deliveries(self) -> list[WebhookDelivery]:
        """Every webhook request attempted so far, oldest first, retries and test requests too.

        :meth:`reset` empties it. See :meth:`wait_for_webhooks` to let pending ones finish.
        """
        return self._webhooks.deliveries()

    def wait_for_webhooks(self, timeout: float = 10.0) -> bool:
        """Wait until no webhook delivery is pending, retrying or in flight.

        Events of paced messages that are not due yet count as pending. Returns
        False if ``timeout`` seconds passed first.
        """
        return self._webhooks.wait_idle(timeout)

    def webhook_public_key(self, form: str = "openssh") -> bytes:
        """The public key webhook signatures verify with: ``openssh`` (``ssh-rsa ...``) or ``pem``.

        The same text as ``GET /_sandbox/webhook-key[?format=pem]``; one key per process.
        """
        if form not in ("openssh", "pem"):
            raise ValueError(f"form: expected 'openssh' or 'pem', got {form!r}")
        from ._webhooks import public_key_text

        return public_key_text(form)

    # -- foreground -------------------------------------------------------------------

    def serve_forever(self, on_ready: Callable[[str], None] | None = None) -> None:
        """Serve in this thread until Ctrl-C or SIGTERM; ``on_ready(url)`` once it listens."""
        sock = bind(self._host, self._port)
        port: int = sock.getsockname()[1]
        url = endpoint_url(self._host, port)

        def started() -> None:
            self._bound_port = port
            if on_ready is not None:
                on_ready(url)

        server = ListeningServer(config(self._app, self._host, port, quiet=False), started)
        restore = terminate_as_interrupt()
        try:
            server.run(sockets=[sock])
        except KeyboardInterrupt:
            pass
        finally:
            restore()
            self._bound_port = None
            sock.close()


def _shut(webhooks: WebhookDispatcher, store: Store) -> None:
    webhooks.close()
    store.close()


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    db: str | None = None,
    token: str = DEFAULT_TOKEN,
    numbers: Sequence[str] = DEFAULT_NUMBERS,
    pace: float = 0.0,
    faults: FaultConfig | None = None,
    on_ready: Callable[[str], None] | None = None,
    schema_sdl: str | None = None,
) -> None:
    """Run a sandbox in the foreground until Ctrl-C or SIGTERM (what ``volt sandbox`` runs).

    ``on_ready(url)`` is called once the port accepts connections. A host other
    than loopback is the caller's explicit choice and is logged as a warning:
    anyone who can reach the port and knows the token can use the sandbox.
    """
    sandbox = Sandbox(
        token=token,
        numbers=numbers,
        db=db,
        pace=pace,
        faults=faults,
        host=host,
        port=port,
        schema_sdl=schema_sdl,
    )
    try:
        sandbox.serve_forever(on_ready)
    finally:
        sandbox.close()
