"""Receive Volt webhooks in Starlette or FastAPI (extra: ``pip install "volt-sdk[starlette]"``).

::

    from starlette.applications import Starlette

    from volt_sdk.webhooks import MessageReceivedEvent, WebhookReceiver
    from volt_sdk.webhooks.starlette import webhook_route

    receiver = WebhookReceiver()

    @receiver.router.on(MessageReceivedEvent)
    async def on_reply(event: MessageReceivedEvent) -> None:
        print("reply", event.payload.text)

    app = Starlette(routes=[webhook_route(receiver, "/webhooks/volt")])

FastAPI: ``app.add_api_route("/webhooks/volt", webhook_endpoint(receiver),
methods=["POST"], include_in_schema=False)``. The body is read as a stream, raw,
and refused (413) as soon as it passes the receiver's ``max_body``; nothing parses
it before the signature is checked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ._adapters import require

require("starlette", "starlette")

from starlette.requests import Request  # noqa: E402 - after the guard
from starlette.responses import Response  # noqa: E402
from starlette.routing import Route  # noqa: E402

from ._events import WebhookEvent  # noqa: E402
from ._receiver import WebhookReceiver, WebhookResponse  # noqa: E402

__all__ = ["webhook", "webhook_endpoint", "webhook_route"]

Handler = Callable[[WebhookEvent], Awaitable[None] | None]
Endpoint = Callable[[Request], Awaitable[Response]]


def _response(answer: WebhookResponse) -> Response:
    return Response(answer.body, status_code=answer.status, headers=dict(answer.headers))


async def _read(request: Request, limit: int) -> bytes | None:
    """The raw body, or None once it is over ``limit`` bytes (the rest is not read)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def webhook_endpoint(
    receiver: WebhookReceiver,
    handler: Handler | None = None,
) -> Endpoint:
    """An async endpoint (``request -> response``) that runs ``receiver`` on each request.

    ``handler`` replaces the receiver's router. For ``Route(path, endpoint,
    methods=["POST"])`` and FastAPI's ``add_api_route``.
    """

    async def volt_webhook(request: Request) -> Response:
        body = await _read(request, receiver.max_body)
        if body is None:
            return Response(b"refused", status_code=413, media_type="text/plain")
        return _response(await receiver.handle_async(request.headers, body, handler))

    return volt_webhook


def webhook_route(receiver: WebhookReceiver, path: str = "/webhooks/volt") -> Route:
    """A Starlette ``Route`` at ``path``: POST only (other methods: 405), ``receiver`` behind it."""
    return Route(path, webhook_endpoint(receiver), methods=["POST"])


def webhook(
    receiver: WebhookReceiver,
) -> Callable[[Handler], Endpoint]:
    """Decorate a function of the verified event into an endpoint (instead of the router).

    Stack it under the framework's route decorator; the function (plain or
    ``async``) gets each verified event. The receiver's checks (signature, key
    refresh, max age, deduplication) run first and the answers are the same.
    """

    def decorate(function: Handler) -> Endpoint:
        return webhook_endpoint(receiver, function)

    return decorate
