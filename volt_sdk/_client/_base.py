"""The part of the clients that is not I/O: configuration, options, the wire.

``AsyncVolt`` (``_async_client``) and ``Volt`` (generated from it) both derive
from :class:`BaseVolt`.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, cast

import httpx

from volt_sdk._config import (
    NOT_GIVEN,
    BearerAuth,
    ClientConfig,
    NotGiven,
    check_default_headers,
    check_delivery_options,
    check_max_response_bytes,
    check_timeout,
    check_token_source,
    resolve_config,
)
from volt_sdk._errors import ValidationError
from volt_sdk._logs import setup_from_env
from volt_sdk._wire import RetryPolicy, TokenBucket, Wire
from volt_sdk._wire._limits import shared_limiter

from ._arguments import ArgumentRules

if TYPE_CHECKING:
    from typing_extensions import Self

    from volt_sdk._wire import AttemptHook
    from volt_sdk._wire._limits import ConcurrencyLimiter, RateLimiter

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
        token: str | Callable[[], str] | None,
        base_url: str | None,
        timeout: float | httpx.Timeout | None | NotGiven,
        default_region: str | None,
        strict_numbers: bool,
        max_retries: int,
        deadline: float,
        max_rate: float | RateLimiter | None,
        max_concurrency: int | ConcurrencyLimiter | None,
        max_response_bytes: int,
        http_client: object,
        client_type: type[httpx.Client | httpx.AsyncClient],
        default_headers: Mapping[str, str] | None,
        app_info: tuple[str, str] | None,
        on_attempt: Sequence[AttemptHook],
    ) -> None:
        setup_from_env()  # VOLT_LOG, once per process; one global read afterwards
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
            app_info=app_info,
        )
        headers = check_default_headers(default_headers)
        limiter: RateLimiter | None = shared_limiter(max_rate, "max_rate")
        slots: ConcurrencyLimiter | None = shared_limiter(max_concurrency, "max_concurrency")
        check_delivery_options(
            max_retries=max_retries,
            deadline=deadline,
            max_rate=None if limiter is not None else max_rate,
            max_concurrency=None if slots is not None else max_concurrency,
        )
        self._rules = ArgumentRules(self._config)
        self._owns_http_client = not user_client_given
        # With the user's own http_client, its timeout applies unless one was given here.
        per_request = (
            None if user_client_given and isinstance(timeout, NotGiven) else (self._config.timeout)
        )
        policy = RetryPolicy(max_retries=max_retries, deadline=float(deadline))
        bucket = (
            TokenBucket(cast("float", max_rate))
            if max_rate is not None and limiter is None
            else None
        )
        self._wire = Wire(
            self._config,
            per_request,
            policy,
            bucket,
            check_max_response_bytes(max_response_bytes),
            default_headers=headers,
            hooks=check_hooks(on_attempt),
            limiter=limiter,
        )

    def _copy_with_options(
        self,
        max_retries: int | NotGiven,
        deadline: float | NotGiven,
        timeout: float | httpx.Timeout | NotGiven,
        *,
        token: str | Callable[[], str] | NotGiven = NOT_GIVEN,
        default_headers: Mapping[str, str] | NotGiven = NOT_GIVEN,
    ) -> Self:
        """A shallow copy with another wire; it shares the connections and never closes them.

        With another ``token`` the copy speaks for another organization: it gets
        a rate-limit bucket of its own, at the same rate (Volt's limits are per
        organization). ``default_headers`` are laid over this client's. Every
        argument is checked before anything is copied.

        Raises:
            ConfigurationError: an option that cannot work, named.
        """
        wire = self._wire
        policy = wire.policy
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
        new_timeout = wire.timeout if isinstance(timeout, NotGiven) else check_timeout(timeout)
        headers = (
            None
            if isinstance(default_headers, NotGiven)
            else check_default_headers(default_headers)
        )
        auth: BearerAuth | None = None
        bucket: TokenBucket | None | NotGiven = NOT_GIVEN
        config = self._config
        if not isinstance(token, NotGiven):
            source = check_token_source(token)
            if not wire.auth.same_token(source):
                auth = BearerAuth(source)
                config = dataclasses.replace(config, token=source)
                parent = wire.bucket
                bucket = None if parent is None else TokenBucket(parent.rate, parent.burst)
        clone = copy.copy(self)
        clone._owns_http_client = False
        clone._config = config
        clone._wire = wire.with_options(
            new_timeout, new_policy, auth=auth, default_headers=headers, bucket=bucket
        )
        return clone

    @property
    def base_url(self) -> str:
        """The GraphQL endpoint this client posts to."""
        return self._config.base_url

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._config.base_url!r})"


def check_hooks(hooks: object) -> tuple[AttemptHook, ...]:
    """``on_attempt`` as a tuple of callables, or a ConfigurationError naming it."""
    from volt_sdk._errors import ConfigurationError

    if callable(hooks):
        return (hooks,)
    if isinstance(hooks, (str, bytes)) or not isinstance(hooks, (list, tuple)):
        raise ConfigurationError(
            f"on_attempt: expected a list of callables (each taking an Attempt), "
            f"got {type(hooks).__name__}"
        )
    listed = cast("list[object] | tuple[object, ...]", hooks)
    for index, hook in enumerate(listed):
        if not callable(hook):
            raise ConfigurationError(
                f"on_attempt[{index}]: expected a callable taking an Attempt, "
                f"got {type(hook).__name__}"
            )
    return cast("tuple[AttemptHook, ...]", tuple(listed))
