"""The deduplication stores: atomic claims across threads and processes, leases, release, TTL."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from tests.clock import FakeClock
from tests.redis_server import finishes
from volt_sdk.webhooks import (
    ClaimResult,
    DedupStore,
    MemoryDedup,
    MessageReceivedEvent,
    RedisDedup,
    SQLiteDedup,
    WebhookReceiver,
)

from .kit import RECEIVED, private_key, signed


@pytest.fixture(params=["memory", "sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DedupStore]:
    if request.param == "memory":
        yield MemoryDedup()
    elif request.param == "sqlite":
        yield SQLiteDedup(tmp_path / "events.sqlite3")
    else:
        client = redis.Redis.from_url(request.getfixturevalue("redis_url"))
        yield RedisDedup(client)
        client.close()


def claim_from_threads(claim: Callable[[str], ClaimResult], count: int) -> list[ClaimResult]:
    barrier = threading.Barrier(count)
    results: list[ClaimResult] = []
    lock = threading.Lock()

    def worker(number: int) -> None:
        barrier.wait()
        result = claim(f"worker-{number}")
        with lock:
            results.append(result)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_one_of_many_concurrent_claims_wins(store: DedupStore) -> None:
    results = claim_from_threads(lambda token: store.claim("evt_1", token, 60), 8)
    assert sorted(results) == ["claimed"] + ["in_flight"] * 7


def test_a_confirmed_id_is_done_and_a_released_one_free_again(store: DedupStore) -> None:
    assert store.claim("evt_1", "a", 60) == "claimed"
    store.release("evt_1", "b")  # not b's claim: nothing happens
    assert store.claim("evt_1", "b", 60) == "in_flight"
    store.release("evt_1", "a")
    assert store.claim("evt_1", "b", 60) == "claimed"
    store.confirm("evt_1", "b", 3600)
    assert store.claim("evt_1", "c", 60) == "done"
    store.release("evt_1", "b")  # a handled id is never released
    assert store.claim("evt_1", "c", 60) == "done"
    assert store.claim("evt_2", "c", 60) == "claimed"


def test_two_receivers_sharing_a_store_handle_a_delivery_once(store: DedupStore) -> None:
    handled: list[str | None] = []
    started, release = threading.Event(), threading.Event()

    def slow(event: MessageReceivedEvent) -> None:
        handled.append(event.id)
        started.set()
        release.wait(10)

    receivers = [WebhookReceiver(keys=private_key().public_key(), dedup=store) for _ in range(2)]
    for hook in receivers:
        hook.router.on(MessageReceivedEvent)(slow)
    statuses: list[int] = []

    def deliver(hook: WebhookReceiver) -> None:
        statuses.append(hook.handle(*signed(RECEIVED)).status)

    first = threading.Thread(target=deliver, args=(receivers[0],))
    first.start()
    assert started.wait(10)  # the first receiver is inside its handler
    deliver(receivers[1])  # meanwhile, Volt's retry reaches the other one
    release.set()
    first.join(10)
    assert statuses == [503, 204]
    assert handled == ["evt_1"]
    assert receivers[1].handle(*signed(RECEIVED)).outcome == "duplicate"


def test_memory_forgets_the_least_recently_seen_beyond_its_bound(fake_clock: FakeClock) -> None:
    store = MemoryDedup(max_entries=2)
    for event_id in ("a", "b"):
        store.claim(event_id, "t", 60)
        store.confirm(event_id, "t", 3600)
    assert store.claim("a", "t", 60) == "done"  # a is now the most recently seen
    store.claim("c", "t", 60)
    assert len(store) == 2
    assert store.claim("b", "t", 60) == "claimed"  # b was forgotten
    with pytest.raises(ValueError, match="max_entries"):
        MemoryDedup(max_entries=0)


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_a_lease_and_a_handled_id_expire(kind: str, fake_clock: FakeClock, tmp_path: Path) -> None:
    store: DedupStore = MemoryDedup() if kind == "memory" else SQLiteDedup(tmp_path / "e.db")
    assert store.claim("evt_1", "a", 30) == "claimed"
    fake_clock.advance(29)
    assert store.claim("evt_1", "b", 30) == "in_flight"
    fake_clock.advance(1)
    assert store.claim("evt_1", "b", 30) == "claimed"  # a's process died: b takes over
    store.confirm("evt_1", "b", 100)
    fake_clock.advance(99)
    assert store.claim("evt_1", "c", 30) == "done"
    fake_clock.advance(1)
    assert store.claim("evt_1", "c", 30) == "claimed"


def test_redis_keys_expire_by_themselves(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    store = RedisDedup(client, prefix="hooks:")
    store.claim("evt_1", "a", 30)
    assert 0 < client.pttl("hooks:evt_1") <= 30_000
    store.confirm("evt_1", "a", 3600)
    assert 30_000 < client.pttl("hooks:evt_1") <= 3_600_000
    assert client.get("hooks:evt_1") == b"done"
    client.close()
    from_url = RedisDedup.from_url(redis_url, prefix="hooks:")
    assert from_url.claim("evt_1", "b", 30) == "done"


_CLAIM = """
import sys
from volt_sdk.webhooks import SQLiteDedup
print(SQLiteDedup(sys.argv[1]).claim("evt_1", sys.argv[2], 60))
"""


def test_sqlite_claims_are_atomic_across_processes(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite3"
    SQLiteDedup(path)  # the table, before the race
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _CLAIM, str(path), f"p{n}"], stdout=subprocess.PIPE, text=True
        )
        for n in range(6)
    ]
    results = sorted(p.communicate(timeout=60)[0].strip() for p in processes)
    assert results == ["claimed"] + ["in_flight"] * 5


def test_a_redis_built_from_a_url_that_hangs_times_out_instead_of_holding_the_request(
    silent_redis_url: str,
) -> None:
    """The receiver answers a failing store with 503 (Volt retries); a store that never
    answers would hold the request instead, so ``from_url`` sets a socket timeout."""
    import redis

    store = RedisDedup.from_url(silent_redis_url, timeout=0.2)
    error = finishes(lambda: store.claim("evt_1", "token", 60.0))
    assert isinstance(error, redis.TimeoutError)
