"""The schema lifecycle: introspect Volt, write the schema stably, diff two schemas.

What ``volt schema pull`` and ``volt schema diff`` (and ``make schema``,
``make schema-diff``) run. Needs graphql-core (the sandbox or dev extra); the
``volt`` command imports this package only inside those two commands.

- ``_pull``: :func:`introspect` with the client's own URL rules and error
  mapping; :func:`render`, the schema in a stable, sorted form under a header;
  :func:`pull`, which leaves the file untouched when the schema did not change.
- ``_provenance``: the notes of a hand-kept schema, written to
  ``schema.provenance.md`` when a pull replaces it.
- ``_operations``: what our operations and fragments use, and which stop validating.
- ``_diff``: :func:`diff`, graphql-core's breaking and dangerous changes and the
  operations and fragments each one touches.
"""

from __future__ import annotations

from volt_sdk._schema_tools._common import (
    HEADER_MARK,
    PROVENANCE_FILE,
    SchemaInputError,
    load_schema,
)
from volt_sdk._schema_tools._diff import Change, DiffReport, change_coordinates, diff
from volt_sdk._schema_tools._operations import broken_operations, load_operations, usage
from volt_sdk._schema_tools._provenance import (
    ProvenanceSummary,
    has_provenance,
    provenance_markdown,
    provenance_notes,
)
from volt_sdk._schema_tools._pull import (
    OPERATION,
    PullResult,
    introspect,
    pull,
    render,
    schema_body,
    sorted_sdl,
)

__all__ = [
    "HEADER_MARK",
    "OPERATION",
    "PROVENANCE_FILE",
    "Change",
    "DiffReport",
    "ProvenanceSummary",
    "PullResult",
    "SchemaInputError",
    "broken_operations",
    "change_coordinates",
    "diff",
    "has_provenance",
    "introspect",
    "load_operations",
    "load_schema",
    "provenance_markdown",
    "provenance_notes",
    "pull",
    "render",
    "schema_body",
    "sorted_sdl",
    "usage",
]
