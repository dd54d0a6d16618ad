"""Receive Volt webhooks in Flask (extra: ``pip install "volt-sdk[flask]"``).

::

    from flask import Flask

    from volt_sdk.webhooks import MessageReceivedEvent, WebhookReceiver
    from volt_sdk.webhooks.flask import webhook_view

    receiver = WebhookReceiver()

    @receiver.router.on(MessageReceivedEvent)
    def on_reply(event: MessageReceivedEvent) -> None:
        print("reply", event.payload.text)

    app = Flask(__name__)
    app.add_url_rule("/webhooks/volt", view_func=webhook_view(receiver), methods=["POST"])

The raw body is read with ``request.get_data(cache=True)`` before anything parses
it (a body over the receiver's ``max_body`` by its ``Content-Length`` is refused,
413, unread). The signature covers the body only, not the URL: a proxy that
rewrites the host, the scheme or the path does not break it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ._adapters import require

require("flask", "flask")

from flask import Response, request  # noqa: E402 - after the guard

from ._events import WebhookEvent  # noqa: E402
from ._receiver import WebhookReceiver  # noqa: E402

__all__ = ["webhook", "webhook_view"]

Handler = Callable[[WebhookEvent], Awaitable[None] | None]
View = Callable[[], Response]


def webhook_view(
    receiver: WebhookReceiver,
    handler: Handler | None = None,
) -> View:
    """A Flask view that runs ``receiver`` on each request (``handler``: instead of its router).

    Register it for POST: ``app.add_url_rule(path, view_func=webhook_view(receiver),
    methods=["POST"])`` (Flask answers 405 to other methods).
    """

    def volt_webhook() -> Response:
        length = request.content_length
        if length is not None and length > receiver.max_body:
            return Response(b"refused", status=413, mimetype="text/plain")
        body = request.get_data(cache=True)
        headers = dict(request.headers.items())  # werkzeug's Headers is no Mapping
        answer = receiver.handle(headers, body, handler)
        return Response(answer.body, status=answer.status, headers=list(answer.headers))

    return volt_webhook


def webhook(
    receiver: WebhookReceiver,
) -> Callable[[Handler], View]:
    """Decorate a function of the verified event into a Flask view (instead of the router).

    Stack it under the framework's route decorator; the function (plain or
    ``async``) gets each verified event. The receiver's checks (signature, key
    refresh, max age, deduplication) run first and the answers are the same.
    """

    def decorate(function: Handler) -> View:
        view = webhook_view(receiver, function)
        view.__name__ = getattr(function, "__name__", view.__name__)  # Flask's endpoint name
        return view

    return decorate
