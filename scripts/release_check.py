"""A release tag may be published only when it names the version the package says it is.

    python scripts/release_check.py [TAG] [--root DIR]

TAG (default: the tag of HEAD, `git describe --tags --exact-match`) must be "v" followed
by ``__version__`` of volt_sdk/_version.py, and CHANGELOG.md must hold that version's entry
as Keep a Changelog writes it: a heading ``## [X.Y.Z] - YYYY-MM-DD`` (a real date) followed
by some text. Each problem is one line on stderr; the exit status is then 1.
"""

from __future__ import annotations

import argparse
import ast
import datetime
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VERSION_FILE = Path("volt_sdk") / "_version.py"
CHANGELOG = Path("CHANGELOG.md")
# A version heading: `## [1.2.3] - 2026-11-26`; `## [Unreleased]` has no date.
HEADING = re.compile(r"^## \[(?P<version>[^\]]+)\](?:\s+-\s+(?P<date>\S+))?\s*$")


class ReleaseError(Exception):
    """One reason the release may not go ahead (its message is one line)."""


@dataclass(frozen=True)
class Entry:
    """One ``## [...]`` section of the changelog."""

    version: str
    date: str | None
    line: int  # 1-based line of the heading
    body: str  # the text up to the next `## ` heading, stripped


def changelog_entries(text: str) -> list[Entry]:
    """Every ``## [...]`` section of a Keep a Changelog file, in order."""
    entries: list[Entry] = []
    heading: re.Match[str] | None = None
    start = 0
    body: list[str] = []
    lines = text.splitlines()

    def close() -> None:
        if heading is not None:
            entries.append(
                Entry(heading["version"], heading["date"], start, "\n".join(body).strip())
            )

    for number, line in enumerate(lines, start=1):
        if line.startswith("## "):
            close()
            heading, start, body = HEADING.match(line), number, []
        elif line.startswith("[") and re.match(r"^\[[^\]]+\]:\s", line):
            continue  # a link reference definition ends no entry and is no part of one
        else:
            body.append(line)
    close()
    return entries


def changelog_entry(text: str, version: str) -> Entry:
    """The dated entry of ``version``; ReleaseError when it is missing or malformed."""
    found = [entry for entry in changelog_entries(text) if entry.version == version]
    if not found:
        raise ReleaseError(
            f"CHANGELOG.md has no entry for {version}: add a heading `## [{version}] - YYYY-MM-DD`"
        )
    if len(found) > 1:
        lines = ", ".join(str(entry.line) for entry in found)
        raise ReleaseError(f"CHANGELOG.md has {len(found)} entries for {version} (lines {lines})")
    (entry,) = found
    if entry.date is None:
        raise ReleaseError(
            f"CHANGELOG.md line {entry.line}: the entry for {version} has no date "
            f"(`## [{version}] - YYYY-MM-DD`)"
        )
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", entry.date):
            raise ValueError(entry.date)
        datetime.date.fromisoformat(entry.date)
    except ValueError:
        raise ReleaseError(
            f"CHANGELOG.md line {entry.line}: {entry.date!r} is not a date YYYY-MM-DD"
        ) from None
    if not entry.body:
        raise ReleaseError(f"CHANGELOG.md line {entry.line}: the entry for {version} is empty")
    return entry


def package_version(source: str) -> str:
    """``__version__`` of a _version.py, read without importing it."""
    for node in ast.parse(source).body:
        if (
            isinstance(node, ast.Assign)
            and [getattr(target, "id", None) for target in node.targets] == ["__version__"]
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    raise ReleaseError(f"{VERSION_FILE} sets no __version__ = '...'")


def head_tag(root: Path) -> str:
    """The tag pointing at HEAD exactly; ReleaseError when there is none."""
    result = subprocess.run(
        ["git", "describe", "--tags", "--exact-match", "HEAD"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise ReleaseError("HEAD has no tag: pass the tag to check (TAG=vX.Y.Z)")
    return result.stdout.strip()


def check(tag: str, root: Path) -> list[str]:
    """Every reason ``tag`` may not be released from ``root``; [] when it may."""
    errors: list[str] = []
    version: str | None = None
    try:
        version = package_version((root / VERSION_FILE).read_text("utf-8"))
    except (OSError, SyntaxError) as error:
        errors.append(f"{VERSION_FILE}: {error}")
    except ReleaseError as error:
        errors.append(str(error))
    if version is not None and tag != f"v{version}":
        errors.append(
            f"the tag {tag!r} is not 'v{version}', the version {VERSION_FILE} says "
            f"(tag what _version.py says, or change __version__ first)"
        )
    if version is not None:
        try:
            changelog_entry((root / CHANGELOG).read_text("utf-8"), version)
        except OSError as error:
            errors.append(f"{CHANGELOG}: {error}")
        except ReleaseError as error:
            errors.append(str(error))
    return errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("tag", nargs="?", help="the release tag, vX.Y.Z (default: HEAD's tag)")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to check")
    args = parser.parse_args(argv)
    root: Path = args.root
    try:
        tag: str = args.tag or head_tag(root)
    except ReleaseError as error:
        print(f"release-check: {error}", file=sys.stderr)
        return 1
    errors = check(tag, root)
    for message in errors:
        print(f"release-check: {message}", file=sys.stderr)
    if errors:
        return 1
    print(f"release-check: {tag} is volt_sdk {tag[1:]}, with its CHANGELOG.md entry")
    return 0


if __name__ == "__main__":
    sys.exit(main())
