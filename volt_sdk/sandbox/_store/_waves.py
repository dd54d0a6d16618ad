"""Waves (bulk sends): stored and counted, never sent."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from ._lists import ListStore
from ._sql import LIST_COLUMNS
from ._values import LIST_PREFIX, WAVE_PREFIX, check_media, error, make_id, seq_of
from ._views import WaveView

__all__ = ["WaveStore"]


class WaveStore(ListStore):
    """The waves part of :class:`Store`; a wave's size counts the members of its lists."""

    def create_wave(self, wave_input: Mapping[str, Any]) -> WaveView:
        """Store a wave; ``totalMessages`` counts the distinct contacts of its lists.

        No message is sent for it (the shape of Volt's ``createWave`` is a guess).
        """
        name: str = wave_input["name"]
        body: str = wave_input["body"]
        urls = check_media(wave_input.get("media"))
        if not name.strip():
            raise error("input.name: must not be empty", argument="input.name")
        if not body.strip() and not urls:
            raise error(
                "input.body: must not be empty when there is no media", argument="input.body"
            )
        list_ids: Sequence[str] = wave_input.get("lists") or ()
        with self._lock, self._transaction():
            rows: list[tuple[Any, ...]] = []
            for index, list_id in enumerate(list_ids):
                seq = seq_of(list_id, LIST_PREFIX)
                row = (
                    None
                    if seq is None
                    else self._db.execute(
                        f"SELECT {LIST_COLUMNS} FROM lists WHERE seq = ?",
                        (seq,),
                    ).fetchone()
                )
                if row is None:
                    raise error(
                        f"input.lists[{index}]: no list with id {list_id!r}",
                        "NOT_FOUND",
                        argument=f"input.lists[{index}]",
                    )
                rows.append(row)
            members: set[int] = set()
            for row in rows:
                members |= self._members(row)
            list_seqs = list(dict.fromkeys(row[0] for row in rows))
            account_phone = rows[0][1] if rows else None
            cursor = self._db.execute(
                "INSERT INTO waves (name, type, body, media, sent_by, scheduled_time,"
                " account_phone, list_seqs, total_messages, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (name, wave_input.get("type"), body, json.dumps(urls), wave_input.get("sent_by"),
                 wave_input.get("scheduled_time"), account_phone, json.dumps(list_seqs),
                 len(members), self._clock()),
            )  # fmt: skip
            wave_seq = cursor.lastrowid
        assert wave_seq is not None
        found = self.wave(make_id(WAVE_PREFIX, wave_seq))
        assert found is not None
        return found

    def wave(self, identifier: str) -> WaveView | None:
        """The wave with this id; None when there is none."""
        seq = seq_of(identifier, WAVE_PREFIX)
        if seq is None:
            return None
        with self._lock:
            row = self._db.execute(
                "SELECT seq, name, type, body, media, sent_by, scheduled_time, account_phone,"
                " list_seqs, total_messages FROM waves WHERE seq = ?",
                (seq,),
            ).fetchone()
        if row is None:
            return None
        (seq, name, type_, body, media, sent_by, scheduled, account_phone, list_seqs,
         total) = row  # fmt: skip
        return WaveView(
            id=make_id(WAVE_PREFIX, seq),
            name=name,
            type=type_,
            body=body,
            media=json.loads(media),
            sent_by=sent_by,
            scheduled_time=scheduled,
            total_messages=total,
            # Nothing is sent for a wave, so nothing is delivered or failed.
            total_messages_delivered=0,
            total_messages_failed=0,
            account_phone=account_phone,
            list_seqs=json.loads(list_seqs),
        )
