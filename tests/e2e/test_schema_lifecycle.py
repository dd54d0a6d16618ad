"""The schema lifecycle offline: pull from the sandbox, diff a changed Volt, regenerate.

The sandbox serves the committed schema, or a changed one (``schema_sdl=``),
over loopback HTTP; ``volt schema pull`` and ``volt schema diff`` run through
the real command line.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from graphql import find_breaking_changes, find_dangerous_changes

from volt_sdk import _schema_tools as tools
from volt_sdk._cli import main
from volt_sdk.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent.parent
SCHEMA_PATH = ROOT / "queries" / "schema.graphql"
SCHEMA = SCHEMA_PATH.read_text("utf-8")
OPERATIONS = ROOT / "queries" / "operations"

# Volt changes three things: a field we select goes, one changes type, an argument becomes required.
BREAKING = (
    SCHEMA.replace("  legacyId: String ", "  ", 1)
    .replace("errorCode: Int ", "errorCode: String ", 1)
    .replace("message(id: ID!): Message", "message(id: ID!, organizationId: ID!): Message", 1)
)
# A change that keeps every operation valid: a new optional field, and a field we select
# changing type.
COMPATIBLE = SCHEMA.replace("errorCode: Int ", "errorCode: String ", 1).replace(
    "  body: String                # [DOC] field\n",
    "  body: String                # [DOC] field\n  segments: Int\n",
    1,
)


def pull(sdl: str | None, output: Path, capsys: pytest.CaptureFixture[str]) -> str:
    with Sandbox(schema_sdl=sdl) as sandbox:
        argv = ["schema", "pull", "--url", sandbox.url, "--token", sandbox.token]
        code = main([*argv, "--output", str(output)])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_changed_fixtures_really_change_what_they_claim() -> None:
    assert BREAKING.count("legacyId") == SCHEMA.count("legacyId") - 1
    assert "segments: Int" in COMPATIBLE


def test_introspecting_the_sandbox_gives_the_committed_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "schema.graphql"
    pull(None, target, capsys)
    pulled = tools.load_schema(target.read_text("utf-8"))
    committed = tools.load_schema(SCHEMA)
    for old, new in ((committed, pulled), (pulled, committed)):
        assert find_breaking_changes(old, new) == []
        assert find_dangerous_changes(old, new) == []
    assert tools.sorted_sdl(pulled) == tools.sorted_sdl(committed)
    assert target.read_text("utf-8").startswith(tools.HEADER_MARK)


def test_pulling_over_the_committed_schema_keeps_its_provenance_notes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "schema.graphql"
    target.write_text(SCHEMA, "utf-8")
    out = pull(None, target, capsys)
    assert "kept the provenance notes of" in out
    notes = (tmp_path / tools.PROVENANCE_FILE).read_text("utf-8")
    assert "### `Message.errorCode`" in notes
    assert "Int vs String unknown [GUESS]" in notes
    again = pull(None, target, capsys)
    assert "up to date" in again


def test_a_breaking_volt_schema_is_reported_change_by_change_with_the_operations_it_breaks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = tmp_path / "old.graphql", tmp_path / "new.graphql"
    pull(None, old, capsys)
    pull(BREAKING, new, capsys)
    code = main(["schema", "diff", str(old), str(new), "--operations", str(OPERATIONS)])
    out, err = capsys.readouterr()
    assert code == 1, err
    assert "Message.legacyId was removed. [FIELD_REMOVED]" in out
    assert "Message.errorCode changed type from Int to String. [FIELD_CHANGED_KIND]" in out
    assert "A required arg organizationId on Query.message was added. [REQUIRED_ARG_ADDED]" in out
    report = tools.diff(old.read_text("utf-8"), new.read_text("utf-8"), OPERATIONS)
    broken = report.broken_operations
    assert {"MessageFields", "GetMessage", "CreateMessage", "GetConversation"} <= set(broken)
    assert any("legacyId" in message for message in broken["MessageFields"])
    assert any("organizationId" in message for message in broken["GetMessage"])
    assert "GetContact" not in broken
    assert "GetMessage" in out


def test_regenerating_from_a_compatible_change_changes_the_generated_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = tmp_path / "schema.graphql"
    pull(COMPATIBLE, schema, capsys)
    report = tools.diff(SCHEMA, schema.read_text("utf-8"), OPERATIONS)
    assert report.broken_operations == {}
    assert [c.description for c in report.breaking] == [
        "Message.errorCode changed type from Int to String."
    ]
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from codegen.generate import generate_into

    out = tmp_path / "out"
    out.mkdir()
    package = generate_into(out, schema_path=schema)
    committed = (ROOT / "generated" / "volt_sdk_graphql" / "fragments.py").read_text("utf-8")
    fresh = (package / "fragments.py").read_text("utf-8")
    annotation = re.compile(r"error_code: (\S+) = Field\(alias=\"errorCode\"\)")
    assert annotation.findall(committed) == ["Optional[int]"]
    assert annotation.findall(fresh) == ["Optional[str]"]
    assert "segments" not in fresh  # a new field changes nothing until an operation selects it


@pytest.mark.parametrize("client_name", ["Volt", "AsyncVolt"])
def test_a_volt_whose_schema_moved_raises_schema_drift_naming_the_fix(client_name: str) -> None:
    import asyncio

    from volt_sdk import AsyncVolt, GraphQLError, SchemaDriftError, Volt

    with Sandbox(schema_sdl=BREAKING) as sandbox:
        url, token = sandbox.url, sandbox.token
        if client_name == "Volt":
            with Volt(base_url=url, token=token) as volt, pytest.raises(SchemaDriftError) as caught:
                volt.get_message("msg_1")
            with Volt(base_url=url, token=token) as volt:
                # Not ours: the caller's own document that asks too much is a plain GraphQLError.
                with pytest.raises(GraphQLError) as theirs:
                    volt.execute("query Q { message(id: 1) { legacyId } }")
                assert not isinstance(theirs.value, SchemaDriftError)
        else:

            async def call() -> None:
                async with AsyncVolt(base_url=url, token=token) as volt:
                    await volt.send_message(to="+15555550145", from_="+15555550123", body="hi")

            with pytest.raises(SchemaDriftError) as caught:
                asyncio.run(call())
    error = caught.value
    assert isinstance(error, GraphQLError)
    assert "volt schema pull" in str(error)
    assert "volt schema diff" in str(error)
    assert any("legacyId" in m or "organizationId" in m for m in error.messages)
