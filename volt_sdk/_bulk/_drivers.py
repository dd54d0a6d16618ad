"""The two drivers of :class:`Run`: asyncio tasks, or a bounded thread pool. I/O only.

Each pulls the input while the run wants it, starts the jobs the run hands out,
yields its results and feeds back what each job came back with. They differ
where the two worlds do: tasks and an event versus threads and futures.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Collection, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

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

__all__ = ["AsyncSender", "Sender", "send_many_async", "send_many_sync"]


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
    ) -> Message: ...

    def reconcile_message(
        self, unknown: MessageOutcomeUnknownError, *, exclude_ids: Collection[str]
    ) -> Message | None: ...


class _Future(Protocol):
    """What both kinds of future (asyncio's, concurrent.futures') offer."""

    def done(self) -> bool: ...
    def cancelled(self) -> bool: ...
    def exception(self) -> BaseException | None: ...
    def result(self) -> Outcome: ...


async def _run_async_job(client: AsyncSender, job: Job) -> Outcome:
    item = job.item
    try:
        if job.unknown is not None:
            return await client.reconcile_message(job.unknown, exclude_ids=job.exclude_ids), None
        if job.delay > 0:
            await _concurrency.async_sleep(job.delay)
        message = await client.send_message(
            to=item.to, from_=item.from_, body=item.body, media=item.media,
            passthrough=job.passthrough,
        )  # fmt: skip
    except VoltError as error:
        return None, error
    return message, None


def _run_sync_job(client: Sender, job: Job) -> Outcome:
    item = job.item
    try:
        if job.unknown is not None:
            return client.reconcile_message(job.unknown, exclude_ids=job.exclude_ids), None
        if job.delay > 0:
            _concurrency.sleep(job.delay)
        message = client.send_message(
            to=item.to, from_=item.from_, body=item.body, media=item.media,
            passthrough=job.passthrough,
        )  # fmt: skip
    except VoltError as error:
        return None, error
    return message, None


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
    tasks: dict[asyncio.Future[Outcome], Job] = {}
    done: deque[asyncio.Future[Outcome]] = deque()
    wake = asyncio.Event()

    def on_done(task: asyncio.Future[Outcome]) -> None:
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
                future = asyncio.ensure_future(_run_async_job(client, job))
                tasks[future] = job
                future.add_done_callback(on_done)
            for result in run.take_results():
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
                run.complete(tasks.pop(finished), finished.result())
    finally:
        try:
            _record_finished(run, tasks.items())
            for task in tasks:
                task.cancel()  # left "sending": the next run reconciles them
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
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
    pool = concurrent.futures.ThreadPoolExecutor(
        max_workers=options.concurrency, thread_name_prefix="volt-send-many"
    )
    futures: dict[concurrent.futures.Future[Outcome], Job] = {}
    index = 0
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
                futures[pool.submit(_run_sync_job, client, job)] = job
            yield from run.take_results()
            if run.finished():
                return
            timeout = run.next_due(_concurrency.monotonic())
            finished: set[concurrent.futures.Future[Outcome]] = set()
            if futures:
                finished, _ = concurrent.futures.wait(
                    futures, timeout, concurrent.futures.FIRST_COMPLETED
                )
            else:
                assert timeout is not None, "nothing running, nothing parked, not finished"
                _concurrency.sleep(timeout)
            for future in finished:
                run.complete(futures.pop(future), future.result())
    finally:
        try:
            pool.shutdown(wait=True, cancel_futures=True)  # a running send cannot be cancelled
            _record_finished(run, futures.items())
        finally:
            ledger.close()


def _record_finished(run: Run, jobs: Iterable[tuple[_Future, Job]]) -> None:
    """On an early stop, record the outcomes that came back (results nobody will see)."""
    for future, job in jobs:
        if future.done() and not future.cancelled() and future.exception() is None:
            run.complete(job, future.result())
    run.take_results()
