"""Message body rules: SMS segment counting and the checks run before every send.

Volt documents no length limit, no segment limit and no media count limit
(docs/volt-api.md, Messaging rules), so none is enforced here.
:func:`message_segments` only *reports* how a body will be split into SMS
segments, following GSM 03.38 / 3GPP TS 23.038:

* A body made only of GSM 03.38 default-alphabet characters is sent as GSM-7.
  Characters of the extension table (``^{}\\[~]|€`` and form feed) are sent as
  ESC plus a character, so they cost two septets.
* Anything else turns the whole body into UCS-2, counted in UTF-16 code units:
  a character outside the Basic Multilingual Plane (most emoji) costs two.
* One segment holds 160 septets or 70 code units. A longer body is split into
  parts of 153 septets or 67 code units (the rest of each part is the
  concatenation header), and a two-unit character is never split across parts.

:func:`validate_message` raises :class:`~volt_sdk._errors.InvalidMessageError`
with one of these ``reason`` codes: ``not_a_string`` (body or a media item is
not a ``str``), ``not_utf8`` (the body holds a lone surrogate, which no request
can carry), ``empty_body`` (no text and no media), ``not_a_list`` (media is
not a list or tuple), ``not_a_url`` (a media item is not an absolute URL with a
host, or contains whitespace or unprintable characters) and ``bad_scheme`` (a media
URL whose scheme is not ``http`` or ``https``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from ._errors import InvalidMessageError, ValidationError
from ._text import describe_value, quote_value

__all__ = ["SegmentInfo", "check_http_url", "check_utf8", "message_segments", "validate_message"]

# The GSM 03.38 default alphabet in code order, without 0x1B (ESC), which
# introduces an extension character and is not a character a body can contain.
_GSM7_BASIC: Final[frozenset[str]] = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)

# The GSM 03.38 extension table: each is sent as ESC + character, two septets.
_GSM7_EXTENSION: Final[frozenset[str]] = frozenset("\f^{}\\[~]|€")

_GSM7: Final[frozenset[str]] = _GSM7_BASIC | _GSM7_EXTENSION

_GSM7_SINGLE: Final = 160
_GSM7_MULTIPART: Final = 153
_UCS2_SINGLE: Final = 70
_UCS2_MULTIPART: Final = 67

# What a media URL must look like: http or https (any case, RFC 3986 section
# 3.1), "//", optional userinfo, then a non-empty host (a name, an IPv4
# address or a bracketed IPv6 literal) ending at a port, path, query, fragment
# or the end. Checked together with "printable and no space", which rules out
# whitespace and control characters. One C-level match costs about a tenth of
# urllib.parse.urlsplit (0.6 µs vs 4.5 µs measured), and this runs on every send.
_MEDIA_URL: Final = re.compile(
    r"(?i:https?)://(?:[^/?#]*@)?(?:\[[^\]/?#@]+\]|[^:/?#\[\]@]+)(?=[:/?#]|\Z)"
)
# RFC 3986 scheme syntax, to tell "ftp://..." (wrong scheme) from "example.com/a.png".
_SCHEME: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")

_QUOTE_CHARS: Final = 60


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    """How a message body is split into SMS segments.

    ``characters`` is the number of code points in the body. ``units`` is its
    size in the chosen encoding: GSM-7 septets (an extension character counts
    two) or UTF-16 code units for UCS-2. ``units_per_segment`` is 160 / 70 when
    the body fits in one segment and 153 / 67 when it is split, and
    ``remaining`` is how many units are still free in the last segment (for an
    empty body, in the first segment it would use).
    """

    encoding: Literal["GSM-7", "UCS-2"]
    """The encoding the body needs: GSM-7 when every character is in it, else UCS-2."""
    characters: int
    """The number of code points in the body."""
    units: int
    """The body's size in ``encoding``: GSM-7 septets or UTF-16 code units."""
    segments: int
    """How many SMS segments the body is sent as (0 for an empty body)."""
    units_per_segment: int
    """Units one segment holds: 160 / 70 for one segment, 153 / 67 when split."""
    remaining: int
    """Units still free in the last segment (in the first, for an empty body)."""


def message_segments(body: str) -> SegmentInfo:
    """Return how ``body`` is encoded and into how many SMS segments it splits.

    An empty body has 0 segments. The result is advisory (for showing a count
    or estimating cost): Volt documents neither a length limit nor how it
    splits, and the split is done downstream of the SDK.
    """
    characters = len(body)
    if _GSM7.issuperset(body):
        encoding: Literal["GSM-7", "UCS-2"] = "GSM-7"
        double = (
            0
            if _GSM7_EXTENSION.isdisjoint(body)
            else sum(body.count(char) for char in _GSM7_EXTENSION)
        )
        units = characters + double
        single, multipart = _GSM7_SINGLE, _GSM7_MULTIPART
    else:
        encoding = "UCS-2"
        # "surrogatepass" so that a lone surrogate counts one unit instead of raising.
        units = len(body.encode("utf-16-le", "surrogatepass")) // 2
        double = units - characters
        single, multipart = _UCS2_SINGLE, _UCS2_MULTIPART

    if units <= single:
        segments = 1 if units else 0
        return SegmentInfo(encoding, characters, units, segments, single, single - units)

    if not double:
        # Every character is one unit, so no character can straddle a boundary.
        segments = -(-units // multipart)
        used = units - (segments - 1) * multipart
    elif encoding == "GSM-7":
        segments, used = _pack((2 if c in _GSM7_EXTENSION else 1 for c in body), multipart)
    else:
        segments, used = _pack((2 if c > "\uffff" else 1 for c in body), multipart)
    return SegmentInfo(encoding, characters, units, segments, multipart, multipart - used)


def _pack(sizes: Iterable[int], per_segment: int) -> tuple[int, int]:
    """Fill segments greedily; a two-unit character that does not fit starts the next one.

    Returns the number of segments and the units used in the last one.
    """
    segments, used = 1, 0
    for size in sizes:
        if used + size > per_segment:
            segments += 1
            used = size
        else:
            used += size
    return segments, used


def validate_message(*, body: str, media: Sequence[str] | None) -> tuple[str, list[str] | None]:
    """Check a message's body and media before sending; return them ready to send.

    ``body`` must be a ``str``. It may be empty or whitespace only when
    ``media`` has at least one item (an MMS without text). ``media`` is ``None``
    or a list or tuple of absolute ``http://`` / ``https://`` URLs.

    Returns ``body`` unchanged and ``media`` as a new list, or ``None`` when it
    was ``None``. An empty list stays empty rather than becoming ``None``:
    GraphQL tells an absent argument from an empty one.

    Raises:
        InvalidMessageError: ``argument`` is ``"body"``, ``"media"`` or
            ``"media[i]"``; ``reason`` is one of the codes in the module docstring.
    """
    if not isinstance(body, str):
        raise InvalidMessageError(
            f"body: expected a str, got {describe_value(body, _QUOTE_CHARS)}",
            argument="body",
            value=body,
            reason="not_a_string",
        )

    check_utf8(body, "body")
    urls: list[str] | None = None
    if media is not None:
        # A str is a Sequence[str] too; taking one URL as a list of characters
        # would fail later with a confusing per-character error.
        if not isinstance(media, (list, tuple)):
            got = (
                f"a str; to send one URL, pass [{quote_value(media, _QUOTE_CHARS)}]"
                if isinstance(media, str)
                else describe_value(media, _QUOTE_CHARS)
            )
            raise InvalidMessageError(
                f"media: expected a list of URLs, got {got}",
                argument="media",
                value=media,
                reason="not_a_list",
            )
        urls = list(media)
        for index, url in enumerate(urls):
            check_http_url(url, f"media[{index}]")

    if (not body or body.isspace()) and not urls:
        raise InvalidMessageError(
            "body is empty; give a body, or media for an MMS",
            argument="body",
            value=body,
            reason="empty_body",
        )
    return body, urls


def check_utf8(
    text: str, argument: str, error_type: type[ValidationError] = InvalidMessageError
) -> None:
    """Raise ``error_type`` naming ``argument`` unless ``text`` can be encoded as UTF-8.

    A ``str`` can hold lone surrogates (``"caf\\udce9"``, what Python makes of a
    non-UTF-8 byte in a command line or a file read with ``surrogateescape``);
    no JSON request can carry them.
    """
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise error_type(
            f"{argument}: holds {text[exc.start]!r} at position {exc.start}, which cannot be "
            "encoded as UTF-8 (a lone surrogate: text decoded from bytes that were not "
            "UTF-8); decode the input as UTF-8, or with the right encoding",
            argument=argument,
            value=text,
            reason="not_utf8",
        ) from None


def check_http_url(
    url: object, argument: str, error_type: type[ValidationError] = InvalidMessageError
) -> None:
    """Raise ``error_type`` naming ``argument`` unless ``url`` is an absolute http(s) URL."""
    if isinstance(url, str) and url.isprintable() and " " not in url and _MEDIA_URL.match(url):
        return
    raise _url_error(url, argument, error_type)


def _url_error(url: object, argument: str, error_type: type[ValidationError]) -> ValidationError:
    """Explain why ``url`` was refused. Off the hot path, so clarity over speed."""
    expected = "expected an absolute http:// or https:// URL"

    def error(problem: str, reason: str) -> ValidationError:
        return error_type(
            f"{argument}: {problem}; {expected}", argument=argument, value=url, reason=reason
        )

    if not isinstance(url, str):
        return error(f"got {describe_value(url, _QUOTE_CHARS)}", "not_a_string")
    quoted = quote_value(url, _QUOTE_CHARS)
    if not url.isprintable() or " " in url:
        return error(f"{quoted} contains whitespace or an unprintable character", "not_a_url")
    scheme = _SCHEME.match(url)
    # "localhost:8080/a.png" reads as scheme "localhost"; a digit after the
    # colon means a forgotten "http://", not a wrong scheme.
    if scheme is not None and not url[scheme.end() : scheme.end() + 1].isdigit():
        name = scheme.group()[:-1]
        if name.lower() not in ("http", "https"):
            return error(f"{quoted} uses the scheme {name!r}", "bad_scheme")
        if url[scheme.end() : scheme.end() + 2] == "//":
            if not _has_host(url[scheme.end() + 2 :]):
                return error(f"{quoted} has no host", "not_a_url")
            return error(f"{quoted} has a malformed host", "not_a_url")
    return error(f"{quoted} is not an absolute URL", "not_a_url")


def _has_host(rest: str) -> bool:
    """Whether a URL whose ``scheme://`` has been removed names a host."""
    end = len(rest)
    for delimiter in "/?#":
        found = rest.find(delimiter, 0, end)
        if found != -1:
            end = found
    host = rest[:end].rpartition("@")[2]
    if host.startswith("["):
        # An IPv6 literal: its colons are not a port separator.
        return host.find("]") > 1
    return host.partition(":")[0] != ""
