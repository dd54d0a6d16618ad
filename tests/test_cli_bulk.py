"""``volt send-bulk``: the checks made before sending, the dry run, progress and the summary,
then whole runs against the sandbox (``volt_sandbox``).

``main`` runs in-process and its output is read with capsys.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import volt_sdk
from volt_sdk import _cli
from volt_sdk.sandbox import FaultConfig, Sandbox

FROM = "+15555550123"
TEMPLATE = "Hi {name}, your code is {code}"


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[Any]:
        """stdout as JSON Lines."""
        return [json.loads(line) for line in self.out.splitlines()]


@pytest.fixture
def volt(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Run ``volt ARGS...`` in-process; return its exit code, stdout and stderr."""

    def run(*argv: str) -> Run:
        code = _cli.main(list(argv))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def write_csv(
    path: Path, rows: Iterable[Sequence[str]], header: Sequence[str] = ("to", "name", "code")
) -> str:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def phone(n: int) -> str:
    """A distinct possible number for each n (the sandbox delivers to all of them)."""
    return f"+1555555{n:04d}"


@pytest.fixture
def recipients(tmp_path: Path) -> str:
    return write_csv(
        tmp_path / "recipients.csv",
        [(phone(1), "Ada", "111"), (phone(2), "Zoë 😀", "222"), (phone(3), "Bob", "333")],
    )


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(_cli, "_monotonic", fake)
    return fake


def fields(text: str) -> dict[str, str]:
    """The ``key: value`` lines of human output."""
    result = {}
    for line in text.splitlines():
        key, sep, value = line.partition(": ")
        if sep:
            result[key.strip()] = value.strip()
    return result


# -- the template -----------------------------------------------------------------


def test_template_fields_are_the_named_columns_in_order_of_first_use() -> None:
    fields = _cli._template_fields("{code} for {name}: {code!r:>8} {{literal}}", "--template")

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
    volt: Callable[..., Run], recipients: str, template: str, message: str
) -> None:
    run = volt("send-bulk", recipients, "--from", FROM, "--template", template)

    assert run.code == 2
    assert run.out == ""
    assert run.err.startswith(f"volt: --template: {message}")
    assert run.err.count("\n") == 1


def test_template_fields_that_are_not_columns_are_all_listed(
    volt: Callable[..., Run], recipients: str
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
    volt: Callable[..., Run], recipients: str, tmp_path: Path
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
    volt: Callable[..., Run], recipients: str
) -> None:
    run = volt(
        "send-bulk", recipients, "--from", FROM, "--template", "a", "--template-file", "t.txt"
    )

    assert run.code == 2
    assert run.err == (
        "volt: argument --template-file: not allowed with argument --template "
        "(see 'volt send-bulk --help')\n"
    )


def test_a_template_is_required(volt: Callable[..., Run], recipients: str) -> None:
    run = volt("send-bulk", recipients, "--from", FROM)

    assert run.code == 2
    assert "one of the arguments --template --template-file is required" in run.err


def test_an_empty_template_without_media_is_refused(
    volt: Callable[..., Run], recipients: str
) -> None:
    run = volt("send-bulk", recipients, "--from", FROM, "--template", "  ")

    assert run.code == 2
    assert run.err == (
        "volt: --template: the template is empty; give a text, or --media for an MMS\n"
    )


# -- the CSV file and the options ---------------------------------------------------


def test_a_missing_csv_file_is_named_with_the_reason(
    volt: Callable[..., Run], tmp_path: Path
) -> None:
    path = str(tmp_path / "nope.csv")

    run = volt("send-bulk", path, "--from", FROM, "--template", "Hi")

    assert run.code == 2
    assert run.err == f"volt: cannot read {path!r}: No such file or directory\n"


def test_an_empty_csv_file_is_refused(volt: Callable[..., Run], tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("", encoding="utf-8")

    run = volt("send-bulk", str(path), "--from", FROM, "--template", "Hi")

    assert run.code == 2
    assert run.err == f"volt: {str(path)!r} is empty: expected a header row with a 'to' column\n"


def test_a_csv_without_a_to_column_is_refused_and_its_columns_are_shown(
    volt: Callable[..., Run], tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", [(phone(1), "Ada")], header=("phone", "name"))

    run = volt("send-bulk", path, "--from", FROM, "--template", "Hi {name}")

    assert run.code == 2
    assert run.err == (
        f"volt: {path!r} has no 'to' column in its header row (its columns: 'phone', 'name')\n"
    )


def test_a_to_column_spelled_differently_gets_a_hint(
    volt: Callable[..., Run], tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", [(phone(1), "Ada")], header=("To ", "name"))

    run = volt("send-bulk", path, "--from", FROM, "--template", "Hi {name}")

    assert run.code == 2
    assert "no 'to' column in its header row; column names are case and space sensitive" in (
        run.err
    )


def test_a_byte_order_mark_before_the_header_is_not_part_of_the_first_column(
    volt: Callable[..., Run], tmp_path: Path
) -> None:
    path = tmp_path / "excel.csv"
    path.write_text(f"to,name\r\n{phone(1)},Ada\r\n", encoding="utf-8-sig")

    run = volt("send-bulk", str(path), "--from", FROM, "--template", "Hi {name}", "--dry-run")

    assert run.code == 0, run.err
    assert fields(run.out)["messages"] == "1"


def test_a_key_column_must_be_a_column(volt: Callable[..., Run], recipients: str) -> None:
    run = volt("send-bulk", recipients, "--from", FROM, "--template", "Hi", "--key-column", "id")

    assert run.code == 2
    assert run.err == (
        f"volt: --key-column: 'id' is not a column of {recipients!r} "
        "(its columns: 'to', 'name', 'code')\n"
    )


def test_a_column_the_template_uses_twice_in_the_header_is_ambiguous(
    volt: Callable[..., Run], tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", [(phone(1), "Ada", "Lovelace")], ("to", "name", "name"))

    run = volt("send-bulk", path, "--from", FROM, "--template", "Hi {name}")

    assert run.code == 2
    assert run.err == f"volt: {path!r} has more than one column named 'name'\n"


def test_a_bad_from_number_is_refused_once_not_for_every_row(
    volt: Callable[..., Run], recipients: str
) -> None:
    run = volt("send-bulk", recipients, "--from", "+1555", "--template", TEMPLATE)

    assert run.code == 2
    assert run.err.startswith("volt: --from: '+1555' is too short to be a phone number")


def test_a_bad_media_url_is_refused_before_sending(
    volt: Callable[..., Run], recipients: str
) -> None:
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
    volt: Callable[..., Run], recipients: str, flag: str, value: str, message: str
) -> None:
    run = volt("send-bulk", recipients, "--from", FROM, "--template", TEMPLATE, flag, value)

    assert run.code == 2
    assert run.err == f"volt: {message} (see 'volt send-bulk --help')\n"


def test_a_concurrency_the_sdk_refuses_is_reported_by_its_flag_before_sending(
    volt: Callable[..., Run], recipients: str
) -> None:
    run = volt(
        "send-bulk", recipients, "--from", FROM, "--template", TEMPLATE, "--concurrency", "5000"
    )

    assert run.code == 2
    assert run.err.startswith("volt: --concurrency: expected an int from 1 to ")
    assert run.out == ""


def test_resume_without_a_journal_is_a_usage_error(
    volt: Callable[..., Run], recipients: str
) -> None:
    run = volt("send-bulk", recipients, "--from", FROM, "--template", TEMPLATE, "--resume")

    assert run.code == 2
    assert run.err == "volt: --resume needs --journal PATH (see 'volt send-bulk --help')\n"


def test_resume_needs_the_journal_to_exist(
    volt: Callable[..., Run], recipients: str, tmp_path: Path
) -> None:
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
    volt: Callable[..., Run], recipients: str, tmp_path: Path
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
    volt: Callable[..., Run], recipients: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VOLT_API_TOKEN")

    run = volt("send-bulk", recipients, "--from", FROM, "--template", TEMPLATE)

    assert run.code == 2
    assert run.err.startswith("volt: no API token: set VOLT_API_TOKEN or pass --token")


def test_help_lists_send_bulk(volt: Callable[..., Run]) -> None:
    run = volt("--help")

    assert re.search(r"^    send-bulk\s+send one message per row of a CSV file$", run.out, re.M)


# -- the dry run ------------------------------------------------------------------


def test_dry_run_prints_each_row_with_its_segments_and_encoding_then_the_totals(
    volt: Callable[..., Run], recipients: str, monkeypatch: pytest.MonkeyPatch
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
    volt: Callable[..., Run], tmp_path: Path
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


def test_dry_run_reads_national_numbers_with_region(
    volt: Callable[..., Run], tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", [("(555) 555-0145", "Ada", "1")])

    plain = volt("send-bulk", path, "--from", FROM, "--template", TEMPLATE, "--dry-run")
    regional = volt(
        "send-bulk", path, "--from", FROM, "--template", TEMPLATE, "--dry-run", "--region", "US"
    )

    assert plain.code == 2
    assert regional.code == 0
    assert regional.out.splitlines()[1].split() == ["#0", "+15555550145", "1", "GSM-7"]


def test_dry_run_uses_the_key_column_to_name_rows(volt: Callable[..., Run], tmp_path: Path) -> None:
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
    volt: Callable[..., Run], tmp_path: Path
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
    volt: Callable[..., Run], tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", [("+1555", "Bob", str(i)) for i in range(25)])

    run = volt("send-bulk", path, "--from", FROM, "--template", TEMPLATE, "--dry-run")

    assert run.code == 2
    listed = run.out.split("rows that would be refused:\n")[1].splitlines()
    assert len(listed) == 1 + 20 + 1
    assert listed[-1] == "... and 5 more"


def test_dry_run_of_a_file_with_only_a_header_sends_nothing_and_exits_0(
    volt: Callable[..., Run], tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", [])

    run = volt("send-bulk", path, "--from", FROM, "--template", TEMPLATE, "--dry-run")

    assert run.code == 0
    assert fields(run.out)["messages"] == "0"


# -- progress and the summary -----------------------------------------------------


def outcome(index: int, status: str = "sent", *, resumed: bool = False, **kwargs: Any) -> Any:
    """A row's outcome; one send attempt unless resumed from a journal."""
    reason = None if status == "sent" else f"reason {index}"
    attempts = kwargs.pop("attempts", 0 if resumed else 1)
    return _cli._Outcome(
        index, f"#{index}", phone(index), status, f"msg_{index}", reason,
        resumed=resumed, attempts=attempts, **kwargs,
    )  # fmt: skip


def add_all(report: Any, outcomes: Iterable[Any], clock: FakeClock, step: float = 0.5) -> None:
    for item in outcomes:
        clock.now += step
        report.add(item)


def test_progress_off_a_terminal_is_one_line_every_tenth_of_the_rows(
    clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    stream = io.StringIO()
    report = _cli._BulkReport(_cli._Output(as_json=False), total=40, journal=None, stream=stream)

    add_all(report, [outcome(i, "failed" if i == 5 else "sent") for i in range(40)], clock)

    lines = stream.getvalue().splitlines()
    assert len(lines) == 10  # every 4 rows
    assert lines[0] == "4/40  10%  sent 4  failed 0  unknown 0  2.0/s  ETA 0:18"
    assert lines[-1] == "40/40 100%  sent 39  failed 1  unknown 0  2.0/s  ETA 0:00"
    assert "\r" not in stream.getvalue()
    assert capsys.readouterr().out == ""  # nothing on stdout until the summary


def test_progress_off_a_terminal_is_at_least_every_500_rows(clock: FakeClock) -> None:
    stream = io.StringIO()
    report = _cli._BulkReport(
        _cli._Output(as_json=False), total=20_000, journal=None, stream=stream
    )

    add_all(report, (outcome(i) for i in range(1_500)), clock, step=0.001)

    assert [line.split()[0] for line in stream.getvalue().splitlines()] == [
        "500/20000", "1000/20000", "1500/20000",
    ]  # fmt: skip


def test_progress_on_a_terminal_is_one_line_redrawn_in_place_with_a_bar(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("NO_COLOR", "1")
    terminal = Terminal()
    report = _cli._BulkReport(_cli._Output(as_json=False), total=4, journal=None, stream=terminal)

    add_all(report, [outcome(0), outcome(1), outcome(2, "unknown"), outcome(3)], clock)

    frames = terminal.getvalue().split("\r")[1:]
    assert len(frames) == 4
    assert frames[1] == (
        "[###############---------------] 2/4  50%  sent 2  failed 0  unknown 0  2.0/s  ETA 0:01"
    )
    assert frames[-1].startswith("[##############################] 4/4 100%  sent 3  failed 0")
    assert "\033[" not in terminal.getvalue()  # NO_COLOR
    report.progress.clear()
    assert terminal.getvalue().endswith("\r" + " " * len(frames[-1]) + "\r")


def test_progress_on_a_terminal_is_coloured_unless_no_color(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    terminal = Terminal()
    report = _cli._BulkReport(_cli._Output(as_json=False), total=2, journal=None, stream=terminal)

    add_all(report, [outcome(0), outcome(1, "failed")], clock)

    assert "\033[32msent 1\033[0m" in terminal.getvalue()
    assert "\033[31mfailed 1\033[0m" in terminal.getvalue()


def test_progress_on_a_terminal_is_redrawn_at_most_ten_times_a_second(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    terminal = Terminal()
    report = _cli._BulkReport(
        _cli._Output(as_json=False), total=1000, journal=None, stream=terminal
    )

    add_all(report, (outcome(i) for i in range(1000)), clock, step=0.001)  # one second

    frames = terminal.getvalue().split("\r")[1:]
    assert 10 <= len(frames) <= 12  # and the last one, 1000/1000, is always drawn
    assert frames[-1].split("] ")[1].startswith("1000/1000 100%")


def test_the_summary_counts_every_status_and_lists_the_rows_not_sent(
    clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _cli._BulkReport(
        _cli._Output(as_json=False), total=6, journal="run.journal", stream=io.StringIO()
    )
    add_all(
        report,
        [
            outcome(0, resumed=True),
            outcome(1, resumed=True, status="failed"),
            outcome(2, reconciled=True),
            outcome(3),
            outcome(4, "unknown"),
            outcome(5),
        ],
        clock,
    )

    code = report.finish()

    assert code == 1
    out = capsys.readouterr().out
    summary, listed, journal = out.split("\n\n")
    assert fields(summary) == {
        "sent": "4",
        "of which reconciled": "1",
        "resumed from the journal": "2",
        "failed": "1",
        "unknown": "1",
        "total": "6",
        "elapsed": "3.0 s",
        "messages/second": "1.3",  # the 4 rows of this run, in 3 seconds
    }
    assert [line.split(maxsplit=3) for line in listed.splitlines()] == [
        ["not", "sent", "(1", "failed, 1 unknown):"],
        ["KEY", "TO", "STATUS", "REASON"],
        ["#1", phone(1), "failed", "reason 1"],
        ["#4", phone(4), "unknown", "reason 4"],
    ]
    assert journal == (
        "journal: run.journal (to resume, run the same command with --resume; "
        "rows it settled are not sent again)\n"
    )


def test_the_summary_lists_at_most_20_rows_not_sent_then_how_many_more(
    clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _cli._BulkReport(
        _cli._Output(as_json=False), total=30, journal=None, stream=io.StringIO()
    )
    add_all(report, (outcome(i, "failed") for i in range(30)), clock)

    assert report.finish() == 1

    out = capsys.readouterr().out
    listed = out.split("not sent (30 failed, 0 unknown):\n")[1].splitlines()
    assert len(listed) == 1 + 20 + 1
    assert listed[-1] == "... and 10 more"
    assert "resumed" not in out  # no journal, nothing to resume from
    assert "journal" not in out


def test_a_run_where_every_row_was_sent_exits_0(clock: FakeClock) -> None:
    report = _cli._BulkReport(_cli._Output(as_json=True), total=2, journal=None, stream=None)
    add_all(report, [outcome(0), outcome(1, resumed=True)], clock)

    assert report.finish() == 0


def test_an_interrupted_run_exits_130_and_says_how_to_resume(
    clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _cli._BulkReport(
        _cli._Output(as_json=False), total=10, journal="run.journal", stream=io.StringIO()
    )
    add_all(report, [outcome(0), outcome(1)], clock)
    report.interrupted = True

    with pytest.raises(_cli._CommandError) as raised:
        report.finish()

    assert raised.value.code == 130
    assert str(raised.value) == (
        "interrupted after 2 of 10 rows; to resume safely, run the same command with --resume "
        "(journal: run.journal)"
    )
    assert fields(capsys.readouterr().out)["not done"] == "8"


# -- against the sandbox ----------------------------------------------------------


def names(n: int) -> list[tuple[str, str, str]]:
    """n rows: a distinct number, a name and a code for each."""
    return [(phone(100 + i), f"Person {i}", f"{1000 + i}") for i in range(n)]


def body(name: str, code: str) -> str:
    return TEMPLATE.format(name=name, code=code)


def sent_to(sandbox: Sandbox) -> Counter[str]:
    """How many messages the sandbox accepted for each number."""
    return Counter(message.to_number for message in sandbox.outbox())


class Interrupt:
    """Stands in for ``Volt.send_many``: the real one, with Ctrl-C after ``after`` results."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, after: int) -> None:
        self.after: int | None = after
        real = volt_sdk.Volt.send_many

        def send_many(
            client: volt_sdk.Volt, messages: Iterable[volt_sdk.OutgoingMessage], **options: Any
        ) -> Iterator[volt_sdk.BulkResult]:
            results = real(client, messages, **options)
            try:
                for count, result in enumerate(results, start=1):
                    yield result
                    if count == self.after:
                        raise KeyboardInterrupt
            finally:
                if isinstance(results, Generator):
                    results.close()  # as Ctrl-C inside send_many would: in-flight sends settle

        monkeypatch.setattr(volt_sdk.Volt, "send_many", send_many)


def test_a_50_row_file_is_sent_once_per_row_with_the_template_filled_in(
    volt_sandbox: Sandbox, volt: Callable[..., Run], tmp_path: Path
) -> None:
    rows = names(50)
    path = write_csv(tmp_path / "r.csv", rows)

    run = volt("send-bulk", path, "--from", FROM, "--template", TEMPLATE)

    assert run.code == 0, run.err
    outbox = volt_sandbox.outbox()
    assert len(outbox) == 50
    assert {(m.to_number, m.from_number, m.body) for m in outbox} == {
        (to, FROM, body(name, code)) for to, name, code in rows
    }
    assert set(sent_to(volt_sandbox).values()) == {1}
    summary = fields(run.out)
    assert {key: summary[key] for key in ("sent", "of which reconciled", "failed", "unknown")} == {
        "sent": "50",
        "of which reconciled": "0",
        "failed": "0",
        "unknown": "0",
    }
    assert summary["total"] == "50"
    assert float(summary["messages/second"]) > 0
    assert "resumed from the journal" not in summary  # no journal
    assert "not sent" not in run.out
    # stderr is not a terminal here: one progress line per 10% of the rows.
    progress = run.err.splitlines()
    assert len(progress) == 10
    assert progress[-1].startswith("50/50 100%  sent 50  failed 0  unknown 0  ")


def test_an_interrupted_run_resumes_from_its_journal_without_sending_any_row_twice(
    volt_sandbox: Sandbox, volt: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = names(50)
    path = write_csv(tmp_path / "r.csv", rows)
    journal = str(tmp_path / "run.journal")
    interrupt = Interrupt(monkeypatch, after=20)
    command = ("send-bulk", path, "--from", FROM, "--template", TEMPLATE, "--journal", journal)

    first = volt(*command)

    assert first.code == 130
    assert first.err.splitlines()[-1] == (
        "volt: interrupted after 20 of 50 rows; to resume safely, run the same command with "
        f"--resume (journal: {journal})"
    )
    assert fields(first.out)["not done"] == "30"
    # Requests in flight at Ctrl-C went out too; the journal recorded them.
    went_out = len(volt_sandbox.outbox())
    assert 20 <= went_out < 50

    interrupt.after = None
    second = volt(*command, "--resume")

    assert second.code == 0, second.err
    assert sent_to(volt_sandbox) == Counter(to for to, _, _ in rows)  # each exactly once
    summary = fields(second.out)
    assert summary["sent"] == "50"
    assert summary["resumed from the journal"] == str(went_out)
    assert summary["total"] == "50"


def test_a_resumed_run_that_is_complete_sends_nothing_and_still_exits_0(
    volt_sandbox: Sandbox, volt: Callable[..., Run], tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", names(5))
    journal = str(tmp_path / "run.journal")
    command = ("send-bulk", path, "--from", FROM, "--template", TEMPLATE, "--journal", journal)
    assert volt(*command).code == 0

    again = volt(*command, "--resume", "--json")

    assert again.code == 0, again.err
    *results, summary = again.lines
    assert all(result["resumed"] and result["status"] == "sent" for result in results)
    assert summary["summary"]["resumed"] == summary["summary"]["sent"] == 5
    assert len(volt_sandbox.outbox()) == 5


def test_a_file_changed_since_the_journal_was_written_is_refused_before_sending(
    volt_sandbox: Sandbox, volt: Callable[..., Run], tmp_path: Path
) -> None:
    rows = names(5)
    path = write_csv(tmp_path / "r.csv", rows)
    journal = str(tmp_path / "run.journal")
    command = ("send-bulk", path, "--from", FROM, "--template", TEMPLATE, "--journal", journal)
    assert volt(*command).code == 0
    rows[2] = (rows[2][0], rows[2][1], "9999")
    rows.append((phone(999), "Late", "1"))
    write_csv(tmp_path / "r.csv", rows)

    run = volt(*command, "--resume")

    assert run.code == 2
    assert run.err.splitlines()[-1] == (
        "volt: --resume: row 2 (key '#2') is not what the journal recorded for it: the file "
        "changed since the journal was written, and the row was not sent. Restore the file, "
        "or start again with a new --journal"
    )
    assert len(volt_sandbox.outbox()) == 5  # not even the new row


def test_with_a_key_column_a_reordered_file_resumes_by_key(
    volt_sandbox: Sandbox, volt: Callable[..., Run], tmp_path: Path
) -> None:
    rows = [(f"c-{i}", to, name) for i, (to, name, _) in enumerate(names(6))]
    path = write_csv(tmp_path / "r.csv", rows, header=("id", "to", "name"))
    journal = str(tmp_path / "run.journal")
    command = (
        "send-bulk", path, "--from", FROM, "--template", "Hi {name}", "--key-column", "id",
        "--journal", journal,
    )  # fmt: skip
    assert volt(*command).code == 0
    write_csv(tmp_path / "r.csv", rows[::-1], header=("id", "to", "name"))

    run = volt(*command, "--resume", "--json")

    assert run.code == 0, run.err
    *results, _ = run.lines
    assert {(r["key"], r["index"], r["resumed"]) for r in results} == {
        (f"c-{i}", 5 - i, True) for i in range(6)
    }
    assert len(volt_sandbox.outbox()) == 6


def test_a_row_with_a_bad_number_or_a_missing_value_fails_the_others_are_sent_exit_1(
    volt_sandbox: Sandbox, volt: Callable[..., Run], tmp_path: Path
) -> None:
    good = names(3)
    path = write_csv(
        tmp_path / "r.csv", [good[0], ("+1555", "Bob", "1"), good[1], (phone(7), "", "2"), good[2]]
    )

    run = volt("send-bulk", path, "--from", FROM, "--template", TEMPLATE)

    assert run.code == 1
    assert sorted(sent_to(volt_sandbox)) == sorted(to for to, _, _ in good)
    summary = fields(run.out)
    assert (summary["sent"], summary["failed"], summary["total"]) == ("3", "2", "5")
    listed = run.out.split("not sent (2 failed, 0 unknown):\n")[1].splitlines()
    assert listed[0].split() == ["KEY", "TO", "STATUS", "REASON"]
    assert listed[1].startswith("#1   +1555         failed  to: '+1555' is too short")
    assert listed[2] == f"#3   {phone(7)}  failed  no value for {{name}} in this row"


def test_json_prints_one_line_per_row_and_the_summary_last(
    volt_sandbox: Sandbox, volt: Callable[..., Run], tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", [*names(4), ("abc", "Bob", "1")])

    run = volt("send-bulk", path, "--from", FROM, "--template", TEMPLATE, "--json")

    assert run.code == 1
    *results, summary = run.lines
    assert len(results) == 5
    assert all(
        list(r) == [
            "index", "key", "to", "status", "message_id", "reason", "resumed", "reconciled",
            "attempts",
        ]
        for r in results
    )  # fmt: skip
    by_index = {r["index"]: r for r in results}
    assert sorted(by_index) == [0, 1, 2, 3, 4]
    assert {by_index[i]["message_id"] for i in range(4)} == {m.id for m in volt_sandbox.outbox()}
    assert by_index[4]["status"] == "failed"
    assert by_index[4]["message_id"] is None
    assert by_index[4]["reason"].startswith("to: 'abc' is not a phone number")
    assert by_index[4]["attempts"] == 0
    assert by_index[0] == {
        "index": 0,
        "key": "#0",
        "to": phone(100),
        "status": "sent",
        "message_id": by_index[0]["message_id"],
        "reason": None,
        "resumed": False,
        "reconciled": False,
        "attempts": 1,
    }
    assert summary["summary"] | {"elapsed": 0, "per_second": 0} == {
        "sent": 4,
        "reconciled": 0,
        "resumed": 0,
        "failed": 1,
        "unknown": 0,
        "not_done": 0,
        "total": 5,
        "elapsed": 0,
        "per_second": 0,
        "journal": None,
        "interrupted": False,
    }


def test_rate_limits_and_dropped_connections_still_send_every_row_exactly_once(
    volt_sandbox: Sandbox, volt: Callable[..., Run], tmp_path: Path
) -> None:
    rows = names(30)
    path = write_csv(tmp_path / "r.csv", rows)
    volt_sandbox.set_faults(FaultConfig(seed=7, rate_429=0.2, retry_after=0.05, rate_drop=0.25))

    run = volt("send-bulk", path, "--from", FROM, "--template", TEMPLATE, "--json")

    assert run.code == 0, run.out + run.err
    assert sent_to(volt_sandbox) == Counter(to for to, _, _ in rows)
    *results, summary = run.lines
    reconciled = [r for r in results if r["reconciled"]]
    assert reconciled  # a dropped connection after createMessage ran: found, not resent
    assert summary["summary"]["reconciled"] == len(reconciled)
    assert summary["summary"]["sent"] == 30
