"""Client configuration: token, endpoint, timeout, phone rules, auth."""

from __future__ import annotations

import inspect
import math
import os
import re
import threading
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Final, TypeAlias, TypeGuard, cast

import httpx

from ._errors import ConfigurationError
from ._network import is_loopback_host
from ._text import describe_value, quote_value
from ._version import __version__

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "BearerAuth",
    "ClientConfig",
    "NotGiven",
    "TokenSource",
    "check_app_info",
    "check_default_headers",
    "check_delivery_options",
    "check_max_response_bytes",
    "check_timeout",
    "check_token_source",
    "is_finite_number",
    "merged_headers",
    "resolve_config",
]

DEFAULT_BASE_URL: Final = "https://api.respondflow.com/graphql"
"""Volt's GraphQL endpoint: the ``base_url`` of a client without one nor ``VOLT_API_URL``."""
DEFAULT_TIMEOUT: Final = httpx.Timeout(30.0, connect=10.0)
"""Each attempt's timeout: 30 s in all, 10 s to connect. Never unbounded (twilio-python #460)."""
USER_AGENT: Final = f"volt-sdk-python/{__version__}"
DEFAULT_MAX_RESPONSE_BYTES: Final = 4 * 1024 * 1024
"""The largest answer read, in bytes, once decompressed: more is a ResponseTooLargeError."""

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
"""The default of an option the caller did not give: not sent (``None`` is sent as ``null``)."""


#: A token, or a zero-argument callable returning the current one (rotation).
TokenSource: TypeAlias = str | Callable[[], str]

#: How many tokens a callable returned that a client still blanks out of error texts.
RECENT_TOKENS: Final = 8

#: What an HTTP header name, and each half of a User-Agent product, may hold (RFC 9110 tchar).
_TCHAR: Final = frozenset(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)

#: Headers the client sets itself and that ``default_headers`` may not replace:
#: the credential has its own option, the rest must match the body and the URL.
_OWN_HEADERS: Final = {
    "authorization": "the token goes in token= (a str, or a callable returning the current one)",
    "content-type": "the client sets it to match the JSON body it sends",
    "accept-encoding": "the client decompresses answers itself and asks only for what it can read",
    "content-length": "httpx sets it from the body",
    "transfer-encoding": "httpx frames the body itself",
    "host": "it comes from base_url",
}


def _clean_token(token: object, *, returned: bool) -> str:
    """``token`` stripped, or a ConfigurationError that never shows it.

    ``returned``: the token came from the ``token`` callable, at a call, not from
    the client's options.
    """
    where = "token: the token callable returned " if returned else "token: "
    if not isinstance(token, str):
        if inspect.isawaitable(token):
            if inspect.iscoroutine(token):
                token.close()  # never awaited: no "coroutine was never awaited" warning
            raise ConfigurationError(
                f"{where}an awaitable; the token callable must be a plain function that "
                "returns the current token at once (refresh it elsewhere, e.g. in a task)"
            )
        raise ConfigurationError(f"{where}a value of type {type(token).__name__}, expected a str")
    token = token.strip()
    if not token:
        raise ConfigurationError(f"{where}an empty token")
    if not all("!" <= c <= "~" for c in token):
        # It goes in an HTTP header: only visible ASCII can. The message never
        # shows the token, not even a part of it.
        text = "a token that " if returned else ""
        raise ConfigurationError(
            f"{where}{text}contains whitespace, a control character or a non-ASCII character; "
            "an API token is printable ASCII only (the token is not shown here)"
        )
    return token


def check_token_source(token: object) -> TokenSource:
    """``token`` as given to ``with_options``: a checked str, or a callable (not called here).

    Raises:
        ConfigurationError: neither a usable str nor a plain callable; the token
            is never shown.
    """
    if isinstance(token, str):
        return _clean_token(token, returned=False)
    if callable(token):
        if inspect.iscoroutinefunction(token):
            raise ConfigurationError(
                "token: an async function cannot give the token: it is asked for at every "
                "attempt, at once; pass a plain function returning a cached token"
            )
        return cast("Callable[[], str]", token)
    raise ConfigurationError(
        "token: expected a str or a zero-argument callable returning one, "
        f"got {type(token).__name__}"
    )


class BearerAuth(httpx.Auth):
    """``Authorization: Bearer <token>`` as an :class:`httpx.Auth`.

    Passed on every request, so it applies to an ``http_client`` the user built
    too. Its repr never shows the token.

    ``token`` is a str, or a zero-argument callable called at every attempt (on
    the calling thread or task) for the current token; what it returns is
    checked like a str token, and the last :data:`RECENT_TOKENS` tokens it
    returned are blanked out of error texts, so that a rotated token never shows.
    """

    __slots__ = ("_header", "_last", "_lock", "_recent", "_source")

    def __init__(self, token: TokenSource) -> None:
        if isinstance(token, str):
            self._source: Callable[[], str] | None = None
            self._header = f"Bearer {token}"
            self._recent: tuple[str, ...] = (token,) if token else ()
        else:
            self._source = token
            self._header = ""
            self._recent = ()
        # (token, header) of the last call of the callable: one tuple, so that
        # threads never see a torn pair.
        self._last: tuple[str, str] = ("", "")
        self._lock = threading.Lock()

    def same_token(self, token: TokenSource) -> bool:
        """Whether ``token`` is this auth's own (the same str, or the same callable)."""
        if self._source is None:
            return isinstance(token, str) and self._header == f"Bearer {token}"
        return token is self._source

    def header(self) -> str:
        """The ``Authorization`` value for a request about to leave.

        Raises:
            ConfigurationError: the token callable raised, or returned something
                that is not a usable token (the token is never shown).
        """
        source = self._source
        if source is None:
            return self._header
        try:
            returned = source()
        except Exception as exc:
            # The callable's own exception is the cause, unless its text quotes a token.
            raise ConfigurationError(
                f"token: the token callable raised {type(exc).__name__}; nothing was sent"
            ) from self.safe_cause(exc)
        token = _clean_token(returned, returned=True)
        last = self._last
        if last[0] == token:
            return last[1]
        header = f"Bearer {token}"
        with self._lock:
            self._last = (token, header)
            if not self._recent or self._recent[0] != token:
                others = (t for t in self._recent if t != token)
                self._recent = (token, *others)[:RECENT_TOKENS]
        return header

    def _tokens(self) -> tuple[str, ...]:
        # Longest first: a token that contains another is blanked whole.
        return tuple(sorted(self._recent, key=len, reverse=True))

    def redact(self, text: str) -> str:
        """``text`` with every token this auth sent recently blanked out."""
        for token in self._tokens():
            text = text.replace(token, "***")
        return text

    def safe_cause(self, exc: BaseException) -> BaseException | None:
        """``exc`` to chain to an error, or None when its text quotes a recent token."""
        tokens = self._recent
        if not tokens:
            return exc
        text = str(exc)
        return None if any(token in text for token in tokens) else exc

    def apply(self, request: httpx.Request) -> None:
        """Set the ``Authorization`` header of ``request``.

        Raises:
            ConfigurationError: as :meth:`header`; ``request`` is left as it was.
        """
        request.headers["Authorization"] = self.header()

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.apply(request)
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(token='***')"


@dataclass(frozen=True)
class ClientConfig:
    """The resolved settings of one client. The token is kept out of repr."""

    token: TokenSource = field(repr=False)
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


def merged_headers(base: Mapping[str, str], extra: Mapping[str, str] | None) -> dict[str, str]:
    """``base`` with ``extra`` laid over it, names compared without case (``extra`` wins)."""
    merged = dict(base)
    if extra:
        lowered = {name.lower(): name for name in merged}
        for name, value in extra.items():
            old = lowered.get(name.lower())
            if old is not None:
                del merged[old]
            merged[name] = value
    return merged


def check_default_headers(headers: object) -> dict[str, str]:
    """``default_headers`` as a dict, every name and value checked.

    Values are stripped of surrounding spaces. ``User-Agent`` may be replaced
    (``app_info`` is the way to add to it); the headers the client must set
    itself (``_OWN_HEADERS``) may not.

    Raises:
        ConfigurationError: not a mapping of str to str, a name that is not an
            HTTP token, a value with a control or non-ASCII character, or one of
            the client's own headers; it names ``default_headers[<name>]`` and
            never shows a value (it may be a secret).
    """
    if headers is None:
        return {}
    if not isinstance(headers, Mapping):
        raise ConfigurationError(
            "default_headers: expected a mapping of header names to str values, such as "
            f"{{'X-Tenant': 'acme'}}, got {type(headers).__name__}"
        )
    checked: dict[str, str] = {}
    for name, value in cast("Mapping[object, object]", headers).items():
        if not isinstance(name, str) or not name or not all(c in _TCHAR for c in name):
            raise ConfigurationError(
                f"default_headers[{quote_value(name)}]: not a header name; expected a non-empty "
                "str of letters, digits and !#$%&'*+-.^_`|~ (no spaces, no ':')"
            )
        where = f"default_headers[{name!r}]"
        why = _OWN_HEADERS.get(name.lower())
        if why is not None:
            raise ConfigurationError(f"{where}: the client sets this header itself ({why})")
        if not isinstance(value, str):
            raise ConfigurationError(f"{where}: expected a str value, got {type(value).__name__}")
        if not all(" " <= c <= "~" for c in value):
            raise ConfigurationError(
                f"{where}: the value holds a line break, a control character or a non-ASCII "
                "character; a header value is printable ASCII only (the value is not shown here)"
            )
        checked[name] = value.strip(" ")
    return checked


def check_app_info(app_info: object) -> str:
    """``app_info`` as the product it adds to the User-Agent: ``name/version``.

    Raises:
        ConfigurationError: not a ``(name, version)`` tuple of two non-empty str
            of HTTP token characters; it names ``app_info``.
    """
    example = "such as ('acme-crm', '2.1.0')"
    shown = describe_value(app_info)
    pair = cast("tuple[object, ...]", app_info) if isinstance(app_info, tuple) else None
    if pair is None or len(pair) != 2:
        raise ConfigurationError(
            f"app_info: expected a (name, version) tuple of two str, {example}, got {shown}"
        )
    parts: list[str] = []
    for part, value in zip(("name", "version"), pair, strict=True):
        if not isinstance(value, str) or not value or not all(c in _TCHAR for c in value):
            raise ConfigurationError(
                f"app_info: the {part} {describe_value(value)} cannot go in a User-Agent; "
                "expected a non-empty str of letters, digits and !#$%&'*+-.^_`|~ "
                f"(no spaces, no '/'), {example}"
            )
        parts.append(value)
    return "/".join(parts)


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
    token: TokenSource | None,
    base_url: str | None,
    timeout: float | httpx.Timeout | None | NotGiven,
    default_region: str | None,
    strict_numbers: bool,
    app_info: tuple[str, str] | None = None,
) -> ClientConfig:
    """Apply the environment fallbacks and check every option.

    A ``token`` callable is not called here: it is asked at each attempt.

    Raises:
        ConfigurationError: no token, or an option that cannot work (named).
    """
    if token is None:
        token = os.environ.get(TOKEN_ENV)
    resolved_token: TokenSource
    if callable(token) and not isinstance(token, str):
        resolved_token = check_token_source(token)
    else:
        if not token or not isinstance(token, str) or not token.strip():
            raise ConfigurationError(
                f"No API token: pass token=... or set the {TOKEN_ENV} environment variable "
                "(Volt: Settings > Developers, or ask api@textvolt.com)"
            )
        resolved_token = _clean_token(token, returned=False)
    user_agent = USER_AGENT if app_info is None else f"{USER_AGENT} {check_app_info(app_info)}"
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
        token=resolved_token,
        base_url=_check_url(base_url),
        timeout=resolved_timeout,
        default_region=region,
        strict_numbers=bool(strict_numbers),
        user_agent=user_agent,
    )
