"""The README's Python examples run as written (against a mocked Volt)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pytest_httpx import HTTPXMock

from .payloads import message_data

README = Path(__file__).parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


def test_the_readme_has_python_examples() -> None:
    assert len(BLOCKS) >= 4


@pytest.mark.parametrize("source", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_a_readme_example_runs(
    source: str, httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str]
) -> None:
    httpx_mock.add_response(
        json={"data": {"createMessage": message_data()}},
        is_optional=True,
        is_reusable=True,
    )
    exec(compile(source, str(README), "exec"), {"__name__": "readme_example"})
    if "print(" in source:
        assert capsys.readouterr().out.strip()
