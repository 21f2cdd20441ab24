"""Times from the future: stored times later than this machine's clock, noticed and corrected.

A process that ran while the clock was ahead (a forward jump, a machine set to 2030) leaves
times that later runs would wait for: a digest watch's last collection, a delivery's last
attempt and its next retry. Such a time later than now by more than TOLERANCE_SECONDS is
corrected to now before notifications are collected, and each correction is recorded in the
table `clock_corrections`, which `status` shows with the future times not corrected yet.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlite_utils import Database

from storage.clock import utc_iso
from storage.db import rows, write_transaction

# How far ahead of this clock a stored time may be before it counts as from the future: clocks
# of two machines sharing an archive, or one clock before and after a time sync, differ by
# seconds, rarely minutes.
TOLERANCE_SECONDS = 300


def _limit(now: datetime, extra_seconds: float = 0) -> str:
    return utc_iso(now + timedelta(seconds=TOLERANCE_SECONDS + extra_seconds))


def correct_future_times(db: Database, now: datetime, longest_retry: float) -> list[dict]:
    """Set the watches' and deliveries' times from the future to now; the corrections made.

    A delivery's next retry may lie ahead by up to the longest retry step; only beyond that
    (plus the tolerance) does it count as from the future.
    """
    stamp, limit = utc_iso(now), _limit(now)
    corrections = []
    with write_transaction(db):
        for watch_id, name, collected in db.execute(
                "SELECT id, name, collected_at FROM watches WHERE collected_at > ?",
                [limit]).fetchall():
            db.execute("UPDATE watches SET collected_at = ? WHERE id = ?", [stamp, watch_id])
            corrections.append({"what": f"watch {name}: last collected", "stored": collected})
        for delivery_id, name, tried, due in db.execute(
                "SELECT d.id, w.name, d.last_attempt_at, d.next_attempt_at FROM deliveries d"
                " JOIN watches w ON w.id = d.watch_id WHERE d.status IN ('pending', 'failed')"
                " AND (d.last_attempt_at > ? OR d.next_attempt_at > ?)",
                [limit, _limit(now, longest_retry)]).fetchall():
            db.execute("UPDATE deliveries SET last_attempt_at = min(last_attempt_at, ?),"
                       " next_attempt_at = ? WHERE id = ?", [stamp, stamp, delivery_id])
            stored = tried if tried and tried > limit else due
            corrections.append({"what": f"watch {name}: notification {delivery_id} last tried"
                                if stored == tried else
                                f"watch {name}: notification {delivery_id} next try",
                                "stored": stored})
        for correction in corrections:
            correction.update(at=stamp, corrected=stamp)
            db["clock_corrections"].insert(correction)
    return corrections


def future_times(db: Database, now: datetime) -> list[dict]:
    """Times in the archive later than now by more than the tolerance (read only): crawl runs
    started, watches collected, deliveries tried."""
    limit = _limit(now)
    return rows(db.execute(
        "SELECT 'run ' || id || ' started' AS what, started_at AS stored FROM runs"
        " WHERE started_at > :limit"
        " UNION ALL SELECT 'watch ' || name || ': last collected', collected_at FROM watches"
        " WHERE collected_at > :limit"
        " UNION ALL SELECT 'notification ' || id || ' last tried', last_attempt_at"
        " FROM deliveries WHERE last_attempt_at > :limit AND status IN ('pending', 'failed')"
        " ORDER BY stored DESC", {"limit": limit}))


def recent_corrections(db: Database, now: datetime, days: int = 7, limit: int = 10) -> list[dict]:
    """The corrections made in the last `days`, newest first."""
    return rows(db.execute(
        "SELECT at, what, stored, corrected FROM clock_corrections WHERE at >= ?"
        " ORDER BY id DESC LIMIT ?", [utc_iso(now - timedelta(days=days)), limit]))
