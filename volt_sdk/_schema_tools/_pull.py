"""``volt schema pull``: introspect an endpoint, write its schema in a stable form."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Final

from graphql import (
    GraphQLError,
    GraphQLSchema,
    build_client_schema,
    get_introspection_query,
    lexicographic_sort_schema,
    print_schema,
)

from volt_sdk._errors import MalformedResponseError
from volt_sdk._schema_tools._common import (
    HEADER_MARK,
    PROVENANCE_FILE,
    SchemaInputError,
    one_line,
    public_url,
)
from volt_sdk._schema_tools._provenance import (
    ProvenanceSummary,
    has_provenance,
    provenance_markdown,
)

__all__ = ["OPERATION", "PullResult", "introspect", "pull", "render", "schema_body", "sorted_sdl"]

OPERATION: Final = "IntrospectionQuery"


def introspect(url: str | None, token: str | None, *, timeout: float = 30.0) -> GraphQLSchema:
    """The schema served at ``url`` (default ``$VOLT_API_URL``, else Volt's endpoint).

    ``token`` defaults to ``$VOLT_API_TOKEN``. Raises the client's errors:
    :class:`~volt_sdk.ConfigurationError` (no token, a bad URL, plain http to a
    host that is not loopback), :class:`~volt_sdk.AuthenticationError` (401/403),
    :class:`~volt_sdk.TransportError`, :class:`~volt_sdk.GraphQLError` (the
    server refuses introspection) or :class:`~volt_sdk.MalformedResponseError`
    (the answer is not GraphQL, or not an introspection result).
    """
    import httpx

    from volt_sdk._config import resolve_config
    from volt_sdk._wire import RetryPolicy, Wire, decode, transport_error

    config = resolve_config(
        token=token, base_url=url, timeout=timeout, default_region=None, strict_numbers=False
    )
    wire = Wire(config, config.timeout, RetryPolicy(max_retries=0), None)
    body = json.dumps(
        {"query": get_introspection_query(descriptions=True), "operationName": OPERATION}
    )
    with httpx.Client(timeout=config.timeout) as http:
        try:
            response = http.post(wire.url, content=body, headers=wire.headers, auth=wire.auth)
        except httpx.HTTPError as exc:
            raise transport_error(exc, OPERATION, wire.url) from None
    data = decode(response, response.content, OPERATION)
    try:
        return build_client_schema(data)  # type: ignore[arg-type]
    except (TypeError, ValueError, KeyError, GraphQLError) as exc:
        raise MalformedResponseError(
            f"{OPERATION}: {config.base_url} answered GraphQL, but not with a usable "
            f"introspection result ({' '.join(str(exc).split())[:200]})",
            operation=OPERATION,
            response=response,
        ) from None


def sorted_sdl(schema: GraphQLSchema) -> str:
    """The schema as SDL with every type, field, argument and enum value sorted by name."""
    return print_schema(lexicographic_sort_schema(schema)) + "\n"


def render(schema: GraphQLSchema, *, source_url: str, when: datetime) -> str:
    """The schema file :func:`pull` writes: a header, then :func:`sorted_sdl`."""
    stamp = when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    header = [
        HEADER_MARK,
        f"# from {public_url(source_url)} on {stamp}.",
        "# Do not edit: run `make schema` to refresh it, `make schema-diff` to review a change.",
        f"# Provenance notes of the reconstructed schema it replaced: {PROVENANCE_FILE}.",
    ]
    return "\n".join(header) + "\n\n" + sorted_sdl(schema)


def schema_body(text: str) -> str:
    """``text`` without its leading comment and blank lines (the header)."""
    lines = text.splitlines(keepends=True)
    start = 0
    while start < len(lines) and (not lines[start].strip() or lines[start].lstrip()[:1] == "#"):
        start += 1
    return "".join(lines[start:])


@dataclass(frozen=True)
class PullResult:
    """The outcome of :func:`pull`."""

    path: Path
    changed: bool
    type_count: int
    provenance: ProvenanceSummary | None = None


def pull(
    output: Path,
    *,
    url: str | None,
    token: str | None,
    timeout: float = 30.0,
    now: datetime | None = None,
) -> PullResult:
    """Introspect ``url`` and write the schema to ``output``.

    The file is left untouched when its schema is already the introspected one,
    so pulling twice gives a byte-identical file. When the file it replaces
    carries provenance notes (``[DOC]``, ``[CODE]``, ``[INF]``, ``[GUESS]``),
    they are written to ``schema.provenance.md`` beside it first, with what
    introspection found for each annotated definition.
    """
    from volt_sdk._config import DEFAULT_BASE_URL, URL_ENV

    source_url = url or os.environ.get(URL_ENV) or DEFAULT_BASE_URL
    schema = introspect(source_url, token, timeout=timeout)
    when = now or datetime.now(timezone.utc)
    new_body = sorted_sdl(schema)
    type_count = sum(1 for name in schema.type_map if not name.startswith("__"))
    try:
        previous = output.read_text("utf-8") if output.exists() else None
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaInputError(f"cannot read {output}: {one_line(exc)}") from None
    if previous is not None and schema_body(previous) == new_body:
        return PullResult(path=output, changed=False, type_count=type_count)
    summary: ProvenanceSummary | None = None
    try:
        if previous is not None and has_provenance(previous):
            notes_path = output.with_name(PROVENANCE_FILE)
            text, summary = provenance_markdown(
                previous,
                schema,
                source_url=source_url,
                when=when,
                schema_name=output.name,
                path=notes_path,
            )
            notes_path.write_text(text, "utf-8")
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(render(schema, source_url=source_url, when=when), "utf-8")
    except OSError as exc:
        raise SchemaInputError(f"cannot write {output}: {one_line(exc)}") from None
    return PullResult(path=output, changed=True, type_count=type_count, provenance=summary)
