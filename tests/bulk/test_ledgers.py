"""The ledger contract: the run asks both ledgers the same questions and gets the same answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from volt_sdk._bulk._ledger import Journal, Ledger, MemoryLedger, Row, fingerprint_of

FINGERPRINT = fingerprint_of("+15555550145", "+15555550123", "Hi", ())
OTHER = fingerprint_of("+15555550145", "+15555550123", "Bye", ())


@pytest.fixture(params=["memory", "journal"])
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Ledger]:
    opened: Ledger = MemoryLedger() if request.param == "memory" else Journal(str(tmp_path / "j"))
    yield opened
    opened.close()


def test_a_new_ledger_has_no_earlier_rows(ledger: Ledger) -> None:
    assert ledger.prior_rows == 0


def test_a_key_is_admitted_once(ledger: Ledger) -> None:
    assert ledger.admit("a", 0, FINGERPRINT) is None
    assert ledger.admit("a", 1, FINGERPRINT) is False
    assert ledger.admit_invalid("a") is False


def test_the_key_of_an_invalid_item_is_taken_too(ledger: Ledger) -> None:
    assert ledger.admit_invalid("bad") is True
    assert ledger.admit_invalid("bad") is False
    assert ledger.admit("bad", 1, FINGERPRINT) is False


def test_sent_ids_are_attributed_by_content(ledger: Ledger) -> None:
    for key, fingerprint in (("a", FINGERPRINT), ("b", FINGERPRINT), ("c", OTHER)):
        assert ledger.admit(key, 0, fingerprint) is None
    ledger.claim("a", "vsdk-1", 1.0, 1)
    ledger.record("a", FINGERPRINT, "sent", message_id="m1", attempts=1)
    ledger.record("b", FINGERPRINT, "sent", message_id="m2", attempts=1, reconciled=True)
    ledger.record("c", OTHER, "failed", reason="refused", attempts=1)
    ledger.commit()
    assert ledger.attributed_ids(FINGERPRINT) == {"m1", "m2"}
    assert ledger.attributed_ids(OTHER) == frozenset()


def test_a_journal_gives_the_next_run_what_this_one_recorded(tmp_path: Path) -> None:
    path = str(tmp_path / "j")
    first = Journal(path)
    first.admit("a", 0, FINGERPRINT)
    first.claim("a", "vsdk-1", 1.0, 1)
    first.record("a", FINGERPRINT, "sent", message_id="m1", attempts=1)
    first.close()
    second = Journal(path)
    try:
        assert second.prior_rows == 1
        row = second.admit("a", 0, FINGERPRINT)
        assert isinstance(row, Row)
        assert (row.state, row.message_id, row.passthrough, row.attempts) == (
            "sent",
            "m1",
            "vsdk-1",
            1,
        )
        assert second.admit("a", 0, FINGERPRINT) is False  # once per run
    finally:
        second.close()
