"""The schema lifecycle: introspect Volt, write the schema stably, diff two schemas.

What ``volt schema pull`` and ``volt schema diff`` (and ``make schema``,
``make schema-diff``) run. Needs graphql-core (the sandbox or dev extra); the
``volt`` command imports this module only inside those two commands.

- :func:`introspect` asks a GraphQL endpoint for its schema, with the client's own
  URL rules (no token over plain http to another host) and error mapping, so a
  failure is one :class:`~volt_sdk.VoltError` line.
- :func:`render` prints a schema in a stable form: types, fields, arguments and
  enum values sorted, under a short header saying where and when it came from.
- :func:`pull` writes it, leaves the file untouched when the schema did not
  change (two pulls of one server give byte-identical files), and keeps the
  provenance notes of a reconstructed schema in ``schema.provenance.md``.
- :func:`diff` lists graphql-core's breaking and dangerous changes, which of our
  operations and fragments each one touches, and which of them stop validating.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Final, Protocol, cast

from graphql import (
    BreakingChange,
    DangerousChange,
    DefinitionNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    FieldDefinitionNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSyntaxError,
    GraphQLType,
    InlineFragmentNode,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ListTypeNode,
    NamedTypeNode,
    Node,
    NonNullTypeNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    OperationDefinitionNode,
    SchemaDefinitionNode,
    Source,
    TypeDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    TypeNode,
    VariableDefinitionNode,
    Visitor,
    build_client_schema,
    build_schema,
    extend_schema,
    find_breaking_changes,
    find_dangerous_changes,
    get_introspection_query,
    get_named_type,
    lexicographic_sort_schema,
    parse,
    print_ast,
    print_schema,
    validate,
    visit,
)

from ._errors import MalformedResponseError

__all__ = [
    "PROVENANCE_FILE",
    "Change",
    "DiffReport",
    "ProvenanceSummary",
    "PullResult",
    "SchemaInputError",
    "diff",
    "introspect",
    "load_operations",
    "load_schema",
    "provenance_markdown",
    "pull",
    "render",
    "schema_body",
    "sorted_sdl",
]

OPERATION: Final = "IntrospectionQuery"
#: The first line of every file :func:`render` writes; a schema without it was written by a person.
HEADER_MARK: Final = "# Volt GraphQL schema, introspected by `volt schema pull`"
#: Where :func:`pull` keeps the notes of a reconstructed schema, next to the schema file.
PROVENANCE_FILE: Final = "schema.provenance.md"
_TAG: Final = re.compile(r"\[(DOC|CODE|CODE-VAR|INF|GUESS)\b")
# ariadne-codegen's client-only directive on our fragments: known to codegen, not to Volt.
_CODEGEN_DIRECTIVES: Final = (
    "directive @mixin(from: String, import: String) repeatable on FIELD | FRAGMENT_DEFINITION"
)


class SchemaInputError(ValueError):
    """A schema or operations file that cannot be read or does not parse (exit status 2)."""


# -- introspection ------------------------------------------------------------------------


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

    from ._config import resolve_config
    from ._retry import RetryPolicy
    from ._transport import Wire

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
            raise wire.transport_error(exc, OPERATION) from None
    data = wire.decode(response, OPERATION)
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


def _public_url(url: str) -> str:
    """The URL without credentials, query or fragment: safe for a committed file."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def render(schema: GraphQLSchema, *, source_url: str, when: datetime) -> str:
    """The schema file :func:`pull` writes: a header, then :func:`sorted_sdl`."""
    stamp = when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    header = [
        HEADER_MARK,
        f"# from {_public_url(source_url)} on {stamp}.",
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


def load_schema(text: str, *, name: str = "schema") -> GraphQLSchema:
    """Build a schema from SDL; a syntax or schema error is a :class:`SchemaInputError`."""
    try:
        return build_schema(Source(text, name))
    except (GraphQLError, TypeError) as exc:
        raise SchemaInputError(f"{name}: not a valid GraphQL schema: {_one_line(exc)}") from None


# -- pull -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProvenanceSummary:
    """What happened to the provenance notes of the schema a pull replaced."""

    path: Path
    annotated: int
    unchanged: int
    changed: int
    missing: int
    guesses: int

    def __str__(self) -> str:
        return (
            f"kept the provenance notes of {self.annotated} annotated definitions in "
            f"{self.path} ({self.unchanged} as reconstructed, {self.changed} changed, "
            f"{self.missing} not in the introspected schema; {self.guesses} carried a [GUESS])"
        )


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
    from ._config import DEFAULT_BASE_URL, URL_ENV

    source_url = url or os.environ.get(URL_ENV) or DEFAULT_BASE_URL
    schema = introspect(source_url, token, timeout=timeout)
    when = now or datetime.now(timezone.utc)
    new_body = sorted_sdl(schema)
    type_count = sum(1 for name in schema.type_map if not name.startswith("__"))
    try:
        previous = output.read_text("utf-8") if output.exists() else None
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaInputError(f"cannot read {output}: {_one_line(exc)}") from None
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
        raise SchemaInputError(f"cannot write {output}: {_one_line(exc)}") from None
    return PullResult(path=output, changed=True, type_count=type_count, provenance=summary)


# -- provenance -----------------------------------------------------------------------------


def has_provenance(sdl: str) -> bool:
    """Whether ``sdl`` is a hand-kept schema with provenance tags (not one we introspected)."""
    return not sdl.startswith(HEADER_MARK) and _TAG.search(sdl) is not None


class _Adder(Protocol):
    def __call__(self, coordinate: str, node: Node, type_: str | None = None) -> None: ...


@dataclass
class _Element:
    coordinate: str
    line: int
    column: int
    end_line: int
    type: str | None


def _elements(document: DocumentNode) -> list[_Element]:
    """Every annotatable definition of an SDL document, with its lines and declared type."""
    found: list[_Element] = []

    def add(coordinate: str, node: Node, type_: str | None = None) -> None:
        loc = node.loc
        if loc is not None:
            start = loc.start_token
            found.append(_Element(coordinate, start.line, start.column, loc.end_token.line, type_))

    for definition in document.definitions:
        if isinstance(definition, SchemaDefinitionNode):
            add("schema", definition)
            continue
        if not isinstance(definition, TypeDefinitionNode | ObjectTypeExtensionNode):
            continue
        name = definition.name.value
        add(name, definition)
        if isinstance(
            definition,
            ObjectTypeDefinitionNode
            | ObjectTypeExtensionNode
            | InterfaceTypeDefinitionNode
            | InterfaceTypeExtensionNode,
        ):
            for field_node in definition.fields or ():
                _add_field(add, name, field_node)
        elif isinstance(definition, InputObjectTypeDefinitionNode | InputObjectTypeExtensionNode):
            for input_field in definition.fields or ():
                add(f"{name}.{input_field.name.value}", input_field, print_ast(input_field.type))
        elif isinstance(definition, EnumTypeDefinitionNode | EnumTypeExtensionNode):
            for value in definition.values or ():
                add(f"{name}.{value.name.value}", value)
    return found


def _add_field(add: _Adder, type_name: str, node: FieldDefinitionNode) -> None:
    coordinate = f"{type_name}.{node.name.value}"
    add(coordinate, node, print_ast(node.type))
    arg: InputValueDefinitionNode
    for arg in node.arguments or ():
        add(f"{coordinate}({arg.name.value}:)", arg, print_ast(arg.type))


def _comment_column(line: str) -> int | None:
    """Where the comment of an SDL line starts (a ``#`` outside a string), if any."""
    in_string = False
    for index, char in enumerate(line):
        if char == '"':
            in_string = not in_string
        elif char == "#" and not in_string:
            return index
    return None


@dataclass
class _Notes:
    header: list[str] = field(default_factory=list[str])
    by_coordinate: dict[str, list[str]] = field(default_factory=dict[str, list[str]])
    elements: dict[str, _Element] = field(default_factory=dict[str, _Element])


def provenance_notes(sdl: str) -> _Notes:
    """The comments of a hand-kept schema, attached to the definition each one describes.

    A comment block belongs to the definition that follows it; a comment at the
    end of a line to the definition on that line (and the comment-only lines
    aligned under it continue it); comments before the first definition are the
    file's header.
    """
    try:
        document = parse(sdl)
    except GraphQLSyntaxError as exc:
        raise SchemaInputError(f"the previous schema does not parse: {_one_line(exc)}") from None
    elements = _elements(document)
    notes = _Notes(elements={e.coordinate: e for e in elements})
    starting: dict[int, _Element] = {}
    for element in elements:
        if element.line not in starting or element.column < starting[element.line].column:
            starting[element.line] = element
    first_line = min((e.line for e in elements), default=0)
    pending: list[str] = []
    trailing: tuple[str, int, int] | None = None  # coordinate, comment column, last line

    def attach(coordinate: str, texts: Iterable[str]) -> None:
        notes.by_coordinate.setdefault(coordinate, []).extend(texts)

    for number, line in enumerate(sdl.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            trailing = None
            continue
        if stripped.startswith("#"):
            text = stripped[1:].strip()
            column = line.index("#")
            if trailing is not None and trailing[2] == number - 1 and column >= trailing[1] - 1:
                attach(trailing[0], [text])
                trailing = (trailing[0], trailing[1], number)
            elif number < first_line:
                notes.header.append(text)
            else:
                pending.append(text)
            continue
        trailing = None
        here = starting.get(number)
        if here is not None and pending:
            attach(here.coordinate, pending)
            pending = []
        column_ = _comment_column(line)
        if column_ is not None:
            owner = here or _innermost(elements, number)
            if owner is not None:
                attach(owner.coordinate, [line[column_ + 1 :].strip()])
                trailing = (owner.coordinate, column_, number)
    return notes


def _innermost(elements: Sequence[_Element], line: int) -> _Element | None:
    inside = [e for e in elements if e.line <= line <= e.end_line]
    return max(inside, key=lambda e: (e.line, e.column), default=None)


def _introspected(schema: GraphQLSchema, coordinate: str) -> tuple[bool, str | None]:
    """Whether ``coordinate`` exists in ``schema``, and its type when it has one."""
    if coordinate == "schema":
        return True, None
    match = re.fullmatch(r"(\w+)(?:\.(\w+)(?:\((\w+):\))?)?", coordinate)
    if match is None:
        return False, None
    type_name, field_name, arg_name = match.groups()
    named = schema.type_map.get(type_name)
    if named is None:
        return False, None
    if field_name is None:
        return True, None
    if isinstance(named, GraphQLEnumType):
        return field_name in named.values, None
    if not isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
        return False, None
    found = named.fields.get(field_name)
    if found is None:
        return False, None
    if arg_name is None:
        return True, str(found.type)
    if isinstance(named, GraphQLInputObjectType):
        return False, None
    argument = named.fields[field_name].args.get(arg_name)
    return (False, None) if argument is None else (True, str(argument.type))


def provenance_markdown(
    previous_sdl: str,
    schema: GraphQLSchema,
    *,
    source_url: str,
    when: datetime,
    schema_name: str = "schema.graphql",
    path: Path = Path(PROVENANCE_FILE),
) -> tuple[str, ProvenanceSummary]:
    """The sidecar that keeps a reconstructed schema's notes, beside what introspection found."""
    notes = provenance_notes(previous_sdl)
    stamp = when.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    sections: list[str] = []
    unchanged = changed = missing = guesses = 0
    for coordinate, texts in notes.by_coordinate.items():
        element = notes.elements[coordinate]
        exists, found = _introspected(schema, coordinate)
        if not exists:
            missing += 1
            verdict = "**not in the introspected schema**"
        elif element.type is not None and found != element.type:
            changed += 1
            verdict = f"introspected: `{found}` (**changed**)"
        else:
            unchanged += 1
            verdict = f"introspected: `{found}` (as reconstructed)" if found else "present"
        guesses += any("[GUESS" in text for text in texts)
        declared = f"reconstructed: `{element.type}`; " if element.type else ""
        quoted = "\n".join(f"> {text}" if text else ">" for text in texts)
        sections.append(f"### `{coordinate}`\n\n{declared}{verdict}\n\n{quoted}\n")
    summary = ProvenanceSummary(
        path=path,
        annotated=len(notes.by_coordinate),
        unchanged=unchanged,
        changed=changed,
        missing=missing,
        guesses=guesses,
    )
    header = "\n".join(notes.header)
    text = (
        "# Provenance notes of the reconstructed Volt schema\n\n"
        f"`volt schema pull` replaced the hand-reconstructed `{schema_name}` with the schema "
        f"introspected from {_public_url(source_url)} on {stamp}. Introspection carries no "
        "comments, so the notes of the reconstruction ([DOC], [CODE], [INF], [GUESS]) are kept "
        "here, each beside what introspection found. The reconstructed file itself stays in git "
        f'history (`git log -p -- {schema_name}`). See CONTRIBUTING.md, "Upgrading the schema".\n\n'
        f"{summary.annotated} annotated definitions: {unchanged} as reconstructed, {changed} "
        f"changed, {missing} not in the introspected schema; {guesses} carried a [GUESS].\n\n"
        "## Header of the reconstructed file\n\n"
        f"```text\n{header}\n```\n\n"
        "## Definitions\n\n" + "\n".join(sections)
    )
    return text, summary


# -- operations -----------------------------------------------------------------------------


def load_operations(directory: Path) -> DocumentNode:
    """Every operation and fragment in ``directory``'s ``*.graphql`` files, as one document."""
    files = sorted(directory.glob("*.graphql"))
    if not files:
        raise SchemaInputError(f"{directory}: no .graphql files (expected our operations)")
    definitions: list[DefinitionNode] = []
    for path in files:
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SchemaInputError(f"cannot read {path}: {_one_line(exc)}") from None
        try:
            definitions.extend(parse(Source(text, path.name)).definitions)
        except GraphQLSyntaxError as exc:
            raise SchemaInputError(f"{path}: {_one_line(exc)}") from None
    return DocumentNode(definitions=tuple(definitions))


def _name(definition: DefinitionNode) -> str | None:
    if isinstance(definition, OperationDefinitionNode | FragmentDefinitionNode):
        return definition.name.value if definition.name else "(anonymous operation)"
    return None


def _for_operations(schema: GraphQLSchema) -> GraphQLSchema:
    """``schema`` plus the codegen-only directives our documents use."""
    if schema.get_directive("mixin") is not None:
        return schema
    return extend_schema(schema, parse(_CODEGEN_DIRECTIVES))


class _SpreadCollector(Visitor):
    """The names of the fragments a definition spreads directly."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: object) -> None:
        self.names.add(node.name.value)


def _spreads(document: DocumentNode) -> dict[str, set[str]]:
    """Each operation's and fragment's spread fragments, transitively."""
    direct: dict[str, set[str]] = {}
    for definition in document.definitions:
        name = _name(definition)
        if name is not None:
            collector = _SpreadCollector()
            visit(definition, collector)
            direct[name] = collector.names
    closed: dict[str, set[str]] = {}
    for name in direct:
        seen: set[str] = set()
        todo = list(direct[name])
        while todo:
            fragment = todo.pop()
            if fragment not in seen:
                seen.add(fragment)
                todo.extend(direct.get(fragment, ()))
        closed[name] = seen
    return closed


def _with_users(
    names: Iterable[str], spreads: Mapping[str, set[str]], fragments: set[str]
) -> tuple[str, ...]:
    """``names`` and every definition that spreads one of them: fragments, then operations."""
    direct = set(names)
    everything = direct | {user for user, used in spreads.items() if used & direct}
    return (*sorted(everything & fragments), *sorted(everything - fragments))


def _fragments(document: DocumentNode) -> set[str]:
    return {d.name.value for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _owner(document: DocumentNode, node: Node) -> str | None:
    loc = node.loc
    if loc is None:
        return None
    for definition in document.definitions:
        dloc = definition.loc
        if dloc is not None and dloc.source is loc.source and dloc.start <= loc.start < dloc.end:
            return _name(definition)
    return None


def broken_operations(schema: GraphQLSchema, document: DocumentNode) -> dict[str, list[str]]:
    """Operation or fragment name -> why it does not validate against ``schema``.

    An operation that spreads a fragment that does not validate is listed too.
    """
    broken: dict[str, list[str]] = {}
    for error in validate(_for_operations(schema), document):
        owners = {_owner(document, node) for node in error.nodes or ()} - {None}
        where = ""
        if error.source is not None and error.locations:
            where = f" ({error.source.name}:{error.locations[0].line})"
        for owner in sorted(o for o in owners if o is not None) or ["(document)"]:
            broken.setdefault(owner, []).append(f"{error.message}{where}")
    spreads = _spreads(document)
    for name, used in sorted(spreads.items()):
        for fragment in sorted(used & set(broken)):
            if name != fragment:
                message = f"spreads fragment {fragment}, which does not validate"
                broken.setdefault(name, []).append(message)
    return dict(sorted(broken.items()))


def usage(schema: GraphQLSchema, document: DocumentNode) -> dict[str, set[str]]:
    """Schema coordinate (``Type``, ``Type.field``) -> the definitions that use it directly.

    Input types reached through a variable count whole (their fields and the
    types of those), since the generated client builds them.
    """
    used: dict[str, set[str]] = {}
    checked = _for_operations(schema)
    type_info = TypeInfo(checked)
    current: list[str] = []

    def mark(coordinate: str) -> None:
        if current:
            used.setdefault(coordinate, set()).add(current[-1])

    def mark_input(named: GraphQLNamedType, seen: set[str]) -> None:
        if named.name in seen:
            return
        seen.add(named.name)
        mark(named.name)
        if isinstance(named, GraphQLInputObjectType):
            for field_name, input_field in named.fields.items():
                mark(f"{named.name}.{field_name}")
                field_type = input_field.type
                mark_input(_named_type(field_type), seen)

    class Record(Visitor):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: object) -> None:
            current.append(node.name.value if node.name else "(anonymous operation)")
            root = checked.get_root_type(node.operation)
            if root is not None:
                mark(root.name)

        def enter_fragment_definition(self, node: FragmentDefinitionNode, *_: object) -> None:
            current.append(node.name.value)
            mark(node.type_condition.name.value)

        def leave_operation_definition(self, *_: object) -> None:
            current.pop()

        def leave_fragment_definition(self, *_: object) -> None:
            current.pop()

        def enter_inline_fragment(self, node: InlineFragmentNode, *_: object) -> None:
            if node.type_condition:
                mark(node.type_condition.name.value)

        def enter_field(self, node: FieldNode, *_: object) -> None:
            parent = type_info.get_parent_type()
            if parent is not None:
                mark(f"{parent.name}.{node.name.value}")
            definition = type_info.get_field_def()
            if definition is not None:
                field_type = definition.type  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
                mark(_named_type(field_type).name)  # pyright: ignore[reportUnknownArgumentType]

        def enter_variable_definition(self, node: VariableDefinitionNode, *_: object) -> None:
            type_node: TypeNode = node.type
            while isinstance(type_node, ListTypeNode | NonNullTypeNode):
                type_node = type_node.type  # through [T] and T!
            if not isinstance(type_node, NamedTypeNode):
                return
            named = checked.get_type(type_node.name.value)
            if named is not None:
                mark_input(named, set())

    visit(document, TypeInfoVisitor(type_info, Record()))
    return used


def _named_type(type_: object) -> GraphQLNamedType:
    """The named type under ``[T]`` and ``T!`` (graphql-core's wrappers are generic in Any)."""
    named = get_named_type(cast("GraphQLType", type_))
    assert named is not None  # get_named_type returns None only for None
    return named


_CHANGE_TYPES: Final = (
    re.compile(r"(?:input|enum|union) type (\w+)"),
    re.compile(r"implemented by (\w+)"),
    re.compile(r"^(\w+) no longer implements"),
    re.compile(r"^(?:Standard scalar )?(\w+) (?:was removed|changed from)"),
)


def change_coordinates(description: str) -> tuple[str, ...]:
    """The schema coordinates a graphql-core change description is about."""
    if "on directive" in description:
        return ()
    found = re.search(r"\b([_A-Za-z]\w*)\.([_A-Za-z]\w*)\b", description)
    if found is not None:
        return (f"{found.group(1)}.{found.group(2)}",)
    for pattern in _CHANGE_TYPES:
        match = pattern.search(description)
        if match is not None:
            return (match.group(1),)
    return ()


# -- diff -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One breaking or dangerous change, and our definitions it touches."""

    kind: str
    description: str
    affects: tuple[str, ...] = ()


@dataclass
class DiffReport:
    """What changed between two schemas, and what it does to our operations."""

    breaking: list[Change] = field(default_factory=list[Change])
    dangerous: list[Change] = field(default_factory=list[Change])
    broken_operations: dict[str, list[str]] = field(default_factory=dict[str, list[str]])

    @property
    def breaks_us(self) -> bool:
        """An operation no longer validates, or a breaking change touches something we use."""
        return bool(self.broken_operations) or any(c.affects for c in self.breaking)

    @property
    def verdict(self) -> str:
        if self.breaks_us:
            return "the new schema breaks volt-sdk's operations: fix queries/ before releasing"
        if self.breaking or self.dangerous:
            return "the changes do not touch volt-sdk's operations"
        return "no breaking or dangerous changes"

    def to_text(self) -> str:
        """The report for a terminal."""
        lines: list[str] = []
        for title, changes in (("Breaking", self.breaking), ("Dangerous", self.dangerous)):
            lines.append(f"{title} changes: {len(changes) or 'none'}")
            for change in changes:
                lines.append(f"  - {change.description} [{change.kind}]")
                if change.affects:
                    lines.append(f"      used by: {', '.join(change.affects)}")
        broken = len(self.broken_operations) or "none"
        lines.append(f"Operations and fragments that no longer validate: {broken}")
        for name, messages in self.broken_operations.items():
            lines.append(f"  {name}:")
            lines.extend(f"    - {message}" for message in messages)
        lines.append(f"Verdict: {self.verdict}.")
        return "\n".join(lines) + "\n"

    def to_markdown(self) -> str:
        """The report as Markdown (a pull request's body)."""
        parts = [
            "## Volt schema diff\n",
            f"**{'Breaks our operations' if self.breaks_us else 'Safe for our operations'}**: "
            f"{self.verdict}.\n",
        ]
        for title, changes in (("Breaking", self.breaking), ("Dangerous", self.dangerous)):
            parts.append(f"### {title} changes ({len(changes)})\n")
            if not changes:
                parts.append("None.\n")
                continue
            parts.append("| Change | Kind | Used by |\n| --- | --- | --- |")
            for change in changes:
                used_by = ", ".join(f"`{name}`" for name in change.affects) or "-"
                parts.append(f"| {_cell(change.description)} | `{change.kind}` | {used_by} |")
            parts.append("")
        parts.append(f"### Operations that no longer validate ({len(self.broken_operations)})\n")
        if not self.broken_operations:
            parts.append("None.\n")
        for name, messages in self.broken_operations.items():
            parts.append(f"- `{name}`")
            parts.extend(f"  - {_cell(message)}" for message in messages)
        return "\n".join(parts).rstrip() + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def diff(old_sdl: str, new_sdl: str, operations_dir: Path) -> DiffReport:
    """Compare two schemas (SDL text) for the operations and fragments in ``operations_dir``."""
    old = load_schema(old_sdl, name="OLD")
    new = load_schema(new_sdl, name="NEW")
    document = load_operations(operations_dir)
    spreads = _spreads(document)
    fragments = _fragments(document)
    used = usage(old, document)

    def described(changes: Sequence[BreakingChange | DangerousChange]) -> list[Change]:
        result: list[Change] = []
        for change in changes:
            direct: set[str] = set()
            for coordinate in change_coordinates(change.description):
                direct |= used.get(coordinate, set())
            result.append(
                Change(
                    kind=change.type.name,
                    description=change.description,
                    affects=_with_users(direct, spreads, fragments) if direct else (),
                )
            )
        return sorted(result, key=lambda c: (not c.affects, c.description))

    return DiffReport(
        breaking=described(find_breaking_changes(old, new)),
        dangerous=described(find_dangerous_changes(old, new)),
        broken_operations=broken_operations(new, document),
    )
