"""``volt webhook listen``: registered into the ``volt`` command tree by ``_cli``."""

from __future__ import annotations

from typing import Any


def register(webhook: Any, leaf: Any, client: list[Any]) -> None:
    """Add this module's commands under ``volt webhook`` (none yet)."""
