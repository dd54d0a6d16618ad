"""What the framework adapters share: the import guard, the raw-body limit."""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["require"]


def require(module: str, extra: str) -> ModuleType:
    """Import ``module``, or fail naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ModuleNotFoundError(
            f'volt_sdk.webhooks.{extra} needs {module}: pip install "volt-sdk[{extra}]" '
            f"(missing: {exc.name or exc})",
            name=exc.name,
        ) from exc
