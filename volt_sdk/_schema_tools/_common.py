"""What the schema tools share: the marks of the files they write, and their input errors."""

from __future__ import annotations

from typing import Final

from graphql import (
    GraphQLError,
    GraphQLSchema,
    Source,
    build_schema,
)

__all__ = [
    "HEADER_MARK",
    "PROVENANCE_FILE",
    "SchemaInputError",
    "load_schema",
    "one_line",
    "public_url",
]

#: The first line of every file :func:`render` writes; a schema without it was written by a person.
HEADER_MARK: Final = "# Volt GraphQL schema, introspected by `volt schema pull`"
#: Where :func:`pull` keeps the notes of a reconstructed schema, next to the schema file.
PROVENANCE_FILE: Final = "schema.provenance.md"


class SchemaInputError(ValueError):
    """A schema or operations file that cannot be read or does not parse (exit status 2)."""


def public_url(url: str) -> str:
    """The URL without credentials, query or fragment: safe for a committed file."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def load_schema(text: str, *, name: str = "schema") -> GraphQLSchema:
    """Build a schema from SDL; a syntax or schema error is a :class:`SchemaInputError`."""
    try:
        return build_schema(Source(text, name))
    except (GraphQLError, TypeError) as exc:
        raise SchemaInputError(f"{name}: not a valid GraphQL schema: {one_line(exc)}") from None


def one_line(exc: BaseException) -> str:
    """The message of ``exc`` on one line."""
    return " ".join(str(exc).split())
