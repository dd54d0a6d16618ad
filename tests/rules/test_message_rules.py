"""Segment counting (GSM-7 / UCS-2) and the body / media checks run before a send."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import pytest

from volt_sdk._errors import InvalidMessageError, ValidationError, VoltError
from volt_sdk._message import (
    _GSM7_BASIC,
    _GSM7_EXTENSION,
    SegmentInfo,
    message_segments,
    validate_message,
)

# GSM 03.38 default alphabet by code point, position = septet value; 0x1B is ESC.
# Written independently of the module's string so that a mistyped character in
# either shows up.
_GSM7_TABLE = (
    *(0x40, 0xA3, 0x24, 0xA5, 0xE8, 0xE9, 0xF9, 0xEC),
    *(0xF2, 0xC7, 0x0A, 0xD8, 0xF8, 0x0D, 0xC5, 0xE5),
    *(0x394, 0x5F, 0x3A6, 0x393, 0x39B, 0x3A9, 0x3A0, 0x3A8),
    *(0x3A3, 0x398, 0x39E, 0x1B, 0xC6, 0xE6, 0xDF, 0xC9),
    *(0x20, 0x21, 0x22, 0x23, 0xA4),
    *range(0x25, 0x40),
    0xA1,
    *range(0x41, 0x5B),
    *(0xC4, 0xD6, 0xD1, 0xDC, 0xA7, 0xBF),
    *range(0x61, 0x7B),
    *(0xE4, 0xF6, 0xF1, 0xFC, 0xE0),
)

EMOJI = "\U0001f600"  # outside the BMP: two UTF-16 code units


def test_the_gsm_basic_table_is_the_03_38_alphabet_without_escape() -> None:
    assert len(_GSM7_TABLE) == 128
    assert {chr(c) for c in _GSM7_TABLE if c != 0x1B} == _GSM7_BASIC
    assert "\x1b" not in _GSM7_BASIC


def test_the_gsm_extension_table_is_form_feed_and_nine_symbols() -> None:
    assert frozenset("\f^{}\\[~]|\u20ac") == _GSM7_EXTENSION
    assert _GSM7_BASIC.isdisjoint(_GSM7_EXTENSION)


def info(
    encoding: Literal["GSM-7", "UCS-2"],
    characters: int,
    units: int,
    segments: int,
    per: int,
    remaining: int,
) -> SegmentInfo:
    return SegmentInfo(encoding, characters, units, segments, per, remaining)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param("", info("GSM-7", 0, 0, 0, 160, 160), id="empty"),
        pytest.param("a", info("GSM-7", 1, 1, 1, 160, 159), id="one-char"),
        pytest.param("a" * 160, info("GSM-7", 160, 160, 1, 160, 0), id="gsm-160-fits-one"),
        pytest.param("a" * 161, info("GSM-7", 161, 161, 2, 153, 145), id="gsm-161-needs-two"),
        pytest.param("a" * 306, info("GSM-7", 306, 306, 2, 153, 0), id="gsm-153x2-fills-two"),
        pytest.param("a" * 307, info("GSM-7", 307, 307, 3, 153, 152), id="gsm-153x2+1-needs-three"),
        pytest.param(
            "".join(chr(c) for c in _GSM7_TABLE if c != 0x1B),
            info("GSM-7", 127, 127, 1, 160, 33),
            id="whole-basic-table-is-gsm",
        ),
        pytest.param("é" * 160, info("GSM-7", 160, 160, 1, 160, 0), id="accented-gsm-letters"),
        pytest.param("€" * 80, info("GSM-7", 80, 160, 1, 160, 0), id="extension-counts-double"),
        pytest.param("€" * 81, info("GSM-7", 81, 162, 2, 153, 143), id="extension-81-needs-two"),
        pytest.param(
            "a" * 159 + "{", info("GSM-7", 160, 161, 2, 153, 145), id="extension-tips-to-two"
        ),
        pytest.param(
            # 152 septets, then "^" (2) cannot take the last septet of part one.
            "a" * 152 + "^" + "a" * 10,
            info("GSM-7", 163, 164, 2, 153, 141),
            id="extension-not-split-at-boundary",
        ),
        pytest.param(
            # Same length, extension placed so that it ends exactly on 153.
            "a" * 151 + "^" + "a" * 11,
            info("GSM-7", 163, 164, 2, 153, 142),
            id="extension-ending-on-boundary",
        ),
        pytest.param(
            # 306 septets would fill two parts exactly, but "^" moves to part two.
            "a" * 152 + "^" + "a" * 152,
            info("GSM-7", 305, 306, 3, 153, 152),
            id="unsplittable-extension-adds-a-segment",
        ),
        pytest.param("\f" * 2, info("GSM-7", 2, 4, 1, 160, 156), id="form-feed-is-extension"),
        pytest.param("ç", info("UCS-2", 1, 1, 1, 70, 69), id="small-c-cedilla-is-not-gsm"),
        pytest.param("Ж" * 70, info("UCS-2", 70, 70, 1, 70, 0), id="ucs2-70-fits-one"),
        pytest.param("Ж" * 71, info("UCS-2", 71, 71, 2, 67, 63), id="ucs2-71-needs-two"),
        pytest.param("Ж" * 134, info("UCS-2", 134, 134, 2, 67, 0), id="ucs2-67x2-fills-two"),
        pytest.param("Ж" * 135, info("UCS-2", 135, 135, 3, 67, 66), id="ucs2-67x2+1-needs-three"),
        pytest.param(EMOJI, info("UCS-2", 1, 2, 1, 70, 68), id="emoji-is-two-units"),
        pytest.param(EMOJI * 35, info("UCS-2", 35, 70, 1, 70, 0), id="35-emoji-fit-one"),
        pytest.param(EMOJI * 36, info("UCS-2", 36, 72, 2, 67, 61), id="36-emoji-need-two"),
        pytest.param(
            # The 67-unit part size only applies once a body is split.
            "Ж" * 66 + EMOJI + "Ж",
            info("UCS-2", 68, 69, 1, 70, 1),
            id="surrogate-pair-within-single",
        ),
        pytest.param(
            "Ж" * 66 + EMOJI + "Ж" * 5,
            info("UCS-2", 72, 73, 2, 67, 60),
            id="surrogate-pair-not-split",
        ),
        pytest.param(
            # 134 units would fill two parts exactly, but the pair moves to part two.
            "Ж" * 66 + EMOJI + "Ж" * 66,
            info("UCS-2", 133, 134, 3, 67, 66),
            id="unsplittable-surrogate-pair-adds-a-segment",
        ),
        pytest.param(
            "a" * 100 + "ж",
            info("UCS-2", 101, 101, 2, 67, 33),
            id="one-non-gsm-char-flips-all-to-ucs2",
        ),
        pytest.param(
            "Price: 5€ {promo}" + EMOJI,
            info("UCS-2", 18, 19, 1, 70, 51),
            id="extension-chars-count-once-in-ucs2",
        ),
    ],
)
def test_segments_are_counted_per_gsm_03_38(body: str, expected: SegmentInfo) -> None:
    assert message_segments(body) == expected


def test_segment_info_is_immutable() -> None:
    result = message_segments("hello")
    with pytest.raises(AttributeError):
        result.segments = 2  # type: ignore[misc]


URL = "https://cdn.example.com/cat.jpg"


@pytest.mark.parametrize(
    ("body", "media", "expected"),
    [
        pytest.param("hi", None, ("hi", None), id="sms-without-media"),
        pytest.param("hi", [], ("hi", []), id="empty-list-stays-empty"),
        pytest.param("hi", [URL], ("hi", [URL]), id="mms-with-body"),
        pytest.param("", [URL], ("", [URL]), id="mms-without-body"),
        pytest.param("  \n", (URL,), ("  \n", [URL]), id="whitespace-body-with-media-unchanged"),
        pytest.param(" hi ", None, (" hi ", None), id="body-is-not-stripped"),
        pytest.param(
            "x",
            ["HTTP://EXAMPLE.COM", "http://127.0.0.1:8080/a.png?x=1#y", "https://[::1]/a"],
            ("x", ["HTTP://EXAMPLE.COM", "http://127.0.0.1:8080/a.png?x=1#y", "https://[::1]/a"]),
            id="url-forms",
        ),
        pytest.param(
            "x",
            ["https://user:pw@host.example/a", "https://bücher.example/ä.png"],
            ("x", ["https://user:pw@host.example/a", "https://bücher.example/ä.png"]),
            id="userinfo-and-unicode-host",
        ),
    ],
)
def test_accepted_messages_come_back_ready_to_send(
    body: str, media: Sequence[str] | None, expected: tuple[str, list[str] | None]
) -> None:
    assert validate_message(body=body, media=media) == expected


def test_media_comes_back_as_a_new_list() -> None:
    media = [URL]
    _, result = validate_message(body="hi", media=media)
    assert result == media
    assert result is not media


def test_a_long_body_is_not_limited() -> None:
    body = "a" * 10_000
    assert validate_message(body=body, media=None) == (body, None)


def test_many_media_items_are_not_limited() -> None:
    media = [f"https://cdn.example.com/{i}.jpg" for i in range(50)]
    assert validate_message(body="", media=media) == ("", media)


@pytest.mark.parametrize(
    ("body", "media", "argument", "reason", "says"),
    [
        pytest.param(
            None, None, "body", "not_a_string", "body: expected a str, got None", id="none"
        ),
        pytest.param(b"hi", None, "body", "not_a_string", "got bytes b'hi'", id="bytes"),
        pytest.param(
            "",
            None,
            "body",
            "empty_body",
            "body is empty; give a body, or media for an MMS",
            id="empty",
        ),
        pytest.param(" \t\n", [], "body", "empty_body", "body is empty", id="blank-and-no-media"),
        pytest.param(
            "hi",
            URL,
            "media",
            "not_a_list",
            "expected a list of URLs, got a str",
            id="bare-str-media",
        ),
        pytest.param("hi", {URL}, "media", "not_a_list", "got set", id="set-media"),
        pytest.param("hi", [URL, 5], "media[1]", "not_a_string", "got int 5", id="int-item"),
        pytest.param("hi", [None], "media[0]", "not_a_string", "got None", id="none-item"),
    ],
)
def test_refused_messages_name_the_argument_and_reason(
    body: object, media: object, argument: str, reason: str, says: str
) -> None:
    with pytest.raises(InvalidMessageError) as caught:
        validate_message(body=body, media=media)  # type: ignore[arg-type]
    assert caught.value.argument == argument
    assert caught.value.reason == reason
    assert says in caught.value.message


@pytest.mark.parametrize(
    ("url", "reason", "says"),
    [
        pytest.param("cdn.example.com/a.jpg", "not_a_url", "not an absolute URL", id="no-scheme"),
        pytest.param("/a.jpg", "not_a_url", "not an absolute URL", id="relative"),
        pytest.param("", "not_a_url", "not an absolute URL", id="empty"),
        pytest.param(
            "localhost:8080/a.png", "not_a_url", "not an absolute URL", id="no-scheme-port"
        ),
        pytest.param("http:/example.com", "not_a_url", "not an absolute URL", id="one-slash"),
        pytest.param("https:example.com", "not_a_url", "not an absolute URL", id="no-slashes"),
        pytest.param("https://", "not_a_url", "has no host", id="nothing-after-scheme"),
        pytest.param("https:///a.jpg", "not_a_url", "has no host", id="empty-host"),
        pytest.param("https://user@/a.jpg", "not_a_url", "has no host", id="userinfo-no-host"),
        pytest.param("https://:443/a.jpg", "not_a_url", "has no host", id="port-no-host"),
        pytest.param("https://[]/a.jpg", "not_a_url", "has no host", id="empty-ipv6"),
        pytest.param("https://ex[ample.com/", "not_a_url", "malformed host", id="bracket-in-host"),
        pytest.param("https://a.com/b c.jpg", "not_a_url", "whitespace", id="space"),
        pytest.param("https://a.com/b.jpg\n", "not_a_url", "whitespace", id="newline"),
        pytest.param("https://a.com/\x00", "not_a_url", "unprintable", id="nul"),
        pytest.param("https://a.com/\u200b", "not_a_url", "unprintable", id="zero-width-space"),
        pytest.param("ftp://a.com/b.jpg", "bad_scheme", "uses the scheme 'ftp'", id="ftp"),
        pytest.param("data:image/png;base64,AAAA", "bad_scheme", "scheme 'data'", id="data"),
        pytest.param("file:///tmp/a.jpg", "bad_scheme", "scheme 'file'", id="file"),
    ],
)
def test_refused_media_urls_name_the_item_and_reason(url: str, reason: str, says: str) -> None:
    with pytest.raises(InvalidMessageError) as caught:
        validate_message(body="hi", media=[url])
    assert caught.value.argument == "media[0]"
    assert caught.value.reason == reason
    assert caught.value.value is url
    assert says in caught.value.message


def test_a_media_error_keeps_the_offending_item_as_value() -> None:
    bad = "ftp://a.com/b.jpg"
    with pytest.raises(InvalidMessageError) as caught:
        validate_message(body="hi", media=[URL, bad])
    assert caught.value.value is bad
    assert caught.value.message.startswith("media[1]: 'ftp://a.com/b.jpg' uses the scheme")
    assert caught.value.message.endswith("expected an absolute http:// or https:// URL")


def test_a_media_error_quotes_a_long_url_truncated() -> None:
    bad = "ftp://example.com/" + "a" * 500
    with pytest.raises(InvalidMessageError) as caught:
        validate_message(body="hi", media=[bad])
    assert len(caught.value.message) < 200
    assert caught.value.value == bad


def test_media_is_checked_before_the_body_is_found_empty() -> None:
    with pytest.raises(InvalidMessageError) as caught:
        validate_message(body="", media=["nope"])
    assert caught.value.reason == "not_a_url"


def test_the_message_error_is_a_value_error_and_a_volt_error() -> None:
    with pytest.raises(InvalidMessageError) as caught:
        validate_message(body="", media=None)
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, ValidationError)
    assert isinstance(caught.value, VoltError)
