"""OpenTelemetry for the executors (not written yet: no call is traced)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

    from ._attempt import Attempt, Outcome
    from ._request import Operation

__all__ = ["CallSpan", "start_call"]


class CallSpan:
    """The span of one call."""

    def rate_wait(self, seconds: float) -> None:
        raise NotImplementedError

    def attempt(self, attempt: Attempt) -> None:
        raise NotImplementedError

    def end(self, outcome: Outcome, error: BaseException | None) -> None:
        raise NotImplementedError


def start_call(op: Operation, variables: Mapping[str, Any], url: httpx.URL) -> CallSpan | None:
    """None: nothing traces calls yet."""
    return None
