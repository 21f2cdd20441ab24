"""Locks on an archive file that hold whatever name it is opened by (a symbolic or a hard link).

A lock named after the path the user typed (`archive.db.notify.lock`) does not see the same file
opened through another name. These locks are files in one folder (`lock_dir()`), named after the
archive's device and inode, and held with flock(2): the kernel drops them when their process
ends, however it ends. They are never files beside the archive: opening and closing a file of
the archive itself would drop SQLite's own locks on it (POSIX locks belong to the process).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from pathlib import Path

from storage.access import ArchiveError

# Where lock files go unless configured (settings.MEDIAWATCH_LOCK_DIR, see use_lock_dir): the
# system's folder for lock files where there is one (it is not private to a service, as /tmp
# may be), else the temporary folder. Every process that uses an archive must use the same.
SYSTEM_LOCKS = Path("/run/lock")
FALLBACK_DIR = Path("/tmp/mediawatch-locks")
_configured: dict[str, Path] = {}


def use_lock_dir(path: str | Path | None) -> None:
    """Keep lock files in this folder from now on (none: the default)."""
    if path:
        _configured["dir"] = Path(path)
    else:
        _configured.pop("dir", None)


def lock_dir() -> Path:
    """The folder of the lock files, made (writable by every user, like /tmp) if missing."""
    folder = _configured.get("dir") or (
        SYSTEM_LOCKS / "mediawatch" if SYSTEM_LOCKS.is_dir() else FALLBACK_DIR)
    if not folder.is_dir():
        try:
            folder.mkdir(parents=True)
            folder.chmod(0o1777)
        except FileExistsError:
            pass  # another process made it meanwhile
        except OSError as exc:
            raise ArchiveError(f"cannot make the folder of lock files {folder} ({exc.strerror}):"
                               " MEDIAWATCH_LOCK_DIR names another") from None
    return folder


class LockHeld(RuntimeError):
    """Another process holds the lock: `pid` and `name` (the archive's name it used) when known."""

    def __init__(self, pid: str | None, name: str | None) -> None:
        super().__init__(f"held by process {pid or 'unknown'}")
        self.pid = pid
        self.name = name


class ArchiveBusy(ArchiveError):
    """The archive is being written through another name; the message says which."""


def archive_key(path: str | Path) -> str:
    """What names the archive file itself: its device and inode (symbolic links followed).

    A missing archive is made empty first (SQLite takes an empty file for a new database), so
    that it has its inode before anything is written to it.
    """
    if not os.path.exists(path):
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        except FileExistsError:
            pass  # made by another process meanwhile (or a symbolic link to nowhere)
        except OSError as exc:
            raise ArchiveError(f"cannot make the archive {path} ({exc.strerror})") from None
    try:
        status = os.stat(path)
    except OSError as exc:
        raise ArchiveError(f"cannot open the archive {path} ({exc.strerror})") from None
    return f"{status.st_dev}-{status.st_ino}"


def _open_lock_file(path: Path) -> int:
    """A descriptor of a lock file, made if missing; read-only when it is another user's
    (flock needs no write permission)."""
    try:
        try:
            return os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except PermissionError:
            return os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as exc:
        raise ArchiveError(f"cannot use the lock file {path} ({exc.strerror}): "
                           "MEDIAWATCH_LOCK_DIR names another folder for lock files") from None


def _holder(descriptor: int) -> tuple[str | None, str | None]:
    """(pid, archive name) written in a lock file by its holder."""
    lines = os.pread(descriptor, 4096, 0).decode("utf-8", "replace").splitlines()
    return (lines[0] if lines else None), (lines[1] if len(lines) > 1 else None)


def _write_holder(descriptor: int, name: str) -> None:
    try:
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n{name}\n".encode(), 0)
    except OSError:
        pass  # another user's lock file: held all the same, only its note stays the other's


class ArchiveLock:
    """An exclusive lock of one role on an archive (`scheduler`, `notify`): one process holds
    it at a time, whatever name each gave the archive. acquire raises LockHeld."""

    def __init__(self, path: str | Path, role: str) -> None:
        self.path = str(path)
        self.role = role
        self.descriptor: int | None = None

    def acquire(self) -> None:
        descriptor = _open_lock_file(lock_dir() / f"{archive_key(self.path)}.{self.role}")
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(descriptor)
            os.close(descriptor)
            raise LockHeld(*holder) from None
        _write_holder(descriptor, os.path.abspath(self.path))
        self.descriptor = descriptor

    def release(self) -> None:
        if self.descriptor is not None:
            os.close(self.descriptor)  # closing the descriptor drops its flock
            self.descriptor = None

    def __enter__(self) -> ArchiveLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


class WriterLock:
    """Held by every process that writes an archive, shared by all that name it the same way.

    SQLite keeps the journal of a WAL database beside the name it was opened by (symbolic
    links resolved), so two writers through two hard links of one file write two journals and
    damage it. Writers through one name (symbolic links resolved) share this lock; a writer
    through another name is refused with ArchiveBusy until they are done.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.descriptor: int | None = None

    def acquire(self) -> None:
        key = archive_key(self.path)
        real = os.path.realpath(self.path)
        folder = lock_dir()
        mine = f"{key}.name-{hashlib.sha256(real.encode()).hexdigest()[:16]}"
        guard = _open_lock_file(folder / f"{key}.names")
        try:
            fcntl.flock(guard, fcntl.LOCK_EX)  # one writer at a time looks at the names in use
            for other in sorted(folder.glob(f"{key}.name-*")):
                if other.name != mine:
                    self._refuse_if_in_use(other)
            descriptor = _open_lock_file(folder / mine)
            fcntl.flock(descriptor, fcntl.LOCK_SH)
            if not os.pread(descriptor, 1, 0):
                _write_holder(descriptor, real)
            self.descriptor = descriptor
        finally:
            os.close(guard)

    def _refuse_if_in_use(self, other: Path) -> None:
        descriptor = os.open(other, os.O_RDONLY | os.O_NOFOLLOW)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            name = _holder(descriptor)[1] or "another name"
            raise ArchiveBusy(
                f"the archive {self.path} is being written through another name of the same "
                f"file, {name} (a hard link): two writers through two names would damage it, "
                "for SQLite keeps a journal beside each name. Use one name for it") from None
        finally:
            os.close(descriptor)

    def release(self) -> None:
        if self.descriptor is not None:
            os.close(self.descriptor)
            self.descriptor = None
