"""createMessage and message, through the client over loopback HTTP."""

from __future__ import annotations

import pytest

from tests.clock import FakeClock
from volt_sdk import AsyncVolt, GraphQLError, NotFoundError, Volt, parse_timestamp
from volt_sdk.sandbox import MAGIC_NUMBERS, Sandbox

from .conftest import OTHER

BODY = "Your One Time Code is 654312\n\nReply STOP to opt-out."


def test_a_sent_message_is_answered_as_queued_and_read_back_delivered(
    volt: Volt, sandbox: Sandbox, sender: str
) -> None:
    sent = volt.send_message(to=OTHER, from_=sender, body=BODY)

    assert sent.status == "queued"
    assert sent.sent_at is None
    assert sent.id.startswith("msg_")
    read = volt.get_message(sent.id)
    assert read.status == "delivered"
    assert read.error_code is None
    assert (read.to_number, read.from_number, read.body) == (OTHER, sender, BODY)
    assert read.sent_at is not None
    assert read.confirmed_at is not None
    assert read.sent_at.endswith("Z")
    assert len(read.sent_at) == len("2024-05-01T12:00:00.000Z")
    assert parse_timestamp(read.confirmed_at) is not None


def test_media_and_passthrough_are_stored_with_the_message(
    volt: Volt, sandbox: Sandbox, sender: str
) -> None:
    media = ["https://example.com/a.png", "https://example.com/b.vcf"]
    sent = volt.send_message(to=OTHER, from_=sender, body="", media=media, passthrough="order-7")

    assert volt.get_message(sent.id).media == media
    (stored,) = sandbox.outbox()
    assert stored.media == tuple(media)
    assert stored.passthrough == "order-7"
    assert stored.body == ""


def test_the_outbox_lists_accepted_messages_in_order_with_their_final_state(
    volt: Volt, sandbox: Sandbox, sender: str
) -> None:
    first = volt.send_message(to=OTHER, from_=sender, body="one")
    second = volt.send_message(to="+15005550002", from_=sandbox.numbers[1], body="two")

    outbox = sandbox.outbox()

    assert [m.id for m in outbox] == [first.id, second.id]
    assert [(m.status, m.error_code) for m in outbox] == [("delivered", None), ("failed", 501)]
    assert outbox[1].from_number == sandbox.numbers[1]
    assert parse_timestamp(outbox[0].created_at) is not None


@pytest.mark.parametrize(("number", "code"), [(n, o.error_code) for n, o in MAGIC_NUMBERS.items()])
def test_every_magic_number_makes_the_message_fail_with_its_error_code(
    volt: Volt, sender: str, number: str, code: int
) -> None:
    sent = volt.send_message(to=number, from_=sender, body=BODY)

    read = volt.get_message(sent.id)
    assert read.status == "failed"
    assert read.error_code == code
    assert read.status_description == MAGIC_NUMBERS[number].description
    assert read.confirmed_at is not None
    assert read.error is not None
    assert read.error.code == code


def test_the_magic_numbers_cover_one_code_of_every_error_family() -> None:
    families = {outcome.error_code // 100 for outcome in MAGIC_NUMBERS.values()}
    assert families == {4, 5, 6, 7, 8, 9}
    assert {o.error_code for o in MAGIC_NUMBERS.values()} >= {402, 501, 503, 601, 901}


def test_a_message_to_a_blocked_contact_fails_as_opted_out(volt: Volt, sender: str) -> None:
    volt.upsert_contact(phone_number=OTHER, account_phone=sender, name="Ann", blocked=True)

    sent = volt.send_message(to=OTHER, from_=sender, body=BODY)

    assert (volt.get_message(sent.id).status, volt.get_message(sent.id).error_code) == (
        "failed",
        503,
    )


def test_a_from_number_the_organization_does_not_own_is_refused_by_name(volt: Volt) -> None:
    with pytest.raises(GraphQLError) as caught:
        volt.send_message(to=OTHER, from_="+15555550199", body=BODY)

    (detail,) = caught.value.errors
    assert "+15555550199" in detail.message
    assert detail.extensions["code"] == "FORBIDDEN"
    assert detail.path == ("createMessage",)
    assert detail.locations


def test_the_shortest_real_e164_numbers_the_client_accepts_are_accepted_by_the_server(
    volt: Volt, sandbox: Sandbox, sender: str
) -> None:
    # Niue: +683 and four digits, seven in all; E.164 sets no higher floor.
    message = volt.send_message(to="+6831234", from_=sender, body=BODY)

    assert message.to_number == "+6831234"
    assert [m.to_number for m in sandbox.outbox()] == ["+6831234"]


def test_an_unknown_message_id_is_not_found(volt: Volt) -> None:
    with pytest.raises(NotFoundError):
        volt.get_message("msg_999999999999")
    with pytest.raises(NotFoundError):
        volt.get_message("not-an-id")


def test_with_a_pace_a_message_goes_from_queued_to_sent_to_its_final_state() -> None:
    clock = FakeClock()
    pace = 0.05
    with (
        Sandbox(pace=pace, clock=clock.wall_clock) as sandbox,
        Volt(base_url=sandbox.url, token=sandbox.token) as volt,
    ):
        sender = sandbox.numbers[0]
        ok = volt.send_message(to=OTHER, from_=sender, body=BODY)
        bad = volt.send_message(to="+15005550001", from_=sender, body=BODY)

        clock.advance(pace - 0.001)
        first = volt.get_message(ok.id)
        assert (first.status, first.sent_at, first.confirmed_at) == ("queued", None, None)

        clock.advance(0.001)
        middle = volt.get_message(ok.id)
        assert middle.status == "sent"
        assert middle.sent_at is not None
        assert middle.confirmed_at is None
        assert volt.get_message(bad.id).error_code is None
        assert [m.status for m in sandbox.outbox()] == ["sent", "sent"]

        clock.advance(pace)
        final = volt.get_message(ok.id)
        failed = volt.get_message(bad.id)
        assert (final.status, failed.status, failed.error_code) == ("delivered", "failed", 402)
        created_at = parse_timestamp(sandbox.outbox()[0].created_at)
        sent_at = parse_timestamp(final.sent_at)
        confirmed_at = parse_timestamp(final.confirmed_at)
        assert created_at is not None
        assert sent_at is not None
        assert confirmed_at is not None
        assert (sent_at - created_at).total_seconds() == pace
        assert (confirmed_at - sent_at).total_seconds() == pace


@pytest.mark.anyio
async def test_the_async_client_sends_and_reads_back_through_the_sandbox(
    sandbox: Sandbox, sender: str
) -> None:
    async with AsyncVolt(base_url=sandbox.url, token=sandbox.token) as volt:
        sent = await volt.send_message(to=OTHER, from_=sender, body=BODY)
        read = await volt.get_message(sent.id)

    assert read.status == "delivered"
    assert [m.id for m in sandbox.outbox()] == [sent.id]
