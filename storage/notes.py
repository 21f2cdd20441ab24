"""Notes the archive keeps about itself, for its readers: who made it, what the crawl service
runs and when, and where the reading room answers."""

from __future__ import annotations

import json
import sqlite3

from sqlite_utils import Database

from storage.access import ArchiveError, keep_shared_files
from storage.db import connect, write_transaction
from storage.locks import WriterLock
from storage.processes import run_died

DEMO = "made_by"
SERVICE = "service"
WEB_URL = "web_url"


def read_note(db: Database, key: str) -> str | None:
    """A note's value, or None when there is none."""
    row = db.execute("SELECT value FROM archive_notes WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def write_note(db: Database, key: str, value: str) -> None:
    with write_transaction(db):
        db["archive_notes"].upsert({"key": key, "value": value}, pk="key")


def record_service_plan(db: Database, plan: dict) -> None:
    """What the crawl service runs and when (its settings, each job's interval and next run,
    its process), for readers that cannot ask it: the status page, `status`."""
    write_note(db, SERVICE, json.dumps(plan, ensure_ascii=False))


def service_plan(db: Database) -> dict | None:
    """The crawl service's plan as it last recorded it, with `running`: whether its process is
    still alive (judged as a crawl run's is); None when no service ever ran on this archive."""
    text = read_note(db, SERVICE)
    if text is None:
        return None
    plan = json.loads(text)
    running = plan.get("stopped_at") is None and not run_died(
        {"status": "running", "pid": plan.get("pid"), "host": plan.get("host"),
         "started_at": plan.get("started_at")})
    return {**plan, "running": running}


def remember_web_url(path: str, url: str) -> bool:
    """Remember in the archive at `path` where the reading room answers, for the links in
    messages and feeds (views.reading.room_url). Only this note is written, and nothing is
    migrated; it writes as every writer does, holding the archive's writer lock. False when this
    user cannot write the archive, or another process writes it through another name (the room
    reads it all the same)."""
    lock = WriterLock(path)
    try:
        lock.acquire()
    except ArchiveError:
        return False
    try:
        db = connect(path)
    except sqlite3.Error:
        lock.release()
        return False
    try:
        if read_note(db, WEB_URL) != url:
            write_note(db, WEB_URL, url)
    except sqlite3.Error:
        return False
    finally:
        db.close()
        keep_shared_files(path)
        lock.release()
    return True
