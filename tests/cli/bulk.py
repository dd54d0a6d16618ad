"""What the ``send-bulk`` tests share: the CSV files they write, and reading the summary."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

FROM = "+15555550123"
TEMPLATE = "Hi {name}, your code is {code}"


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


def fields(text: str) -> dict[str, str]:
    """The ``key: value`` lines of human output, keys stripped: the summary's indented
    ``  of which reconciled`` counts too (``helpers.fields`` skips indented lines)."""
    result = {}
    for line in text.splitlines():
        key, sep, value = line.partition(": ")
        if sep:
            result[key.strip()] = value.strip()
    return result
