"""Locks on the archive file itself: a symbolic or a hard link to the archive is the same archive
for `notify`, `schedule` and every writer (docs/reliability.md, "One archive, several names")."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from commands import ROOT, crawl
from receivers import JsonReceiver
from test_scheduler import served_paths, start_service, stop_service, wait_for

from alerts.delivery import DeliveryLock
from cli import main
from storage.access import ArchiveError
from storage.archive import Archive
from storage.records import ArticleRecord
from storage.watches import add_watch

WEB = "http://reading-room.test"
LINKS = ["symlink", "hardlink"]


def second_name(db: Path, kind: str) -> Path:
    """Another name of the archive file: a symbolic link or a hard link in another folder."""
    folder = db.parent / "elsewhere"
    folder.mkdir(exist_ok=True)
    link = folder / f"{kind}.db"
    if kind == "symlink":
        link.symlink_to(db)
    else:
        os.link(db, link)
    return link


def record(text: str) -> ArticleRecord:
    return ArticleRecord(article_id=57753, language="ru", section="politika", slug="miting",
                         url="https://vlast.kz/politika/57753-miting.html", title="Митинг",
                         lead="Лид", body=[text])


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


def integrity(db: Path) -> str:
    with sqlite3.connect(db) as connection:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]


@pytest.mark.parametrize("kind", LINKS)
def test_notify_through_another_name_waits_for_the_one_delivering(tmp_path, kind):
    db = tmp_path / "archive.db"
    receiver = JsonReceiver().start()
    try:
        with Archive(db) as archive:
            add_watch(archive.db, "all", receiver.url("/all"), [], None, None, None,
                      allow_private=True)
            archive.record_page(None, record("").url, 200, {}, b"<html></html>",
                                record("Первый абзац."), "2024-01-01T10:00:00Z")
        link = second_name(db, kind)
        with DeliveryLock(str(db)):  # what a `notify --db archive.db` running now holds
            refused = cli("notify", "--web-url", WEB, "--db", str(link))
        assert refused.returncode == 2, refused.stderr
        assert refused.stderr == (f"error: another process (pid {os.getpid()}) is delivering "
                                  f"notifications for {link}\n")
        assert receiver.messages == []
        sent = cli("notify", "--web-url", WEB, "--db", str(link))
        assert sent.returncode == 0, sent.stderr
        assert [message["path"] for message in receiver.messages] == ["/all"]
    finally:
        receiver.stop()


@pytest.mark.parametrize("kind", LINKS)
def test_a_second_scheduler_through_another_name_exits(make_replay, tmp_path, kind):
    replay = make_replay(articles=30, seed=2)
    db = tmp_path / "archive.db"
    db.touch()  # an empty file is a new archive; the link needs a file to point to
    link = second_name(db, kind)
    hourly = ("--edition", "en", "--new-interval", "3600", "--revisit-interval", "3600",
              "--sweep-interval", "3600")
    service = start_service(replay.base_url, db, *hourly)
    try:
        def started() -> bool:
            service.log.seek(0)
            return "scheduler started" in service.log.read()

        wait_for(started, "the first scheduler to start")
        second = subprocess.run(
            [sys.executable, "-m", "cli", "schedule", "--base-url", replay.base_url, "--db",
             str(link), *hourly], capture_output=True, text=True, timeout=60, cwd=ROOT)
    finally:
        stop_service(service)
    assert second.returncode == 2, second.stderr
    assert second.stderr == (f"error: another scheduler (pid {service.pid}) is already running "
                             f"against the archive {link} (through {db})\n")


def test_a_crawl_through_a_hard_link_is_refused_while_another_writes(make_replay, tmp_path):
    replay = make_replay(articles=30, seed=2)
    replay.set_faults([{"kind": "slow", "path": "/", "seconds": 5}])  # the first crawl runs on
    db = tmp_path / "archive.db"
    db.touch()  # an empty file is a new archive; the link needs a file to point to
    link = second_name(db, "hardlink")
    served = served_paths(replay)
    first = subprocess.Popen(
        [sys.executable, "-m", "cli", "crawl", "--edition", "en", "--base-url", replay.base_url,
         "--db", str(db)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        wait_for(lambda: served, "the first crawl to ask for a page")
        second = crawl(replay.base_url, link, "--edition", "ru", check=False)
        assert first.poll() is None  # it was writing all the while
    finally:
        replay.clear_faults()
        out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err[-2000:]
    assert second.returncode == 2, second.stderr[-2000:]
    assert second.stderr.splitlines()[-1] == (
        f"error: the archive {link} is being written through another name of the same file, "
        f"{db} (a hard link): two writers through two names would damage it, for SQLite keeps "
        "a journal beside each name. Use one name for it")
    assert integrity(db) == "ok"
    assert crawl(replay.base_url, link, "--edition", "ru").returncode == 0  # once it is done


def test_writers_through_a_symbolic_link_share_the_archive(tmp_path):
    db = tmp_path / "archive.db"
    Archive(db).close()
    link = second_name(db, "symlink")
    with Archive(db):
        Archive(link).close()
        for command in (["watch", "add", "w", "--notify", "json://127.0.0.1:9/w",
                         "--allow-private-target"],
                        ["reextract"], ["watch", "remove", "w"]):
            result = CliRunner().invoke(main, [*command, "--db", str(link)])
            assert result.exit_code == 0, result.output


def test_every_writer_through_a_hard_link_waits_for_the_writers_of_another_name(tmp_path):
    db = tmp_path / "archive.db"
    Archive(db).close()
    link = second_name(db, "hardlink")
    refusal = (f"error: the archive {link} is being written through another name of the same "
               f"file, {db} (a hard link): two writers through two names would damage it, for "
               "SQLite keeps a journal beside each name. Use one name for it\n")
    with Archive(db):
        with pytest.raises(ArchiveError, match="is being written through another name"):
            Archive(link)
        for command in (["watch", "add", "w", "--notify", "json://127.0.0.1:9/w",
                         "--allow-private-target"],
                        ["reextract"], ["notify"]):
            result = CliRunner().invoke(main, [*command, "--db", str(link)])
            assert (result.exit_code, result.output) == (2, refusal)
    with Archive(link):  # once the other name's writer is done
        with pytest.raises(ArchiveError, match=f"the archive {db} is being written through"):
            Archive(db)
