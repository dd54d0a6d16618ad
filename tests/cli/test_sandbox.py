"""``volt sandbox``: the options and faults it serves with, and what it prints; a stand-in
``volt_sdk.sandbox`` unless a test says otherwise.
"""

from __future__ import annotations

import errno
import socket
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import volt_sdk
from tests.payloads import FROM

from .helpers import RunVolt


class FakeFaultConfig:
    def __init__(self, **fields: Any) -> None:
        self.fields = fields


@pytest.fixture
def fake_sandbox(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """A stand-in ``volt_sdk.sandbox``: ``serve`` records its arguments and is ready at once."""
    calls: list[dict[str, Any]] = []

    def serve(**kwargs: Any) -> None:
        calls.append(kwargs)
        kwargs["on_ready"](f"http://{kwargs['host']}:54321/graphql")

    module = types.ModuleType("volt_sdk.sandbox")
    module.serve = serve  # type: ignore[attr-defined]
    module.FaultConfig = FakeFaultConfig  # type: ignore[attr-defined]
    module.DEFAULT_TOKEN = "sandbox-token"  # type: ignore[attr-defined]
    module.DEFAULT_NUMBERS = (FROM, "+15555550124")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "volt_sdk.sandbox", module)
    return calls


def test_sandbox_serves_with_the_defaults_and_prints_how_to_use_it(
    fake_sandbox: list[dict[str, Any]], volt: RunVolt
) -> None:
    run = volt("sandbox")

    assert run.code == 0
    (call,) = fake_sandbox
    assert {k: v for k, v in call.items() if k != "on_ready"} == {
        "host": "127.0.0.1",
        "port": 8765,
        "db": None,
        "token": "sandbox-token",
        "numbers": [FROM, "+15555550124"],
        "faults": None,
    }
    url = "http://127.0.0.1:54321/graphql"
    assert run.out.splitlines() == [
        "Volt sandbox ready (Ctrl-C to stop)",
        f"  GraphQL URL: {url}",
        "  token:       sandbox-token",
        f"  numbers:     {FROM}, +15555550124",
        "",
        f"export VOLT_API_URL={url}",
        "export VOLT_API_TOKEN=sandbox-token",
    ]


def test_sandbox_passes_its_options_and_the_faults_asked_for(
    fake_sandbox: list[dict[str, Any]], volt: RunVolt, tmp_path: Path
) -> None:
    db = str(tmp_path / "volt.db")
    run = volt(
        "sandbox", "--host", "0.0.0.0", "--port", "0", "--db", db, "--token", "s3cret",
        "--number", "+1 555 555 0199", "--pace", "0.5", "--fault-seed", "7",
        "--fault-429", "0.1", "--fault-retry-after", "2", "--fault-malformed", "0.05",
    )  # fmt: skip

    assert run.code == 0
    (call,) = fake_sandbox
    assert call["host"] == "0.0.0.0"
    assert call["port"] == 0
    assert call["db"] == db
    assert call["token"] == "s3cret"
    assert call["numbers"] == ["+15555550199"]
    assert call["pace"] == 0.5
    assert call["faults"].fields == {
        "seed": 7,
        "rate_429": 0.1,
        "retry_after": 2.0,
        "rate_malformed": 0.05,
    }
    assert "export VOLT_API_TOKEN=s3cret" in run.out
    assert "  faults:      seed=7, rate_429=0.1, retry_after=2.0, rate_malformed=0.05" in run.out


def test_sandbox_refuses_a_probability_above_one(
    fake_sandbox: list[dict[str, Any]], volt: RunVolt
) -> None:
    run = volt("sandbox", "--fault-5xx", "1.5")

    assert run.code == 2
    assert "argument --fault-5xx: expected a probability from 0 to 1, got '1.5'" in run.err
    assert fake_sandbox == []


def test_sandbox_reports_a_refused_fault_configuration_by_its_flag(
    fake_sandbox: list[dict[str, Any]], volt: RunVolt, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(**fields: Any) -> None:
        raise ValueError("rate_429: expected a probability between 0 and 1, got nan")

    monkeypatch.setattr(sys.modules["volt_sdk.sandbox"], "FaultConfig", refuse)

    run = volt("sandbox", "--fault-429", "0.5")

    assert run.code == 2
    assert run.err == "volt: --fault-429: expected a probability between 0 and 1, got nan\n"
    assert fake_sandbox == []


class _MissingExtra:
    """A meta path finder for which importing the sandbox fails as without the extra."""

    def find_spec(self, name: str, path: object, target: object = None) -> None:
        if name == "volt_sdk.sandbox":
            raise ModuleNotFoundError("No module named 'uvicorn'", name="uvicorn")


def test_sandbox_without_the_extra_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, volt: RunVolt
) -> None:
    monkeypatch.delitem(sys.modules, "volt_sdk.sandbox", raising=False)
    monkeypatch.delattr(volt_sdk, "sandbox", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_MissingExtra(), *sys.meta_path])

    run = volt("sandbox")

    assert run.code == 2
    assert run.out == ""
    assert run.err == (
        'volt: the sandbox needs the sandbox extra: pip install "volt-sdk[sandbox]"\n'
    )


def test_sandbox_runs_the_real_serve_when_the_sandbox_is_installed(
    monkeypatch: pytest.MonkeyPatch, volt: RunVolt
) -> None:
    # Without the sandbox extra, the missing-extra test covers this command instead.
    sandbox = pytest.importorskip("volt_sdk.sandbox", exc_type=ImportError)
    calls: list[dict[str, Any]] = []

    def serve(**kwargs: Any) -> None:
        calls.append(kwargs)
        kwargs["on_ready"]("http://127.0.0.1:8765/graphql")

    monkeypatch.setattr(sandbox, "serve", serve)

    run = volt("sandbox", "--fault-5xx", "0.25")

    assert run.code == 0
    (call,) = calls
    assert call["token"] == sandbox.DEFAULT_TOKEN
    assert call["numbers"] == list(sandbox.DEFAULT_NUMBERS)
    assert isinstance(call["faults"], sandbox.FaultConfig)
    assert call["faults"].rate_5xx == 0.25
    assert f"export VOLT_API_TOKEN={sandbox.DEFAULT_TOKEN}" in run.out


# -- start-up failures of the real sandbox: one line, exit 2 ----------------------------


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A loopback port something already listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


def test_a_busy_port_is_one_line_naming_it_and_suggesting_port(
    volt: RunVolt, busy_port: int
) -> None:
    pytest.importorskip("volt_sdk.sandbox", exc_type=ImportError)

    run = volt("sandbox", "--port", str(busy_port))

    assert run.code == 2
    assert run.out == ""
    assert run.err == (
        f"volt: port {busy_port} on 127.0.0.1 is in use (another volt sandbox?): stop it, "
        "or choose another port with --port (--port 0 picks a free one)\n"
    )


def test_a_db_in_a_directory_that_does_not_exist_is_one_line(volt: RunVolt, tmp_path: Path) -> None:
    pytest.importorskip("volt_sdk.sandbox", exc_type=ImportError)
    db = str(tmp_path / "missing" / "volt.db")

    run = volt("sandbox", "--port", "0", "--db", db)

    assert run.code == 2
    assert run.out == ""
    assert run.err == (
        f"volt: --db: {db!r} is in a directory that does not exist ({tmp_path / 'missing'})\n"
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"name,phone\nAda,+15555550145\n" * 200, "is not a SQLite database"),
        (None, "is a directory; give the path of a file"),
    ],
    ids=["a-csv-file", "a-directory"],
)
def test_a_db_that_is_not_a_database_is_one_line(
    volt: RunVolt, tmp_path: Path, content: bytes | None, reason: str
) -> None:
    pytest.importorskip("volt_sdk.sandbox", exc_type=ImportError)
    db = tmp_path / "volt.db"
    if content is None:
        db.mkdir()
    else:
        db.write_bytes(content)

    run = volt("sandbox", "--port", "0", "--db", str(db))

    assert run.code == 2
    assert run.out == ""
    assert run.err.startswith(f"volt: --db: {str(db)!r} {reason}")
    assert run.err.count("\n") == 1
    if content is not None:
        assert db.read_bytes() == content  # left as it was


def test_a_token_the_sandbox_refuses_is_reported_by_its_flag(volt: RunVolt) -> None:
    pytest.importorskip("volt_sdk.sandbox", exc_type=ImportError)

    run = volt("sandbox", "--port", "0", "--token", " padded ")

    assert run.code == 2
    assert run.err == ("volt: --token: expected a non-empty string without surrounding spaces\n")


def test_another_listening_failure_is_one_line_pointing_at_host_and_port(
    volt: RunVolt, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = pytest.importorskip("volt_sdk.sandbox._server", exc_type=ImportError)

    def refuse(host: str, port: int) -> None:
        raise OSError(errno.EACCES, f"cannot listen on {host}:{port}: Permission denied")

    monkeypatch.setattr(server, "bind", refuse)

    run = volt("sandbox", "--port", "80")

    assert run.code == 2
    assert run.err == (
        "volt: cannot listen on 127.0.0.1:80: Permission denied (check --host and --port)\n"
    )
