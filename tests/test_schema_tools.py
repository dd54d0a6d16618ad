"""The schema lifecycle's parts: introspection at the httpx seam, stable output, provenance, diff.

The end-to-end story against the sandbox is in ``tests/e2e/test_schema_lifecycle.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from graphql import build_schema, introspection_from_schema
from pytest_httpx import HTTPXMock

from volt_sdk import AuthenticationError, ConfigurationError, MalformedResponseError
from volt_sdk import _schema_tools as tools
from volt_sdk._cli import main

from .payloads import TOKEN, URL

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = (ROOT / "queries" / "schema.graphql").read_text("utf-8")
OPERATIONS = ROOT / "queries" / "operations"
WHEN = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def introspection_answer(sdl: str = SCHEMA) -> dict[str, object]:
    return {"data": dict(introspection_from_schema(build_schema(sdl)))}


# -- introspection ------------------------------------------------------------------------


def test_introspect_posts_the_introspection_query_with_the_bearer_token(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(url=URL, method="POST", json=introspection_answer())
    schema = tools.introspect(URL, TOKEN)
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    body = json.loads(request.content)
    assert body["operationName"] == "IntrospectionQuery"
    assert "__schema" in body["query"]
    assert tools.sorted_sdl(schema) == tools.sorted_sdl(build_schema(SCHEMA))


def test_a_refused_token_is_an_authentication_error(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=URL, status_code=401, json={"errors": [{"message": "bad token"}]})
    with pytest.raises(AuthenticationError, match="HTTP 401"):
        tools.introspect(URL, TOKEN)


def test_an_html_page_is_a_malformed_response(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url=URL, text="<html>Sign in</html>", headers={"content-type": "text/html"}
    )
    with pytest.raises(MalformedResponseError, match="HTML page"):
        tools.introspect(URL, TOKEN)


def test_graphql_data_that_is_not_an_introspection_result_is_malformed(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(url=URL, json={"data": {"hello": "world"}})
    with pytest.raises(MalformedResponseError, match="introspection result"):
        tools.introspect(URL, TOKEN)


def test_the_token_never_goes_over_plain_http_to_another_host() -> None:
    with pytest.raises(ConfigurationError, match="plain http"):
        tools.introspect("http://volt.example.com/graphql", TOKEN)


# -- stable output ----------------------------------------------------------------------------


def test_render_sorts_everything_so_the_order_of_the_source_does_not_matter() -> None:
    forward = build_schema("type Query { b: Int, a(y: Int, x: Int): E }\nenum E { Z A }")
    backward = build_schema("enum E { A Z }\ntype Query { a(x: Int, y: Int): E, b: Int }")
    first = tools.render(forward, source_url=URL, when=WHEN)
    assert first == tools.render(backward, source_url=URL, when=WHEN)
    assert first.startswith(tools.HEADER_MARK)
    assert f"from {URL} on 2025-01-02T03:04:05Z" in first
    assert "a(x: Int, y: Int): E\n  b: Int" in first
    assert "enum E {\n  A\n  Z\n}" in first


def test_render_keeps_credentials_and_query_strings_out_of_the_header() -> None:
    text = tools.render(
        build_schema("type Query { a: Int }"),
        source_url="https://user:secret@volt.example.com/graphql?key=secret",
        when=WHEN,
    )
    assert "secret" not in text
    assert "https://volt.example.com/graphql" in text


def test_pulling_twice_leaves_a_byte_identical_file(httpx_mock: HTTPXMock, tmp_path: Path) -> None:
    httpx_mock.add_response(url=URL, json=introspection_answer(), is_reusable=True)
    target = tmp_path / "schema.graphql"
    first = tools.pull(target, url=URL, token=TOKEN, now=WHEN)
    written = target.read_bytes()
    second = tools.pull(target, url=URL, token=TOKEN, now=datetime.now(timezone.utc))
    assert (first.changed, second.changed) == (True, False)
    assert target.read_bytes() == written
    assert first.provenance is None  # nothing to keep: there was no file before
    assert not (tmp_path / tools.PROVENANCE_FILE).exists()


# -- provenance -------------------------------------------------------------------------------


def test_trailing_comments_and_their_continuation_lines_belong_to_their_field() -> None:
    notes = tools.provenance_notes(SCHEMA)
    assert notes.by_coordinate["Message.legacyId"] == [
        "[DOC] field; String [GUESS] (could be Int/ID)"
    ]
    error_code = notes.by_coordinate["Message.errorCode"]
    assert error_code[0].startswith("[CODE] field; Int vs String unknown [GUESS]")
    assert "Volt Connect API Error Codes" in error_code[1]


def test_a_comment_block_belongs_to_the_definition_below_it() -> None:
    notes = tools.provenance_notes(SCHEMA)
    assert notes.by_coordinate["Query.message"] == [
        "[CODE] query message($id: ID!) { message(id: $id) { ... } }"
    ]
    assert notes.header[0].startswith("Volt (formerly Respond Flow) GraphQL API")


def test_pull_over_an_annotated_schema_keeps_its_notes_beside_the_new_file(
    httpx_mock: HTTPXMock, tmp_path: Path
) -> None:
    changed = SCHEMA.replace("  legacyId: String ", "  legacyId: Int ")
    httpx_mock.add_response(url=URL, json=introspection_answer(changed))
    target = tmp_path / "schema.graphql"
    target.write_text(SCHEMA, "utf-8")
    result = tools.pull(target, url=URL, token=TOKEN, now=WHEN)
    assert result.provenance is not None
    assert result.provenance.changed == 1
    assert result.provenance.missing == 0
    assert result.provenance.annotated == len(tools.provenance_notes(SCHEMA).by_coordinate)
    notes = (tmp_path / tools.PROVENANCE_FILE).read_text("utf-8")
    assert (
        "### `Message.legacyId`\n\nreconstructed: `String`; introspected: `Int` (**changed**)"
        in (notes)
    )
    assert "> [DOC] field; String [GUESS] (could be Int/ID)" in notes
    assert "RECONSTRUCTED schema (not introspected)" in notes  # the old header
    assert not tools.has_provenance(target.read_text("utf-8"))


# -- diff ---------------------------------------------------------------------------------------


def test_an_identical_schema_breaks_nothing() -> None:
    report = tools.diff(SCHEMA, SCHEMA, OPERATIONS)
    assert (report.breaking, report.dangerous, report.broken_operations) == ([], [], {})
    assert not report.breaks_us


def test_removing_a_field_nobody_selects_is_breaking_but_not_for_us() -> None:
    changed = SCHEMA.replace("  wave: Wave                  # [CODE] object; set when", "  # ")
    report = tools.diff(SCHEMA, changed, OPERATIONS)
    assert [c.description for c in report.breaking] == ["Message.wave was removed."]
    assert report.breaking[0].affects == ()
    assert not report.breaks_us


def test_a_removed_field_names_the_fragment_and_every_operation_spreading_it() -> None:
    changed = SCHEMA.replace("  legacyId: String ", "  ")
    report = tools.diff(SCHEMA, changed, OPERATIONS)
    (removed,) = report.breaking
    assert removed.kind == "FIELD_REMOVED"
    assert {"MessageFields", "GetMessage", "CreateMessage", "GetConversation"} <= set(
        removed.affects
    )
    assert (
        "Cannot query field 'legacyId' on type 'Message'."
        in (report.broken_operations["MessageFields"][0])
    )
    assert report.breaks_us


def test_a_new_enum_value_is_dangerous_and_names_the_fragment_using_the_enum() -> None:
    enum_start = SCHEMA.index("enum WebhookEventType {")
    changed = SCHEMA[:enum_start] + SCHEMA[enum_start:].replace("{", "{\n  MESSAGE_EDITED", 1)
    report = tools.diff(SCHEMA, changed, OPERATIONS)
    (added,) = report.dangerous
    assert added.description == "MESSAGE_EDITED was added to enum type WebhookEventType."
    assert "WebhookFields" in added.affects
    assert not report.breaks_us


def test_change_coordinates_reads_graphql_core_descriptions() -> None:
    assert tools.change_coordinates("A required arg x on Query.message was added.") == (
        "Query.message",
    )
    assert tools.change_coordinates("Wave was removed.") == ("Wave",)
    assert tools.change_coordinates("A required field x on input type ListQuery was added.") == (
        "ListQuery",
    )
    assert tools.change_coordinates("B was removed from union type U.") == ("U",)


def test_operations_that_do_not_parse_are_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "bad.graphql").write_text("query {", "utf-8")
    with pytest.raises(tools.SchemaInputError, match=r"bad\.graphql"):
        tools.load_operations(tmp_path)


# -- command line -------------------------------------------------------------------------------


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
