"""What the run hands a driver (a :class:`Job` for an :class:`Item`) and what comes back."""

from __future__ import annotations

from dataclasses import dataclass

from volt_sdk._bulk._types import OutgoingMessage
from volt_sdk._errors import MessageOutcomeUnknownError, VoltError
from volt_sdk._models import Message

__all__ = ["Item", "Job", "Outcome"]


@dataclass(slots=True)
class Item:
    """An admitted item on its way to a result."""

    index: int
    key: str
    request: OutgoingMessage
    to: str
    from_: str
    body: str
    media: list[str] | None
    fingerprint: str
    attempts: int = 0
    first_started_at: float | None = None
    passthrough: str | None = None
    error: VoltError | None = None
    backoff: float = 0.0
    reconcile_next: bool = False
    reconcile_failures: int = 0


@dataclass(frozen=True, slots=True)
class Job:
    """One request for a driver to run: a send (``passthrough`` set) or a reconciliation."""

    item: Item
    delay: float = 0.0
    passthrough: str | None = None
    unknown: MessageOutcomeUnknownError | None = None
    exclude_ids: frozenset[str] = frozenset()


Outcome = tuple[Message | None, VoltError | None]
