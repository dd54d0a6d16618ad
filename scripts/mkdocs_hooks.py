"""MkDocs hooks (mkdocs.yml ``hooks:``): ``make docs`` fails on an incomplete API reference.

Before the build, the public API is read statically with griffe (nothing is imported), the
way ``make api-check`` reads it (``scripts/api_check.py``: ``volt_sdk`` and its public
modules, every lazy export and inherited member followed to its end), and the build stops
with a :class:`mkdocs.exceptions.PluginError` listing

- every public module, class, function, method and property without a docstring; every
  public module-level attribute (a constant, a type alias) without one (an attribute
  docstring: a string literal right after the assignment);
- every annotated public attribute of a public class (the fields of the models and
  dataclasses, the attributes an error declares, its own or inherited) without a docstring
  of its own nor an entry in its class's ``Attributes:`` section. The public models that are
  generated fragment models have theirs in the generated code: ``make generate`` writes
  them from ``queries/field_docs.toml`` (``codegen/plugins.py``, which fails on an entry
  for a field that no longer exists);
- every name of a public module's ``__all__`` that no page of ``docs/reference/`` renders
  with a ``::: identifier`` directive (its public path, or its module's without a
  ``members`` option, or with one that names it), and every directive that names a private
  path (``volt_sdk._models.Message``, ``volt_sdk_graphql...``) instead of the public one;
- every name of a public module's ``__all__`` that cannot be followed to an object.

Not checked: ``__init__`` and other dunder methods (the class docstring says how to build
one: ``merge_init_into_class``), enum members, and attributes a class sets without declaring
them in its body (``self.x = ...`` only).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import griffe
import yaml  # type: ignore[import-untyped]  # pyyaml ships no stubs; pinned in dev
from mkdocs.exceptions import PluginError

if TYPE_CHECKING:
    import api_check
    from mkdocs.config.defaults import MkDocsConfig
else:
    _SCRIPT = Path(__file__).resolve().with_name("api_check.py")
    api_check = sys.modules.get("api_check")
    if api_check is None:
        _spec = importlib.util.spec_from_file_location("api_check", _SCRIPT)
        assert _spec is not None
        assert _spec.loader is not None
        api_check = importlib.util.module_from_spec(_spec)
        sys.modules["api_check"] = api_check  # dataclasses look their module up
        _spec.loader.exec_module(api_check)

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = api_check.PACKAGE
REFERENCE = Path("reference")  # under docs_dir
_DIRECTIVE = re.compile(r"^:::\s+(\S+)\s*$")


# -- reading the package ------------------------------------------------------------------------


def load(tree: Path, package: str = PACKAGE) -> griffe.Module:
    """``package`` of ``tree`` with its generated packages, read statically (as api-check does)."""
    return api_check.load(tree, package)


# -- missing docstrings ------------------------------------------------------------------------


def _owned(obj: griffe.Object, package: str) -> bool:
    """Written in the package or in its generated package, not inherited from a dependency."""
    top = obj.path.split(".", 1)[0]
    return top == package or top.startswith(f"{package}_")


def _is_model(cls: griffe.Class) -> bool:
    return "dataclass" in cls.labels or api_check.is_model(cls)


def _section_attributes(cls: griffe.Class) -> set[str]:
    """The names an ``Attributes:`` section of the class docstring documents."""
    if cls.docstring is None:
        return set()
    names: set[str] = set()
    for section in cls.docstring.parse("google", warnings=False):
        if section.kind is griffe.DocstringSectionKind.attributes:
            names.update(item.name for item in section.value)
    return names


def _kind(obj: griffe.Object) -> str:
    if "property" in obj.labels:
        return "property"
    if isinstance(obj, griffe.Function) and isinstance(obj.parent, griffe.Class):
        return "method"
    return str(obj.kind.value)


def undocumented(package: griffe.Module) -> list[str]:
    """Every public object of ``package`` the rules of this module want a docstring on."""
    public = api_check.surface(package)
    gaps: dict[str, str] = {}  # object path -> the line that reports it

    def need(obj: griffe.Object, where: str, kind: str | None = None) -> None:
        if obj.path not in gaps and not (obj.docstring and obj.docstring.value.strip()):
            gaps[obj.path] = f"{where} ({kind or _kind(obj)})"

    for module in sorted(public.modules):
        target = api_check.final_target(package.modules_collection.get_member(module))
        if isinstance(target, griffe.Module):
            need(target, module)
    for scope, names in sorted(public.scopes.items()):
        cls = public.classes.get(scope)
        documented = _section_attributes(cls) if cls is not None else set()
        fields = api_check.fields(cls) if cls is not None else {}
        kind = "field" if cls is not None and _is_model(cls) else "attribute"
        for name, obj in names.items():
            where = f"{scope}.{name}"
            if not _owned(obj, package.name) or (cls is not None and name.startswith("__")):
                continue
            if isinstance(obj, (griffe.Class, griffe.Function)):
                need(obj, where)
            elif isinstance(obj, griffe.Attribute):
                if cls is None or "property" in obj.labels:
                    need(obj, where)
                elif name in fields and name not in documented:
                    need(obj, where, kind)
    return sorted(gaps.values())


# -- the reference pages -----------------------------------------------------------------------


@dataclass(frozen=True)
class Directive:
    """One ``::: identifier`` of a page, with the ``members`` its options name (None: all)."""

    identifier: str
    page: str
    members: tuple[str, ...] | None


def directives(reference: Path) -> Iterator[Directive]:
    """The ``:::`` directives of every Markdown page under ``reference``."""
    for page in sorted(reference.rglob("*.md")):
        lines = page.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines):
            found = _DIRECTIVE.match(line)
            if not found:
                continue
            block = []
            for following in lines[number + 1 :]:
                if following.strip() and not following.startswith((" ", "\t")):
                    break
                block.append(following)
            options = yaml.safe_load("\n".join(block)) if any(s.strip() for s in block) else None
            members: tuple[str, ...] | None = None
            if isinstance(options, Mapping):
                chosen = (options.get("options") or {}).get("members")
                if isinstance(chosen, list):
                    members = tuple(str(m) for m in chosen)
                elif chosen is False:
                    members = ()
            yield Directive(found.group(1), str(page.relative_to(reference)), members)


def public_names(package: griffe.Module) -> list[str]:
    """``module.name`` for every name of every public module's ``__all__`` (or public names)."""
    public = api_check.surface(package)
    return sorted(f"{module}.{name}" for module in public.modules for name in public.scopes[module])


def unrendered(package: griffe.Module, reference: Path) -> list[str]:
    """The public names no reference page renders, and the directives naming private paths."""
    public = api_check.surface(package)
    rendered: set[str] = set()
    problems: list[str] = []
    for directive in directives(reference):
        identifier = directive.identifier
        parts = identifier.split(".")
        if parts[0] != package.name or any(p.startswith("_") and p != "__version__" for p in parts):
            problems.append(
                f"{directive.page}: ::: {identifier} is not a public path (use {package.name}.Name)"
            )
            continue
        rendered.add(identifier)
        if identifier in public.modules:
            names = public.scopes[identifier]
            chosen = names if directive.members is None else directive.members
            rendered.update(f"{identifier}.{name}" for name in chosen)
    missing = [name for name in public_names(package) if name not in rendered]
    problems.extend(f"{name} (no ::: directive under docs/{REFERENCE})" for name in missing)
    return problems


def unresolved(package: griffe.Module) -> list[str]:
    """The names of a public module's ``__all__`` that griffe cannot follow to an object.

    Such a name (a typo in ``__all__``, a module griffe cannot parse) would otherwise
    escape both checks.
    """
    public = api_check.surface(package)
    problems: list[str] = []
    for module in sorted(public.modules):
        target = api_check.final_target(package.modules_collection.get_member(module))
        exports = target.exports if isinstance(target, griffe.Module) else None
        for name in sorted({str(export) for export in exports or ()}):
            if name not in public.scopes[module]:
                problems.append(f"{module}.{name} (in __all__, but cannot be resolved)")
    return problems


# -- together ----------------------------------------------------------------------------------


def check(tree: Path, reference: Path, package: str = PACKAGE) -> list[str]:
    """Everything that makes the reference incomplete; empty when it is complete."""
    module = load(tree, package)
    return [*unresolved(module), *undocumented(module), *unrendered(module, reference)]


def on_pre_build(config: MkDocsConfig, **kwargs: Any) -> None:
    """Stop the build when the API reference is incomplete."""
    try:
        problems = check(ROOT, Path(config.docs_dir) / REFERENCE)
    except ModuleNotFoundError as error:
        raise PluginError(f"the API reference check cannot read {error} under {ROOT}") from None
    if problems:
        listed = "\n".join(f"  {problem}" for problem in problems)
        raise PluginError(
            f"the API reference is incomplete ({len(problems)}); every public name needs a "
            f"docstring and a ::: directive under docs/{REFERENCE}:\n{listed}"
        )
