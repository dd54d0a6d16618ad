"""The optional parts of volt-sdk a command needs, and the one line that says which to install.

A command imports what an extra provides only when it runs; an install without the extra
then fails on a ``ModuleNotFoundError`` naming one of the extra's packages, which
:func:`needs` turns into ``volt: ... pip install "volt-sdk[EXTRA]"`` and exit 2.
"""

from __future__ import annotations

from collections.abc import Generator
from contextlib import contextmanager
from typing import NamedTuple

from ._errors import CommandError

__all__ = ["AIOHTTP", "SANDBOX", "SCHEMA", "WEBHOOKS", "Extra", "missing", "needs"]


class Extra(NamedTuple):
    """An extra of volt-sdk: its name, the top-level packages it installs, who needs it."""

    name: str
    packages: frozenset[str]
    user: str


AIOHTTP = Extra("aiohttp", frozenset({"aiohttp"}), "VOLT_BULK_TRANSPORT=aiohttp")
SANDBOX = Extra(
    "sandbox",
    frozenset({"ariadne", "graphql", "uvicorn", "httptools", "uvloop", "starlette"}),
    "the sandbox",
)
SCHEMA = Extra("schema", frozenset({"graphql"}), "volt schema")
WEBHOOKS = Extra("webhooks", frozenset({"cryptography"}), "volt webhook listen")


def missing(extra: Extra) -> str:
    """The line that says which extra to install."""
    return f'{extra.user} needs the {extra.name} extra: pip install "volt-sdk[{extra.name}]"'


def is_missing(extra: Extra, exc: ImportError) -> bool:
    """Whether ``exc`` is the import of one of ``extra``'s packages failing."""
    return isinstance(exc, ModuleNotFoundError) and (exc.name or "").split(".")[0] in extra.packages


@contextmanager
def needs(extra: Extra) -> Generator[None, None, None]:
    """Turn a missing package of ``extra`` into one line and exit 2; other errors pass."""
    try:
        yield
    except ImportError as exc:
        if is_missing(extra, exc):
            raise CommandError(missing(extra), 2) from None
        raise
