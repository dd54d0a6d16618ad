"""The public client :class:`AsyncVolt`: its options, connections and lifecycle.

Both clients are written once, as async code: ``_async_client.py``, with the
message methods and the account's contacts, lists, waves and webhooks in the
async modules beside it. The blocking client is generated from them by
``codegen/unasync.py`` (``make generate``), docstrings included: every change
goes to the async source, in words that read right for both.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

import httpx

from volt_sdk import _concurrency
from volt_sdk._config import DEFAULT_MAX_RESPONSE_BYTES, NOT_GIVEN, NotGiven
from volt_sdk._wire import (
    DEFAULT_DEADLINE,
    DEFAULT_MAX_RETRIES,
    AsyncExecutor,
    new_async_http_client,
    widen_async_pool,
)

from ._async_account import AsyncAccountMethods
from ._async_messages import AsyncMessageMethods
from ._raw import async_raw
from ._stores import check_deliveries, check_suppression

if TYPE_CHECKING:
    from typing_extensions import Self

    from volt_sdk._stores import DeliveryLog, SuppressionList
    from volt_sdk._wire import AttemptHook
    from volt_sdk._wire._limits import ConcurrencyLimiter, RateLimiter
    from volt_sdk_graphql.async_client import AsyncVoltGraphQL

__all__ = ["AsyncVolt", "AsyncVoltWithRawResponse"]


class AsyncVolt(AsyncMessageMethods, AsyncAccountMethods):
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
        token: the organization's API token, or a function without arguments
            returning the current one (token rotation). The function is called
            at every attempt, on the calling thread or task, never at
            construction: it must be cheap (return a cached token that you
            refresh elsewhere). What it returns is checked like a str token;
            a bad token, or the function raising, is a
            :class:`ConfigurationError` and nothing is sent. Default:
            ``VOLT_API_TOKEN``.
        base_url: the GraphQL endpoint. Default: ``VOLT_API_URL``, else
            ``https://api.respondflow.com/graphql``. Plain ``http://`` is refused
            unless the host is loopback (a local sandbox).
        timeout: seconds, or an :class:`httpx.Timeout` with every phase bounded.
            Default: 30 s, 10 s to connect. ``None`` is refused.
        default_region: ISO region (``"US"``) used to read numbers written without
            a ``+`` country code. Default: numbers must carry ``+`` and a country code.
        strict_numbers: also require numbers to be *valid* (assigned ranges), not
            only of a possible length. Volt's documented example numbers fail this.
        max_retries: retries per call after the first attempt (default 2); a
            send is retried only when its request surely never reached Volt.
        deadline: seconds one call may take across all its attempts and waits
            (default 60).
        max_rate: at most this many messages per second, shared by every call of
            this client and of its ``with_options`` copies (a copy with another
            ``token`` has a limit of its own, at the same rate: Volt's limits are
            per organization). Or a :class:`~volt_sdk.limits.RateLimiter`
            (``volt_sdk.limits``): a limit shared with every client that holds it,
            a whole fleet through Redis, copies with another token included.
            Default: no limit.
        max_concurrency: at most this many requests in flight at once, shared
            likewise; the client's own connection pool is sized to match. Or a
            :class:`~volt_sdk.limits.ConcurrencyLimiter`: a cap shared with every
            client that holds it. Default: no limit (and a pool of 100
            connections).
        max_response_bytes: the largest answer read, in bytes after
            decompression (default 4 MiB); a larger one raises
            :class:`ResponseTooLargeError` without being read further.
        http_client: your own :class:`httpx.AsyncClient` (proxies, limits, event
            hooks; README, "Performance"). The token is still
            sent with every request. The client does not close a client you
            passed in. A server that trickles its answer is cut off at the
            deadline on the client's own transport only (README, "Delivery").
        default_headers: headers added to every request (``{"X-Tenant": "acme"}``).
            ``Authorization`` (use ``token``), ``Content-Type``,
            ``Accept-Encoding``, ``Content-Length``, ``Transfer-Encoding`` and
            ``Host`` are the client's own and refused. A ``User-Agent`` here
            replaces the client's whole one; ``app_info`` adds to it instead.
            Default: none.
        app_info: ``(name, version)`` of your application, added to the
            User-Agent: ``volt-sdk-python/<version> <name>/<version>``. Both are
            non-empty HTTP tokens (no spaces, no ``/``). Default: none.
        on_attempt: callables told of every attempt of every call, each with an
            :class:`Attempt` (the request, the response or error, the attempt's
            number, and what the client does next). A hook that raises is logged
            and ignored. Default: none.
        suppression: a :class:`~volt_sdk.stores.SuppressionList` (who texted
            STOP, as the webhook kit records it): :meth:`send_message` and
            :meth:`send_many` refuse a recipient who opted out, before any
            request (``docs/suppression.md``). Default: none, nothing is refused.
        deliveries: a :class:`~volt_sdk.stores.DeliveryLog` (the outbound
            messages the webhook kit was told of): :meth:`reconcile_message`, and
            ``send_many`` through it, settle an uncertain send from it before they
            scan the conversation (``docs/reconciliation.md``). Default: none.

    Raises:
        ConfigurationError: no token, or an option out of range.
    """

    _executor: AsyncExecutor

    def __init__(
        self,
        *,
        token: str | Callable[[], str] | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | NotGiven = NOT_GIVEN,
        default_region: str | None = None,
        strict_numbers: bool = False,
        max_retries: int = DEFAULT_MAX_RETRIES,
        deadline: float = DEFAULT_DEADLINE,
        max_rate: float | RateLimiter | None = None,
        max_concurrency: int | ConcurrencyLimiter | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        http_client: httpx.AsyncClient | None = None,
        default_headers: Mapping[str, str] | None = None,
        app_info: tuple[str, str] | None = None,
        on_attempt: Sequence[AttemptHook] = (),
        suppression: SuppressionList | None = None,
        deliveries: DeliveryLog | None = None,
    ) -> None:
        self._configure(
            token=token,
            base_url=base_url,
            timeout=timeout,
            default_region=default_region,
            strict_numbers=strict_numbers,
            max_retries=max_retries,
            deadline=deadline,
            max_rate=max_rate,
            max_concurrency=max_concurrency,
            max_response_bytes=max_response_bytes,
            http_client=http_client,
            client_type=httpx.AsyncClient,
            default_headers=default_headers,
            app_info=app_info,
            on_attempt=on_attempt,
        )
        self._suppression = check_suppression(suppression)
        self._deliveries = check_deliveries(deliveries)
        # A number: this client's own cap. A limiter: a cap shared beyond it (volt_sdk.limits).
        cap = max_concurrency if isinstance(max_concurrency, int) else None
        self._slots = None if isinstance(max_concurrency, int) else max_concurrency
        connections = cap if self._slots is None else self._slots.limit
        if http_client is None:
            self._http = new_async_http_client(self._config.timeout, connections)
        else:
            self._http = http_client
            if connections:
                widen_async_pool(http_client, connections, owned=False)
        self._gate = _concurrency.async_semaphore(cap) if cap else None
        self._gql = self._operations()

    def _operations(self) -> AsyncVoltGraphQL:
        # Imported here: a program that uses one client never loads the other's
        # generated operations (bench/imports.py).
        from volt_sdk_graphql.async_client import AsyncVoltGraphQL

        self._executor = AsyncExecutor(self._wire, self._http, self._gate, self._slots)
        return AsyncVoltGraphQL(self._executor)

    async def execute(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        operation_name: str | None = None,
    ) -> dict[str, Any]:
        """Run any GraphQL document, for what the SDK does not wrap::

            data = await volt.execute(
                "query Wave($id: ID!) { wave(id: $id) { id name } }",
                {"id": "wave_1"},
            )

        The call gets everything the SDK's own methods get: the token, the
        deadline, the rate limit and the concurrency cap, the size cap, and the
        retry rule: a query is retried after a passing failure; a mutation only
        when its request surely never reached Volt, never after an ambiguous
        failure. Each ``createMessage`` field of a mutation counts against
        ``max_rate``. Nothing is parsed into models: the ``data`` dict is returned
        as Volt sent it. A document that cannot be read as a query is treated as
        a mutation (the safe side).

        Args:
            query: the GraphQL document.
            variables: the values of its variables. Default: none.
            operation_name: which operation of the document to run; needed only
                when it holds more than one.

        Returns:
            The ``data`` object of the answer.

        Raises:
            ValidationError: the document holds no operation, or several and no
                ``operation_name``, or a subscription; ``variables`` is not a
                mapping of names to JSON values. Nothing is sent.
            GraphQLError: Volt answered with ``errors`` (even beside partial data,
                which the error's ``data`` holds). A document of yours that asks for
                what Volt's schema lacks raises this, not :class:`SchemaDriftError`.
            VoltError: the request failed (see the error tree). For a mutation,
                a :class:`TransportError` with ``request_sent`` true, a 5xx
                :class:`APIStatusError` or a :class:`MalformedResponseError`
                means it may have run: do not resend it blindly.
        """
        from ._documents import check_variables, document_operation

        op = document_operation(query, operation_name)
        return await self._executor.run(op, check_variables(variables))

    @functools.cached_property
    def with_raw_response(self) -> AsyncVoltWithRawResponse:
        """The same methods, each returning a :class:`RawResponse`: the result and its HTTP answer::

            raw = await volt.with_raw_response.send_message(
                to="+15555550145", from_="+15555550123", body="Hi"
            )
            print(raw.status_code, raw.request_id, raw.attempts, raw.elapsed)
            message = raw.parsed

        Every method that makes one request is there; those that page or poll
        (``iter_conversation``, ``reconcile_message``, ``wait_for_status``,
        ``send_many``) are not, having no single answer.
        """
        return AsyncVoltWithRawResponse(self)

    def with_options(
        self,
        *,
        max_retries: int | NotGiven = NOT_GIVEN,
        deadline: float | NotGiven = NOT_GIVEN,
        timeout: float | httpx.Timeout | NotGiven = NOT_GIVEN,
        token: str | Callable[[], str] | NotGiven = NOT_GIVEN,
        default_headers: Mapping[str, str] | NotGiven = NOT_GIVEN,
    ) -> Self:
        """This client with other settings, for some calls or for another tenant::

            await volt.with_options(max_retries=0, deadline=10).send_message(
                to="+15555550145", from_="+15555550123", body="Your code is 654312"
            )

        The copy shares the connections, the rate limit and the concurrency cap;
        closing it does nothing (close the original). With another ``token`` it
        acts for another organization over the same connections, with a rate
        limit of its own at the same ``max_rate`` (Volt's limits are per
        organization)::

            acme = volt.with_options(token=acme_token, default_headers={"X-Tenant": "acme"})

        Make one copy per tenant and keep it: copies made apart have rate limits
        apart, even with the same token.

        Args:
            max_retries: retries per call. Default: this client's.
            deadline: seconds per call, across attempts. Default: this client's.
            timeout: seconds, or an :class:`httpx.Timeout`. Default: this client's.
            token: another organization's token, or a function returning the
                current one (as the client's ``token``). Default: this client's.
            default_headers: headers laid over this client's (the same rules
                as the client's ``default_headers``). Default: this client's.

        Returns:
            A new client of the same class.

        Raises:
            ConfigurationError: an option out of range.
        """
        clone = self._copy_with_options(
            max_retries, deadline, timeout, token=token, default_headers=default_headers
        )
        clone._gql = clone._operations()
        # The parent's raw view calls the parent's methods: the copy makes its own.
        clone.__dict__.pop("with_raw_response", None)
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
        """Close the HTTP connections, unless the ``http_client`` was yours.

        Leaving ``async with AsyncVolt() as volt:`` calls it. Closing twice does
        nothing more; a copy made by :meth:`with_options` closes nothing.

        Raises:
            Exception: Nothing of its own; what the HTTP client raises while
                closing its connections passes through.
        """
        if self._owns_http_client:
            await self._http.aclose()


class AsyncVoltWithRawResponse:
    """:class:`AsyncVolt`'s one-request methods, each returning a :class:`RawResponse`.

    Reach it as ``volt.with_raw_response``; each method takes the same arguments
    and raises the same errors as the client's.
    """

    def __init__(self, client: AsyncVolt) -> None:
        self.send_message = async_raw(client.send_message)
        self.get_message = async_raw(client.get_message)
        self.get_conversation = async_raw(client.get_conversation)
        self.get_contact = async_raw(client.get_contact)
        self.upsert_contact = async_raw(client.upsert_contact)
        self.get_list = async_raw(client.get_list)
        self.upsert_list = async_raw(client.upsert_list)
        self.add_contacts_to_list = async_raw(client.add_contacts_to_list)
        self.get_wave = async_raw(client.get_wave)
        self.list_webhooks = async_raw(client.list_webhooks)
        self.register_webhook = async_raw(client.register_webhook)
        self.delete_webhook = async_raw(client.delete_webhook)
        self.execute = async_raw(client.execute)
