"""An archive on a disk that is already full: every command says so, and changes nothing.

The disk is a small ext4 file system in a file, mounted through a loop device (root only): on it
SQLite fails the way it does on a real full disk ("disk I/O error" when it cannot grow the -shm
file it reads through). A tmpfs does not: it gives the pages of the -shm file without counting
them against its size.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from storage.access import shared_files
from storage.archive import Archive
from storage.records import ArticleRecord

COMMANDS = [
    ["stats"], ["status"], ["search", "митинг"], ["changes"], ["history", "57753"],
    ["show", "57753"], ["export", "--output", "{out}"], ["watch", "list"], ["feed"],
    ["schedule", "--list"], ["translations", "57753"],
    ["watch", "add", "w", "--notify", "json://127.0.0.1:9/w", "--allow-private-target"],
    ["notify"], ["reextract"],
    ["migrate"], ["crawl", "--base-url", "http://127.0.0.1:9"],
]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def full_disk(tmp_path) -> Path:
    """A mounted ext4 file system of 4 MB with no space left on it, removed afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    if not shutil.which("mkfs.ext4"):
        pytest.skip("mkfs.ext4 (e2fsprogs) is not installed")
    image, folder = tmp_path / "disk.img", tmp_path / "disk"
    folder.mkdir()
    with open(image, "wb") as out:
        out.truncate(4 * 2**20)
    made = subprocess.run(["mkfs.ext4", "-q", "-F", str(image)], capture_output=True, text=True)
    mounted = made.returncode == 0 and subprocess.run(
        ["mount", "-o", "loop", str(image), str(folder)], capture_output=True).returncode == 0
    if not mounted:
        pytest.skip(f"cannot mount a file system through a loop device here: {made.stderr}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def fill(folder: Path) -> None:
    """Write a file until the disk refuses more."""
    with open(folder / "filler", "wb") as out:
        try:
            while True:
                out.write(b"\0" * 4096)
                out.flush()
        except OSError:
            pass
        try:
            os.fsync(out.fileno())
        except OSError:
            pass
    assert shutil.disk_usage(folder).free < 64 * 1024


def test_every_command_says_the_disk_is_full_and_changes_nothing(full_disk, tmp_path):
    db = full_disk / "archive.db"
    with Archive(db) as archive:  # the files a writer leaves: the archive, an empty -wal and -shm
        archive.record_page(None, "https://vlast.kz/politika/57753-miting.html", 200, {},
                            b"<html></html>", ArticleRecord(
                                article_id=57753, language="ru", section="politika",
                                slug="miting", url="https://vlast.kz/politika/57753-miting.html",
                                title="Митинг", lead="Лид", body=["Первый абзац."]),
                            "2024-01-01T10:00:00Z")
    assert all(os.path.getsize(name) == 0 for name in shared_files(db))
    fill(full_disk)
    # The archive and its journal; SQLite's index beside them (-shm) may have grown a little.
    kept = [db, Path(f"{db}-wal")]
    before = [sha256(path) for path in kept]
    for command in COMMANDS:
        args = [part.format(out=tmp_path / "out.jsonl") for part in command]
        done = CliRunner().invoke(main, [*args, "--db", str(db)])
        assert done.exit_code == 2, (command, done.output, done.exception)
        assert done.output.startswith("error: the archive's disk is full (disk I/O error): free "
                                      "some space, then "), (command, done.output)
        assert done.output.count("\n") == 1, (command, done.output)
    assert [sha256(path) for path in kept] == before
