"""validate_message's refusals, word for word, and the media URL host rules at their edges.

A refusal keeps the refused value, quotes it up to 60 characters, and names
what was expected; the URL checks tell "no host" from "a malformed host".
"""

from __future__ import annotations

import pytest

from volt_sdk._errors import InvalidMessageError
from volt_sdk._message import validate_message
from volt_sdk._text import describe_value, quote_value

EXPECTED_URL = "expected an absolute http:// or https:// URL"
QUOTED = 60  # characters of a refused value a message quotes


def refusal(body: object, media: object = None) -> InvalidMessageError:
    with pytest.raises(InvalidMessageError) as caught:
        validate_message(body=body, media=media)  # type: ignore[arg-type]
    return caught.value


# -- the body -----------------------------------------------------------------------------


def test_a_body_that_is_not_a_str_is_kept_and_described_up_to_60_characters() -> None:
    body = b"x" * 100
    error = refusal(body)
    assert (error.reason, error.argument, error.value) == ("not_a_string", "body", body)
    assert error.value is body
    assert error.message == f"body: expected a str, got {describe_value(body, QUOTED)}"
    assert describe_value(body, QUOTED) != describe_value(body)  # the limit is not the default


def test_an_empty_body_without_media_is_refused_and_kept() -> None:
    error = refusal(" \t")
    assert (error.reason, error.argument, error.value) == ("empty_body", "body", " \t")
    assert error.message == "body is empty; give a body, or media for an MMS"


def test_a_body_with_a_lone_surrogate_is_refused_naming_the_character_and_its_position() -> None:
    body = "caf\udce9 ok"
    error = refusal(body)
    assert (error.reason, error.argument, error.value) == ("not_utf8", "body", body)
    assert error.message == (
        "body: holds '\\udce9' at position 3, which cannot be encoded as UTF-8 (a lone "
        "surrogate: text decoded from bytes that were not UTF-8); decode the input as "
        "UTF-8, or with the right encoding"
    )


def test_any_utf8_text_is_a_body() -> None:
    body = "Ünïcødé ✓ \U0001f600 \u4e2d\u6587"
    assert validate_message(body=body, media=None) == (body, None)


# -- the media list -----------------------------------------------------------------------


def test_one_url_given_as_a_str_is_refused_with_the_list_to_pass_instead() -> None:
    media = "https://cdn.example.com/" + "a" * 100
    error = refusal("hi", media)
    assert (error.reason, error.argument, error.value) == ("not_a_list", "media", media)
    assert error.message == (
        "media: expected a list of URLs, got a str; to send one URL, pass "
        f"[{quote_value(media, QUOTED)}]"
    )
    assert quote_value(media, QUOTED) != quote_value(media)


def test_media_of_another_type_is_refused_and_described_up_to_60_characters() -> None:
    media = {"k" * 100: 1}
    error = refusal("hi", media)
    assert (error.reason, error.argument, error.value) == ("not_a_list", "media", media)
    assert error.message == (f"media: expected a list of URLs, got {describe_value(media, QUOTED)}")
    assert describe_value(media, QUOTED) != describe_value(media)


def test_a_media_item_that_is_not_a_str_is_described_up_to_60_characters() -> None:
    item = b"y" * 100
    error = refusal("hi", [item])
    assert (error.reason, error.argument, error.value) == ("not_a_string", "media[0]", item)
    assert error.message == f"media[0]: got {describe_value(item, QUOTED)}; {EXPECTED_URL}"


def test_a_refused_url_is_quoted_up_to_60_characters() -> None:
    url = "ftp://cdn.example.com/" + "a" * 100
    error = refusal("hi", [url])
    assert error.message == (
        f"media[0]: {quote_value(url, QUOTED)} uses the scheme 'ftp'; {EXPECTED_URL}"
    )
    assert quote_value(url, QUOTED) != quote_value(url)


# -- where a URL's host is ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        # "localhost:8..." is a host and a port without "http://", not a scheme "localhost".
        pytest.param("localhost:8/a.png", "is not an absolute URL", id="one-digit-port"),
        pytest.param("localhost:8080/a.png", "is not an absolute URL", id="port"),
        # The host ends at the first "/", "?" or "#", wherever the others are.
        pytest.param("https:///a/b.jpg", "has no host", id="two-slashes-after-no-host"),
        pytest.param("https:///x?y", "has no host", id="query-after-no-host"),
        pytest.param("https://?x#y", "has no host", id="fragment-after-no-host"),
        pytest.param("https://X[/a.png", "has a malformed host", id="bracket-after-a-name"),
        # An IPv6 literal needs something between its brackets; its first "]" closes it.
        pytest.param("https://[]x]/a", "has no host", id="empty-brackets-then-more"),
        pytest.param("https://[a]x/", "has a malformed host", id="one-char-literal-then-junk"),
        pytest.param("https://[ab]x/", "has a malformed host", id="literal-then-junk"),
    ],
)
def test_a_url_without_a_usable_host_says_which_problem_it_has(url: str, problem: str) -> None:
    error = refusal("hi", [url])
    assert (error.reason, error.argument, error.value) == ("not_a_url", "media[0]", url)
    assert error.message == f"media[0]: '{url}' {problem}; {EXPECTED_URL}"
