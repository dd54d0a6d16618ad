"""conversation: newest first, pages of page_size, `before` as the cursor."""

from __future__ import annotations

import pytest

from volt_sdk import AsyncVolt, GraphQLError, Volt
from volt_sdk.sandbox import Sandbox

from .conftest import OTHER


def _send(volt: Volt, sender: str, count: int, to: str = OTHER) -> list[str]:
    return [volt.send_message(to=to, from_=sender, body=f"m{i}").id for i in range(count)]


def test_a_conversation_comes_newest_first_in_pages_with_the_total(volt: Volt, sender: str) -> None:
    ids = _send(volt, sender, 7)  # the shared sandbox has page_size=5

    first = volt.get_conversation(to=OTHER, from_=sender)

    assert [m.id for m in first.messages or []] == ids[::-1][:5]
    assert first.page_info is not None
    assert first.page_info.total_items == 7
    assert {m.status for m in first.messages or []} == {"delivered"}


def test_before_gives_the_messages_older_than_the_given_one(volt: Volt, sender: str) -> None:
    ids = _send(volt, sender, 7)

    page = volt.get_conversation(to=OTHER, from_=sender, before=ids[5])

    assert [m.id for m in page.messages or []] == [ids[4], ids[3], ids[2], ids[1], ids[0]]
    assert page.page_info is not None
    assert page.page_info.total_items == 7
    last = volt.get_conversation(to=OTHER, from_=sender, before=ids[0])
    assert last.messages == []


def test_iter_conversation_walks_every_page_exactly_once(volt: Volt, sender: str) -> None:
    ids = _send(volt, sender, 12)
    _send(volt, sender, 2, to="+15555550146")  # another conversation, left out

    walked = [m.id for m in volt.iter_conversation(to=OTHER, from_=sender)]

    assert walked == ids[::-1]
    pages = list(volt.iter_conversation_pages(to=OTHER, from_=sender))
    assert [len(p.messages or []) for p in pages] == [5, 5, 2]


@pytest.mark.anyio
async def test_the_async_iter_conversation_walks_every_page(sandbox: Sandbox) -> None:
    sender = sandbox.numbers[0]
    async with AsyncVolt(base_url=sandbox.url, token=sandbox.token) as volt:
        ids = [(await volt.send_message(to=OTHER, from_=sender, body="x")).id for _ in range(6)]
        walked = [m.id async for m in volt.iter_conversation(to=OTHER, from_=sender)]

    assert walked == ids[::-1]


def test_a_conversation_holds_both_directions(volt: Volt, sandbox: Sandbox, sender: str) -> None:
    out = volt.send_message(to=OTHER, from_=sender, body="ping")
    reply = sandbox.simulate_inbound(from_number=OTHER, to_number=sender, body="pong")

    page = volt.get_conversation(to=OTHER, from_=sender)

    assert [(m.id, m.status) for m in page.messages or []] == [
        (reply, "received"),
        (out.id, "delivered"),
    ]
    assert [m.id for m in sandbox.outbox()] == [out.id]


def test_two_of_the_organizations_numbers_can_talk_to_each_other(
    volt: Volt, sandbox: Sandbox
) -> None:
    a, b = sandbox.numbers[:2]
    there = volt.send_message(to=b, from_=a, body="there")
    back = volt.send_message(to=a, from_=b, body="back")

    seen_from_a = volt.get_conversation(to=b, from_=a)
    seen_from_b = volt.get_conversation(to=a, from_=b)

    assert [m.id for m in seen_from_a.messages or []] == [back.id, there.id]
    assert [m.id for m in seen_from_b.messages or []] == [back.id, there.id]


def test_an_empty_conversation_is_an_empty_page_not_an_error(volt: Volt, sender: str) -> None:
    page = volt.get_conversation(to=OTHER, from_=sender)

    assert page.messages == []
    assert page.page_info is not None
    assert page.page_info.total_items == 0


def test_an_unknown_before_cursor_is_a_graphql_error(volt: Volt, sender: str) -> None:
    other = volt.send_message(to="+15555550146", from_=sender, body="elsewhere")

    for cursor in ("msg_999999999999", "garbage", other.id):
        with pytest.raises(GraphQLError, match="before") as caught:
            volt.get_conversation(to=OTHER, from_=sender, before=cursor)
        assert caught.value.errors[0].extensions["code"] == "NOT_FOUND"


def test_a_conversation_from_a_number_the_organization_does_not_own_is_refused(
    volt: Volt,
) -> None:
    with pytest.raises(GraphQLError, match=r"\+15555550199"):
        volt.get_conversation(to=OTHER, from_="+15555550199")
