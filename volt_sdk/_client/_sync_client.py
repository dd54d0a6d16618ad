# Generated from _async_client.py by codegen/unasync.py (make generate). Do not edit:
# change _async_client.py and run `make generate`.
"""The public client :class:`Volt`: its options, connections and lifecycle.

Both clients are written once, as async code: ``_async_client.py``, with the
message methods and the account's contacts, lists, waves and webhooks in the
async modules beside it. The blocking client is generated from them by
``codegen/unasync.py`` (``make generate``), docstrings included: every change
goes to the async source, in words that read right for both.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

import httpx

from volt_sdk import _concurrency
from volt_sdk._config import DEFAULT_MAX_RESPONSE_BYTES, NOT_GIVEN, NotGiven
from volt_sdk._wire import (
    DEFAULT_DEADLINE,
    DEFAULT_MAX_RETRIES,
    SyncExecutor,
    new_http_client,
    widen_pool,
)

from ._sync_account import AccountMethods
from ._sync_messages import MessageMethods

if TYPE_CHECKING:
    from typing_extensions import Self

    from volt_sdk_graphql.client import VoltGraphQL

__all__ = ["Volt"]


class Volt(MessageMethods, AccountMethods):
    """Blocking client for the Volt GraphQL API.

    Every option is keyword-only::

        from volt_sdk import Volt

        with Volt() as volt:            # token from VOLT_API_TOKEN
            msg = volt.send_message(
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
        max_retries: retries per call after the first attempt (default 2); a
            send is retried only when its request surely never reached Volt.
        deadline: seconds one call may take across all its attempts and waits
            (default 60).
        max_rate: at most this many messages per second, shared by every call of
            this client and of its ``with_options`` copies. Default: no limit.
        max_concurrency: at most this many requests in flight at once, shared
            likewise; the client's own connection pool is sized to match.
            Default: no limit (and a pool of 100 connections).
        max_response_bytes: the largest answer read, in bytes after
            decompression (default 4 MiB); a larger one raises
            :class:`ResponseTooLargeError` without being read further.
        http_client: your own :class:`httpx.Client` (proxies, limits, event
            hooks; README, "Performance"). The token is still
            sent with every request. The client does not close a client you
            passed in. A server that trickles its answer is cut off at the
            deadline on the client's own transport only (README, "Delivery").

    Raises:
        ConfigurationError: no token, or an option out of range.
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
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        http_client: httpx.Client | None = None,
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
            client_type=httpx.Client,
        )
        if http_client is None:
            self._http = new_http_client(self._config.timeout, max_concurrency)
        else:
            self._http = http_client
            if max_concurrency:
                widen_pool(http_client, max_concurrency, owned=False)
        self._gate = _concurrency.semaphore(max_concurrency) if max_concurrency else None
        self._gql = self._operations()

    def _operations(self) -> VoltGraphQL:
        # Imported here: a program that uses one client never loads the other's
        # generated operations (bench/imports.py).
        from volt_sdk_graphql.client import VoltGraphQL

        return VoltGraphQL(SyncExecutor(self._wire, self._http, self._gate))

    def with_options(
        self,
        *,
        max_retries: int | NotGiven = NOT_GIVEN,
        deadline: float | NotGiven = NOT_GIVEN,
        timeout: float | httpx.Timeout | NotGiven = NOT_GIVEN,
    ) -> Self:
        """This client with other retry, deadline or timeout settings, for some calls::

            volt.with_options(max_retries=0, deadline=10).send_message(...)

        The copy shares the connections, the rate limit and the concurrency cap;
        closing it does nothing (close the original).

        Args:
            max_retries: retries per call. Default: this client's.
            deadline: seconds per call, across attempts. Default: this client's.
            timeout: seconds, or an :class:`httpx.Timeout`. Default: this client's.

        Returns:
            A new client of the same class.

        Raises:
            ConfigurationError: an option out of range.
        """
        clone = self._copy_with_options(max_retries, deadline, timeout)
        clone._gql = clone._operations()
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
        """Close the HTTP connections, unless the ``http_client`` was yours.

        Leaving ``with Volt() as volt:`` calls it. Closing twice does
        nothing more; a copy made by :meth:`with_options` closes nothing.

        Raises:
            Nothing of its own; what the HTTP client raises while closing
            its connections passes through.
        """
        if self._owns_http_client:
            self._http.close()
