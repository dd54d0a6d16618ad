"""Canned Volt payloads and the constants the tests share."""

from __future__ import annotations

import re
from typing import Any

TOKEN = "test-token-0123456789abcdef"
URL = "https://api.respondflow.com/graphql"
FROM = "+15555550123"
TO = "+15555550145"

# The client reference the SDK puts in passthrough when the caller gives none.
CLIENT_REFERENCE = re.compile(r"vsdk-[0-9a-f]{12}-[0-9a-f]+")


def without_client_reference(variables: dict[str, Any]) -> dict[str, Any]:
    """``variables`` less an SDK-made passthrough, after checking it is one."""
    rest = dict(variables)
    passthrough = rest.pop("passthrough", None)
    assert passthrough is not None, "every send carries a passthrough"
    assert CLIENT_REFERENCE.fullmatch(passthrough), passthrough
    return rest


def message_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "msg_1",
        "legacyId": None,
        "toNumber": TO,
        "fromNumber": FROM,
        "status": "queued",
        "statusDescription": None,
        "media": [],
        "body": "Your One Time Code is 654312\n\nReply STOP to opt-out.",
        "sentAt": None,
        "confirmedAt": None,
        "errorCode": None,
    }
    data.update(overrides)
    return data


def list_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "list_1",
        "name": "VIP",
        "createdBy": "api",
        "size": 2,
        "querySourceListName": None,
        "queryNameSearchTerm": None,
        "createdAt": "2024-05-01T12:00:00Z",
        "lastUpdatedAt": "2024-05-01T12:00:00Z",
    }
    data.update(overrides)
    return data


def contact_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "contact_1",
        "phoneNumber": TO,
        "name": "Ada",
        "mappedNumber": FROM,
        "blocked": False,
        "createdAt": "2024-05-01T12:00:00Z",
        "lastUpdatedAt": "2024-05-02T08:30:00+02:00",
        "account": {
            "id": "acct_1",
            "name": "Main line",
            "primaryPhone": FROM,
            "callForwardingNumber": None,
            "location": None,
            "createdAt": None,
            "lastUpdatedAt": None,
        },
        "customFields": [{"key": "plan", "value": "gold"}],
        "lists": [list_data()],
    }
    data.update(overrides)
    return data


def wave_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "wave_1",
        "name": "Spring sale",
        "type": "BROADCAST",
        "body": "Hi!",
        "media": None,
        "sentBy": "api",
        "scheduledTime": "1714564800",
        "totalMessages": 10,
        "totalMessagesDelivered": 9,
        "totalMessagesFailed": 1,
        "lists": [list_data()],
    }
    data.update(overrides)
    return data


def webhook_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "wh_1",
        "url": "https://example.com/volt",
        "primaryPhone": None,
        "eventTypes": ["MESSAGE_SENT"],
        "createdAt": "2024-05-01T12:00:00Z",
        "lastUpdatedAt": None,
    }
    data.update(overrides)
    return data
