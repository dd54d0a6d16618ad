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
