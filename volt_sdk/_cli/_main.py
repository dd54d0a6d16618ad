"""The root of the ``volt`` command tree: the top-level parser, each group registered under it,
and ``main``, which runs a command and turns how it ended into an exit code.
"""

from __future__ import annotations

import argparse
import os
import sys

from volt_sdk import __version__

from ._contact import register as register_contact
from ._conversation import register as register_conversation
from ._errors import CommandError, UsageError, exit_code, explain, fail
from ._list import register as register_list
from ._message import register as register_message
from ._output import Output
from ._parser import Handler, Parser
from ._sandbox import register as register_sandbox
from ._schema import register as register_schema
from ._send import register as register_send
from ._send_bulk import register as register_send_bulk
from ._webhook import register as register_webhook

__all__ = ["build_parser", "main"]

# In the order `volt --help` lists them.
_GROUPS = (
    register_send,
    register_send_bulk,
    register_message,
    register_conversation,
    register_contact,
    register_list,
    register_webhook,
    register_sandbox,
    register_schema,
)


def build_parser() -> argparse.ArgumentParser:
    """The whole ``volt`` command tree."""
    parser = Parser(
        prog="volt",
        description="Send and read SMS/MMS with the Volt (formerly Respond Flow) API.",
        epilog="Run 'volt COMMAND --help' for a command's options. "
        "Token: $VOLT_API_TOKEN; endpoint: $VOLT_API_URL.",
    )
    parser.add_argument("--version", action="version", version=f"volt-sdk {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    parser.set_defaults(handler=None, parser=parser, choices=commands.choices)
    for register in _GROUPS:
        register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``volt`` with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.handler is None:
            names = ", ".join(args.choices)
            raise UsageError(f"missing command: {names} (see '{args.parser.prog} --help')")
        leaf: Parser = args.parser
        leaf.check_text(args)
        out = Output(as_json=getattr(args, "json", False))
        handler: Handler = args.handler
        return handler(args, out)
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
    except UsageError as exc:
        fail(str(exc))
        return 2
    except CommandError as exc:
        fail(str(exc))
        return exc.code
    except KeyboardInterrupt:
        fail("interrupted")
        return 130
    except BrokenPipeError:
        # The reader went away (volt ... | head): nothing more to say, and nowhere to say it.
        _quiet_stdout()
        return 1
    except UnicodeError as exc:
        # Text that is not UTF-8 got past the checks of the arguments (an environment
        # variable, a file read elsewhere): still bad input, said in one line.
        fail(f"text that is not valid UTF-8: {exc}")
        return 2
    except Exception as exc:
        from volt_sdk import VoltError

        if isinstance(exc, VoltError):
            fail(explain(exc))
            return exit_code(exc)
        raise


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so that flushing it at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
