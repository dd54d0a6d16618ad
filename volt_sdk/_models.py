"""Public model names.

Each is a generated fragment model re-exported under a stable, plain name: the
fragment, not the operation, names the type, so renaming an operation never
renames a class a user imported. Their fields' docstrings are in the generated
code, written by ``make generate`` from ``queries/field_docs.toml``.
"""

from __future__ import annotations

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
