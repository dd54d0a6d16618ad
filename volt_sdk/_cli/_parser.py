"""The pieces of the ``volt`` command tree with which each group registers its commands."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeAlias, cast

from ._arguments import PATH_METAVARS, utf8_problem
from ._errors import UsageError
from ._output import Output

__all__ = ["Handler", "Parser", "add_group", "add_leaf"]

Handler = Callable[[argparse.Namespace, Output], int]


class Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line (``volt: ...``), not usage plus a message."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")

    def check_text(self, args: argparse.Namespace) -> None:
        """Refuse an argument of this command that is not UTF-8 text, naming its flag.

        Checked here, before any client exists, for every argument at once: a byte
        that is not UTF-8 in ``sys.argv`` must be one line and exit 2 wherever it is.
        Paths are exempt (:data:`PATH_METAVARS`).
        """
        for action in self._actions:
            if action.metavar in PATH_METAVARS or action.dest == argparse.SUPPRESS:
                continue
            value: object = getattr(args, action.dest, None)
            items = cast("list[object]", value) if isinstance(value, list) else [value]
            for item in items:
                problem = utf8_problem(item) if isinstance(item, str) else None
                if problem is None:
                    continue
                flags = [o for o in action.option_strings if o.startswith("--")]
                label = action.metavar if isinstance(action.metavar, str) else action.dest
                name = (flags or action.option_strings or [label])[0]
                text = str(item)
                shown = text if len(text) <= 40 else text[:39] + "…"
                raise UsageError(
                    f"{name}: {shown!r}: {problem} "
                    "(check the encoding of the terminal, or of the file it came from)"
                )


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
