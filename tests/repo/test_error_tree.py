"""Every drawing of the error tree is the tree of the classes: none is left behind by a change.

The tree is drawn four times (the errors module's docstring, the README, the errors guide and
the errors reference page); each is read back into (name, parent) pairs and compared with
the exception classes themselves.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import volt_sdk
from volt_sdk import VoltError

ROOT = Path(__file__).resolve().parents[2]
DRAWINGS = [
    ROOT / "volt_sdk" / "_errors.py",
    ROOT / "README.md",
    ROOT / "docs" / "guides" / "errors.md",
    ROOT / "docs" / "reference" / "errors.md",
]
_NODE = re.compile(r"^(?P<indent>(?:│   |    )*)(?:├── |└── )(?P<name>\w+)")


def drawn_tree(text: str) -> dict[str, str]:
    """Each error of the drawing that starts at a line `VoltError`, with its drawn parent."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "VoltError")
    margin = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
    parents: dict[str, str] = {}
    path = ["VoltError"]
    for line in lines[start + 1 :]:
        found = _NODE.match(line.removeprefix(margin))
        if not line.startswith(margin) or found is None:
            break
        depth = len(found["indent"]) // 4 + 1
        del path[depth:]
        parents[found["name"]] = path[-1]
        path.append(found["name"])
    return parents


def real_tree() -> dict[str, str]:
    """Each public error class of volt_sdk with its VoltError parent."""
    tree: dict[str, str] = {}
    for name in volt_sdk.__all__:
        error = getattr(volt_sdk, name)
        if isinstance(error, type) and issubclass(error, VoltError) and error is not VoltError:
            (parent,) = [base for base in error.__bases__ if issubclass(base, VoltError)]
            tree[name] = parent.__name__
    return tree


def test_the_public_errors_form_a_tree_under_volt_error() -> None:
    assert len(real_tree()) >= 19  # the drawings are compared with this: it must not be empty


@pytest.mark.parametrize("drawing", DRAWINGS, ids=lambda path: str(path.relative_to(ROOT)))
def test_each_drawing_of_the_error_tree_is_the_tree_of_the_classes(drawing: Path) -> None:
    assert drawn_tree(drawing.read_text(encoding="utf-8")) == real_tree()


def test_a_misplaced_node_is_seen() -> None:
    text = "VoltError\n├── APIError\n│   └── RateLimitError\n└── WaitTimeoutError\n"
    assert drawn_tree(text) == {
        "APIError": "VoltError",
        "RateLimitError": "APIError",
        "WaitTimeoutError": "VoltError",
    }
    shifted = text.replace("│   └── RateLimitError", "└── RateLimitError")
    assert drawn_tree(shifted)["RateLimitError"] == "VoltError"
