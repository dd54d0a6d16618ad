"""``volt schema pull|diff``: introspect Volt's schema, and find what a new one breaks of ours,
with :mod:`volt_sdk._schema_tools` (imported when a command runs: ``volt --help`` must not
load httpx or graphql-core).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ._arguments import positive_seconds
from ._client_options import api_token
from ._errors import CommandError
from ._extras import SCHEMA, needs
from ._output import Output
from ._parser import add_group, add_leaf

if TYPE_CHECKING:
    from ._parser import Commands

__all__ = ["register"]

DEFAULT_SCHEMA = Path("queries") / "schema.graphql"
DEFAULT_OPERATIONS = Path("queries") / "operations"


def register(commands: Commands) -> None:
    """Add ``volt schema pull`` and ``volt schema diff``.

    They take no client options: ``pull`` takes ``--url`` and ``--token``
    itself, and ``diff`` talks to nobody.
    """
    schema = add_group(commands, "schema", "introspect Volt's schema and diff two schemas")
    pull = add_leaf(
        schema,
        "pull",
        _pull,
        "introspect the API and write its schema (stable, sorted SDL)",
        epilog="Keeps the provenance notes of a hand-kept schema in schema.provenance.md "
        "beside it. Exit codes: 0 written or unchanged; 1 an API or transport error; "
        "2 no token, a bad URL, a file that cannot be written.",
    )
    pull.add_argument(
        "--output",
        "-o",
        metavar="PATH",
        default=str(DEFAULT_SCHEMA),
        help=f"where to write the schema (default: {DEFAULT_SCHEMA})",
    )
    pull.add_argument(
        "--url", metavar="URL", help="GraphQL endpoint (default: $VOLT_API_URL, else Volt's)"
    )
    pull.add_argument("--token", help="API token (default: $VOLT_API_TOKEN, which ps cannot see)")
    pull.add_argument(
        "--timeout", type=positive_seconds, default=30.0, metavar="SECONDS", help="default: 30"
    )
    compare = add_leaf(
        schema,
        "diff",
        _diff,
        "breaking and dangerous changes between two schemas, and our operations they break",
        epilog="Exit codes: 0 nothing breaks our operations; 1 an operation no longer "
        "validates, or a breaking change touches a field or type we use; 2 a file that "
        "cannot be read or parsed.",
    )
    compare.add_argument("old", metavar="OLD", help="the schema we have ('-': stdin)")
    compare.add_argument("new", metavar="NEW", help="the schema to compare with it")
    compare.add_argument(
        "--operations",
        metavar="DIR",
        default=str(DEFAULT_OPERATIONS),
        help=f"our operations and fragments (default: {DEFAULT_OPERATIONS})",
    )
    compare.add_argument(
        "--markdown", action="store_true", help="print Markdown (a pull request's body)"
    )


def _pull(args: argparse.Namespace, out: Output) -> int:
    with needs(SCHEMA):
        from volt_sdk._schema_tools import SchemaInputError, pull
    token = api_token(args)
    if token is None:
        raise CommandError("no API token: set VOLT_API_TOKEN or pass --token", 2)
    from volt_sdk import ConfigurationError

    output = Path(args.output)
    try:
        result = pull(output, url=args.url, token=token, timeout=args.timeout)
    except SchemaInputError as exc:
        raise CommandError(str(exc), 2) from None
    except ConfigurationError as exc:
        # The client's message names its own option; this command calls it --url.
        head, sep, tail = str(exc).partition(": ")
        message = f"--url: {tail}" if sep and head == "base_url" else str(exc)
        raise CommandError(message, 2) from None
    if result.changed:
        out.line(f"wrote {output}: {result.type_count} types")
    else:
        out.line(f"{output} is up to date (the introspected schema is the same)")
    if result.provenance is not None:
        out.line(str(result.provenance))
    return 0


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    with open(path, encoding="utf-8") as file:
        return file.read()


def _operations(path: str) -> Path:
    """``--operations``, checked here so that the message names the flag (outside a checkout,
    the default ``queries/operations`` is not there)."""
    directory = Path(path)
    problem: str | None = None
    if not directory.exists():
        problem = "does not exist"
    elif not directory.is_dir():
        problem = "is not a directory"
    elif not any(directory.glob("*.graphql")):
        problem = "has no .graphql files"
    if problem is not None:
        raise CommandError(
            f"--operations: {directory} {problem}; pass --operations DIR, "
            "the directory of your .graphql operations and fragments",
            2,
        )
    return directory


def _diff(args: argparse.Namespace, out: Output) -> int:
    with needs(SCHEMA):
        from volt_sdk._schema_tools import SchemaInputError, diff

    texts: list[str] = []
    for path, what in ((args.old, "OLD"), (args.new, "NEW")):
        try:
            texts.append(_read(path))
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise CommandError(f"cannot read {what} schema {path!r}: {reason}", 2) from None
    operations = _operations(args.operations)
    try:
        report = diff(texts[0], texts[1], operations)
    except SchemaInputError as exc:
        raise CommandError(str(exc), 2) from None
    text = report.to_markdown() if args.markdown else report.to_text()
    out.line(text.rstrip("\n"))
    return 1 if report.breaks_us else 0
