"""``volt schema diff``: the changes between two schemas, and what of ours each breaks."""

from __future__ import annotations

from pathlib import Path

import pytest

from volt_sdk import _schema_tools as tools

from .conftest import OPERATIONS, SCHEMA


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
