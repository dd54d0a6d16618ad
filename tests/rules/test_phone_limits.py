"""normalize_phone's limits and refusals, pinned at their boundaries and word for word.

E.164 carries 7 to 15 digits; input over 250 characters is refused before any
parse. Each refusal's message is pinned exactly.
"""

from __future__ import annotations

import pytest

from volt_sdk import _phone
from volt_sdk._errors import InvalidPhoneNumberError, ValidationError
from volt_sdk._phone import normalize_phone

EXPECTED = "expected an E.164 number such as +15555550123"


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts cold, so no test passes on a result another test cached."""
    _phone._normalize.cache_clear()


def refusal(number: object, **options: object) -> InvalidPhoneNumberError:
    with pytest.raises(InvalidPhoneNumberError) as caught:
        normalize_phone(number, **options)  # type: ignore[arg-type]
    return caught.value


# -- the 250-character input cap ----------------------------------------------------------


def test_input_of_250_characters_is_still_parsed() -> None:
    number = "+15555550123" + " " * 238
    assert len(number) == 250
    assert normalize_phone(number) == "+15555550123"


def test_input_of_251_characters_is_refused_as_too_long_saying_how_long() -> None:
    number = "+15555550123" + " " * 239
    error = refusal(number, argument="to")
    assert (error.reason, error.argument, error.value) == ("too_long", "to", number)
    assert error.message.startswith("to: '+15555550123")
    assert error.message.endswith(f" is too long to be a phone number (251 characters); {EXPECTED}")


# -- E.164's 7 to 15 digits ---------------------------------------------------------------


def test_a_number_of_15_digits_is_accepted() -> None:
    assert normalize_phone("+49 1512 345678901") == "+491512345678901"


def test_a_number_of_16_digits_is_refused_although_phonenumbers_calls_it_possible() -> None:
    error = refusal("+4930123456789012")
    assert error.reason == "too_long"
    assert error.message == (
        f"number: '+4930123456789012' is too long for E.164 (16 digits, at most 15); {EXPECTED}"
    )


def test_a_number_of_7_digits_is_accepted() -> None:
    assert normalize_phone("+683 1234") == "+6831234"  # Niue: +683 and four digits


def test_a_number_of_6_digits_is_refused_although_phonenumbers_calls_it_possible() -> None:
    error = refusal("+43 9864")
    assert error.reason == "too_short"
    assert error.message == (
        "number: '+43 9864' is too short to be a phone number in country code +43 "
        f"(6 digits); {EXPECTED}"
    )


def test_a_number_that_reads_differently_once_normalized_is_refused_as_ambiguous() -> None:
    # phonenumbers strips the "0" after +20 again on a second parse: no stable identity.
    error = refusal("+20 0073759735")
    assert error.reason == "invalid_length"
    assert error.message == (
        "number: '+20 0073759735' is ambiguous in country code +20: "
        f"it reads as +20073759735 and then as +2073759735; {EXPECTED}"
    )


# -- every refusal, word for word ---------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "reason", "said"),
    [
        pytest.param(
            "5555550123",
            "missing_country_code",
            "has no country code; expected an E.164 number that starts with + and the "
            "country code, such as +15555550123",
            id="no-plus",
        ),
        pytest.param(
            "+0 555",
            "invalid_country_code",
            f"does not start with a known country code; {EXPECTED}",
            id="country-code-zero",
        ),
        pytest.param(
            "+999 1234",
            "invalid_country_code",
            f"does not start with a known country code; {EXPECTED}",
            id="unassigned-country-code",
        ),
        pytest.param(
            "+49 1", "too_short", f"is too short to be a phone number; {EXPECTED}", id="one-digit"
        ),
        pytest.param(
            "+1" + "2" * 20,
            "too_long",
            f"is too long to be a phone number; {EXPECTED}",
            id="twenty-digits",
        ),
        pytest.param("abc", "not_a_number", f"is not a phone number; {EXPECTED}", id="letters"),
        pytest.param(
            "+1555",
            "too_short",
            f"is too short to be a phone number in country code +1; {EXPECTED}",
            id="too-short-for-the-country",
        ),
        pytest.param(
            "+1 555 0123",
            "too_short",
            "is too short to be a phone number in country code +1 (it looks like a local "
            f"number without its area code); {EXPECTED}",
            id="local-only",
        ),
        pytest.param(
            "+1 555 555 0123 4567",
            "too_long",
            f"is too long to be a phone number in country code +1; {EXPECTED}",
            id="too-long-for-the-country",
        ),
        pytest.param(
            "+61 2222 2222 222",
            "invalid_length",
            f"has the wrong number of digits for a phone number in country code +61; {EXPECTED}",
            id="between-the-allowed-lengths",
        ),
        pytest.param(
            "+15555550123 ext. 4",
            "has_extension",
            f"has an extension ('4') and a text message cannot be sent to an extension; {EXPECTED}",
            id="extension",
        ),
    ],
)
def test_each_refusal_explains_itself_exactly(number: str, reason: str, said: str) -> None:
    error = refusal(number, argument="to")
    assert (error.reason, error.argument, error.value) == (reason, "to", number)
    assert error.message == f"to: '{number}' {said}"


def test_a_number_out_of_every_assigned_range_is_refused_in_strict_mode_only() -> None:
    error = refusal("+1 555 555 0123", strict=True)
    assert error.reason == "not_valid"
    assert error.message == (
        "number: '+1 555 555 0123' is not a valid phone number in country code +1: "
        "it is in no number range assigned there"
    )


def test_a_fullwidth_plus_counts_as_a_plus_so_the_country_code_is_unknown_not_missing() -> None:
    assert refusal("\uff0b999 1234").reason == "invalid_country_code"
    assert refusal("999 1234").reason == "missing_country_code"


def test_an_international_prefix_to_an_unknown_country_code_is_not_a_missing_country_code() -> None:
    # With a region, "011" is the US exit code: the country code is there, just unknown.
    error = refusal("011 999 1234", region="US")
    assert error.reason == "invalid_country_code"
    assert error.message == (
        f"number: '011 999 1234' does not start with a known country code; {EXPECTED}"
    )


def test_a_non_str_is_refused_naming_the_argument() -> None:
    error = refusal(15555550123, argument="from_")
    assert (error.reason, error.argument, error.value) == (
        "not_a_number",
        "from_",
        15555550123,
    )
    assert error.message == (
        "from_: expected a phone number as a str such as '+15555550123', got int 15555550123"
    )


@pytest.mark.parametrize("region", ["XX", "usa"])
def test_an_unknown_region_is_refused_word_for_word(region: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_phone("5555550123", region=region)
    assert caught.value.message == (
        f"region: '{region}' is not a known region; "
        "expected a two-letter ISO 3166 code such as 'US'"
    )
    assert (caught.value.argument, caught.value.value) == ("region", region)
