"""``volt send-bulk``: the checks made before sending (the template, the CSV file, the options),
and the dry run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from volt_sdk._cli._bulk_plan import template_fields
from volt_sdk.sandbox import Sandbox

from .bulk import FROM, TEMPLATE, fields, phone, write_csv
from .helpers import RunVolt


@pytest.fixture
def recipients(tmp_path: Path) -> str:
    return write_csv(
        tmp_path / "recipients.csv",
        [(phone(1), "Ada", "111"), (phone(2), "Zoë 😀", "222"), (phone(3), "Bob", "333")],
    )


# -- the template -------------------------------------------------------------


def test_template_fields_are_the_named_columns_in_order_of_first_use() -> None:
    fields = template_fields("{code} for {name}: {code!r:>8} {{literal}}", "--template")

    assert fields == ["code", "name"]


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("Hi {0}", "{0} is a positional field; name a column instead, such as {name}"),
        ("Hi {}", "{} is a positional field; name a column instead, such as {name}"),
        ("Hi {0.real}", "{0.real} is a positional field"),
        ("Hi {a.b}", "{a.b} reads an attribute or an index"),
        ("Hi {a[0]}", "{a[0]} reads an attribute or an index"),
        ("Hi {name:{width}}", "{name:{width}} has a field inside its format spec"),
        ("Hi {name", "not a valid template: expected '}' before end of string"),
        ("Hi name}", "not a valid template: Single '}' encountered in format string"),
        ("Hi {name:d}", "the template cannot be filled in: Unknown format code 'd'"),
        ("Hi {name!x}", "the template cannot be filled in: Unknown conversion specifier x"),
    ],
    ids=[
        "numbered", "auto-numbered", "positional-attribute", "attribute", "index",
        "nested-spec", "unclosed-brace", "lone-closing-brace", "bad-format-spec",
        "bad-conversion",
    ],
)  # fmt: skip
def test_a_template_a_csv_row_cannot_fill_is_refused_before_anything_is_read(
    volt: RunVolt, recipients: str, template: str, message: str
) -> None:
    run = volt("send-bulk", recipients, "--from", FROM, "--template", template)

    assert run.code == 2
    assert run.out == ""
    assert run.err.startswith(f"volt: --template: {message}")
    assert run.err.count("\n") == 1


def test_template_fields_that_are_not_columns_are_all_listed(
    volt: RunVolt, recipients: str
) -> None:
    run = volt(
        "send-bulk", recipients, "--from", FROM, "--template", "{nmae}, {code} {cdoe} {nmae}"
    )

    assert run.code == 2
    assert run.err == (
        f"volt: --template: {{nmae}}, {{cdoe}} are not columns of {recipients!r} "
        "(its columns: 'to', 'name', 'code')\n"
    )


def test_the_template_may_come_from_a_file_without_its_final_newline(
    volt: RunVolt, recipients: str, tmp_path: Path
) -> None:
    template = tmp_path / "template.txt"
    template.write_text("Hello {name}!\n\nYour code: {code}\n", encoding="utf-8")

    run = volt(
        "send-bulk", recipients, "--from", FROM, "--template-file", str(template), "--dry-run",
        "--json",
    )  # fmt: skip

    assert run.code == 0
    # "Hello Ada!\n\nYour code: 111" is 26 characters: the final newline was dropped.
    assert run.lines[0]["characters"] == 26


def test_template_and_template_file_together_are_a_usage_error(
    volt: RunVolt, recipients: str
) -> None:
    run = volt(
        "send-bulk", recipients, "--from", FROM, "--template", "a", "--template-file", "t.txt"
    )

    assert run.code == 2
    assert run.err == (
        "volt: argument --template-file: not allowed with argument --template "
        "(see 'volt send-bulk --help')\n"
    )


def test_a_template_is_required(volt: RunVolt, recipients: str) -> None:
    run = volt("send-bulk", recipients, "--from", FROM)

    assert run.code == 2
    assert "one of the arguments --template --template-file is required" in run.err


def test_an_empty_template_without_media_is_refused(volt: RunVolt, recipients: str) -> None:
    run = volt("send-bulk", recipients, "--from", FROM, "--template", "  ")

    assert run.code == 2
    assert run.err == (
        "volt: --template: the template is empty; give a text, or --media for an MMS\n"
    )


# -- the CSV file and the options ---------------------------------------------


def test_a_missing_csv_file_is_named_with_the_reason(volt: RunVolt, tmp_path: Path) -> None:
    path = str(tmp_path / "nope.csv")

    run = volt("send-bulk", path, "--from", FROM, "--template", "Hi")

    assert run.code == 2
    assert run.err == f"volt: cannot read {path!r}: No such file or directory\n"


def test_an_empty_csv_file_is_refused(volt: RunVolt, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("", encoding="utf-8")

    run = volt("send-bulk", str(path), "--from", FROM, "--template", "Hi")

    assert run.code == 2
    assert run.err == f"volt: {str(path)!r} is empty: expected a header row with a 'to' column\n"


def test_a_csv_without_a_to_column_is_refused_and_its_columns_are_shown(
    volt: RunVolt, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", [(phone(1), "Ada")], header=("phone", "name"))

    run = volt("send-bulk", path, "--from", FROM, "--template", "Hi {name}")

    assert run.code == 2
    assert run.err == (
        f"volt: {path!r} has no 'to' column in its header row (its columns: 'phone', 'name')\n"
    )


def test_a_to_column_spelled_differently_gets_a_hint(volt: RunVolt, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", [(phone(1), "Ada")], header=("To ", "name"))

    run = volt("send-bulk", path, "--from", FROM, "--template", "Hi {name}")

    assert run.code == 2
    assert "no 'to' column in its header row; column names are case and space sensitive" in (
        run.err
    )


def test_a_byte_order_mark_before_the_header_is_not_part_of_the_first_column(
    volt: RunVolt, tmp_path: Path
) -> None:
    path = tmp_path / "excel.csv"
    path.write_text(f"to,name\r\n{phone(1)},Ada\r\n", encoding="utf-8-sig")

    run = volt("send-bulk", str(path), "--from", FROM, "--template", "Hi {name}", "--dry-run")

    assert run.code == 0, run.err
    assert fields(run.out)["messages"] == "1"


def test_a_key_column_must_be_a_column(volt: RunVolt, recipients: str) -> None:
    run = volt("send-bulk", recipients, "--from", FROM, "--template", "Hi", "--key-column", "id")

    assert run.code == 2
    assert run.err == (
        f"volt: --key-column: 'id' is not a column of {recipients!r} "
        "(its columns: 'to', 'name', 'code')\n"
    )


def test_a_column_the_template_uses_twice_in_the_header_is_ambiguous(
    volt: RunVolt, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", [(phone(1), "Ada", "Lovelace")], ("to", "name", "name"))

    run = volt("send-bulk", path, "--from", FROM, "--template", "Hi {name}")

    assert run.code == 2
    assert run.err == f"volt: {path!r} has more than one column named 'name'\n"


def test_a_bad_from_number_is_refused_once_not_for_every_row(
    volt: RunVolt, recipients: str
) -> None:
    run = volt("send-bulk", recipients, "--from", "+1555", "--template", TEMPLATE)

    assert run.code == 2
    assert run.err.startswith("volt: --from: '+1555' is too short to be a phone number")


def test_a_bad_media_url_is_refused_before_sending(volt: RunVolt, recipients: str) -> None:
    run = volt(
        "send-bulk", recipients, "--from", FROM, "--template", TEMPLATE, "--media", "example.com/a"
    )

    assert run.code == 2
    assert run.err.startswith("volt: --media: 'example.com/a' is not an absolute URL")


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--rate", "0", "argument --rate: expected a positive number per second, got '0'"),
        ("--rate", "fast", "argument --rate: expected messages per second, got 'fast'"),
        ("--concurrency", "0", "argument --concurrency: expected a whole number from 1, got '0'"),
    ],
)
def test_rate_and_concurrency_must_be_positive(
    volt: RunVolt, recipients: str, flag: str, value: str, message: str
) -> None:
    run = volt("send-bulk", recipients, "--from", FROM, "--template", TEMPLATE, flag, value)

    assert run.code == 2
    assert run.err == f"volt: {message} (see 'volt send-bulk --help')\n"


def test_a_concurrency_the_sdk_refuses_is_reported_by_its_flag_before_sending(
    volt: RunVolt, recipients: str
) -> None:
    run = volt(
        "send-bulk", recipients, "--from", FROM, "--template", TEMPLATE, "--concurrency", "5000"
    )

    assert run.code == 2
    assert run.err.startswith("volt: --concurrency: expected an int from 1 to ")
    assert run.out == ""


def test_resume_without_a_journal_is_a_usage_error(volt: RunVolt, recipients: str) -> None:
    run = volt("send-bulk", recipients, "--from", FROM, "--template", TEMPLATE, "--resume")

    assert run.code == 2
    assert run.err == "volt: --resume needs --journal PATH (see 'volt send-bulk --help')\n"


def test_resume_needs_the_journal_to_exist(volt: RunVolt, recipients: str, tmp_path: Path) -> None:
    journal = str(tmp_path / "run.journal")

    run = volt(
        "send-bulk", recipients, "--from", FROM, "--template", TEMPLATE,
        "--journal", journal, "--resume",
    )  # fmt: skip

    assert run.code == 2
    assert run.err == (
        f"volt: --resume: the journal {journal!r} does not exist; "
        "leave out --resume to start a new one\n"
    )


def test_an_existing_journal_is_refused_without_resume_so_nobody_resumes_by_accident(
    volt: RunVolt, recipients: str, tmp_path: Path
) -> None:
    journal = tmp_path / "run.journal"
    journal.write_text("an earlier run\n", encoding="utf-8")

    run = volt(
        "send-bulk", recipients, "--from", FROM, "--template", TEMPLATE, "--journal", str(journal)
    )

    assert run.code == 2
    assert run.err == (
        f"volt: --journal {str(journal)!r}: the journal exists; pass --resume to continue it, "
        "or choose another path\n"
    )
    assert journal.read_text(encoding="utf-8") == "an earlier run\n"


def test_sending_needs_a_token_and_says_where_to_get_one(
    volt: RunVolt, recipients: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VOLT_API_TOKEN")

    run = volt("send-bulk", recipients, "--from", FROM, "--template", TEMPLATE)

    assert run.code == 2
    assert run.err.startswith("volt: no API token: set VOLT_API_TOKEN or pass --token")


def test_help_lists_send_bulk(volt: RunVolt) -> None:
    run = volt("--help")

    assert re.search(r"^    send-bulk\s+send one message per row of a CSV file$", run.out, re.M)


# -- the dry run --------------------------------------------------------------


def test_dry_run_prints_each_row_with_its_segments_and_encoding_then_the_totals(
    volt: RunVolt, recipients: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VOLT_API_TOKEN")  # a dry run needs no token: nothing is sent

    run = volt(
        "send-bulk", recipients, "--from", FROM, "--template", TEMPLATE + " " + "." * 140,
        "--dry-run",
    )  # fmt: skip

    assert run.code == 0, run.err
    assert run.err == ""
    table, totals = run.out.split("\n\n")
    assert [line.split() for line in table.splitlines()] == [
        ["KEY", "TO", "SEGMENTS", "ENCODING"],
        ["#0", phone(1), "2", "GSM-7"],  # 166 GSM-7 characters: two segments
        ["#1", phone(2), "3", "UCS-2"],  # the emoji makes the whole text UCS-2
        ["#2", phone(3), "2", "GSM-7"],
    ]
    assert fields(totals) == {
        "messages": "3",
        "segments": "7",
        "UCS-2": "1 message(s)",
        "refused": "0",
    }


def test_dry_run_refuses_bad_numbers_and_rows_missing_a_value_and_exits_2(
    volt: RunVolt, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "r.csv",
        [(phone(1), "Ada", "111"), ("+1555", "Bob", "222"), (phone(3), "", "333"), (phone(4),)],
    )

    run = volt("send-bulk", path, "--from", FROM, "--template", TEMPLATE, "--dry-run")

    assert run.code == 2
    assert run.err == "volt: 3 of 4 rows would be refused; nothing was sent\n"
    assert fields(run.out)["messages"] == "4"
    assert fields(run.out)["segments"] == "1"
    assert fields(run.out)["refused"] == "3"
    listed = run.out.split("rows that would be refused:\n")[1].splitlines()
    assert listed[0].split() == ["KEY", "TO", "REASON"]
    assert listed[1].startswith("#1   +1555         to: '+1555' is too short to be a phone number")
    assert listed[2] == f"#2   {phone(3)}  no value for {{name}} in this row"
    assert listed[3] == f"#3   {phone(4)}  no value for {{name}}, {{code}} in this row"


def test_dry_run_reads_national_numbers_with_region(volt: RunVolt, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", [("(555) 555-0145", "Ada", "1")])

    plain = volt("send-bulk", path, "--from", FROM, "--template", TEMPLATE, "--dry-run")
    regional = volt(
        "send-bulk", path, "--from", FROM, "--template", TEMPLATE, "--dry-run", "--region", "US"
    )

    assert plain.code == 2
    assert regional.code == 0
    assert regional.out.splitlines()[1].split() == ["#0", "+15555550145", "1", "GSM-7"]


def test_dry_run_uses_the_key_column_to_name_rows(volt: RunVolt, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "r.csv", [("c-1", phone(1), "Ada"), ("", phone(2), "Bob")], ("id", "to", "name")
    )

    run = volt(
        "send-bulk", path, "--from", FROM, "--template", "Hi {name}", "--key-column", "id",
        "--dry-run", "--json",
    )  # fmt: skip

    assert run.code == 2
    assert [(line["index"], line["key"]) for line in run.lines[:2]] == [(0, "c-1"), (1, "#1")]
    assert run.lines[1]["reason"] == "no key in the 'id' column"


def test_dry_run_with_json_prints_one_object_per_row_and_a_summary(
    volt: RunVolt, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", [(phone(1), "Zoë", "1"), ("abc", "Bob", "2")])

    run = volt("send-bulk", path, "--from", FROM, "--template", TEMPLATE, "--dry-run", "--json")

    assert run.code == 2
    first, second, summary = run.lines
    assert first == {
        "index": 0,
        "key": "#0",
        "to": phone(1),
        "sendable": True,
        "segments": 1,
        "encoding": "UCS-2",  # ë is not in the GSM-7 alphabet
        "characters": 22,
        "reason": None,
    }
    assert second["sendable"] is False
    assert second["reason"].startswith("to: 'abc' is not a phone number")
    assert summary == {
        "summary": {"messages": 2, "sendable": 1, "refused": 1, "segments": 1, "ucs2": 1}
    }


def test_dry_run_lists_at_most_20_refused_rows_then_how_many_more(
    volt: RunVolt, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", [("+1555", "Bob", str(i)) for i in range(25)])

    run = volt("send-bulk", path, "--from", FROM, "--template", TEMPLATE, "--dry-run")

    assert run.code == 2
    listed = run.out.split("rows that would be refused:\n")[1].splitlines()
    assert len(listed) == 1 + 20 + 1
    assert listed[-1] == "... and 5 more"


def test_dry_run_of_a_file_with_only_a_header_sends_nothing_and_exits_0(
    volt: RunVolt, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", [])

    run = volt("send-bulk", path, "--from", FROM, "--template", TEMPLATE, "--dry-run")

    assert run.code == 0
    assert fields(run.out)["messages"] == "0"


# -- the dry run refuses what the real run refuses --------------------------------------


def test_dry_run_refuses_a_key_column_value_an_earlier_row_has(
    volt: RunVolt, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "r.csv",
        [("c-1", phone(1), "Ada"), ("c-2", phone(2), "Bob"), ("c-1", phone(3), "Cy")],
        ("id", "to", "name"),
    )

    run = volt(
        "send-bulk", path, "--from", FROM, "--template", "Hi {name}", "--key-column", "id",
        "--dry-run", "--json",
    )  # fmt: skip

    assert run.code == 2
    assert [(line["key"], line["sendable"]) for line in run.lines[:3]] == [
        ("c-1", True),
        ("c-2", True),
        ("c-1", False),
    ]
    assert run.lines[2]["reason"] == (
        "key: duplicate key 'c-1': an earlier item of this input has it; not sent"
    )
    assert run.lines[3]["summary"]["refused"] == 1


# Each row is (id, to, name); the template is "Hi {name}", the key column "id".
AGREEMENT_ROWS = [
    ("a", phone(1), "Ada"),  # sent
    ("b", "+1555", "Bob"),  # refused: not a number
    ("b", phone(2), "Bo"),  # refused: the key of a refused row
    ("a", phone(3), "Al"),  # refused: the key of a sent row
    ("c", phone(4), ""),  # refused here, before send_many: no value for {name}
    ("c", phone(5), "Cy"),  # sent: the row refused before send_many took no key
    ("", phone(6), "Di"),  # refused: no key
    ("d", "(555) 555-0107", "Ed"),  # refused without --region
    ("e", phone(8), "Zoë 😀"),  # sent: UCS-2
]


def test_the_dry_run_refuses_exactly_the_rows_the_real_run_refuses(
    volt: RunVolt, volt_sandbox: Sandbox, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", AGREEMENT_ROWS, ("id", "to", "name"))
    command = ("send-bulk", path, "--from", FROM, "--template", "Hi {name}", "--key-column", "id")

    dry = volt(*command, "--dry-run", "--json")
    real = volt(*command, "--json")

    assert (dry.code, real.code) == (2, 1)
    planned = {row["index"]: row["reason"] for row in dry.lines[:-1] if not row["sendable"]}
    refused = {row["index"]: row["reason"] for row in real.lines[:-1] if row["status"] != "sent"}
    assert planned == refused
    assert sorted(planned) == [1, 2, 3, 4, 6, 7]
    assert len(volt_sandbox.outbox()) == 3
