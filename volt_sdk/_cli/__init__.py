"""The ``volt`` command line, a thin layer over :class:`volt_sdk.Volt`: a small root
(``_main``), one module per command group, and below them what the groups share (argument
types, client options, output, errors). Only the standard library is imported at load time;
a command imports the client, httpx and pydantic when it runs, so ``volt --help`` stays fast.
"""

from __future__ import annotations

from ._main import build_parser, main

__all__ = ["build_parser", "main"]
