"""A local Volt-compatible GraphQL server: test and demo without a Volt account.

Needs the sandbox extra (``pip install "volt-sdk[sandbox]"``); ``import volt_sdk``
never imports this package. ::

    from volt_sdk import Volt
    from volt_sdk.sandbox import Sandbox

    with Sandbox() as sandbox, Volt(base_url=sandbox.url, token=sandbox.token) as volt:
        volt.send_message(to="+15555550145", from_=sandbox.numbers[0], body="Hi")

The behaviour is specified in docs/sandbox.md, with each choice the sandbox makes
where Volt's behaviour is unknown.
"""

from __future__ import annotations

import importlib as _importlib

try:
    for _extra in ("ariadne", "graphql", "uvicorn"):
        _importlib.import_module(_extra)
except ImportError as _exc:  # pragma: no cover - depends on the environment
    # A ModuleNotFoundError (an ImportError) that keeps the missing module's name,
    # so that callers such as the `volt` CLI can tell a missing extra from a bug.
    raise ModuleNotFoundError(
        f'the Volt sandbox needs its extra: pip install "volt-sdk[sandbox]" '
        f"(missing: {_exc.name or _exc})",
        name=_exc.name,
    ) from _exc

from ._faults import FaultConfig
from ._server import DEFAULT_NUMBERS, DEFAULT_TOKEN, Sandbox, serve
from ._store import MAGIC_NUMBERS, MagicOutcome, OutboxMessage
from ._traffic import Traffic
from ._webhooks import WebhookDelivery

__all__ = [
    "DEFAULT_NUMBERS",
    "DEFAULT_TOKEN",
    "MAGIC_NUMBERS",
    "FaultConfig",
    "MagicOutcome",
    "OutboxMessage",
    "Sandbox",
    "Traffic",
    "WebhookDelivery",
    "serve",
]
