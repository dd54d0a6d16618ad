"""Waves (createWave has no client method: its shape is a guess) and webhooks."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from volt_sdk import NotFoundError, Volt, WebhookEventType
from volt_sdk.sandbox import Sandbox

from .conftest import OTHER

CREATE_WAVE = """
mutation CreateWave($input: WaveInput!) {
  createWave(input: $input) {
    id name type body media sentBy scheduledTime totalMessages
    totalMessagesDelivered totalMessagesFailed
    lists { id name }
    account { primaryPhone }
    organization { id companyName isActive }
  }
}
"""


def _graphql(sandbox: Sandbox, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(
        sandbox.url,
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {sandbox.token}"},
    )
    assert response.status_code == 200
    payload: dict[str, Any] = response.json()
    return payload


def test_a_wave_is_stored_counting_its_lists_contacts_and_read_back(
    volt: Volt, sandbox: Sandbox, sender: str
) -> None:
    volt.upsert_list(primary_phone=sender, name="A")
    volt.upsert_list(primary_phone=sender, name="B")
    a = volt.add_contacts_to_list(
        primary_phone=sender, list_name="A", phone_numbers=[OTHER, "+15555550146"]
    )
    b = volt.add_contacts_to_list(
        primary_phone=sender, list_name="B", phone_numbers=[OTHER, "+15555550147"]
    )

    payload = _graphql(
        sandbox,
        CREATE_WAVE,
        {
            "input": {
                "name": "Spring sale",
                "body": "20% off",
                "media": ["https://example.com/sale.png"],
                "lists": [a.id, b.id],
                "sentBy": "ops",
                "type": "standard",
                "scheduledTime": "2030-01-01T09:00:00.000Z",
            }
        },
    )

    assert "errors" not in payload
    created = payload["data"]["createWave"]
    assert created["totalMessages"] == 3
    assert (created["totalMessagesDelivered"], created["totalMessagesFailed"]) == (0, 0)
    assert [lst["name"] for lst in created["lists"]] == ["A", "B"]
    assert created["account"] == {"primaryPhone": sender}
    assert created["organization"]["isActive"] is True
    assert sandbox.outbox() == []  # nothing is sent for a wave
    wave = volt.get_wave(created["id"])
    assert (wave.name, wave.body, wave.total_messages) == ("Spring sale", "20% off", 3)
    assert wave.media == ["https://example.com/sale.png"]
    assert [lst.name for lst in wave.lists or [] if lst] == ["A", "B"]
    assert wave.scheduled_time == "2030-01-01T09:00:00.000Z"


def test_a_wave_with_an_unknown_list_is_refused(sandbox: Sandbox) -> None:
    payload = _graphql(
        sandbox, CREATE_WAVE, {"input": {"name": "W", "body": "b", "lists": ["lst_404"]}}
    )

    assert payload["data"] == {"createWave": None}
    assert payload["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert payload["errors"][0]["path"] == ["createWave"]


def test_an_unknown_wave_is_not_found(volt: Volt) -> None:
    with pytest.raises(NotFoundError):
        volt.get_wave("wave_000000000404")


def test_webhooks_are_registered_listed_and_deleted(volt: Volt, sender: str) -> None:
    everything = volt.register_webhook(url="https://example.com/all")
    filtered = volt.register_webhook(
        url="https://example.com/mine",
        primary_phone=sender,
        event_types=[WebhookEventType.MESSAGE_RECEIVED, "MESSAGE_SENT"],
    )

    assert (everything.primary_phone, everything.event_types) == (None, None)
    assert filtered.primary_phone == sender
    assert filtered.event_types == [WebhookEventType.MESSAGE_RECEIVED, "MESSAGE_SENT"]
    assert [w.id for w in volt.list_webhooks()] == [everything.id, filtered.id]

    deleted = volt.delete_webhook(everything.id)

    assert deleted.url == "https://example.com/all"
    assert [w.id for w in volt.list_webhooks()] == [filtered.id]
    with pytest.raises(NotFoundError):
        volt.delete_webhook(everything.id)


def test_a_webhook_for_a_number_the_organization_does_not_own_is_refused(
    sandbox: Sandbox,
) -> None:
    payload = _graphql(
        sandbox,
        'mutation($p: String) { registerWebhook(url: "https://example.com/", primaryPhone: $p)'
        " { id } }",
        {"p": "+15555550199"},
    )

    assert payload["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_an_event_type_the_schema_does_not_know_is_refused(sandbox: Sandbox, volt: Volt) -> None:
    # Straight to the server: the client refuses an unknown event type itself.
    register = (
        "mutation($types: [WebhookEventType]) "
        '{ registerWebhook(url: "https://example.com/", eventTypes: $types) { id } }'
    )

    payload = _graphql(sandbox, register, {"types": ["MESSAGE_EXPLODED"]})

    assert payload["data"] is None
    assert "WebhookEventType" in payload["errors"][0]["message"]
    assert volt.list_webhooks() == []
