"""The provenance notes of the hand-kept schema: read, attached, and kept by a pull."""

from __future__ import annotations

from pathlib import Path

from pytest_httpx import HTTPXMock

from tests.payloads import TOKEN, URL
from volt_sdk import _schema_tools as tools

from .conftest import SCHEMA, WHEN, introspection_answer


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
