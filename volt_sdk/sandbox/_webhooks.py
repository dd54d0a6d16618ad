"""Webhooks of the sandbox: the registration test request, signed deliveries, retries.

Volt's behaviour (docs/volt-api.md, Webhooks) is known only in outline; what is not known is a
sandbox choice, listed in docs/sandbox.md. In short: one RSA key pair per
process signs every request (``X-Respond-Flow-Signature``, the provisional scheme
of :mod:`volt_sdk.webhooks`); a worker thread posts events when they are due,
retrying a failed delivery with exponential backoff a bounded number of times;
every attempt is logged for tests (:meth:`Sandbox.webhook_deliveries`).

``cryptography`` (the webhooks extra) is imported only when something has to be
signed, so a sandbox without webhooks runs without it.
"""

from __future__ import annotations

import heapq
import itertools
import json
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from graphql import GraphQLError

from volt_sdk._logs import package_logger

from ._store import MessageView, Store, WebhookView, iso_timestamp

if TYPE_CHECKING:
    import httpx
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

__all__ = [
    "SIGNATURE_HEADER",
    "TEST_EVENT_TYPE",
    "WebhookDelivery",
    "WebhookDispatcher",
    "is_simulated_url",
    "public_key_text",
]

logger: Final = package_logger("volt_sdk.sandbox")  # masks phone numbers (_logs)

SIGNATURE_HEADER: Final = "X-Respond-Flow-Signature"
TEST_EVENT_TYPE: Final = "webhook.test"
USER_AGENT: Final = "volt-sdk-sandbox-webhooks"
# GraphQL enum values (registerWebhook's eventTypes) and the event types they select.
ENUM_EVENT_TYPES: Final = {
    "MESSAGE_SENT": "message.sent",
    "MESSAGE_FINALIZED": "message.finalized",
    "MESSAGE_RECEIVED": "message.received",
}
MAX_PENDING: Final = 10_000
MAX_LOGGED: Final = 10_000
PROBE_TIMEOUT: Final = 3.0
DELIVERY_TIMEOUT: Final = 3.0
CLOCK_POLL: Final = 0.02
"""Seconds between two looks at an injected clock while an event waits for it: such a
clock moves without telling anyone."""
KEY_BITS: Final = 2048

# Domains reserved for documentation and tests (RFC 2606, RFC 6761): nothing real
# answers there, so the sandbox answers for them (see is_simulated_url).
_RESERVED_DOMAINS: Final = ("example.com", "example.net", "example.org")
_RESERVED_TLDS: Final = ("example", "invalid", "test")
_EVENT_JSON: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

_key_lock = threading.Lock()
_key: RSAPrivateKey | None = None


def _signing_key() -> RSAPrivateKey:
    """The process's signing key, made on first use (about 50 ms)."""
    global _key
    with _key_lock:
        if _key is None:
            try:
                from cryptography.hazmat.primitives.asymmetric import rsa
            except ImportError as exc:
                raise GraphQLError(
                    'sandbox webhooks need the webhooks extra: pip install "volt-sdk[webhooks]"',
                    extensions={"code": "INTERNAL_SERVER_ERROR"},
                ) from exc
            _key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
        return _key


def public_key_text(form: str = "openssh") -> bytes:
    """The public half of the signing key: ``ssh-rsa AAAA...`` (like Volt's id_rsa.pub) or PEM."""
    from cryptography.hazmat.primitives import serialization

    public = _signing_key().public_key()
    if form == "pem":
        return public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    return (
        public.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        + b" volt-sandbox\n"
    )


def _sign(body: bytes) -> str:
    from volt_sdk.webhooks import sign_body

    return sign_body(body, _signing_key())


def is_simulated_url(url: str) -> bool:
    """True for a URL on a reserved domain (``example.com``, ``*.test``, ...).

    The sandbox never sends a request there: the registration test request and
    every delivery count as answered 2xx, and are logged with ``simulated=True``.
    """
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host.rsplit(".", 1)[-1] in _RESERVED_TLDS:
        return True
    return any(host == d or host.endswith("." + d) for d in _RESERVED_DOMAINS)


@dataclass(frozen=True)
class WebhookDelivery:
    """One attempt to post an event to a webhook, as :meth:`Sandbox.webhook_deliveries` lists it."""

    event_id: str
    """The id of the event posted (the same on every attempt of one event)."""
    event_type: str
    """``message.sent``, ``message.finalized``, ``message.received`` or ``webhook.test``."""
    webhook_id: str | None
    """None for the registration test request (the webhook does not exist yet)."""
    url: str
    """Where the event was posted."""
    attempt: int
    """1 for the first attempt."""
    ok: bool
    """The endpoint answered 2xx (or the URL is simulated)."""
    status_code: int | None
    """The HTTP status, or None when there was no answer (or nothing was sent)."""
    error: str | None
    """Why the attempt failed: a connection error, a timeout, a non-2xx status."""
    simulated: bool
    """Nothing was sent: the URL is on a reserved domain (see docs/sandbox.md)."""
    at: str
    """When the attempt finished (ISO 8601 UTC)."""
    body: bytes = field(repr=False)
    """The exact bytes posted (signed as such)."""
    signature: str = field(repr=False)
    """The ``X-Respond-Flow-Signature`` header sent."""

    def json(self) -> dict[str, Any]:
        """The event document that was posted."""
        loaded: dict[str, Any] = json.loads(self.body)
        return loaded


@dataclass
class _Event:
    """An event to fan out to the matching webhooks when it is due."""

    event_id: str
    event_type: str
    account_phone: str
    body: bytes


@dataclass
class _Attempt:
    event: _Event
    webhook_id: str
    url: str
    attempt: int


_Item = _Event | _Attempt


def _message_payload(event_type: str, message: MessageView, inbound: bool) -> dict[str, Any]:
    return {
        "id": message.id,
        "event_type": event_type,
        "type": "mms" if message.media else "sms",
        "text": message.body,
        "body": message.body,
        "to_number": message.to_number,
        "from_number": message.from_number,
        "direction": "inbound" if inbound else "outbound",
        "status": message.status,
        "status_description": message.status_description,
        "error_code": message.error_code,
        "media": list(message.media),
        "passthrough": message.passthrough,
        "created_at": message.created_at,
        "sent_at": message.sent_at,
        "confirmed_at": message.confirmed_at,
    }


def _document(event_id: str, event_type: str, when: float, payload: dict[str, Any]) -> bytes:
    encoded: str = _EVENT_JSON(
        {
            "id": event_id,
            "event_type": event_type,
            "created_at": iso_timestamp(when),
            "payload": payload,
        }
    )
    return encoded.encode()


def _wants(webhook: WebhookView, event: _Event) -> bool:
    if webhook.primary_phone is not None and webhook.primary_phone != event.account_phone:
        return False
    if not webhook.event_types:
        return True
    return any(ENUM_EVENT_TYPES.get(t) == event.event_type for t in webhook.event_types)


_STATUS: Final = re.compile(r"\s+")


class WebhookDispatcher:
    """Posts a sandbox's webhook events from one worker thread, started on first need.

    Args:
        store: the sandbox's data (its webhooks, when an event is due).
        attempts: tries per delivery (the first one included).
        backoff: seconds before the first retry; doubled for each further one.
        clock: epoch seconds, the store's clock (events are due at a message's timestamps).
    """

    def __init__(
        self,
        store: Store,
        *,
        attempts: int = 5,
        backoff: float = 0.5,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._attempts = attempts
        self._backoff = backoff
        self._clock = clock
        self._cond = threading.Condition()
        # Due in monotonic seconds: what is ready, and retries.
        self._heap: list[tuple[float, int, int, _Item]] = []
        # Due in the sandbox's clock: events at a message's timestamps, which move
        # to _heap when that clock reaches them.
        self._timed: list[tuple[float, int, int, _Item]] = []
        self._poll = None if clock is time.time else CLOCK_POLL
        self._order = itertools.count()
        self._generation = 0
        self._in_flight = 0
        self._log: deque[WebhookDelivery] = deque(maxlen=MAX_LOGGED)
        self._thread: threading.Thread | None = None
        self._closed = False
        self._client: httpx.Client | None = None
        self._client_lock = threading.Lock()

    # -- store hooks ------------------------------------------------------------------

    def probe(self, url: str) -> None:
        """Volt's registration test request: refuse (a GraphQLError) unless the URL answers 2xx."""
        event_id = f"evt_{uuid.uuid4().hex}"
        body = _document(event_id, TEST_EVENT_TYPE, self._clock(), {"url": url})
        delivery = self._post(_Event(event_id, TEST_EVENT_TYPE, "", body), None, url, 1)
        with self._cond:
            self._log.append(delivery)
        if not delivery.ok:
            raise GraphQLError(
                f"url: the test request to {url} failed ({delivery.error}); Volt registers "
                "a webhook only when its URL answers the test request with a 2xx status",
                extensions={"code": "BAD_USER_INPUT", "argument": "url"},
            )

    def message_event(self, event_type: str, message: MessageView, when: float) -> None:
        """Queue the event ``event_type`` about ``message``, due at ``when`` (epoch seconds)."""
        inbound = event_type == "message.received"
        event_id = f"evt_{uuid.uuid4().hex}"
        body = _document(event_id, event_type, when, _message_payload(event_type, message, inbound))
        event = _Event(event_id, event_type, message.account_phone, body)
        self._push(when, event, by_clock=True)

    # -- test helpers -----------------------------------------------------------------

    def deliveries(self) -> list[WebhookDelivery]:
        """Every attempt so far, oldest first."""
        with self._cond:
            return list(self._log)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is queued or in flight; False if ``timeout`` passed first."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._heap or self._timed or self._in_flight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    def clear(self) -> None:
        """Forget queued deliveries and the log (an attempt in flight is not logged)."""
        with self._cond:
            self._heap.clear()
            self._timed.clear()
            self._log.clear()
            self._generation += 1
            self._cond.notify_all()

    def close(self) -> None:
        """Stop the worker (pending deliveries are dropped); idempotent."""
        with self._cond:
            self._closed = True
            self._heap.clear()
            self._timed.clear()
            thread, self._thread = self._thread, None
            self._cond.notify_all()
        if thread is not None and thread is not threading.current_thread():
            thread.join(DELIVERY_TIMEOUT + 2)
        with self._client_lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    # -- the queue --------------------------------------------------------------------

    def _push(self, due: float, item: _Item, *, by_clock: bool = False) -> None:
        with self._cond:
            if self._closed:
                return
            if len(self._heap) + len(self._timed) >= MAX_PENDING:
                logger.warning("sandbox webhooks: %d deliveries pending, dropping one", MAX_PENDING)
                return
            queue = self._timed if by_clock else self._heap
            heapq.heappush(queue, (due, next(self._order), self._generation, item))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="volt-sandbox-webhooks", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                while True:
                    if self._closed:
                        return
                    now = time.monotonic()
                    self._release(now)
                    if self._heap and self._heap[0][0] <= now:
                        break
                    self._cond.wait(self._wait(now))
                _, _, generation, item = heapq.heappop(self._heap)
                self._in_flight += 1
            try:
                self._process(item, generation)
            except Exception:  # pragma: no cover - a sandbox bug must not kill the worker
                logger.exception("sandbox webhooks: delivery failed unexpectedly")
            finally:
                with self._cond:
                    self._in_flight -= 1
                    self._cond.notify_all()

    def _release(self, now: float) -> None:
        """Make the events the sandbox's clock has reached due now (holding the lock)."""
        if not self._timed:
            return
        clock = self._clock()
        while self._timed and self._timed[0][0] <= clock:
            _, order, generation, item = heapq.heappop(self._timed)
            heapq.heappush(self._heap, (now, order, generation, item))

    def _wait(self, now: float) -> float | None:
        """Seconds until the next delivery may be due; None: until told (holding the lock)."""
        waits: list[float] = []
        if self._heap:
            waits.append(self._heap[0][0] - now)
        if self._timed:
            left = self._timed[0][0] - self._clock()
            waits.append(left if self._poll is None else min(left, self._poll))
        return max(0.0, min(waits)) if waits else None

    def _process(self, item: _Item, generation: int) -> None:
        if isinstance(item, _Event):
            # Routed when due, to the webhooks registered at that moment.
            now = time.monotonic()
            for webhook in self._store.webhooks():
                if _wants(webhook, item):
                    self._requeue(now, _Attempt(item, webhook.id, webhook.url, 1), generation)
            return
        delivery = self._post(item.event, item.webhook_id, item.url, item.attempt)
        with self._cond:
            if generation != self._generation:
                return
            self._log.append(delivery)
        if not delivery.ok and item.attempt < self._attempts:
            delay = self._backoff * 2 ** (item.attempt - 1)
            retry = _Attempt(item.event, item.webhook_id, item.url, item.attempt + 1)
            self._requeue(time.monotonic() + delay, retry, generation)

    def _requeue(self, due: float, item: _Item, generation: int) -> None:
        with self._cond:
            if self._closed or generation != self._generation:
                return
            heapq.heappush(self._heap, (due, next(self._order), generation, item))
            self._cond.notify_all()

    # -- HTTP -------------------------------------------------------------------------

    def _http(self) -> httpx.Client:
        import httpx

        with self._client_lock:
            if self._client is None:
                self._client = httpx.Client(
                    timeout=DELIVERY_TIMEOUT, follow_redirects=False, trust_env=False
                )
            return self._client

    def _post(
        self, event: _Event, webhook_id: str | None, url: str, attempt: int
    ) -> WebhookDelivery:
        import httpx

        signature = _sign(event.body)
        status: int | None = None
        error: str | None = None
        simulated = is_simulated_url(url)
        if not simulated:
            try:
                response = self._http().post(
                    url,
                    content=event.body,
                    headers={
                        "content-type": "application/json",
                        "user-agent": USER_AGENT,
                        SIGNATURE_HEADER: signature,
                    },
                    timeout=PROBE_TIMEOUT if webhook_id is None else DELIVERY_TIMEOUT,
                )
                status = response.status_code
                if not 200 <= status < 300:
                    error = f"HTTP {status}"
            except httpx.TimeoutException:
                error = "no answer in time"
            except httpx.HTTPError as exc:
                error = _STATUS.sub(" ", f"{type(exc).__name__}: {exc}").strip()
        return WebhookDelivery(
            event_id=event.event_id,
            event_type=event.event_type,
            webhook_id=webhook_id,
            url=url,
            attempt=attempt,
            ok=error is None,
            status_code=status,
            error=error,
            simulated=simulated,
            at=iso_timestamp(self._clock()),
            body=event.body,
            signature=signature,
        )
