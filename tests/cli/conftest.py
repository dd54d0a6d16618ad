"""The one way the CLI tests run ``volt``: in-process, with stdout and stderr read by capsys."""

from __future__ import annotations

import pytest

from volt_sdk._cli import main

from .helpers import Run, RunVolt


@pytest.fixture
def volt(capsys: pytest.CaptureFixture[str]) -> RunVolt:
    """Run ``volt ARGS...`` in-process; return its exit code, stdout and stderr."""

    def run(*argv: str) -> Run:
        code = main(list(argv))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run
