"""What both clients do with the stores the webhook kit writes: refuse, and reconcile.

The suppression list is asked before a send (a refusal raises, nothing is
sent; a list that cannot be read raises :class:`StoreUnavailableError`, nothing
is sent). The delivery log is asked before a conversation scan (a log that
cannot be read is logged and skipped: the scan still runs). Blocking calls: the
async client makes them through ``_concurrency.async_offload``.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from volt_sdk._errors import (
    ConfigurationError,
    MessageOutcomeUnknownError,
    RecipientSuppressedError,
    StoreUnavailableError,
    ValidationError,
)
from volt_sdk._logs import package_logger

# volt_sdk._stores (and sqlite3 with it) loads when a store is first given, not
# with the client: ``from volt_sdk import Volt`` stays cheap (bench/imports.py).
if TYPE_CHECKING:
    from volt_sdk._stores import DeliveryLog, DeliveryRecord, SuppressionList

__all__ = [
    "check_deliveries",
    "check_suppression",
    "delivered_id",
    "in_process",
    "refusal",
]

logger = package_logger("volt_sdk.stores")


def check_suppression(
    store: object, argument: str = "suppression", *, per_call: bool = False
) -> SuppressionList | None:
    """``store`` if it is a suppression list or None, else an error naming ``argument``.

    A :class:`ConfigurationError` for a client option, a :class:`ValidationError`
    for an argument of a call (``per_call``).
    """
    if store is None:
        return None
    from volt_sdk._stores import SuppressionList

    if isinstance(store, SuppressionList):
        return store
    raise _wrong_type(argument, store, "a SuppressionList (volt_sdk.stores) or None", per_call)


def check_deliveries(
    store: object, argument: str = "deliveries", *, per_call: bool = False
) -> DeliveryLog | None:
    """``store`` if it is a delivery log or None, else an error naming ``argument``."""
    if store is None:
        return None
    from volt_sdk._stores import DeliveryLog

    if isinstance(store, DeliveryLog):
        return store
    raise _wrong_type(argument, store, "a DeliveryLog (volt_sdk.stores) or None", per_call)


def _wrong_type(
    argument: str, value: object, expected: str, per_call: bool
) -> ConfigurationError | ValidationError:
    text = f"{argument}: expected {expected}, got {type(value).__name__}"
    if per_call:  # an argument of a call, not a client setting
        return ValidationError(text, argument=argument, value=value, reason="wrong_type")
    return ConfigurationError(text)


_memory_stores: tuple[type, ...] = ()


def in_process(store: object) -> bool:
    """True for the in-memory stores: nothing to wait on, no worker thread needed."""
    global _memory_stores
    if not _memory_stores:  # once: the stores load with the first one given
        from volt_sdk._stores import MemoryDeliveryLog, MemorySuppressionList

        _memory_stores = (MemorySuppressionList, MemoryDeliveryLog)
    return isinstance(store, _memory_stores)


def refusal(store: SuppressionList, to: str) -> RecipientSuppressedError | None:
    """The refusal of a send to ``to`` (E.164) when it opted out, else None.

    Raises:
        StoreUnavailableError: the list could not be read; nothing may be sent.
    """
    try:
        entry = store.lookup(to)
    except Exception as error:
        name = type(store).__name__
        raise StoreUnavailableError(
            f"the suppression list ({name}) could not be read, so nothing was sent: "
            f"{type(error).__name__}: {error}",
            store=name,
        ) from error
    if entry is None or not entry.opted_out:
        return None
    return RecipientSuppressedError(
        f"to: {to} opted out ({entry.keyword or 'suppressed'}); not sent",
        value=to,
        entry=entry,
    )


def delivered_id(
    log: DeliveryLog,
    unknown: MessageOutcomeUnknownError,
    exclude_ids: Collection[str],
    clock_skew: float,
) -> str | None:
    """The id of the message an uncertain send created, from the events received, or None.

    A record with the send's client reference settles it for certain. Failing
    that, a record with no reference (Volt did not echo one) from the same
    sender to the same recipient, with the same body and media, sent no earlier
    than the attempt began (less ``clock_skew``), and not in ``exclude_ids``:
    best effort, as the conversation scan. A record with another reference is
    another send, never taken. A log that cannot be read gives None (logged).
    """
    try:
        if unknown.passthrough:
            record = log.by_passthrough(unknown.passthrough)
            if record is not None and record.id not in exclude_ids:
                logger.info("settled an uncertain send from the delivery log (its reference)")
                return record.id
        candidates = log.between(unknown.from_, unknown.to, unknown.started_at - clock_skew)
    except Exception:
        logger.warning(
            "the delivery log could not be read; scanning the conversation", exc_info=True
        )
        return None
    for record in candidates:
        if _same_send(record, unknown) and record.id not in exclude_ids:
            logger.info("settled an uncertain send from the delivery log (same content)")
            return record.id
    return None


def _same_send(record: DeliveryRecord, unknown: MessageOutcomeUnknownError) -> bool:
    return (
        record.passthrough is None
        and record.body == unknown.body
        and tuple(record.media) == tuple(unknown.media)
    )
