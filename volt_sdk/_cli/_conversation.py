"""``volt conversation``: the messages between two numbers, a page at a time or all of them."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ._client_options import client_options, make_client
from ._output import Output
from ._parser import add_leaf
from ._printers import conversation_table, dump

if TYPE_CHECKING:
    from volt_sdk import ConversationPage, Message

    from ._parser import Commands

__all__ = ["register"]


def register(commands: Commands) -> None:
    conversation = add_leaf(
        commands, "conversation", _conversation, "list a conversation", parents=client_options()
    )
    conversation.add_argument("--to", required=True, metavar="N", help="the other party")
    conversation.add_argument(
        "--from", dest="from_", required=True, metavar="N", help="your Volt number"
    )
    conversation.add_argument("--before", metavar="CURSOR", help="the page before this cursor")
    conversation.add_argument("--all", action="store_true", help="every page, oldest last")


def _conversation(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as volt:
        if args.all:
            messages: list[Message] = list(
                volt.iter_conversation(to=args.to, from_=args.from_, before=args.before)
            )
            if out.as_json:
                out.json([dump(m) for m in messages])
            elif messages:
                conversation_table(messages, out)
                out.line(f"\n{len(messages)} message(s)")
            else:
                out.line("no messages")
            return 0
        page: ConversationPage = volt.get_conversation(
            to=args.to, from_=args.from_, before=args.before
        )
    if out.as_json:
        out.json(dump(page))
        return 0
    page_messages = list(page.messages or ())
    total = page.page_info.total_items if page.page_info else None
    if not page_messages:
        out.line("no messages")
        return 0
    conversation_table(page_messages, out)
    summary = f"\n{len(page_messages)} message(s) on this page"
    if total is not None:
        summary += f", {total} in all"
    out.line(summary)
    if total is None or total > len(page_messages):
        out.line(f"older: --before {page_messages[-1].id}  (or --all)")
    return 0
