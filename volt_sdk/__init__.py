"""volt-sdk: a strongly typed Python client for the Volt (formerly Respond Flow) GraphQL API.

::

    from volt_sdk import Volt

    with Volt() as volt:                            # token from VOLT_API_TOKEN
        msg = volt.send_message(to="+15555550145", from_="+15555550123", body="Hello!")
        print(msg.id, msg.status)

Every public name is importable from here; the modules behind them are private.
"""

from ._client import AsyncVolt, Volt
from ._config import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, NOT_GIVEN, NotGiven
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
    MalformedResponseError,
    NotFoundError,
    RateLimitError,
    TransportError,
    ValidationError,
    VoltConnectionError,
    VoltError,
    VoltTimeoutError,
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
from ._version import __version__

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "ERROR_CODES",
    "NOT_GIVEN",
    "APIError",
    "APIStatusError",
    "Account",
    "AsyncVolt",
    "AuthenticationError",
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
    "MalformedResponseError",
    "Message",
    "MessageErrorCode",
    "NotFoundError",
    "NotGiven",
    "PageInfo",
    "RateLimitError",
    "SegmentInfo",
    "TransportError",
    "ValidationError",
    "Volt",
    "VoltConnectionError",
    "VoltError",
    "VoltTimeoutError",
    "Wave",
    "Webhook",
    "WebhookEventType",
    "__version__",
    "lookup_error_code",
    "message_segments",
    "normalize_phone",
    "parse_timestamp",
]
