"""Opening the archive database: WAL journal, busy timeout, write transactions, timestamps, rows."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

BUSY_TIMEOUT_SECONDS = 30
# Article statuses.
ACTIVE = "active"
REMOVED = "removed"


def connect(path: str | Path) -> Database:
    """Open (or create) a database file in WAL mode with a busy timeout for concurrent writers."""
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS)
    db = Database(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
    if str(path) != ":memory:":
        db.enable_wal()
        # In WAL mode NORMAL keeps the database consistent after a crash and does not wait
        # for the disk on every commit (a power cut may lose the last few commits).
        db.execute("PRAGMA synchronous = NORMAL")
    return db


def connect_read_only(path: str | Path) -> Database:
    """Open an existing database file for reading only (SQLite URI `mode=ro`).

    Nothing can be written through it, and it never creates a file; it reads alongside a
    crawl that writes (WAL).
    """
    uri = Path(path).resolve().as_uri() + "?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS)
    db = Database(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
    db.execute("PRAGMA query_only = ON")
    return db


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """One transaction that takes the write lock up front (waiting up to the busy timeout).

    A plain BEGIN would take the lock at the first write and could fail at once with
    "database is locked" when another process writes; BEGIN IMMEDIATE waits instead.
    Nested use becomes a savepoint.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.rollback()
        raise
    db.conn.execute("COMMIT")


def insert_row(db: Database, table: str, values: dict) -> int:
    """Insert one row (values by column name) with one plain INSERT; its rowid. Cheaper than
    sqlite-utils' insert, which looks the table up and wraps each row in a savepoint."""
    names = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    return db.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})",
                      list(values.values())).lastrowid


def rows(cursor) -> list[dict]:
    """A query's rows as dicts by column name."""
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def decode_json(row: dict, *names: str) -> dict:
    """The row with the named JSON text columns decoded, in place."""
    for name in names:
        if isinstance(row.get(name), str):
            row[name] = json.loads(row[name])
    return row


def language_clause(language: str | None, column: str = "language") -> tuple[str, list]:
    """An ` AND column = ?` clause and its parameter for one edition, or nothing for all."""
    return (f" AND {column} = ?", [language]) if language else ("", [])
