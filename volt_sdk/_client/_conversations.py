"""Walking a conversation page by page, and finding an uncertain send in it.

Shared by both clients: the cursor state of ``iter_conversation_pages`` and the
matching rules of ``reconcile_message``; the clients only do the I/O.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Final

from volt_sdk._errors import MessageOutcomeUnknownError
from volt_sdk._models import ConversationPage, Message
from volt_sdk._timestamps import parse_timestamp

__all__ = ["MAX_CONVERSATION_PAGES", "Paging", "Reconciler"]

# A hard stop for paging, should a server keep answering with new pages forever.
MAX_CONVERSATION_PAGES: Final = 10_000


class Paging:
    """Cursor state for walking a conversation backwards, shared by both clients.

    Provisional [GUESS]: the next ``before`` is the id of the
    last message of a page, assuming Volt lists messages newest first.
    """

    __slots__ = ("cursor", "seen")

    def __init__(self, before: str | None) -> None:
        self.cursor = before
        self.seen: set[str] = set()

    def is_new(self, page: ConversationPage) -> bool:
        """False when every message was seen already: the server ignored the cursor."""
        messages = page.messages or ()
        return not messages or any(m.id not in self.seen for m in messages)

    def advance(self, page: ConversationPage) -> bool:
        """Move the cursor past ``page``; False when it was the last page."""
        messages = page.messages or []
        if not messages:
            return False
        self.seen.update(m.id for m in messages)
        total = page.page_info.total_items if page.page_info else None
        if total is not None and len(self.seen) >= total:
            return False
        self.cursor = messages[-1].id
        return True


class Reconciler:
    """Finds the message an uncertain send created, page by page, newest first.

    Best effort with the schema as known: ``Message`` has no ``passthrough``
    field, so a message matches on sender, recipient, body and media, sent (or
    still unsent) no earlier than the attempt began, less ``clock_skew``. Should
    Volt's schema turn out to expose ``passthrough``, a match on it wins.
    """

    __slots__ = ("earliest", "exclude_ids", "found", "max_pages", "pages_read", "unknown")

    def __init__(
        self,
        unknown: MessageOutcomeUnknownError,
        exclude_ids: Collection[str],
        clock_skew: float,
        max_pages: int,
    ) -> None:
        self.unknown = unknown
        self.exclude_ids = exclude_ids
        self.earliest = unknown.started_at - clock_skew
        self.max_pages = max_pages
        self.pages_read = 0
        self.found: Message | None = None

    def read(self, page: ConversationPage) -> bool:
        """Look through one more page; True when the search is over (see ``found``)."""
        self.pages_read += 1
        self.found, past_window = self._match(page)
        return self.found is not None or past_window or self.pages_read >= self.max_pages

    def _match(self, page: ConversationPage) -> tuple[Message | None, bool]:
        """The matching message, and whether the page reached past the time window."""
        unknown = self.unknown
        for message in page.messages or ():
            if message.id in self.exclude_ids:
                continue
            if unknown.passthrough and getattr(message, "passthrough", None) == unknown.passthrough:
                return message, False
            when = parse_timestamp(message.sent_at) or parse_timestamp(message.confirmed_at)
            if when is not None and when.timestamp() < self.earliest:
                return None, True  # newest first: the rest is older still
            if (
                message.from_number == unknown.from_
                and message.to_number == unknown.to
                and message.body == unknown.body
                and tuple(message.media or ()) == unknown.media
            ):
                return message, False
        return None, False
