"""Our operations and fragments: what they spread, what they use, whether they validate."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Final, cast

from graphql import (
    DefinitionNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInputObjectType,
    GraphQLNamedType,
    GraphQLSchema,
    GraphQLSyntaxError,
    GraphQLType,
    InlineFragmentNode,
    ListTypeNode,
    NamedTypeNode,
    Node,
    NonNullTypeNode,
    OperationDefinitionNode,
    Source,
    TypeInfo,
    TypeInfoVisitor,
    TypeNode,
    VariableDefinitionNode,
    Visitor,
    extend_schema,
    get_named_type,
    parse,
    validate,
    visit,
)

from volt_sdk._schema_tools._common import SchemaInputError, one_line

__all__ = [
    "broken_operations",
    "fragment_names",
    "load_operations",
    "spread_closure",
    "usage",
    "with_users",
]

# ariadne-codegen's client-only directive on our fragments: known to codegen, not to Volt.
_CODEGEN_DIRECTIVES: Final = (
    "directive @mixin(from: String, import: String) repeatable on FIELD | FRAGMENT_DEFINITION"
)


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
            raise SchemaInputError(f"cannot read {path}: {one_line(exc)}") from None
        try:
            definitions.extend(parse(Source(text, path.name)).definitions)
        except GraphQLSyntaxError as exc:
            raise SchemaInputError(f"{path}: {one_line(exc)}") from None
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


def spread_closure(document: DocumentNode) -> dict[str, set[str]]:
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


def with_users(
    names: Iterable[str], spreads: Mapping[str, set[str]], fragments: set[str]
) -> tuple[str, ...]:
    """``names`` and every definition that spreads one of them: fragments, then operations."""
    direct = set(names)
    everything = direct | {user for user, used in spreads.items() if used & direct}
    return (*sorted(everything & fragments), *sorted(everything - fragments))


def fragment_names(document: DocumentNode) -> set[str]:
    """The names of the fragments ``document`` defines."""
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
    spreads = spread_closure(document)
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
