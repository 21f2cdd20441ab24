"""Backups taken while a crawl writes, restores, and Litestream replication after a SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

from click.testing import CliRunner

from cli import main
from replay.server import ReplayServer
from storage.archive import Archive
from storage.replica import MONITOR_INTERVAL, SYNC_INTERVAL
from tests.commands import ROOT, crawl


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def start_crawl(base_url: str, db: Path, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cli", "crawl", "--base-url", base_url,
                             "--db", str(db)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, **popen)


def count(db: Path, sql: str) -> int:
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)) as conn:
            return conn.execute(sql).fetchone()[0]
    except sqlite3.Error:  # not made yet, or still being migrated
        return 0


def wait_for(db: Path, sql: str, at_least: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while count(db, sql) < at_least:
        assert process.poll() is None, process.stderr.read()[-2000:]
        assert time.monotonic() < deadline, "the crawl wrote too little"
        time.sleep(0.05)


def waiting_seconds(pid: int) -> float:
    """Seconds the threads of a process and of its children spent ready to run but waiting for
    a CPU (the kernel's schedstat): how long a busy machine kept them from running."""
    total, pids = 0, [pid]
    while pids:
        tasks = Path(f"/proc/{pids.pop()}/task")
        for task in tasks.glob("*") if tasks.is_dir() else []:
            try:
                total += int((task / "schedstat").read_text().split()[1])
                pids += [int(child) for child in (task / "children").read_text().split()]
            except (OSError, IndexError, ValueError):  # the thread ended meanwhile
                continue
    return total / 1e9


def head(db: Path) -> dict:
    return json.loads(run("status", "--json", "--db", str(db)).stdout)["evidence"]


def test_a_backup_taken_while_a_crawl_writes_is_checked_and_restores(tmp_path):
    db, copy = tmp_path / "archive.db", tmp_path / "backup.db"
    with ReplayServer(articles=90, seed=7, faults=["slow=0.05"]) as server:
        crawler = start_crawl(server.base_url, db)
        wait_for(db, "SELECT count(*) FROM versions", 10, crawler)
        made = run("backup", "--to", str(copy), "--db", str(db))
        during = crawler.poll() is None
        checks = [run("verify", "--db", str(db)) for _ in range(3)]  # one snapshot each
        during = during and crawler.poll() is None
        assert crawler.wait(timeout=300) == 0, crawler.stderr.read()[-2000:]
    assert during, "the backup must be taken while the crawl writes"
    assert made.exit_code == 0, made.output
    assert all(check.exit_code == 0 for check in checks), [c.output for c in checks]
    assert "integrity ok; evidence log held" in made.stdout
    assert not Path(f"{copy}-wal").exists()  # one file
    with closing(sqlite3.connect(copy)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    backed, final = head(copy), head(db)
    assert 0 < backed["entries"] < final["entries"]
    assert run("verify", "--db", str(db), "--since-head", backed["head"]).exit_code == 0

    restored = run("restore", "--from", str(copy), "--db", str(db))
    assert restored.exit_code == 0, restored.output
    assert head(db) == backed and run("verify", "--db", str(db)).exit_code == 0
    (aside,) = tmp_path.glob("archive.db.replaced-*[0-9]Z")
    assert head(aside) == final and "only in it" in restored.stdout


def test_restore_refuses_a_live_archive_and_a_backup_that_does_not_hold(tmp_path):
    db, copy = tmp_path / "archive.db", tmp_path / "backup.db"
    with ReplayServer(articles=60, seed=9, faults=["slow=0.05"]) as server:
        crawl(server.base_url, db, "--edition", "en")
        assert run("backup", "--to", str(copy), "--db", str(db)).exit_code == 0
        crawler = start_crawl(server.base_url, db)
        wait_for(db, "SELECT count(*) FROM runs WHERE status = 'running'", 1, crawler)
        refused = run("restore", "--from", str(copy), "--db", str(db))
        assert crawler.wait(timeout=300) == 0
    assert refused.exit_code == 2 and "is being written" in refused.stderr
    before = head(db)
    with closing(sqlite3.connect(copy)) as conn, conn:
        conn.execute("DROP TRIGGER versions_no_delete")
        conn.execute("DELETE FROM versions WHERE id = (SELECT max(id) FROM versions)")
    refused = run("restore", "--from", str(copy), "--db", str(db))
    assert refused.exit_code == 2 and "evidence log does not hold: entry" in refused.stderr
    assert head(db) == before and not list(tmp_path.glob("*.replaced-*"))
    for args in (["--to", str(db)], ["--to", f"{db}-wal"], ["--to", str(tmp_path / "no" / "x.db")]):
        done = run("backup", *args, "--db", str(db))
        assert done.exit_code == 2 and done.stderr.startswith("error:"), done.output


def test_litestream_restores_the_archive_after_the_writer_is_killed(tmp_path):
    """The writer and Litestream are killed at once (the machine lost): what the replica lacks
    was committed within Litestream's window (monitor-interval + sync-interval), counted in the
    time the machine let Litestream run."""
    db, replica, restored = tmp_path / "archive.db", tmp_path / "replica", tmp_path / "restored.db"
    Archive(db).close()
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    replicator = subprocess.Popen([sys.executable, "-m", "cli", "replicate", "--to", str(replica),
                                   "--db", str(db)], cwd=ROOT, env=env, start_new_session=True,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not list(replica.glob("ltx/0/*.ltx")):
            assert replicator.poll() is None, replicator.stderr.read()
            assert time.monotonic() < deadline, "litestream made no snapshot"
            time.sleep(0.1)
        with ReplayServer(articles=150, seed=5, faults=["slow=0.05"]) as server:
            waited = waiting_seconds(replicator.pid)
            crawler = start_crawl(server.base_url, db, env=env)
            wait_for(db, "SELECT count(*) FROM fetches", 40, crawler)
            time.sleep(1.5)
            waited = waiting_seconds(replicator.pid) - waited
            crawler.send_signal(signal.SIGKILL)
            os.killpg(replicator.pid, signal.SIGKILL)
            killed_at = time.time()
            crawler.wait()
            replicator.wait()
    finally:
        if replicator.poll() is None:
            os.killpg(replicator.pid, signal.SIGKILL)
    done = run("restore", "--replica", str(replica), "--db", str(restored))
    assert done.exit_code == 0, done.output
    assert "evidence log held" in done.stdout
    assert run("verify", "--db", str(db), "--since-head", head(restored)["head"]).exit_code == 0
    window = sum(float(interval.rstrip("s")) for interval in (MONITOR_INTERVAL, SYNC_INTERVAL))
    with closing(sqlite3.connect(db)) as original, closing(sqlite3.connect(restored)) as back:
        kept = {row[0] for row in back.execute("SELECT id FROM fetches")}
        every = original.execute("SELECT id, fetched_at FROM fetches").fetchall()
    lost = [at for fetch_id, at in every if fetch_id not in kept]
    assert kept and len(kept) + len(lost) == len(every)
    earliest = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(killed_at - window - 1 - waited))
    assert all(at >= earliest for at in lost), (earliest, waited, lost)
