"""What the webhook tests against the sandbox share: an app served on loopback, a conversation.

The sandbox posts its signed events over real HTTP to a URL, or logs them unsent for a
reserved domain (``https://hooks.example.com/...``) so that a test replays them itself.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal

import uvicorn

from volt_sdk import Message, Volt
from volt_sdk.sandbox import Sandbox, WebhookDelivery

__all__ = ["CUSTOMER", "SIMULATED_URL", "converse", "serving"]

CUSTOMER = "+15555550145"
"""The phone that texts the organization in these tests."""
SIMULATED_URL = "https://hooks.example.com/volt"
"""A webhook URL the sandbox never contacts: it logs each signed request it would send."""


@contextmanager
def serving(app: Any, *, lifespan: Literal["on", "off"] = "off") -> Iterator[str]:
    """``app`` (ASGI) under uvicorn on a free loopback port; its base URL, no trailing slash."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, lifespan=lifespan, log_config=None, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while not server.started:
        assert time.monotonic() < deadline, "the app did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(5)
        sock.close()


def converse(
    sandbox: Sandbox,
    url: str,
    *,
    event_types: Sequence[str] | None = None,
    send: str | None = "Reply STOP to opt out",
    replies: Sequence[str] = ("STOP",),
    passthrough: str | None = None,
) -> tuple[Message | None, list[WebhookDelivery]]:
    """Register ``url`` for the sandbox's first number (or for ``event_types``), send ``send``
    to :data:`CUSTOMER`, have the customer answer each of ``replies``; every delivery, once done.
    """
    sender = sandbox.numbers[0]
    message = None
    with Volt(base_url=sandbox.url, token=sandbox.token) as volt:
        if event_types is None:
            volt.register_webhook(url=url, primary_phone=sender)
        else:
            volt.register_webhook(url=url, event_types=list(event_types))
        if send is not None:
            message = volt.send_message(
                to=CUSTOMER, from_=sender, body=send, passthrough=passthrough
            )
    for reply in replies:
        sandbox.simulate_inbound(from_number=CUSTOMER, to_number=sender, body=reply)
    assert sandbox.wait_for_webhooks(10)
    return message, sandbox.webhook_deliveries()
