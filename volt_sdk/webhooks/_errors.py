"""The errors of :mod:`volt_sdk.webhooks`, under :class:`volt_sdk.VoltError`.

::

    VoltError
    └── WebhookError                  something about a webhook request or key
        ├── WebhookKeyError           Volt's public key cannot be fetched, parsed or trusted
        ├── WebhookSignatureError     the request is not proven to come from Volt
        │   └── WebhookBodyTooLargeError  the body is over ``max_body``: refused unread
        └── WebhookParseError         signed, but not an event (bad JSON, wrong shape)
"""

from __future__ import annotations

from volt_sdk._errors import VoltError

__all__ = [
    "WebhookBodyTooLargeError",
    "WebhookError",
    "WebhookKeyError",
    "WebhookParseError",
    "WebhookSignatureError",
]


class WebhookError(VoltError):
    """Base class of the errors of :mod:`volt_sdk.webhooks`."""


class WebhookKeyError(WebhookError):
    """A public key could not be fetched or loaded, or is not one to trust (not RSA, too short)."""


class WebhookSignatureError(WebhookError):
    """The request is not proven to come from Volt: answer it with a 4xx and ignore it.

    Missing, empty, garbled, truncated or over-long ``X-Respond-Flow-Signature``
    headers, and signatures that do not match the body under the key.
    """


class WebhookBodyTooLargeError(WebhookSignatureError):
    """The body is larger than ``max_body``; it was refused before any verification."""

    size: int
    """The body's size, in bytes."""
    max_body: int
    """The limit it went over, in bytes."""

    def __init__(self, size: int, max_body: int) -> None:
        super().__init__(f"webhook body of {size} bytes is over the limit of {max_body} bytes")
        self.size = size
        self.max_body = max_body


class WebhookParseError(WebhookError, ValueError):
    """The signature is valid but the body is not an event: not JSON, not an object, bad fields."""
