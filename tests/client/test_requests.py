"""The exact request every operation sends, from both clients, and what comes back.

Each case is checked at the httpx seam (pytest-httpx): method, URL, headers, and
the JSON body's ``query``, ``operationName`` and ``variables``, where an argument
that was not given is absent rather than null.
"""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from graphql import (
    OperationDefinitionNode,
    OperationType,
    build_schema,
    parse,
    validate,
)
from pytest_httpx import HTTPXMock

import volt_sdk
from tests.payloads import (
    FROM,
    TO,
    TOKEN,
    URL,
    contact_data,
    list_data,
    message_data,
    wave_data,
    webhook_data,
    without_client_reference,
)
from volt_sdk import AsyncVolt, Volt

SCHEMA = build_schema(
    (Path(__file__).resolve().parents[2] / "queries" / "schema.graphql").read_text()
)


@dataclass
class Case:
    method: str
    kwargs: dict[str, Any]
    operation: str
    kind: OperationType
    root_field: str
    variables: dict[str, Any]
    data: dict[str, Any]
    check: Any = None  # a callable taking the result
    args: tuple[Any, ...] = field(default_factory=tuple)


CASES = [
    Case(
        "send_message",
        {"to": TO, "from_": FROM, "body": "Hello"},
        "CreateMessage",
        OperationType.MUTATION,
        "createMessage",
        {"to": TO, "from": FROM, "body": "Hello"},
        {"createMessage": message_data(body="Hello")},
        lambda m: m.body == "Hello" and isinstance(m, volt_sdk.Message),
    ),
    Case(
        "send_message",
        {
            "to": "+1 (555) 555-0145",
            "from_": FROM,
            "body": "",
            "media": ["https://example.com/a.png"],
            "passthrough": "order-42",
        },
        "CreateMessage",
        OperationType.MUTATION,
        "createMessage",
        {
            "to": TO,
            "from": FROM,
            "body": "",
            "media": ["https://example.com/a.png"],
            "passthrough": "order-42",
        },
        {"createMessage": message_data(media=["https://example.com/a.png"])},
        lambda m: m.media == ["https://example.com/a.png"],
    ),
    Case(
        "send_message",
        {"to": TO, "from_": FROM, "body": "Hi", "media": []},
        "CreateMessage",
        OperationType.MUTATION,
        "createMessage",
        {"to": TO, "from": FROM, "body": "Hi", "media": []},
        {"createMessage": message_data()},
    ),
    Case(
        "get_message",
        {},
        "GetMessage",
        OperationType.QUERY,
        "message",
        {"id": "msg_1"},
        {"message": message_data(status="delivered", errorCode=None)},
        lambda m: m.status == "delivered",
        args=("msg_1",),
    ),
    Case(
        "get_conversation",
        {"to": TO, "from_": FROM},
        "GetConversation",
        OperationType.QUERY,
        "conversation",
        {"to": TO, "from": FROM},
        {"conversation": {"messages": [message_data()], "pageInfo": {"totalItems": 1}}},
        lambda p: p.page_info.total_items == 1 and p.messages[0].id == "msg_1",
    ),
    Case(
        "get_conversation",
        {"to": TO, "from_": FROM, "before": "msg_9"},
        "GetConversation",
        OperationType.QUERY,
        "conversation",
        {"to": TO, "from": FROM, "before": "msg_9"},
        {"conversation": {"messages": [], "pageInfo": {"totalItems": 0}}},
    ),
    Case(
        "get_contact",
        {"phone_number": TO, "primary_phone": FROM},
        "GetContact",
        OperationType.QUERY,
        "contact",
        {"primaryPhone": FROM, "phoneNumber": TO},
        {"contact": contact_data()},
        lambda c: c.name == "Ada" and c.custom_fields[0].value == "gold",
    ),
    Case(
        "upsert_contact",
        {
            "phone_number": TO,
            "account_phone": FROM,
            "name": "Ada",
            "blocked": False,
            "custom_fields": {"plan": "gold", "note": None},
        },
        "UpsertContact",
        OperationType.MUTATION,
        "createOrUpdateContact",
        {
            "name": "Ada",
            "phoneNumber": TO,
            "accountPhone": FROM,
            "customFields": [{"key": "plan", "value": "gold"}, {"key": "note", "value": None}],
            "blocked": False,
        },
        {"createOrUpdateContact": contact_data()},
    ),
    Case(
        "upsert_contact",
        {"phone_number": TO, "account_phone": FROM, "name": "Ada", "blocked": True},
        "UpsertContact",
        OperationType.MUTATION,
        "createOrUpdateContact",
        {
            "name": "Ada",
            "phoneNumber": TO,
            "accountPhone": FROM,
            "customFields": [],
            "blocked": True,
        },
        {"createOrUpdateContact": contact_data(blocked=True)},
        lambda c: c.blocked is True,
    ),
    Case(
        "get_list",
        {"primary_phone": FROM, "name": "VIP"},
        "GetList",
        OperationType.QUERY,
        "list",
        {"primaryPhone": FROM, "listName": "VIP"},
        {"list": list_data()},
        lambda lst: isinstance(lst, volt_sdk.ContactList) and lst.size == 2,
    ),
    Case(
        "upsert_list",
        {"primary_phone": FROM, "name": "VIP"},
        "UpsertList",
        OperationType.MUTATION,
        "createOrUpdateList",
        {"primaryPhone": FROM, "listQuery": {"name": "VIP"}},
        {"createOrUpdateList": list_data()},
    ),
    Case(
        "upsert_list",
        {
            "primary_phone": FROM,
            "name": "VIP Smiths",
            "source_list_name": "VIP",
            "name_search_term": "Smith",
        },
        "UpsertList",
        OperationType.MUTATION,
        "createOrUpdateList",
        {
            "primaryPhone": FROM,
            "listQuery": {
                "name": "VIP Smiths",
                "sourceListName": "VIP",
                "nameSearchTerm": "Smith",
            },
        },
        {"createOrUpdateList": list_data(name="VIP Smiths", querySourceListName="VIP")},
        lambda lst: lst.query_source_list_name == "VIP",
    ),
    Case(
        "add_contacts_to_list",
        {"primary_phone": FROM, "list_name": "VIP", "phone_numbers": [TO, "+1 555 555 0146"]},
        "AddContactsToList",
        OperationType.MUTATION,
        "addContactsToList",
        {"primaryPhone": FROM, "listName": "VIP", "phoneNumbers": [TO, "+15555550146"]},
        {"addContactsToList": list_data(size=4)},
        lambda lst: lst.size == 4,
    ),
    Case(
        "get_wave",
        {},
        "GetWave",
        OperationType.QUERY,
        "wave",
        {"id": "wave_1"},
        {"wave": wave_data()},
        lambda w: w.type_ == "BROADCAST" and w.scheduled_time_datetime is not None,
        args=("wave_1",),
    ),
    Case(
        "list_webhooks",
        {},
        "ListWebhooks",
        OperationType.QUERY,
        "webhooks",
        {},
        {"webhooks": [webhook_data(), webhook_data(id="wh_2")]},
        lambda hooks: [h.id for h in hooks] == ["wh_1", "wh_2"],
    ),
    Case(
        "register_webhook",
        {"url": "https://example.com/volt"},
        "RegisterWebhook",
        OperationType.MUTATION,
        "registerWebhook",
        {"url": "https://example.com/volt"},
        {"registerWebhook": webhook_data()},
    ),
    Case(
        "register_webhook",
        {
            "url": "https://example.com/volt",
            "primary_phone": "+1 555-555-0123",
            "event_types": [volt_sdk.WebhookEventType.MESSAGE_RECEIVED, "MESSAGE_SENT"],
        },
        "RegisterWebhook",
        OperationType.MUTATION,
        "registerWebhook",
        {
            "url": "https://example.com/volt",
            "primaryPhone": FROM,
            "eventTypes": ["MESSAGE_RECEIVED", "MESSAGE_SENT"],
        },
        {"registerWebhook": webhook_data(primaryPhone=FROM)},
        lambda h: h.primary_phone == FROM,
    ),
    Case(
        "delete_webhook",
        {},
        "DeleteWebhook",
        OperationType.MUTATION,
        "deleteWebhook",
        {"id": "wh_1"},
        {"deleteWebhook": webhook_data()},
        lambda h: h.id == "wh_1",
        args=("wh_1",),
    ),
]

IDS = [f"{c.method}-{i}" for i, c in enumerate(CASES)]


def _check_request(httpx_mock: HTTPXMock, case: Case) -> None:
    request = httpx_mock.get_request()
    assert request is not None
    assert request.method == "POST"
    assert str(request.url) == URL
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == f"volt-sdk-python/{volt_sdk.__version__}"
    body = json.loads(request.content)
    assert set(body) == {"query", "operationName", "variables"}
    assert body["operationName"] == case.operation
    # Exact variables: an argument that was not given is absent, not null; every
    # send carries a passthrough, made up by the SDK when the caller gave none.
    variables = body["variables"]
    if case.operation == "CreateMessage" and "passthrough" not in case.variables:
        variables = without_client_reference(variables)
    assert variables == case.variables
    document = parse(body["query"])
    assert validate(SCHEMA, document) == []  # also proves no codegen-only @mixin is sent
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    assert len(operations) == 1
    (operation,) = operations
    assert operation.name is not None
    assert operation.name.value == case.operation
    assert operation.operation == case.kind
    assert [s.name.value for s in operation.selection_set.selections] == [case.root_field]  # type: ignore[attr-defined]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_blocking_client_sends_exactly_this_request(httpx_mock: HTTPXMock, case: Case) -> None:
    httpx_mock.add_response(url=URL, method="POST", json={"data": case.data})
    with Volt() as volt:
        result = getattr(volt, case.method)(*case.args, **case.kwargs)
    _check_request(httpx_mock, case)
    if case.check is not None:
        assert case.check(result)


@pytest.mark.anyio
@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_the_async_client_sends_exactly_this_request(
    httpx_mock: HTTPXMock, case: Case
) -> None:
    httpx_mock.add_response(url=URL, method="POST", json={"data": case.data})
    async with AsyncVolt() as volt:
        result = await getattr(volt, case.method)(*case.args, **case.kwargs)
    _check_request(httpx_mock, case)
    if case.check is not None:
        assert case.check(result)


def test_every_operation_of_the_clients_is_covered_by_a_request_case() -> None:
    public = {
        name
        for name, value in inspect.getmembers(Volt, inspect.isfunction)
        if not name.startswith("_")
        # Built on send_message and get_conversation, tested in test_bulk.py / test_delivery.py.
        and name not in {"close", "with_options", "reconcile_message", "send_many"}
        and name != "wait_for_status"  # built on get_message: test_wait_for_status.py
        and name != "execute"  # any document: test_execute.py
        and not name.startswith("iter_")
    }
    assert public == {c.method for c in CASES}


def test_both_clients_offer_the_same_methods_with_the_same_parameters() -> None:
    def methods(cls: type) -> dict[str, list[tuple[str, Any, Any]]]:
        return {
            name: [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]
            for name, fn in inspect.getmembers(cls, inspect.isfunction)
            if not name.startswith("_")
        }

    assert methods(Volt) == methods(AsyncVolt)


def test_no_public_method_accepts_arbitrary_keyword_arguments() -> None:
    for cls in (Volt, AsyncVolt):
        for name, fn in inspect.getmembers(cls, inspect.isfunction):
            kinds = {p.kind for p in inspect.signature(fn).parameters.values()}
            assert inspect.Parameter.VAR_KEYWORD not in kinds, f"{cls.__name__}.{name}"
