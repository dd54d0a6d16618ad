"""classify_keyword: the whole text is the keyword, any case, padding and end punctuation aside."""

from __future__ import annotations

import pytest

from volt_sdk.stores import OPT_IN_KEYWORDS, OPT_OUT_KEYWORDS, classify_keyword


def test_the_keyword_sets_are_the_ctia_ones() -> None:
    assert (
        frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}) == OPT_OUT_KEYWORDS
    )
    assert frozenset({"START", "UNSTOP"}) == OPT_IN_KEYWORDS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("STOP", ("opt_out", "STOP")),
        ("stop", ("opt_out", "STOP")),
        ("Stop.", ("opt_out", "STOP")),
        ("stop!", ("opt_out", "STOP")),
        ("STOP?!", ("opt_out", "STOP")),
        ("  stop \n", ("opt_out", "STOP")),
        ('"Stop"', ("opt_out", "STOP")),
        ("\u201cstop\u201d", ("opt_out", "STOP")),
        ("'stop'", ("opt_out", "STOP")),
        ("StopAll", ("opt_out", "STOPALL")),
        ("unsubscribe", ("opt_out", "UNSUBSCRIBE")),
        ("Cancel", ("opt_out", "CANCEL")),
        ("end", ("opt_out", "END")),
        ("QUIT", ("opt_out", "QUIT")),
        ("start", ("opt_in", "START")),
        ("Unstop!", ("opt_in", "UNSTOP")),
        ("stop it", None),
        ("don't stop", None),
        ("please stop", None),
        ("STOP STOP", None),
        ("S T O P", None),
        (".stop", None),
        ("stops", None),
        ("HELP", None),
        ("", None),
        ("   ", None),
        ("!", None),
    ],
)
def test_a_text_is_a_keyword_only_when_it_is_nothing_else(
    text: str, expected: tuple[str, str] | None
) -> None:
    assert classify_keyword(text) == expected


def test_a_text_longer_than_64_characters_is_never_a_keyword() -> None:
    assert classify_keyword(" " * 60 + "STOP") == ("opt_out", "STOP")  # 64 characters
    assert classify_keyword(" " * 61 + "STOP") is None  # 65


@pytest.mark.parametrize("value", [None, 1, b"STOP", ["STOP"]])
def test_what_is_not_a_string_is_no_keyword(value: object) -> None:
    assert classify_keyword(value) is None


def test_the_keyword_sets_can_be_replaced() -> None:
    words = {"opt_out": frozenset({"HALT"}), "opt_in": frozenset({"RESUME"})}
    assert classify_keyword("halt", **words) == ("opt_out", "HALT")
    assert classify_keyword("Resume.", **words) == ("opt_in", "RESUME")
    assert classify_keyword("STOP", **words) is None
    assert classify_keyword("START", **words) is None


def test_a_word_in_both_sets_opts_out() -> None:
    both = frozenset({"STOP"})
    assert classify_keyword("stop", opt_out=both, opt_in=both) == ("opt_out", "STOP")
