"""How each of Volt's objects looks on the command line: as it came (``--json``) or for people."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ._output import Output, one_line

if TYPE_CHECKING:
    from volt_sdk import Contact, ContactList, Message, Webhook

__all__ = [
    "conversation_table",
    "dump",
    "events",
    "message_rows",
    "print_contact",
    "print_list",
    "print_message",
    "print_webhook",
]


def dump(model: Any) -> Any:
    """The object as Volt returned it: field names as on the wire, values as JSON."""
    return model.model_dump(mode="json", by_alias=True)


def when(raw: str | None) -> str | None:
    """A timestamp for people: parsed when possible, else the raw value."""
    if raw is None:
        return None
    from volt_sdk import parse_timestamp

    parsed = parse_timestamp(raw)
    if parsed is None:
        return raw
    return parsed.isoformat(sep=" ", timespec="milliseconds" if parsed.microsecond else "seconds")


def rows(*pairs: tuple[str, str | None]) -> list[tuple[str, str]]:
    """The pairs whose value is set."""
    return [(key, value) for key, value in pairs if value is not None]


def message_rows(message: Message, out: Output) -> list[tuple[str, str]]:
    from volt_sdk import message_segments

    segments = None
    if message.body:
        info = message_segments(message.body)
        segments = f"{info.segments} ({info.encoding}, {info.characters} characters)"
    status = out.status(message.status)
    if message.status_description:
        status += f" ({message.status_description})"
    error = message.error
    return rows(
        ("id", message.id),
        ("status", status),
        ("from -> to", f"{message.from_number or '?'} -> {message.to_number or '?'}"),
        ("segments", segments),
        ("media", "\n".join(message.media) if message.media else None),
        ("sent at", when(message.sent_at)),
        ("confirmed at", when(message.confirmed_at)),
        ("error", f"{error.code} ({error.category.value}): {error.description}" if error else None),
        ("body", message.body or None),
    )


def print_message(message: Message, out: Output) -> None:
    if out.as_json:
        out.json(dump(message))
    else:
        out.fields(message_rows(message, out))


def conversation_table(messages: Sequence[Message], out: Output) -> None:
    out.table(
        ("ID", "SENT", "FROM -> TO", "STATUS", "BODY"),
        [
            (
                m.id,
                when(m.sent_at) or "-",
                f"{m.from_number or '?'} -> {m.to_number or '?'}",
                m.status or "-",
                one_line(m.body),
            )
            for m in messages
        ],
    )


def print_contact(contact: Contact, out: Output) -> None:
    if out.as_json:
        out.json(dump(contact))
        return
    account = contact.account
    fields = [f for f in contact.custom_fields or () if f is not None]
    lists = [lst.name or lst.id for lst in contact.lists or () if lst is not None]
    out.fields(
        rows(
            ("id", contact.id),
            ("name", contact.name),
            ("phone", contact.phone_number),
            ("mapped number", contact.mapped_number),
            ("blocked", None if contact.blocked is None else "yes" if contact.blocked else "no"),
            (
                "account",
                f"{account.name or account.id} ({account.primary_phone})" if account else None,
            ),
            ("fields", "\n".join(f"{f.key} = {f.value}" for f in fields) if fields else None),
            ("lists", ", ".join(lists) if lists else None),
            ("created at", when(contact.created_at)),
            ("updated at", when(contact.last_updated_at)),
        )
    )


def print_list(contact_list: ContactList, out: Output) -> None:
    if out.as_json:
        out.json(dump(contact_list))
        return
    out.fields(
        rows(
            ("id", contact_list.id),
            ("name", contact_list.name),
            ("size", None if contact_list.size is None else str(contact_list.size)),
            ("created by", contact_list.created_by),
            ("source list", contact_list.query_source_list_name),
            ("name search", contact_list.query_name_search_term),
            ("created at", when(contact_list.created_at)),
            ("updated at", when(contact_list.last_updated_at)),
        )
    )


def events(webhook: Webhook) -> str:
    names = [e.value for e in webhook.event_types or () if e is not None]
    return ", ".join(names) if names else "all events"


def print_webhook(webhook: Webhook, out: Output) -> None:
    if out.as_json:
        out.json(dump(webhook))
        return
    out.fields(
        rows(
            ("id", webhook.id),
            ("url", webhook.url),
            ("number", webhook.primary_phone or "all numbers"),
            ("events", events(webhook)),
            ("created at", when(webhook.created_at)),
            ("updated at", when(webhook.last_updated_at)),
        )
    )
