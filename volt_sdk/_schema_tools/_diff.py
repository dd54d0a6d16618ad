"""``volt schema diff``: breaking and dangerous changes, and the operations each touches."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from graphql import (
    BreakingChange,
    DangerousChange,
    find_breaking_changes,
    find_dangerous_changes,
)

from volt_sdk._schema_tools._common import load_schema
from volt_sdk._schema_tools._operations import (
    broken_operations,
    fragment_names,
    load_operations,
    spread_closure,
    usage,
    with_users,
)

__all__ = ["Change", "DiffReport", "change_coordinates", "diff"]

_CHANGE_TYPES: Final = (
    re.compile(r"(?:input|enum|union) type (\w+)"),
    re.compile(r"implemented by (\w+)"),
    re.compile(r"^(\w+) no longer implements"),
    re.compile(r"^(?:Standard scalar )?(\w+) (?:was removed|changed from)"),
)


def change_coordinates(description: str) -> tuple[str, ...]:
    """The schema coordinates a graphql-core change description is about."""
    if "on directive" in description:
        return ()
    found = re.search(r"\b([_A-Za-z]\w*)\.([_A-Za-z]\w*)\b", description)
    if found is not None:
        return (f"{found.group(1)}.{found.group(2)}",)
    for pattern in _CHANGE_TYPES:
        match = pattern.search(description)
        if match is not None:
            return (match.group(1),)
    return ()


@dataclass(frozen=True)
class Change:
    """One breaking or dangerous change, and our definitions it touches."""

    kind: str
    description: str
    affects: tuple[str, ...] = ()


@dataclass
class DiffReport:
    """What changed between two schemas, and what it does to our operations."""

    breaking: list[Change] = field(default_factory=list[Change])
    dangerous: list[Change] = field(default_factory=list[Change])
    broken_operations: dict[str, list[str]] = field(default_factory=dict[str, list[str]])

    @property
    def breaks_us(self) -> bool:
        """An operation no longer validates, or a breaking change touches something we use."""
        return bool(self.broken_operations) or any(c.affects for c in self.breaking)

    @property
    def verdict(self) -> str:
        if self.breaks_us:
            return "the new schema breaks volt-sdk's operations: fix queries/ before releasing"
        if self.breaking or self.dangerous:
            return "the changes do not touch volt-sdk's operations"
        return "no breaking or dangerous changes"

    def to_text(self) -> str:
        """The report for a terminal."""
        lines: list[str] = []
        for title, changes in (("Breaking", self.breaking), ("Dangerous", self.dangerous)):
            lines.append(f"{title} changes: {len(changes) or 'none'}")
            for change in changes:
                lines.append(f"  - {change.description} [{change.kind}]")
                if change.affects:
                    lines.append(f"      used by: {', '.join(change.affects)}")
        broken = len(self.broken_operations) or "none"
        lines.append(f"Operations and fragments that no longer validate: {broken}")
        for name, messages in self.broken_operations.items():
            lines.append(f"  {name}:")
            lines.extend(f"    - {message}" for message in messages)
        lines.append(f"Verdict: {self.verdict}.")
        return "\n".join(lines) + "\n"

    def to_markdown(self) -> str:
        """The report as Markdown (a pull request's body)."""
        parts = [
            "## Volt schema diff\n",
            f"**{'Breaks our operations' if self.breaks_us else 'Safe for our operations'}**: "
            f"{self.verdict}.\n",
        ]
        for title, changes in (("Breaking", self.breaking), ("Dangerous", self.dangerous)):
            parts.append(f"### {title} changes ({len(changes)})\n")
            if not changes:
                parts.append("None.\n")
                continue
            parts.append("| Change | Kind | Used by |\n| --- | --- | --- |")
            for change in changes:
                used_by = ", ".join(f"`{name}`" for name in change.affects) or "-"
                parts.append(f"| {_cell(change.description)} | `{change.kind}` | {used_by} |")
            parts.append("")
        parts.append(f"### Operations that no longer validate ({len(self.broken_operations)})\n")
        if not self.broken_operations:
            parts.append("None.\n")
        for name, messages in self.broken_operations.items():
            parts.append(f"- `{name}`")
            parts.extend(f"  - {_cell(message)}" for message in messages)
        return "\n".join(parts).rstrip() + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def diff(old_sdl: str, new_sdl: str, operations_dir: Path) -> DiffReport:
    """Compare two schemas (SDL text) for the operations and fragments in ``operations_dir``."""
    old = load_schema(old_sdl, name="OLD")
    new = load_schema(new_sdl, name="NEW")
    document = load_operations(operations_dir)
    spreads = spread_closure(document)
    fragments = fragment_names(document)
    used = usage(old, document)

    def described(changes: Sequence[BreakingChange | DangerousChange]) -> list[Change]:
        result: list[Change] = []
        for change in changes:
            direct: set[str] = set()
            for coordinate in change_coordinates(change.description):
                direct |= used.get(coordinate, set())
            result.append(
                Change(
                    kind=change.type.name,
                    description=change.description,
                    affects=with_users(direct, spreads, fragments) if direct else (),
                )
            )
        return sorted(result, key=lambda c: (not c.affects, c.description))

    return DiffReport(
        breaking=described(find_breaking_changes(old, new)),
        dangerous=described(find_dangerous_changes(old, new)),
        broken_operations=broken_operations(new, document),
    )
