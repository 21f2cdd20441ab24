"""Export files: never written onto the archive, and written whole or not at all."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from storage.access import shared_files


class OutputError(Exception):
    """An export target that cannot or must not be written; the message says which and why."""


def _same_file(a: str, b: str) -> bool:
    if os.path.exists(a) and os.path.exists(b):
        return os.path.samefile(a, b)
    return os.path.realpath(a) == os.path.realpath(b)


def check_not_archive(output: str, db: str) -> None:
    """Refuse an output that is the archive or one of SQLite's files beside it (-wal, -shm,
    -journal), whatever name, link or path it is given by."""
    for name in (db, *shared_files(db), f"{db}-journal"):
        if _same_file(output, name):
            raise OutputError(f"{output} is the archive {db}"
                              f"{'' if name == db else ' (its ' + name[len(db) + 1:] + ' file)'}: "
                              "give another --output")


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def open_output(path: str, binary: bool = False) -> Iterator[IO]:
    """A file to write the export to.

    A regular file (or a new one) is written to a temporary file beside it that replaces it
    only once everything is written, so a failed export leaves the old file as it was. A
    device or a pipe (`/dev/stdout`) is written directly. OSError says what went wrong.
    """
    mode = "wb" if binary else "w"
    encoding = None if binary else "utf-8"
    target = os.path.realpath(path)
    if os.path.isdir(target):
        raise OutputError(f"cannot write {path}: it is a folder")
    if os.path.exists(target) and not stat.S_ISREG(os.stat(target).st_mode):
        with open(target, mode, encoding=encoding) as out:
            yield out
        return
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        raise OutputError(f"cannot write {path}: the folder {os.path.dirname(path) or folder} "
                          "does not exist")
    permissions = os.stat(target).st_mode & 0o7777 if os.path.exists(target) else _new_file_mode()
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(target)}.",
                                         suffix=".part")
    try:
        with os.fdopen(handle, mode, encoding=encoding) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, permissions)
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise
