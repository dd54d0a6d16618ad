"""Opt-outs and delivered messages, written by the webhook kit and read by the client.

::

    from volt_sdk import Volt
    from volt_sdk.stores import SQLiteDeliveryLog, SQLiteSuppressionList
    from volt_sdk.webhooks import WebhookReceiver

    suppression = SQLiteSuppressionList("volt.db")     # who texted STOP
    deliveries = SQLiteDeliveryLog("volt.db")          # what Volt's events said was sent

    receiver = WebhookReceiver(suppression=suppression, deliveries=deliveries)
    volt = Volt(suppression=suppression, deliveries=deliveries)

The receiver records every inbound STOP-family keyword (and START to opt back
in) and every outbound message an event tells of; the client refuses to send to
a suppressed number before any request, and settles an uncertain send from the
delivery log before it scans the conversation. In memory, SQLite (one machine)
or Redis (a fleet). The guides: ``docs/suppression.md``, ``docs/reconciliation.md``.
"""

from __future__ import annotations

from ._errors import RecipientSuppressedError, StoreUnavailableError
from ._stores import (
    DEFAULT_DELIVERY_TTL,
    OPT_IN_KEYWORDS,
    OPT_OUT_KEYWORDS,
    DeliveryLog,
    DeliveryRecord,
    KeywordKind,
    MemoryDeliveryLog,
    MemorySuppressionList,
    RedisDeliveryLog,
    RedisSuppressionList,
    SQLiteDeliveryLog,
    SQLiteSuppressionList,
    SuppressionEntry,
    SuppressionList,
    classify_keyword,
)

__all__ = [
    "DEFAULT_DELIVERY_TTL",
    "OPT_IN_KEYWORDS",
    "OPT_OUT_KEYWORDS",
    "DeliveryLog",
    "DeliveryRecord",
    "KeywordKind",
    "MemoryDeliveryLog",
    "MemorySuppressionList",
    "RecipientSuppressedError",
    "RedisDeliveryLog",
    "RedisSuppressionList",
    "SQLiteDeliveryLog",
    "SQLiteSuppressionList",
    "StoreUnavailableError",
    "SuppressionEntry",
    "SuppressionList",
    "classify_keyword",
]
