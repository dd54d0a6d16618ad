"""``volt message get``: show one message."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ._client_options import client_options, make_client
from ._output import Output
from ._parser import add_group, add_leaf
from ._printers import print_message

if TYPE_CHECKING:
    from ._parser import Commands

__all__ = ["register"]


def register(commands: Commands) -> None:
    message = add_group(commands, "message", "read messages")
    get = add_leaf(message, "get", _get, "show one message", parents=client_options())
    get.add_argument("id", metavar="ID")


def _get(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as volt:
        print_message(volt.get_message(args.id), out)
    return 0
