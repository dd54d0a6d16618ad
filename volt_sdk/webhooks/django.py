# Django ships no type stubs (see [tool.mypy.overrides] in pyproject.toml).
# pyright: reportMissingTypeStubs=false
"""Receive Volt webhooks in Django (extra: ``pip install "volt-sdk[django]"``).

::

    # urls.py
    from django.urls import path

    from volt_sdk.webhooks import MessageReceivedEvent, WebhookReceiver
    from volt_sdk.webhooks.django import webhook_view

    receiver = WebhookReceiver()

    @receiver.router.on(MessageReceivedEvent)
    def on_reply(event: MessageReceivedEvent) -> None:
        print("reply", event.payload.text)

    urlpatterns = [path("webhooks/volt", webhook_view(receiver))]

The view is exempt from CSRF (Volt posts no token; the signature is the proof),
answers 405 to anything but POST, and reads ``request.body``, the raw bytes,
before anything parses it. A body over the receiver's ``max_body`` by its
``Content-Length`` (or over Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE``) is refused
with 413. ``webhook_view(receiver, asynchronous=True)`` is an ``async`` view for
Django under ASGI (the key downloads without blocking, ``async`` handlers are
awaited).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from ._adapters import require

require("django", "django")

from django.core.exceptions import RequestDataTooBig  # noqa: E402
from django.http import HttpResponse  # noqa: E402

from ._events import WebhookEvent  # noqa: E402
from ._receiver import WebhookReceiver, WebhookResponse  # noqa: E402

__all__ = ["webhook", "webhook_view"]

Handler = Callable[[WebhookEvent], Awaitable[None] | None]


def _response(answer: WebhookResponse) -> HttpResponse:
    response = HttpResponse(answer.body, status=answer.status)
    for name, value in answer.headers:
        response[name] = value
    return response


def _refusal(status: int) -> HttpResponse:
    response = HttpResponse(b"refused", status=status, content_type="text/plain")
    if status == 405:
        response["Allow"] = "POST"
    return response


# Django ships no type annotations: its request is Any here, and what is read of it is checked.
def _body(request: Any, limit: int) -> bytes | HttpResponse:
    if request.method != "POST":
        return _refusal(405)
    length = str(request.META.get("CONTENT_LENGTH") or "")
    if length.isdigit() and int(length) > limit:
        return _refusal(413)
    try:
        body: bytes = request.body
    except RequestDataTooBig:
        return _refusal(413)
    return body


def _csrf_exempt(view: Callable[..., Any]) -> Callable[..., Any]:
    # What django.views.decorators.csrf.csrf_exempt marks, without its wrapper: before
    # Django 5.0 the wrapper is a plain function, which turns an async view into one
    # that returns an unawaited coroutine.
    view.csrf_exempt = True  # type: ignore[attr-defined]
    return view


def webhook_view(
    receiver: WebhookReceiver,
    handler: Handler | None = None,
    *,
    asynchronous: bool = False,
) -> Callable[..., Any]:
    """A Django view that runs ``receiver`` on each request (``handler``: instead of its router).

    ``asynchronous=True`` gives an ``async def`` view (Django runs it natively
    under ASGI, and in a thread of its own under WSGI).
    """
    if asynchronous:

        async def volt_webhook_async(request: Any) -> HttpResponse:
            body = _body(request, receiver.max_body)
            if isinstance(body, HttpResponse):
                return body
            return _response(await receiver.handle_async(request.headers, body, handler))

        return _csrf_exempt(volt_webhook_async)

    def volt_webhook(request: Any) -> HttpResponse:
        body = _body(request, receiver.max_body)
        if isinstance(body, HttpResponse):
            return body
        return _response(receiver.handle(request.headers, body, handler))

    return _csrf_exempt(volt_webhook)


def webhook(
    receiver: WebhookReceiver, *, asynchronous: bool = False
) -> Callable[[Handler], Callable[..., Any]]:
    """Decorate a function of the verified event into a Django view (instead of the router).

    Stack it under the framework's route decorator; the function (plain or
    ``async``) gets each verified event. The receiver's checks (signature, key
    refresh, max age, deduplication) run first and the answers are the same.
    """

    def decorate(function: Handler) -> Callable[..., Any]:
        return webhook_view(receiver, function, asynchronous=asynchronous)

    return decorate
