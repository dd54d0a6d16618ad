"""The decisions of one ``send_many`` run, for both drivers: no I/O but the ledger's."""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Iterator
from typing import Final, Protocol

from volt_sdk import _concurrency
from volt_sdk._bulk._jobs import Item, Job, Outcome
from volt_sdk._bulk._ledger import JournalState, Ledger, fingerprint_of
from volt_sdk._bulk._options import BulkOptions
from volt_sdk._bulk._types import BulkResult, BulkStatus, OutgoingMessage, duplicate_key_error
from volt_sdk._errors import (
    LimiterUnavailableError,
    MessageOutcomeUnknownError,
    RateLimitError,
    RecipientSuppressedError,
    StoreUnavailableError,
    TransportError,
    ValidationError,
    VoltError,
)
from volt_sdk._message import validate_message
from volt_sdk._models import Message
from volt_sdk._wire import RetryPolicy, TokenBucket, client_reference

__all__ = ["PhoneRules", "Run"]

# Backoff between attempts of a send that surely never reached Volt.
_BACKOFF: Final = RetryPolicy(backoff_base=0.5, backoff_max=8.0, retry_after_max=30.0)


class PhoneRules(Protocol):
    """What the run needs of the client's argument checks (``_client``'s ``ArgumentRules``)."""

    def phone(self, number: str, argument: str) -> str: ...


def _surely_not_sent(error: VoltError) -> bool:
    """Whether the send surely never reached Volt and may work on another try."""
    if isinstance(error, (RateLimitError, StoreUnavailableError, LimiterUnavailableError)):
        return True
    return isinstance(error, TransportError) and not error.request_sent


class Run:
    """The decisions of one ``send_many`` run; the drivers only do the I/O.

    An item is admitted (validated, checked against the journal), then goes
    through jobs: a *send* (its row ``sending`` and committed first), and after
    an uncertain one, a *reconciliation* once ``reconcile_after`` has passed.
    Per item::

        new/pending --send--> sent                         (final)
                        +---> failed (refused by Volt)     (final)
                        +---> suppressed (opted out)       (final here; pending in the journal)
                        +---> pending (surely not sent) --backoff--> send again
                        +---> unknown --wait--> reconcile --found--> sent (reconciled)
                                                         +--not found--> send again
                                                         +--no attempts left--> unknown (final)
        sent/failed in the journal           --> resumed result, nothing sent
        sending/unknown in the journal       --> reconcile first

    Two jobs for items with the same content (sender, recipient, body, media)
    never run at once, so a reconciliation cannot take another item's message.
    """

    def __init__(self, ledger: Ledger, rules: PhoneRules, options: BulkOptions) -> None:
        self.ledger = ledger
        self.rules = rules
        self.options = options
        self.window = 2 * options.concurrency
        # burst 1: evenly spaced sends, on top of the client's own max_rate.
        self.bucket = TokenBucket(options.rate, burst=1.0) if options.rate else None
        self.ready: deque[Item] = deque()
        self.parked: list[tuple[float, int, Item]] = []  # (due, tie-break, item), a heap
        self.busy: set[str] = set()
        self.running = 0
        self.active = 0  # admitted, unfinished and not parked
        self.results: deque[BulkResult] = deque()
        self.input_done = False
        self.matched = 0
        self.gate_open = ledger.prior_rows == 0
        self.stopping = False
        self._tie = itertools.count()

    # -- admission ----------------------------------------------------------------------

    def wants_input(self) -> bool:
        return not self.input_done and not self.stopping and self.active < self.window

    def end_of_input(self) -> None:
        self.input_done = True

    def add(self, index: int, request: OutgoingMessage) -> None:
        """Admit the input's item number ``index``: a result now, or a place in the queue."""
        if not isinstance(request, OutgoingMessage):
            raise ValidationError(
                f"messages[{index}]: expected an OutgoingMessage, got {type(request).__name__}",
                argument=f"messages[{index}]",
                value=request,
                reason="not_an_outgoing_message",
            )
        key = request.key
        if key is None:
            key = f"#{index}"
        elif not isinstance(key, str) or not key:
            self._finish_invalid(
                index,
                f"#{index}",
                request,
                ValidationError(
                    f"key: expected a non-empty str, got {key!r}",
                    argument="key",
                    value=key,
                    reason="bad_key",
                ),
            )
            return
        try:
            to = self.rules.phone(request.to, "to")
            from_ = self.rules.phone(request.from_, "from_")
            body, media = validate_message(body=request.body, media=request.media)
        except ValidationError as error:
            self._finish_invalid(index, key, request, error)
            return
        fingerprint = fingerprint_of(to, from_, body, media or ())
        row = self.ledger.admit(key, index, fingerprint)
        if row is False:
            self._finish_duplicate(index, key, request)
            return
        item = Item(index, key, request, to, from_, body, media, fingerprint)
        if row is None:
            self._queue(item)
            return
        self.matched += 1
        item.attempts = row.attempts
        if row.state in ("sent", "failed"):
            self.results.append(
                BulkResult(
                    index=index,
                    key=key,
                    request=request,
                    status="sent" if row.state == "sent" else "failed",
                    message_id=row.message_id,
                    message=None,
                    error=None,
                    reason=row.reason,
                    attempts=row.attempts,
                    resumed=True,
                    reconciled=row.reconciled,
                )
            )
        elif row.state == "pending":
            self._queue(item)
        else:  # sending (a run stopped mid-request) or unknown: reconcile first
            wall = _concurrency.wall_clock()
            item.first_started_at = row.started_at if row.started_at is not None else wall
            item.passthrough = row.passthrough
            item.reconcile_next = True
            wait = max(0.0, row.updated_at + self.options.reconcile_after - wall)
            self._park(item, _concurrency.monotonic() + wait)

    def _queue(self, item: Item) -> None:
        self.active += 1
        self.ready.append(item)

    def _park(self, item: Item, due: float) -> None:
        if self.stopping:
            self.active += 1  # the callers took it out of the active count for parking
            self._finish_interrupted(item, "before it was reconciled")
            return
        heapq.heappush(self.parked, (due, next(self._tie), item))

    def _finish_invalid(
        self, index: int, key: str, request: OutgoingMessage, error: ValidationError
    ) -> None:
        if not self.ledger.admit_invalid(key):
            self._finish_duplicate(index, key, request)
            return
        self._refuse(index, key, request, error, _one_line(error.message))

    def _finish_duplicate(self, index: int, key: str, request: OutgoingMessage) -> None:
        error = duplicate_key_error(key)
        self._refuse(index, key, request, error, error.message)

    def _refuse(
        self, index: int, key: str, request: OutgoingMessage, error: ValidationError, reason: str
    ) -> None:
        self.results.append(
            BulkResult(
                index=index,
                key=key,
                request=request,
                status="failed",
                message_id=None,
                message=None,
                error=error,
                reason=reason,
                attempts=0,
                resumed=False,
                reconciled=False,
            )
        )

    # -- dispatch -------------------------------------------------------------------------

    def next_due(self, now: float) -> float | None:
        """Seconds until the next parked item is due, None when none is parked."""
        if not self.parked:
            return None
        return max(0.0, self.parked[0][0] - now)

    def dispatch(self, now: float) -> list[Job]:
        """The jobs to start now; their rows are ``sending`` and committed on return."""
        while self.parked and self.parked[0][0] <= now:
            self.active += 1
            self.ready.append(heapq.heappop(self.parked)[2])
        if not self.gate_open and (
            self.matched >= self.ledger.prior_rows or self.input_done or self.active >= self.window
        ):
            # Until every journaled key was seen, a changed input is refused before
            # anything is sent (when the window fills first, item by item instead).
            self.gate_open = True
        jobs: list[Job] = []
        if self.gate_open and not self.stopping:
            for _ in range(len(self.ready)):
                if self.running >= self.options.concurrency:
                    break
                item = self.ready.popleft()
                if item.fingerprint in self.busy:
                    self.ready.append(item)  # one job per content at a time
                    continue
                self.busy.add(item.fingerprint)
                self.running += 1
                jobs.append(
                    self._reconcile_job(item) if item.reconcile_next else self._send_job(item)
                )
        self.ledger.commit()
        return jobs

    def _send_job(self, item: Item) -> Job:
        item.attempts += 1
        started = _concurrency.wall_clock()
        if item.first_started_at is None:
            item.first_started_at = started
        item.passthrough = client_reference()
        self.ledger.claim(item.key, item.passthrough, item.first_started_at, item.attempts)
        delay = item.backoff
        item.backoff = 0.0
        if self.bucket is not None:
            delay = max(delay, self.bucket.reserve())
        return Job(item, delay=delay, passthrough=item.passthrough)

    def _reconcile_job(self, item: Item) -> Job:
        cause = item.error
        if cause is None:
            cause = VoltError("an earlier run stopped before it recorded the outcome of this send")
        elif isinstance(cause, MessageOutcomeUnknownError):
            cause = cause.cause
        # The first attempt: any attempt of the item may be the one that went out.
        started_at = item.first_started_at
        unknown = MessageOutcomeUnknownError(
            to=item.to,
            from_=item.from_,
            body=item.body,
            media=item.media or (),
            passthrough=item.passthrough,
            started_at=_concurrency.wall_clock() if started_at is None else started_at,
            cause=cause,
        )
        return Job(item, unknown=unknown, exclude_ids=self.ledger.attributed_ids(item.fingerprint))

    # -- outcomes -------------------------------------------------------------------------

    def complete(self, job: Job, outcome: Outcome) -> None:
        """Record what a job came back with: a result, or the item's next step."""
        message, error = outcome
        item = job.item
        self.running -= 1
        self.busy.discard(item.fingerprint)
        if job.unknown is None:
            self._sent_or_not(item, message, error)
        else:
            self._reconciled_or_not(item, message, error)

    def _sent_or_not(self, item: Item, message: Message | None, error: VoltError | None) -> None:
        if error is None:
            assert message is not None
            self._finish(item, "sent", message=message)
            return
        item.error = error
        max_attempts = self.options.max_attempts
        if isinstance(error, RecipientSuppressedError):
            # Nothing was sent, nor tried: pending in the journal, so that a later
            # run sends it if the recipient opted back in by then.
            item.attempts -= 1
            self._finish(
                item, "suppressed", error=error, reason=_one_line(error.message), state="pending"
            )
            return
        if isinstance(error, MessageOutcomeUnknownError):
            self.ledger.record(
                item.key, item.fingerprint, "unknown",
                reason=_one_line(error.message), attempts=item.attempts,
            )  # fmt: skip
            item.reconcile_next = True
            self.active -= 1
            self._park(item, _concurrency.monotonic() + self.options.reconcile_after)
        elif _surely_not_sent(error) and item.attempts < max_attempts:
            reason = f"not sent (attempt {item.attempts}): {_one_line(error.message)}"
            self.ledger.record(
                item.key, item.fingerprint, "pending", reason=reason, attempts=item.attempts
            )
            item.backoff = _BACKOFF.delay(error, item.attempts - 1)
            self.ready.append(item)
        elif _surely_not_sent(error):
            reason = f"not sent after {item.attempts} attempts: {_one_line(error.message)}"
            self._finish(item, "failed", error=error, reason=reason)
        else:
            reason = f"refused: {_one_line(error.message)}"
            self._finish(item, "failed", error=error, reason=reason)

    def _reconciled_or_not(
        self, item: Item, message: Message | None, error: VoltError | None
    ) -> None:
        if message is not None:
            self._finish(item, "sent", message=message, reconciled=True)
            return
        if error is not None:
            item.reconcile_failures += 1
            if item.reconcile_failures < self.options.max_attempts:
                # Could not search the conversation: try again later, still sending nothing.
                self.active -= 1
                wait = max(self.options.reconcile_after, _BACKOFF.delay(error, 0))
                self._park(item, _concurrency.monotonic() + wait)
                return
            reason = (
                f"outcome unknown after {item.attempts} attempt(s): the conversation could "
                f"not be searched ({_one_line(error.message)})"
            )
            self._finish(item, "unknown", error=error, reason=reason)
            return
        # Not found: the uncertain attempt did not go out, as far as Volt shows.
        item.reconcile_next = False
        if self.stopping:
            self._finish_interrupted(item, "before it was sent again (not found yet)")
            return
        if item.attempts < self.options.max_attempts:
            self.ready.append(item)
            return
        last = item.error.message if item.error is not None else "an earlier run stopped"
        reason = (
            f"outcome unknown after {item.attempts} attempt(s): not found in the "
            f"conversation, but it may still appear ({_one_line(last)})"
        )
        self._finish(item, "unknown", error=item.error, reason=reason)

    def _finish(
        self,
        item: Item,
        status: BulkStatus,
        *,
        message: Message | None = None,
        error: VoltError | None = None,
        reason: str | None = None,
        reconciled: bool = False,
        state: JournalState | None = None,
    ) -> None:
        message_id = None if message is None else message.id
        if state is None:
            assert status != "suppressed", "a suppressed item is never final in the journal"
            state = status
        self.ledger.record(
            item.key, item.fingerprint, state,
            message_id=message_id, reason=reason, attempts=item.attempts, reconciled=reconciled,
        )  # fmt: skip
        self.active -= 1
        self.results.append(
            BulkResult(
                index=item.index,
                key=item.key,
                request=item.request,
                status=status,
                message_id=message_id,
                message=message,
                error=error,
                reason=reason,
                attempts=item.attempts,
                resumed=False,
                reconciled=reconciled,
            )
        )

    # -- stopping -------------------------------------------------------------------------

    def stop(self) -> None:
        """Send nothing more: Ctrl-C, a cancelled task, an iterator closed early.

        Items waiting to be reconciled end ``unknown`` now (an earlier attempt may
        have gone out); items not sent yet stay ``pending`` with no result; the
        jobs running are settled by :meth:`complete`, :meth:`release` or
        :meth:`abandon`.
        """
        if self.stopping:
            return
        self.stopping = True
        self.input_done = True
        parked, self.parked = self.parked, []
        for _, _, item in sorted(parked):
            self.active += 1
            self._finish_interrupted(item, "before it was reconciled")
        self.ledger.commit()

    def release(self, job: Job) -> None:
        """A job that stopped before its request left: nothing was sent for it."""
        item = job.item
        self.running -= 1
        self.busy.discard(item.fingerprint)
        if job.unknown is not None:
            self._finish_interrupted(item, "before it was reconciled")
            return
        item.attempts -= 1
        self.ledger.record(
            item.key, item.fingerprint, "pending",
            reason="not sent: stopped before its request left", attempts=item.attempts,
        )  # fmt: skip
        self.active -= 1

    def abandon(self, job: Job) -> None:
        """A job still running when the stop's grace ran out: its request may have left."""
        item = job.item
        self.running -= 1
        self.busy.discard(item.fingerprint)
        if job.unknown is None:
            self._finish_interrupted(item, "while its request was in flight")
        else:
            self._finish_interrupted(item, "before it was reconciled")

    def _finish_interrupted(self, item: Item, when: str) -> None:
        cause = f": {_one_line(item.error.message)}" if item.error is not None else ""
        self._finish(
            item,
            "unknown",
            error=item.error,
            reason=f"interrupted {when}: it may have been sent{cause}; "
            "run again with the journal to reconcile it",
        )

    def hand_out(self) -> Iterator[BulkResult]:
        """The results, one at a time, each taken off the queue as it is handed out.

        An exception thrown in at the ``yield`` (Ctrl-C in the caller's loop) leaves
        the rest queued, so the caller still gets every result exactly once.
        """
        while self.results:
            yield self.results.popleft()

    def finished(self) -> bool:
        return (
            self.input_done
            and self.active == 0
            and self.running == 0
            and not self.parked
            and not self.results
        )


def _one_line(text: str) -> str:
    return " ".join(text.split())
