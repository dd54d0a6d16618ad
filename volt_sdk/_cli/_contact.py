"""``volt contact get|upsert``: read and write one contact."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ._client_options import client_options, make_client
from ._output import Output
from ._parser import add_group, add_leaf
from ._printers import print_contact

if TYPE_CHECKING:
    from ._parser import Commands

__all__ = ["register"]


def register(commands: Commands) -> None:
    contact = add_group(commands, "contact", "read and write contacts")
    get = add_leaf(contact, "get", _get, "show one contact", parents=client_options())
    get.add_argument("--phone", required=True, metavar="N", help="the contact's number")
    get.add_argument("--primary-phone", required=True, metavar="N", help="your Volt number")
    upsert = add_leaf(
        contact, "upsert", _upsert, "create or update a contact", parents=client_options()
    )
    upsert.add_argument("--phone", required=True, metavar="N", help="the contact's number")
    upsert.add_argument("--account-phone", required=True, metavar="N", help="your Volt number")
    upsert.add_argument("--name", required=True, metavar="NAME")
    blocked = upsert.add_mutually_exclusive_group(required=True)
    # Required on purpose: a default would silently unblock someone who asked not to be texted.
    blocked.add_argument("--blocked", dest="blocked", action="store_true", default=None)
    blocked.add_argument("--not-blocked", dest="blocked", action="store_false")
    upsert.add_argument(
        "--field",
        dest="fields",
        action="append",
        type=_field,
        metavar="KEY=VALUE",
        help="a custom field (repeatable)",
    )


def _field(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def _get(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as volt:
        contact = volt.get_contact(phone_number=args.phone, primary_phone=args.primary_phone)
    print_contact(contact, out)
    return 0


def _upsert(args: argparse.Namespace, out: Output) -> int:
    fields: dict[str, str | None] = dict(args.fields) if args.fields else {}
    with make_client(args) as volt:
        contact = volt.upsert_contact(
            phone_number=args.phone,
            account_phone=args.account_phone,
            name=args.name,
            blocked=args.blocked,
            custom_fields=fields or None,
        )
    print_contact(contact, out)
    return 0
