"""The docstrings' reST markup, as Markdown on the site (mkdocs.yml, ``make docs``).

The docstrings are Google style with Sphinx markup in the text, which IDEs render in a hover:
roles (``:class:`Volt```, ``:meth:`~volt_sdk.Volt.send_message```, ``:func:`f <target>```),
double-backtick literals and ``::`` literal blocks. mkdocstrings renders docstrings as
Markdown, where all of that would show as it is written. Two parts, both registered in
mkdocs.yml:

- :class:`RestToMarkdown`, a griffe extension (``plugins`` -> ``mkdocstrings`` -> ``python``
  -> ``options`` -> ``extensions``), rewrites every docstring of ``volt_sdk`` (and of its
  generated packages) before mkdocstrings parses it, with :func:`to_markdown`:

  - a role whose target is rendered on the site becomes an autorefs cross-reference,
    ``[`Volt`][volt_sdk.Volt]``; any other (``httpx.Client``, a private helper) becomes
    code, ``` `httpx.Client` ```, since mkdocs-autorefs warns on an unknown identifier and
    the build is ``--strict``. The target is looked up like Sphinx does: in the docstring's
    class (and its enclosing classes), its module, the packages that hold the module (whose
    names are the public ones), then ``volt_sdk``; a dotted target also from the top.
    What is rendered is read from the ``:::`` directives of ``docs/reference/`` (with
    their ``members`` and ``inherited_members`` options and the site's ``filters``); a
    target rendered in several places (a method both clients inherit) links to the one
    nearest the docstring's own place;
  - ````literal```` becomes ``` `literal` ```;
  - a paragraph ending with ``::`` and the indented block after it become the paragraph
    ending with ``:`` (``text ::`` and a bare ``::``: no colon, as in reST) and a fenced
    code block: ``pycon`` for ``>>>``, ``json`` when it is JSON, ``python`` when it
    parses as Python, else ``text``. Nothing in a code block is rewritten.

  It runs in ``on_package`` rather than ``on_object``: resolving a role needs the whole
  tree (inherited members, the re-exports of ``volt_sdk``). It runs when ``volt_sdk`` is
  loaded (after the generated packages, ``preload_modules``) and rewrites those too; a
  docstring an extension listed before this one sets in the same event is rewritten as
  well, one set later is not (and the check below fails the build).
- ``on_post_build``, an MkDocs hook (``hooks:``), fails the build with a
  :class:`mkdocs.exceptions.PluginError` when a page of the built site under ``reference/``
  still shows a role (``:class:`` then a backtick or ``<code>``): a docstring this
  extension did not reach, a new role name, a regression.
"""

from __future__ import annotations

import ast
import json
import re
import sys
import textwrap
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
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
    # scripts/api_check.py: loaded by scripts/mkdocs_hooks.py, the hook before this one (and
    # by the tests, before this module); else imported from beside this file.
    if "api_check" not in sys.modules:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
    import api_check

Resolve = Callable[[str, griffe.Object | None], str | None]
"""A role's target and the docstring's object -> the anchor to link to, or None."""

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "volt_sdk"
REFERENCE = Path("reference")  # under docs_dir, and under the built site
# The site's ``filters`` (mkdocs.yml): what no directive renders as a member.
HIDDEN_MEMBER = re.compile(r"^_|^model_config$")

ROLES = ("class", "meth", "func", "attr", "exc", "data", "obj", "mod", "const", "type")
# A literal first, so that a role inside one (````:memory:````) stays as it is.
_INLINE = re.compile(
    r"``(?P<literal>(?:(?!``|\n[ \t]*\n).)+?)``"
    r"|(?<![\w`]):(?:py:)?(?P<role>" + "|".join(ROLES) + r"):`(?P<content>[^`]+)`",
    re.DOTALL,
)
_TITLED = re.compile(r"^(?P<title>.*?)\s*<(?P<target>[^<>]+)>$", re.DOTALL)
_FENCE = re.compile(r"^\s*(```|~~~)")
# What a built page shows of a role nobody converted: ``:class:`X``` as text, or the
# ``<code>`` Markdown made of its backticks.
LEFTOVER_ROLE = re.compile(r":(?:py:)?(?:" + "|".join(ROLES) + r"|exc|ref|any):(?:`|<code)")


# -- what the site renders ---------------------------------------------------------------------


@dataclass(frozen=True)
class Directive:
    """One ``::: identifier`` of a reference page and the options that choose its members."""

    identifier: str
    members: tuple[str, ...] | None  # None: every member; (): none
    inherited_members: bool


def directives(reference: Path) -> Iterator[Directive]:
    """The ``:::`` directives of the Markdown pages under ``reference``."""
    for page in sorted(reference.rglob("*.md")):
        lines = page.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines):
            found = re.match(r"^:::\s+(\S+)\s*$", line)
            if not found:
                continue
            block: list[str] = []
            for following in lines[number + 1 :]:
                if following.strip() and not following.startswith((" ", "\t")):
                    break
                block.append(following)
            loaded = yaml.safe_load("\n".join(block)) if any(s.strip() for s in block) else None
            options = loaded.get("options") if isinstance(loaded, Mapping) else None
            options = options if isinstance(options, Mapping) else {}
            chosen = options.get("members")
            members: tuple[str, ...] | None = None
            if isinstance(chosen, list):
                members = tuple(str(m) for m in chosen)
            elif chosen is False:
                members = ()
            inherited = options.get("inherited_members") is True
            yield Directive(found.group(1), members, inherited)


def _members(obj: griffe.Object, inherited: bool) -> dict[str, griffe.Object | griffe.Alias]:
    if isinstance(obj, griffe.Class) and inherited:
        try:
            return dict(obj.all_members)
        except (griffe.AliasResolutionError, griffe.CyclicAliasError):  # an unresolved base
            return dict(obj.members)
    return dict(obj.members)


def _exports(module: griffe.Module) -> set[str]:
    return {str(name) for name in module.exports or ()}


class Site:
    """The objects the reference pages render, each under its anchors (heading ids)."""

    def __init__(self) -> None:
        self.anchors: dict[str, list[str]] = {}  # canonical path -> anchors, in page order
        self.objects: dict[str, griffe.Object] = {}  # anchor -> object

    def add(self, anchor: str, obj: griffe.Object) -> bool:
        """Record ``obj`` rendered under ``anchor``; False when it already was."""
        if anchor in self.objects:
            return False
        self.objects[anchor] = obj
        self.anchors.setdefault(obj.path, []).append(anchor)
        return True

    def render(
        self,
        anchor: str,
        obj: griffe.Object,
        inherited: bool,
        members: tuple[str, ...] | None = None,
    ) -> None:
        """Record ``obj`` and, like mkdocstrings-python does, the members it renders."""
        if not self.add(anchor, obj) or members == ():
            return
        exports = _exports(obj) if isinstance(obj, griffe.Module) else set()
        for name, member in _members(obj, inherited).items():
            if members is not None and name not in members:
                continue
            if members is None and HIDDEN_MEMBER.search(name):
                continue
            if isinstance(obj, griffe.Module) and member.is_alias and name not in exports:
                continue  # an import, not the module's own
            target = api_check.final_target(member)
            if target is not None:
                self.render(f"{anchor}.{name}", target, inherited)

    @classmethod
    def from_reference(cls, collection: griffe.ModulesCollection, reference: Path) -> Site:
        """What the ``:::`` directives under ``reference`` render, from the loaded packages."""
        site = cls()
        for directive in directives(reference):
            obj = _lookup_path(collection, directive.identifier)
            target = api_check.final_target(obj) if obj is not None else None
            if target is not None:
                site.render(
                    directive.identifier, target, directive.inherited_members, directive.members
                )
        return site


# -- resolving a role's target -----------------------------------------------------------------


def _lookup(scope: griffe.Object | griffe.Alias, dotted: str) -> griffe.Object | None:
    """``dotted`` followed member by member from ``scope`` (inherited members too)."""
    current: griffe.Object | None = api_check.final_target(scope)
    for part in dotted.split("."):
        if current is None or not part:
            return None
        try:
            members = current.all_members if isinstance(current, griffe.Class) else current.members
        except (griffe.AliasResolutionError, griffe.CyclicAliasError):
            members = current.members
        member = members.get(part)
        current = api_check.final_target(member) if member is not None else None
    return current


def _lookup_path(collection: griffe.ModulesCollection, dotted: str) -> griffe.Object | None:
    top, _, rest = dotted.partition(".")
    package = collection.members.get(top)
    if package is None:
        return None
    return _lookup(package, rest) if rest else api_check.final_target(package)


def _scopes(obj: griffe.Object) -> Iterator[griffe.Object]:
    """Where a name in ``obj``'s docstring is looked up.

    Its classes, innermost first, its module, then the packages that hold the module
    (``volt_sdk.webhooks`` for ``volt_sdk.webhooks._events``, then ``volt_sdk``), whose
    names are the public ones.
    """
    current: griffe.Object | None = obj
    while current is not None:
        if isinstance(current, (griffe.Class, griffe.Module)):
            yield current
        current = current.parent


def _common(a: str, b: str) -> int:
    count = 0
    for left, right in zip(a.split("."), b.split("."), strict=False):
        if left != right:
            break
        count += 1
    return count


class Resolver:
    """A role target, looked up from a docstring's object, to its anchor on the site."""

    def __init__(
        self, collection: griffe.ModulesCollection, site: Site, package: str = PACKAGE
    ) -> None:
        self.collection = collection
        self.site = site
        self.package = package

    def __call__(self, target: str, context: griffe.Object | None) -> str | None:
        """The anchor to link ``target`` to, or None when the site does not render it."""
        target = target.strip().removeprefix(".").removesuffix("()")
        if not re.fullmatch(r"[\w.]+", target):
            return None
        found: list[griffe.Object] = []
        if context is not None:
            for scope in _scopes(context):
                hit = _lookup(scope, target)
                if hit is not None:
                    found.append(hit)
        for path in (f"{self.package}.{target}", target):
            hit_or_none = _lookup_path(self.collection, path)
            if hit_or_none is not None:
                found.append(hit_or_none)
        near = self.site.anchors.get(context.path, []) if context is not None else []
        if not near and context is not None and context.parent is not None:
            near = self.site.anchors.get(context.parent.path, [])
        for hit in found:
            anchors = self.site.anchors.get(hit.path)
            if anchors:
                return max(anchors, key=lambda a: max((_common(a, n) for n in near), default=0))
        return None


# -- the conversion ----------------------------------------------------------------------------


def _code(text: str) -> str:
    """``text`` as a Markdown code span."""
    if "`" not in text:
        return f"`{text}`"
    return f"`` {text} ``"


def _role(content: str, resolve: Resolve | None, context: griffe.Object | None) -> str:
    content = " ".join(content.split())
    titled = _TITLED.match(content)
    if titled:
        title, target = titled.group("title"), titled.group("target")
    else:
        target = content.removeprefix("!")
        title = target
        if target.startswith("~"):
            target = target[1:]
            title = target.rsplit(".", 1)[-1]
    if content.startswith("!") or resolve is None:
        return _code(title)
    anchor = resolve(target.removeprefix("~"), context)
    return f"[{_code(title)}][{anchor}]" if anchor else _code(title)


def convert_inline(
    text: str, resolve: Resolve | None = None, context: griffe.Object | None = None
) -> str:
    """Roles and double-backtick literals of a prose text, as Markdown."""

    def replace(match: re.Match[str]) -> str:
        literal = match.group("literal")
        if literal is not None:
            return _code(literal)
        return _role(match.group("content"), resolve, context)

    return _INLINE.sub(replace, text)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _language(code: str) -> str:
    """The fence's language: ``pycon``, ``json``, ``python`` when it parses, else ``text``."""
    if code.lstrip().startswith(">>>"):
        return "pycon"
    try:
        json.loads(code)
    except ValueError:
        pass
    else:
        return "json"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an invalid escape in an example is still Python
            compile(code, "<docstring>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except (SyntaxError, ValueError):
        return "text"
    return "python"


_SECTION = re.compile(r"^\s*[A-Z][A-Za-z ]*:\s*$")  # a Google section's title: ``Args:``


def _paragraph_indent(lines: list[str], index: int) -> int:
    """The indentation of the first line of the paragraph ``lines[index]`` ends.

    Markdown reads a paragraph's continuation lines as its own, however indented (a reST
    definition list: the term, then its definition indented), so a block after it is
    indented like the paragraph's first line; a Google section's title above it is not
    part of it.
    """
    start = index
    while start > 0 and lines[start - 1].strip():
        above = lines[start - 1]
        if _SECTION.match(above) and _indent(above) < _indent(lines[start]):
            break
        start -= 1
    return _indent(lines[start])


def _segments(lines: list[str]) -> Iterator[tuple[bool, list[str]]]:
    """The docstring in runs of (is code, lines): ``::`` blocks fenced, fences kept."""
    prose: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if _FENCE.match(line):  # an existing fenced block, to its closing fence
            end = index + 1
            fence = line.strip()[:3]
            while end < len(lines) and not lines[end].strip().startswith(fence):
                end += 1
            yield False, prose
            prose = []
            yield True, lines[index : end + 1]
            index = end + 1
            continue
        stripped = line.rstrip()
        base = _indent(line)
        blank = index + 1
        if stripped.endswith("::") and blank < len(lines) and not lines[blank].strip():
            end = blank
            while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > base):
                end += 1
            body = lines[blank:end]
            while body and not body[-1].strip():
                body.pop()
            while body and not body[0].strip():
                body.pop(0)
            if body:
                if stripped.strip() == "::":
                    pass  # a bare ``::``: only the block
                elif stripped.endswith(" ::"):
                    prose.append(stripped[:-3].rstrip())
                else:
                    prose.append(stripped[:-1])
                code = textwrap.dedent("\n".join(s.rstrip() for s in body))
                pad = " " * _paragraph_indent(lines, index)
                fenced = [f"{pad}```{_language(code)}"]
                fenced += [f"{pad}{s}" if s else "" for s in code.split("\n")]
                fenced.append(f"{pad}```")
                if prose and prose[-1].strip():
                    prose.append("")
                yield False, prose
                prose = []
                yield True, fenced
                if end < len(lines):
                    yield False, [""]
                index = end
                continue
        prose.append(line)
        index += 1
    yield False, prose


@dataclass(frozen=True)
class CodeBlock:
    """A code block of a docstring, as the site shows it (read by the docstring examples test)."""

    language: str  # a ``::`` block's (pycon, json, python, text), or a fence's as written
    code: str  # dedented


def code_blocks(text: str) -> list[CodeBlock]:
    """The code blocks of a docstring: its ``::`` blocks and its fenced blocks, in order."""
    blocks: list[CodeBlock] = []
    for is_code, lines in _segments(text.split("\n")):
        if is_code and lines:
            closed = len(lines) > 1 and _FENCE.match(lines[-1]) is not None
            body = lines[1:-1] if closed else lines[1:]
            language = lines[0].strip()[3:].strip()
            blocks.append(CodeBlock(language, textwrap.dedent("\n".join(body))))
    return blocks


def prose_lines(text: str) -> list[str]:
    """The lines of a docstring outside its code blocks: what the site renders as Markdown."""
    return [line for is_code, lines in _segments(text.split("\n")) if not is_code for line in lines]


def rendered_docstrings(site: Site) -> Iterator[tuple[str, griffe.Object]]:
    """``(anchor, object)`` for every object the site shows a docstring of, once each.

    The anchor is the first the object is rendered under. A class's ``__init__`` comes
    too when it has a docstring, as ``<class anchor>.__init__``: mkdocstrings shows it in
    the class's (``merge_init_into_class``).
    """
    for anchors in site.anchors.values():
        obj = site.objects[anchors[0]]
        if obj.docstring is not None:
            yield anchors[0], obj
        init = obj.members.get("__init__") if isinstance(obj, griffe.Class) else None
        if isinstance(init, griffe.Function) and init.docstring is not None:
            yield f"{anchors[0]}.__init__", init


def to_markdown(
    text: str, resolve: Resolve | None = None, context: griffe.Object | None = None
) -> str:
    """A docstring's reST markup as Markdown: roles, literals, ``::`` literal blocks.

    ``resolve(target, context)`` gives the anchor a role's target links to, or None (then
    the role becomes code); without it every role becomes code.
    """
    out: list[str] = []
    for is_code, lines in _segments(text.split("\n")):
        if is_code:
            out.extend(lines)
        elif lines:
            out.extend(convert_inline("\n".join(lines), resolve, context).split("\n"))
    # A blank line the blocks added after a blank line already there: one is enough.
    merged: list[str] = []
    for line in out:
        if not line.strip() and merged and not merged[-1].strip():
            continue
        merged.append(line)
    return "\n".join(merged)


def _objects(obj: griffe.Object) -> Iterator[griffe.Object]:
    """``obj`` and every object defined in it (not the names it imports)."""
    yield obj
    for member in obj.members.values():
        if isinstance(member, griffe.Object):
            yield from _objects(member)


def convert_docstrings(objects: Iterable[griffe.Object], resolve: Resolve) -> int:
    """Rewrite the docstrings of ``objects`` in place; the number changed."""
    changed = 0
    for obj in objects:
        docstring = obj.docstring
        if docstring is None:
            continue
        new = to_markdown(docstring.value, resolve, obj)
        if new != docstring.value:
            docstring.value = new
            docstring.__dict__.pop("parsed", None)  # a cached parse of the old text
            changed += 1
    return changed


class RestToMarkdown(griffe.Extension):
    """griffe extension: the docstrings of ``volt_sdk`` with their reST markup as Markdown."""

    def __init__(self, reference: str | None = None, package: str = PACKAGE) -> None:
        """``reference``: the reference pages (default ``docs/reference``); ``package``: whose.

        Both are options of the extension in mkdocs.yml, for a test's small tree.
        """
        super().__init__()
        self.reference = Path(reference) if reference else ROOT / "docs" / REFERENCE
        self.package = package

    def _ours(self, name: str) -> bool:
        return name == self.package or name.startswith(f"{self.package}_")

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        """Once ``volt_sdk`` is loaded, rewrite its docstrings and its generated packages'."""
        collection = loader.modules_collection
        if self.package not in collection.members or not self._ours(pkg.name):
            return
        site = Site.from_reference(collection, self.reference)
        resolve = Resolver(collection, site, self.package)
        for name, module in list(collection.members.items()):
            if self._ours(name):
                convert_docstrings(_objects(module), resolve)


# -- the check of the built site ---------------------------------------------------------------


def leftover_roles(site_dir: Path) -> list[str]:
    """``page: excerpt`` for every reST role still shown by a built page under reference/."""
    found: list[str] = []
    for page in sorted((site_dir / REFERENCE).rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        for match in LEFTOVER_ROLE.finditer(html):
            excerpt = re.sub(r"<[^>]*>", "", html[match.start() : match.start() + 80])
            found.append(f"{page.relative_to(site_dir)}: {excerpt.splitlines()[0]}")
    return found


def on_post_build(config: MkDocsConfig, **kwargs: Any) -> None:
    """Fail the build when a reference page still shows reST roles."""
    found = leftover_roles(Path(config.site_dir))
    if found:
        listed = "\n".join(f"  {line}" for line in found)
        raise PluginError(
            f"{len(found)} reST role(s) left in the API reference (scripts/mkdocs_docstrings.py "
            f"turns them into Markdown; is the griffe extension registered?):\n{listed}"
        )
