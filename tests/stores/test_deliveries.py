"""The delivery logs: one record per message, merged across its events; in memory, SQLite, Redis."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import replace
from pathlib import Path

import pytest
import redis

from tests.clock import FakeClock
from volt_sdk.stores import (
    DEFAULT_DELIVERY_TTL,
    DeliveryLog,
    DeliveryRecord,
    MemoryDeliveryLog,
    RedisDeliveryLog,
    SQLiteDeliveryLog,
)

NOW = 1_700_000_000.0  # the fake clock's wall time
OURS = "+15555550100"
THEM = "+15555550145"
SENT = DeliveryRecord(
    id="msg_1",
    to=THEM,
    from_=OURS,
    body="Your code is 123456",
    media=("https://example.com/a.png", "https://example.com/b.png"),
    passthrough="otp-1",
    at=NOW - 10,
    status="sent",
)

Log = MemoryDeliveryLog | SQLiteDeliveryLog | RedisDeliveryLog


@pytest.fixture
def log(kind: str, tmp_path: Path, request: pytest.FixtureRequest, fake_clock: FakeClock) -> Log:
    if kind == "memory":
        return MemoryDeliveryLog()
    if kind == "sqlite":
        return SQLiteDeliveryLog(tmp_path / "deliveries.db")
    return RedisDeliveryLog.from_url(request.getfixturevalue("redis_url"))


def test_the_default_ttl_is_seven_days() -> None:
    assert DEFAULT_DELIVERY_TTL == 604_800.0


def test_every_kind_is_a_delivery_log(log: Log) -> None:
    assert isinstance(log, DeliveryLog)


def test_a_record_is_found_by_its_passthrough_as_recorded(log: Log) -> None:
    log.record(SENT)
    assert log.by_passthrough("otp-1") == SENT
    assert log.by_passthrough("otp-2") is None


def test_a_record_without_media_or_passthrough_or_status(log: Log) -> None:
    bare = replace(SENT, media=(), passthrough=None, status=None, body="")
    log.record(bare)
    assert log.between(OURS, THEM, 0.0) == [bare]
    assert log.by_passthrough("") is None


def test_two_events_of_one_message_merge_first_time_latest_status_passthrough_kept(
    log: Log,
) -> None:
    log.record(SENT)
    log.record(replace(SENT, at=NOW - 5, passthrough=None, status="delivered"))
    merged = replace(SENT, status="delivered")  # the sent time, the final status
    assert log.by_passthrough("otp-1") == merged
    log.record(replace(SENT, at=NOW - 1, passthrough=None, status=None))  # says nothing new
    assert log.between(OURS, THEM, 0.0) == [merged]


def test_a_late_event_about_an_earlier_time_moves_the_time_back(log: Log) -> None:
    finalized = replace(SENT, at=NOW - 5, passthrough=None, status="delivered")
    log.record(finalized)  # message.finalized arrived first
    log.record(replace(SENT, status="sent"))  # then message.sent, from before
    assert log.between(OURS, THEM, 0.0) == [replace(SENT, status="sent")]
    assert log.by_passthrough("otp-1") == replace(SENT, status="sent")


def test_a_passthrough_learned_from_a_later_event_is_kept(log: Log) -> None:
    log.record(replace(SENT, passthrough=None))
    log.record(replace(SENT, status="delivered"))
    assert log.by_passthrough("otp-1") == replace(SENT, status="delivered")


def test_between_lists_one_pairs_messages_since_a_time_oldest_first(log: Log) -> None:
    second = replace(SENT, id="msg_2", passthrough="otp-2", at=NOW - 3)
    first = replace(SENT, id="msg_3", passthrough=None, at=NOW - 8)
    other_recipient = replace(SENT, id="msg_4", to="+15555550146", at=NOW - 4)
    other_sender = replace(SENT, id="msg_5", from_="+15555550101", at=NOW - 4)
    for each in (second, SENT, first, other_recipient, other_sender):
        log.record(each)
    assert log.between(OURS, THEM, 0.0) == [SENT, first, second]
    assert log.between(OURS, THEM, NOW - 8) == [first, second]  # since is inclusive
    assert log.between(OURS, THEM, NOW - 7.999) == [second]
    assert log.between(OURS, THEM, NOW) == []
    assert log.between(THEM, OURS, 0.0) == []
    assert log.between(OURS, "+15555550146", 0.0) == [other_recipient]


@pytest.mark.parametrize("local", ["memory", "sqlite"])  # Redis: its own clock, below
def test_records_older_than_the_ttl_are_not_read(
    local: str, tmp_path: Path, fake_clock: FakeClock
) -> None:
    log: Log = (
        MemoryDeliveryLog(ttl=60.0)
        if local == "memory"
        else SQLiteDeliveryLog(tmp_path / "d.db", ttl=60.0)
    )
    log.record(replace(SENT, at=NOW - 30))
    assert log.by_passthrough("otp-1") == replace(SENT, at=NOW - 30)
    fake_clock.advance(30)  # exactly 60 s old: still kept
    assert log.between(OURS, THEM, 0.0) == [replace(SENT, at=NOW - 30)]
    fake_clock.advance(0.5)
    assert log.by_passthrough("otp-1") is None
    assert log.between(OURS, THEM, 0.0) == []


def test_redis_records_expire_after_the_ttl(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    log = RedisDeliveryLog(client, ttl=30.0)
    log.record(replace(SENT, at=time.time()))
    ttls = {key: client.pttl(key) for key in client.scan_iter("*")}
    assert sorted(ttls) == [
        b"volt:deliveries:msg:msg_1",
        b"volt:deliveries:pair:+15555550100|+15555550145",
        b"volt:deliveries:ref:otp-1",
    ]
    assert all(29_000 < ttl <= 30_000 for ttl in ttls.values()), ttls

    short = RedisDeliveryLog(client, prefix="short:", ttl=0.05)
    short.record(replace(SENT, at=time.time()))
    deadline = time.monotonic() + 5
    while short.by_passthrough("otp-1") is not None:  # Redis's own expiry, in real time
        assert time.monotonic() < deadline, "the record did not expire"
        time.sleep(0.02)
    assert short.between(OURS, THEM, 0.0) == []
    assert log.by_passthrough("otp-1") is not None  # another prefix, another ttl


def test_a_redis_write_prunes_the_pairs_entries_older_than_the_ttl(
    redis_url: str, fake_clock: FakeClock
) -> None:
    client = redis.Redis.from_url(redis_url)
    log = RedisDeliveryLog(client, ttl=60.0)
    log.record(replace(SENT, at=NOW - 61))
    log.record(replace(SENT, id="msg_2", passthrough=None, at=NOW - 59))
    pair = "volt:deliveries:pair:+15555550100|+15555550145"
    assert client.zrange(pair, 0, -1, withscores=True) == [(b"msg_2", NOW - 59)]


@pytest.mark.usefixtures("fake_clock")
def test_the_memory_log_forgets_its_oldest_record_beyond_max_entries() -> None:
    log = MemoryDeliveryLog(max_entries=2)
    for n in (1, 2, 3):
        log.record(replace(SENT, id=f"msg_{n}", passthrough=f"otp-{n}", at=NOW))
    assert len(log) == 2
    assert log.by_passthrough("otp-1") is None
    assert log.by_passthrough("otp-3") == replace(SENT, id="msg_3", passthrough="otp-3", at=NOW)


def test_the_memory_log_needs_room_for_one_record() -> None:
    with pytest.raises(ValueError, match=r"^max_entries: expected at least 1, got 0$"):
        MemoryDeliveryLog(max_entries=0)


@pytest.mark.usefixtures("fake_clock")
def test_two_sqlite_logs_on_one_file_share_their_records(tmp_path: Path) -> None:
    first = SQLiteDeliveryLog(tmp_path / "shared.db")
    second = SQLiteDeliveryLog(tmp_path / "shared.db")
    first.record(SENT)
    second.record(replace(SENT, passthrough=None, status="failed", at=NOW - 2))
    assert first.by_passthrough("otp-1") == replace(SENT, status="failed")
    assert second.between(OURS, THEM, 0.0) == [replace(SENT, status="failed")]
    assert first.path == tmp_path / "shared.db"


def test_an_sqlite_write_deletes_expired_rows_on_its_first_write(
    tmp_path: Path, fake_clock: FakeClock
) -> None:
    log = SQLiteDeliveryLog(tmp_path / "d.db", ttl=60.0)
    log.record(replace(SENT, at=NOW - 61))  # the first write of this log prunes
    log.record(replace(SENT, id="msg_2", at=NOW - 61))  # the second does not
    with sqlite3.connect(tmp_path / "d.db") as connection:
        rows = connection.execute("SELECT id FROM volt_deliveries").fetchall()
    assert rows == [("msg_2",)]
