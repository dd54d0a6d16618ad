"""What the schema tools' tests share: the committed schema and operations, a fixed moment."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from graphql import build_schema, introspection_from_schema

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = (ROOT / "queries" / "schema.graphql").read_text("utf-8")
OPERATIONS = ROOT / "queries" / "operations"
WHEN = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def introspection_answer(sdl: str = SCHEMA) -> dict[str, object]:
    return {"data": dict(introspection_from_schema(build_schema(sdl)))}
