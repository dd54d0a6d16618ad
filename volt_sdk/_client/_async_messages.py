"""The message methods of :class:`AsyncVolt`: send, look up, wait, page, reconcile, send many.

Written once, as the async source of both clients (see ``_async_client.py``).
Each method only does the I/O; the argument rules (``_arguments``), the result
handling (``_results``), the paging and matching rules (``_conversations``) and
the polling rules (``_waiting``) are shared.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable, Collection, Iterable, Sequence
from typing import TYPE_CHECKING

from volt_sdk import _concurrency
from volt_sdk._config import NOT_GIVEN, NotGiven
from volt_sdk._errors import (
    APIStatusError,
    MalformedResponseError,
    MessageOutcomeUnknownError,
    NotFoundError,
    TransportError,
    VoltError,
)
from volt_sdk._wire import may_have_reached_volt, widen_async_pool

from ._base import BaseVolt
from ._results import RESPONSE_SHAPE, found, outcome_unknown, returned
from ._stores import check_deliveries, check_suppression, delivered_id, in_process, refusal
from ._waiting import FINAL_STATUSES, Waiting, is_passing

# The models (pydantic's machinery) and the paging rules are imported on first
# use, not with the client: ``from volt_sdk import Volt`` stays cheap (bench/imports.py).
if TYPE_CHECKING:
    import os

    import httpx
    from typing_extensions import Self

    from volt_sdk._bulk import BulkResult, OutgoingMessage
    from volt_sdk._models import ConversationPage, Message
    from volt_sdk._stores import DeliveryLog, SuppressionList
    from volt_sdk._wire._limits import ConcurrencyLimiter, RateLimiter
    from volt_sdk_graphql.async_client import AsyncVoltGraphQL

__all__ = ["AsyncMessageMethods"]


class AsyncMessageMethods(BaseVolt):
    """Messages: :meth:`send_message`, lookups, waiting, conversations, reconciliation,
    ``send_many``."""

    _gql: AsyncVoltGraphQL
    _http: httpx.AsyncClient
    _suppression: SuppressionList | None
    _deliveries: DeliveryLog | None
    _slots: ConcurrencyLimiter | None

    if TYPE_CHECKING:
        # Defined by the client class (``_async_client.py``), with more options.
        def with_options(self, *, deadline: float | NotGiven = ...) -> Self: ...

    async def send_message(
        self,
        *,
        to: str,
        from_: str,
        body: str = "",
        media: Sequence[str] | None = None,
        passthrough: str | None = None,
        suppression: SuppressionList | None | NotGiven = NOT_GIVEN,
    ) -> Message:
        """Send an SMS, or an MMS when ``media`` lists public URLs.

        Nothing is sent when an argument is refused. A send is retried only when
        its request surely never reached Volt, so a message never goes out twice.

        Args:
            to: the recipient, normalized to E.164 (``+15555550145``).
            from_: the sender, one of your organization's Volt numbers.
            body: the text; may be empty only when ``media`` is given.
            media: public ``http(s)`` URLs of the files of an MMS.
            passthrough: an opaque value stored with the message (its use by Volt
                is undocumented). Default: a new client reference
                (``vsdk-...``), so that an uncertain send can be traced.
            suppression: the :class:`~volt_sdk.stores.SuppressionList` asked
                before sending; ``None`` asks none (the one confirmation a STOP
                may get). Default: the client's ``suppression``.

        Returns:
            The :class:`Message` as Volt created it.

        Raises:
            InvalidPhoneNumberError: ``to`` or ``from_`` is not a usable number.
            InvalidMessageError: the body or a media URL is refused.
            RecipientSuppressedError: ``to`` opted out (STOP); nothing was sent.
            StoreUnavailableError: the suppression list could not be read;
                nothing was sent.
            MessageOutcomeUnknownError: the request may have reached Volt but no
                answer says so (a read timeout, a dropped connection, a 5xx, a
                garbled answer); see :meth:`reconcile_message`.
            TransportError: the request surely never reached Volt.
            APIError: Volt refused the message (a :class:`GraphQLError`, an
                :class:`AuthenticationError`, a :class:`RateLimitError`, ...).
        """
        args = self._rules.create_message(to, from_, body, media, passthrough)
        store = (
            self._suppression  # checked when the client was built
            if isinstance(suppression, NotGiven)
            else check_suppression(suppression, "suppression", per_call=True)
        )
        if store is not None:
            refused = await _concurrency.async_offload(
                in_process(store), refusal, store, args["to"]
            )
            if refused is not None:
                raise refused
        started = _concurrency.wall_clock()
        try:
            with RESPONSE_SHAPE:
                result = await self._gql.create_message(**args)
        except (TransportError, APIStatusError, MalformedResponseError) as error:
            if may_have_reached_volt(error):
                raise outcome_unknown(args, started, error) from error
            raise
        return returned(result.create_message, "CreateMessage", "createMessage")

    async def get_message(self, id: str) -> Message:
        """The message with this id.

        Args:
            id: the message's id, as returned by :meth:`send_message`.

        Returns:
            The :class:`Message`, with its current status.

        Raises:
            ValidationError: ``id`` is empty or not a string.
            NotFoundError: Volt has no message with this id.
            VoltError: the request failed (see the error tree).
        """
        id = self._rules.identifier(id, "id")
        with RESPONSE_SHAPE:
            result = await self._gql.get_message(id=id)
        return found(result.message, "message", "GetMessage", id=id)

    async def wait_for_status(
        self,
        message_id: str,
        *,
        until: Collection[str] = FINAL_STATUSES,
        timeout: float = 60.0,
        interval: float = 1.0,
        on_status: Callable[[Message], object] | None = None,
        on_retry: Callable[[VoltError], object] | None = None,
    ) -> Message:
        """Poll a message until its status is one of ``until``; the message then.

        The first poll comes after 0.2 s (or ``interval``, if shorter), each pause
        after that is 1.5 times longer, up to ``interval``. A poll that fails for a
        passing reason (a rate limit, whose ``retry_after`` is waited, a 5xx, the
        network, a garbled answer) is logged and made again; any other failure
        ends the wait at once. Each poll's deadline is cut to what is left of
        ``timeout``; once it has run out, one last poll (bounded by a second)
        looks again before :class:`WaitTimeoutError`.

        Args:
            message_id: the message's id, as returned by :meth:`send_message`.
            until: the statuses to wait for, compared case-insensitively.
                Default: ``("delivered", "failed", "undelivered")``, the final
                statuses as far as they are known: Volt documents no list of
                statuses, so this set is provisional (docs/volt-api.md,
                "Message status").
            timeout: seconds to wait in all.
            interval: the longest pause between two polls, in seconds.
            on_status: called with the message of every poll whose status differs
                from the previous poll's (the first poll's too), as it arrives.
                A plain function; what it returns is ignored.
            on_retry: called with the error of every poll that failed for a
                passing reason, before polling again. A plain function.

        Returns:
            The :class:`Message`, as the poll that found a status of ``until``
            read it.

        Raises:
            ValidationError: an argument is refused (before any request): an
                empty ``message_id``, ``until`` empty or a single str, ``timeout``
                or ``interval`` not a positive number of seconds.
            WaitTimeoutError: ``timeout`` passed first; it holds the last message
                seen (``last``) and the last passing failure (``last_error``).
            NotFoundError: Volt has no message with this id.
            VoltError: a poll failed for a reason that polling again would not
                change (an :class:`AuthenticationError`, a :class:`GraphQLError`, ...).
        """
        message_id = self._rules.identifier(message_id, "message_id")
        waiting = Waiting(
            message_id,
            until=until,
            timeout=timeout,
            interval=interval,
            on_status=on_status,
            on_retry=on_retry,
            now=_concurrency.monotonic(),
        )
        while (pause := waiting.pause(_concurrency.monotonic())) is not None:
            await _concurrency.async_sleep(pause)
            deadline = waiting.poll_deadline(_concurrency.monotonic(), self._wire.policy.deadline)
            try:
                message = await self.with_options(deadline=deadline).get_message(message_id)
            except VoltError as error:
                if not is_passing(error):
                    raise
                waiting.failed(error)
                continue
            if waiting.seen(message):
                return message
        raise waiting.timed_out()

    async def get_conversation(
        self, *, to: str, from_: str, before: str | None = None
    ) -> ConversationPage:
        """One page of the conversation between ``from_`` (yours) and ``to``.

        Args:
            to: the other party's number.
            from_: your Volt number.
            before: the paging cursor; its meaning is not documented by Volt
                [GUESS: the id of the oldest message already seen]. See
                :meth:`iter_conversation_pages` to walk every page.

        Returns:
            A :class:`ConversationPage`: its ``messages``, newest first, and ``page_info``.

        Raises:
            InvalidPhoneNumberError: ``to`` or ``from_`` is not a usable number.
            NotFoundError: there is no conversation between the two numbers.
            VoltError: the request failed (see the error tree).
        """
        args = self._rules.conversation(to, from_, before)
        with RESPONSE_SHAPE:
            result = await self._gql.get_conversation(**args)
        return found(
            result.conversation,
            "conversation",
            "GetConversation",
            to=args["to"],
            from_=args["from_"],
        )

    async def iter_conversation_pages(
        self, *, to: str, from_: str, before: str | None = None
    ) -> AsyncIterator[ConversationPage]:
        """Every page of a conversation, newest first, until a page comes back empty.

        Provisional: the next cursor is the id of the last message of a page,
        which assumes Volt lists messages newest first [GUESS]. Paging stops when
        a page holds only messages already seen (a server that ignores the cursor).

        Args:
            to: the other party's number.
            from_: your Volt number.
            before: where to start (see :meth:`get_conversation`). Default: the newest.

        Returns:
            An iterator of :class:`ConversationPage`, requested one at a time.

        Raises:
            VoltError: as :meth:`get_conversation`, when a page is requested.
        """
        from ._conversations import MAX_CONVERSATION_PAGES, Paging

        paging = Paging(before)
        for _ in range(MAX_CONVERSATION_PAGES):
            page = await self.get_conversation(to=to, from_=from_, before=paging.cursor)
            if not paging.is_new(page):
                return
            yield page
            if not paging.advance(page):
                return

    async def iter_conversation(
        self, *, to: str, from_: str, before: str | None = None
    ) -> AsyncIterator[Message]:
        """Every message of a conversation, newest first, page after page.

        Args:
            to: the other party's number.
            from_: your Volt number.
            before: where to start (see :meth:`iter_conversation_pages`).

        Returns:
            An iterator of :class:`Message`; pages are requested as it is read.

        Raises:
            VoltError: as :meth:`get_conversation`, when a page is requested.
        """
        async for page in self.iter_conversation_pages(to=to, from_=from_, before=before):
            for message in page.messages or ():
                yield message

    async def reconcile_message(
        self,
        unknown: MessageOutcomeUnknownError,
        *,
        exclude_ids: Collection[str] = (),
        clock_skew: float = 300.0,
        max_pages: int = 10,
        deliveries: DeliveryLog | None | NotGiven = NOT_GIVEN,
    ) -> Message | None:
        """Find out whether an uncertain send went out: the message, or None.

        First the delivery log, when there is one (the outbound messages Volt's
        webhook events told of): a record with the send's client reference
        settles it for certain, and its message is fetched by id. Then the
        conversation between ``unknown.from_`` and ``unknown.to``, newest first,
        for a message with the same body and media sent no earlier than the
        attempt began. Best effort: see the README, "Outcome unknown", and
        ``docs/reconciliation.md``. A None right after a timeout is not proof:
        Volt may still be processing the request (and its events still on
        their way), so wait a few seconds before trusting it.

        Args:
            unknown: the error :meth:`send_message` raised.
            exclude_ids: ids of messages already accounted for, never matched.
            clock_skew: seconds of difference allowed between this machine's
                clock and Volt's.
            max_pages: at most this many pages are read.
            deliveries: the :class:`~volt_sdk.stores.DeliveryLog` to ask first;
                ``None`` asks none. Default: the client's ``deliveries``.

        Returns:
            The :class:`Message` the send created, or None when none was found.

        Raises:
            VoltError: as :meth:`get_conversation`, when a page is requested.
        """
        from ._conversations import Reconciler

        self._rules.reconcile(unknown, exclude_ids, clock_skew, max_pages)
        log = (
            self._deliveries
            if isinstance(deliveries, NotGiven)
            else check_deliveries(deliveries, "deliveries", per_call=True)
        )
        if log is not None:
            message_id = await _concurrency.async_offload(
                in_process(log), delivered_id, log, unknown, exclude_ids, clock_skew
            )
            if message_id is not None:
                try:
                    return await self.get_message(message_id)
                except NotFoundError:
                    pass  # not readable yet: the conversation decides
        reconciler = Reconciler(unknown, exclude_ids, clock_skew, max_pages)
        async for page in self.iter_conversation_pages(to=unknown.to, from_=unknown.from_):
            if reconciler.read(page):
                break
        return reconciler.found

    def send_many(
        self,
        messages: Iterable[OutgoingMessage] | AsyncIterable[OutgoingMessage],
        *,
        concurrency: int | ConcurrencyLimiter = 8,
        rate: float | RateLimiter | None = None,
        journal: str | os.PathLike[str] | None = None,
        reconcile_after: float = 2.0,
        max_attempts: int = 5,
        suppression: SuppressionList | None | NotGiven = NOT_GIVEN,
    ) -> AsyncIterator[BulkResult]:
        """Send many messages, never one twice; yields one result per item as each completes::

            from volt_sdk import AsyncVolt, OutgoingMessage

            customers = [("cus_1", "+15555550145", "Ada"), ("cus_2", "+15555550146", "Grace")]

            async with AsyncVolt() as volt:
                messages = (
                    OutgoingMessage(to=phone, from_="+15555550123", body=f"Hi {name}", key=key)
                    for key, phone, name in customers
                )
                async for result in volt.send_many(messages, journal="campaign.journal"):
                    print(result.key, result.status, result.message_id or result.reason)

        A send whose outcome is uncertain is not sent again blindly: after
        ``reconcile_after`` seconds the conversation is searched for it
        (:meth:`reconcile_message`); found, it is ``sent`` (``reconciled=True``);
        not found, it is sent again, up to ``max_attempts`` attempts; still
        uncertain then, ``unknown``. With a ``journal``, every item's state is
        committed before its request leaves, so a run that is killed can be run
        again with the same input and journal: what went out is reported
        ``resumed`` and not sent again; what was in flight is reconciled first.
        Stopping the run (closing the iterator early, cancelling the task, or
        Ctrl-C with the blocking client) sends nothing more: the requests in
        flight get two seconds to finish, and those that do not are ``unknown``
        (in the journal too, so the next run reconciles them); on Ctrl-C the
        blocking client yields those last results before the KeyboardInterrupt.
        What is certain and what is best effort: ``docs/bulk.md``.

        Args:
            messages: :class:`OutgoingMessage` items, read lazily.
            concurrency: at most this many requests at once. Or a
                :class:`~volt_sdk.limits.ConcurrencyLimiter`: each send holds one
                of its slots, a cap shared with whoever holds it (a fleet, through
                Redis), and the run keeps at most ``limit`` requests of its own.
            rate: at most this many messages per second (on top of the client's
                ``max_rate``). Or a :class:`~volt_sdk.limits.RateLimiter`: each
                send takes its share of a rate shared with whoever holds it.
                Default: no limit of its own. A limiter the client holds already
                (its ``max_rate`` / ``max_concurrency``) is not asked twice.
            journal: a SQLite file that makes the run resumable. Default: none.
            reconcile_after: seconds to wait before searching for an uncertain send.
            max_attempts: send attempts per item, over all runs.
            suppression: the :class:`~volt_sdk.stores.SuppressionList` asked
                before each send: an item whose recipient opted out is
                ``suppressed``, never sent (and stays pending in the journal, so
                a later run sends it if they opted back in). ``None`` asks none.
                Default: the client's ``suppression``.

        Returns:
            An iterator of :class:`BulkResult`, exactly one per item, in
            completion order: ``sent``, ``failed`` (surely not sent: refused by
            Volt, an invalid item, a duplicate key, or ``max_attempts`` tries that
            never reached Volt), ``suppressed`` (the recipient opted out; not
            sent) or ``unknown``.

        Raises:
            ValidationError: an option is out of range (raised here, before
                anything runs); an item whose content changed since it was
                journaled (raised by the iterator, before that item is sent).
        """
        # Imported here: the bulk drivers (and sqlite3) load on the first bulk run.
        from volt_sdk._bulk import check_options
        from volt_sdk._bulk._drivers import send_many_async

        options = check_options(
            concurrency=concurrency,
            rate=rate,
            journal=journal,
            reconcile_after=reconcile_after,
            max_attempts=max_attempts,
            suppression=(
                self._suppression
                if isinstance(suppression, NotGiven)
                else check_suppression(suppression, "suppression", per_call=True)
            ),
            deadline=self._wire.policy.deadline,
            client_limiters=(self._wire.limiter, self._slots),
        )
        self._rules.outgoing_async(messages)
        widen_async_pool(self._http, options.concurrency, owned=self._owns_http_client)
        return send_many_async(self, self._rules, messages, options)
