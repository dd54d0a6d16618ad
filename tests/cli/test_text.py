"""Text that is not UTF-8, in an argument, a file or stdin: one ``volt: ...`` line and exit 2,
never a traceback; and no error line can itself fail to print.

A shell hands Python bytes; a byte that is not UTF-8 (``printf 'caf\\xe9'``) becomes a lone
surrogate (``'caf\\udce9'``) in ``sys.argv``, which cannot be encoded to be sent.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from tests.payloads import FROM, TO
from volt_sdk._cli import _main, _send
from volt_sdk._cli._errors import fail
from volt_sdk._cli._output import Output

from .bulk import phone, write_csv
from .helpers import RunVolt

CAFE = "caf\udce9"  # what Python makes of the bytes b"caf\xe9" in sys.argv


@pytest.fixture
def no_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail if a command builds a client: bad text is the CLI's to refuse, not the library's."""

    def refuse(args: Any) -> None:
        raise AssertionError("a client was built")

    monkeypatch.setattr(_send, "make_client", refuse)


def assert_one_line(run: Any, start: str) -> None:
    assert run.code == 2, run.err
    assert run.out == ""
    assert run.err.startswith(start), run.err
    assert run.err.count("\n") == 1
    assert "Traceback" not in run.err


@pytest.mark.usefixtures("no_client")
@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["--body", CAFE], "--body"),
        (["--body", "hi", "--passthrough", CAFE], "--passthrough"),
        (["--body", "hi", "--media", f"https://example.com/{CAFE}.png"], "--media"),
        (["--body", "hi", "--token", f"t{CAFE}"], "--token"),
    ],
    ids=["body", "passthrough", "media", "token"],
)
def test_send_refuses_an_argument_that_is_not_utf8_by_its_flag(
    volt: RunVolt, argv: list[str], flag: str
) -> None:
    run = volt("send", "--to", TO, "--from", FROM, *argv)

    assert_one_line(run, f"volt: {flag}: ")
    assert "not UTF-8" in run.err
    assert "0xe9" in run.err


def test_a_positional_argument_that_is_not_utf8_is_named_by_its_metavar(
    volt: RunVolt, httpx_mock: HTTPXMock
) -> None:
    run = volt("message", "get", f"msg_{CAFE}")

    assert_one_line(run, "volt: ID: ")
    assert httpx_mock.get_requests() == []


@pytest.mark.usefixtures("no_client")
def test_a_body_from_stdin_that_is_not_utf8_is_refused(
    volt: RunVolt, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Python reads stdin with surrogateescape under the C locale: the bytes arrive as surrogates.
    monkeypatch.setattr(sys, "stdin", io.StringIO(CAFE))

    run = volt("send", "--to", TO, "--from", FROM, "-")

    assert_one_line(run, "volt: cannot read the body from stdin: ")
    assert "0xe9" in run.err


@pytest.mark.usefixtures("no_client")
def test_a_body_file_that_is_not_utf8_is_refused(volt: RunVolt, tmp_path: Path) -> None:
    body = tmp_path / "body.txt"
    body.write_bytes(b"caf\xe9\n")

    run = volt("send", "--to", TO, "--from", FROM, "--body-file", str(body))

    assert_one_line(run, f"volt: cannot read the body from {str(body)!r}: ")


def test_a_path_that_is_not_utf8_is_a_path_not_text(volt: RunVolt, tmp_path: Path) -> None:
    # POSIX paths are bytes: one that is not UTF-8 is still a path to open.
    missing = str(tmp_path / f"{CAFE}.txt")

    run = volt("send", "--to", TO, "--from", FROM, "--body-file", missing)

    assert_one_line(run, f"volt: cannot read the body from {missing!r}: No such file")


# -- send-bulk: the template and the CSV file, dry run and real run alike ------------------


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "run"])
def test_send_bulk_refuses_a_template_that_is_not_utf8(
    volt: RunVolt, httpx_mock: HTTPXMock, tmp_path: Path, dry_run: bool
) -> None:
    path = write_csv(tmp_path / "r.csv", [(phone(1), "Ada", "1")])

    run = volt(
        "send-bulk", path, "--from", FROM, "--template", f"{CAFE} {{name}}",
        *(["--dry-run"] if dry_run else []),
    )  # fmt: skip

    assert_one_line(run, "volt: --template: ")
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "run"])
def test_send_bulk_refuses_a_csv_file_that_is_not_utf8_before_any_row(
    volt: RunVolt, httpx_mock: HTTPXMock, tmp_path: Path, dry_run: bool
) -> None:
    path = tmp_path / "r.csv"
    rows = b"".join(b"%s,Ada,%d\n" % (phone(n).encode(), n) for n in range(5))
    path.write_bytes(b"to,name,code\n" + rows + b"+15555550199,caf\xe9,9\n")

    run = volt(
        "send-bulk", str(path), "--from", FROM, "--template", "Hi {name}",
        *(["--dry-run"] if dry_run else []),
    )  # fmt: skip

    assert run.code == 2
    assert run.err == (
        f"volt: {str(path)!r}, line 7: byte 0xe9 at position 16 is not UTF-8 "
        "(save the file as UTF-8)\n"
    )
    assert run.out == ""  # the dry run printed no row before it
    assert httpx_mock.get_requests() == []


def test_send_bulk_refuses_a_template_file_that_is_not_utf8(volt: RunVolt, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", [(phone(1), "Ada", "1")])
    template = tmp_path / "t.txt"
    template.write_bytes(b"caf\xe9 {name}")

    run = volt("send-bulk", path, "--from", FROM, "--template-file", str(template), "--dry-run")

    assert_one_line(run, f"volt: cannot read the template from {str(template)!r}: ")


# -- printing can never fail ------------------------------------------------------------


def strict_stream(encoding: str = "utf-8") -> io.TextIOWrapper:
    """A stream that raises on what it cannot encode, as stdout does."""
    return io.TextIOWrapper(io.BytesIO(), encoding=encoding, errors="strict")


def written(stream: io.TextIOWrapper) -> str:
    stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode(stream.encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "ascii"])
def test_an_error_line_with_a_lone_surrogate_is_printed_escaped(
    monkeypatch: pytest.MonkeyPatch, encoding: str
) -> None:
    stream = strict_stream(encoding)
    monkeypatch.setattr(sys, "stderr", stream)

    fail(f"--name: {CAFE} for Zoë")

    expected = "Zo\\xeb" if encoding == "ascii" else "Zoë"
    assert written(stream) == f"volt: --name: caf\\udce9 for {expected}\n"


def test_output_with_a_lone_surrogate_is_printed_escaped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream = strict_stream()
    monkeypatch.setattr(sys, "stdout", stream)
    out = Output(as_json=False)

    out.line(CAFE)
    out.fields([("name", CAFE)])
    out.table(("A",), [(CAFE,)])
    out.json_line({"name": CAFE})

    assert written(stream).splitlines() == [
        "caf\\udce9",
        "name: caf\\udce9",
        "A",
        "caf\\udce9",
        '{"name": "caf\\udce9"}',
    ]


def test_text_that_cannot_be_encoded_anywhere_in_a_command_is_one_line_and_exit_2(
    volt: RunVolt, monkeypatch: pytest.MonkeyPatch
) -> None:
    def handler(args: Any, out: Output) -> int:
        CAFE.encode("utf-8")
        return 0  # pragma: no cover

    parser = _main.build_parser()
    monkeypatch.setattr(_main, "build_parser", lambda: parser)
    parser.set_defaults(handler=handler)

    run = volt()

    assert_one_line(run, "volt: ")
    assert "\\udce9" in run.err
