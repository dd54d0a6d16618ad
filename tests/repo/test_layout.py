"""The architecture, checked: imports run one way, never in a loop, and modules stay small.

Every import of every module of ``volt_sdk/`` counts: at the top, inside a
function, under ``TYPE_CHECKING``. A name taken from the package root
(``from volt_sdk import Volt``) counts as an import of the module it is loaded
from (the root's lazy table), so the root cannot hide an upward import.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "volt_sdk"

# Lowest first. A module may import its own layer and the layers below it.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "rules and values",
        (
            "volt_sdk._version",
            "volt_sdk._text",
            "volt_sdk._errors",
            "volt_sdk._error_codes",
            "volt_sdk._timestamps",
            "volt_sdk._mixins",
            "volt_sdk._models",
            "volt_sdk._phone",
            "volt_sdk._message",
            "volt_sdk._network",
            "volt_sdk._config",
            "volt_sdk._concurrency",
            "volt_sdk._redact",
            "volt_sdk._logs",
        ),
    ),
    # The stores sit beside the wire: the clients read them, the webhook kit writes them.
    ("wire", ("volt_sdk._wire", "volt_sdk.limits", "volt_sdk._stores", "volt_sdk.stores")),
    ("bulk", ("volt_sdk._bulk",)),
    ("clients", ("volt_sdk._client", "volt_sdk._schema_tools")),
    ("cli", ("volt_sdk._cli",)),
)
# Beside the layers: what each may import of the package (besides itself).
BESIDE: dict[str, tuple[str, ...]] = {
    # The sandbox never borrows the client's rules: only the error-code table,
    # the loopback rule, the webhook signer and the package's (masking) loggers.
    "volt_sdk.sandbox": (
        "volt_sdk._error_codes",
        "volt_sdk._network",
        "volt_sdk._logs",
        "volt_sdk.webhooks",
    ),
    # The webhook kit reads the clock through _concurrency (tests replace it), parses
    # event times with _timestamps, normalizes numbers with _phone, logs through the
    # package's masking loggers (events carry phone numbers) and writes the stores the
    # client reads (opt-outs, deliveries): rules, values and stores, no client.
    "volt_sdk.webhooks": (
        "volt_sdk._errors",
        "volt_sdk._concurrency",
        "volt_sdk._timestamps",
        "volt_sdk._logs",
        "volt_sdk._phone",
        "volt_sdk._stores",
    ),
    "volt_sdk.testing": ("volt_sdk.sandbox",),
}
# Only the CLI and the package root may use what stands beside the layers.
BESIDE_USERS = ("volt_sdk._cli",)

# Hand-written modules stay about this size; generated ones say "Do not edit".
MAX_LINES = 500


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def lazy_root_names() -> dict[str, str]:
    """The package root's lazy table: public name -> the module it comes from."""
    root = importlib.import_module("volt_sdk")
    table: dict[str, str] = root._LAZY
    return {name: importlib.util.resolve_name(mod, "volt_sdk") for name, mod in table.items()}


def owner(target: str) -> str | None:
    """The module of ``volt_sdk`` that ``target`` (a module or a name in one) lives in."""
    while target:
        if target in MODULES:
            return target
        target = target.rpartition(".")[0]
    return None


def imports_of(name: str) -> Iterator[str]:
    """Every module of ``volt_sdk`` that module ``name`` imports, in any way."""
    path = MODULES[name]
    is_package = path.name == "__init__.py"
    lazy = lazy_root_names()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = name if is_package else name.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}" if base else package
            for alias in node.names:
                if base == "volt_sdk" and alias.name in lazy:
                    targets.append(lazy[alias.name])
                else:
                    targets.append(f"{base}.{alias.name}")
            targets.append(base)
        for target in targets:
            found = owner(target)
            if found is not None and found != name and found != "volt_sdk":
                yield found


GRAPH: dict[str, set[str]] = {name: set(imports_of(name)) for name in MODULES}


def layer_of(name: str) -> int | None:
    for rank, (_, prefixes) in enumerate(LAYERS):
        if any(name == p or name.startswith(p + ".") for p in prefixes):
            return rank
    return None


def beside_group(name: str) -> str | None:
    return next((g for g in BESIDE if name == g or name.startswith(g + ".")), None)


def test_every_module_has_a_place_in_the_layers() -> None:
    homeless = [
        n for n in MODULES if n != "volt_sdk" and layer_of(n) is None and beside_group(n) is None
    ]
    assert homeless == []


def test_there_is_no_import_loop() -> None:
    loops: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == 1:
                loops.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(GRAPH):
        if node not in state:
            visit(node)
    assert loops == []


def test_no_module_imports_a_higher_layer() -> None:
    upward = []
    for name, targets in GRAPH.items():
        rank = layer_of(name)
        if rank is None:
            continue
        for target in targets:
            target_rank = layer_of(target)
            if target_rank is not None and target_rank > rank:
                upward.append(f"{name} -> {target}")
    assert upward == []


def test_what_stands_beside_the_layers_imports_only_what_it_may() -> None:
    wrong = []
    for name, targets in GRAPH.items():
        group = beside_group(name)
        for target in targets:
            target_group = beside_group(target)
            if group is not None:
                if target_group != group and owner(target) not in _allowed(group):
                    wrong.append(f"{name} -> {target}")
            elif target_group is not None and not name.startswith(BESIDE_USERS):
                wrong.append(f"{name} -> {target}")
    assert wrong == []


def _allowed(group: str) -> set[str]:
    return {m for m in MODULES for a in BESIDE[group] if m == a or m.startswith(a + ".")}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_a_hand_written_module_stays_small(name: str) -> None:
    lines = MODULES[name].read_text(encoding="utf-8").splitlines()
    generated = any("do not edit" in line.lower() for line in lines[:5])
    assert generated or len(lines) <= MAX_LINES, f"{MODULES[name]}: {len(lines)} lines"


def test_the_checks_see_the_imports_they_claim_to() -> None:
    # A guard on the checks themselves: a known top-level, function-level and
    # TYPE_CHECKING import each show up in the graph.
    assert "volt_sdk._wire" in GRAPH["volt_sdk._client._async_client"]
    assert "volt_sdk._bulk._drivers" in GRAPH["volt_sdk._client._async_messages"]
    assert "volt_sdk._bulk" in GRAPH["volt_sdk._client._async_messages"]
    assert "volt_sdk._client._base" in GRAPH["volt_sdk._client._sync_messages"]
