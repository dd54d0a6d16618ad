"""The checks every argument of a public method goes through before a request.

Each method named after an operation turns a client method's arguments into the
generated operation's, as a TypedDict checked at the ``**`` call, or raises a
:class:`ValidationError` that names the argument. Both clients call the same
ones, so they cannot drift apart, and nothing is sent when an argument is refused.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, TypedDict, TypeVar

from volt_sdk._config import ClientConfig, is_finite_number
from volt_sdk._errors import MessageOutcomeUnknownError, ValidationError
from volt_sdk._message import check_http_url, check_utf8, validate_message
from volt_sdk._phone import normalize_phone
from volt_sdk._text import quote_value
from volt_sdk._wire import client_reference
from volt_sdk_graphql.enums import WebhookEventType

# The generated models (pydantic's machinery) are imported where a value is
# built, not with the clients: ``from volt_sdk import Volt`` stays cheap, and the
# first call loads them with the generated operations anyway.
if TYPE_CHECKING:
    from volt_sdk_graphql.base_model import UnsetType
    from volt_sdk_graphql.input_types import ContactCustomFieldInput, ListQuery

__all__ = [
    "AddContactsArgs",
    "ArgumentRules",
    "ContactArgs",
    "ConversationArgs",
    "CreateMessageArgs",
    "ListArgs",
    "RegisterWebhookArgs",
    "UpsertContactArgs",
    "UpsertListArgs",
]

_T = TypeVar("_T")


# The event types the schema names (the generated enum also takes unknown ones).
_EVENT_TYPES: Final = frozenset(member.value for member in WebhookEventType)


def _check_iterable(value: object, argument: str, expected: str) -> None:
    if not isinstance(value, Iterable):
        raise ValidationError(
            f"{argument}: expected {expected}, got {type(value).__name__}",
            argument=argument,
            value=value,
            reason="not_a_list",
        )


def _absent_if_none(value: _T | None) -> _T | UnsetType:
    """GraphQL tells "absent" from null: an argument not given is left out, never sent as null."""
    from volt_sdk_graphql.base_model import UNSET

    return UNSET if value is None else value


class CreateMessageArgs(TypedDict):
    to: str
    from_: str
    body: str
    media: list[str] | UnsetType
    passthrough: str


class ConversationArgs(TypedDict):
    to: str
    from_: str
    before: str | UnsetType


class ContactArgs(TypedDict):
    primary_phone: str
    phone_number: str


class UpsertContactArgs(TypedDict):
    name: str
    phone_number: str
    account_phone: str
    custom_fields: list[ContactCustomFieldInput]
    blocked: bool


class ListArgs(TypedDict):
    primary_phone: str
    list_name: str


class UpsertListArgs(TypedDict):
    primary_phone: str
    list_query: ListQuery


class AddContactsArgs(TypedDict):
    primary_phone: str
    list_name: str
    phone_numbers: list[str]


class RegisterWebhookArgs(TypedDict):
    url: str
    primary_phone: str | UnsetType
    event_types: list[WebhookEventType | None] | UnsetType


class ArgumentRules:
    """The checks every argument goes through before a request, shared by both clients.

    The methods named after an operation turn a public method's arguments into the
    generated operation's, or raise a ValidationError naming the argument: both
    clients call the same one, so they cannot drift apart.
    """

    __slots__ = ("region", "strict")

    def __init__(self, config: ClientConfig) -> None:
        self.region = config.default_region
        self.strict = config.strict_numbers

    def create_message(
        self, to: str, from_: str, body: str, media: Sequence[str] | None, passthrough: str | None
    ) -> CreateMessageArgs:
        to = self.phone(to, "to")
        from_ = self.phone(from_, "from_")
        body, media_list = validate_message(body=body, media=media)
        return {
            "to": to,
            "from_": from_,
            "body": body,
            "media": _absent_if_none(media_list),
            # Every send carries a reference, so an uncertain one can be traced.
            "passthrough": self.optional_text(passthrough, "passthrough") or client_reference(),
        }

    def conversation(self, to: str, from_: str, before: str | None) -> ConversationArgs:
        return {
            "to": self.phone(to, "to"),
            "from_": self.phone(from_, "from_"),
            "before": _absent_if_none(self.optional_text(before, "before")),
        }

    def contact(self, phone_number: str, primary_phone: str) -> ContactArgs:
        return {
            "phone_number": self.phone(phone_number, "phone_number"),
            "primary_phone": self.phone(primary_phone, "primary_phone"),
        }

    def upsert_contact(
        self,
        phone_number: str,
        account_phone: str,
        name: str,
        blocked: bool,
        custom_fields: Mapping[str, str | None] | None,
    ) -> UpsertContactArgs:
        return {
            "phone_number": self.phone(phone_number, "phone_number"),
            "account_phone": self.phone(account_phone, "account_phone"),
            "name": self.text(name, "name", allow_empty=True),
            "blocked": _boolean(blocked, "blocked"),
            "custom_fields": self.custom_fields(custom_fields),
        }

    def list_lookup(self, primary_phone: str, name: str) -> ListArgs:
        return {
            "primary_phone": self.phone(primary_phone, "primary_phone"),
            "list_name": self.text(name, "name"),
        }

    def upsert_list(
        self,
        primary_phone: str,
        name: str,
        source_list_name: str | None,
        name_search_term: str | None,
    ) -> UpsertListArgs:
        return {
            "primary_phone": self.phone(primary_phone, "primary_phone"),
            "list_query": _list_query(name, source_list_name, name_search_term),
        }

    def add_contacts(
        self, primary_phone: str, list_name: str, phone_numbers: Iterable[str]
    ) -> AddContactsArgs:
        return {
            "primary_phone": self.phone(primary_phone, "primary_phone"),
            "list_name": self.text(list_name, "list_name"),
            "phone_numbers": self.phones(phone_numbers, "phone_numbers"),
        }

    def register_webhook(
        self,
        url: str,
        primary_phone: str | None,
        event_types: Sequence[WebhookEventType | str] | None,
    ) -> RegisterWebhookArgs:
        check_http_url(url, "url", ValidationError)
        return {
            "url": url,
            "primary_phone": _absent_if_none(self.optional_phone(primary_phone, "primary_phone")),
            "event_types": _absent_if_none(self.event_types(event_types)),
        }

    def phone(self, number: str, argument: str) -> str:
        return normalize_phone(number, region=self.region, strict=self.strict, argument=argument)

    def optional_phone(self, number: str | None, argument: str) -> str | None:
        return None if number is None else self.phone(number, argument)

    def phones(self, numbers: Iterable[str], argument: str) -> list[str]:
        _check_iterable(numbers, argument, "a list of phone numbers")
        if isinstance(numbers, (str, bytes)):
            raise ValidationError(
                f"{argument}: expected a list of phone numbers, "
                f"got a single {type(numbers).__name__}",
                argument=argument,
                value=numbers,
                reason="not_a_list",
            )
        result = [self.phone(n, f"{argument}[{i}]") for i, n in enumerate(numbers)]
        if not result:
            raise ValidationError(
                f"{argument}: expected at least one phone number, got none",
                argument=argument,
                value=numbers,
                reason="empty",
            )
        return result

    @staticmethod
    def text(value: str, argument: str, *, allow_empty: bool = False) -> str:
        if not isinstance(value, str):
            raise ValidationError(
                f"{argument}: expected a str, got {type(value).__name__}",
                argument=argument,
                value=value,
                reason="not_a_string",
            )
        if not allow_empty and not value.strip():
            raise ValidationError(
                f"{argument}: must not be empty", argument=argument, value=value, reason="empty"
            )
        check_utf8(value, argument, ValidationError)
        return value

    @staticmethod
    def optional_text(value: str | None, argument: str) -> str | None:
        return None if value is None else ArgumentRules.text(value, argument, allow_empty=True)

    @staticmethod
    def reconcile(
        unknown: object, exclude_ids: object, clock_skew: object, max_pages: object
    ) -> None:
        """The arguments of ``reconcile_message``, or a ValidationError naming the bad one."""
        if not isinstance(unknown, MessageOutcomeUnknownError):
            raise ValidationError(
                "unknown: expected the MessageOutcomeUnknownError that send_message raised, "
                f"got {type(unknown).__name__}",
                argument="unknown",
                value=unknown,
                reason="wrong_type",
            )
        if not isinstance(exclude_ids, Collection) or isinstance(exclude_ids, str):
            raise ValidationError(
                "exclude_ids: expected a collection of message ids, "
                f"got {type(exclude_ids).__name__}",
                argument="exclude_ids",
                value=exclude_ids,
                reason="not_a_list",
            )
        if not is_finite_number(clock_skew) or clock_skew < 0:
            raise ValidationError(
                f"clock_skew: expected a number of seconds >= 0, got {quote_value(clock_skew)}",
                argument="clock_skew",
                value=clock_skew,
                reason="out_of_range",
            )
        if not isinstance(max_pages, int) or isinstance(max_pages, bool) or max_pages < 1:
            raise ValidationError(
                f"max_pages: expected a whole number >= 1, got {quote_value(max_pages)}",
                argument="max_pages",
                value=max_pages,
                reason="out_of_range",
            )

    @staticmethod
    def outgoing(messages: object) -> None:
        """``Volt.send_many``'s ``messages``: an iterable of OutgoingMessage."""
        given = messages  # as given, not as narrowed below
        if isinstance(messages, AsyncIterable) and not isinstance(messages, Iterable):
            raise ValidationError(
                "messages: Volt.send_many takes an iterable; an async iterable goes to "
                "AsyncVolt.send_many",
                argument="messages",
                value=given,
                reason="not_a_list",
            )
        ArgumentRules.outgoing_async(messages)

    @staticmethod
    def outgoing_async(messages: object) -> None:
        """``AsyncVolt.send_many``'s ``messages``: an iterable or async iterable of them."""
        if not isinstance(messages, (Iterable, AsyncIterable)) or isinstance(
            messages, (str, bytes)
        ):
            raise ValidationError(
                f"messages: expected an iterable of OutgoingMessage, got {type(messages).__name__}",
                argument="messages",
                value=messages,
                reason="not_a_list",
            )

    @staticmethod
    def identifier(value: str, argument: str) -> str:
        # Volt's ids are strings (ID!); an int is refused like any other non-str,
        # rather than turned into an id that merely looks right.
        return ArgumentRules.text(value, argument)

    @staticmethod
    def event_types(
        values: Sequence[WebhookEventType | str] | None,
    ) -> list[WebhookEventType | None] | None:
        if values is None:
            return None
        if isinstance(values, str):
            raise ValidationError(
                "event_types: expected a list of event types, got a single str",
                argument="event_types",
                value=values,
                reason="not_a_list",
            )
        _check_iterable(values, "event_types", "a list of event types")
        result: list[WebhookEventType | None] = []
        for i, value in enumerate(values):
            if not isinstance(value, str):
                raise ValidationError(
                    f"event_types[{i}]: expected a WebhookEventType or str, "
                    f"got {type(value).__name__}",
                    argument=f"event_types[{i}]",
                    value=value,
                    reason="not_a_string",
                )
            if value not in _EVENT_TYPES:
                # Checked here, not by Volt: the generated enum is open (it takes
                # values Volt adds later in answers), so it would send anything.
                raise ValidationError(
                    f"event_types[{i}]: {quote_value(value)} is not an event type; "
                    f"expected one of {', '.join(sorted(_EVENT_TYPES))} (values as "
                    "reconstructed, provisional until Volt's schema is introspected)",
                    argument=f"event_types[{i}]",
                    value=value,
                    reason="unknown_event_type",
                )
            result.append(WebhookEventType(value))
        return result

    @staticmethod
    def custom_fields(
        fields: Mapping[str, str | None] | None,
    ) -> list[ContactCustomFieldInput]:
        if fields is None:
            return []
        if not isinstance(fields, Mapping):
            raise ValidationError(
                "custom_fields: expected a mapping of field name to value, "
                f"got {type(fields).__name__}",
                argument="custom_fields",
                value=fields,
                reason="not_a_mapping",
            )
        from volt_sdk_graphql.input_types import ContactCustomFieldInput

        result: list[ContactCustomFieldInput] = []
        for key, value in fields.items():
            ArgumentRules.text(key, "custom_fields key")
            if value is not None:
                ArgumentRules.text(value, f"custom_fields[{key!r}]", allow_empty=True)
            result.append(ContactCustomFieldInput(key=key, value=value))
        return result


def _boolean(value: bool, argument: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(
            f"{argument}: expected True or False, got {type(value).__name__}",
            argument=argument,
            value=value,
            reason="not_a_bool",
        )
    return value


def _list_query(name: str, source_list_name: str | None, name_search_term: str | None) -> ListQuery:
    fields: dict[str, Any] = {"name": ArgumentRules.text(name, "name")}
    if source_list_name is not None:
        fields["source_list_name"] = ArgumentRules.text(source_list_name, "source_list_name")
    if name_search_term is not None:
        fields["name_search_term"] = ArgumentRules.text(
            name_search_term, "name_search_term", allow_empty=True
        )
    from volt_sdk_graphql.input_types import ListQuery

    return ListQuery(**fields)
