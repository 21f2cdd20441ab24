"""Watches on the archive's changes and the deliveries of their notifications (the SQL side).

A delivery moves `pending` → `sending` → `sent`, or → `failed` (retried at `next_attempt_at`),
or → `unconfirmed` (the receiver took the whole message and gave no answer in time: not sent
again). Collecting a watch's new changes into deliveries and moving its cursor is one
transaction, so a change is put in exactly one delivery. A delivery is marked `sending`
(committed) before its message goes out and `sent` after, so a process killed in between leaves it
`sending`. A watch's full receiver address is not stored here but in the secrets file
(storage.secrets) under the watch's `secret_ref`; `notify_url` holds a redacted form.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlite_utils import Database

from storage.changelog import ChangeFilter, Cursor, change_log, high_water
from storage.clock import parse_stamp, utc_iso
from storage.db import write_transaction
from storage.secrets import SecretStore, new_reference

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
UNCONFIRMED = "unconfirmed"
# A digest watch collects its changes once per period (seconds).
DIGEST_PERIODS = {"hourly": 3600, "daily": 86400}
INTERRUPTED = "interrupted while sending: sent again (the receiver may see it twice)"


class WatchExists(ValueError):
    """A watch of that name is already stored."""


@dataclass
class Message:
    """One notification to send: its title, plain-text body and the changes it carries."""

    title: str
    body: str
    keys: list[str]


def _rows(cursor) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _watch(row: dict) -> dict:
    row["kinds"] = json.loads(row["kinds"] or "[]")
    # the outlets whose changes it gets, as articles store them (null: the default outlet)
    row["outlets"] = json.loads(row.get("outlets") or "[]")
    return row


def add_watch(db: Database, name: str, notify_url: str, kinds: list[str], language: str | None,
              query: str | None, digest: str | None, secret_ref: str | None = None,
              allow_private: bool = False, outlets: tuple[str | None, ...] = ()) -> dict:
    """Store a watch; it sees the changes archived from now on (of `outlets` only, as articles
    store them, when given). `notify_url` is what the
    archive keeps: the redacted address when `secret_ref` names the full one in the secrets
    file (a full address given without it is moved out by move_secrets_out)."""
    with write_transaction(db):
        if get_watch(db, name) is not None:
            raise WatchExists(f"there is already a watch named {name!r}")
        now = utc_iso()
        db["watches"].insert({
            "name": name, "notify_url": notify_url, "kinds": json.dumps(list(kinds)),
            "language": language, "query": query, "digest": digest, "created_at": now,
            "collected_at": now, "cursor": high_water(db).to_json(), "secret_ref": secret_ref,
            "allow_private": int(allow_private),
            "outlets": json.dumps(list(dict.fromkeys(outlets))) if outlets else None,
        })
        return get_watch(db, name)


def get_watch(db: Database, name: str) -> dict | None:
    rows = _rows(db.execute("SELECT * FROM watches WHERE name = ?", [name]))
    return _watch(rows[0]) if rows else None


def list_watches(db: Database) -> list[dict]:
    """Every watch by name, with counts of its deliveries by status."""
    watches = [_watch(row) for row in _rows(db.execute("SELECT * FROM watches ORDER BY name"))]
    for watch in watches:
        watch["deliveries"] = dict(db.execute(
            "SELECT status, count(*) FROM deliveries WHERE watch_id = ? GROUP BY status",
            [watch["id"]]).fetchall())
    return watches


def remove_watch(db: Database, name: str) -> dict | None:
    """Delete a watch and its deliveries; the watch removed, None when there is none of that
    name."""
    with write_transaction(db):
        watch = get_watch(db, name)
        if watch is None:
            return None
        db.execute("DELETE FROM deliveries WHERE watch_id = ?", [watch["id"]])
        db.execute("DELETE FROM watches WHERE id = ?", [watch["id"]])
        return watch


def watch_filter(watch: dict) -> ChangeFilter:
    return ChangeFilter(outlets=tuple(watch.get("outlets") or ()), language=watch["language"],
                        kinds=tuple(watch["kinds"]), query=watch["query"])


def collect(db: Database, watch: dict, build: Callable[[dict, list[dict]], list[Message]],
            now: str) -> int:
    """Put the watch's changes since its cursor into pending deliveries; the number made.

    The changes are read up to a cursor taken first, the messages built outside the write
    lock, and the deliveries stored with the watch's new cursor in one transaction, which is
    abandoned if another process moved the cursor meanwhile.
    """
    upto = high_water(db)
    after = Cursor.from_json(watch["cursor"])
    items = change_log(db, watch_filter(watch), after=after, upto=upto)
    messages = build(watch, items) if items else []
    with write_transaction(db):
        stored = db.execute("SELECT cursor FROM watches WHERE id = ?", [watch["id"]]).fetchone()
        if stored is None or stored[0] != watch["cursor"]:
            return 0
        for message in messages:
            db["deliveries"].insert({
                "watch_id": watch["id"], "created_at": now, "status": PENDING, "attempts": 0,
                "next_attempt_at": now, "title": message.title, "body": message.body,
                "changes": json.dumps(message.keys), "count": len(message.keys),
            })
        db.execute("UPDATE watches SET cursor = ?, collected_at = ? WHERE id = ?",
                   [upto.to_json(), now, watch["id"]])
    return len(messages)


def set_watch_error(db: Database, watch_id: int, error: str | None, now: str) -> None:
    """Record why a watch was skipped (kept from its first failure on), or clear it."""
    with write_transaction(db):
        if error is None:
            db.execute("UPDATE watches SET error = NULL, error_at = NULL WHERE id = ?", [watch_id])
        else:
            db.execute("UPDATE watches SET error = ?, error_at = coalesce(error_at, ?)"
                       " WHERE id = ?", [error, now, watch_id])


def failing_watches(db: Database) -> list[dict]:
    """Watches skipped at their last delivery run, with why and since when (for `status`)."""
    return _rows(db.execute("SELECT name, error, error_at FROM watches WHERE error IS NOT NULL"
                            " ORDER BY name"))


def recover_interrupted(db: Database, now: str) -> int:
    """Deliveries a killed process left `sending`: failed, due again now. Call it only while
    no other process delivers."""
    with write_transaction(db):
        return db.execute(
            "UPDATE deliveries SET status = ?, last_error = ?, next_attempt_at = ? WHERE status = ?",
            [FAILED, INTERRUPTED, now, SENDING]).rowcount


def unsent_deliveries(db: Database) -> list[dict]:
    """Pending and failed deliveries, oldest first, with their watch's name, redacted URL,
    secret reference and whether it may send to a private address."""
    return _rows(db.execute(
        "SELECT d.*, w.name AS watch, w.notify_url, w.secret_ref, w.allow_private"
        " FROM deliveries d JOIN watches w ON w.id = d.watch_id WHERE d.status IN (?, ?)"
        " ORDER BY d.id", [PENDING, FAILED]))


def mark_sending(db: Database, delivery_id: int, now: str) -> None:
    with write_transaction(db):
        db.execute("UPDATE deliveries SET status = ?, attempts = attempts + 1, last_attempt_at = ?"
                   " WHERE id = ?", [SENDING, now, delivery_id])


def mark_sent(db: Database, delivery_id: int, now: str) -> None:
    with write_transaction(db):
        db.execute("UPDATE deliveries SET status = ?, sent_at = ? WHERE id = ?",
                   [SENT, now, delivery_id])


def mark_failed(db: Database, delivery_id: int, error: str, retry_at: str) -> None:
    with write_transaction(db):
        db.execute("UPDATE deliveries SET status = ?, last_error = ?, next_attempt_at = ?"
                   " WHERE id = ?", [FAILED, error, retry_at, delivery_id])


def mark_unconfirmed(db: Database, delivery_id: int, note: str, now: str) -> None:
    """The receiver took the whole message but its answer did not come: not sent again."""
    with write_transaction(db):
        db.execute("UPDATE deliveries SET status = ?, last_error = ?, sent_at = ? WHERE id = ?",
                   [UNCONFIRMED, note, now, delivery_id])


def undelivered(db: Database) -> list[dict]:
    """Deliveries not sent yet that have been tried, oldest first (for `status`)."""
    return _rows(db.execute(
        "SELECT d.id, w.name AS watch, d.status, d.attempts, d.count, d.last_error,"
        " d.next_attempt_at, d.created_at FROM deliveries d JOIN watches w ON w.id = d.watch_id"
        " WHERE d.status NOT IN (?, ?) AND d.attempts > 0 ORDER BY d.id", [SENT, UNCONFIRMED]))


def unconfirmed(db: Database) -> list[dict]:
    """Per watch, the deliveries left unconfirmed: how many and the latest (for `status`)."""
    return _rows(db.execute(
        "SELECT w.name AS watch, count(*) AS deliveries, max(d.sent_at) AS latest,"
        " max(d.id) AS last_id FROM deliveries d JOIN watches w ON w.id = d.watch_id"
        " WHERE d.status = ? GROUP BY w.name ORDER BY w.name", [UNCONFIRMED]))


def move_secrets_out(db: Database, store: SecretStore, redact: Callable[[str], str]) -> int:
    """Move the full receiver address of every watch that still holds one into the secrets
    file, leaving `redact(address)` and a reference in the archive; the number moved.

    The old text is overwritten in the database file (secure_delete, then a checkpoint of
    the WAL), so that it cannot be read back from free pages either.
    """
    moved = 0
    for watch_id, address in db.execute(
            "SELECT id, notify_url FROM watches WHERE secret_ref IS NULL").fetchall():
        reference = new_reference()
        store.put(reference, address)
        db.execute("PRAGMA secure_delete = ON")
        with write_transaction(db):
            moved += db.execute(
                "UPDATE watches SET notify_url = ?, secret_ref = ? WHERE id = ?"
                " AND secret_ref IS NULL", [redact(address), reference, watch_id]).rowcount
    if moved:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return moved


def deliveries(db: Database, watch_name: str | None = None) -> list[dict]:
    """Every delivery (of one watch), oldest first, with the keys of the changes it carries."""
    sql = ("SELECT d.*, w.name AS watch FROM deliveries d JOIN watches w ON w.id = d.watch_id"
           + (" WHERE w.name = ?" if watch_name else "") + " ORDER BY d.id")
    rows = _rows(db.execute(sql, [watch_name] if watch_name else []))
    for row in rows:
        row["changes"] = json.loads(row["changes"] or "[]")
    return rows


def next_digest(watch: dict) -> str | None:
    """When a digest watch next collects and sends its changes (None for any other watch)."""
    period = DIGEST_PERIODS.get(watch.get("digest") or "")
    collected = parse_stamp(watch.get("collected_at"))
    if period is None or collected is None:
        return None
    return utc_iso(collected + timedelta(seconds=period))


def watch_schedule(db: Database) -> list[dict]:
    """Each watch's filter and deliveries: how many by status, the last one sent (when, how
    many changes, its title) and, for a digest, when the next goes out."""
    result = []
    for watch in list_watches(db):
        last = _rows(db.execute(
            "SELECT sent_at, count, title FROM deliveries WHERE watch_id = ? AND status = ?"
            " ORDER BY sent_at DESC, id DESC LIMIT 1", [watch["id"], SENT]))
        result.append({
            "name": watch["name"], "kinds": watch["kinds"], "outlets": watch["outlets"],
            "language": watch["language"], "query": watch["query"], "digest": watch["digest"],
            "created_at": watch["created_at"], "deliveries": watch["deliveries"],
            "last_sent": last[0] if last else None, "next_digest": next_digest(watch),
            "error": watch.get("error"), "error_at": watch.get("error_at"),
        })
    return result
