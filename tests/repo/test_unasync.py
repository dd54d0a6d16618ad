"""The blocking client and executor are generated from their async sources (codegen/unasync.py)."""

from __future__ import annotations

import ast
import inspect
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from codegen import unasync
from volt_sdk import AsyncVolt, Volt

ROOT = Path(__file__).resolve().parents[2]


def public_methods(cls: type) -> dict[str, Callable[..., object]]:
    return {
        name: member
        for name, member in inspect.getmembers(cls, callable)
        if not name.startswith("_")
    }


def copy_sources(root: Path, files: tuple[tuple[str, str], ...]) -> None:
    for source, target in files:
        for name in (source, target):
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / name, root / name)


def test_the_committed_twins_are_what_the_async_sources_produce(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert unasync.main(["--check"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_every_twin_says_it_is_generated_and_from_what() -> None:
    for source, target in unasync.FILES:
        head = (ROOT / target).read_text(encoding="utf-8").splitlines()[:2]
        assert "Do not edit" in head[0]
        assert Path(source).name in head[0]


def test_rules_match_whole_words_only() -> None:
    used: set[int] = set()
    text = "AsyncVoltGraphQL AsyncVolt _async_client volt_sdk_graphql.async_client await  x"
    assert unasync.rewrite(text, used) == (
        "VoltGraphQL Volt _async_client volt_sdk_graphql.client x"
    )


def test_a_method_added_to_the_async_client_appears_in_volt_with_its_docstring(
    tmp_path: Path,
) -> None:
    copy_sources(tmp_path, unasync.FILES)
    account = tmp_path / "volt_sdk/_client/_async_account.py"
    account.write_text(
        account.read_text(encoding="utf-8")
        + '''
    async def count_webhooks(self) -> int:
        """How many webhooks the organization has.

        Returns:
            The number of webhooks :meth:`AsyncVolt.list_webhooks` lists.
        """
        return len(await self.list_webhooks())
''',
        encoding="utf-8",
    )
    assert unasync.main([], root=tmp_path) == 0

    twin = ast.parse((tmp_path / "volt_sdk/_client/_sync_account.py").read_text("utf-8"))
    (cls,) = [n for n in twin.body if isinstance(n, ast.ClassDef)]
    (method,) = [
        n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "count_webhooks"
    ]
    assert ast.get_docstring(method) == (
        "How many webhooks the organization has.\n\n"
        "Returns:\n    The number of webhooks :meth:`Volt.list_webhooks` lists."
    )
    assert ast.unparse(method.body[-1]) == "return len(self.list_webhooks())"


def test_a_rule_that_no_source_uses_fails_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = unasync.FILES[:1]  # the executor alone uses only some of the rules
    copy_sources(tmp_path, files)
    assert unasync.main([], root=tmp_path, files=files) == 1
    assert "rules no async source uses" in capsys.readouterr().out


def test_both_clients_have_the_same_methods_signatures_and_docstrings() -> None:
    async_methods = public_methods(AsyncVolt)
    sync_methods = public_methods(Volt)
    assert sorted(async_methods) == sorted(sync_methods)
    for name, method in async_methods.items():
        twin = sync_methods[name]
        assert [
            (p.name, p.kind, p.default) for p in inspect.signature(method).parameters.values()
        ] == [(p.name, p.kind, p.default) for p in inspect.signature(twin).parameters.values()]
        doc = inspect.getdoc(method)
        assert doc is not None
        assert inspect.getdoc(twin) == unasync.rewrite(doc, set())


@pytest.mark.parametrize("cls", [AsyncVolt, Volt])
def test_every_public_method_says_what_it_takes_returns_and_raises(cls: type) -> None:
    incomplete = []
    for name, method in public_methods(cls).items():
        doc = inspect.getdoc(method) or ""
        signature = inspect.signature(method)
        wanted = ["Raises:"]
        if [p for p in signature.parameters if p != "self"]:
            wanted.append("Args:")
        if signature.return_annotation not in ("None", None):
            wanted.append("Returns:")
        missing = [section for section in wanted if section not in doc]
        if missing:
            incomplete.append(f"{cls.__name__}.{name}: {missing}")
    assert incomplete == []


def test_send_message_names_the_uncertain_outcome_in_both_clients() -> None:
    for cls in (AsyncVolt, Volt):
        assert "MessageOutcomeUnknownError:" in (inspect.getdoc(cls.send_message) or "")
