"""Typing-only: the webhook receiving kit used the way customers use it.

Never run; checked by ``mypy --strict`` and ``pyright --strict`` (``make typecheck``),
beside ``usage.py`` (which ``make typecheck-dist`` also checks against a wheel installed
without the webhook extras). A line marked ``type: ignore[...]`` is a mistake the type
checkers must catch.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from typing_extensions import assert_type

from volt_sdk.webhooks import (
    MessageEvent,
    MessageFinalizedEvent,
    MessageReceivedEvent,
    UnknownEvent,
    WebhookEvent,
    WebhookReceiver,
    WebhookResponse,
    WebhookRouter,
)

router = WebhookRouter()


@router.on(MessageReceivedEvent)
def on_reply(event: MessageReceivedEvent) -> None:
    assert_type(event.payload.text, str | None)


@router.on(MessageFinalizedEvent)
async def on_final(event: MessageFinalizedEvent) -> None:
    assert_type(event.payload.status, str | None)


@router.on(MessageReceivedEvent)
def on_any_message(event: MessageEvent) -> None:  # a handler of a base class takes it too
    pass


@router.fallback
def on_other(event: WebhookEvent) -> None:
    if isinstance(event, UnknownEvent):
        print(event.payload)


assert_type(on_reply, Callable[[MessageReceivedEvent], None])


def mistakes() -> None:
    def wrong_event(event: MessageReceivedEvent) -> None: ...

    def returns_a_value(event: MessageEvent) -> int:
        return 1

    router.on(MessageFinalizedEvent)(wrong_event)  # type: ignore[arg-type]
    router.on(MessageEvent)(wrong_event)  # type: ignore[arg-type]
    router.on(MessageEvent)(returns_a_value)  # type: ignore[type-var]
    router.on(dict)  # type: ignore[type-var]


async def receive(headers: dict[str, str], body: bytes) -> None:
    receiver = WebhookReceiver(router=router, max_age=300)
    assert_type(receiver.handle(headers, body), WebhookResponse)
    assert_type(await receiver.handle_async(headers, body), WebhookResponse)
    handler: Callable[[WebhookEvent], Awaitable[None]] = on_other_async
    receiver.handle(headers, body, handler)


async def on_other_async(event: WebhookEvent) -> None: ...
