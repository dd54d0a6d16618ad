"""The receiving kit's core: one request in, one answer out, for every framework.

verify (with one key refresh on failure) -> parse -> max age -> dedup claim -> record
(suppression list, delivery log) -> route -> confirm or release -> status. Written once,
as a generator that yields each step needing I/O (the key, the stores, the handlers);
:meth:`WebhookReceiver.handle` runs the steps blocking, :meth:`WebhookReceiver.handle_async`
awaits them. The adapters
(``volt_sdk.webhooks.starlette``, ``.flask``, ``.django``) only read the request and
write the answer.
"""

from __future__ import annotations

import asyncio
import inspect
import secrets
from collections.abc import Awaitable, Callable, Generator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding

from volt_sdk import _concurrency
from volt_sdk._logs import package_logger
from volt_sdk._stores import (
    OPT_IN_KEYWORDS,
    OPT_OUT_KEYWORDS,
    DeliveryLog,
    MemoryDeliveryLog,
    MemorySuppressionList,
    SuppressionList,
)
from volt_sdk._timestamps import parse_timestamp

from ._dedup import DedupStore
from ._errors import (
    WebhookBodyTooLargeError,
    WebhookKeyError,
    WebhookParseError,
    WebhookSignatureError,
)
from ._events import WebhookEvent, event_from_json
from ._keycache import KeyCache
from ._recording import delivery_record, keyword_set, suppression_change
from ._router import EventHandler, WebhookRouter
from ._signature import (
    DEFAULT_HASH,
    DEFAULT_MAX_BODY,
    DEFAULT_PADDING,
    SIGNATURE_HEADER,
    HashName,
    PaddingName,
    PublicKeyLike,
    verify_signature,
)

__all__ = ["WebhookReceiver", "WebhookResponse"]

logger = package_logger("volt_sdk.webhooks")

_TEXT: Final = (("content-type", "text/plain; charset=utf-8"),)


@dataclass(frozen=True)
class WebhookResponse:
    """The answer to give Volt: the adapters turn it into their framework's response.

    The body is a fixed word or two (``refused``, ``handler failed``), never a
    detail of what went wrong: that goes to the ``volt_sdk.webhooks`` logger.
    """

    status: int
    """The HTTP status: 204, 400, 401, 413, 500 or 503 (docs/webhooks.md, "Statuses")."""
    body: bytes = b""
    """The response body (plain text, may be empty)."""
    headers: tuple[tuple[str, str], ...] = ()
    """Response headers: ``content-type``, and ``retry-after`` on a 503."""
    event: WebhookEvent | None = None
    """The event, once verified and parsed (None before that)."""
    outcome: str = ""
    """One word for logs and tests: ``handled``, ``duplicate``, ``in_flight``, ``forged``, ..."""
    recorded: tuple[str, ...] = ()
    """What this request wrote to the stores: ``("opt_out",)``, ``("opt_in",)``, ``("delivery",)``.

    Empty when nothing was written, and for an opt-out or opt-in older than the
    change the suppression list already holds (it is ignored there)."""


class _GetKey(NamedTuple):
    refresh: bool


class _Claim(NamedTuple):
    event_id: str
    token: str


class _Confirm(NamedTuple):
    event_id: str
    token: str


class _Release(NamedTuple):
    event_id: str
    token: str


class _Dispatch(NamedTuple):
    handler: EventHandler
    event: WebhookEvent


class _Write(NamedTuple):
    """A store write: ``inline`` (in memory) runs on the event loop, else in a thread."""

    call: Callable[[], object]
    inline: bool


_Step = _GetKey | _Claim | _Confirm | _Release | _Dispatch | _Write
_Flow = Generator[_Step, Any, WebhookResponse]


def _header(headers: Mapping[str, str] | Mapping[bytes, bytes], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        text_key = key.decode("latin-1") if isinstance(key, bytes) else key
        if text_key.lower() == wanted:
            return value.decode("latin-1") if isinstance(value, bytes) else value
    return None


class WebhookReceiver:
    """Everything between a webhook request and its answer, shared by every framework adapter.

    Args:
        keys: Volt's key: a :class:`KeyCache` (default: ``KeyCache()``, Volt's
            published key, refreshed once per minute at most when a signature
            fails), or a fixed key (loaded, PEM or OpenSSH text).
        router: the handlers (default: a new, empty :class:`WebhookRouter`).
        dedup: a :class:`DedupStore` to handle each event id once (default: none,
            every delivery is handled).
        max_age: refuse (400) an event whose ``created_at`` is more than this many
            seconds old (default: no limit). An event without a readable
            ``created_at`` is accepted.
        max_body: bodies over this many bytes are refused (413) unread.
        hash: the signature scheme's hash (see :func:`verify_signature`).
        padding: the signature scheme's padding.
        claim_lease: seconds a claimed event id stays claimed if its handler never
            finishes (a dead process).
        dedup_ttl: seconds a handled event id is remembered (default: 7 days).
        retry_after: the ``Retry-After`` seconds of a 503.
        suppression: a :class:`~volt_sdk.stores.SuppressionList` to record opt-outs
            in: an inbound text that is exactly an opt-out keyword (``STOP``, ...)
            suppresses its sender, an opt-in keyword (``START``, ``UNSTOP``) lifts
            that (default: none). Give the same list to the client.
        deliveries: a :class:`~volt_sdk.stores.DeliveryLog` to record the outbound
            messages ``message.sent`` and ``message.finalized`` events tell of, for
            reconciliation (default: none).
        opt_out_keywords: the words that opt out (any case; default
            :data:`~volt_sdk.stores.OPT_OUT_KEYWORDS`).
        opt_in_keywords: the words that opt back in (default
            :data:`~volt_sdk.stores.OPT_IN_KEYWORDS`).

    The stores are written after verification, the maximum age and the
    deduplication claim, and before the handlers (an opt-out holds even if a
    handler fails); a store that fails answers 503 (``store_error``) so that Volt
    retries, with the claim released. See ``docs/suppression.md``.

    :meth:`handle` (blocking: Flask, Django) and :meth:`handle_async` (Starlette,
    FastAPI, async Django) take the headers and the **raw** body and return a
    :class:`WebhookResponse`; neither raises for anything a request contains.
    """

    def __init__(
        self,
        *,
        keys: KeyCache | PublicKeyLike | None = None,
        router: WebhookRouter | None = None,
        dedup: DedupStore | None = None,
        max_age: float | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        hash: HashName | hashes.HashAlgorithm = DEFAULT_HASH,
        padding: PaddingName | rsa_padding.AsymmetricPadding = DEFAULT_PADDING,
        claim_lease: float = 60.0,
        dedup_ttl: float = 7 * 24 * 3600.0,
        retry_after: int = 60,
        suppression: SuppressionList | None = None,
        deliveries: DeliveryLog | None = None,
        opt_out_keywords: Iterable[str] = OPT_OUT_KEYWORDS,
        opt_in_keywords: Iterable[str] = OPT_IN_KEYWORDS,
    ) -> None:
        opt_out = keyword_set(opt_out_keywords, "opt_out_keywords")
        opt_in = keyword_set(opt_in_keywords, "opt_in_keywords")
        if opt_out & opt_in:
            both = ", ".join(sorted(opt_out & opt_in))
            raise ValueError(f"opt_out_keywords and opt_in_keywords share {both}")
        if max_age is not None and not max_age > 0:
            raise ValueError(f"max_age: expected seconds > 0 or None, got {max_age!r}")
        if not max_body > 0:
            raise ValueError(f"max_body: expected bytes > 0, got {max_body!r}")
        self.keys: KeyCache = keys if isinstance(keys, KeyCache) else KeyCache(key=keys)
        """Where the key comes from."""
        self.router: WebhookRouter = router if router is not None else WebhookRouter()
        """The handlers."""
        self.dedup = dedup
        """The deduplication store, if any."""
        self.max_age = max_age
        """The oldest event accepted, in seconds, if any."""
        self.max_body = max_body
        """The largest body read, in bytes."""
        self._hash: HashName | hashes.HashAlgorithm = hash
        self._padding: PaddingName | rsa_padding.AsymmetricPadding = padding
        self._lease = claim_lease
        self._ttl = dedup_ttl
        self._retry = (*_TEXT, ("retry-after", str(retry_after)))
        self.suppression = suppression
        """The suppression list inbound keywords are recorded in, if any."""
        self.deliveries = deliveries
        """The delivery log outbound messages are recorded in, if any."""
        self.opt_out_keywords: frozenset[str] = opt_out
        """The opt-out keywords, upper case."""
        self.opt_in_keywords: frozenset[str] = opt_in
        """The opt-in keywords, upper case."""

    # -- the flow, written once -------------------------------------------------------------

    def _verify(self, body: bytes, signature: str, key: PublicKeyLike) -> None:
        verify_signature(
            body, signature, key, hash=self._hash, padding=self._padding, max_body=self.max_body
        )

    def _flow(
        self,
        headers: Mapping[str, str] | Mapping[bytes, bytes],
        body: bytes,
        handler: EventHandler | None,
    ) -> _Flow:
        if len(body) > self.max_body:
            return self._refuse(
                413, "too_large", WebhookBodyTooLargeError(len(body), self.max_body)
            )
        signature = _header(headers, SIGNATURE_HEADER)
        if signature is None:
            return self._refuse(401, "unsigned", WebhookSignatureError("no signature header"))
        try:
            key = yield _GetKey(refresh=False)
            try:
                self._verify(body, signature, key)
            except WebhookSignatureError as first:
                # Volt may have rotated its key: one fresh download (rate-limited) first.
                if not self.keys.refreshable:
                    return self._refuse(401, "forged", first)
                fresh = yield _GetKey(refresh=True)
                if fresh is None:  # refreshed less than refresh_interval ago
                    return self._refuse(401, "forged", first)
                try:
                    self._verify(body, signature, fresh)
                except WebhookSignatureError as second:
                    return self._refuse(401, "forged", second)
        except WebhookKeyError as error:
            logger.error("cannot verify webhooks, no usable key: %s", error)
            text = b"cannot verify now, try again later"
            return WebhookResponse(503, text, self._retry, outcome="no_key")
        try:
            event = event_from_json(body)
        except WebhookParseError as error:
            return self._refuse(400, "malformed", error)
        if self.max_age is not None:
            when = parse_timestamp(event.created_at)
            if when is not None and _concurrency.wall_clock() - when.timestamp() > self.max_age:
                logger.warning("refused webhook event %s: older than %gs", event.id, self.max_age)
                return WebhookResponse(400, b"refused", _TEXT, event, "too_old")
        token = secrets.token_hex(8)
        claimed = self.dedup is not None and event.id is not None
        if claimed:
            assert event.id is not None
            try:
                state = yield _Claim(event.id, token)
            except Exception:
                logger.exception("the deduplication store failed to claim event %s", event.id)
                return WebhookResponse(503, b"try again later", self._retry, event, "store_error")
            if state == "done":
                return WebhookResponse(204, b"", (), event, "duplicate")
            if state != "claimed":
                # Another request is handling it; if that one fails, Volt's retry will do.
                return WebhookResponse(503, b"in progress", self._retry, event, "in_flight")
        try:
            recorded = yield from self._record(event)
        except Exception:
            logger.exception("a store failed to record webhook event %s", event.id)
            yield from self._release(event, token, claimed)
            return WebhookResponse(503, b"try again later", self._retry, event, "store_error")
        handlers = [handler] if handler is not None else self.router.handlers_for(event)
        try:
            for each in handlers:
                yield _Dispatch(each, event)
        except Exception:
            logger.exception(
                "a handler failed on webhook event %s (%s)", event.id, event.event_type
            )
            yield from self._release(event, token, claimed)
            return WebhookResponse(500, b"handler failed", _TEXT, event, "handler_error", recorded)
        if claimed:
            assert event.id is not None
            try:
                yield _Confirm(event.id, token)
            except Exception:
                # Handled: say so. A retry may handle it again (the claim's lease ends).
                logger.exception("the deduplication store failed to confirm %s", event.id)
        outcome = "handled" if handlers else "ignored"
        return WebhookResponse(204, b"", (), event, outcome, recorded)

    def _record(self, event: WebhookEvent) -> Generator[_Step, Any, tuple[str, ...]]:
        """Write what ``event`` tells the stores; the names of the writes that took."""
        recorded: list[str] = []
        suppression = self.suppression
        if suppression is not None:
            change = suppression_change(event, self.opt_out_keywords, self.opt_in_keywords)
            if change is not None:

                def write() -> bool:
                    return suppression.record(
                        change.number,
                        opted_out=change.kind == "opt_out",
                        at=change.at,
                        keyword=change.keyword,
                        sender=change.sender,
                    )

                inline = isinstance(suppression, MemorySuppressionList)
                if (yield _Write(write, inline)):
                    recorded.append(change.kind)
        deliveries = self.deliveries
        if deliveries is not None:
            record = delivery_record(event)
            if record is not None:
                inline = isinstance(deliveries, MemoryDeliveryLog)
                yield _Write(lambda: deliveries.record(record), inline)
                recorded.append("delivery")
        return tuple(recorded)

    def _release(
        self, event: WebhookEvent, token: str, claimed: bool
    ) -> Generator[_Step, Any, None]:
        """Drop this request's dedup claim (if any), so that Volt's retry handles the event."""
        if not claimed:
            return
        assert event.id is not None
        try:
            yield _Release(event.id, token)
        except Exception:
            logger.exception("the deduplication store failed to release %s", event.id)

    @staticmethod
    def _refuse(status: int, outcome: str, error: Exception) -> WebhookResponse:
        # Why goes to the log, not to the caller: a forger learns nothing.
        logger.warning("refused a webhook request (%s): %s", outcome, error)
        return WebhookResponse(status, b"refused", _TEXT, outcome=outcome)

    # -- two ways to run it ------------------------------------------------------------------

    def handle(
        self,
        headers: Mapping[str, str] | Mapping[bytes, bytes],
        body: bytes,
        handler: Callable[[WebhookEvent], Awaitable[None] | None] | None = None,
    ) -> WebhookResponse:
        """Verify, parse, deduplicate and dispatch one request, blocking; its answer.

        ``headers`` is any mapping (``str`` or ``bytes``, any case); ``body`` the raw
        bytes. ``handler`` replaces the router for this call. An ``async`` handler
        runs in an event loop of its own (``asyncio.run``), so this must not be
        called from a running loop: use :meth:`handle_async` there.
        """
        flow = self._flow(headers, bytes(body), handler)
        step = _advance(flow)
        while not isinstance(step, WebhookResponse):
            try:
                step = _advance(flow, self._run(step))
            except Exception as exc:  # the step's, thrown into the flow (which never raises)
                step = _advance(flow, error=exc)
        return step

    def _run(self, step: _Step) -> Any:
        if isinstance(step, _GetKey):
            return self.keys.refresh() if step.refresh else self.keys.get()
        if isinstance(step, _Dispatch):
            result = step.handler(step.event)
            if inspect.isawaitable(result):
                return asyncio.run(_awaited(result))
            return None
        if isinstance(step, _Write):
            return step.call()
        store = self.dedup
        assert store is not None
        if isinstance(step, _Claim):
            return store.claim(step.event_id, step.token, self._lease)
        if isinstance(step, _Confirm):
            return store.confirm(step.event_id, step.token, self._ttl)
        return store.release(step.event_id, step.token)

    async def handle_async(
        self,
        headers: Mapping[str, str] | Mapping[bytes, bytes],
        body: bytes,
        handler: Callable[[WebhookEvent], Awaitable[None] | None] | None = None,
    ) -> WebhookResponse:
        """:meth:`handle` for async code: the key downloads with ``httpx.AsyncClient``.

        ``async`` handlers are awaited; plain handlers and the stores (deduplication,
        suppression list, delivery log: blocking calls in SQLite and Redis) run in a
        worker thread (``asyncio.to_thread``), so the event loop never waits on them;
        the in-memory suppression list and delivery log are called directly.
        """
        flow = self._flow(headers, bytes(body), handler)
        step = _advance(flow)
        while not isinstance(step, WebhookResponse):
            try:
                step = _advance(flow, await self._run_async(step))
            except Exception as exc:
                step = _advance(flow, error=exc)
        return step

    async def _run_async(self, step: _Step) -> Any:
        if isinstance(step, _GetKey):
            return await (self.keys.refresh_async() if step.refresh else self.keys.get_async())
        if isinstance(step, _Dispatch):
            if inspect.iscoroutinefunction(step.handler):
                await step.handler(step.event)
                return None
            result = await asyncio.to_thread(step.handler, step.event)
            if inspect.isawaitable(result):
                await result
            return None
        if isinstance(step, _Write) and step.inline:
            return step.call()
        return await asyncio.to_thread(self._run, step)


def _advance(
    flow: _Flow, sent: Any = None, error: Exception | None = None
) -> _Step | WebhookResponse:
    """The flow's next step, given the last one's result (or error); its answer once it ends."""
    try:
        return flow.send(sent) if error is None else flow.throw(error)
    except StopIteration as done:
        answer: WebhookResponse = done.value
        return answer


async def _awaited(awaitable: Awaitable[None]) -> None:
    await awaitable
