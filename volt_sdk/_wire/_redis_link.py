"""The connections and the failure policy of the Redis limiters (``_redis_limits``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, Literal

from volt_sdk import _concurrency
from volt_sdk._errors import ConfigurationError, LimiterUnavailableError
from volt_sdk._logs import package_logger

if TYPE_CHECKING:
    import asyncio

__all__ = ["OnUnavailable", "RedisLink", "check_common", "logger", "unavailable_policy"]

logger: Final = package_logger("volt_sdk.limits")

OnUnavailable = Literal["fail", "local"]


def _import_redis() -> tuple[Any, Any]:
    """redis-py and its asyncio half, or the ConfigurationError that names the extra."""
    try:
        import redis
        from redis import asyncio as redis_asyncio
    except ImportError:
        raise ConfigurationError(
            "a Redis limiter needs redis-py: pip install 'volt-sdk[redis]'"
        ) from None
    return redis, redis_asyncio


class RedisLink:
    """The connections of one limiter: a blocking one and one per event loop, built on first use."""

    __slots__ = (
        "_async",
        "_loop",
        "_modules",
        "_scripts",
        "_sync",
        "_timeout",
        "_url",
        "errors",
        "where",
    )

    def __init__(self, url: str | None, client: object, timeout: float) -> None:
        redis, redis_asyncio = _import_redis()
        self._modules = (redis, redis_asyncio)
        self.errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
        if (url is None) == (client is None):
            raise ConfigurationError("a Redis limiter takes a url or a client (one of them)")
        self._url = url
        self._timeout = timeout
        self._sync: Any = None
        self._async: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._scripts: dict[tuple[int, str], Any] = {}
        if client is not None:
            if isinstance(client, redis_asyncio.Redis):
                self._async = client
            elif isinstance(client, redis.Redis):
                self._sync = client
            else:
                raise ConfigurationError(
                    f"client: expected a redis.Redis or redis.asyncio.Redis, "
                    f"got {type(client).__name__}"
                )
        if url is not None and not isinstance(url, str):
            raise ConfigurationError(f"url: expected a redis:// URL, got {type(url).__name__}")
        self.where = _where(url, client)

    def script(self, client: Any, text: str) -> Any:
        """redis-py's Script for ``text`` on ``client``: EVALSHA, and EVAL once on NOSCRIPT."""
        key = (id(client), text)
        script = self._scripts.get(key)
        if script is None or script.registered_client is not client:
            script = self._scripts[key] = client.register_script(text)
        return script

    def close(self) -> None:
        """Close the blocking connections this link opened (never a client it was given)."""
        if self._sync is not None and self._url is not None:
            self._sync.close()
            self._sync = None

    async def aclose(self) -> None:
        """Close the async connections this link opened (never a client it was given)."""
        if self._async is not None and self._url is not None:
            client, self._async, self._loop = self._async, None, None
            await client.aclose()

    def blocking(self) -> Any:
        if self._sync is None:
            if self._url is None:
                raise ConfigurationError(
                    "this limiter was given a redis.asyncio client: the blocking Volt "
                    "needs a redis.Redis (or a url)"
                )
            self._sync = self._modules[0].Redis.from_url(
                self._url, socket_timeout=self._timeout, socket_connect_timeout=self._timeout
            )
        return self._sync

    def for_loop(self) -> Any:
        import asyncio

        loop = asyncio.get_running_loop()
        if self._async is not None and (self._url is None or self._loop is loop):
            return self._async
        if self._url is None:
            raise ConfigurationError(
                "this limiter was given a redis.Redis client: AsyncVolt needs a "
                "redis.asyncio.Redis (or a url)"
            )
        # A connection belongs to the event loop it was opened in.
        self._async = self._modules[1].Redis.from_url(
            self._url, socket_timeout=self._timeout, socket_connect_timeout=self._timeout
        )
        self._loop = loop
        return self._async


def _where(url: str | None, client: object) -> str:
    if url is None:
        return type(client).__name__
    # Never a password in a log line or an error.
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or 6379}{parts.path}"


def check_common(name: object, on_unavailable: object, timeout: object) -> None:
    if not isinstance(name, str) or not name:
        raise ConfigurationError(f"name: expected a non-empty string, got {name!r}")
    if on_unavailable not in ("fail", "local"):
        raise ConfigurationError(
            f"on_unavailable: expected 'fail' or 'local', got {on_unavailable!r}"
        )
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ConfigurationError(f"timeout: expected a positive number of seconds, got {timeout!r}")


# After Redis failed to answer, a "local" limiter asks it again only this much later: an
# outage must not cost every call the connection timeout.
RETRY_AFTER: Final = 5.0


class Fallback:
    """What a limiter does when Redis does not answer: fail closed, or go local.

    Going local is warned once per outage and lasts at least :data:`RETRY_AFTER`
    seconds, during which Redis is not asked at all; the first answer after it ends
    the outage (an INFO line says so).
    """

    __slots__ = ("_mode", "_retry_at", "_warned", "label")

    def __init__(self, mode: OnUnavailable, label: str) -> None:
        self._mode = mode
        self._warned = False
        self._retry_at: float | None = None
        self.label = label

    def use_redis(self) -> bool:
        """Whether to ask Redis now: always, but for the pause after it failed (``"local"``)."""
        return self._retry_at is None or _concurrency.monotonic() >= self._retry_at

    def answered(self) -> None:
        """Redis answered: an outage, if there was one, is over."""
        if self._retry_at is not None:
            self._retry_at = None
            self._warned = False
            logger.info("%s: Redis answers again; the shared limit is back", self.label)

    def unavailable(self, error: BaseException, where: str, local_limit: str) -> None:
        """Raise the typed error (``"fail"``), or warn once per outage and return (``"local"``)."""
        text = f"{type(error).__name__}: {error}"
        if self._mode == "fail":
            raise LimiterUnavailableError(
                f"{self.label}: Redis at {where} did not answer ({text}); nothing was sent",
                limiter=self.label,
            ) from error
        self._retry_at = _concurrency.monotonic() + RETRY_AFTER
        if not self._warned:
            self._warned = True
            logger.warning(
                "%s: Redis at %s did not answer (%s); falling back to a per-process limit "
                "of %s until it does, asking it again every %gs (the fleet may send up to "
                "that times its processes)",
                self.label,
                where,
                text,
                local_limit,
                RETRY_AFTER,
            )


def unavailable_policy(mode: OnUnavailable, label: str) -> Fallback:
    """What a limiter labelled ``label`` does when Redis does not answer."""
    return Fallback(mode, label)
