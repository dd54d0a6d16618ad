"""``volt schema diff`` and ``volt schema pull``: exit codes and one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pytest_httpx import HTTPXMock

from tests.payloads import TOKEN, URL
from volt_sdk._cli import main

from .conftest import OPERATIONS, ROOT, SCHEMA


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_schema_diff_exits_0_when_nothing_breaks_us(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "old.graphql"
    old.write_text(SCHEMA, "utf-8")
    code, out, err = run(
        capsys, "schema", "diff", str(old), str(old), "--operations", str(OPERATIONS)
    )
    assert (code, err) == (0, "")
    assert "Verdict: no breaking or dangerous changes." in out


def test_schema_diff_exits_1_and_prints_markdown_when_an_operation_breaks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = tmp_path / "old.graphql", tmp_path / "new.graphql"
    old.write_text(SCHEMA, "utf-8")
    new.write_text(SCHEMA.replace("  legacyId: String ", "  "), "utf-8")
    code, out, _ = run(
        capsys, "schema", "diff", str(old), str(new), "--operations", str(OPERATIONS), "--markdown"
    )
    assert code == 1
    assert out.startswith("## Volt schema diff")
    assert "| Message.legacyId was removed. | `FIELD_REMOVED` |" in out


def test_schema_diff_of_a_missing_file_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "schema", "diff", str(tmp_path / "nope"), str(tmp_path / "nope"))
    assert (code, out) == (2, "")
    assert err.startswith("volt: cannot read OLD schema")
    assert err.count("\n") == 1


def test_schema_diff_of_an_invalid_schema_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.graphql"
    bad.write_text("type Query {", "utf-8")
    code, _, err = run(capsys, "schema", "diff", str(bad), str(bad))
    assert code == 2
    assert "OLD: not a valid GraphQL schema" in err


def test_schema_pull_without_a_token_is_exit_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("VOLT_API_TOKEN")
    code, _, err = run(capsys, "schema", "pull", "--output", str(tmp_path / "s.graphql"))
    assert code == 2
    assert err == "volt: no API token: set VOLT_API_TOKEN or pass --token\n"


def test_schema_pull_refuses_plain_http_naming_the_url_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "s.graphql"
    code, _, err = run(
        capsys, "schema", "pull", "--url", "http://volt.example.com/graphql", "-o", str(out_file)
    )
    assert code == 2
    assert err.startswith("volt: --url: refusing to send the API token over plain http")
    assert not out_file.exists()


def test_schema_pull_reports_a_401_in_one_line_with_exit_1(
    httpx_mock: HTTPXMock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    httpx_mock.add_response(url=URL, status_code=401, text="")
    code, _, err = run(capsys, "schema", "pull", "--url", URL, "-o", str(tmp_path / "s.graphql"))
    assert code == 1
    assert err.startswith("volt: IntrospectionQuery: HTTP 401")
    assert err.count("\n") == 1
    assert TOKEN not in err


def test_the_schema_commands_load_no_graphql_or_httpx_until_run() -> None:
    code = (
        "import sys; from volt_sdk._cli import build_parser; build_parser(); "
        "heavy = ('graphql', 'httpx', 'volt_sdk._schema_tools'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "argv",
    [
        ["schema", "diff", "old.graphql", "new.graphql"],
        ["schema", "pull", "--token", "t", "--url", "https://volt.invalid/graphql"],
        ["schema", "pull"],
    ],
    ids=["diff", "pull", "pull-without-token"],
)
def test_the_schema_commands_without_graphql_core_name_the_extra_to_install(
    argv: list[str], tmp_path: Path
) -> None:
    code = (
        "import sys; sys.modules['graphql'] = None  # as in an install without the extra\n"
        "from volt_sdk._cli import main; sys.exit(main(sys.argv[1:]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *argv],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        timeout=60,
    )

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        'volt: volt schema needs the schema extra: pip install "volt-sdk[schema]"\n'
    )


def test_schema_diff_outside_a_checkout_names_the_operations_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("old.graphql").write_text(SCHEMA, "utf-8")

    code, out, err = run(capsys, "schema", "diff", "old.graphql", "old.graphql")

    assert (code, out) == (2, "")
    operations = str(Path("queries") / "operations")
    assert err == (
        f"volt: --operations: {operations} does not exist; pass --operations DIR, "
        "the directory of your .graphql operations and fragments\n"
    )


def test_schema_diff_with_an_operations_directory_without_graphql_files_names_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "old.graphql"
    old.write_text(SCHEMA, "utf-8")
    empty = tmp_path / "ops"
    empty.mkdir()

    code, _, err = run(capsys, "schema", "diff", str(old), str(old), "--operations", str(empty))

    assert code == 2
    assert err == (
        f"volt: --operations: {empty} has no .graphql files; pass --operations DIR, "
        "the directory of your .graphql operations and fragments\n"
    )
