"""Public model names.

Each is a generated fragment model re-exported under a stable, plain name: the
fragment, not the operation, names the type, so renaming an operation never
renames a class a user imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from volt_sdk_graphql.enums import WebhookEventType
from volt_sdk_graphql.fragments import AccountFields as Account
from volt_sdk_graphql.fragments import ContactCustomFieldFields as ContactCustomField
from volt_sdk_graphql.fragments import ContactFields as Contact
from volt_sdk_graphql.fragments import ContactListFields as ContactList
from volt_sdk_graphql.fragments import ConversationPageFields as ConversationPage
from volt_sdk_graphql.fragments import MessageFields as Message
from volt_sdk_graphql.fragments import PageInfoFields as PageInfo
from volt_sdk_graphql.fragments import WaveFields as Wave
from volt_sdk_graphql.fragments import WebhookFields as Webhook

__all__ = [
    "Account",
    "Contact",
    "ContactCustomField",
    "ContactList",
    "ConversationPage",
    "Message",
    "PageInfo",
    "Wave",
    "Webhook",
    "WebhookEventType",
]

# The generated models carry no field docstrings (ariadne-codegen writes none, and generated
# code is never edited): here is what each field of each public model means, keyed by public
# name. The docs build gives each field its text (scripts/mkdocs_hooks.py, a griffe extension),
# and fails on a field of a public model missing here, or on an entry for a field that no
# longer exists. "Provisional" fields: see queries/schema.graphql for how sure each one is.
FIELD_DOCS: Final[Mapping[str, Mapping[str, str]]] = {
    "Account": {
        "id": "Volt's id of the account.",
        "name": "The account's name.",
        "primary_phone": "The account's Volt number (E.164): the one its messages are sent from.",
        "call_forwarding_number": "The number calls to ``primary_phone`` are forwarded to.",
        "location": "Where the account is, as Volt records it (free text; provisional).",
        "created_at": "When the account was created, as Volt sends it (``created_at_datetime``).",
        "last_updated_at": "When the account last changed (``last_updated_at_datetime``).",
    },
    "Contact": {
        "id": "Volt's id of the contact.",
        "phone_number": "The contact's phone number (E.164).",
        "name": "The contact's name, if one was given.",
        "mapped_number": "The Volt number the contact is mapped to (meaning provisional).",
        "blocked": "Whether the contact is blocked.",
        "created_at": "When the contact was created, as Volt sends it (``created_at_datetime``).",
        "last_updated_at": "When the contact last changed (``last_updated_at_datetime``).",
        "account": "The account (Volt number) the contact belongs to.",
        "custom_fields": "The contact's custom fields, as key/value pairs.",
        "lists": "The contact lists the contact is on.",
    },
    "ContactCustomField": {
        "key": "The custom field's name.",
        "value": "The custom field's value for this contact.",
    },
    "ContactList": {
        "id": "Volt's id of the list.",
        "name": "The list's name (lists are looked up by name and Volt number).",
        "created_by": "Who created the list, as Volt records it.",
        "size": "How many contacts are on the list.",
        "query_source_list_name": "For a list built by a query: the list it draws from "
        "(provisional).",
        "query_name_search_term": "For a list built by a query: its name filter (provisional).",
        "created_at": "When the list was created, as Volt sends it (``created_at_datetime``).",
        "last_updated_at": "When the list last changed (``last_updated_at_datetime``).",
    },
    "ConversationPage": {
        "messages": "The page's messages between the two numbers.",
        "page_info": "The size of the whole conversation.",
    },
    "Message": {
        "id": "Volt's id of the message: what ``get_message`` and ``wait_for_message`` take.",
        "legacy_id": "Volt's legacy id of the message, when it has one.",
        "to_number": "The recipient's number (E.164).",
        "from_number": "The sender's number (E.164): one of the organization's Volt numbers "
        "for an outgoing message.",
        "status": 'Where the message is ("queued", "sent", "delivered", "failed"...; '
        "the values are provisional, so it is a plain string).",
        "status_description": "A human-readable account of ``status``.",
        "media": "The URLs of the message's media (MMS); empty or ``None`` for an SMS.",
        "body": "The message's text.",
        "sent_at": "When the message was sent, as Volt sends it (``sent_at_datetime``).",
        "confirmed_at": "When the carrier confirmed the final status (``confirmed_at_datetime``).",
        "error_code": "Volt's error code for a failed message (``error`` says what it means).",
    },
    "PageInfo": {
        "total_items": "How many messages the whole conversation has.",
    },
    "Wave": {
        "id": "Volt's id of the wave.",
        "name": "The wave's name.",
        "type_": 'The wave\'s kind, as Volt sends it (``"type"`` in GraphQL; provisional).',
        "body": "The text the wave sends.",
        "media": "The URLs of the media the wave sends, if any.",
        "sent_by": "Who sent the wave, as Volt records it.",
        "scheduled_time": "When the wave is or was to be sent (``scheduled_time_datetime``).",
        "total_messages": "How many messages the wave sends.",
        "total_messages_delivered": "How many of them were delivered.",
        "total_messages_failed": "How many of them failed.",
        "lists": "The contact lists the wave is sent to.",
    },
    "Webhook": {
        "id": "Volt's id of the webhook: what ``delete_webhook`` takes.",
        "url": "Where Volt posts the events.",
        "primary_phone": "The Volt number whose events are posted (provisional).",
        "event_types": "The kinds of events posted.",
        "created_at": "When the webhook was registered (``created_at_datetime``).",
        "last_updated_at": "When the webhook last changed (``last_updated_at_datetime``).",
    },
}
