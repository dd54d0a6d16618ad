"""``send_many``: bulk sending that never sends a message twice (the guarantees: ``docs/bulk.md``).

- ``_types``: the public values, ``OutgoingMessage``, ``BulkResult``, ``BulkStatus``;
- ``_options``: the options of one call, checked before anything runs;
- ``_ledger``: what earlier runs recorded and this run's bookkeeping (memory or SQLite);
- ``_jobs``: what the run hands a driver (a job for an item) and what comes back;
- ``_run``: the state machine, every decision;
- ``_drivers``: the asyncio driver and the thread-pool driver, I/O only.

Only the first two are imported here: asyncio, threads and sqlite3 wait for the
first run (the clients import ``_drivers`` inside ``send_many``).
"""

from volt_sdk._bulk._options import BulkOptions, check_options
from volt_sdk._bulk._types import BulkResult, BulkStatus, OutgoingMessage, duplicate_key_error

__all__ = [
    "BulkOptions",
    "BulkResult",
    "BulkStatus",
    "OutgoingMessage",
    "check_options",
    "duplicate_key_error",
]
