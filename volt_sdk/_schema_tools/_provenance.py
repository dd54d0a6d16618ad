"""The provenance notes of a hand-kept schema, kept beside the introspected one replacing it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Final, Protocol

from graphql import (
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    FieldDefinitionNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSyntaxError,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    Node,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    SchemaDefinitionNode,
    TypeDefinitionNode,
    parse,
    print_ast,
)

from volt_sdk._schema_tools._common import (
    HEADER_MARK,
    PROVENANCE_FILE,
    SchemaInputError,
    one_line,
    public_url,
)

__all__ = ["ProvenanceSummary", "has_provenance", "provenance_markdown", "provenance_notes"]

_TAG: Final = re.compile(r"\[(DOC|CODE|CODE-VAR|INF|GUESS)\b")


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
        raise SchemaInputError(f"the previous schema does not parse: {one_line(exc)}") from None
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
        f"introspected from {public_url(source_url)} on {stamp}. Introspection carries no "
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
