"""The suppression lists: one entry per number, its latest change; in memory, SQLite and Redis."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis

from tests.clock import FakeClock
from volt_sdk.stores import (
    MemorySuppressionList,
    RedisSuppressionList,
    SQLiteSuppressionList,
    SuppressionEntry,
    SuppressionList,
)

NUMBER = "+15555550145"
OURS = "+15555550100"

Store = MemorySuppressionList | SQLiteSuppressionList | RedisSuppressionList


def make(kind: str, tmp_path: Path, redis_url: str | None = None) -> Store:
    if kind == "memory":
        return MemorySuppressionList()
    if kind == "sqlite":
        return SQLiteSuppressionList(tmp_path / "suppression.db")
    assert redis_url is not None
    return RedisSuppressionList.from_url(redis_url)


@pytest.fixture
def store(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Store:
    url = request.getfixturevalue("redis_url") if kind == "redis" else None
    return make(kind, tmp_path, url)


def test_every_kind_is_a_suppression_list(store: Store) -> None:
    assert isinstance(store, SuppressionList)


def test_an_unknown_number_has_no_entry_and_is_not_suppressed(store: Store) -> None:
    assert store.lookup(NUMBER) is None
    assert store.is_suppressed(NUMBER) is False


def test_a_recorded_change_is_the_numbers_entry(store: Store) -> None:
    assert store.record(NUMBER, opted_out=True, at=1_700_000_000.25, keyword="STOP", sender=OURS)
    assert store.lookup(NUMBER) == SuppressionEntry(NUMBER, True, 1_700_000_000.25, "STOP", OURS)
    assert store.is_suppressed(NUMBER) is True
    assert store.lookup("+15555550146") is None


def test_a_change_without_a_sender_keeps_none(store: Store) -> None:
    assert store.record(NUMBER, opted_out=False, at=5.5, keyword="START") is True
    assert store.lookup(NUMBER) == SuppressionEntry(NUMBER, False, 5.5, "START", None)
    assert store.is_suppressed(NUMBER) is False


def test_a_later_change_replaces_the_entry(store: Store) -> None:
    assert store.record(NUMBER, opted_out=True, at=100.0, keyword="STOP", sender=OURS) is True
    assert store.record(NUMBER, opted_out=False, at=101.0, keyword="START") is True
    assert store.lookup(NUMBER) == SuppressionEntry(NUMBER, False, 101.0, "START", None)


def test_an_older_change_is_ignored_whatever_order_they_come_in(store: Store) -> None:
    assert store.record(NUMBER, opted_out=False, at=200.0, keyword="START", sender=OURS) is True
    assert store.record(NUMBER, opted_out=True, at=199.999, keyword="STOP") is False
    assert store.lookup(NUMBER) == SuppressionEntry(NUMBER, False, 200.0, "START", OURS)
    assert store.is_suppressed(NUMBER) is False


def test_of_two_changes_at_the_same_time_the_last_recorded_wins(store: Store) -> None:
    assert store.record(NUMBER, opted_out=True, at=300.0, keyword="STOP") is True
    assert store.record(NUMBER, opted_out=False, at=300.0, keyword="UNSTOP") is True
    assert store.lookup(NUMBER) == SuppressionEntry(NUMBER, False, 300.0, "UNSTOP", None)


def test_numbers_are_independent(store: Store) -> None:
    store.record(NUMBER, opted_out=True, at=10.0, keyword="STOP")
    store.record("+15555550146", opted_out=False, at=20.0, keyword="START")
    assert store.is_suppressed(NUMBER) is True
    assert store.is_suppressed("+15555550146") is False


def test_the_helpers_record_a_manual_change_now_or_at_a_given_time(
    store: Store, fake_clock: FakeClock
) -> None:
    assert store.opt_out(NUMBER) is True
    assert store.lookup(NUMBER) == SuppressionEntry(NUMBER, True, 1_700_000_000.0, "manual", None)
    fake_clock.advance(5)
    assert store.opt_in(NUMBER, keyword="support") is True
    assert store.lookup(NUMBER) == SuppressionEntry(NUMBER, False, 1_700_000_005.0, "support", None)
    assert store.opt_out(NUMBER, at=1_700_000_004.0) is False  # older than the opt-in
    assert store.opt_out(NUMBER, keyword="import", at=1_700_000_009.0) is True
    assert store.lookup(NUMBER) == SuppressionEntry(NUMBER, True, 1_700_000_009.0, "import", None)


def test_the_memory_list_counts_its_numbers() -> None:
    store = MemorySuppressionList()
    assert len(store) == 0
    store.opt_out(NUMBER, at=1.0)
    store.opt_in(NUMBER, at=2.0)
    store.opt_out("+15555550146", at=1.0)
    assert len(store) == 2


def test_two_sqlite_lists_on_one_file_share_their_entries(tmp_path: Path) -> None:
    first = SQLiteSuppressionList(tmp_path / "shared.db")
    second = SQLiteSuppressionList(str(tmp_path / "shared.db"))
    assert first.record(NUMBER, opted_out=True, at=50.0, keyword="STOP", sender=OURS) is True
    assert second.lookup(NUMBER) == SuppressionEntry(NUMBER, True, 50.0, "STOP", OURS)
    assert second.record(NUMBER, opted_out=False, at=49.0, keyword="START") is False
    assert second.record(NUMBER, opted_out=False, at=51.0, keyword="START") is True
    assert first.lookup(NUMBER) == SuppressionEntry(NUMBER, False, 51.0, "START", None)
    assert first.path == tmp_path / "shared.db"
    assert second.path == tmp_path / "shared.db"


def test_two_redis_lists_share_their_entries_and_a_prefix_separates_them(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    first = RedisSuppressionList(client)
    second = RedisSuppressionList.from_url(redis_url)
    other = RedisSuppressionList(client, prefix="tenant2:")
    assert first.record(NUMBER, opted_out=True, at=7.0, keyword="QUIT", sender=OURS) is True
    assert second.lookup(NUMBER) == SuppressionEntry(NUMBER, True, 7.0, "QUIT", OURS)
    assert other.lookup(NUMBER) is None
    assert sorted(client.keys()) == [b"volt:suppression:+15555550145"]
    assert client.hgetall("volt:suppression:+15555550145") == {
        b"opted_out": b"1",
        b"at": b"7.0",
        b"keyword": b"QUIT",
        b"sender": OURS.encode(),
    }
    assert client.ttl("volt:suppression:+15555550145") == -1  # an opt-out never expires
