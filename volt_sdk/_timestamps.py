"""Best-effort parsing of Volt timestamps.

The scalar type of ``sentAt``, ``createdAt`` and the other timestamps is unknown
(docs/volt-api.md, Timestamps): the schema types them as ``String`` [GUESS]. Models keep
the raw string; these helpers add a parsed value that never raises.
"""

from __future__ import annotations

from datetime import datetime, timezone

__all__ = ["parse_timestamp"]

# Epoch numbers above this are taken as milliseconds (year 2286 in seconds).
_MILLIS_THRESHOLD = 10_000_000_000


def parse_timestamp(value: object) -> datetime | None:
    """Parse a Volt timestamp into an aware :class:`datetime`, or return ``None``.

    Accepts ISO 8601 (``2024-05-01T12:00:00Z``, with or without offset or
    fraction) and epoch seconds or milliseconds (as numbers or digit strings).
    A naive ISO value is taken as UTC. Anything else gives ``None``: this never
    raises. ::

        >>> parse_timestamp("2024-05-01T12:00:00Z")
        datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.timezone.utc)
        >>> parse_timestamp(1714564800000)
        datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.timezone.utc)
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return _from_epoch(float(value))
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    if text.lstrip("-").replace(".", "", 1).isdigit():
        try:
            return _from_epoch(float(text))
        except ValueError:  # pragma: no cover - guarded by the isdigit check
            return None
    # Python 3.10's fromisoformat does not take "Z".
    if text[-1] in "zZ":
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def _from_epoch(number: float) -> datetime | None:
    if number != number or number in (float("inf"), float("-inf")):  # NaN, infinities
        return None
    if abs(number) >= _MILLIS_THRESHOLD:
        number /= 1000.0
    try:
        return datetime.fromtimestamp(number, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None
