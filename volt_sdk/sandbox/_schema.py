"""The executable schema: the packaged ``schema.graphql`` bound to the store with ariadne.

Resolvers are plain synchronous functions (but ``registerWebhook``, whose test
request runs in a worker thread): graphql-core then runs a whole operation
without creating a single coroutine. The store travels as the
execution context (``info.context``), so one schema object serves every sandbox
in the process, and ariadne's own ASGI app (the benchmark's baseline) can run
the very same resolvers.
"""

from __future__ import annotations

import asyncio
import functools
import importlib.resources
import inspect
from collections.abc import Mapping, Sequence
from typing import Any

from ariadne import (
    MutationType,
    ObjectType,
    QueryType,
    load_schema_from_path,  # pyright: ignore[reportUnknownVariableType] - a bare PathLike
)
from ariadne import make_executable_schema as _make_executable_schema
from graphql import GraphQLEnumType, GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema

from ._store import (
    WAVE_PREFIX,
    AccountView,
    ContactView,
    ListView,
    MessageView,
    OrganizationView,
    Store,
    WaveView,
)

__all__ = ["build_schema", "schema_sdl"]

SCHEMA_FILE = "schema.graphql"
_PACKAGE = "volt_sdk.sandbox"


def schema_sdl() -> str:
    """The packaged SDL, exactly as shipped (``volt_sdk/sandbox/schema.graphql``)."""
    return importlib.resources.files(_PACKAGE).joinpath(SCHEMA_FILE).read_text("utf-8")


def _store(info: GraphQLResolveInfo) -> Store:
    store: Store = info.context
    return store


query = QueryType()
mutation = MutationType()
message_type = ObjectType("Message")
contact_type = ObjectType("Contact")
account_type = ObjectType("Account")
wave_type = ObjectType("Wave")


# -- queries --------------------------------------------------------------------------


@query.field("contact")
def resolve_contact(
    _: None, info: GraphQLResolveInfo, *, primary_phone: str, phone_number: str
) -> ContactView | None:
    return _store(info).contact(primary_phone=primary_phone, phone_number=phone_number)


@query.field("message")
def resolve_message(_: None, info: GraphQLResolveInfo, *, id: str) -> MessageView | None:
    return _store(info).message(id)


@query.field("conversation")
def resolve_conversation(
    _: None, info: GraphQLResolveInfo, *, to: str, from_: str, before: str | None = None
) -> dict[str, Any]:
    return _store(info).conversation(to=to, from_=from_, before=before)


@query.field("list")
def resolve_list(
    _: None, info: GraphQLResolveInfo, *, primary_phone: str, list_name: str
) -> ListView | None:
    return _store(info).contact_list(primary_phone=primary_phone, list_name=list_name)


@query.field("wave")
def resolve_wave(_: None, info: GraphQLResolveInfo, *, id: str) -> WaveView | None:
    return _store(info).wave(id)


@query.field("webhooks")
def resolve_webhooks(_: None, info: GraphQLResolveInfo) -> list[Any]:
    return list(_store(info).webhooks())


# -- mutations ------------------------------------------------------------------------


@mutation.field("createMessage")
def resolve_create_message(
    _: None,
    info: GraphQLResolveInfo,
    *,
    to: str,
    from_: str,
    body: str,
    media: Sequence[str] | None = None,
    passthrough: str | None = None,
) -> MessageView:
    return _store(info).create_message(
        to=to, from_=from_, body=body, media=media, passthrough=passthrough
    )


@mutation.field("registerWebhook")
async def resolve_register_webhook(
    _: None,
    info: GraphQLResolveInfo,
    *,
    url: str,
    primary_phone: str | None = None,
    event_types: Sequence[str | None] | None = None,
) -> Any:
    # The only asynchronous resolver: Volt's test request to the URL waits for an
    # answer, and the server must keep serving meanwhile (a receiver may fetch the
    # sandbox's webhook key while it answers the test request).
    store = _store(info)
    return await asyncio.to_thread(
        functools.partial(
            store.register_webhook, url=url, primary_phone=primary_phone, event_types=event_types
        )
    )


@mutation.field("deleteWebhook")
def resolve_delete_webhook(_: None, info: GraphQLResolveInfo, *, id: str) -> Any:
    return _store(info).delete_webhook(id)


@mutation.field("createOrUpdateContact")
def resolve_create_or_update_contact(
    _: None,
    info: GraphQLResolveInfo,
    *,
    name: str,
    phone_number: str,
    account_phone: str,
    custom_fields: Sequence[Mapping[str, Any] | None],
    blocked: bool,
) -> ContactView:
    return _store(info).upsert_contact(
        name=name,
        phone_number=phone_number,
        account_phone=account_phone,
        custom_fields=custom_fields,
        blocked=blocked,
    )


@mutation.field("createOrUpdateList")
def resolve_create_or_update_list(
    _: None, info: GraphQLResolveInfo, *, primary_phone: str, list_query: Mapping[str, Any]
) -> ListView:
    return _store(info).upsert_list(primary_phone=primary_phone, list_query=list_query)


@mutation.field("addContactsToList")
def resolve_add_contacts_to_list(
    _: None,
    info: GraphQLResolveInfo,
    *,
    primary_phone: str,
    list_name: str,
    phone_numbers: Sequence[str],
) -> ListView:
    return _store(info).add_contacts_to_list(
        primary_phone=primary_phone, list_name=list_name, phone_numbers=phone_numbers
    )


@mutation.field("createWave")
def resolve_create_wave(_: None, info: GraphQLResolveInfo, *, input: Mapping[str, Any]) -> WaveView:
    return _store(info).create_wave(input)


# -- object relations -----------------------------------------------------------------


def _organization(_: object, info: GraphQLResolveInfo) -> OrganizationView:
    return _store(info).organization


for _object in (message_type, contact_type, account_type, wave_type):
    _object.field("organization")(_organization)


@message_type.field("account")
def resolve_message_account(message: MessageView, info: GraphQLResolveInfo) -> AccountView | None:
    return _store(info).account(message.account_phone)


@message_type.field("contact")
def resolve_message_contact(message: MessageView, info: GraphQLResolveInfo) -> ContactView | None:
    return _store(info).contact_of_message(message)


@message_type.field("wave")
def resolve_message_wave(message: MessageView, info: GraphQLResolveInfo) -> WaveView | None:
    if message.wave_seq is None:
        return None
    return _store(info).wave(f"{WAVE_PREFIX}{message.wave_seq:012d}")


@contact_type.field("account")
def resolve_contact_account(contact: ContactView, info: GraphQLResolveInfo) -> AccountView | None:
    return _store(info).account(contact.account_phone)


@contact_type.field("lists")
def resolve_contact_lists(contact: ContactView, info: GraphQLResolveInfo) -> list[ListView]:
    return _store(info).lists_of_contact(contact)


@wave_type.field("account")
def resolve_wave_account(wave: WaveView, info: GraphQLResolveInfo) -> AccountView | None:
    return _store(info).account(wave.account_phone)


@wave_type.field("lists")
def resolve_wave_lists(wave: WaveView, info: GraphQLResolveInfo) -> list[ListView]:
    return _store(info).lists_by_seq(wave.list_seqs)


@functools.lru_cache(maxsize=4)
def build_schema(sdl: str | None = None) -> GraphQLSchema:
    """The executable schema, built once per SDL (it holds no state of its own).

    ``sdl`` replaces the packaged schema, for tests of what a changed Volt schema
    does to the client; the resolvers are the same, so it must keep the types
    they are bound to.
    """
    if sdl is None:
        with importlib.resources.as_file(
            importlib.resources.files(_PACKAGE).joinpath(SCHEMA_FILE)
        ) as path:
            type_defs = load_schema_from_path(path)
    else:
        type_defs = sdl
    schema = _make_executable_schema(
        type_defs,
        query,
        mutation,
        message_type,
        contact_type,
        account_type,
        wave_type,
        convert_names_case=True,
    )
    _repair_enum_parse_value(schema)
    # `from` is a Python keyword: hand it to resolvers as `from_`.
    for type_name, field_name in (("Mutation", "createMessage"), ("Query", "conversation")):
        object_type = schema.get_type(type_name)
        assert isinstance(object_type, GraphQLObjectType)
        object_type.fields[field_name].args["from"].out_name = "from_"
    return schema


def _repair_enum_parse_value(schema: GraphQLSchema) -> None:
    """Undo a clash between ariadne 1.1.1 and graphql-core 3.2.14 on enum variables.

    ariadne replaces each ``GraphQLEnumType.parse_value`` with a one-argument
    function (to let already-converted default values through); graphql-core
    3.2.14 calls it with ``(value, hide_suggestions)``, so every enum passed as a
    variable (``registerWebhook(eventTypes: $types)``) failed. This keeps
    ariadne's pass-through for non-strings and graphql-core's own parsing for names.
    """
    takes_hint = "hide_suggestions" in inspect.signature(GraphQLEnumType.parse_value).parameters
    for named in schema.type_map.values():
        patched = vars(named).get("parse_value") if isinstance(named, GraphQLEnumType) else None
        if patched is None or len(inspect.signature(patched).parameters) != 1:
            continue
        assert isinstance(named, GraphQLEnumType)

        def parse_value(
            value: Any,
            hide_suggestions: bool = False,
            *,
            _enum: GraphQLEnumType = named,
            _patched: Any = patched,
        ) -> Any:
            if not isinstance(value, str):
                return _patched(value)
            if takes_hint:
                return GraphQLEnumType.parse_value(_enum, value, hide_suggestions)
            return GraphQLEnumType.parse_value(_enum, value)

        named.parse_value = parse_value  # type: ignore[method-assign,assignment]
