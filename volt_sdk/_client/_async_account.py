"""What the account holds, as methods of :class:`AsyncVolt`: contacts, lists, waves, webhooks.

Written once, as the async source of both clients (see ``_async_client.py``).
Each method only does the I/O; the argument rules (``_arguments``) and the
result handling (``_results``) are shared.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from ._base import BaseVolt
from ._results import RESPONSE_SHAPE, found, returned

# The models (pydantic's machinery) load with the first call, not with the client.
if TYPE_CHECKING:
    from volt_sdk._models import Contact, ContactList, Wave, Webhook, WebhookEventType
    from volt_sdk_graphql.async_client import AsyncVoltGraphQL

__all__ = ["AsyncAccountMethods"]


class AsyncAccountMethods(BaseVolt):
    """Contacts, lists, waves and webhooks."""

    _gql: AsyncVoltGraphQL

    # -- contacts -------------------------------------------------------------

    async def get_contact(self, *, phone_number: str, primary_phone: str) -> Contact:
        """The contact with ``phone_number`` on your Volt number ``primary_phone``.

        Args:
            phone_number: the contact's number.
            primary_phone: your Volt number the contact belongs to.

        Returns:
            The :class:`Contact`.

        Raises:
            InvalidPhoneNumberError: a number is not usable.
            NotFoundError: there is no such contact.
            VoltError: the request failed (see the error tree).
        """
        args = self._rules.contact(phone_number, primary_phone)
        with RESPONSE_SHAPE:
            result = await self._gql.get_contact(**args)
        return found(result.contact, "contact", "GetContact", **args)

    async def upsert_contact(
        self,
        *,
        phone_number: str,
        account_phone: str,
        name: str,
        blocked: bool,
        custom_fields: Mapping[str, str | None] | None = None,
    ) -> Contact:
        """Create the contact, or update the one with this number on ``account_phone``.

        Args:
            phone_number: the contact's number.
            account_phone: your Volt number the contact belongs to.
            name: the contact's name (may be empty).
            blocked: whether Volt refuses to text the contact. No default on
                purpose: Volt requires it on every call, and a default of
                ``False`` would silently unblock a contact.
            custom_fields: field names mapped to values (``None`` clears one);
                their wire shape (``key``/``value``) is a [GUESS].

        Returns:
            The :class:`Contact` as stored.

        Raises:
            ValidationError: an argument is refused (a number, a name that is
                not a string, ``blocked`` that is not a bool, ...).
            VoltError: the request failed (see the error tree).
        """
        args = self._rules.upsert_contact(phone_number, account_phone, name, blocked, custom_fields)
        with RESPONSE_SHAPE:
            result = await self._gql.upsert_contact(**args)
        return returned(result.create_or_update_contact, "UpsertContact", "createOrUpdateContact")

    # -- lists ----------------------------------------------------------------

    async def get_list(self, *, primary_phone: str, name: str) -> ContactList:
        """The contact list called ``name`` on your Volt number ``primary_phone``.

        Args:
            primary_phone: your Volt number the list belongs to.
            name: the list's name.

        Returns:
            The :class:`ContactList`.

        Raises:
            ValidationError: a number is not usable, or ``name`` is empty.
            NotFoundError: there is no such list.
            VoltError: the request failed (see the error tree).
        """
        args = self._rules.list_lookup(primary_phone, name)
        with RESPONSE_SHAPE:
            result = await self._gql.get_list(**args)
        return found(result.list_, "list", "GetList", **args)

    async def upsert_list(
        self,
        *,
        primary_phone: str,
        name: str,
        source_list_name: str | None = None,
        name_search_term: str | None = None,
    ) -> ContactList:
        """Create or update a list; ``source_list_name``/``name_search_term`` make it dynamic.

        The fields of Volt's ``ListQuery`` input are a [GUESS]; only the given ones are sent.

        Args:
            primary_phone: your Volt number the list belongs to.
            name: the list's name.
            source_list_name: the list whose contacts this one draws from.
            name_search_term: keep only contacts whose name contains this.

        Returns:
            The :class:`ContactList` as stored.

        Raises:
            ValidationError: a number is not usable, or a name is empty.
            VoltError: the request failed (see the error tree).
        """
        args = self._rules.upsert_list(primary_phone, name, source_list_name, name_search_term)
        with RESPONSE_SHAPE:
            result = await self._gql.upsert_list(**args)
        return returned(result.create_or_update_list, "UpsertList", "createOrUpdateList")

    async def add_contacts_to_list(
        self, *, primary_phone: str, list_name: str, phone_numbers: Iterable[str]
    ) -> ContactList:
        """Add contacts, by number, to the list ``list_name``.

        Args:
            primary_phone: your Volt number the list belongs to.
            list_name: the list's name.
            phone_numbers: the contacts' numbers (at least one; not a single str).

        Returns:
            The :class:`ContactList` after the change.

        Raises:
            ValidationError: a number is not usable, the list of numbers is empty
                or a single string, or ``list_name`` is empty.
            VoltError: the request failed (see the error tree).
        """
        args = self._rules.add_contacts(primary_phone, list_name, phone_numbers)
        with RESPONSE_SHAPE:
            result = await self._gql.add_contacts_to_list(**args)
        return returned(result.add_contacts_to_list, "AddContactsToList", "addContactsToList")

    # -- waves ----------------------------------------------------------------

    async def get_wave(self, id: str) -> Wave:
        """The wave (a bulk send made in Volt) with this id.

        Args:
            id: the wave's id.

        Returns:
            The :class:`Wave`.

        Raises:
            ValidationError: ``id`` is empty or not a string.
            NotFoundError: there is no such wave.
            VoltError: the request failed (see the error tree).
        """
        id = self._rules.identifier(id, "id")
        with RESPONSE_SHAPE:
            result = await self._gql.get_wave(id=id)
        return found(result.wave, "wave", "GetWave", id=id)

    # -- webhooks -------------------------------------------------------------

    async def list_webhooks(self) -> list[Webhook]:
        """Every webhook registered for the organization.

        Returns:
            A list of :class:`Webhook` (empty when there is none).

        Raises:
            VoltError: the request failed (see the error tree).
        """
        with RESPONSE_SHAPE:
            result = await self._gql.list_webhooks()
        return list(result.webhooks or ())

    async def register_webhook(
        self,
        *,
        url: str,
        primary_phone: str | None = None,
        event_types: Sequence[WebhookEventType | str] | None = None,
    ) -> Webhook:
        """Register ``url`` for message events; Volt first sends it a test request.

        Args:
            url: the public ``http(s)`` URL that receives the events.
            primary_phone: only events of this Volt number. Default: every number
                of the organization.
            event_types: only these events. Default: every event type. The
                values are a [GUESS].

        Returns:
            The :class:`Webhook` as registered.

        Raises:
            ValidationError: the URL, the number or an event type is refused.
            VoltError: the request failed, or Volt refused the URL (see the error tree).
        """
        args = self._rules.register_webhook(url, primary_phone, event_types)
        with RESPONSE_SHAPE:
            result = await self._gql.register_webhook(**args)
        return returned(result.register_webhook, "RegisterWebhook", "registerWebhook")

    async def delete_webhook(self, id: str) -> Webhook:
        """Delete the webhook with this id.

        Args:
            id: the webhook's id.

        Returns:
            The :class:`Webhook` as it was.

        Raises:
            ValidationError: ``id`` is empty or not a string.
            NotFoundError: there is no such webhook.
            VoltError: the request failed (see the error tree).
        """
        id = self._rules.identifier(id, "id")
        with RESPONSE_SHAPE:
            result = await self._gql.delete_webhook(id=id)
        return found(result.delete_webhook, "webhook", "DeleteWebhook", id=id)
