"""The pieces of the ``volt`` command tree with which each group registers its commands."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeAlias

from ._errors import UsageError
from ._output import Output

__all__ = ["Handler", "Parser", "add_group", "add_leaf"]

Handler = Callable[[argparse.Namespace, Output], int]


class Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line (``volt: ...``), not usage plus a message."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


if TYPE_CHECKING:
    # Every parser of the tree is a Parser: argparse makes subparsers of its parent's class.
    Commands: TypeAlias = argparse._SubParsersAction[Parser]  # pyright: ignore[reportPrivateUsage]


def add_group(commands: Commands, name: str, help_text: str) -> Commands:
    """A command with subcommands; without one, it says which exist."""
    parser = commands.add_parser(name, help=help_text, description=help_text)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    parser.set_defaults(handler=None, parser=parser, choices=sub.choices)
    return sub


def add_leaf(
    commands: Commands, name: str, handler: Handler, help_text: str, **kwargs: Any
) -> Parser:
    parser = commands.add_parser(name, help=help_text, description=help_text, **kwargs)
    parser.set_defaults(handler=handler, parser=parser)
    return parser
