"""``AsyncVolt`` and ``Volt``: the public clients.

Both clients share every rule that is not I/O: the configuration, the checks on
every argument (``_Rules``), the mapping of results (``_found``/``_returned``), and
the wire (``_transport.Wire``). Only the awaiting differs. Generated operations
come from ``volt_graphql``; no generated name is part of the public API.
"""

from __future__ import annotations

import copy
import itertools
import secrets
import threading
import time
from collections.abc import AsyncIterator, Collection, Iterable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, TypedDict, TypeVar

import httpx
import pydantic

from volt_graphql.base_model import UNSET, UnsetType
from volt_graphql.client import VoltGraphQL
from volt_graphql.enums import WebhookEventType
from volt_graphql.input_types import ContactCustomFieldInput, ListQuery

from ._config import (
    NOT_GIVEN,
    ClientConfig,
    NotGiven,
    check_delivery_options,
    check_timeout,
    resolve_config,
)
from ._errors import (
    APIStatusError,
    MalformedResponseError,
    MessageOutcomeUnknownError,
    NotFoundError,
    TransportError,
    ValidationError,
    VoltError,
)
from ._message import check_http_url, validate_message
from ._models import Contact, ContactList, ConversationPage, Message, Wave, Webhook
from ._phone import normalize_phone
from ._retry import (
    DEFAULT_DEADLINE,
    DEFAULT_MAX_RETRIES,
    RetryPolicy,
    TokenBucket,
    may_have_reached_volt,
)
from ._timestamps import parse_timestamp
from ._transport import AsyncExecutor, SyncExecutor, Wire

if TYPE_CHECKING:
    import os
    from collections.abc import AsyncIterable

    from typing_extensions import Self

    from ._bulk import BulkResult, OutgoingMessage

__all__ = ["AsyncVolt", "Volt"]

_T = TypeVar("_T")

# A hard stop for paging, should a server keep answering with new pages forever.
_MAX_CONVERSATION_PAGES = 10_000


class _ResponseShape:
    """Turns a pydantic error on a response into a MalformedResponseError."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if isinstance(exc, pydantic.ValidationError):
            problems = exc.errors()
            where = ".".join(str(p) for p in problems[0]["loc"]) if problems else "?"
            what = problems[0]["msg"] if problems else "?"
            raise MalformedResponseError(
                f"{exc.title}: the response does not match the schema the client was "
                f"generated from ({len(problems)} problem(s); first at {where}: {what})",
                operation=exc.title,
            ) from None


_SHAPE = _ResponseShape()


# A random prefix per process and a counter: unique across processes, and cheap.
_REFERENCE_PREFIX: Final = f"vsdk-{secrets.token_hex(6)}-"
_reference_counter = itertools.count(1)


def client_reference() -> str:
    """A new client reference for ``passthrough`` (``vsdk-<12 hex>-<counter>``)."""
    return f"{_REFERENCE_PREFIX}{next(_reference_counter):x}"


def _absent_if_none(value: _T | None) -> _T | UnsetType:
    """GraphQL tells "absent" from null: an argument not given is left out, never sent as null."""
    return UNSET if value is None else value


def _found(value: _T | None, resource: str, operation: str, **lookup: object) -> _T:
    if value is None:
        raise NotFoundError(resource, lookup, operation=operation)
    return value


def _returned(value: _T | None, operation: str, field: str) -> _T:
    if value is None:
        raise MalformedResponseError(
            f"{operation}: Volt returned null for {field} without an error",
            operation=operation,
        )
    return value


class _CreateMessageArgs(TypedDict):
    to: str
    from_: str
    body: str
    media: list[str] | UnsetType
    passthrough: str


class _ConversationArgs(TypedDict):
    to: str
    from_: str
    before: str | UnsetType


class _ContactArgs(TypedDict):
    primary_phone: str
    phone_number: str


class _UpsertContactArgs(TypedDict):
    name: str
    phone_number: str
    account_phone: str
    custom_fields: list[ContactCustomFieldInput]
    blocked: bool


class _ListArgs(TypedDict):
    primary_phone: str
    list_name: str


class _UpsertListArgs(TypedDict):
    primary_phone: str
    list_query: ListQuery


class _AddContactsArgs(TypedDict):
    primary_phone: str
    list_name: str
    phone_numbers: list[str]


class _RegisterWebhookArgs(TypedDict):
    url: str
    primary_phone: str | UnsetType
    event_types: list[WebhookEventType | None] | UnsetType


class _Rules:
    """The checks every argument goes through before a request, shared by both clients.

    The methods named after an operation turn a public method's arguments into the
    generated operation's, or raise a ValidationError naming the argument: both
    clients call the same one, so they cannot drift apart.
    """

    __slots__ = ("region", "strict")

    def __init__(self, config: ClientConfig) -> None:
        self.region = config.default_region
        self.strict = config.strict_numbers

    def create_message(
        self, to: str, from_: str, body: str, media: Sequence[str] | None, passthrough: str | None
    ) -> _CreateMessageArgs:
        to = self.phone(to, "to")
        from_ = self.phone(from_, "from_")
        body, media_list = validate_message(body=body, media=media)
        return {
            "to": to,
            "from_": from_,
            "body": body,
            "media": _absent_if_none(media_list),
            # Every send carries a reference, so an uncertain one can be traced.
            "passthrough": self.optional_text(passthrough, "passthrough") or client_reference(),
        }

    def conversation(self, to: str, from_: str, before: str | None) -> _ConversationArgs:
        return {
            "to": self.phone(to, "to"),
            "from_": self.phone(from_, "from_"),
            "before": _absent_if_none(self.optional_text(before, "before")),
        }

    def contact(self, phone_number: str, primary_phone: str) -> _ContactArgs:
        return {
            "phone_number": self.phone(phone_number, "phone_number"),
            "primary_phone": self.phone(primary_phone, "primary_phone"),
        }

    def upsert_contact(
        self,
        phone_number: str,
        account_phone: str,
        name: str,
        blocked: bool,
        custom_fields: Mapping[str, str | None] | None,
    ) -> _UpsertContactArgs:
        return {
            "phone_number": self.phone(phone_number, "phone_number"),
            "account_phone": self.phone(account_phone, "account_phone"),
            "name": self.text(name, "name", allow_empty=True),
            "blocked": _boolean(blocked, "blocked"),
            "custom_fields": self.custom_fields(custom_fields),
        }

    def list_lookup(self, primary_phone: str, name: str) -> _ListArgs:
        return {
            "primary_phone": self.phone(primary_phone, "primary_phone"),
            "list_name": self.text(name, "name"),
        }

    def upsert_list(
        self,
        primary_phone: str,
        name: str,
        source_list_name: str | None,
        name_search_term: str | None,
    ) -> _UpsertListArgs:
        return {
            "primary_phone": self.phone(primary_phone, "primary_phone"),
            "list_query": _list_query(name, source_list_name, name_search_term),
        }

    def add_contacts(
        self, primary_phone: str, list_name: str, phone_numbers: Iterable[str]
    ) -> _AddContactsArgs:
        return {
            "primary_phone": self.phone(primary_phone, "primary_phone"),
            "list_name": self.text(list_name, "list_name"),
            "phone_numbers": self.phones(phone_numbers, "phone_numbers"),
        }

    def register_webhook(
        self,
        url: str,
        primary_phone: str | None,
        event_types: Sequence[WebhookEventType | str] | None,
    ) -> _RegisterWebhookArgs:
        check_http_url(url, "url", ValidationError)
        return {
            "url": url,
            "primary_phone": _absent_if_none(self.optional_phone(primary_phone, "primary_phone")),
            "event_types": _absent_if_none(self.event_types(event_types)),
        }

    def phone(self, number: str, argument: str) -> str:
        return normalize_phone(number, region=self.region, strict=self.strict, argument=argument)

    def optional_phone(self, number: str | None, argument: str) -> str | None:
        return None if number is None else self.phone(number, argument)

    def phones(self, numbers: Iterable[str], argument: str) -> list[str]:
        if isinstance(numbers, (str, bytes)):
            raise ValidationError(
                f"{argument}: expected a list of phone numbers, "
                f"got a single {type(numbers).__name__}",
                argument=argument,
                value=numbers,
                reason="not_a_list",
            )
        result = [self.phone(n, f"{argument}[{i}]") for i, n in enumerate(numbers)]
        if not result:
            raise ValidationError(
                f"{argument}: expected at least one phone number, got none",
                argument=argument,
                value=numbers,
                reason="empty",
            )
        return result

    @staticmethod
    def text(value: str, argument: str, *, allow_empty: bool = False) -> str:
        if not isinstance(value, str):
            raise ValidationError(
                f"{argument}: expected a str, got {type(value).__name__}",
                argument=argument,
                value=value,
                reason="not_a_string",
            )
        if not allow_empty and not value.strip():
            raise ValidationError(
                f"{argument}: must not be empty", argument=argument, value=value, reason="empty"
            )
        return value

    @staticmethod
    def optional_text(value: str | None, argument: str) -> str | None:
        return None if value is None else _Rules.text(value, argument, allow_empty=True)

    @staticmethod
    def identifier(value: str, argument: str) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return _Rules.text(value, argument)

    @staticmethod
    def event_types(
        values: Sequence[WebhookEventType | str] | None,
    ) -> list[WebhookEventType | None] | None:
        if values is None:
            return None
        if isinstance(values, str):
            raise ValidationError(
                "event_types: expected a list of event types, got a single str",
                argument="event_types",
                value=values,
                reason="not_a_list",
            )
        result: list[WebhookEventType | None] = []
        for i, value in enumerate(values):
            if not isinstance(value, str):
                raise ValidationError(
                    f"event_types[{i}]: expected a WebhookEventType or str, "
                    f"got {type(value).__name__}",
                    argument=f"event_types[{i}]",
                    value=value,
                    reason="not_a_string",
                )
            result.append(WebhookEventType(value))
        return result

    @staticmethod
    def custom_fields(
        fields: Mapping[str, str | None] | None,
    ) -> list[ContactCustomFieldInput]:
        if fields is None:
            return []
        if not isinstance(fields, Mapping):
            raise ValidationError(
                "custom_fields: expected a mapping of field name to value, "
                f"got {type(fields).__name__}",
                argument="custom_fields",
                value=fields,
                reason="not_a_mapping",
            )
        result: list[ContactCustomFieldInput] = []
        for key, value in fields.items():
            _Rules.text(key, "custom_fields key")
            if value is not None:
                _Rules.text(value, f"custom_fields[{key!r}]", allow_empty=True)
            result.append(ContactCustomFieldInput(key=key, value=value))
        return result


class _BaseVolt:
    """Configuration shared by both clients."""

    _config: ClientConfig
    _rules: _Rules
    _wire: Wire
    _owns_http_client: bool

    def _configure(
        self,
        *,
        token: str | None,
        base_url: str | None,
        timeout: float | httpx.Timeout | None | NotGiven,
        default_region: str | None,
        strict_numbers: bool,
        max_retries: int,
        deadline: float,
        max_rate: float | None,
        max_concurrency: int | None,
        http_client: object,
        client_type: type[httpx.Client | httpx.AsyncClient],
    ) -> Wire:
        if http_client is not None and not isinstance(http_client, client_type):
            raise ValidationError(
                f"http_client: expected an httpx.{client_type.__name__} for "
                f"{type(self).__name__}, got {type(http_client).__name__}",
                argument="http_client",
                value=http_client,
                reason="wrong_type",
            )
        user_client_given = http_client is not None
        self._config = resolve_config(
            token=token,
            base_url=base_url,
            timeout=timeout,
            default_region=default_region,
            strict_numbers=strict_numbers,
        )
        check_delivery_options(
            max_retries=max_retries,
            deadline=deadline,
            max_rate=max_rate,
            max_concurrency=max_concurrency,
        )
        self._rules = _Rules(self._config)
        self._owns_http_client = not user_client_given
        # With the user's own http_client, its timeout applies unless one was given here.
        per_request = (
            None if user_client_given and isinstance(timeout, NotGiven) else (self._config.timeout)
        )
        policy = RetryPolicy(max_retries=max_retries, deadline=float(deadline))
        bucket = TokenBucket(max_rate) if max_rate is not None else None
        self._wire = Wire(self._config, per_request, policy, bucket)
        return self._wire

    def _optioned_wire(
        self,
        max_retries: int | NotGiven,
        deadline: float | NotGiven,
        timeout: float | httpx.Timeout | NotGiven,
    ) -> Wire:
        policy = self._wire.policy
        new_policy = RetryPolicy(
            max_retries=policy.max_retries if isinstance(max_retries, NotGiven) else max_retries,
            deadline=policy.deadline if isinstance(deadline, NotGiven) else deadline,
        )
        check_delivery_options(
            max_retries=new_policy.max_retries,
            deadline=new_policy.deadline,
            max_rate=None,
            max_concurrency=None,
        )
        new_timeout = (
            self._wire.timeout if isinstance(timeout, NotGiven) else check_timeout(timeout)
        )
        return self._wire.with_options(new_timeout, new_policy)

    @property
    def base_url(self) -> str:
        """The GraphQL endpoint this client posts to."""
        return self._config.base_url

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._config.base_url!r})"


class AsyncVolt(_BaseVolt):
    """Asynchronous client for the Volt GraphQL API.

    Every option is keyword-only::

        from volt_sdk import AsyncVolt

        async with AsyncVolt() as volt:            # token from VOLT_API_TOKEN
            msg = await volt.send_message(
                to="+15555550145",
                from_="+15555550123",
                body="Your One Time Code is 654312\\n\\nReply STOP to opt-out.",
            )
            print(msg.id, msg.status)

    Args:
        token: the organization's API token. Default: ``VOLT_API_TOKEN``.
        base_url: the GraphQL endpoint. Default: ``VOLT_API_URL``, else
            ``https://api.respondflow.com/graphql``. Plain ``http://`` is refused
            unless the host is loopback (a local sandbox).
        timeout: seconds, or an :class:`httpx.Timeout` with every phase bounded.
            Default: 30 s, 10 s to connect. ``None`` is refused.
        default_region: ISO region (``"US"``) used to read numbers written without
            a ``+`` country code. Default: numbers must carry ``+`` and a country code.
        strict_numbers: also require numbers to be *valid* (assigned ranges), not
            only of a possible length. Volt's documented example numbers fail this.
        http_client: your own :class:`httpx.AsyncClient` (proxies, limits, event
            hooks). The token is still sent with every request. The client does not
            close a client you passed in.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | NotGiven = NOT_GIVEN,
        default_region: str | None = None,
        strict_numbers: bool = False,
        max_retries: int = DEFAULT_MAX_RETRIES,
        deadline: float = DEFAULT_DEADLINE,
        max_rate: float | None = None,
        max_concurrency: int | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        wire = self._configure(
            token=token,
            base_url=base_url,
            timeout=timeout,
            default_region=default_region,
            strict_numbers=strict_numbers,
            max_retries=max_retries,
            deadline=deadline,
            max_rate=max_rate,
            max_concurrency=max_concurrency,
            http_client=http_client,
            client_type=httpx.AsyncClient,
        )
        self._http = http_client or httpx.AsyncClient(timeout=self._config.timeout)
        # Imported here: `from volt_sdk import Volt` (blocking) pays for neither asyncio
        # nor the asynchronous operations (bench/imports.py).
        import asyncio

        from volt_graphql.async_client import AsyncVoltGraphQL

        self._gate = asyncio.Semaphore(max_concurrency) if max_concurrency else None
        self._gql = AsyncVoltGraphQL(AsyncExecutor(wire, self._http, self._gate))

    def with_options(
        self,
        *,
        max_retries: int | NotGiven = NOT_GIVEN,
        deadline: float | NotGiven = NOT_GIVEN,
        timeout: float | httpx.Timeout | NotGiven = NOT_GIVEN,
    ) -> Self:
        """This client with other retry, deadline or timeout settings, for some calls::

            await volt.with_options(max_retries=0, deadline=10).send_message(...)

        The copy shares the connections, the rate limit and the concurrency cap;
        closing it does nothing (close the original).
        """
        clone = copy.copy(self)
        clone._owns_http_client = False
        clone._wire = self._optioned_wire(max_retries, deadline, timeout)
        from volt_graphql.async_client import AsyncVoltGraphQL

        clone._gql = AsyncVoltGraphQL(AsyncExecutor(clone._wire, self._http, self._gate))
        return clone

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP connections, unless the ``http_client`` was yours."""
        if self._owns_http_client:
            await self._http.aclose()

    # -- messages -------------------------------------------------------------

    async def send_message(
        self,
        *,
        to: str,
        from_: str,
        body: str = "",
        media: Sequence[str] | None = None,
        passthrough: str | None = None,
    ) -> Message:
        """Send an SMS, or an MMS when ``media`` lists public URLs.

        ``to`` and ``from_`` are normalized to E.164 first; ``from_`` must be one of
        your organization's numbers. ``passthrough`` is an opaque value stored with
        the message (its use by Volt is undocumented). Nothing is sent when an
        argument is refused.
        """
        args = self._rules.create_message(to, from_, body, media, passthrough)
        started = time.time()
        try:
            with _SHAPE:
                result = await self._gql.create_message(**args)
        except (TransportError, APIStatusError, MalformedResponseError) as error:
            if may_have_reached_volt(error):
                raise _outcome_unknown(args, started, error) from error
            raise
        return _returned(result.create_message, "CreateMessage", "createMessage")

    async def get_message(self, id: str) -> Message:
        """The message with this id. Raises :class:`NotFoundError` when there is none."""
        id = self._rules.identifier(id, "id")
        with _SHAPE:
            result = await self._gql.get_message(id=id)
        return _found(result.message, "message", "GetMessage", id=id)

    async def get_conversation(
        self, *, to: str, from_: str, before: str | None = None
    ) -> ConversationPage:
        """One page of the conversation between ``from_`` (yours) and ``to``.

        ``before`` is the paging cursor; its meaning is not documented by Volt
        [GUESS: the id of the oldest message already seen]. See
        :meth:`iter_conversation_pages` to walk every page.
        """
        args = self._rules.conversation(to, from_, before)
        with _SHAPE:
            result = await self._gql.get_conversation(**args)
        return _found(
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

        Provisional: the next cursor is the id of the last message of a page, which
        assumes Volt lists messages newest first [GUESS, REFERENCE section 13].
        """
        paging = _Paging(before)
        for _ in range(_MAX_CONVERSATION_PAGES):
            page = await self.get_conversation(to=to, from_=from_, before=paging.cursor)
            if not paging.is_new(page):
                return
            yield page
            if not paging.advance(page):
                return

    async def iter_conversation(
        self, *, to: str, from_: str, before: str | None = None
    ) -> AsyncIterator[Message]:
        """Every message of a conversation, page after page.

        See :meth:`iter_conversation_pages` for how paging works.
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
    ) -> Message | None:
        """Find out whether an uncertain send went out: the message, or None.

        Looks through the conversation between ``unknown.from_`` and
        ``unknown.to`` (newest first, at most ``max_pages`` pages, back to when
        the attempt began less ``clock_skew`` seconds) for a message with the same
        body and media; ids in ``exclude_ids`` (messages already accounted for)
        are skipped. Best effort: see the README, "Outcome unknown". A None right
        after a timeout is not proof: Volt may still be processing the request, so
        wait a few seconds before trusting it.
        """
        reconciler = _Reconciler(unknown, exclude_ids, clock_skew)
        pages = self.iter_conversation_pages(to=unknown.to, from_=unknown.from_)
        read = 0
        async for page in pages:
            found = reconciler.match(page)
            read += 1
            if found is not None or reconciler.past_window or read >= max_pages:
                return found
        return None

    def send_many(
        self,
        messages: Iterable[OutgoingMessage] | AsyncIterable[OutgoingMessage],
        *,
        concurrency: int = 8,
        rate: float | None = None,
        journal: str | os.PathLike[str] | None = None,
        reconcile_after: float = 2.0,
        max_attempts: int = 5,
    ) -> AsyncIterator[BulkResult]:
        """Send many messages, never one twice; yields one result per item as each completes::

            from volt_sdk import AsyncVolt, OutgoingMessage

            async with AsyncVolt() as volt:
                messages = (
                    OutgoingMessage(to=c.phone, from_="+15555550123", body=f"Hi {c.name}", key=c.id)
                    for c in customers
                )
                async for result in volt.send_many(messages, journal="campaign.journal"):
                    print(result.key, result.status, result.message_id or result.reason)

        ``messages`` (an iterable or async iterable of :class:`OutgoingMessage`)
        is read lazily; at most ``concurrency`` requests run at once, and at most
        ``rate`` messages per second go out (on top of the client's ``max_rate``).
        Results come in completion order, exactly one per item: ``sent``,
        ``failed`` (surely not sent: refused by Volt, an invalid item, a duplicate
        key, or ``max_attempts`` tries that never reached Volt) or ``unknown``.

        A send whose outcome is uncertain (:class:`MessageOutcomeUnknownError`) is
        not sent again blindly: after ``reconcile_after`` seconds the conversation
        is searched for it (:meth:`reconcile_message`); found, it is ``sent``
        (``reconciled=True``); not found, it is sent again, up to
        ``max_attempts`` attempts; still uncertain then, ``unknown``.

        With ``journal`` (a SQLite file), every item's state is committed before
        its request leaves, so a run that is killed can be run again with the
        same input and journal: what went out is reported ``resumed`` and not
        sent again; what was in flight is reconciled first. An item whose
        content changed since it was journaled raises :class:`ValidationError`.
        The options are checked here; the journal is opened on the first
        iteration. Closing the iterator early cancels the requests in flight:
        their items stay ``sending`` in the journal and the next run reconciles
        them. Certain and best effort: see ``volt_sdk._bulk``.
        """
        from ._bulk import check_options, send_many_async

        options = check_options(
            concurrency=concurrency,
            rate=rate,
            journal=journal,
            reconcile_after=reconcile_after,
            max_attempts=max_attempts,
        )
        return send_many_async(self, self._rules, messages, options)

    # -- contacts -------------------------------------------------------------

    async def get_contact(self, *, phone_number: str, primary_phone: str) -> Contact:
        """The contact with ``phone_number`` on your Volt number ``primary_phone``."""
        args = self._rules.contact(phone_number, primary_phone)
        with _SHAPE:
            result = await self._gql.get_contact(**args)
        return _found(result.contact, "contact", "GetContact", **args)

    async def upsert_contact(
        self,
        *,
        phone_number: str,
        account_phone: str,
        name: str,
        blocked: bool,
        custom_fields: Mapping[str, str | None] | None = None,
    ) -> Contact:
        """Create the contact, or update the one with this number on ``account_phone``.

        ``blocked`` has no default on purpose: Volt requires it on every call, and
        a default of ``False`` would silently unblock a contact. ``custom_fields``
        maps field names to values; its wire shape (``key``/``value``) is a [GUESS].
        """
        args = self._rules.upsert_contact(phone_number, account_phone, name, blocked, custom_fields)
        with _SHAPE:
            result = await self._gql.upsert_contact(**args)
        return _returned(result.create_or_update_contact, "UpsertContact", "createOrUpdateContact")

    # -- lists ----------------------------------------------------------------

    async def get_list(self, *, primary_phone: str, name: str) -> ContactList:
        """The contact list called ``name`` on your Volt number ``primary_phone``."""
        args = self._rules.list_lookup(primary_phone, name)
        with _SHAPE:
            result = await self._gql.get_list(**args)
        return _found(result.list_, "list", "GetList", **args)

    async def upsert_list(
        self,
        *,
        primary_phone: str,
        name: str,
        source_list_name: str | None = None,
        name_search_term: str | None = None,
    ) -> ContactList:
        """Create or update a list; ``source_list_name``/``name_search_term`` make it dynamic.

        The fields of Volt's ``ListQuery`` input are a [GUESS]; only the given ones are sent.
        """
        args = self._rules.upsert_list(primary_phone, name, source_list_name, name_search_term)
        with _SHAPE:
            result = await self._gql.upsert_list(**args)
        return _returned(result.create_or_update_list, "UpsertList", "createOrUpdateList")

    async def add_contacts_to_list(
        self, *, primary_phone: str, list_name: str, phone_numbers: Iterable[str]
    ) -> ContactList:
        """Add contacts (by number) to the list ``list_name``; returns the list."""
        args = self._rules.add_contacts(primary_phone, list_name, phone_numbers)
        with _SHAPE:
            result = await self._gql.add_contacts_to_list(**args)
        return _returned(result.add_contacts_to_list, "AddContactsToList", "addContactsToList")

    # -- waves ----------------------------------------------------------------

    async def get_wave(self, id: str) -> Wave:
        """The wave (bulk send) with this id."""
        id = self._rules.identifier(id, "id")
        with _SHAPE:
            result = await self._gql.get_wave(id=id)
        return _found(result.wave, "wave", "GetWave", id=id)

    # -- webhooks -------------------------------------------------------------

    async def list_webhooks(self) -> list[Webhook]:
        """Every webhook registered for the organization."""
        with _SHAPE:
            result = await self._gql.list_webhooks()
        return list(result.webhooks or ())

    async def register_webhook(
        self,
        *,
        url: str,
        primary_phone: str | None = None,
        event_types: Sequence[WebhookEventType | str] | None = None,
    ) -> Webhook:
        """Register ``url`` for message events; Volt first sends it a test request.

        Without ``primary_phone``, events for every number of the organization
        arrive. Without ``event_types``, every event type. The event type values
        are a [GUESS] (REFERENCE section 6).
        """
        args = self._rules.register_webhook(url, primary_phone, event_types)
        with _SHAPE:
            result = await self._gql.register_webhook(**args)
        return _returned(result.register_webhook, "RegisterWebhook", "registerWebhook")

    async def delete_webhook(self, id: str) -> Webhook:
        """Delete the webhook with this id; returns it as it was."""
        id = self._rules.identifier(id, "id")
        with _SHAPE:
            result = await self._gql.delete_webhook(id=id)
        return _found(result.delete_webhook, "webhook", "DeleteWebhook", id=id)


class Volt(_BaseVolt):
    """Blocking client for the Volt GraphQL API; the same methods as :class:`AsyncVolt`.

    ::

        from volt_sdk import Volt

        with Volt() as volt:                        # token from VOLT_API_TOKEN
            msg = volt.send_message(
                to="+15555550145",
                from_="+15555550123",
                body="Your One Time Code is 654312\\n\\nReply STOP to opt-out.",
            )
            print(msg.id, msg.status)

    The options are those of :class:`AsyncVolt`; ``http_client`` is an
    :class:`httpx.Client`. No event loop or thread runs underneath.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | NotGiven = NOT_GIVEN,
        default_region: str | None = None,
        strict_numbers: bool = False,
        max_retries: int = DEFAULT_MAX_RETRIES,
        deadline: float = DEFAULT_DEADLINE,
        max_rate: float | None = None,
        max_concurrency: int | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        wire = self._configure(
            token=token,
            base_url=base_url,
            timeout=timeout,
            default_region=default_region,
            strict_numbers=strict_numbers,
            max_retries=max_retries,
            deadline=deadline,
            max_rate=max_rate,
            max_concurrency=max_concurrency,
            http_client=http_client,
            client_type=httpx.Client,
        )
        self._http = http_client or httpx.Client(timeout=self._config.timeout)
        self._gate = threading.BoundedSemaphore(max_concurrency) if max_concurrency else None
        self._gql = VoltGraphQL(SyncExecutor(wire, self._http, self._gate))

    def with_options(
        self,
        *,
        max_retries: int | NotGiven = NOT_GIVEN,
        deadline: float | NotGiven = NOT_GIVEN,
        timeout: float | httpx.Timeout | NotGiven = NOT_GIVEN,
    ) -> Self:
        """This client with other retry, deadline or timeout settings (see
        :meth:`AsyncVolt.with_options`)."""
        clone = copy.copy(self)
        clone._owns_http_client = False
        clone._wire = self._optioned_wire(max_retries, deadline, timeout)
        clone._gql = VoltGraphQL(SyncExecutor(clone._wire, self._http, self._gate))
        return clone

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP connections, unless the ``http_client`` was yours."""
        if self._owns_http_client:
            self._http.close()

    # -- messages -------------------------------------------------------------

    def send_message(
        self,
        *,
        to: str,
        from_: str,
        body: str = "",
        media: Sequence[str] | None = None,
        passthrough: str | None = None,
    ) -> Message:
        """Send an SMS, or an MMS when ``media`` lists public URLs.

        See :meth:`AsyncVolt.send_message`; nothing is sent when an argument is refused.
        """
        args = self._rules.create_message(to, from_, body, media, passthrough)
        started = time.time()
        try:
            with _SHAPE:
                result = self._gql.create_message(**args)
        except (TransportError, APIStatusError, MalformedResponseError) as error:
            if may_have_reached_volt(error):
                raise _outcome_unknown(args, started, error) from error
            raise
        return _returned(result.create_message, "CreateMessage", "createMessage")

    def get_message(self, id: str) -> Message:
        """The message with this id. Raises :class:`NotFoundError` when there is none."""
        id = self._rules.identifier(id, "id")
        with _SHAPE:
            result = self._gql.get_message(id=id)
        return _found(result.message, "message", "GetMessage", id=id)

    def get_conversation(
        self, *, to: str, from_: str, before: str | None = None
    ) -> ConversationPage:
        """One page of a conversation (see :meth:`AsyncVolt.get_conversation`)."""
        args = self._rules.conversation(to, from_, before)
        with _SHAPE:
            result = self._gql.get_conversation(**args)
        return _found(
            result.conversation,
            "conversation",
            "GetConversation",
            to=args["to"],
            from_=args["from_"],
        )

    def iter_conversation_pages(
        self, *, to: str, from_: str, before: str | None = None
    ) -> Iterator[ConversationPage]:
        """Every page of a conversation (see :meth:`AsyncVolt.iter_conversation_pages`)."""
        paging = _Paging(before)
        for _ in range(_MAX_CONVERSATION_PAGES):
            page = self.get_conversation(to=to, from_=from_, before=paging.cursor)
            if not paging.is_new(page):
                return
            yield page
            if not paging.advance(page):
                return

    def iter_conversation(
        self, *, to: str, from_: str, before: str | None = None
    ) -> Iterator[Message]:
        """Every message of a conversation, page after page."""
        for page in self.iter_conversation_pages(to=to, from_=from_, before=before):
            yield from page.messages or ()

    def reconcile_message(
        self,
        unknown: MessageOutcomeUnknownError,
        *,
        exclude_ids: Collection[str] = (),
        clock_skew: float = 300.0,
        max_pages: int = 10,
    ) -> Message | None:
        """Find out whether an uncertain send went out (see
        :meth:`AsyncVolt.reconcile_message`): the message, or None.

        Looks through the conversation between ``unknown.from_`` and
        ``unknown.to`` (newest first, at most ``max_pages`` pages, back to when
        the attempt began less ``clock_skew`` seconds) for a message with the same
        body and media; ids in ``exclude_ids`` (messages already accounted for)
        are skipped. Best effort: see the README, "Outcome unknown". A None right
        after a timeout is not proof: Volt may still be processing the request, so
        wait a few seconds before trusting it.
        """
        reconciler = _Reconciler(unknown, exclude_ids, clock_skew)
        pages = self.iter_conversation_pages(to=unknown.to, from_=unknown.from_)
        for read, page in enumerate(pages, start=1):
            found = reconciler.match(page)
            if found is not None or reconciler.past_window or read >= max_pages:
                return found
        return None

    def send_many(
        self,
        messages: Iterable[OutgoingMessage],
        *,
        concurrency: int = 8,
        rate: float | None = None,
        journal: str | os.PathLike[str] | None = None,
        reconcile_after: float = 2.0,
        max_attempts: int = 5,
    ) -> Iterator[BulkResult]:
        """Send many messages, never one twice; yields one result per item as each completes::

            from volt_sdk import OutgoingMessage, Volt

            with Volt() as volt:
                messages = (
                    OutgoingMessage(to=row["phone"], from_="+15555550123", body=row["text"],
                                    key=row["id"])
                    for row in csv.DictReader(open("recipients.csv"))
                )
                for result in volt.send_many(messages, concurrency=16, journal="run.journal"):
                    print(result.key, result.status, result.message_id or result.reason)

        The rules, results and journal are those of :meth:`AsyncVolt.send_many`;
        the requests run on a bounded pool of ``concurrency`` threads sharing
        this client's connections. Closing the iterator early waits for the
        requests in flight and journals their outcomes.
        """
        from ._bulk import check_options, send_many_sync

        options = check_options(
            concurrency=concurrency,
            rate=rate,
            journal=journal,
            reconcile_after=reconcile_after,
            max_attempts=max_attempts,
        )
        return send_many_sync(self, self._rules, messages, options)

    # -- contacts -------------------------------------------------------------

    def get_contact(self, *, phone_number: str, primary_phone: str) -> Contact:
        """The contact with ``phone_number`` on your Volt number ``primary_phone``."""
        args = self._rules.contact(phone_number, primary_phone)
        with _SHAPE:
            result = self._gql.get_contact(**args)
        return _found(result.contact, "contact", "GetContact", **args)

    def upsert_contact(
        self,
        *,
        phone_number: str,
        account_phone: str,
        name: str,
        blocked: bool,
        custom_fields: Mapping[str, str | None] | None = None,
    ) -> Contact:
        """Create or update a contact (see :meth:`AsyncVolt.upsert_contact`)."""
        args = self._rules.upsert_contact(phone_number, account_phone, name, blocked, custom_fields)
        with _SHAPE:
            result = self._gql.upsert_contact(**args)
        return _returned(result.create_or_update_contact, "UpsertContact", "createOrUpdateContact")

    # -- lists ----------------------------------------------------------------

    def get_list(self, *, primary_phone: str, name: str) -> ContactList:
        """The contact list called ``name`` on your Volt number ``primary_phone``."""
        args = self._rules.list_lookup(primary_phone, name)
        with _SHAPE:
            result = self._gql.get_list(**args)
        return _found(result.list_, "list", "GetList", **args)

    def upsert_list(
        self,
        *,
        primary_phone: str,
        name: str,
        source_list_name: str | None = None,
        name_search_term: str | None = None,
    ) -> ContactList:
        """Create or update a list (see :meth:`AsyncVolt.upsert_list`)."""
        args = self._rules.upsert_list(primary_phone, name, source_list_name, name_search_term)
        with _SHAPE:
            result = self._gql.upsert_list(**args)
        return _returned(result.create_or_update_list, "UpsertList", "createOrUpdateList")

    def add_contacts_to_list(
        self, *, primary_phone: str, list_name: str, phone_numbers: Iterable[str]
    ) -> ContactList:
        """Add contacts (by number) to the list ``list_name``; returns the list."""
        args = self._rules.add_contacts(primary_phone, list_name, phone_numbers)
        with _SHAPE:
            result = self._gql.add_contacts_to_list(**args)
        return _returned(result.add_contacts_to_list, "AddContactsToList", "addContactsToList")

    # -- waves ----------------------------------------------------------------

    def get_wave(self, id: str) -> Wave:
        """The wave (bulk send) with this id."""
        id = self._rules.identifier(id, "id")
        with _SHAPE:
            result = self._gql.get_wave(id=id)
        return _found(result.wave, "wave", "GetWave", id=id)

    # -- webhooks -------------------------------------------------------------

    def list_webhooks(self) -> list[Webhook]:
        """Every webhook registered for the organization."""
        with _SHAPE:
            result = self._gql.list_webhooks()
        return list(result.webhooks or ())

    def register_webhook(
        self,
        *,
        url: str,
        primary_phone: str | None = None,
        event_types: Sequence[WebhookEventType | str] | None = None,
    ) -> Webhook:
        """Register ``url`` for message events (see :meth:`AsyncVolt.register_webhook`)."""
        args = self._rules.register_webhook(url, primary_phone, event_types)
        with _SHAPE:
            result = self._gql.register_webhook(**args)
        return _returned(result.register_webhook, "RegisterWebhook", "registerWebhook")

    def delete_webhook(self, id: str) -> Webhook:
        """Delete the webhook with this id; returns it as it was."""
        id = self._rules.identifier(id, "id")
        with _SHAPE:
            result = self._gql.delete_webhook(id=id)
        return _found(result.delete_webhook, "webhook", "DeleteWebhook", id=id)


def _boolean(value: bool, argument: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(
            f"{argument}: expected True or False, got {type(value).__name__}",
            argument=argument,
            value=value,
            reason="not_a_bool",
        )
    return value


def _list_query(name: str, source_list_name: str | None, name_search_term: str | None) -> ListQuery:
    fields: dict[str, Any] = {"name": _Rules.text(name, "name")}
    if source_list_name is not None:
        fields["source_list_name"] = _Rules.text(source_list_name, "source_list_name")
    if name_search_term is not None:
        fields["name_search_term"] = _Rules.text(
            name_search_term, "name_search_term", allow_empty=True
        )
    return ListQuery(**fields)


class _Paging:
    """Cursor state for walking a conversation backwards, shared by both clients.

    Provisional [GUESS, REFERENCE section 13]: the next ``before`` is the id of the
    last message of a page, assuming Volt lists messages newest first.
    """

    __slots__ = ("cursor", "seen")

    def __init__(self, before: str | None) -> None:
        self.cursor = before
        self.seen: set[str] = set()

    def is_new(self, page: ConversationPage) -> bool:
        """False when every message was seen already: the server ignored the cursor."""
        messages = page.messages or ()
        return not messages or any(m.id not in self.seen for m in messages)

    def advance(self, page: ConversationPage) -> bool:
        """Move the cursor past ``page``; False when it was the last page."""
        messages = page.messages or []
        if not messages:
            return False
        self.seen.update(m.id for m in messages)
        total = page.page_info.total_items if page.page_info else None
        if total is not None and len(self.seen) >= total:
            return False
        self.cursor = messages[-1].id
        return True


def _outcome_unknown(
    args: _CreateMessageArgs, started: float, error: VoltError
) -> MessageOutcomeUnknownError:
    media = args["media"]
    return MessageOutcomeUnknownError(
        to=args["to"],
        from_=args["from_"],
        body=args["body"],
        media=media if isinstance(media, list) else (),
        passthrough=args["passthrough"],
        started_at=started,
        cause=error,
    )


class _Reconciler:
    """Finds the message an uncertain send created, page by page, newest first.

    Best effort with the schema as known: ``Message`` has no ``passthrough``
    field, so a message matches on sender, recipient, body and media, sent (or
    still unsent) no earlier than the attempt began, less ``clock_skew``. Should
    Volt's schema turn out to expose ``passthrough``, a match on it wins.
    """

    __slots__ = ("earliest", "exclude_ids", "past_window", "unknown")

    def __init__(
        self, unknown: MessageOutcomeUnknownError, exclude_ids: Collection[str], clock_skew: float
    ) -> None:
        self.unknown = unknown
        self.exclude_ids = exclude_ids
        self.earliest = unknown.started_at - clock_skew
        self.past_window = False

    def match(self, page: ConversationPage) -> Message | None:
        unknown = self.unknown
        for message in page.messages or ():
            if message.id in self.exclude_ids:
                continue
            if unknown.passthrough and getattr(message, "passthrough", None) == unknown.passthrough:
                return message
            when = parse_timestamp(message.sent_at) or parse_timestamp(message.confirmed_at)
            if when is not None and when.timestamp() < self.earliest:
                self.past_window = True  # newest first: the rest is older still
                return None
            if (
                message.from_number == unknown.from_
                and message.to_number == unknown.to
                and message.body == unknown.body
                and tuple(message.media or ()) == unknown.media
            ):
                return message
        return None
