"""The docstrings' reST markup is Markdown on the site (scripts/mkdocs_docstrings.py).

The conversion on sample docstrings (each role form, the fallback to code for a target the
site does not render, literals, ``::`` blocks), the resolution of role targets on a small
package rendered by a small reference, the check of a built site, and then ``make docs``'s
build itself: no role left on a reference page, and cross-references that land.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, cast

import griffe
import pytest
from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "mkdocs_docstrings.py"
MKDOCS = Path(sys.executable).with_name("mkdocs")

if TYPE_CHECKING:
    import mkdocs_docstrings
    from mkdocs.config.defaults import MkDocsConfig
else:
    mkdocs_docstrings = sys.modules.get("mkdocs_docstrings")
    if mkdocs_docstrings is None:
        _spec = importlib.util.spec_from_file_location("mkdocs_docstrings", SCRIPT)
        assert _spec is not None
        assert _spec.loader is not None
        mkdocs_docstrings = importlib.util.module_from_spec(_spec)
        sys.modules["mkdocs_docstrings"] = mkdocs_docstrings  # dataclasses look it up
        _spec.loader.exec_module(mkdocs_docstrings)

to_markdown = mkdocs_docstrings.to_markdown

KNOWN = {"Volt": "volt_sdk.Volt", "volt_sdk.Volt.send_message": "volt_sdk.Volt.send_message"}


def resolve(target: str, context: griffe.Object | None) -> str | None:
    """A stand-in for the site: two names are rendered."""
    return KNOWN.get(target)


def md(text: str) -> str:
    return to_markdown(textwrap.dedent(text).strip("\n"), resolve)


# -- roles and literals ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["class", "meth", "func", "attr", "exc", "data", "obj", "mod"])
def test_a_role_the_site_renders_becomes_a_cross_reference(role: str) -> None:
    assert md(f"Uses :{role}:`Volt`.") == "Uses [`Volt`][volt_sdk.Volt]."


def test_a_tilde_shows_the_last_name_and_links_the_whole_path() -> None:
    assert md(":meth:`~volt_sdk.Volt.send_message`") == (
        "[`send_message`][volt_sdk.Volt.send_message]"
    )
    assert md(":meth:`volt_sdk.Volt.send_message`") == (
        "[`volt_sdk.Volt.send_message`][volt_sdk.Volt.send_message]"
    )


def test_an_explicit_title_shows_and_its_target_links() -> None:
    assert md(":class:`the client <Volt>`") == "[`the client`][volt_sdk.Volt]"
    assert md(":class:`the client <Nowhere>`") == "`the client`"


def test_a_role_the_site_does_not_render_becomes_code() -> None:
    assert md("An :class:`httpx.Client`, :func:`~volt_sdk._x.helper`.") == (
        "An `httpx.Client`, `helper`."
    )
    assert md(":class:`!Volt` (no link asked)") == "`Volt` (no link asked)"
    assert to_markdown("See :class:`Volt`.") == "See `Volt`."  # no resolver: code


def test_double_backtick_literals_become_code_spans() -> None:
    assert md('``token`` and ``pip install "volt-sdk[sandbox]"``') == (
        '`token` and `pip install "volt-sdk[sandbox]"`'
    )
    assert md("``a`b``") == "`` a`b ``"
    assert md("``:memory:``, not a role") == "`:memory:`, not a role"
    assert md("``body.payload.{text,\nfrom_number}``") == "`body.payload.{text,\nfrom_number}`"
    assert md("Two `` marks.\n\nApart ``.") == "Two `` marks.\n\nApart ``."  # not one literal


def test_markdown_already_there_is_kept() -> None:
    text = "Single `code`, a [link][volt_sdk.Volt], *emphasis*.\n\n```python\n:class:`X`\n```"
    assert md(text) == text


# -- literal blocks ----------------------------------------------------------------------------


def test_a_paragraph_ending_with_a_double_colon_gets_a_fenced_block() -> None:
    assert md(
        """
        Every option is keyword-only::

            with Volt() as volt:
                volt.send_message(to="+15555550145")

        Then :class:`Volt` closes.
        """
    ) == textwrap.dedent(
        """\
        Every option is keyword-only:

        ```python
        with Volt() as volt:
            volt.send_message(to="+15555550145")
        ```

        Then [`Volt`][volt_sdk.Volt] closes."""
    )


def test_a_spaced_or_bare_double_colon_leaves_no_colon() -> None:
    assert md("Never imports it. ::\n\n    import volt_sdk\n") == (
        "Never imports it.\n\n```python\nimport volt_sdk\n```"
    )
    assert md("Summary.\n\n::\n\n    import volt_sdk\n\nMore.") == (
        "Summary.\n\n```python\nimport volt_sdk\n```\n\nMore."
    )


def test_the_language_is_python_only_when_the_block_parses() -> None:
    tree = md("The tree::\n\n    VoltError\n    ├── ConfigurationError\n")
    assert tree == "The tree:\n\n```text\nVoltError\n├── ConfigurationError\n```"
    assert "```python\nasync with" in md("Async::\n\n    async with AsyncVolt() as v:\n        ...")
    assert "```pycon\n>>> 1" in md("A session::\n\n    >>> 1\n    1")
    assert "```json\n{" in md('A body::\n\n    {"id": "evt_1", "payload": null}')


def test_nothing_in_a_literal_block_is_rewritten() -> None:
    assert md("Example::\n\n    x = y  # ``y`` is a :class:`Volt`\n") == (
        "Example:\n\n```python\nx = y  # ``y`` is a :class:`Volt`\n```"
    )


def test_a_block_stays_in_its_google_section() -> None:
    assert md(
        """
        Summary.

        Example:
            Some text::

                x = 1

            More text.

        Args:
            a: the a.
        """
    ) == textwrap.dedent(
        """\
        Summary.

        Example:
            Some text:

            ```python
            x = 1
            ```

            More text.

        Args:
            a: the a."""
    )


def test_a_block_after_an_indented_continuation_is_fenced_at_the_paragraph() -> None:
    # A reST definition list: Markdown reads it as one paragraph, and a fence indented by
    # four spaces would be an indented code block showing the backticks.
    assert md(
        """
        ``volt_sandbox``
            A sandbox, with no arguments::

                def test_it(volt_sandbox): ...

        After.
        """
    ) == (
        "`volt_sandbox`\n    A sandbox, with no arguments:\n\n```python\n"
        "def test_it(volt_sandbox): ...\n```\n\nAfter."
    )


def test_a_double_colon_without_a_block_is_left() -> None:
    assert (
        md("A C++ name: std::vector::\nnot a block.") == "A C++ name: std::vector::\nnot a block."
    )


# -- targets, on a package and a reference -----------------------------------------------------

PACKAGE: dict[str, str] = {
    "__init__.py": '''
        """A package like volt_sdk: :class:`Client`, re-exported."""

        from ._base import Base
        from ._client import AsyncClient, Client

        __all__ = ["AsyncClient", "Base", "Client"]
        ''',
    "_base.py": '''
        class Base:
            """Shared by both clients."""

            def with_options(self) -> None:
                """A copy; then :meth:`send`, or :meth:`close` (both rendered twice)."""

            def close(self) -> None:
                """Close; :func:`_helper` is private, :class:`httpx.Client` elsewhere."""


        def _helper() -> None:
            """Not on the site."""
        ''',
    "_client.py": '''
        from ._base import Base


        class Client(Base):
            """A client; see :meth:`with_options` and :meth:`~vsdk_demo.AsyncClient.send`."""

            def send(self) -> None:
                """Send; ``x`` is :class:`Client`'s, as is :attr:`Base.close`."""


        class AsyncClient(Base):
            """An async client: the same as :class:`Client`."""

            async def send(self) -> None:
                """Send; :meth:`with_options` first."""
        ''',
}

REFERENCE = """\
# Clients

::: vsdk_demo.Client
    options:
      inherited_members: true

::: vsdk_demo.AsyncClient
    options:
      inherited_members: true
"""


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pages = tmp_path_factory.mktemp("reference")
    (pages / "clients.md").write_text(REFERENCE, encoding="utf-8")
    return pages


@pytest.fixture(scope="module")
def package(reference: Path) -> Iterator[griffe.Module]:
    extension = mkdocs_docstrings.RestToMarkdown(reference=str(reference), package="vsdk_demo")
    modules = {name: textwrap.dedent(text) for name, text in PACKAGE.items()}
    with griffe.temporary_visited_package(
        "vsdk_demo", modules, extensions=griffe.load_extensions(extension)
    ) as module:
        yield module


def doc(package: griffe.Module, path: str) -> str:
    obj: griffe.Object | griffe.Alias = package.modules_collection.get_member(path)
    assert obj.docstring is not None
    return obj.docstring.value


def test_the_site_is_what_the_directives_render(package: griffe.Module, reference: Path) -> None:
    site = mkdocs_docstrings.Site.from_reference(package.modules_collection, reference)
    assert sorted(site.objects) == [
        f"vsdk_demo.{cls}{member}"
        for cls in ("AsyncClient", "Client")
        for member in ("", ".close", ".send", ".with_options")
    ]
    assert site.anchors["vsdk_demo._base.Base.close"] == [
        "vsdk_demo.Client.close",
        "vsdk_demo.AsyncClient.close",
    ]


def test_targets_resolve_from_the_docstring_s_place(package: griffe.Module) -> None:
    assert doc(package, "vsdk_demo._client.Client") == (
        "A client; see [`with_options`][vsdk_demo.Client.with_options] and "
        "[`send`][vsdk_demo.AsyncClient.send]."
    )
    assert doc(package, "vsdk_demo._client.Client.send") == (
        "Send; `x` is [`Client`][vsdk_demo.Client]'s, as is [`Base.close`][vsdk_demo.Client.close]."
    )
    assert doc(package, "vsdk_demo._client.AsyncClient.send") == (
        "Send; [`with_options`][vsdk_demo.AsyncClient.with_options] first."
    )
    # From a module that does not import it: the package's public name.
    assert doc(package, "vsdk_demo") == (
        "A package like volt_sdk: [`Client`][vsdk_demo.Client], re-exported."
    )


def test_what_is_not_rendered_becomes_code(package: griffe.Module) -> None:
    assert doc(package, "vsdk_demo._base.Base.close") == (
        "Close; `_helper` is private, `httpx.Client` elsewhere."
    )


def test_a_shared_docstring_links_the_first_place_it_is_rendered(package: griffe.Module) -> None:
    # Base.with_options is rendered under both clients: the names resolve in Base, whose
    # own ``send`` does not exist, so ``send`` is not linked; ``close`` links the first.
    assert doc(package, "vsdk_demo._base.Base.with_options") == (
        "A copy; then `send`, or [`close`][vsdk_demo.Client.close] (both rendered twice)."
    )


# -- the check of the built site ---------------------------------------------------------------


def site(tmp_path: Path, html: str) -> MkDocsConfig:
    page = tmp_path / "reference" / "clients" / "index.html"
    page.parent.mkdir(parents=True)
    page.write_text(html, encoding="utf-8")
    (tmp_path / "index.html").write_text("<p>:class:`Elsewhere`</p>", encoding="utf-8")
    return cast("MkDocsConfig", SimpleNamespace(site_dir=str(tmp_path)))


@pytest.mark.parametrize(
    "html",
    [
        "<p>Returns a :class:<code>Message</code>.</p>",
        "<p>See :meth:`send_message`.</p>",
        "<p>:py:func:<code>f</code></p>",
    ],
)
def test_the_build_fails_on_a_role_left_on_a_reference_page(tmp_path: Path, html: str) -> None:
    with pytest.raises(PluginError, match=r"1 reST role\(s\) left .*\n  reference/clients/"):
        mkdocs_docstrings.on_post_build(site(tmp_path, html))


def test_converted_pages_pass_the_check(tmp_path: Path) -> None:
    html = '<p>A <a href="#volt_sdk.Message"><code>Message</code></a>, <code>:memory:</code></p>'
    mkdocs_docstrings.on_post_build(site(tmp_path, html))


# -- make docs ---------------------------------------------------------------------------------

_LINK = re.compile(r'<a class="autorefs autorefs-internal"[^>]*href="([^"]*)"><code>')


def test_the_built_reference_has_no_role_and_working_cross_references(tmp_path: Path) -> None:
    built = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [str(MKDOCS), "build", "--strict", "--site-dir", str(built)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert "WARNING" not in result.stderr
    assert mkdocs_docstrings.leftover_roles(built) == []
    clients = built / "reference" / "clients" / "index.html"
    links = _LINK.findall(clients.read_text(encoding="utf-8"))
    assert "#volt_sdk.Volt.reconcile_message" in links  # send_message's :meth:
    assert "../models/#volt_sdk.Message" in links
    ids: dict[Path, set[str]] = {}
    for href in links:
        page, _, anchor = href.partition("#")
        target = (clients.parent / page / "index.html").resolve() if page else clients
        if target not in ids:
            ids[target] = set(re.findall(r'id="([^"]+)"', target.read_text(encoding="utf-8")))
        assert anchor in ids[target], href
