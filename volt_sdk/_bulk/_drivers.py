"""The two drivers of :class:`Run`: asyncio tasks, or a bounded thread pool. I/O only.

Each pulls the input while the run wants it, starts the jobs the run hands out,
yields its results and feeds back what each job came back with. They differ
where the two worlds do: tasks and an event versus threads and futures.

Stopping (Ctrl-C in the blocking driver, a cancelled task, an iterator closed
early) is the same in both: nothing new is sent, a job that has not sent yet
stops, requests in flight get ``STOP_GRACE`` seconds to finish and are then
reported ``unknown``; on Ctrl-C the blocking driver yields those last results
before it lets the KeyboardInterrupt through.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import threading
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Collection, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Final, Protocol

from volt_sdk import _concurrency
from volt_sdk._bulk._jobs import Job, Outcome
from volt_sdk._bulk._ledger import open_ledger
from volt_sdk._bulk._options import BulkOptions
from volt_sdk._bulk._run import PhoneRules, Run
from volt_sdk._bulk._types import BulkResult, OutgoingMessage
from volt_sdk._errors import MessageOutcomeUnknownError, VoltError
from volt_sdk._models import Message

if TYPE_CHECKING:
    import asyncio

    from volt_sdk._stores import SuppressionList
    from volt_sdk._wire._limits import ConcurrencyLimiter, RateLimiter

__all__ = ["STOP_GRACE", "AsyncSender", "Sender", "send_many_async", "send_many_sync"]

#: Seconds the requests in flight get to finish once a run stops.
STOP_GRACE: Final = 2.0
# A shared rate's longest wait taken at once, and how often a wait for a shared slot
# looks whether the run stopped.
_MAX_RATE_WAIT: Final = 60.0
_SLOT_POLL: Final = 0.5


class AsyncSender(Protocol):
    """What the asynchronous driver calls on its client (``AsyncVolt``)."""

    async def send_message(
        self,
        *,
        to: str,
        from_: str,
        body: str,
        media: Sequence[str] | None,
        passthrough: str | None,
        suppression: SuppressionList | None,
    ) -> Message: ...

    async def reconcile_message(
        self, unknown: MessageOutcomeUnknownError, *, exclude_ids: Collection[str]
    ) -> Message | None: ...


class Sender(Protocol):
    """What the blocking driver calls on its client (``Volt``)."""

    def send_message(
        self,
        *,
        to: str,
        from_: str,
        body: str,
        media: Sequence[str] | None,
        passthrough: str | None,
        suppression: SuppressionList | None,
    ) -> Message: ...

    def reconcile_message(
        self, unknown: MessageOutcomeUnknownError, *, exclude_ids: Collection[str]
    ) -> Message | None: ...


class _Flight:
    """What a job and its driver share: the run's stop signal, and whether it sent."""

    __slots__ = ("sending", "stop")

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self.sending = False


async def _run_async_job(
    client: AsyncSender, job: Job, flight: _Flight, options: BulkOptions
) -> Outcome | None:
    """The job's outcome; None when it stopped before its request left."""
    item = job.item
    limits = options.limits
    slots = None if limits is None else limits.slots
    lease: object | None = None
    try:
        if job.unknown is not None:
            return await client.reconcile_message(job.unknown, exclude_ids=job.exclude_ids), None
        if job.delay > 0:
            await _concurrency.async_sleep(job.delay)
        if limits is not None:
            if limits.rate is not None:
                await _concurrency.async_sleep(await _reserve_async(limits.rate))
            if slots is not None:
                lease = await _acquire_async(slots, limits.hold, flight)
        if flight.stop.is_set():
            return None
        flight.sending = True
        message = await client.send_message(
            to=item.to, from_=item.from_, body=item.body, media=item.media,
            passthrough=job.passthrough, suppression=options.suppression,
        )  # fmt: skip
    except VoltError as error:
        return None, error
    finally:
        if lease is not None and slots is not None:
            await slots.arelease(lease)
    return message, None


async def _reserve_async(limiter: RateLimiter) -> float:
    """The seconds to wait for a send's share of a shared rate (taken now)."""
    while True:
        wait = await limiter.areserve(1, _MAX_RATE_WAIT)
        if wait is not None:
            return wait
        await _concurrency.async_sleep(_MAX_RATE_WAIT / 2)  # oversubscribed: ask again later


async def _acquire_async(slots: ConcurrencyLimiter, hold: float, flight: _Flight) -> object | None:
    """A slot's lease, polling so that a stopped run gives up; None once stopped."""
    while not flight.stop.is_set():
        lease = await slots.aacquire(_SLOT_POLL, hold)
        if lease is not None:
            return lease
    return None


def _run_sync_job(
    client: Sender, job: Job, flight: _Flight, options: BulkOptions
) -> Outcome | None:
    """The job's outcome; None when it stopped before its request left."""
    item = job.item
    limits = options.limits
    slots = None if limits is None else limits.slots
    lease: object | None = None
    try:
        if job.unknown is not None:
            return client.reconcile_message(job.unknown, exclude_ids=job.exclude_ids), None
        if job.delay > 0 and _concurrency.wait_event(flight.stop, job.delay):
            return None
        if limits is not None:
            if limits.rate is not None and _concurrency.wait_event(
                flight.stop, _reserve_sync(limits.rate, flight)
            ):
                return None
            if slots is not None:
                lease = _acquire_sync(slots, limits.hold, flight)
        if flight.stop.is_set():
            return None
        flight.sending = True
        message = client.send_message(
            to=item.to, from_=item.from_, body=item.body, media=item.media,
            passthrough=job.passthrough, suppression=options.suppression,
        )  # fmt: skip
    except VoltError as error:
        return None, error
    finally:
        if lease is not None and slots is not None:
            slots.release(lease)
    return message, None


def _reserve_sync(limiter: RateLimiter, flight: _Flight) -> float:
    """The seconds to wait for a send's share of a shared rate (taken now); 0 once stopped."""
    while not flight.stop.is_set():
        wait = limiter.reserve(1, _MAX_RATE_WAIT)
        if wait is not None:
            return wait
        _concurrency.wait_event(flight.stop, _MAX_RATE_WAIT / 2)  # oversubscribed
    return 0.0


def _acquire_sync(slots: ConcurrencyLimiter, hold: float, flight: _Flight) -> object | None:
    """A slot's lease, polling so that a stopped run gives up; None once stopped."""
    while not flight.stop.is_set():
        lease = slots.acquire(_SLOT_POLL, hold)
        if lease is not None:
            return lease
    return None


def _settle(run: Run, job: Job, outcome: Outcome | None) -> None:
    if outcome is None:
        run.release(job)
    else:
        run.complete(job, outcome)


async def send_many_async(
    client: AsyncSender,
    rules: PhoneRules,
    messages: Iterable[OutgoingMessage] | AsyncIterable[OutgoingMessage],
    options: BulkOptions,
) -> AsyncIterator[BulkResult]:
    """The asynchronous driver of :class:`Run` (see ``AsyncVolt.send_many``)."""
    # Here, not at the top: the blocking driver, in this module too, never needs asyncio.
    import asyncio

    ledger = open_ledger(options.journal)
    run = Run(ledger, rules, options)
    if isinstance(messages, AsyncIterable):
        async_source: AsyncIterator[OutgoingMessage] | None = aiter(messages)
        source: Iterator[OutgoingMessage] | None = None
    else:
        async_source, source = None, iter(messages)
    stop = threading.Event()
    tasks: dict[asyncio.Future[Outcome | None], tuple[Job, _Flight]] = {}
    done: deque[asyncio.Future[Outcome | None]] = deque()
    wake = asyncio.Event()

    def on_done(task: asyncio.Future[Outcome | None]) -> None:
        done.append(task)
        wake.set()

    index = 0
    try:
        while True:
            while run.wants_input():
                try:
                    if async_source is not None:
                        request = await anext(async_source)
                    else:
                        assert source is not None
                        request = next(source)
                except (StopIteration, StopAsyncIteration):
                    run.end_of_input()
                    break
                run.add(index, request)
                index += 1
            for job in run.dispatch(_concurrency.monotonic()):
                flight = _Flight(stop)
                future = asyncio.ensure_future(_run_async_job(client, job, flight, options))
                tasks[future] = (job, flight)
                future.add_done_callback(on_done)
            for result in run.hand_out():
                yield result
            if run.finished():
                return
            if not done:
                timeout = run.next_due(_concurrency.monotonic())
                if not tasks:
                    # No task can set the event: only the clock can bring the next item.
                    assert timeout is not None, "nothing running, nothing parked, not finished"
                    await _concurrency.async_sleep(timeout)
                else:
                    wake.clear()
                    if timeout is None:
                        await wake.wait()
                    else:
                        with contextlib.suppress(asyncio.TimeoutError):
                            await asyncio.wait_for(wake.wait(), timeout)
            while done:
                finished = done.popleft()
                if finished in tasks:
                    _settle(run, tasks.pop(finished)[0], finished.result())
    finally:
        # A normal end leaves nothing running; an early one (aclose, a cancelled
        # task, an error) stops the run here. Its last results have nobody to go to.
        try:
            stop.set()
            run.stop()
            waiting = [t for t, (_, flight) in tasks.items() if not flight.sending]
            for task in waiting:
                task.cancel()  # not sent yet: it never will be
            in_flight = [t for t in tasks if t not in waiting]
            if in_flight:
                await asyncio.wait(in_flight, timeout=STOP_GRACE)
            for task in in_flight:
                task.cancel()
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
            for task, (job, flight) in tasks.items():
                if not task.cancelled() and task.exception() is None:
                    _settle(run, job, task.result())
                elif flight.sending:
                    run.abandon(job)
                else:
                    run.release(job)
            ledger.commit()
            run.results.clear()  # nobody is left to hand them to: the journal has them
        finally:
            ledger.close()


def send_many_sync(
    client: Sender,
    rules: PhoneRules,
    messages: Iterable[OutgoingMessage],
    options: BulkOptions,
) -> Iterator[BulkResult]:
    """The blocking driver of :class:`Run` (see ``Volt.send_many``)."""
    ledger = open_ledger(options.journal)
    run = Run(ledger, rules, options)
    source = iter(messages)
    stop = threading.Event()
    pool = concurrent.futures.ThreadPoolExecutor(
        max_workers=options.concurrency, thread_name_prefix="volt-send-many"
    )
    futures: dict[concurrent.futures.Future[Outcome | None], Job] = {}
    index = 0
    try:
        try:
            while True:
                while run.wants_input():
                    try:
                        request = next(source)
                    except StopIteration:
                        run.end_of_input()
                        break
                    run.add(index, request)
                    index += 1
                for job in run.dispatch(_concurrency.monotonic()):
                    futures[pool.submit(_run_sync_job, client, job, _Flight(stop), options)] = job
                yield from run.hand_out()
                if run.finished():
                    return
                timeout = run.next_due(_concurrency.monotonic())
                finished: set[concurrent.futures.Future[Outcome | None]] = set()
                if futures:
                    finished, _ = concurrent.futures.wait(
                        futures, timeout, concurrent.futures.FIRST_COMPLETED
                    )
                else:
                    assert timeout is not None, "nothing running, nothing parked, not finished"
                    _concurrency.sleep(timeout)
                for future in finished:
                    _settle(run, futures.pop(future), future.result())
        except KeyboardInterrupt:
            # Ctrl-C: stop sending, let what is in flight finish briefly, and give
            # the caller every outcome (its summary must match the journal) first.
            _stop_sync(run, stop, futures)
            yield from run.hand_out()
            raise
    finally:
        try:
            _stop_sync(run, stop, futures)
            run.results.clear()  # nobody is left to hand them to: the journal has them
            # Threads still in a request are not waited for: their items are reported
            # unknown and the journal reconciles them on the next run.
            pool.shutdown(wait=False, cancel_futures=True)
        finally:
            ledger.close()


def _stop_sync(
    run: Run, stop: threading.Event, futures: dict[concurrent.futures.Future[Outcome | None], Job]
) -> None:
    """Stop the run: nothing new leaves; the requests in flight get STOP_GRACE seconds."""
    stop.set()
    run.stop()
    for future in [f for f in futures if f.cancel()]:
        run.release(futures.pop(future))  # queued, never started
    if futures:
        finished, _ = concurrent.futures.wait(futures, STOP_GRACE)
        for future in finished:
            job = futures.pop(future)
            if future.exception() is None:
                _settle(run, job, future.result())
            else:
                run.abandon(job)
        for job in futures.values():
            run.abandon(job)
        futures.clear()
    run.ledger.commit()
