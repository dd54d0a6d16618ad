"""What one attempt of a call was, as hooks and tracing see it: values only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from volt_sdk._errors import VoltError, request_id_of

if TYPE_CHECKING:
    import httpx

__all__ = ["Attempt", "AttemptHook", "Outcome"]

#: What became of a call: answered, failed for sure, or a mutation that may have run.
Outcome = Literal["ok", "error", "outcome_unknown"]


@dataclass(frozen=True, slots=True)
class Attempt:
    """One attempt of one call, as an ``on_attempt`` hook sees it.

    ``request`` is the request as sent (its ``Authorization`` header is
    obfuscated in any repr httpx makes of it; do not log its raw value);
    ``response`` is the answer, when one came (its body already read, even for
    an error); ``error`` what went wrong, when something did. ``decision`` is what
    the client does next: ``"return"`` the result, ``"retry"`` after
    ``retry_in`` seconds, or ``"raise"`` the error.
    """

    operation: str
    """The GraphQL operation's name (``createMessage``, ``getMessage``...)."""
    operation_type: Literal["query", "mutation"]
    """Whether the operation is a query or a mutation (only queries are resent freely)."""
    number: int
    """The attempt's number within the call, from 1."""
    request: httpx.Request | None
    """The request as sent (every reported attempt has one; do not log its ``Authorization``)."""
    response: httpx.Response | None
    """The answer, when one came (its body already read, even for an error)."""
    error: VoltError | None
    """What went wrong, when something did; ``None`` for an attempt that succeeded."""
    elapsed: float
    """Seconds the attempt took, from its start to its answer or its failure."""
    decision: Literal["return", "retry", "raise"]
    """What the client does next: return the result, retry, or raise ``error``."""
    retry_in: float | None = None
    """Seconds before the next attempt, when ``decision`` is ``"retry"``."""

    @property
    def request_id(self) -> str | None:
        """The request id header of the response, when Volt sent one."""
        return request_id_of(self.response)


class AttemptHook(Protocol):
    """A per-attempt hook (the ``on_attempt`` option): any callable taking an :class:`Attempt`.

    Called once per attempt, after it, on the calling thread or task; what it
    returns is ignored, and an exception it raises is logged and ignored.
    """

    def __call__(self, attempt: Attempt, /) -> object: ...
