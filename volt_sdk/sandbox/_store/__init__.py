"""The sandbox's state: one organization, its numbers, and everything created through the API.

:class:`Store` is composed of one part per kind of data, all on one SQLite
connection behind one lock (``_core``). Reads return the views of ``_views``; a
message's status is computed from its stored timestamps when it is read
(``_lifecycle``), so no timer runs for it; only webhook deliveries, announced
through :attr:`Store.event_sink`, are posted later by a worker thread.
"""

from __future__ import annotations

from ._core import EventSink, WebhookProbe
from ._lifecycle import MAGIC_NUMBERS, MagicOutcome
from ._messages import MessageStore
from ._values import WAVE_PREFIX, is_e164, iso_timestamp
from ._views import (
    AccountView,
    ContactView,
    ListView,
    MessageView,
    OrganizationView,
    OutboxMessage,
    WaveView,
    WebhookView,
)
from ._waves import WaveStore

__all__ = [
    "MAGIC_NUMBERS",
    "WAVE_PREFIX",
    "AccountView",
    "ContactView",
    "EventSink",
    "ListView",
    "MagicOutcome",
    "MessageView",
    "OrganizationView",
    "OutboxMessage",
    "Store",
    "WaveView",
    "WebhookProbe",
    "WebhookView",
    "is_e164",
    "iso_timestamp",
]


class Store(MessageStore, WaveStore):
    """All sandbox data, behind one lock.

    Args:
        numbers: the organization's own numbers (E.164).
        db: ``None`` for memory, else a SQLite file path (created if missing).
        pace: seconds per lifecycle step of a message (0: final at once).
        page_size: messages per ``conversation`` page.
        webhook_probe: the test request Volt sends to a webhook URL on
            registration; raising refuses it. ``None`` (the default) sends
            nothing; :class:`Sandbox` plugs in its webhook dispatcher.
        clock: epoch seconds; tests of the lifecycle may pass their own.
    """
