"""Typed dispatch of verified events to handlers, by event class."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeAlias, TypeVar, cast

from ._events import WebhookEvent

__all__ = ["EventHandler", "WebhookRouter"]

_E = TypeVar("_E", bound=WebhookEvent)
# A handler returns None (a plain function) or an awaitable of None (an async one).
_R = TypeVar("_R", bound=Awaitable[None] | None)

EventHandler: TypeAlias = Callable[[WebhookEvent], Awaitable[None] | None]
"""What the router calls: a function of the event, plain or ``async``."""


class WebhookRouter:
    """Which handler runs for which event, by class: ``@router.on(MessageReceivedEvent)``.

    A handler is a plain or an ``async`` function of one event; type checkers
    check its parameter against the class it is registered for (a handler of
    ``MessageReceivedEvent`` cannot be registered for ``MessageEvent``).

    - Several handlers may be registered for one class: all run, in the order
      they were registered.
    - A handler registered for a class also gets the events of its subclasses:
      ``on(MessageEvent)`` gets sent, finalized and received events;
      ``on(WebhookEvent)`` gets every event.
    - An event no handler is registered for (an :class:`UnknownEvent`, a
      :class:`TestEvent` nobody handles) goes to the :meth:`fallback` handlers;
      with none, it is acknowledged and ignored.
    - A handler that raises stops the dispatch: the receiver answers 500 and Volt
      sends the event again, to every handler. Handlers should be idempotent (or
      use the receiver's deduplication, which re-runs a failed event whole).
    """

    def __init__(self) -> None:
        self._handlers: list[tuple[type[WebhookEvent], EventHandler]] = []
        self._fallbacks: list[EventHandler] = []

    def on(self, event_type: type[_E]) -> Callable[[Callable[[_E], _R]], Callable[[_E], _R]]:
        """Register the decorated function for the events of ``event_type`` (and its subclasses).

        Returns the function unchanged.
        """
        if not (isinstance(event_type, type) and issubclass(event_type, WebhookEvent)):
            raise TypeError(f"on(): expected a WebhookEvent class, got {event_type!r}")

        def register(handler: Callable[[_E], _R]) -> Callable[[_E], _R]:
            if not callable(handler):
                raise TypeError(f"on({event_type.__name__}): {handler!r} is not callable")
            # Safe: dispatch only passes it the events that are instances of event_type.
            self._handlers.append((event_type, cast("EventHandler", handler)))
            return handler

        return register

    def fallback(self, handler: Callable[[WebhookEvent], _R]) -> Callable[[WebhookEvent], _R]:
        """Register the decorated function for the events that no :meth:`on` handler takes."""
        if not callable(handler):
            raise TypeError(f"fallback(): {handler!r} is not callable")
        self._fallbacks.append(handler)
        return handler

    def handlers_for(self, event: WebhookEvent) -> list[EventHandler]:
        """The handlers ``event`` goes to, in the order they run."""
        matched = [handler for cls, handler in self._handlers if isinstance(event, cls)]
        return matched or list(self._fallbacks)
