"""Volt message error codes: the published table and lookup_error_code."""

from __future__ import annotations

import dataclasses

import pytest

from volt_sdk._error_codes import (
    ERROR_CODES,
    ErrorCategory,
    MessageErrorCode,
    lookup_error_code,
)

# Volt's error-code page (docs/volt-api.md, Errors), code by code.
PUBLISHED = {
    101: ErrorCategory.ACCOUNT,
    102: ErrorCategory.ACCOUNT,
    103: ErrorCategory.ACCOUNT,
    104: ErrorCategory.ACCOUNT,
    199: ErrorCategory.ACCOUNT,
    401: ErrorCategory.CLIENT,
    402: ErrorCategory.CLIENT,
    403: ErrorCategory.CLIENT,
    406: ErrorCategory.CLIENT,
    407: ErrorCategory.CLIENT,
    501: ErrorCategory.PHONE_NUMBER,
    503: ErrorCategory.PHONE_NUMBER,
    601: ErrorCategory.VOLUMETRIC,
    602: ErrorCategory.VOLUMETRIC,
    603: ErrorCategory.VOLUMETRIC,
    701: ErrorCategory.SPAM,
    702: ErrorCategory.SPAM,
    703: ErrorCategory.SPAM,
    704: ErrorCategory.SPAM,
    705: ErrorCategory.SPAM,
    706: ErrorCategory.SPAM,
    801: ErrorCategory.CARRIER,
    802: ErrorCategory.CARRIER,
    803: ErrorCategory.CARRIER,
    804: ErrorCategory.CARRIER,
    901: ErrorCategory.SYSTEM,
}

TEMPORARY = {101, 104, 601, 602, 603, 702, 705, 801, 802, 803, 804, 901}


def test_the_table_has_exactly_the_published_codes() -> None:
    assert set(ERROR_CODES) == set(PUBLISHED)


@pytest.mark.parametrize("code", sorted(PUBLISHED))
def test_each_published_code_has_its_category_and_a_description(code: int) -> None:
    entry = ERROR_CODES[code]
    assert entry.code == code
    assert entry.category is PUBLISHED[code]
    assert entry.known is True
    assert entry.description
    assert "unknown" not in entry.description


@pytest.mark.parametrize("code", sorted(PUBLISHED))
def test_each_published_code_is_temporary_only_when_a_retry_may_work(code: int) -> None:
    assert ERROR_CODES[code].temporary is (code in TEMPORARY)


@pytest.mark.parametrize(
    ("code", "words"),
    [
        pytest.param(101, "temporarily disabled", id="101"),
        pytest.param(199, "permanently disabled", id="199"),
        pytest.param(402, "'to' number", id="402"),
        pytest.param(503, "opted out", id="503"),
        pytest.param(602, "API rate limit", id="602"),
        pytest.param(603, "AT&T", id="603"),
        pytest.param(701, "spam by Volt (permanent)", id="701"),
        pytest.param(802, "out of range", id="802"),
        pytest.param(901, "internal", id="901"),
    ],
)
def test_descriptions_follow_the_reference(code: int, words: str) -> None:
    assert words in ERROR_CODES[code].description


def test_the_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        ERROR_CODES[100] = ERROR_CODES[101]  # type: ignore[index]


def test_an_entry_is_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        ERROR_CODES[701].temporary = True  # type: ignore[misc]


def test_categories_are_lowercase_snake_strings() -> None:
    assert [c.value for c in ErrorCategory] == [
        "account",
        "client",
        "phone_number",
        "volumetric",
        "spam",
        "carrier",
        "system",
        "unknown",
    ]
    assert isinstance(ErrorCategory.PHONE_NUMBER, str)
    assert ErrorCategory("phone_number") is ErrorCategory.PHONE_NUMBER


@pytest.mark.parametrize(
    "code",
    [
        pytest.param(701, id="int"),
        pytest.param("701", id="digit-string"),
        pytest.param(" 701\n", id="padded-string"),
        pytest.param("0701", id="leading-zero"),
    ],
)
def test_a_known_code_is_found_as_int_or_digit_string(code: int | str) -> None:
    assert lookup_error_code(code) is ERROR_CODES[701]


@pytest.mark.parametrize(
    "code",
    [
        pytest.param(None, id="none"),
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("abc", id="letters"),
        pytest.param("7O1", id="letter-o"),
        pytest.param("701.0", id="decimal-string"),
        pytest.param("-701", id="negative-string"),
        pytest.param("\u0667\u0660\u0661", id="arabic-indic-digits"),
        pytest.param("\u00b2", id="superscript-two"),
        pytest.param(True, id="true"),
        pytest.param(False, id="false"),
        pytest.param(-701, id="negative-int"),
        pytest.param("9" * 5000, id="huge-digit-string"),
        pytest.param(10**5000, id="huge-int"),
        pytest.param(701.0, id="float"),
        pytest.param(b"701", id="bytes"),
    ],
)
def test_a_value_that_is_not_a_code_gives_none(code: object) -> None:
    assert lookup_error_code(code) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "category"),
    [
        pytest.param(105, ErrorCategory.ACCOUNT, id="1xx"),
        pytest.param(499, ErrorCategory.CLIENT, id="4xx"),
        pytest.param("502", ErrorCategory.PHONE_NUMBER, id="5xx-as-string"),
        pytest.param(650, ErrorCategory.VOLUMETRIC, id="6xx"),
        pytest.param(799, ErrorCategory.SPAM, id="7xx"),
        pytest.param(805, ErrorCategory.CARRIER, id="8xx"),
        pytest.param(999, ErrorCategory.SYSTEM, id="9xx"),
        pytest.param(250, ErrorCategory.UNKNOWN, id="2xx-unassigned"),
        pytest.param(301, ErrorCategory.UNKNOWN, id="3xx-unassigned"),
        pytest.param(0, ErrorCategory.UNKNOWN, id="zero"),
        pytest.param(42, ErrorCategory.UNKNOWN, id="two-digits"),
        pytest.param(1701, ErrorCategory.UNKNOWN, id="four-digits"),
    ],
)
def test_an_unknown_code_is_described_from_its_hundreds_digit(
    code: int | str, category: ErrorCategory
) -> None:
    number = int(code)
    assert lookup_error_code(code) == MessageErrorCode(
        code=number,
        category=category,
        description=f"unknown Volt error code {number}",
        temporary=False,
        known=False,
    )
