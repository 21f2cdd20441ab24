"""Opening an archive file: read-only for reading, checked before writing, shared with other users."""

from __future__ import annotations

import os
import shutil
import sqlite3
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from sqlite_utils import Database

from storage.db import BUSY_TIMEOUT_SECONDS, write_transaction
from storage.migrations import MIGRATIONS, migrate

SHARED_SUFFIXES = ("-wal", "-shm")
# With less free space than this beside the archive, an I/O error of SQLite's is taken for a
# full disk: SQLite says "disk I/O error" when it cannot grow the -shm file it reads through.
FULL_DISK_BYTES = 1 << 20


class ArchiveError(Exception):
    """A file that cannot be used as an archive; the message says why and what to do."""


class NotAnArchive(ArchiveError):
    """The file is not a mediawatch archive (another program's database, or not a database)."""


class OutdatedArchive(ArchiveError):
    """The archive was made by an older version and needs `mediawatch migrate` first."""


def disk_full(path: str | Path) -> bool:
    """Whether the file system holding `path` has (almost) no space left."""
    try:
        return shutil.disk_usage(os.path.dirname(os.path.abspath(path))).free < FULL_DISK_BYTES
    except OSError:
        return False


def storage_trouble(error: sqlite3.Error, path: str | Path) -> str | None:
    """One line for a database error that comes from where the archive is kept, not from what it
    holds: a full disk, an I/O error, a file that cannot be opened. None for any other error."""
    code = getattr(error, "sqlite_errorname", None) or ""
    if code.startswith("SQLITE_FULL") or (code.startswith("SQLITE_IOERR") and disk_full(path)):
        return f"the archive's disk is full ({error}): free some space, then try again"
    if code.startswith(("SQLITE_IOERR", "SQLITE_CANTOPEN")):
        return f"cannot use the archive {path} ({error}): check its disk and its permissions"
    return None


def shared_files(path: str | Path) -> list[str]:
    """The files SQLite keeps beside an archive in WAL mode."""
    return [f"{path}{suffix}" for suffix in SHARED_SUFFIXES]


def _is_owner(path: str) -> bool:
    return os.geteuid() in (0, os.stat(path).st_uid)


def _readonly_uri(path: str) -> str:
    """A read-only URI for `path` that makes SQLite create no file beside it for another user.

    SQLite creates the -wal and -shm files of a WAL database when they are missing, owned by
    whoever opens it, and the owner's crawl could then no longer write them. A writer keeps
    them (see keep_shared_files), so they exist whenever an archive was last written by this
    version. When they are missing and this user does not own the archive (or may not write
    beside it), the file is read as it stands (`immutable`): no writer has it open, since a
    writer's connection keeps them.
    """
    absolute = os.path.abspath(path)
    uri = f"file:{quote(absolute)}?mode=ro"
    missing = not all(os.path.exists(name) for name in shared_files(absolute))
    if missing and not (_is_owner(absolute) and os.access(os.path.dirname(absolute), os.W_OK)):
        uri += "&immutable=1"
    return uri


def connect_readonly(path: str | Path) -> Database:
    """A read-only connection to an existing database file: nothing is created or changed."""
    conn = sqlite3.connect(_readonly_uri(str(path)), uri=True, timeout=BUSY_TIMEOUT_SECONDS)
    return Database(conn)


def check_archive(db: Database, name: str) -> None:
    """Raise NotAnArchive or OutdatedArchive unless `db` is an up-to-date mediawatch archive."""
    tables = set(_table_names(db, name))
    if not MIGRATIONS.applied(db):
        raise NotAnArchive(f"{name} is not a mediawatch archive")
    if MIGRATIONS.pending(db):
        raise OutdatedArchive(f"{name} was made by an older version of mediawatch: "
                              f"run `mediawatch migrate --db {name}` first")
    for table, columns in expected_schema().items():
        missing = sorted(columns - set(db[table].columns_dict)) if table in tables else None
        if missing is None or missing:
            what = f"table {table} lacks {', '.join(missing)}" if missing else f"table {table} is missing"
            raise ArchiveError(f"{name} is damaged or was changed by another program: {what}")


@lru_cache(maxsize=1)
def expected_schema() -> dict[str, frozenset[str]]:
    """Every table of an up-to-date archive and its columns, from the migrations themselves."""
    db = Database(memory=True)
    migrate(db)
    return {table: frozenset(db[table].columns_dict) for table in db.table_names()}


def _table_names(db: Database, name: str) -> list[str]:
    try:
        return db.table_names()
    except sqlite3.DatabaseError as exc:  # "file is not a database", "database disk image is malformed"
        trouble = storage_trouble(exc, name)
        if trouble:  # not the file's fault: e.g. a full disk
            raise ArchiveError(trouble) from None
        raise NotAnArchive(f"{name} is not a mediawatch archive ({exc})") from None


def check_writable_target(path: str | Path) -> None:
    """Before writing: `path` is missing, empty, or a mediawatch archive (maybe an older one).

    Raises NotAnArchive for anything else, so that a crawl never turns another program's
    database or a stray file into an archive.
    """
    name = str(path)
    if not os.path.exists(name) or (os.path.isfile(name) and os.path.getsize(name) == 0):
        return
    if not os.path.isfile(name):
        raise NotAnArchive(f"{name} is not a mediawatch archive (not a file)")
    db = connect_readonly(name)
    try:
        tables = _table_names(db, name)
        if tables and not MIGRATIONS.applied(db):
            raise NotAnArchive(f"{name} is not a mediawatch archive")
    finally:
        db.close()


def keep_shared_files(path: str | Path) -> None:
    """Leave the -wal and -shm files in place (empty) after the writer closes the archive.

    SQLite deletes them when its last connection closes. Readers of another user then find
    them, owned by the archive's owner, and read through them without creating their own.
    Only a missing file is made (O_EXCL): opening and closing a file that a connection of this
    process has open would drop that connection's POSIX locks on it, and another process could
    then reset the -shm under it.
    """
    if str(path) == ":memory:" or not os.path.isfile(path):
        return
    mode = os.stat(path).st_mode & 0o666
    for name in shared_files(path):
        if os.path.lexists(name):
            continue
        try:
            os.close(os.open(name, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode))
        except FileExistsError:
            continue  # another process opened the archive meanwhile: its file stays as it is
        except OSError:
            return  # a directory this process may not write in: readers manage without


def pending_migrations(path: str | Path) -> list[str]:
    """The migrations an archive still needs (none when it is up to date); NotAnArchive when
    the file is not a mediawatch archive."""
    name = str(path)
    if not os.path.isfile(name):
        raise NotAnArchive(f"{name} is not a mediawatch archive (not a file)")
    db = connect_readonly(name)
    try:
        _table_names(db, name)
        if not MIGRATIONS.applied(db):
            raise NotAnArchive(f"{name} is not a mediawatch archive")
        return [migration.name for migration in MIGRATIONS.pending(db)]
    finally:
        db.close()


DEMO_NOTE = {"key": "made_by", "value": "mediawatch demo"}


def mark_demo_archive(db: Database) -> None:
    """Note in the archive that `mediawatch demo` made it (only such an archive is replaced)."""
    with write_transaction(db):
        db["archive_notes"].upsert(DEMO_NOTE, pk="key")


def is_demo_archive(path: str | Path) -> bool:
    """True when the file is an archive that `mediawatch demo` made."""
    if not os.path.isfile(path):
        return False
    db = connect_readonly(path)
    try:
        check_archive(db, str(path))
        row = db.execute("SELECT value FROM archive_notes WHERE key = ?",
                         [DEMO_NOTE["key"]]).fetchone()
    except (ArchiveError, sqlite3.Error):
        return False
    finally:
        db.close()
    return row is not None and row[0] == DEMO_NOTE["value"]
