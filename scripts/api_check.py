"""``make api-check``: the public API against the last release (docs/api-compatibility.md).

The baseline is the newest ``v*`` tag reachable from HEAD or, before the first
tag, the commit recorded in ``scripts/api_baseline.txt``. Its ``volt_sdk`` and
``generated/`` packages are extracted with ``git archive``, and both trees are
read statically by griffe (nothing is imported), each with its own generated
package (``volt_graphql`` at 0.1.0, ``volt_sdk_graphql`` now): the two sides
are matched by their public names, never by the private paths behind them.

An incompatible change is what ``griffe.find_breaking_changes`` reports (a
public name, member or module removed, a parameter removed, moved, made
required or keyword-only, a default changed...), run on each public scope with
every alias followed to its end (``griffe_findings``), plus what it does not
see: a class that lost an ancestor (``base_findings``) and the fields of the
public pydantic models (``field_findings``). Each must be named,
in backticks, under a ``### Breaking`` heading of a CHANGELOG.md section newer
than the baseline's (``## [Unreleased]`` while it is unreleased): otherwise
every unrecorded change is printed and the exit status is 1. Exit status 2:
the check itself could not run (no baseline in this clone).
"""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import griffe

ROOT = Path(__file__).resolve().parents[1]
BASELINE_FILE = Path("scripts") / "api_baseline.txt"
PACKAGE = "volt_sdk"
GENERATED = "generated"
CHANGELOG = "CHANGELOG.md"
PYDANTIC_MODEL = frozenset({"pydantic.BaseModel", "pydantic.main.BaseModel"})
# A model of a module of this name is built by the user (an input); every other one is read.
INPUT_MODULE = "input_types"


def _text(kind: str) -> str:
    """What a kind says (a str enum: its value, whatever ``StrEnum`` Python has)."""
    return str.__str__(kind)


REMOVED = _text(griffe.BreakageKind.OBJECT_REMOVED)
FIELD_REMOVED = REMOVED  # as griffe says it of any other member
FIELD_CHANGED_TYPE = "Model field changed type"
FIELD_BECAME_REQUIRED = "Model field became required"
FIELD_ADDED_REQUIRED = "Required model field was added"
BASE_LOST = "Class is no longer a subclass"
# Every class stays an ``object``, every exception class an ``Exception`` (through ``ValueError``
# too, whose own bases are not read): never reported lost.
UNIVERSAL = frozenset({"object", "Exception", "BaseException"})


class CheckError(Exception):
    """The check could not run (exit status 2)."""


@dataclass(frozen=True)
class Finding:
    """One incompatible change, under every public path of the object it concerns."""

    paths: tuple[str, ...]
    kind: str
    change: str = ""
    parameter: str = ""
    origin: str = ""  # the object's own path: one change seen through several public paths

    def names(self) -> set[str]:
        """The names an entry under "Breaking" may give it: a path, with or without the package."""
        return {name for path in self.paths for name in (path, path.split(".", 1)[-1])}

    def describe(self) -> str:
        where = self.paths[0] + (f"({self.parameter})" if self.parameter else "")
        also = f" (also {', '.join(self.paths[1:])})" if len(self.paths) > 1 else ""
        change = f": {self.change}" if self.change else ""
        return f"{where}{also}: {self.kind}{change}"


# -- the two trees ------------------------------------------------------------------------------


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise CheckError(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip()


def baseline_ref(repo: Path) -> tuple[str, str]:
    """The baseline's ref and its origin: the newest ``v*`` tag, else the recorded commit."""
    tags = git(repo, "tag", "--merged", "HEAD", "--list", "v*", "--sort=-v:refname").split()
    if tags:
        return tags[0], f"tag {tags[0]}"
    recorded = repo / BASELINE_FILE
    if not recorded.is_file():
        raise CheckError(f"no v* tag reachable from HEAD and no {BASELINE_FILE}")
    lines = recorded.read_text(encoding="utf-8").splitlines()
    commits = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    if len(commits) != 1:
        raise CheckError(f"{BASELINE_FILE} should hold one commit, not {commits}")
    return commits[0], f"commit {commits[0][:12]} ({BASELINE_FILE}; no v* tag yet)"


def extract(repo: Path, ref: str, dest: Path) -> None:
    """The package and the generated code of ``ref``, as committed, into ``dest``."""
    try:
        git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except CheckError:
        raise CheckError(
            f"{ref} is not in this clone: the check needs the history and the tags "
            "(actions/checkout with fetch-depth: 0)"
        ) from None
    archive = subprocess.run(
        ["git", "-C", str(repo), "archive", "--format=tar", ref, "--", PACKAGE, GENERATED],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        raise CheckError(f"git archive {ref}: {archive.stderr.decode(errors='replace').strip()}")
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)


def load(tree: Path, package: str = PACKAGE) -> griffe.Module:
    """``package`` of ``tree``, read statically, with every package of ``tree/generated``."""
    generated = tree / GENERATED
    loader = griffe.GriffeLoader(search_paths=[tree, generated], allow_inspection=False)
    module = loader.load(package, try_relative_path=False)
    for init in sorted(generated.glob("*/__init__.py")):
        loader.load(init.parent.name, try_relative_path=False)
    assert isinstance(module, griffe.Module)
    return module


def version_of(tree: Path, package: str = PACKAGE) -> str | None:
    """``__version__`` of ``package/_version.py``, if there is one."""
    source = tree / package / "_version.py"
    text = source.read_text(encoding="utf-8") if source.is_file() else ""
    found = re.search(r'^__version__\s*=\s*"([^"]+)"', text, re.MULTILINE)
    return found.group(1) if found else None


# -- the public surface -------------------------------------------------------------------------


def final_target(obj: griffe.Object | griffe.Alias) -> griffe.Object | None:
    """The object ``obj`` is, every alias followed to its end; None when one cannot be."""
    if not isinstance(obj, griffe.Alias):
        return obj
    try:
        return obj.final_target
    except (griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None


@dataclass
class Surface:
    """One tree's public API: its scopes (modules, classes) and every public object's paths."""

    scopes: dict[str, dict[str, griffe.Object]]  # public module or class -> name -> final target
    modules: set[str]  # the public modules among the scopes
    paths: dict[str, list[str]]  # griffe path (an alias's or an object's) -> public paths
    classes: dict[str, griffe.Class]  # public path -> class


def surface(package: griffe.Module) -> Surface:
    """Walk what a user can reach: public names of public modules, public members of classes.

    Public modules are the package and its submodules without a leading underscore; their
    public names are ``__all__`` (else those without a leading underscore, not imported).
    Aliases are followed to their end: ``volt_sdk.Volt`` is a lazy export of a lazy export,
    an inherited method an alias to its base's. An alias that cannot be resolved is left out
    of its scope: when it is the new tree's, the name reads as removed.
    """
    found = Surface({}, set(), {}, {})

    def add(path: str, public: str) -> None:
        publics = found.paths.setdefault(path, [])
        if public not in publics:
            publics.append(public)

    def visit(obj: griffe.Object | griffe.Alias, public: str) -> griffe.Object | None:
        add(obj.path, public)
        if isinstance(obj, griffe.Alias):
            try:
                target = obj.final_target
            except (griffe.AliasResolutionError, griffe.CyclicAliasError):
                return None
            add(target.path, public)
        else:
            target = obj
        if isinstance(target, (griffe.Module, griffe.Class)) and public not in found.scopes:
            names = found.scopes[public] = {}
            if isinstance(target, griffe.Module):
                found.modules.add(public)
                members = target.members
            else:
                found.classes[public] = target
                members = target.all_members
            for name, member in members.items():
                if member.is_public or name == "__init__":
                    resolved = visit(member, f"{public}.{name}")
                    if resolved is not None and not isinstance(resolved, griffe.Module):
                        names[name] = resolved
        return target

    visit(package, package.path)
    return found


# -- griffe's findings --------------------------------------------------------------------------


def _change(breakage: griffe.Breakage) -> str:
    kind, old, new = breakage.kind, breakage.old_value, breakage.new_value
    if kind is griffe.BreakageKind.PARAMETER_MOVED:
        return breakage.details
    if kind is griffe.BreakageKind.PARAMETER_CHANGED_KIND:
        return f"{old.kind.value} -> {new.kind.value}"
    if kind is griffe.BreakageKind.PARAMETER_CHANGED_DEFAULT:
        return f"{old.default} -> {new.default}"
    if kind is griffe.BreakageKind.OBJECT_CHANGED_KIND:
        return f"{old.value} -> {new.value}"
    if kind is griffe.BreakageKind.OBJECT_REMOVED or old is None or new is None:
        return ""
    if isinstance(old, griffe.Parameter) or isinstance(new, griffe.Parameter):
        return ""
    return f"{old} -> {new}"


def _container(path: str, names: dict[str, griffe.Object]) -> griffe.Module:
    """A stand-in module holding a scope's names as one-hop aliases to their targets.

    ``find_breaking_changes`` follows an alias one step and then skips an object it has seen:
    through a chain of lazy exports it compared nothing. Here every name points at its end.
    """
    module = griffe.Module(path)
    for name, target in names.items():
        module.set_member(name, griffe.Alias(name, target, parent=module))
    module.exports = list(names)
    return module


def griffe_findings(old: Surface, new: Surface) -> Iterator[Finding]:
    """``griffe.find_breaking_changes`` on each public scope, both sides flattened.

    Each scope (a public module, a public class) is compared as a stand-in module of one-hop
    aliases to its members' ends: griffe follows an alias once, and then skips the object it
    started from, so that a method moved to a base class (``Volt.send_message``, now inherited)
    or a name behind two lazy exports would never be compared.
    """
    for scope, old_names in old.scopes.items():
        new_names = new.scopes.get(scope)
        if new_names is None:
            if scope in old.modules and scope.rsplit(".", 1)[0] in new.scopes:
                yield Finding((scope,), REMOVED)
            continue  # a removed class is reported in its module's scope
        new_names = {n: t for n, t in new_names.items() if n in old_names}  # new names: compatible
        breakages = griffe.find_breaking_changes(
            _container(scope, old_names), _container(scope, new_names)
        )
        for breakage in breakages:
            if breakage.kind is griffe.BreakageKind.CLASS_REMOVED_BASE:
                continue  # fewer bases written, not fewer ancestors: base_findings says that
            path = breakage.obj.path
            removed = breakage.kind is griffe.BreakageKind.OBJECT_REMOVED
            first, second = (old, new) if removed else (new, old)
            paths = first.paths.get(path) or second.paths.get(path) or [path]
            parameter = next(
                (
                    value.name
                    for value in (breakage.old_value, breakage.new_value)
                    if isinstance(value, griffe.Parameter)
                ),
                "",
            )
            obj = breakage.obj
            origin = obj.target_path if removed and isinstance(obj, griffe.Alias) else path
            kind = _text(breakage.kind)
            yield Finding(tuple(paths), kind, _change(breakage), parameter, origin)


# -- model fields -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    annotation: str
    required: bool
    models: tuple[griffe.Class, ...]
    origin: str


def is_model(cls: griffe.Class) -> bool:
    """A pydantic model: a base is ``pydantic.BaseModel``, or a model itself."""
    for base in cls.bases:
        path = base.canonical_path if isinstance(base, griffe.Expr) else str(base)
        if path in PYDANTIC_MODEL:
            return True
    return any(isinstance(base, griffe.Class) and is_model(base) for base in cls.resolved_bases)


class _Canonical(ast.NodeTransformer):
    """One spelling per type: ``Optional[X]`` and ``Union[X, None]`` are ``X | None``, and so on."""

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, str):  # a forward reference
            try:
                parsed: ast.AST = self.visit(ast.parse(node.value, mode="eval").body)
            except SyntaxError:
                return node
            return parsed
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if isinstance(node.value, ast.Name) and node.value.id in {"typing", "typing_extensions"}:
            return self.visit_Name(ast.Name(id=node.attr, ctx=ast.Load()))
        return self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> ast.AST:
        builtin = {"List": "list", "Dict": "dict", "Set": "set", "Tuple": "tuple", "Type": "type"}
        return ast.Name(id=builtin.get(node.id, node.id), ctx=ast.Load())

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        node = self.generic_visit(node)  # type: ignore[assignment]
        if isinstance(node.value, ast.Name) and node.value.id in {"Optional", "Union"}:
            members = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            if node.value.id == "Optional":
                members = [*members, ast.Constant(value=None)]
            return _union(members)
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        node = self.generic_visit(node)  # type: ignore[assignment]
        return _union([node]) if isinstance(node.op, ast.BitOr) else node


def _members(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return [*_members(node.left), *_members(node.right)]
    return [node]


def _union(nodes: Iterable[ast.expr]) -> ast.expr:
    unique = sorted({ast.unparse(m): m for n in nodes for m in _members(n)}.items())
    result = unique[0][1]
    for _, member in unique[1:]:
        result = ast.BinOp(left=result, op=ast.BitOr(), right=member)
    return result


def union_members(annotation: str) -> frozenset[str]:
    """The members of a type's top-level union, each in its one spelling."""
    try:
        tree = ast.parse(annotation, mode="eval")
    except SyntaxError:
        return frozenset({annotation})
    body = _Canonical().visit(tree).body
    return frozenset(ast.unparse(member) for member in _members(body))


def _required(value: object) -> bool:
    """A field without a default: no value, or ``Field(...)`` with no default of its own."""
    if value is None:
        return True
    try:
        node = ast.parse(str(value), mode="eval").body
    except SyntaxError:
        return False
    if not (isinstance(node, ast.Call) and ast.unparse(node.func).split(".")[-1] == "Field"):
        return False
    if any(k.arg in {"default", "default_factory"} for k in node.keywords):
        return False
    return not node.args or (isinstance(node.args[0], ast.Constant) and node.args[0].value is ...)


def fields(cls: griffe.Class) -> dict[str, Field]:
    """A model's fields, its bases' included: annotated attributes, no ClassVar, no private name."""
    out: dict[str, Field] = {}
    for name, member in cls.all_members.items():
        if name.startswith("_"):
            continue
        target = final_target(member)
        if not isinstance(target, griffe.Attribute) or target.annotation is None:
            continue
        if "property" in target.labels:
            continue
        annotation = str(target.annotation)
        if re.match(r"^(typing\.)?ClassVar\b", annotation):
            continue
        models: list[griffe.Class] = []
        if isinstance(target.annotation, griffe.Expr):
            for part in target.annotation.iterate(flat=True):
                if isinstance(part, griffe.ExprName):
                    try:
                        resolved = cls.modules_collection.get_member(part.canonical_path)
                    except (KeyError, ValueError):
                        continue
                    if isinstance(resolved, griffe.Class) and is_model(resolved):
                        models.append(resolved)
        out[name] = Field(annotation, _required(target.value), tuple(models), target.path)
    return out


def field_findings(
    old: griffe.Class, new: griffe.Class, public: str, seen: set[tuple[str, str]] | None = None
) -> Iterator[Finding]:
    """The fields of a model read by the user (or, in ``input_types``, built by the user).

    Read: a field removed, or its type changed other than by dropping ``None``.
    Built: also a field made required, or a required field added, and a type narrowed.
    Models in a field's type (``Contact.account``) are compared in turn, as ``Contact.account.*``.
    """
    seen = set() if seen is None else seen
    if (old.path, new.path) in seen:
        return
    seen.add((old.path, new.path))
    is_input = new.module.name == INPUT_MODULE
    old_fields, new_fields = fields(old), fields(new)
    for name, before in old_fields.items():
        path = f"{public}.{name}"
        after = new_fields.get(name)
        if after is None:
            yield Finding((path,), FIELD_REMOVED, origin=before.origin)
            continue
        old_types, new_types = union_members(before.annotation), union_members(after.annotation)
        compatible = new_types >= old_types if is_input else new_types == old_types - {"None"}
        if old_types != new_types and not compatible:
            change = f"{before.annotation} -> {after.annotation}"
            yield Finding((path,), FIELD_CHANGED_TYPE, change, origin=after.origin)
        if is_input and after.required and not before.required:
            yield Finding((path,), FIELD_BECAME_REQUIRED, origin=after.origin)
        old_models = {m.name: m for m in before.models}
        new_models = {m.name: m for m in after.models}
        if len(old_models) == len(new_models) == 1:
            pairs = [(before.models[0], after.models[0])]
        else:
            pairs = [(old_models[n], new_models[n]) for n in old_models.keys() & new_models.keys()]
        for old_model, new_model in pairs:
            yield from field_findings(old_model, new_model, path, seen)
    if is_input:
        for name, after in new_fields.items():
            if name not in old_fields and after.required:
                yield Finding((f"{public}.{name}",), FIELD_ADDED_REQUIRED, origin=after.origin)


# -- base classes -------------------------------------------------------------------------------


def ancestors(cls: griffe.Class, index: Surface) -> set[str]:
    """The public names of a class's ancestors: its package's public classes, and the others'
    classes (``ValueError``, ``pydantic.BaseModel``). Private classes of the package count
    for their own ancestors only (``Volt`` dropping ``_BaseVolt`` breaks nothing by itself).
    """
    out: set[str] = set()
    todo, seen = [cls], set()
    loaded = set(cls.modules_collection.members)
    while todo:
        current = todo.pop()
        for base in current.bases:
            path = base.canonical_path if isinstance(base, griffe.Expr) else str(base)
            if path in seen:
                continue
            seen.add(path)
            try:
                resolved = current.modules_collection.get_member(path)
            except (KeyError, ValueError):
                resolved = None
            if resolved is not None:
                resolved = final_target(resolved)
            if isinstance(resolved, griffe.Class):
                out.update(index.paths.get(resolved.path, []))
                todo.append(resolved)
            elif path.split(".", 1)[0] not in loaded:
                out.add(path.removeprefix("builtins."))
    return out


def base_findings(old: Surface, new: Surface) -> Iterator[Finding]:
    """A public class that stopped being a subclass of a public or outside class.

    griffe sees a base removed only when the list of bases got shorter; ``except ValueError``
    breaks as soon as ``ValidationError`` is no longer one, however its bases are spelled.
    """
    for public, old_cls in old.classes.items():
        new_cls = new.classes.get(public)
        if new_cls is None:
            continue
        for lost in sorted(ancestors(old_cls, old) - ancestors(new_cls, new) - UNIVERSAL):
            yield Finding((public,), BASE_LOST, lost, origin=new_cls.path)


# -- together -----------------------------------------------------------------------------------


def compare(old: griffe.Module, new: griffe.Module) -> list[Finding]:
    """Every incompatible change of the public API from ``old`` to ``new``, in a stable order."""
    old_surface, new_surface = surface(old), surface(new)
    findings = list(griffe_findings(old_surface, new_surface))
    findings.extend(base_findings(old_surface, new_surface))
    for public, old_cls in old_surface.classes.items():
        new_cls = new_surface.classes.get(public)
        if new_cls is not None and (is_model(old_cls) or is_model(new_cls)):
            findings.extend(field_findings(old_cls, new_cls, public))
    # One change, one finding, under every public path it was seen through.
    merged: dict[tuple[str, str, str, str], Finding] = {}
    for finding in findings:
        key = (finding.origin or finding.paths[0], finding.kind, finding.change, finding.parameter)
        known = merged.get(key)
        if known is None:
            merged[key] = finding
        else:
            paths = known.paths + tuple(p for p in finding.paths if p not in known.paths)
            merged[key] = replace(known, paths=paths)
    return sorted(merged.values(), key=lambda f: (f.paths[0], f.parameter, f.kind))


def compare_trees(old_tree: Path, new_tree: Path, package: str = PACKAGE) -> list[Finding]:
    return compare(load(old_tree, package), load(new_tree, package))


# -- the CHANGELOG ------------------------------------------------------------------------------

_SECTION = re.compile(r"^## \[?([^\]\s]+)\]?")


def breaking_names(changelog: str, baseline_version: str | None) -> set[str]:
    """The backticked names under ``### Breaking`` in every section above the baseline's.

    ``Volt.send_message(body)`` names ``Volt.send_message``: what follows ``(`` is for the reader.
    Without a section for the baseline's version, only ``## [Unreleased]`` counts.
    """
    sections: list[tuple[str, list[str]]] = []
    for line in changelog.splitlines():
        heading = _SECTION.match(line)
        if heading:
            if heading.group(1) == baseline_version:
                break
            sections.append((heading.group(1), []))
        elif sections:
            sections[-1][1].append(line)
    else:
        sections = [s for s in sections if s[0].lower() == "unreleased"]
    names: set[str] = set()
    for _, lines in sections:
        inside = False
        for line in lines:
            if line.startswith("### "):
                inside = line[4:].strip().lower() == "breaking"
            elif inside:
                for span in re.findall(r"`([^`]+)`", line):
                    names.add(span.split("(", 1)[0].strip())
    return names


def unrecorded(findings: Iterable[Finding], names: set[str]) -> list[Finding]:
    return [finding for finding in findings if not finding.names() & names]


# -- the command --------------------------------------------------------------------------------


def run(repo: Path, tree: Path, changelog: Path, ref: str | None) -> tuple[int, list[str]]:
    """Compare ``tree`` with the baseline of ``repo``; the exit status and the lines to print."""
    source = f"ref {ref}" if ref else ""
    if ref is None:
        ref, source = baseline_ref(repo)
    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="api-check-") as tmp:
        old_tree = Path(tmp)
        extract(repo, ref, old_tree)
        version = version_of(old_tree)
        findings = compare_trees(old_tree, tree)
    lines.append(f"api-check: the public API of {PACKAGE} against {version} ({source})")
    if not findings:
        lines.append("no incompatible change.")
        return 0, lines
    missing = unrecorded(findings, breaking_names(changelog.read_text(encoding="utf-8"), version))
    if not missing:
        lines.append(f'{len(findings)} incompatible change(s), each recorded under "Breaking":')
        lines.extend(f"  {finding.describe()}" for finding in findings)
        return 0, lines
    lines.append(
        f'{len(missing)} of {len(findings)} incompatible change(s) not named under "### Breaking" '
        f"of the Unreleased section of {changelog.name}:"
    )
    lines.extend(f"  {finding.describe()}" for finding in missing)
    lines.append(
        "Name each object in backticks there, with what changed and what to do, e.g.\n"
        "  - `Volt.send_message`: `body` is now required; pass `body=...`.\n"
        "or make the change compatible (docs/api-compatibility.md)."
    )
    return 1, lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repo", type=Path, default=ROOT, help="git repository (the baseline)")
    parser.add_argument("--tree", type=Path, help="the new tree (default: the repository's files)")
    parser.add_argument("--changelog", type=Path, help="default: CHANGELOG.md of the new tree")
    parser.add_argument("--baseline", help="a git ref instead of the last release")
    args = parser.parse_args(argv)
    tree: Path = args.tree or args.repo
    try:
        status, lines = run(args.repo, tree, args.changelog or tree / CHANGELOG, args.baseline)
    except CheckError as error:
        print(f"api-check: {error}", file=sys.stderr)
        return 2
    print("\n".join(lines), file=sys.stdout if status == 0 else sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
