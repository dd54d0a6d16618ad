"""Client configuration: token, endpoint, timeout, phone rules, auth."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Final, TypeGuard

import httpx

from ._errors import ConfigurationError
from ._network import is_loopback_host
from ._version import __version__

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "BearerAuth",
    "ClientConfig",
    "NotGiven",
    "check_delivery_options",
    "check_max_response_bytes",
    "check_timeout",
    "is_finite_number",
    "resolve_config",
]

DEFAULT_BASE_URL: Final = "https://api.respondflow.com/graphql"
#: 30 s for the whole exchange, 10 s to connect. Never unbounded: a client with
#: no timeout hangs forever on a stuck connection (twilio-python issue 460).
DEFAULT_TIMEOUT: Final = httpx.Timeout(30.0, connect=10.0)
USER_AGENT: Final = f"volt-sdk-python/{__version__}"
#: The largest answer a client reads, in bytes, after decompression: a GraphQL
#: answer of Volt's is a few kilobytes; a server that sends more (or a gzip bomb)
#: gets a ResponseTooLargeError, and the client's memory stays bounded.
DEFAULT_MAX_RESPONSE_BYTES: Final = 4 * 1024 * 1024

TOKEN_ENV: Final = "VOLT_API_TOKEN"
URL_ENV: Final = "VOLT_API_URL"


class NotGiven:
    """Marks an option the caller did not give (distinct from ``None``)."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()


class BearerAuth(httpx.Auth):
    """``Authorization: Bearer <token>`` as an :class:`httpx.Auth`.

    Passed on every request, so it applies to an ``http_client`` the user built
    too. Its repr never shows the token.
    """

    __slots__ = ("_header", "_token")

    def __init__(self, token: str) -> None:
        self._token = token
        self._header = f"Bearer {token}"

    def redact(self, text: str) -> str:
        """``text`` with the token blanked out, wherever a library quoted it."""
        return text.replace(self._token, "***") if self._token else text

    def safe_cause(self, exc: BaseException) -> BaseException | None:
        """``exc`` to chain to an error, or None when its text quotes the token."""
        return None if self._token and self._token in str(exc) else exc

    def apply(self, request: httpx.Request) -> None:
        """Set the ``Authorization`` header of ``request``."""
        request.headers["Authorization"] = self._header

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.apply(request)
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(token='***')"


@dataclass(frozen=True)
class ClientConfig:
    """The resolved settings of one client. The token is kept out of repr."""

    token: str = field(repr=False)
    base_url: str
    timeout: httpx.Timeout
    default_region: str | None
    strict_numbers: bool
    user_agent: str


_USERINFO: Final = re.compile(r"(//)[^/?#]*@")


def redact_userinfo(text: str) -> str:
    """``text`` with any ``user:password@`` of a URL in it replaced by ``***@``."""
    return _USERINFO.sub(r"\1***@", text)


def _check_url(base_url: str) -> str:
    if not isinstance(base_url, str):
        raise ConfigurationError(
            f"base_url: expected a str URL such as {DEFAULT_BASE_URL!r}, "
            f"got {type(base_url).__name__}"
        )
    shown = redact_userinfo(base_url)[:200]
    try:
        url = httpx.URL(base_url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise ConfigurationError(
            f"base_url: {shown!r} is not a valid URL ({redact_userinfo(str(exc))}); "
            f"expected something like {DEFAULT_BASE_URL!r}"
        ) from None
    if url.scheme not in ("https", "http") or not url.host:
        raise ConfigurationError(
            f"base_url: {shown!r} must be an absolute http(s) URL, such as {DEFAULT_BASE_URL!r}"
        )
    if url.userinfo:
        # A password in the URL would show in every error and log line that names
        # the endpoint; Volt authenticates with the token alone.
        raise ConfigurationError(
            f"base_url: {shown!r} carries a user name or password; Volt takes none "
            "(the API token goes in token= or VOLT_API_TOKEN)"
        )
    if url.scheme == "http" and not is_loopback_host(url.host):
        # The token would cross the network in clear text.
        raise ConfigurationError(
            f"base_url: refusing to send the API token over plain http to {url.host!r}; "
            "use https (plain http is allowed only for loopback hosts such as a local sandbox)"
        )
    return str(url)


def check_timeout(timeout: float | httpx.Timeout | None) -> httpx.Timeout:
    if timeout is None:
        raise ConfigurationError(
            "timeout: None would let a request hang forever; give a number of seconds "
            "or an httpx.Timeout"
        )
    if isinstance(timeout, httpx.Timeout):
        if None in (timeout.connect, timeout.read, timeout.write, timeout.pool):
            raise ConfigurationError(
                "timeout: every phase of an httpx.Timeout must be bounded (no None)"
            )
        return timeout
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ConfigurationError(
            f"timeout: expected a positive number of seconds or an httpx.Timeout, got {timeout!r}"
        )
    return httpx.Timeout(float(timeout), connect=min(float(timeout), 10.0))


def is_finite_number(value: object) -> TypeGuard[float]:
    """An int or float that is finite and not a bool (``True`` is not a number of seconds)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_delivery_options(
    *,
    max_retries: object,
    deadline: object,
    max_rate: object,
    max_concurrency: object,
) -> None:
    """Refuse retry, deadline and rate settings that cannot work, naming the option."""

    def positive_number(value: object) -> bool:
        return is_finite_number(value) and value > 0

    if not isinstance(max_retries, int) or isinstance(max_retries, bool) or max_retries < 0:
        raise ConfigurationError(f"max_retries: expected a whole number >= 0, got {max_retries!r}")
    if not positive_number(deadline):
        raise ConfigurationError(
            f"deadline: expected a positive number of seconds, got {deadline!r}"
        )
    if max_rate is not None and not positive_number(max_rate):
        raise ConfigurationError(
            f"max_rate: expected a positive number of messages per second or None, got {max_rate!r}"
        )
    if max_concurrency is not None and (
        not isinstance(max_concurrency, int)
        or isinstance(max_concurrency, bool)
        or max_concurrency < 1
    ):
        raise ConfigurationError(
            f"max_concurrency: expected a whole number >= 1 or None, got {max_concurrency!r}"
        )


def check_max_response_bytes(value: object) -> int:
    """``max_response_bytes``, or a ConfigurationError naming it."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigurationError(
            f"max_response_bytes: expected a whole number of bytes >= 1, got {value!r}"
        )
    return value


def resolve_config(
    *,
    token: str | None,
    base_url: str | None,
    timeout: float | httpx.Timeout | None | NotGiven,
    default_region: str | None,
    strict_numbers: bool,
) -> ClientConfig:
    """Apply the environment fallbacks and check every option."""
    if token is None:
        token = os.environ.get(TOKEN_ENV)
    if not token or not isinstance(token, str) or not token.strip():
        raise ConfigurationError(
            f"No API token: pass token=... or set the {TOKEN_ENV} environment variable "
            "(Volt: Settings > Developers, or ask api@textvolt.com)"
        )
    token = token.strip()
    if not all("!" <= c <= "~" for c in token):
        # It goes in an HTTP header: only visible ASCII can. The message never
        # shows the token, not even a part of it.
        raise ConfigurationError(
            "token: contains whitespace, a control character or a non-ASCII character; "
            "an API token is printable ASCII only (the token is not shown here)"
        )
    if base_url is None:
        base_url = os.environ.get(URL_ENV) or DEFAULT_BASE_URL
    resolved_timeout = DEFAULT_TIMEOUT if isinstance(timeout, NotGiven) else check_timeout(timeout)
    region: str | None = None
    if default_region is not None:
        # Imported here: phonenumbers' region table is only needed when set.
        from phonenumbers import SUPPORTED_REGIONS

        region = default_region.upper()
        if region not in SUPPORTED_REGIONS:
            raise ConfigurationError(
                f"default_region: {default_region!r} is not a known ISO 3166-1 region code "
                "(expected e.g. 'US', 'CA', 'GB')"
            )
    return ClientConfig(
        token=token,
        base_url=_check_url(base_url),
        timeout=resolved_timeout,
        default_region=region,
        strict_numbers=bool(strict_numbers),
        user_agent=USER_AGENT,
    )
