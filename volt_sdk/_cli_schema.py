"""``volt schema pull|diff``: registered into the ``volt`` command tree by ``_cli``."""

from __future__ import annotations

from typing import Any


def register(commands: Any, group: Any, leaf: Any, client: list[Any]) -> None:
    """Add ``volt schema`` and its subcommands (none yet)."""
