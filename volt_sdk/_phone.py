"""Phone number normalization to E.164, the only form Volt accepts.

:func:`normalize_phone` turns what a user typed into ``+15555550123`` or raises
:class:`~volt_sdk._errors.InvalidPhoneNumberError`. The error's ``reason`` is one of:

``not_a_number``
    Not a ``str``, or text that does not look like a phone number at all.
``missing_country_code``
    No ``+`` and country code, and no ``region`` to read a national number with.
``invalid_country_code``
    The ``+`` is followed by a country code that does not exist.
``too_short`` / ``too_long`` / ``invalid_length``
    The wrong number of digits for the country. A number that is only dialable
    locally (a US number without its area code) is ``too_short``.
``has_extension``
    The number carries an extension (``ext. 4``, ``x4``, ``;ext=4``): a text
    message cannot be delivered to an extension, and dropping it silently would
    send to a different party than the one the caller named.
``not_valid``
    ``strict=True`` only: the right length, but in no number range assigned in
    that country.

Fast path: a North American number already in E.164 (``+1`` then ten digits whose
first is 2-9, the shape of every NANP area code) is returned as given without a
parse. For that shape phonenumbers' answer is fixed (possible, and E.164 equal to
the input), which ``tests/test_phone.py`` checks against the full path; it saves
the 12-30 us a parse costs on every send to a new recipient.

An unknown ``region`` is a different mistake (the caller's configuration, not the
number) and raises plain :class:`~volt_sdk._errors.ValidationError` with
``argument="region"`` and ``reason="unknown_region"``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Final

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

from ._errors import InvalidPhoneNumberError, ValidationError
from ._text import describe_value, quote_value

__all__ = ["normalize_phone"]

# phonenumbers refuses longer input itself; refusing it here first keeps an
# oversized string from costing a parse and from occupying a cache slot.
_MAX_INPUT_CHARS: Final = 250

# Two lookups per send (to and from); 4096 entries cover a large contact list
# while bounding memory to under a megabyte (about 900 KiB measured when full).
_CACHE_SIZE: Final = 4096

# +1, an area code 2-9xx, then seven digits; ASCII only (\d would admit other scripts).
_NANP_E164: Final = re.compile(r"\+1[2-9][0-9]{9}")

# E.164 carries at most 15 digits; the shortest real numbers have 7 (+683 and four).
_E164_MAX_DIGITS: Final = 15
_E164_MIN_DIGITS: Final = 7

_EXAMPLE: Final = "+15555550123"
_EXPECTED: Final = f"expected an E.164 number such as {_EXAMPLE}"

# phonenumbers reads a fullwidth plus as a plus, so the missing-country-code
# check must too.
_PLUS_SIGNS: Final = ("+", "\uff0b")


@dataclass(frozen=True, slots=True)
class _Refusal:
    """Why a number was refused, without the argument name so that it can be cached."""

    reason: str
    explanation: str


def normalize_phone(
    number: str,
    *,
    region: str | None = None,
    strict: bool = False,
    argument: str = "number",
) -> str:
    """Return ``number`` in E.164 form (``+15555550123``), or raise.

    ``number`` may carry common formatting: spaces, dashes, dots, parentheses
    (``"+1 (555) 555-0123"``). Without ``region`` it must start with ``+`` and a
    country code. With ``region`` (an ISO 3166 code such as ``"US"``, any case),
    a number without ``+`` is read as a national number of that region, so
    ``"(555) 555-0123"`` becomes ``"+15555550123"``; a ``+`` number ignores
    ``region``.

    By default the number only has to be *possible*: the right number of digits
    for its country. That admits the fictional ``555-01xx`` numbers Volt's own
    documentation uses. ``strict=True`` also requires the number to fall in a
    range assigned in that country (``phonenumbers.is_valid_number``).

    ``argument`` names the parameter in the error message (``"to"``, ``"from_"``).

    Raises:
        InvalidPhoneNumberError: the number is refused; ``reason`` says why (see
            the module docstring for the codes).
        ValidationError: ``region`` is not a region phonenumbers knows.
    """
    if region is not None:
        region = _check_region(region)
    if not isinstance(number, str):
        raise InvalidPhoneNumberError(
            f"{argument}: expected a phone number as a str such as {_EXAMPLE!r}, "
            f"got {describe_value(number)}",
            argument=argument,
            value=number,
            reason="not_a_number",
        )
    if len(number) > _MAX_INPUT_CHARS:
        raise _error(
            _Refusal(
                "too_long",
                f"is too long to be a phone number ({len(number)} characters); {_EXPECTED}",
            ),
            argument,
            number,
        )
    if not strict and _NANP_E164.fullmatch(number):
        return number
    # A "+" number carries its own country code and phonenumbers ignores the
    # region for it, so dropping the region lets "+1..." share one cache entry.
    result = _normalize(number, None if number[:1] == "+" else region, strict)
    if isinstance(result, str):
        return result
    raise _error(result, argument, number)


def _check_region(region: object) -> str:
    """Return ``region`` upper-cased, or raise if phonenumbers does not know it."""
    if isinstance(region, str):
        upper = region.upper()
        if upper in phonenumbers.SUPPORTED_REGIONS:
            return upper
    raise ValidationError(
        f"region: {quote_value(region)} is not a known region; "
        "expected a two-letter ISO 3166 code such as 'US'",
        argument="region",
        value=region,
        reason="unknown_region",
    )


def _normalize_uncached(number: str, region: str | None, strict: bool) -> str | _Refusal:
    """E.164 form of ``number``, or why not. Pure, so its results can be cached.

    Measured alternatives for the common case (a distinct ``+1...`` number per
    call): ``parse(number, None)`` costs the same as ``parse(number, "US")``, and
    ``format_number`` is within 0.2 µs of concatenating the parts by hand, so
    this stays on phonenumbers' public API rather than on its private helpers.
    """
    try:
        parsed = phonenumbers.parse(number, region)
    except NumberParseException as exc:
        return _parse_refusal(exc.error_type, number, region)

    if parsed.extension:
        return _Refusal(
            "has_extension",
            f"has an extension ({parsed.extension!r}) and a text message cannot be sent "
            f"to an extension; {_EXPECTED}",
        )

    country = f"country code +{parsed.country_code}"
    possible = phonenumbers.is_possible_number_with_reason(parsed)
    if possible == ValidationResult.IS_POSSIBLE:
        if strict and not phonenumbers.is_valid_number(parsed):
            return _Refusal(
                "not_valid",
                f"is not a valid phone number in {country}: it is in no number range "
                "assigned there",
            )
        return _checked_e164(phonenumbers.format_number(parsed, PhoneNumberFormat.E164), country)
    if possible == ValidationResult.IS_POSSIBLE_LOCAL_ONLY:
        return _Refusal(
            "too_short",
            f"is too short to be a phone number in {country} (it looks like a local "
            f"number without its area code); {_EXPECTED}",
        )
    if possible == ValidationResult.TOO_SHORT:
        return _Refusal("too_short", f"is too short to be a phone number in {country}; {_EXPECTED}")
    if possible == ValidationResult.TOO_LONG:
        return _Refusal("too_long", f"is too long to be a phone number in {country}; {_EXPECTED}")
    # INVALID_COUNTRY_CODE cannot come back here: parse() refuses such a code first.
    return _Refusal(
        "invalid_length",
        f"has the wrong number of digits for a phone number in {country}; {_EXPECTED}",
    )


# Cached by wrapping rather than by decorating, so that mutation testing (which
# leaves decorated functions alone) reaches its body too.
_normalize = functools.lru_cache(maxsize=_CACHE_SIZE)(_normalize_uncached)


def _checked_e164(e164: str, country: str) -> str | _Refusal:
    """``e164`` if it is a number E.164 can carry and that normalizes to itself.

    phonenumbers calls some inputs "possible" that E.164 cannot carry (over 15
    digits), and for some it strips a trunk prefix again on every parse, so its
    output would not be a stable identity for a recipient.
    """
    digits = len(e164) - 1
    if digits > _E164_MAX_DIGITS:
        return _Refusal(
            "too_long",
            f"is too long for E.164 ({digits} digits, at most {_E164_MAX_DIGITS}); {_EXPECTED}",
        )
    if digits < _E164_MIN_DIGITS:
        return _Refusal(
            "too_short",
            f"is too short to be a phone number in {country} ({digits} digits); {_EXPECTED}",
        )
    again = phonenumbers.format_number(phonenumbers.parse(e164, None), PhoneNumberFormat.E164)
    if again != e164:
        return _Refusal(
            "invalid_length",
            f"is ambiguous in {country}: it reads as {e164} and then as {again}; {_EXPECTED}",
        )
    return e164


def _parse_refusal(error_type: int, number: str, region: str | None) -> _Refusal:
    """Translate a ``NumberParseException`` error type into a refusal."""
    if error_type == NumberParseException.INVALID_COUNTRY_CODE:
        # Without a region, phonenumbers reports a number that has no "+" at all
        # as an invalid country code; that hides the usual mistake.
        if region is None and not any(plus in number for plus in _PLUS_SIGNS):
            return _Refusal(
                "missing_country_code",
                "has no country code; expected an E.164 number that starts with + and "
                f"the country code, such as {_EXAMPLE}",
            )
        return _Refusal(
            "invalid_country_code", f"does not start with a known country code; {_EXPECTED}"
        )
    if error_type in (NumberParseException.TOO_SHORT_NSN, NumberParseException.TOO_SHORT_AFTER_IDD):
        return _Refusal("too_short", f"is too short to be a phone number; {_EXPECTED}")
    if error_type == NumberParseException.TOO_LONG:
        return _Refusal("too_long", f"is too long to be a phone number; {_EXPECTED}")
    return _Refusal("not_a_number", f"is not a phone number; {_EXPECTED}")


def _error(refusal: _Refusal, argument: str, number: str) -> InvalidPhoneNumberError:
    """Build the error per call: the cached refusal does not know the argument name."""
    return InvalidPhoneNumberError(
        f"{argument}: {quote_value(number)} {refusal.explanation}",
        argument=argument,
        value=number,
        reason=refusal.reason,
    )
