"""reconcile_message asks the delivery log before it scans the conversation.

Against the sandbox: a send whose answer is lost (stored, then the connection
drops) is uncertain; the log's records say what the webhook events said.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from tests.bulk.helpers import FlakySandbox, operation
from volt_sdk import MessageOutcomeUnknownError, OutgoingMessage, Volt
from volt_sdk.sandbox import Sandbox
from volt_sdk.stores import DeliveryLog, DeliveryRecord, MemoryDeliveryLog, SQLiteDeliveryLog

TO = "+15555550190"


class Counting(httpx.BaseTransport):
    """The sandbox, counting the operations that reach it."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.operations: Counter[str] = Counter()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.operations[operation(request)[0]] += 1
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def counting() -> Iterator[Counting]:
    transport = Counting(FlakySandbox({TO: ["store_then_drop"]}))
    yield transport
    transport.close()


@contextlib.contextmanager
def client(counting: Counting, log: DeliveryLog) -> Iterator[Volt]:
    """A Volt through ``counting``, asking ``log`` first when it reconciles."""
    with httpx.Client(transport=counting) as http, Volt(http_client=http, deliveries=log) as volt:
        yield volt


def uncertain_send(
    volt: Volt, sender: str, body: str = "Your code is 123456"
) -> MessageOutcomeUnknownError:
    with pytest.raises(MessageOutcomeUnknownError) as caught:
        volt.send_message(to=TO, from_=sender, body=body)
    return caught.value


def record_of(sandbox: Sandbox, message_id: str, *, passthrough: str | None) -> DeliveryRecord:
    sent = next(m for m in sandbox.outbox() if m.id == message_id)
    return DeliveryRecord(
        id=sent.id,
        to=sent.to_number,
        from_=sent.from_number,
        body=sent.body,
        media=sent.media,
        passthrough=passthrough,
        at=time.time(),
        status="delivered",
    )


def test_a_record_with_the_sends_reference_settles_it_without_a_scan(
    volt_sandbox: Sandbox, counting: Counting
) -> None:
    log = MemoryDeliveryLog()
    with client(counting, log) as volt:
        unknown = uncertain_send(volt, volt_sandbox.numbers[0])
        [stored] = volt_sandbox.outbox()
        assert stored.passthrough == unknown.passthrough
        log.record(record_of(volt_sandbox, stored.id, passthrough=unknown.passthrough))
        found = volt.reconcile_message(unknown)
    assert found is not None
    assert found.id == stored.id
    assert counting.operations == Counter({"CreateMessage": 1, "GetMessage": 1})


def test_two_identical_texts_are_told_apart_by_their_reference(
    volt_sandbox: Sandbox, counting: Counting
) -> None:
    # The conversation scan cannot tell two identical texts apart; the log can.
    sender = volt_sandbox.numbers[0]
    log = MemoryDeliveryLog()
    with client(counting, log) as volt:
        unknown = uncertain_send(volt, sender)
        other = volt.send_message(to=TO, from_=sender, body=unknown.body, passthrough="theirs")
        mine = next(m for m in volt_sandbox.outbox() if m.passthrough == unknown.passthrough)
        log.record(record_of(volt_sandbox, other.id, passthrough="theirs"))
        log.record(record_of(volt_sandbox, mine.id, passthrough=unknown.passthrough))
        assert volt.reconcile_message(unknown, deliveries=None).id == other.id  # type: ignore[union-attr]
        found = volt.reconcile_message(unknown)
    assert found is not None
    assert found.id == mine.id


def test_a_record_of_another_send_is_never_taken_and_the_scan_decides(
    volt_sandbox: Sandbox, counting: Counting
) -> None:
    log = MemoryDeliveryLog()
    with client(counting, log) as volt:
        unknown = uncertain_send(volt, volt_sandbox.numbers[0])
        [stored] = volt_sandbox.outbox()
        log.record(record_of(volt_sandbox, stored.id, passthrough="someone-else"))
        found = volt.reconcile_message(unknown)
        excluded = volt.reconcile_message(unknown, exclude_ids={stored.id})
    assert found is not None
    assert found.id == stored.id  # found by the scan
    assert excluded is None
    assert counting.operations["GetMessage"] == 0
    assert counting.operations["GetConversation"] == 2


def test_without_an_echoed_reference_the_same_content_matches(
    volt_sandbox: Sandbox, counting: Counting, tmp_path: object
) -> None:
    log = SQLiteDeliveryLog(f"{tmp_path}/deliveries.db")
    with client(counting, log) as volt:
        unknown = uncertain_send(volt, volt_sandbox.numbers[0])
        [stored] = volt_sandbox.outbox()
        log.record(record_of(volt_sandbox, stored.id, passthrough=None))
        found = volt.reconcile_message(unknown)
        excluded = volt.reconcile_message(unknown, exclude_ids={stored.id})
    assert found is not None
    assert found.id == stored.id
    assert excluded is None
    assert counting.operations["GetMessage"] == 1
    assert counting.operations["GetConversation"] == 1  # the excluded one only


def test_a_record_older_than_the_attempt_is_not_the_send(
    volt_sandbox: Sandbox, counting: Counting
) -> None:
    log = MemoryDeliveryLog()
    with client(counting, log) as volt:
        unknown = uncertain_send(volt, volt_sandbox.numbers[0])
        [stored] = volt_sandbox.outbox()
        old = record_of(volt_sandbox, stored.id, passthrough=None)
        log.record(
            DeliveryRecord(
                old.id, old.to, old.from_, old.body, old.media, None, unknown.started_at - 301, None
            )
        )
        found = volt.reconcile_message(unknown, clock_skew=300.0)
    assert found is not None  # by the scan, not the log
    assert counting.operations["GetMessage"] == 0
    assert counting.operations["GetConversation"] == 1


class BrokenLog:
    def record(self, record: DeliveryRecord) -> None:
        raise OSError("down")

    def by_passthrough(self, passthrough: str) -> DeliveryRecord | None:
        raise OSError("down")

    def between(self, from_: str, to: str, since: float) -> list[DeliveryRecord]:
        raise OSError("down")


def test_a_log_that_cannot_be_read_leaves_it_to_the_scan(
    volt_sandbox: Sandbox, counting: Counting, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        httpx.Client(transport=counting) as http,
        Volt(http_client=http, deliveries=BrokenLog()) as volt,
    ):
        unknown = uncertain_send(volt, volt_sandbox.numbers[0])
        found = volt.reconcile_message(unknown)
    assert found is not None
    assert found.id == volt_sandbox.outbox()[0].id
    assert counting.operations["GetConversation"] == 1
    assert "the delivery log could not be read; scanning the conversation" in caplog.text


def test_a_record_whose_message_volt_does_not_know_leaves_it_to_the_scan(
    volt_sandbox: Sandbox, counting: Counting
) -> None:
    log = MemoryDeliveryLog()
    with client(counting, log) as volt:
        unknown = uncertain_send(volt, volt_sandbox.numbers[0])
        [stored] = volt_sandbox.outbox()
        real = record_of(volt_sandbox, stored.id, passthrough=unknown.passthrough)
        log.record(dataclasses.replace(real, id="msg_missing"))
        found = volt.reconcile_message(unknown)
    assert found is not None
    assert found.id == stored.id
    assert counting.operations["GetMessage"] == 1
    assert counting.operations["GetConversation"] == 1


def test_send_many_settles_its_uncertain_items_from_the_log(volt_sandbox: Sandbox) -> None:
    """The bulk run's reconciliation goes through reconcile_message, log first."""
    log = MemoryDeliveryLog()
    transport = Counting(FlakySandbox({TO: ["store_then_drop"]}))

    class Recorder(httpx.BaseTransport):
        # What the webhook kit would write once Volt's message.sent arrives.
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            try:
                return transport.handle_request(request)
            finally:
                for sent in volt_sandbox.outbox():
                    log.record(record_of(volt_sandbox, sent.id, passthrough=sent.passthrough))

    sender = volt_sandbox.numbers[0]
    with httpx.Client(transport=Recorder()) as http, Volt(http_client=http, deliveries=log) as volt:
        results = list(
            volt.send_many([OutgoingMessage(to=TO, from_=sender, body="x")], reconcile_after=0)
        )
    transport.close()
    assert [(r.status, r.reconciled, r.attempts) for r in results] == [("sent", True, 1)]
    assert transport.operations == Counter({"CreateMessage": 1, "GetMessage": 1})
    assert len(volt_sandbox.outbox()) == 1
