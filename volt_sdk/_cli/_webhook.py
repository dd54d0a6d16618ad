"""``volt webhook list|register|delete|listen``: manage webhooks, and receive them locally."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ._client_options import client_options, make_client
from ._errors import UsageError
from ._output import Output
from ._parser import add_group, add_leaf
from ._printers import dump, events, print_webhook
from ._webhook_listen import register as register_listen

if TYPE_CHECKING:
    from ._parser import Commands

__all__ = ["register"]


def register(commands: Commands) -> None:
    webhook = add_group(commands, "webhook", "manage webhooks")
    add_leaf(webhook, "list", _list, "list the webhooks", parents=client_options())
    register = add_leaf(webhook, "register", _register, "register a URL", parents=client_options())
    register.add_argument("--url", required=True, metavar="URL")
    register.add_argument(
        "--primary-phone", metavar="N", help="only this Volt number (default: all)"
    )
    register.add_argument(
        "--event",
        dest="events",
        action="extend",
        nargs="+",
        metavar="TYPE",
        help="e.g. MESSAGE_SENT (default: every event)",
    )
    delete = add_leaf(webhook, "delete", _delete, "delete a webhook", parents=client_options())
    delete.add_argument("id", metavar="ID")
    register_listen(webhook)


def _list(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as volt:
        webhooks = volt.list_webhooks()
    if out.as_json:
        out.json([dump(w) for w in webhooks])
    elif not webhooks:
        out.line("no webhooks registered")
    else:
        out.table(
            ("ID", "URL", "NUMBER", "EVENTS"),
            [(w.id, w.url, w.primary_phone or "all numbers", events(w)) for w in webhooks],
        )
    return 0


def _check_events(events: list[str] | None) -> None:
    """Refuse an event type Volt does not know here, before a request (exit 2)."""
    from volt_sdk import WebhookEventType

    known = [member.value for member in WebhookEventType]
    unknown = [event for event in events or () if event not in known]
    if not unknown:
        return
    quoted = ", ".join(repr(event) for event in unknown)
    what = "is not an event type" if len(unknown) == 1 else "are not event types"
    meant = [event.upper() for event in unknown if event.upper() in known]
    hint = f" (did you mean {', '.join(meant)}?)" if meant else ""
    expected = ", ".join(known[:-1]) + f" or {known[-1]}"
    raise UsageError(f"--event: {quoted} {what}{hint}; expected {expected}")


def _register(args: argparse.Namespace, out: Output) -> int:
    _check_events(args.events)
    with make_client(args) as volt:
        webhook = volt.register_webhook(
            url=args.url, primary_phone=args.primary_phone, event_types=args.events
        )
    print_webhook(webhook, out)
    return 0


def _delete(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as volt:
        webhook = volt.delete_webhook(args.id)
    print_webhook(webhook, out)
    return 0
