"""ariadne-codegen plugins: fixes to the generated code, applied at generation.

Generated code is never edited by hand; what it needs beyond the generator's
defaults is added here.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import toml  # type: ignore[import-untyped]  # ariadne-codegen reads its config with it
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


ROOT = Path(__file__).resolve().parent.parent
FIELD_DOCS_PATH = ROOT / "queries" / "field_docs.toml"
"""What each field of the public models means: generated class -> Python field -> text."""


class FieldDocsError(ValueError):
    """``queries/field_docs.toml`` is malformed, or documents what the generated code lacks."""


class _Docstring(str):
    """A text ``ast.unparse`` writes as a triple-quoted literal, as PEP 257 wants a docstring.

    ``ast.unparse`` writes a string constant with ``repr()`` except in the first statement of
    a body; the formatter then leaves the quotes alone.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f'"""{self}"""'


def load_field_docs(path: Path = FIELD_DOCS_PATH) -> dict[str, dict[str, str]]:
    """The field texts of ``path``: a table per generated class, a string per field."""
    found: dict[str, Any] = toml.load(path)
    where = _shown(path)
    docs: dict[str, dict[str, str]] = {}
    for name, fields in found.items():
        if not isinstance(fields, dict):
            raise FieldDocsError(f"{where}: {name} must be a table (one per class)")
        docs[name] = {}
        for field, text in fields.items():
            if not isinstance(text, str) or not _writable(text.strip()):
                raise FieldDocsError(
                    f"{where}: {name}.{field} must be one non-empty line without a backslash "
                    'or """, not ending with a quote (a TOML line continuation joins long ones)'
                )
            docs[name][str(field)] = text.strip()
    return docs


def _shown(path: Path) -> Path:
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def _writable(text: str) -> bool:
    """Whether ``text`` can be written as is between triple quotes, on one line."""
    return bool(text) and not any(c in text for c in ('"""', "\\", "\n", "\r")) and text[-1] != '"'


def _field_name(node: ast.stmt) -> str | None:
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id
    return None


def add_field_docstrings(module: ast.Module, docs: Mapping[str, Mapping[str, str]]) -> list[str]:
    """Insert each text of ``docs`` after its field's annotated assignment in ``module``.

    A field that already has a docstring keeps it. Returns the entries (``Class.field``,
    or ``Class``) that name a class or field ``module`` does not have: stale texts.
    """
    classes = {node.name: node for node in module.body if isinstance(node, ast.ClassDef)}
    stale: list[str] = []
    for name, fields in docs.items():
        class_def = classes.get(name)
        if class_def is None:
            stale.append(name)
            continue
        body: list[ast.stmt] = []
        missing = dict(fields)
        for index, node in enumerate(class_def.body):
            body.append(node)
            field = _field_name(node)
            if field is None or field not in missing:
                continue
            text = missing.pop(field)
            following = class_def.body[index + 1] if index + 1 < len(class_def.body) else None
            if not (
                isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)
            ):
                body.append(ast.Expr(value=ast.Constant(value=_Docstring(text))))
        class_def.body = body
        stale.extend(f"{name}.{field}" for field in missing)
    return stale


class FragmentDocstringsPlugin(Plugin):
    """Docstrings for the fragment models, volt_sdk's public models, and for their fields.

    Each class gets a docstring; each field of ``queries/field_docs.toml`` gets its text as
    an attribute docstring. An entry there that names a class or a field the fragments
    module does not have fails the generation (:class:`FieldDocsError`).
    """

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
        stale = add_field_docstrings(module, load_field_docs(FIELD_DOCS_PATH))
        if stale:
            raise FieldDocsError(
                f"{_shown(FIELD_DOCS_PATH)} documents what the generated fragments "
                f"module does not have (rename or remove the entries): {', '.join(stale)}"
            )
        return module
