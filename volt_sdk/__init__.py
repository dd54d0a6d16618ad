"""volt-sdk: a strongly typed Python client for the Volt (formerly Respond Flow) GraphQL API.

::

    from volt_sdk import Volt

    with Volt() as volt:                            # token from VOLT_API_TOKEN
        msg = volt.send_message(to="+15555550145", from_="+15555550123", body="Hello!")
        print(msg.id, msg.status)

Every public name is importable from here; the modules behind them are private.
They are imported on first use (PEP 562), so that ``import volt_sdk`` (and the
``volt`` command's ``--help``, and the pytest plugin) stay cheap until a client
or model is actually needed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ._version import __version__

if TYPE_CHECKING:
    from ._bulk import BulkResult, BulkStatus, OutgoingMessage
    from ._client import AsyncVolt, Volt
    from ._client._raw import RawResponse
    from ._config import (
        DEFAULT_BASE_URL,
        DEFAULT_MAX_RESPONSE_BYTES,
        DEFAULT_TIMEOUT,
        NOT_GIVEN,
        NotGiven,
    )
    from ._error_codes import ERROR_CODES, ErrorCategory, MessageErrorCode, lookup_error_code
    from ._errors import (
        APIError,
        APIStatusError,
        AuthenticationError,
        ConfigurationError,
        GraphQLError,
        GraphQLErrorDetail,
        InvalidMessageError,
        InvalidPhoneNumberError,
        LimiterUnavailableError,
        MalformedResponseError,
        MessageOutcomeUnknownError,
        NotFoundError,
        RateLimitError,
        RecipientSuppressedError,
        ResponseTooLargeError,
        SchemaDriftError,
        StoreUnavailableError,
        TransportError,
        ValidationError,
        VoltConnectionError,
        VoltError,
        VoltTimeoutError,
        WaitTimeoutError,
    )
    from ._message import SegmentInfo, message_segments
    from ._models import (
        Account,
        Contact,
        ContactCustomField,
        ContactList,
        ConversationPage,
        Message,
        PageInfo,
        Wave,
        Webhook,
        WebhookEventType,
    )
    from ._phone import normalize_phone
    from ._timestamps import parse_timestamp
    from ._wire import DEFAULT_DEADLINE, DEFAULT_MAX_RETRIES, Attempt, AttemptHook
    from ._wire._aiohttp import AioHttpClient

_LAZY: dict[str, str] = {
    "APIError": "._errors",
    "APIStatusError": "._errors",
    "Account": "._models",
    "AioHttpClient": "._wire._aiohttp",
    "AsyncVolt": "._client._async_client",
    "Attempt": "._wire._attempt",
    "AttemptHook": "._wire._attempt",
    "AuthenticationError": "._errors",
    "BulkResult": "._bulk",
    "BulkStatus": "._bulk",
    "ConfigurationError": "._errors",
    "Contact": "._models",
    "ContactCustomField": "._models",
    "ContactList": "._models",
    "ConversationPage": "._models",
    "DEFAULT_BASE_URL": "._config",
    "DEFAULT_DEADLINE": "._wire",
    "DEFAULT_MAX_RESPONSE_BYTES": "._config",
    "DEFAULT_MAX_RETRIES": "._wire",
    "DEFAULT_TIMEOUT": "._config",
    "ERROR_CODES": "._error_codes",
    "ErrorCategory": "._error_codes",
    "GraphQLError": "._errors",
    "GraphQLErrorDetail": "._errors",
    "InvalidMessageError": "._errors",
    "InvalidPhoneNumberError": "._errors",
    "LimiterUnavailableError": "._errors",
    "MalformedResponseError": "._errors",
    "MessageOutcomeUnknownError": "._errors",
    "Message": "._models",
    "MessageErrorCode": "._error_codes",
    "NOT_GIVEN": "._config",
    "NotFoundError": "._errors",
    "NotGiven": "._config",
    "OutgoingMessage": "._bulk",
    "PageInfo": "._models",
    "RateLimitError": "._errors",
    "RawResponse": "._client._raw",
    "RecipientSuppressedError": "._errors",
    "ResponseTooLargeError": "._errors",
    "SchemaDriftError": "._errors",
    "SegmentInfo": "._message",
    "StoreUnavailableError": "._errors",
    "TransportError": "._errors",
    "ValidationError": "._errors",
    "Volt": "._client._sync_client",
    "VoltConnectionError": "._errors",
    "VoltError": "._errors",
    "VoltTimeoutError": "._errors",
    "WaitTimeoutError": "._errors",
    "Wave": "._models",
    "Webhook": "._models",
    "WebhookEventType": "._models",
    "lookup_error_code": "._error_codes",
    "message_segments": "._message",
    "normalize_phone": "._phone",
    "parse_timestamp": "._timestamps",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_DEADLINE",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "ERROR_CODES",
    "NOT_GIVEN",
    "APIError",
    "APIStatusError",
    "Account",
    "AioHttpClient",
    "AsyncVolt",
    "Attempt",
    "AttemptHook",
    "AuthenticationError",
    "BulkResult",
    "BulkStatus",
    "ConfigurationError",
    "Contact",
    "ContactCustomField",
    "ContactList",
    "ConversationPage",
    "ErrorCategory",
    "GraphQLError",
    "GraphQLErrorDetail",
    "InvalidMessageError",
    "InvalidPhoneNumberError",
    "LimiterUnavailableError",
    "MalformedResponseError",
    "Message",
    "MessageErrorCode",
    "MessageOutcomeUnknownError",
    "NotFoundError",
    "NotGiven",
    "OutgoingMessage",
    "PageInfo",
    "RateLimitError",
    "RawResponse",
    "RecipientSuppressedError",
    "ResponseTooLargeError",
    "SchemaDriftError",
    "SegmentInfo",
    "StoreUnavailableError",
    "TransportError",
    "ValidationError",
    "Volt",
    "VoltConnectionError",
    "VoltError",
    "VoltTimeoutError",
    "WaitTimeoutError",
    "Wave",
    "Webhook",
    "WebhookEventType",
    "__version__",
    "lookup_error_code",
    "message_segments",
    "normalize_phone",
    "parse_timestamp",
]
