"""The crawl service, run for real against the replay: changes over epochs, kills, restarts, locks."""

from __future__ import annotations

import logging
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import manifest_pairs
from starlette.testclient import TestClient

from storage.archive import Archive
from web.app import create_app

ROOM = "http://127.0.0.1:8000"  # the reading room's own address (create_app's default)

SERVICE_TIMEOUT = 120


def start_service(base_url: str, db: Path, *options: str) -> subprocess.Popen:
    """The service, its log going to a file: a pipe read only at the end would fill up (64 KB of
    log lines) and block the service mid-run."""
    command = [sys.executable, "-m", "cli", "schedule", "--base-url", base_url, "--db", str(db),
               *options]
    log = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
    service = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True)
    service.log = log
    return service


def stop_service(service: subprocess.Popen) -> str:
    service.send_signal(signal.SIGTERM)
    service.wait(timeout=60)
    service.log.seek(0)
    output = service.log.read()
    service.log.close()
    assert service.returncode == 0, output
    return output


def runs(db: Path) -> list[dict]:
    if not db.exists():
        return []
    with Archive(db) as archive:
        return sorted(archive.runs(limit=10_000), key=lambda run: run["id"])


def wait_for(condition, what: str, timeout: float = SERVICE_TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def finished_cycle(db: Path, after: str, modes: tuple[str, ...]) -> bool:
    """Every edition has a finished run of each mode that started after ``after``."""
    done = {(edition, run["mode"]) for run in runs(db) if run["started_at"] >= after
            and run["status"] != "running" for edition in run["editions"]}
    return all((edition, mode) in done for edition in ("ru", "kk", "en") for mode in modes)


def utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 1))


def child_pids(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                children.append(int(entry.name))
    return children


def served_paths(replay) -> list[str]:
    """Paths of the requests the replay receives from now on, as they arrive (before any delay
    a fault adds)."""
    seen: list[str] = []
    pick = replay.app.faults.pick

    def recording(path: str):
        seen.append(path)
        return pick(path)

    replay.app.faults.pick = recording
    return seen


def assert_no_overlap(all_runs: list[dict]) -> None:
    ordered = sorted(all_runs, key=lambda run: (run["started_at"], run["id"]))
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        assert earlier["finished_at"] is not None
        assert later["started_at"] >= earlier["finished_at"], (earlier, later)


def test_service_archives_every_change_while_epochs_advance(make_replay, tmp_path):
    replay = make_replay(articles=60, seed=7)
    db = tmp_path / "archive.db"
    expected = {(a["id"], "new") for a in replay.manifest()["articles"] if a["status"] == 200}
    service = start_service(replay.base_url, db, "--new-interval", "2", "--revisit-interval", "2",
                            "--sweep-interval", "3600", "--revisit-steps", "0")
    try:
        wait_for(lambda: finished_cycle(db, "", ("new", "revisit", "backfill")), "first cycle")
        plan = TestClient(create_app(str(db)), base_url=ROOM).get("/api/status").json()
        assert plan["service"]["running"] and plan["service"]["base_url"] == replay.base_url
        assert {(job["job"], job["every_seconds"]) for job in plan["next_runs"]} == {
            (f"{kind}-{edition}", every) for kind, every in (("new", 2), ("revisit", 2),
                                                             ("sweep", 3600))
            for edition in ("ru", "kk", "en")}
        for epoch in (1, 2):
            replay.set_epoch(epoch)
            expected |= manifest_pairs(replay.manifest()["changes"])
            moved_at = utc_now()
            wait_for(lambda at=moved_at: finished_cycle(db, at, ("new", "revisit")),
                     f"a full cycle at epoch {epoch}")
    finally:
        output = stop_service(service)
    with Archive(db) as archive:
        # the outlet's changes; divergences between a story's editions are the archive's own
        # findings, checked against the replay's truth in tests/test_editions.py
        recorded = {(c["article_id"], kind) for c in archive.changes() for kind in c["kinds"]
                    if kind != "divergence"}
    assert recorded == expected
    all_runs = runs(db)
    assert all(run["status"] in ("ok", "stopped") for run in all_runs), all_runs
    assert_no_overlap(all_runs)
    assert "new-ru: run" in output and "revisit-en: run" in output
    stopped = TestClient(create_app(str(db)), base_url=ROOM).get("/status").text
    assert "it is not running now" in stopped and replay.base_url in stopped


def test_crawl_over_its_time_limit_is_ended_and_the_service_goes_on(make_replay, tmp_path):
    replay = make_replay(articles=30, seed=3)
    replay.set_faults([{"kind": "slow", "path": "/feed/", "seconds": 60}])
    db = tmp_path / "archive.db"
    service = start_service(replay.base_url, db, "--edition", "en", "--time-limit", "4",
                            "--new-interval", "3600", "--revisit-interval", "3600",
                            "--sweep-interval", "3600")
    try:
        wait_for(lambda: [r for r in runs(db) if r["status"] == "timeout"], "a timed-out run")
        wait_for(lambda: len([r for r in runs(db) if r["status"] != "running"]) >= 3,
                 "the other jobs to run after it")
    finally:
        output = stop_service(service)
    assert "time limit" in output
    assert_no_overlap(runs(db))


def test_killed_crawl_is_recorded_and_nothing_is_half_written(make_replay, tmp_path):
    replay = make_replay(articles=60, seed=5)
    replay.set_faults([{"kind": "slow", "path": "/english/", "seconds": 2}])
    db = tmp_path / "archive.db"
    served = served_paths(replay)
    service = start_service(replay.base_url, db, "--edition", "en", "--new-interval", "3600",
                            "--revisit-interval", "3600", "--sweep-interval", "3600")
    try:
        children = wait_for(lambda: child_pids(service.pid), "a crawl process")
        wait_for(lambda: runs(db), "the crawl's run record")
        wait_for(lambda: any(path.startswith("/english/") for path in served),
                 "the crawl to be waiting for an article")
        os.kill(children[0], signal.SIGKILL)
        wait_for(lambda: [r for r in runs(db) if r["status"] == "killed"], "the killed run")
        replay.clear_faults()
        wait_for(lambda: len([r for r in runs(db) if r["status"] == "ok"]) >= 2,
                 "later jobs to succeed")
    finally:
        output = stop_service(service)
    assert "failed" in output
    connection = sqlite3.connect(db)
    assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    orphans = connection.execute(
        "SELECT COUNT(*) FROM versions WHERE capture_id IS NOT NULL"
        " AND capture_id NOT IN (SELECT id FROM captures)").fetchone()[0]
    assert orphans == 0


def test_restart_neither_repeats_nor_skips_work(make_replay, tmp_path):
    replay = make_replay(articles=30, seed=11)
    db = tmp_path / "archive.db"
    hourly = ("--new-interval", "3600", "--revisit-interval", "3600", "--sweep-interval", "3600")
    service = start_service(replay.base_url, db, *hourly)
    try:
        wait_for(lambda: finished_cycle(db, "", ("new", "revisit", "backfill")), "first cycle")
    finally:
        stop_service(service)
    first = runs(db)
    assert len(first) == 9

    # Restarted with only the revisits due (every second): two of them run, and nothing else
    # (what was due at the start would have run before the second revisit).
    service = start_service(replay.base_url, db, "--edition", "en", "--new-interval", "3600",
                            "--revisit-interval", "1", "--sweep-interval", "3600")
    try:
        wait_for(lambda: len(runs(db)) >= len(first) + 2, "two revisits")
    finally:
        stop_service(service)
    again = [(run["mode"], *run["editions"]) for run in runs(db)[len(first):]]
    assert set(again) == {("revisit", "en")}, "a restarted service repeated work that was not due"
    # Nothing was due (the first revisits are minutes away): each revisit was recorded by the
    # service itself, empty, without a crawl process.
    idle = runs(db)[len(first):]
    assert all(run["stats"] == {"requests": 0, "nothing_due": 1} and run["status"] == "ok"
               and run["pid"] == service.pid for run in idle), idle
    first = runs(db)

    listing = subprocess.run(
        [sys.executable, "-m", "cli", "schedule", "--list", "--db", str(db), *hourly],
        capture_output=True, text=True, check=True).stdout
    assert listing.count(" 1 h ") == 9 and "next run (Almaty)" in listing

    service = start_service(replay.base_url, db, "--new-interval", "1", "--revisit-interval",
                            "3600", "--sweep-interval", "3600")
    try:
        wait_for(lambda: len(runs(db)) >= len(first) + 3, "overdue jobs to run")
    finally:
        stop_service(service)
    new_runs = [run for run in runs(db) if run["id"] > first[-1]["id"]]
    assert {run["mode"] for run in new_runs} == {"new"}


def test_a_second_scheduler_on_the_same_archive_exits(make_replay, tmp_path):
    replay = make_replay(articles=30, seed=2)
    db = tmp_path / "archive.db"
    hourly = ("--new-interval", "3600", "--revisit-interval", "3600", "--sweep-interval", "3600")
    service = start_service(replay.base_url, db, *hourly)
    try:
        wait_for(lambda: [run for run in runs(db) if run["status"] == "ok"],
                 "the first scheduler's first crawl")
        second = subprocess.run(
            [sys.executable, "-m", "cli", "schedule", "--base-url", replay.base_url, "--db",
             str(db), *hourly], capture_output=True, text=True, timeout=60)
    finally:
        output = stop_service(service)
    assert second.returncode == 2
    assert f"already running against the archive {db}" in second.stderr
    assert "Traceback" not in second.stderr
    # One log line per crawl, none of APScheduler's job bookkeeping.
    assert "Adding job" not in output and "Running job" not in output
    assert "executed successfully" not in output
    logged = re.findall(r" INFO (?:new|revisit|sweep)-(?:ru|kk|en): run (\d+) ", output)
    # Every run, an ok one or one the stop interrupted, has its one line.
    assert sorted(map(int, logged)) == [run["id"] for run in runs(db)], (runs(db), output)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_stop_signal_interrupts_the_crawl_and_leaves_nothing_running(make_replay, tmp_path,
                                                                      signum):
    replay = make_replay(articles=60, seed=4)
    replay.set_faults([{"kind": "slow", "path": "/politika/", "seconds": 2}])
    served = served_paths(replay)
    db = tmp_path / "archive.db"
    service = start_service(replay.base_url, db, "--edition", "ru")
    wait_for(lambda: runs(db), "a crawl to start")
    # A request held two seconds by the replay: the crawl cannot have finished when it stops.
    wait_for(lambda: any(path.startswith("/politika/") for path in served),
             "the crawl to be waiting for a page")
    service.send_signal(signum)
    service.wait(timeout=60)
    service.log.seek(0)
    output = service.log.read()
    assert service.returncode == 0, output
    assert "scheduler stopped" in output
    [run] = runs(db)  # the interrupted one, and none started after the signal
    # its one line says what it did, and a stop asked for is no error
    assert re.search(r" INFO new-ru: run 1 ", output) and " ERROR " not in output, output
    assert (run["mode"], run["status"]) == ("new", "stopped"), run
    assert run["finished_at"] is not None
    connection = sqlite3.connect(db)
    assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_crawl_that_exits_badly_as_the_service_stops_is_logged_as_stopped(tmp_path, caplog):
    """A stop can reach a crawl after it recorded its run and before it exited: the job's one
    line is the run's, at INFO, and the job is not taken for failing."""
    from crawler.child import CrawlOutcome
    from scheduler import CrawlService, ServiceConfig

    service = CrawlService(ServiceConfig(db=str(tmp_path / "archive.db")))
    run = {"id": 2, "mode": "new", "editions": ["kk"], "status": "ok", "stats": {"fetched": 9}}
    crawl = CrawlOutcome(returncode=-15, runs=[run], error="killed by signal 15")
    with caplog.at_level(logging.INFO, logger="mediawatch.scheduler"):
        service.log_result("new", "kk", "stopped", crawl)
        service.note_failure("new-kk", "stopped", crawl)
    [record] = caplog.records
    assert record.levelno == logging.INFO
    assert re.match(r"new-kk: run 2 .*\(ended as the service stopped\)$", record.getMessage())
    assert service.failing == {}
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="mediawatch.scheduler"):
        service.log_result("new", "kk", "finished", crawl)  # the same exit, not asked for
    assert [r.levelno for r in caplog.records] == [logging.ERROR]


def test_the_revisit_job_runs_as_often_as_the_revisit_policy_asks(tmp_path):
    from scheduler import CrawlService, ServiceConfig
    from storage.revisit import AdaptivePolicy

    config = ServiceConfig(db=str(tmp_path / "archive.db"))
    # The policy looks at a fresh article every minute: a revisit crawl run less often would
    # leave it waiting, whatever the policy says.
    assert config.revisit_interval <= AdaptivePolicy().shortest
    options = CrawlService(config).crawl_options("revisit", "en")
    assert options == ["--edition", "en", "--mode", "revisit"]  # no fixed steps: the policy
    with Archive(config.db) as archive:
        assert isinstance(archive.policy, AdaptivePolicy) and archive.policy.heat
