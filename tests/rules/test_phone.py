"""normalize_phone: E.164 output, every refusal reason, regions, strictness, caching."""

from __future__ import annotations

import phonenumbers
import pytest

from volt_sdk import _phone
from volt_sdk._errors import InvalidPhoneNumberError, ValidationError, VoltError
from volt_sdk._phone import normalize_phone


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts cold, so no test passes on a result another test cached."""
    _phone._normalize.cache_clear()


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        pytest.param("+15555550123", "+15555550123", id="volt-example-from"),
        pytest.param("+15555550145", "+15555550145", id="volt-example-to"),
        pytest.param("+1 555 555 0123", "+15555550123", id="spaces"),
        pytest.param("+1-555-555-0123", "+15555550123", id="dashes"),
        pytest.param("+1.555.555.0123", "+15555550123", id="dots"),
        pytest.param("+1 (555) 555-0123", "+15555550123", id="parentheses"),
        pytest.param("  +15555550123\n", "+15555550123", id="surrounding-whitespace"),
        pytest.param("+44 20 7946 0958", "+442079460958", id="uk-london"),
        pytest.param("+44 (0)20 7946 0958", "+442079460958", id="uk-national-prefix-dropped"),
        pytest.param("+39 06 1234 5678", "+390612345678", id="italy-leading-zero-kept"),
        pytest.param("+49 30 901820", "+4930901820", id="germany"),
        pytest.param("+800 1234 5678", "+80012345678", id="non-geographic"),
    ],
)
def test_accepted_numbers_come_back_in_e164(number: str, expected: str) -> None:
    assert normalize_phone(number) == expected


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        pytest.param("abc", "not_a_number", id="letters"),
        pytest.param("", "not_a_number", id="empty"),
        pytest.param("+", "not_a_number", id="plus-only"),
        pytest.param("5555550123", "missing_country_code", id="national-without-region"),
        pytest.param("(555) 555-0123", "missing_country_code", id="formatted-without-region"),
        pytest.param("+999 123 4567", "invalid_country_code", id="unassigned-country-code"),
        pytest.param("+1555", "too_short", id="too-short"),
        pytest.param("+1 555 0123", "too_short", id="local-only-without-area-code"),
        pytest.param("+1 555 555 0123 4567", "too_long", id="too-long"),
        pytest.param("+" + "1" * 300, "too_long", id="absurdly-long"),
        pytest.param("+49 1234 56789012345678", "too_long", id="too-long-germany"),
        pytest.param("+1 555 555 0123 ext. 4", "has_extension", id="extension-ext"),
        pytest.param("+15555550123x4", "has_extension", id="extension-x"),
        pytest.param("+15555550123;ext=4", "has_extension", id="extension-rfc3966"),
    ],
)
def test_refused_numbers_carry_the_reason(number: str, reason: str) -> None:
    with pytest.raises(InvalidPhoneNumberError) as caught:
        normalize_phone(number)
    assert caught.value.reason == reason
    assert caught.value.value == number
    assert caught.value.argument == "number"


def test_a_length_between_the_allowed_ones_is_invalid_length() -> None:
    # Australian national numbers have up to 10 digits, or 12, never 11; check
    # that the metadata still says so, or the test proves nothing.
    number = "+61 2222 2222 222"
    parsed = phonenumbers.parse(number, None)
    assert (
        phonenumbers.is_possible_number_with_reason(parsed)
        == phonenumbers.ValidationResult.INVALID_LENGTH
    )

    with pytest.raises(InvalidPhoneNumberError) as caught:
        normalize_phone(number)
    assert caught.value.reason == "invalid_length"
    assert "wrong number of digits for a phone number in country code +61" in (caught.value.message)


@pytest.mark.parametrize(
    ("number", "region", "expected"),
    [
        pytest.param("(555) 555-0123", "US", "+15555550123", id="us-national"),
        pytest.param("555.555.0123", "us", "+15555550123", id="lowercase-region"),
        pytest.param("020 7946 0958", "GB", "+442079460958", id="gb-national-prefix"),
        pytest.param("+44 20 7946 0958", "US", "+442079460958", id="plus-number-ignores-region"),
        pytest.param("1 555 555 0123", "CA", "+15555550123", id="nanp-trunk-prefix"),
    ],
)
def test_a_region_reads_national_numbers(number: str, region: str, expected: str) -> None:
    assert normalize_phone(number, region=region) == expected


@pytest.mark.parametrize(
    "region",
    [
        pytest.param("XX", id="unknown-code"),
        pytest.param("USA", id="three-letters"),
        pytest.param("", id="empty"),
        pytest.param(1, id="not-a-str"),
    ],
)
def test_an_unknown_region_is_a_validation_error_about_region(region: object) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_phone("+15555550123", region=region)  # type: ignore[arg-type]
    assert not isinstance(caught.value, InvalidPhoneNumberError)
    assert caught.value.argument == "region"
    assert caught.value.reason == "unknown_region"
    assert caught.value.value == region


def test_the_fictional_example_numbers_are_possible_but_not_valid() -> None:
    assert normalize_phone("+15555550123") == "+15555550123"
    with pytest.raises(InvalidPhoneNumberError) as caught:
        normalize_phone("+15555550123", strict=True)
    assert caught.value.reason == "not_valid"
    assert "not a valid phone number in country code +1" in caught.value.message


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        pytest.param("+1 201 555 0123", "+12015550123", id="us-new-jersey"),
        pytest.param("+44 20 7946 0958", "+442079460958", id="uk-london"),
    ],
)
def test_strict_accepts_valid_numbers(number: str, expected: str) -> None:
    assert normalize_phone(number, strict=True) == expected


def test_strict_still_reports_a_length_problem_before_validity() -> None:
    with pytest.raises(InvalidPhoneNumberError) as caught:
        normalize_phone("+1555", strict=True)
    assert caught.value.reason == "too_short"


@pytest.mark.parametrize(
    ("value", "described"),
    [
        pytest.param(None, "got None", id="none"),
        pytest.param(15555550123, "got int 15555550123", id="int"),
        pytest.param(b"+15555550123", "got bytes b'+15555550123'", id="bytes"),
        pytest.param(["+15555550123"], "got list ['+15555550123']", id="list"),
    ],
)
def test_a_non_str_is_refused_and_its_type_named(value: object, described: str) -> None:
    with pytest.raises(InvalidPhoneNumberError) as caught:
        normalize_phone(value, argument="to")  # type: ignore[arg-type]
    assert caught.value.reason == "not_a_number"
    assert caught.value.value is value
    assert caught.value.message.startswith("to: expected a phone number as a str")
    assert described in caught.value.message


def test_the_message_names_the_argument_quotes_the_input_and_says_what_is_expected() -> None:
    with pytest.raises(InvalidPhoneNumberError) as caught:
        normalize_phone("+1555", argument="to")
    assert caught.value.message == (
        "to: '+1555' is too short to be a phone number in country code +1; "
        "expected an E.164 number such as +15555550123"
    )
    assert str(caught.value) == caught.value.message
    assert caught.value.argument == "to"


def test_a_missing_country_code_says_so_in_plain_words() -> None:
    with pytest.raises(InvalidPhoneNumberError) as caught:
        normalize_phone("555-555-0123", argument="from_")
    assert caught.value.message.startswith("from_: '555-555-0123' has no country code;")
    assert "starts with +" in caught.value.message


def test_an_extension_is_named_in_the_message() -> None:
    with pytest.raises(InvalidPhoneNumberError) as caught:
        normalize_phone("+1 555 555 0123 ext. 4", argument="to")
    assert "has an extension ('4')" in caught.value.message


def test_a_long_input_is_quoted_truncated() -> None:
    number = "+" + "1" * 300
    with pytest.raises(InvalidPhoneNumberError) as caught:
        normalize_phone(number)
    assert "'+" + "1" * 39 + "'…" in caught.value.message
    assert len(caught.value.message) < 200
    assert caught.value.value == number


def test_an_absurdly_long_input_is_refused_without_parsing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fail(*args: object, **kwargs: object) -> object:
        raise AssertionError("phonenumbers.parse must not be called")

    monkeypatch.setattr(phonenumbers, "parse", fail)
    with pytest.raises(InvalidPhoneNumberError) as caught:
        normalize_phone("1" * 251)
    assert caught.value.reason == "too_long"
    assert _phone._normalize.cache_info().currsize == 0


def test_the_error_is_a_value_error_and_a_volt_error() -> None:
    with pytest.raises(InvalidPhoneNumberError) as caught:
        normalize_phone("abc")
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, ValidationError)
    assert isinstance(caught.value, VoltError)


def test_a_repeated_number_is_served_from_the_cache() -> None:
    assert normalize_phone("+1 (555) 555-0123") == "+15555550123"
    assert normalize_phone("+1 (555) 555-0123", argument="to") == "+15555550123"
    info = _phone._normalize.cache_info()
    assert (info.hits, info.misses) == (1, 1)


def test_a_cached_refusal_still_names_the_argument_of_each_call() -> None:
    for argument in ("to", "from_"):
        with pytest.raises(InvalidPhoneNumberError) as caught:
            normalize_phone("+1555", argument=argument)
        assert caught.value.argument == argument
        assert caught.value.message.startswith(f"{argument}: ")
    assert _phone._normalize.cache_info().hits == 1


def test_plus_numbers_share_a_cache_entry_whatever_the_region() -> None:
    normalize_phone("+44 20 7946 0958")
    normalize_phone("+44 20 7946 0958", region="US")
    normalize_phone("+44 20 7946 0958", region="gb")
    assert _phone._normalize.cache_info().misses == 1


def _full_path(number: str) -> str | _phone._Refusal:
    return _phone._normalize.__wrapped__(number, None, False)


def test_the_nanp_fast_path_agrees_with_phonenumbers_for_every_area_code() -> None:
    import random

    rng = random.Random(20261126)
    numbers = [
        f"+1{area}{rng.randrange(10_000_000):07d}" for area in range(200, 1000) for _ in range(3)
    ]
    numbers += ["+12000000000", "+19999999999", "+15555550123", "+18005550199"]
    for number in numbers:
        assert _phone._NANP_E164.fullmatch(number), number
        assert normalize_phone(number) == number
        assert _full_path(number) == number, number
    assert _phone._normalize.cache_info().misses == 0  # none of them needed a parse


@pytest.mark.parametrize(
    "number",
    [
        "+11234567890",  # area code starting with 1: parsed in full
        "+10234567890",  # area code starting with 0
        "+1555555012",  # nine digits
        "+155555501234",  # eleven digits
        "+1555555012\u0663",  # a non-ASCII digit
        "+1 5555550123",  # formatted
    ],
)
def test_numbers_outside_the_fast_path_shape_take_the_full_path(number: str) -> None:
    assert _phone._NANP_E164.fullmatch(number) is None
    try:
        fast = ("ok", normalize_phone(number))
    except InvalidPhoneNumberError as exc:
        fast = ("error", exc.reason)
    full = _full_path(number)
    assert fast == (("ok", full) if isinstance(full, str) else ("error", full.reason))


def test_strict_checking_never_takes_the_fast_path() -> None:
    with pytest.raises(InvalidPhoneNumberError) as caught:
        normalize_phone("+15555550123", strict=True)
    assert caught.value.reason == "not_valid"


def test_the_region_is_case_folded_before_caching() -> None:
    normalize_phone("5555550123", region="us")
    normalize_phone("5555550123", region="US")
    assert _phone._normalize.cache_info().misses == 1


def test_the_cache_is_bounded() -> None:
    assert _phone._normalize.cache_info().maxsize == 4096


@pytest.mark.parametrize(
    ("number", "region", "strict"),
    [
        pytest.param("+1 (555) 555-0123", None, False, id="formatted"),
        pytest.param("(555) 555-0123", "US", False, id="national"),
        pytest.param("+1555", None, False, id="too-short"),
        pytest.param("555", None, False, id="missing-country-code"),
        pytest.param("+15555550123", None, True, id="strict-not-valid"),
        pytest.param("+1 555 555 0123 x9", None, False, id="extension"),
        pytest.param("+12015550123", None, True, id="strict-valid"),
    ],
)
def test_cached_and_uncached_paths_give_identical_results(
    number: str, region: str | None, strict: bool
) -> None:
    def outcome() -> tuple[str, str, str]:
        try:
            return ("ok", normalize_phone(number, region=region, strict=strict), "")
        except InvalidPhoneNumberError as exc:
            return ("error", exc.reason, exc.message)

    uncached = _phone._normalize.__wrapped__(number, region, strict)
    cold = outcome()
    warm = outcome()

    assert cold == warm
    assert _phone._normalize.cache_info().hits == 1
    if cold[0] == "ok":
        assert uncached == cold[1]
    else:
        assert isinstance(uncached, _phone._Refusal)
        assert uncached.reason == cold[1]
