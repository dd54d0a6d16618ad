"""The wire: one GraphQL operation over httpx, and its answer mapped to data or a VoltError.

- ``_request``: the body, the headers, this attempt's timeout, the rate limit's
  wait and the pause before a retry (decisions, no I/O);
- ``_retry``: the delivery rules those decisions follow (what is retried, how
  long to wait, the token bucket);
- ``_response``: a response, or a failure to get one, mapped to data or a
  :class:`VoltError`; ``_body``: reading a body with the size cap;
- ``_async_deadline``: the deadline cut at the socket, and its generated twin;
- ``_async_executor``: the loop that sends, waits and retries, written once for
  asyncio; ``_sync_executor`` is generated from it (``codegen/unasync.py``).

Both clients sit on top; nothing here knows about them.
"""

from ._async_deadline import DEFAULT_CONNECTIONS, new_async_http_client, widen_async_pool
from ._async_executor import AsyncExecutor
from ._attempt import Attempt, AttemptHook
from ._observe import RECORD, CallRecord
from ._request import RATE_LIMITED_OPERATIONS, Operation, Wire, client_reference
from ._response import decode, parse_retry_after, transport_error
from ._retry import (
    DEFAULT_DEADLINE,
    DEFAULT_MAX_RETRIES,
    RetryPolicy,
    TokenBucket,
    may_have_reached_volt,
)
from ._sync_deadline import new_http_client, widen_pool
from ._sync_executor import SyncExecutor

__all__ = [
    "DEFAULT_CONNECTIONS",
    "DEFAULT_DEADLINE",
    "DEFAULT_MAX_RETRIES",
    "RATE_LIMITED_OPERATIONS",
    "RECORD",
    "AsyncExecutor",
    "Attempt",
    "AttemptHook",
    "CallRecord",
    "Operation",
    "RetryPolicy",
    "SyncExecutor",
    "TokenBucket",
    "Wire",
    "client_reference",
    "decode",
    "may_have_reached_volt",
    "new_async_http_client",
    "new_http_client",
    "parse_retry_after",
    "transport_error",
    "widen_async_pool",
    "widen_pool",
]
