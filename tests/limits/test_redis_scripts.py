"""The Redis limiters' scripts against a real redis-server: the algorithm at explicit times,
atomicity across many acquirers, expiry, and what happens when Redis does not answer.

Time inside the scripts is Redis's (``TIME``); the tests that judge the algorithm pass an
explicit time instead (the scripts' last argument), so no assertion reads a real clock.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from tests.clock import FakeClock
from volt_sdk import ConfigurationError, LimiterUnavailableError
from volt_sdk.limits import (
    ConcurrencyLimiter,
    RateLimiter,
    RedisConcurrencyLimiter,
    RedisRateLimiter,
)

pytestmark = pytest.mark.anyio

T0 = 1_700_000_000_000_000  # microseconds of "Redis time" in the explicit-time tests
NOWHERE = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_the_redis_limiters_have_the_shape_of_the_protocols(redis_url: str) -> None:
    assert isinstance(RedisRateLimiter(redis_url, rate=5), RateLimiter)
    assert isinstance(RedisConcurrencyLimiter(redis_url, limit=2), ConcurrencyLimiter)


def test_a_rate_of_ten_spaces_messages_a_tenth_of_a_second_apart(redis_url: str) -> None:
    limiter = RedisRateLimiter(redis_url, rate=10, name="spacing")
    waits = [limiter.reserve(1, 60.0, _now_us=T0) for _ in range(4)]
    assert waits == [0.0, 0.1, 0.2, 0.3]


def test_a_burst_goes_at_once_and_the_rest_is_spaced(redis_url: str) -> None:
    limiter = RedisRateLimiter(redis_url, rate=10, burst=3, name="burst")
    waits = [limiter.reserve(1, 60.0, _now_us=T0) for _ in range(5)]
    assert waits == [0.0, 0.0, 0.0, 0.1, 0.2]


def test_the_limit_refills_with_redis_time_not_the_callers(redis_url: str) -> None:
    limiter = RedisRateLimiter(redis_url, rate=10, burst=2, name="refill")
    assert [limiter.reserve(1, 60.0, _now_us=T0) for _ in range(3)] == [0.0, 0.0, 0.1]
    # Half a second later (Redis time) the bucket is full again: two go at once.
    later = T0 + 500_000
    assert [limiter.reserve(1, 60.0, _now_us=later) for _ in range(3)] == [0.0, 0.0, 0.1]


def test_a_wait_past_max_wait_takes_nothing(redis_url: str) -> None:
    limiter = RedisRateLimiter(redis_url, rate=2, name="refuse")
    assert limiter.reserve(1, 60.0, _now_us=T0) == 0.0
    assert limiter.reserve(1, 0.5, _now_us=T0) is None  # would wait 0.5 s: refused
    assert limiter.reserve(1, 0.5, _now_us=T0) is None
    assert limiter.reserve(1, 0.6, _now_us=T0) == 0.5  # the refusals took nothing


def test_a_call_of_several_messages_costs_them_all(redis_url: str) -> None:
    limiter = RedisRateLimiter(redis_url, rate=10, name="count")
    assert limiter.reserve(3, 60.0, _now_us=T0) == 0.2
    assert limiter.reserve(1, 60.0, _now_us=T0) == 0.3


def test_an_idle_limit_leaves_no_key_behind(redis_url: str) -> None:
    limiter = RedisRateLimiter(redis_url, rate=10, name="idle")
    limiter.reserve(1, 60.0)
    client = redis.Redis.from_url(redis_url)
    ttl = client.pttl("volt_sdk:rate:idle")
    assert 0 < ttl <= 1_100  # the bucket is full again after 0.1 s; one second of slack


def test_limiters_of_other_names_do_not_share(redis_url: str) -> None:
    a = RedisRateLimiter(redis_url, rate=1, name="a")
    b = RedisRateLimiter(redis_url, rate=1, name="b")
    assert a.reserve(1, 60.0, _now_us=T0) == 0.0
    assert b.reserve(1, 60.0, _now_us=T0) == 0.0
    assert a.reserve(1, 60.0, _now_us=T0) == 1.0


def test_many_threads_reserving_at_once_never_share_a_slot(redis_url: str) -> None:
    limiter = RedisRateLimiter(redis_url, rate=100, name="atomic")
    with ThreadPoolExecutor(16) as pool:
        waits = list(pool.map(lambda _: limiter.reserve(1, 60.0, _now_us=T0), range(200)))
    # Each of the 200 got its own hundredth of a second: none twice, none skipped.
    assert sorted(round(w * 100) for w in waits if w is not None) == list(range(200))


async def test_the_async_half_shares_the_limit_with_the_blocking_one(redis_url: str) -> None:
    limiter = RedisRateLimiter(redis_url, rate=10, name="both")
    assert limiter.reserve(1, 60.0, _now_us=T0) == 0.0
    assert await limiter.areserve(1, 60.0, _now_us=T0) == 0.1
    assert limiter.reserve(1, 60.0, _now_us=T0) == 0.2
    await limiter.aclose()
    limiter.close()


def test_slots_are_handed_out_up_to_the_limit_and_come_back_on_release(redis_url: str) -> None:
    cap = RedisConcurrencyLimiter(redis_url, limit=2, name="slots")
    first = cap.try_acquire(30.0)
    second = cap.try_acquire(30.0)
    assert first is not None
    assert second is not None
    assert cap.try_acquire(30.0) is None
    cap.release(first)
    assert cap.try_acquire(30.0) is not None


def test_a_dead_processs_lease_expires_and_frees_its_slot(redis_url: str) -> None:
    cap = RedisConcurrencyLimiter(redis_url, limit=1, name="expiry")
    now_ms = T0 // 1000
    assert cap.try_acquire(5.0, _now_ms=now_ms) is not None  # never released: its holder died
    assert cap.try_acquire(5.0, _now_ms=now_ms + 4_999) is None
    assert cap.try_acquire(5.0, _now_ms=now_ms + 5_000) is not None


def test_many_threads_never_hold_more_slots_than_the_limit(redis_url: str) -> None:
    cap = RedisConcurrencyLimiter(redis_url, limit=3, name="atomic-slots")
    held = 0
    most = 0
    lock = threading.Lock()

    def work(_: int) -> None:
        nonlocal held, most
        lease = cap.acquire(30.0, 30.0)
        assert lease is not None
        with lock:
            held += 1
            most = max(most, held)
        with lock:
            held -= 1
        cap.release(lease)

    with ThreadPoolExecutor(12) as pool:
        list(pool.map(work, range(120)))
    assert most <= 3
    assert redis.Redis.from_url(redis_url).zcard("volt_sdk:slots:atomic-slots") == 0


def test_waiting_for_a_slot_gives_up_after_wait(redis_url: str, fake_clock: FakeClock) -> None:
    cap = RedisConcurrencyLimiter(redis_url, limit=1, name="wait")
    assert cap.acquire(1.0, 30.0) is not None
    assert cap.acquire(1.0, 30.0) is None
    assert sum(fake_clock.sleeps) == pytest.approx(1.0)  # polled, then gave up on time


async def test_the_async_slots_are_the_same_slots(redis_url: str, fake_clock: FakeClock) -> None:
    cap = RedisConcurrencyLimiter(redis_url, limit=1, name="async-slots")
    lease = await cap.aacquire(1.0, 30.0)
    assert lease is not None
    assert cap.try_acquire(30.0) is None
    await cap.arelease(lease)
    assert cap.try_acquire(30.0) is not None
    await cap.aclose()


def test_an_unreachable_redis_is_a_typed_error_by_default() -> None:
    limiter = RedisRateLimiter(NOWHERE, rate=5, name="down", timeout=0.5)
    with pytest.raises(LimiterUnavailableError) as caught:
        limiter.reserve(1, 60.0)
    assert "RedisRateLimiter('down')" in str(caught.value)
    assert "127.0.0.1:1" in str(caught.value)
    assert caught.value.limiter == "RedisRateLimiter('down')"
    cap = RedisConcurrencyLimiter(NOWHERE, limit=2, timeout=0.5)
    with pytest.raises(LimiterUnavailableError):
        cap.try_acquire(5.0)


async def test_an_unreachable_redis_is_a_typed_error_for_the_async_half_too() -> None:
    limiter = RedisRateLimiter(NOWHERE, rate=5, timeout=0.5)
    with pytest.raises(LimiterUnavailableError):
        await limiter.areserve(1, 60.0)
    await limiter.aclose()


def test_a_password_in_the_url_never_shows_in_the_error() -> None:
    limiter = RedisRateLimiter("redis://:s3cret@127.0.0.1:1/0", rate=5, timeout=0.5)
    with pytest.raises(LimiterUnavailableError) as caught:
        limiter.reserve(1, 60.0)
    assert "s3cret" not in str(caught.value)


def test_local_fallback_limits_this_process_and_warns_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    limiter = RedisRateLimiter(
        NOWHERE, rate=2, name="fallback", on_unavailable="local", timeout=0.5
    )
    with caplog.at_level(logging.WARNING, logger="volt_sdk.limits"):
        waits = [limiter.reserve(1, 60.0) for _ in range(3)]
    assert waits[0] == 0.0
    assert waits[2] == pytest.approx(1.0, abs=0.2)  # a local bucket of 2/s, burst 1
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "per-process limit of 2/s" in warnings[0].getMessage()


def test_local_fallback_caps_this_process_at_the_limit() -> None:
    cap = RedisConcurrencyLimiter(NOWHERE, limit=2, on_unavailable="local", timeout=0.5)
    leases = [cap.try_acquire(5.0) for _ in range(3)]
    assert [lease is not None for lease in leases] == [True, True, False]
    cap.release(leases[0])
    assert cap.try_acquire(5.0) is not None


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"rate": 0}, "rate"),
        ({"rate": float("nan")}, "rate"),
        ({"rate": 5, "burst": 0.5}, "burst"),
        ({"rate": 5, "name": ""}, "name"),
        ({"rate": 5, "on_unavailable": "ignore"}, "on_unavailable"),
        ({"rate": 5, "timeout": 0}, "timeout"),
    ],
)
def test_bad_settings_are_refused_naming_the_option(kwargs: dict[str, object], named: str) -> None:
    with pytest.raises(ConfigurationError, match=f"^{named}:"):
        RedisRateLimiter("redis://127.0.0.1:6379/0", **kwargs)  # type: ignore[arg-type]


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ConfigurationError, match=r"^limit:"):
        RedisConcurrencyLimiter("redis://127.0.0.1:6379/0", limit=0)


def test_a_url_or_a_client_is_needed_but_not_both(redis_url: str) -> None:
    with pytest.raises(ConfigurationError, match="a url or a client"):
        RedisRateLimiter(rate=5)
    with pytest.raises(ConfigurationError, match="a url or a client"):
        RedisRateLimiter(redis_url, rate=5, client=redis.Redis.from_url(redis_url))


def test_a_client_of_the_wrong_kind_is_named(redis_url: str) -> None:
    with pytest.raises(ConfigurationError, match="got str"):
        RedisRateLimiter(rate=5, client="redis://")
    limiter = RedisRateLimiter(rate=5, client=redis.asyncio.Redis.from_url(redis_url))
    with pytest.raises(ConfigurationError, match=r"needs a redis\.Redis"):
        limiter.reserve(1, 60.0)


def test_a_redis_client_of_ones_own_is_used(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    limiter = RedisRateLimiter(rate=10, name="own", client=client)
    assert limiter.reserve(1, 60.0, _now_us=T0) == 0.0
    assert client.get("volt_sdk:rate:own") is not None


def test_without_redis_py_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "redis", None)
    with pytest.raises(ConfigurationError, match=r"volt-sdk\[redis\]"):
        RedisRateLimiter("redis://127.0.0.1:6379/0", rate=5)


class _Flaky(redis.Redis):
    """A real connection that can be told Redis is down; counts the commands it was asked."""

    down = True
    asked = 0

    def execute_command(self, *args: object, **options: object) -> object:
        self.asked += 1
        if self.down:
            raise redis.ConnectionError("Connection refused")
        return super().execute_command(*args, **options)  # type: ignore[no-untyped-call]  # redis-py leaves it unannotated


def test_local_fallback_asks_redis_again_only_after_a_pause_and_says_when_it_is_back(
    redis_url: str, fake_clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    flaky = _Flaky(connection_pool=redis.ConnectionPool.from_url(redis_url))
    limiter = RedisRateLimiter(client=flaky, rate=1000, name="outage", on_unavailable="local")
    with caplog.at_level(logging.INFO, logger="volt_sdk.limits"):
        assert limiter.reserve(1, 60.0) == 0.0  # Redis down: the local bucket
        asked = flaky.asked
        assert asked > 0
        limiter.reserve(1, 60.0)
        fake_clock.advance(4.9)
        limiter.reserve(1, 60.0)
        assert flaky.asked == asked  # not asked again during the pause
        fake_clock.advance(0.1)
        limiter.reserve(1, 60.0)  # asked again, still down: another pause, no second warning
        assert flaky.asked > asked
        flaky.down = False
        fake_clock.advance(5.0)
        assert limiter.reserve(1, 60.0) == 0.0  # Redis answers: the shared limit again
        flaky.down = True
        fake_clock.advance(5.0)
        limiter.reserve(1, 60.0)  # a new outage is warned again
    lines = [(r.levelno, r.getMessage()) for r in caplog.records]
    assert [level for level, _ in lines] == [logging.WARNING, logging.INFO, logging.WARNING]
    assert "asking it again every 5s" in lines[0][1]
    assert (
        lines[1][1] == "RedisRateLimiter('outage'): Redis answers again; the shared limit is back"
    )
    flaky.close()


def test_a_local_concurrency_fallback_pauses_redis_too(
    redis_url: str, fake_clock: FakeClock
) -> None:
    flaky = _Flaky(connection_pool=redis.ConnectionPool.from_url(redis_url))
    cap = RedisConcurrencyLimiter(client=flaky, limit=1, name="outage", on_unavailable="local")
    first = cap.try_acquire(5.0)
    asked = flaky.asked
    assert first is not None
    assert cap.try_acquire(5.0) is None  # the local cap of 1
    assert flaky.asked == asked
    cap.release(first)
    flaky.down = False
    fake_clock.advance(5.0)
    lease = cap.try_acquire(5.0)
    assert lease is not None
    assert flaky.asked > asked
    assert flaky.zcard("volt_sdk:slots:outage") == 1  # a lease in Redis, not a local one
    cap.release(lease)
    flaky.close()
