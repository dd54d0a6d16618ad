"""The SQLite tables of the store, and the column lists its reads select."""

from __future__ import annotations

from typing import Final

__all__ = ["CONTACT_COLUMNS", "DATA_TABLES", "LIST_COLUMNS", "MESSAGE_COLUMNS", "SCHEMA"]

SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    phone TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    inbound INTEGER NOT NULL,
    to_number TEXT NOT NULL,
    from_number TEXT NOT NULL,
    body TEXT NOT NULL,
    media TEXT NOT NULL,
    passthrough TEXT,
    final_status TEXT NOT NULL,
    error_code INTEGER,
    created_at REAL NOT NULL,
    sent_at REAL NOT NULL,
    confirmed_at REAL NOT NULL,
    wave_seq INTEGER
);
CREATE INDEX IF NOT EXISTS messages_by_pair ON messages (from_number, to_number, seq);
CREATE TABLE IF NOT EXISTS contacts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    account_phone TEXT NOT NULL,
    phone_number TEXT NOT NULL,
    name TEXT,
    blocked INTEGER NOT NULL,
    custom_fields TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    UNIQUE (account_phone, phone_number)
);
CREATE TABLE IF NOT EXISTS lists (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    account_phone TEXT NOT NULL,
    name TEXT NOT NULL,
    source_list_name TEXT,
    name_search_term TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    UNIQUE (account_phone, name)
);
CREATE TABLE IF NOT EXISTS list_members (
    list_seq INTEGER NOT NULL,
    contact_seq INTEGER NOT NULL,
    PRIMARY KEY (list_seq, contact_seq)
);
CREATE TABLE IF NOT EXISTS waves (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    type TEXT,
    body TEXT NOT NULL,
    media TEXT NOT NULL,
    sent_by TEXT,
    scheduled_time TEXT,
    account_phone TEXT,
    list_seqs TEXT NOT NULL,
    total_messages INTEGER NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS webhooks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL,
    primary_phone TEXT,
    event_types TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
"""
# What reset() empties: everything but the organization and its accounts. The
# AUTOINCREMENT counters survive, so an id is never handed out twice.
DATA_TABLES: Final = ("messages", "contacts", "lists", "list_members", "waves", "webhooks")

MESSAGE_COLUMNS: Final = (
    "seq, inbound, to_number, from_number, body, media, passthrough, final_status, "
    "error_code, created_at, sent_at, confirmed_at, wave_seq"
)
CONTACT_COLUMNS: Final = (
    "seq, account_phone, phone_number, name, blocked, custom_fields, created_at, updated_at"
)
LIST_COLUMNS: Final = (
    "seq, account_phone, name, source_list_name, name_search_term, created_at, updated_at"
)
