"""Stores the receiving kit writes and the client reads: opt-outs and delivered messages.

Below the clients (they read them) and beside the webhooks (they write them);
no I/O but their own (a dict, an SQLite file, Redis). Public through
``volt_sdk.stores``.
"""

from __future__ import annotations

from ._deliveries import (
    DEFAULT_DELIVERY_TTL,
    DeliveryLog,
    DeliveryRecord,
    MemoryDeliveryLog,
    RedisDeliveryLog,
    SQLiteDeliveryLog,
)
from ._keywords import OPT_IN_KEYWORDS, OPT_OUT_KEYWORDS, KeywordKind, classify_keyword
from ._suppression import (
    MemorySuppressionList,
    RedisSuppressionList,
    SQLiteSuppressionList,
    SuppressionEntry,
    SuppressionList,
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
    "RedisDeliveryLog",
    "RedisSuppressionList",
    "SQLiteDeliveryLog",
    "SQLiteSuppressionList",
    "SuppressionEntry",
    "SuppressionList",
    "classify_keyword",
]
