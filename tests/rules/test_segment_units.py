"""message_segments counts in whole units: UTF-16 code units for UCS-2, septets for GSM-7."""

from __future__ import annotations

import dataclasses

import pytest

from volt_sdk._message import message_segments

EMOJI = "\U0001f600"  # outside the BMP: two UTF-16 code units


@pytest.mark.parametrize(
    "body",
    ["", "hi", "€" * 81, "Ж" * 71, EMOJI * 36, "Ж" * 66 + EMOJI + "Ж" * 5],
    ids=["empty", "gsm", "gsm-extension", "ucs2", "emoji", "emoji-at-a-boundary"],
)
def test_every_count_is_an_int(body: str) -> None:
    info = message_segments(body)
    counts = dataclasses.astuple(info)[1:]
    assert [type(count) for count in counts] == [int] * 5, info


def test_the_last_bmp_character_is_one_unit_even_in_a_split_body() -> None:
    # U+FFFF is the last code point of the Basic Multilingual Plane: one UTF-16
    # unit, unlike the emoji beside it, so 73 units: 67, then 6 of 67.
    info = message_segments("\uffff" + EMOJI + "Ж" * 70)
    assert (info.encoding, info.characters, info.units) == ("UCS-2", 72, 73)
    assert (info.segments, info.units_per_segment, info.remaining) == (2, 67, 61)


def test_a_two_unit_character_is_never_split_across_parts() -> None:
    # 66 one-unit characters, then an emoji that does not fit in the first part.
    info = message_segments("\uffff" * 66 + EMOJI + "\uffff" * 10)
    assert (info.units, info.segments, info.remaining) == (78, 2, 67 - 12)
