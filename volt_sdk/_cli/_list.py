"""``volt list get|upsert|add``: read and write contact lists."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ._client_options import client_options, make_client
from ._output import Output
from ._parser import add_group, add_leaf
from ._printers import print_list

if TYPE_CHECKING:
    from ._parser import Commands

__all__ = ["register"]


def register(commands: Commands) -> None:
    lists = add_group(commands, "list", "read and write contact lists")
    get = add_leaf(lists, "get", _get, "show one list", parents=client_options())
    get.add_argument("--primary-phone", required=True, metavar="N", help="your Volt number")
    get.add_argument("--name", required=True, metavar="NAME")
    upsert = add_leaf(lists, "upsert", _upsert, "create or update a list", parents=client_options())
    upsert.add_argument("--primary-phone", required=True, metavar="N", help="your Volt number")
    upsert.add_argument("--name", required=True, metavar="NAME")
    upsert.add_argument("--source-list", metavar="NAME", help="build from this list")
    upsert.add_argument("--name-search", metavar="TERM", help="keep contacts matching TERM")
    add = add_leaf(lists, "add", _add, "add contacts to a list", parents=client_options())
    add.add_argument("--primary-phone", required=True, metavar="N", help="your Volt number")
    add.add_argument("--name", required=True, metavar="NAME", help="the list")
    add.add_argument("phones", nargs="+", metavar="PHONE")


def _get(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as volt:
        contact_list = volt.get_list(primary_phone=args.primary_phone, name=args.name)
    print_list(contact_list, out)
    return 0


def _upsert(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as volt:
        contact_list = volt.upsert_list(
            primary_phone=args.primary_phone,
            name=args.name,
            source_list_name=args.source_list,
            name_search_term=args.name_search,
        )
    print_list(contact_list, out)
    return 0


def _add(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as volt:
        contact_list = volt.add_contacts_to_list(
            primary_phone=args.primary_phone, list_name=args.name, phone_numbers=args.phones
        )
    print_list(contact_list, out)
    return 0
