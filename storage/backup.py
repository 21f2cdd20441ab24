"""Backups of the archive: a consistent copy taken while a crawl writes, checked, and restored."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

from storage import evidence
from storage.access import ArchiveError, check_archive, connect_readonly, keep_shared_files, shared_files
from storage.db import BUSY_TIMEOUT_SECONDS
from storage.processes import run_died


class BackupError(Exception):
    """A backup that cannot be made or restored; the message says why and what to do."""


@dataclass
class CheckedCopy:
    """What the checks of a copy found: SQLite's integrity check and the evidence log's verify."""

    integrity: str
    verified: evidence.Report

    @property
    def ok(self) -> bool:
        return self.integrity == "ok" and self.verified.held


def check_copy(path: str | Path) -> CheckedCopy:
    """Run `PRAGMA integrity_check` and the evidence verify on an archive file, read-only."""
    db = connect_readonly(path)
    try:
        check_archive(db, str(path))
        lines = [row[0] for row in db.execute("PRAGMA integrity_check").fetchall()]
        integrity = "ok" if lines == ["ok"] else "; ".join(lines[:5])
        return CheckedCopy(integrity, evidence.verify(db))
    except ArchiveError as exc:
        raise BackupError(str(exc)) from None
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable mediawatch archive: {exc}") from None
    finally:
        db.close()


def _copy(source: str | Path, target: str, journal_mode: str) -> None:
    """Copy a database with SQLite's online backup in one step: one read snapshot, so a crawl
    writing meanwhile neither blocks nor is blocked, and the copy is a committed state."""
    reader = connect_readonly(source)
    writer = sqlite3.connect(target)
    try:
        reader.conn.backup(writer)
        writer.execute(f"PRAGMA journal_mode = {journal_mode}")
        writer.commit()
    finally:
        writer.close()
        reader.close()


def _temporary_beside(path: str) -> str:
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise BackupError(f"cannot write {path}: the folder {folder} does not exist")
    handle, name = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".part")
    os.close(handle)
    return name


def _discard(path: str) -> None:
    for name in (path, *shared_files(path), f"{path}-journal"):
        if os.path.exists(name):
            os.unlink(name)


def backup(db: str | Path, target: str | Path) -> CheckedCopy:
    """Copy the archive to `target` (a single file) while crawls may write, then check the copy.

    The copy replaces `target` only when SQLite's integrity check passes; it is kept even when
    the evidence log does not hold (it is then a faithful copy of an archive that was changed),
    and the returned check says so.
    """
    temporary = _temporary_beside(str(target))
    try:
        _copy(db, temporary, "DELETE")
        os.chmod(temporary, os.stat(db).st_mode & 0o666)
        checked = check_copy(temporary)
        if checked.integrity != "ok":
            raise BackupError(f"the copy failed SQLite's integrity check ({checked.integrity}): "
                              f"{target} was not written")
        os.replace(temporary, target)
    except BaseException:
        _discard(temporary)
        raise
    return checked


def being_written(db: str | Path) -> str | None:
    """Why the archive must not be replaced now (a crawl runs or holds the write lock), or None."""
    conn = sqlite3.connect(str(db), timeout=0)
    try:
        running = conn.execute("SELECT id, status, host, pid, started_at FROM runs"
                               " WHERE status = 'running'").fetchall()
        for run_id, status, host, pid, started_at in running:
            if not run_died({"status": status, "host": host, "pid": pid, "started_at": started_at}):
                return f"crawl run {run_id} (pid {pid}) is writing to it"
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.rollback()
        except sqlite3.OperationalError:
            return "another process holds its write lock"
    except sqlite3.DatabaseError:
        return None
    finally:
        conn.close()
    return None


def put_aside(db: str | Path) -> str:
    """Move the archive (after a checkpoint, with its -wal and -shm) to a name beside it that
    says when it was replaced; returns that name."""
    db = str(db)
    conn = sqlite3.connect(db, timeout=BUSY_TIMEOUT_SECONDS)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = f"{db}.replaced-{stamp}"
    os.replace(db, aside)
    for name in shared_files(db):
        if os.path.exists(name):
            os.replace(name, f"{aside}{name[len(db):]}")
    return aside


def restore(source: str | Path, db: str | Path) -> tuple[CheckedCopy, str | None]:
    """Make `db` a copy of the backup `source`, which must pass the integrity check and verify.

    A live archive at `db` is refused while it is being written; otherwise it is kept aside
    (its new name is returned). The copy is made beside `db` and renamed into place.
    """
    checked = check_copy(source)
    if not checked.ok:
        why = (f"SQLite's integrity check failed ({checked.integrity})" if checked.integrity != "ok"
               else f"its evidence log does not hold: {checked.verified.first().text()}")
        raise BackupError(f"{source} is not restored: {why}")
    db = str(db)
    if os.path.exists(db):
        busy = being_written(db)
        if busy:
            raise BackupError(f"{db} is being written ({busy}): stop the crawls and the "
                              "scheduler, then restore")
    temporary = _temporary_beside(db)
    try:
        _copy(source, temporary, "WAL")
        if os.path.exists(db):
            os.chmod(temporary, os.stat(db).st_mode & 0o666)
        aside = put_aside(db) if os.path.exists(db) else None
        os.replace(temporary, db)
    except BaseException:
        _discard(temporary)
        raise
    keep_shared_files(db)
    return checked, aside


def head_of(path: str | Path) -> evidence.Head:
    """The evidence head of an archive file, read-only."""
    db: Database = connect_readonly(path)
    try:
        return evidence.head(db)
    finally:
        db.close()
