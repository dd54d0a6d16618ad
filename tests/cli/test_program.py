"""The ``volt`` program as a whole: ``--version``, ``--help``, one-line usage errors, Ctrl-C,
``python -m``, and what it imports before a command runs.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_httpx import HTTPXMock

import volt_sdk
from volt_sdk import _cli

from .helpers import RunVolt


def test_version_prints_the_package_version(volt: RunVolt) -> None:
    run = volt("--version")

    assert (run.code, run.out) == (0, f"volt-sdk {volt_sdk.__version__}\n")


def test_help_lists_every_command(volt: RunVolt) -> None:
    run = volt("--help")

    assert run.code == 0
    for command in ("send", "message", "conversation", "contact", "list", "webhook", "sandbox"):
        assert re.search(rf"^    {command}\b", run.out, re.MULTILINE)


def test_a_group_without_its_command_names_the_commands(volt: RunVolt) -> None:
    run = volt("webhook")

    assert run.code == 2
    assert run.err == (
        "volt: missing command: list, register, delete, listen (see 'volt webhook --help')\n"
    )


def test_an_unknown_option_is_one_line_and_exit_2(volt: RunVolt) -> None:
    run = volt("message", "get", "msg_1", "--colour")

    assert run.code == 2
    assert run.err == ("volt: unrecognized arguments: --colour (see 'volt --help')\n")


def test_ctrl_c_exits_130(
    monkeypatch: pytest.MonkeyPatch, volt: RunVolt, httpx_mock: HTTPXMock
) -> None:
    def interrupted(self: volt_sdk.Volt, id: str) -> volt_sdk.Message:
        raise KeyboardInterrupt

    monkeypatch.setattr(volt_sdk.Volt, "get_message", interrupted)

    run = volt("message", "get", "msg_1")

    assert (run.code, run.err) == (130, "volt: interrupted\n")


def test_python_dash_m_runs_the_command_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "volt_sdk._cli", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert (result.returncode, result.stdout) == (0, f"volt-sdk {volt_sdk.__version__}\n")


CLI = Path(_cli.__file__).parent
ROOT_MODULES = {"__init__.py", "__main__.py", "_main.py"}


def test_the_modules_import_only_the_standard_library_at_load_time() -> None:
    # Besides each other, and of volt_sdk only what costs nothing: its version and its clock.
    allowed_from_volt_sdk = {"__version__", "_concurrency"}
    imported: set[str] = set()
    for path in sorted(CLI.glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                if node.module == "volt_sdk":
                    assert {alias.name for alias in node.names} <= allowed_from_volt_sdk, path.name
                else:
                    imported.add(node.module or "")

    assert {name.split(".")[0] for name in imported} - {"volt_sdk"} <= sys.stdlib_module_names
    assert {name for name in imported if name.startswith("volt_sdk")} == set()


def test_help_loads_neither_the_client_nor_its_dependencies() -> None:
    code = (
        "import sys; from volt_sdk._cli import main; main(['--help']); "
        "heavy = ('httpx', 'pydantic', 'phonenumbers', 'volt_sdk._client', 'volt_sdk.sandbox', "
        "'volt_sdk._schema_tools', 'volt_sdk.webhooks', 'http.server'); "
        "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stderr.strip() == "[]"


def is_cli(module: str) -> bool:
    """``volt_sdk._cli`` or a module of it (not ``volt_sdk._client``)."""
    return module == "volt_sdk._cli" or module.startswith("volt_sdk._cli.")


def test_nothing_below_the_root_imports_it() -> None:
    # The root registers every group: a group that imported it back would be a loop.
    for path in sorted(CLI.glob("*.py")):
        if path.name in ROOT_MODULES:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                names = {alias.name for alias in node.names}
                assert not (node.level == 1 and module in ("", "_main")), path.name
                assert not is_cli(module), path.name
                assert not (module == "volt_sdk" and "_cli" in names), path.name
            elif isinstance(node, ast.Import):
                assert not any(is_cli(a.name) for a in node.names), path.name
