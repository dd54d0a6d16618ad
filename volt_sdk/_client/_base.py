"""The part of the clients that is not I/O: configuration, options, the wire.

``AsyncVolt`` (``_async_client``) and ``Volt`` (generated from it) both derive
from :class:`BaseVolt`.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

import httpx

from volt_sdk._config import (
    ClientConfig,
    NotGiven,
    check_delivery_options,
    check_max_response_bytes,
    check_timeout,
    resolve_config,
)
from volt_sdk._errors import ValidationError
from volt_sdk._wire import RetryPolicy, TokenBucket, Wire

from ._arguments import ArgumentRules

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["BaseVolt"]


class BaseVolt:
    """What both clients share: configuration, argument rules, the wire, ``with_options``."""

    _config: ClientConfig
    _rules: ArgumentRules
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
        max_response_bytes: int,
        http_client: object,
        client_type: type[httpx.Client | httpx.AsyncClient],
    ) -> None:
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
        self._rules = ArgumentRules(self._config)
        self._owns_http_client = not user_client_given
        # With the user's own http_client, its timeout applies unless one was given here.
        per_request = (
            None if user_client_given and isinstance(timeout, NotGiven) else (self._config.timeout)
        )
        policy = RetryPolicy(max_retries=max_retries, deadline=float(deadline))
        bucket = TokenBucket(max_rate) if max_rate is not None else None
        self._wire = Wire(
            self._config, per_request, policy, bucket, check_max_response_bytes(max_response_bytes)
        )

    def _copy_with_options(
        self,
        max_retries: int | NotGiven,
        deadline: float | NotGiven,
        timeout: float | httpx.Timeout | NotGiven,
    ) -> Self:
        """A shallow copy with another wire; it shares the connections and never closes them."""
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
        clone = copy.copy(self)
        clone._owns_http_client = False
        clone._wire = self._wire.with_options(new_timeout, new_policy)
        return clone

    @property
    def base_url(self) -> str:
        """The GraphQL endpoint this client posts to."""
        return self._config.base_url

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._config.base_url!r})"
