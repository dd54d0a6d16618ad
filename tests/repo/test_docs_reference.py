"""``make docs`` fails on an incomplete API reference (scripts/mkdocs_hooks.py).

A small tree shaped like the repository's (lazy exports, a generated fragment model
re-exported under a plain name, its fields documented in the generated code, a public
submodule) shows what is reported; then the check runs on the repository itself: as it is,
and with a docstring and a directive deliberately removed. Last, the generator's side: the
fields' docstrings come from ``queries/field_docs.toml`` (``codegen/plugins.py``), and an
entry for a field that no longer exists fails ``make generate``.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import itertools
import shutil
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, cast

import griffe
import pytest
import yaml  # type: ignore[import-untyped]  # pyyaml ships no stubs; pinned in dev
from graphql import FragmentDefinitionNode, build_schema, parse
from mkdocs.exceptions import PluginError

import volt_sdk
from codegen import plugins

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "mkdocs_hooks.py"
REFERENCE = ROOT / "docs" / "reference"

if TYPE_CHECKING:
    import mkdocs_hooks
    from mkdocs.config.defaults import MkDocsConfig
else:
    _spec = importlib.util.spec_from_file_location("mkdocs_hooks", SCRIPT)
    assert _spec is not None
    assert _spec.loader is not None
    mkdocs_hooks = importlib.util.module_from_spec(_spec)
    sys.modules["mkdocs_hooks"] = mkdocs_hooks  # dataclasses look their module up
    _spec.loader.exec_module(mkdocs_hooks)

TREE: dict[str, str] = {
    "volt_sdk/__init__.py": '''
        """A package like volt_sdk: lazy public names."""

        import importlib
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            from ._client import Client
            from ._funcs import send
            from ._models import Message

        _LAZY = {"Client": "._client", "Message": "._models", "send": "._funcs"}

        def __getattr__(name: str) -> object:
            return getattr(importlib.import_module(_LAZY[name], __name__), name)

        __all__ = ["Client", "Message", "send"]
        ''',
    "volt_sdk/_client.py": '''
        class Client:
            """A client."""

            def send(self, to: str) -> str:
                """Send."""
                return to

            @property
            def closed(self) -> bool:
                """Whether it is closed."""
                return False
        ''',
    "volt_sdk/_funcs.py": '''
        def send(to: str) -> None:
            """Send one."""
        ''',
    "volt_sdk/_models.py": '''
        """Public models."""

        from volt_sdk_graphql.fragments import MessageFields as Message
        ''',
    "volt_sdk/webhooks/__init__.py": '''
        """Webhooks."""

        from ._parse import MAX_BODY, parse_event

        __all__ = ["MAX_BODY", "parse_event"]
        ''',
    "volt_sdk/webhooks/_parse.py": '''
        MAX_BODY = 1024
        """The largest body read."""

        def parse_event(body: bytes) -> None:
            """Parse an event."""
        ''',
    "generated/volt_sdk_graphql/__init__.py": "",
    "generated/volt_sdk_graphql/fragments.py": '''
        from typing import Optional

        from pydantic import BaseModel

        class MessageFields(BaseModel):
            """A message."""

            id: str
            """The id."""
            status: Optional[str]
            """The status."""
        ''',
    "docs/reference/api.md": """
        # API

        ::: volt_sdk.Client

        ::: volt_sdk.Message

        ::: volt_sdk.send
            options:
              heading_level: 3

        ::: volt_sdk.webhooks
        """,
}


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def check(root: Path) -> list[str]:
    return mkdocs_hooks.check(root, root / "docs" / "reference")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return write(tmp_path, TREE)


def test_a_complete_small_tree_has_nothing_to_report(tree: Path) -> None:
    assert check(tree) == []


def test_a_public_function_method_or_property_without_a_docstring_is_reported(
    tree: Path,
) -> None:
    edit(tree / "volt_sdk/_funcs.py", '    """Send one."""', "    pass")
    edit(tree / "volt_sdk/_client.py", '        """Send."""\n', "")
    edit(tree / "volt_sdk/_client.py", '        """Whether it is closed."""\n', "")
    assert check(tree) == [
        "volt_sdk.Client.closed (property)",
        "volt_sdk.Client.send (method)",
        "volt_sdk.send (function)",
    ]


def test_a_constant_of_a_public_module_without_a_docstring_is_reported(tree: Path) -> None:
    edit(tree / "volt_sdk/webhooks/_parse.py", '"""The largest body read."""\n', "")
    assert check(tree) == ["volt_sdk.webhooks.MAX_BODY (attribute)"]


def test_a_generated_model_field_without_a_docstring_is_reported(tree: Path) -> None:
    edit(tree / "generated/volt_sdk_graphql/fragments.py", '    """The status."""\n', "")
    assert check(tree) == ["volt_sdk.Message.status (field)"]


def test_a_field_documented_in_the_attributes_section_of_its_class_counts(tree: Path) -> None:
    edit(tree / "generated/volt_sdk_graphql/fragments.py", '    """The status."""\n', "")
    edit(
        tree / "generated/volt_sdk_graphql/fragments.py",
        '"""A message."""',
        '"""A message.\n\n    Attributes:\n        status: The status.\n    """',
    )
    assert check(tree) == []


def test_a_public_name_no_page_renders_is_reported(tree: Path) -> None:
    edit(tree / "docs/reference/api.md", "::: volt_sdk.send\n", "")
    edit(
        tree / "docs/reference/api.md",
        "::: volt_sdk.webhooks\n",
        "::: volt_sdk.webhooks.MAX_BODY\n",
    )
    assert check(tree) == [
        "volt_sdk.send (no ::: directive under docs/reference)",
        "volt_sdk.webhooks.parse_event (no ::: directive under docs/reference)",
    ]


def test_a_module_directive_covers_only_the_members_it_names(tree: Path) -> None:
    edit(
        tree / "docs/reference/api.md",
        "::: volt_sdk.webhooks\n",
        "::: volt_sdk.webhooks\n    options:\n      members: [parse_event]\n",
    )
    assert check(tree) == ["volt_sdk.webhooks.MAX_BODY (no ::: directive under docs/reference)"]


def test_a_name_of_all_that_cannot_be_resolved_is_reported(tree: Path) -> None:
    edit(tree / "volt_sdk/webhooks/__init__.py", '"MAX_BODY", ', '"MAX_BODY", "parse", ')
    assert check(tree) == ["volt_sdk.webhooks.parse (in __all__, but cannot be resolved)"]


def test_a_directive_naming_a_private_or_generated_path_is_reported(tree: Path) -> None:
    edit(tree / "docs/reference/api.md", "::: volt_sdk.Message\n", "::: volt_sdk._models.Message\n")
    with (tree / "docs/reference/api.md").open("a", encoding="utf-8") as page:
        page.write("\n::: volt_sdk_graphql.fragments.MessageFields\n")
    assert check(tree) == [
        "api.md: ::: volt_sdk._models.Message is not a public path (use volt_sdk.Name)",
        "api.md: ::: volt_sdk_graphql.fragments.MessageFields is not a public path "
        "(use volt_sdk.Name)",
        "volt_sdk.Message (no ::: directive under docs/reference)",
    ]


def test_the_hook_stops_the_build_with_every_problem_listed(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit(tree / "volt_sdk/_funcs.py", '    """Send one."""', "    pass")
    edit(tree / "docs/reference/api.md", "::: volt_sdk.Client\n", "")
    monkeypatch.setattr(mkdocs_hooks, "ROOT", tree)
    config = cast("MkDocsConfig", SimpleNamespace(docs_dir=str(tree / "docs")))
    with pytest.raises(PluginError) as raised:
        mkdocs_hooks.on_pre_build(config)
    assert "the API reference is incomplete (2)" in str(raised.value)
    assert "volt_sdk.send (function)" in str(raised.value)
    assert "volt_sdk.Client (no ::: directive under docs/reference)" in str(raised.value)


# -- the repository ---------------------------------------------------------------------------


def test_the_repository_reference_is_complete() -> None:
    assert check(ROOT) == []


def test_every_name_of_volt_sdk_all_has_a_directive_under_docs_reference() -> None:
    identifiers = {d.identifier for d in mkdocs_hooks.directives(REFERENCE)}
    assert {f"volt_sdk.{name}" for name in volt_sdk.__all__} - identifiers == set()


def test_the_public_names_checked_are_those_of_every_public_module() -> None:
    names = mkdocs_hooks.public_names(mkdocs_hooks.load(ROOT))
    assert {f"volt_sdk.{name}" for name in volt_sdk.__all__} <= set(names)
    modules = {name.rsplit(".", 1)[0] for name in names}
    assert modules == {
        "volt_sdk",
        "volt_sdk.limits",
        "volt_sdk.sandbox",
        "volt_sdk.stores",
        "volt_sdk.testing",
        "volt_sdk.webhooks",
        "volt_sdk.webhooks.django",
        "volt_sdk.webhooks.flask",
        "volt_sdk.webhooks.starlette",
    }


def test_a_deliberate_break_of_the_repository_is_reported(tmp_path: Path) -> None:
    for folder in ("volt_sdk", "generated", "docs/reference"):
        shutil.copytree(
            ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    timestamps = tmp_path / "volt_sdk/_timestamps.py"
    text = timestamps.read_text(encoding="utf-8")
    start = text.index('    """Parse a Volt timestamp')
    end = text.index('"""', start + len('    """')) + len('"""')
    timestamps.write_text(text[:start] + "    # no docstring" + text[end:], encoding="utf-8")
    edit(
        tmp_path / "generated/volt_sdk_graphql/fragments.py",
        '    body: Optional[str]\n    """The message\'s text."""\n    sent_at',
        "    body: Optional[str]\n    sent_at",
    )
    edit(tmp_path / "docs/reference/helpers.md", "::: volt_sdk.parse_timestamp\n", "")
    assert check(tmp_path) == [
        "volt_sdk.Message.body (field)",
        "volt_sdk.parse_timestamp (function)",
        "volt_sdk.parse_timestamp (no ::: directive under docs/reference)",
    ]


def test_mkdocs_yml_runs_the_hook_and_lists_every_reference_page() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert "scripts/mkdocs_hooks.py" in config["hooks"]
    python = config["plugins"][1]["mkdocstrings"]["handlers"]["python"]
    # The fields' docstrings are in the generated code: no extension supplies them.
    assert not [e for e in python["options"].get("extensions", []) if "mkdocs_hooks" in str(e)]
    (reference,) = (entry["Reference"] for entry in config["nav"] if "Reference" in entry)
    listed = {page for entry in reference for page in entry.values()}
    assert listed == {f"reference/{p.name}" for p in REFERENCE.glob("*.md")}


# -- the field docstrings, written by the generator -------------------------------------------

GENERATED_MODULE = '''
class MessageFields(BaseModel):
    """A message."""

    id: str
    to_number: Optional[str] = Field(
        alias="toNumber"
    )
    status: Optional[str]
    """Already documented."""


class GetMessageMessage(MessageFields):
    pass
'''


def test_every_field_text_is_the_docstring_of_its_field_in_the_generated_code() -> None:
    docs = plugins.load_field_docs()
    fragments = griffe.load(
        "volt_sdk_graphql.fragments", search_paths=[ROOT / "generated"], allow_inspection=False
    )
    assert isinstance(fragments, griffe.Module)
    found = {
        name: {
            field: member.docstring.value if member.docstring else None
            for field, member in fragments.members[name].members.items()
            if field in fields
        }
        for name, fields in docs.items()
    }
    assert found == docs


def test_a_public_model_field_shows_its_docstring_where_tools_look() -> None:
    status = plugins.load_field_docs()["MessageFields"]["status"]
    # griffe (the docs site, IDEs' static readers) follows the public name to the field.
    package = mkdocs_hooks.load(ROOT)
    message = package["Message"].final_target
    assert isinstance(message, griffe.Class)
    docstring = message.all_members["status"].docstring
    assert docstring is not None
    assert docstring.value == status
    # At run time the text is in the model's own source, right after the field, where
    # pydantic's ``use_attribute_docstrings`` would read it. (The generated config does not
    # set that option: pydantic would then parse each model's source as its module loads,
    # about 0.6 ms per model, so ``model_fields[...].description`` stays None.)
    source = ast.parse(textwrap.dedent(inspect.getsource(volt_sdk.Message)))
    (cls,) = source.body
    assert isinstance(cls, ast.ClassDef)
    texts = {
        node.target.id: following.value.value
        for node, following in itertools.pairwise(cls.body)
        if isinstance(node, ast.AnnAssign)
        and isinstance(node.target, ast.Name)
        and isinstance(following, ast.Expr)
        and isinstance(following.value, ast.Constant)
    }
    assert texts["status"] == status
    assert set(texts) == set(volt_sdk.Message.model_fields)


def test_the_generator_writes_each_text_after_its_field_as_a_triple_quoted_docstring() -> None:
    module = ast.parse(GENERATED_MODULE)
    stale = plugins.add_field_docstrings(
        module,
        {"MessageFields": {"id": "The id.", "to_number": 'The "to".', "status": "Not this."}},
    )
    assert stale == []
    code = ast.unparse(module)
    assert 'id: str\n    """The id."""\n' in code
    assert 'alias=\'toNumber\')\n    """The "to"."""\n' in code
    assert "Already documented." in code
    assert "Not this." not in code


def test_a_text_for_a_class_or_field_that_no_longer_exists_fails_the_generation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = tmp_path / "field_docs.toml"
    docs.write_text('[MessageFields]\nid = "The id."\ngone = "Old."\n\n[Gone]\nx = "Y."\n')
    monkeypatch.setattr(plugins, "FIELD_DOCS_PATH", docs)
    plugin = plugins.FragmentDocstringsPlugin(build_schema("type Query { a: Int }"), {})
    (fragment,) = parse("fragment MessageFields on Message { id }").definitions
    assert isinstance(fragment, FragmentDefinitionNode)
    with pytest.raises(plugins.FieldDocsError) as raised:
        plugin.generate_fragments_module(
            ast.parse(GENERATED_MODULE),
            {"MessageFields": fragment},
        )
    assert str(raised.value).endswith(
        "documents what the generated fragments module does not have "
        "(rename or remove the entries): MessageFields.gone, Gone"
    )


@pytest.mark.parametrize(
    "text", ['""', '"   "', r'"a \\ b"', '"ends with a quote \\""', '"""a\n\nb"""', "1"]
)
def test_a_text_the_generator_cannot_write_as_a_docstring_is_refused(
    tmp_path: Path, text: str
) -> None:
    docs = tmp_path / "field_docs.toml"
    docs.write_text(f"[MessageFields]\nid = {text}\n")
    with pytest.raises(plugins.FieldDocsError, match=r"MessageFields\.id must be one"):
        plugins.load_field_docs(docs)
