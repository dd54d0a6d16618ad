"""ariadne-codegen plugins: fixes to the generated code, applied at generation.

Generated code is never edited by hand; what it needs beyond the generator's
defaults is added here.
"""

from __future__ import annotations

import ast
from typing import Any

from ariadne_codegen.plugins.base import Plugin
from graphql import (
    ExecutableDefinitionNode,
    FragmentDefinitionNode,
    GraphQLEnumType,
    Visitor,
    parse,
    print_ast,
    visit,
)

_MISSING_SOURCE = """
@classmethod
def _missing_(cls, value: object) -> "{name} | None":
    # Open enum: a value the server added after this client was generated
    # becomes a pseudo-member instead of failing validation.
    if not isinstance(value, str):
        return None
    member = str.__new__(cls, value)
    member._name_ = value
    member._value_ = value
    return member
"""


class OpenEnumsPlugin(Plugin):
    """Generated enums accept values they do not know (ariadne-codegen issue 395)."""

    def generate_enum(self, class_def: ast.ClassDef, enum_type: GraphQLEnumType) -> ast.ClassDef:
        method = ast.parse(_MISSING_SOURCE.format(name=class_def.name)).body[0]
        class_def.body.append(method)
        doc = (
            f"The Volt ``{enum_type.name}`` enum. Open: a value this client does not "
            "know arrives as a pseudo-member with that value instead of an error. "
            "Check queries/schema.graphql for how certain the values are."
        )
        class_def.body.insert(0, ast.Expr(value=ast.Constant(value=doc)))
        return class_def


class _DropMixinDirectives(Visitor):
    @staticmethod
    def enter_fragment_definition(
        node: FragmentDefinitionNode, *_args: Any
    ) -> FragmentDefinitionNode:
        node.directives = tuple(d for d in node.directives or () if d.name.value != "mixin")
        return node


class StripMixinDirectivesPlugin(Plugin):
    """Keep ``@mixin`` out of the documents sent to Volt.

    ``@mixin`` is a code generation directive. ariadne-codegen 0.19 removes it
    from fields but leaves it on fragment definitions, where a real server
    rejects it as an unknown directive.
    """

    def generate_operation_str(
        self, operation_str: str, operation_definition: ExecutableDefinitionNode
    ) -> str:
        document = parse(operation_str, no_location=True)
        return print_ast(visit(document, _DropMixinDirectives()))


_INIT_ANNOTATIONS = {
    "__getattr__": ("object", {"name": "str"}),
    "__dir__": ("list[str]", {}),
}


class TypedInitPlugin(Plugin):
    """Annotate the lazy-import hooks of the package ``__init__`` for ``mypy --strict``."""

    def generate_init_module(self, module: ast.Module) -> ast.Module:
        for node in module.body:
            if isinstance(node, ast.FunctionDef) and node.name in _INIT_ANNOTATIONS:
                returns, arguments = _INIT_ANNOTATIONS[node.name]
                node.returns = ast.Name(id=returns)
                for arg in node.args.args:
                    if arg.arg in arguments:
                        arg.annotation = ast.Name(id=arguments[arg.arg])
        return module


class FragmentDocstringsPlugin(Plugin):
    """Give every fragment model a docstring: they are volt_sdk's public models."""

    def generate_fragments_module(
        self, module: ast.Module, fragments_definitions: dict[str, FragmentDefinitionNode]
    ) -> ast.Module:
        for node in module.body:
            if not isinstance(node, ast.ClassDef):
                continue
            fragment = fragments_definitions.get(node.name)
            if fragment is not None:
                text = (
                    f"The fields of a Volt ``{fragment.type_condition.name.value}`` selected by "
                    f"fragment ``{node.name}`` (queries/operations/fragments.graphql)."
                )
            else:
                text = f"Nested selection of ``{node.name}`` (see its base class)."
            node.body.insert(0, ast.Expr(value=ast.Constant(value=text)))
            if len(node.body) == 2 and isinstance(node.body[1], ast.Pass):
                node.body.pop()
        return module
