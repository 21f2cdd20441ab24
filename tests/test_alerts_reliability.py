"""Notifications under stress: receivers that answer slowly or never, SIGTERM while a send
hangs, clocks that were ahead, secrets in receiver URLs, receivers on private addresses."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from receivers import SLOW, TRICKLE, JsonReceiver

import alerts.watches
import settings
from alerts.receivers import address_kind
from cli import main
from replay.server import ReplayServer
from scheduler import ServiceConfig, due_times
from storage import watches as store
from storage.archive import Archive
from storage.migrations import migrate
from storage.records import ArticleRecord
from storage.secrets import SecretStore, new_reference

WEB = "http://reading-room.test"
RECORD = {"article_id": 57753, "language": "ru", "section": "politika", "slug": "miting",
          "url": "https://vlast.kz/politika/57753-miting.html", "lead": "Лид",
          "body": ["Первый абзац."]}


def secrets() -> SecretStore:
    return SecretStore(settings.MEDIAWATCH_SECRETS)


def archive_with_a_change(db: Path, url: str, second_url: str | None = None) -> None:
    """An archive with a watch on `url` (a receiver on this machine, so allowed), another
    on `second_url` if given, and one change archived after them."""
    with Archive(db) as archive:
        for name, address in (("w", url), ("x", second_url)):
            if address:
                alerts.watches.add_watch(archive.db, secrets(), name, address, [], None, None,
                                         None, allow_private=True)
        archive.record_page(None, RECORD["url"], 200, {}, b"<html></html>",
                            ArticleRecord(title="Митинг", **RECORD), "2024-01-01T10:00:00Z")


def start_notify(db: Path, **env: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cli", "notify", "--web-url", WEB, "--db",
                             str(db)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **env})


def notify(db: Path, timeout: float = 60, **env: str) -> tuple[subprocess.CompletedProcess, float]:
    """Run `mediawatch notify`; what it did and how long it took."""
    began = time.monotonic()
    process = start_notify(db, **env)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail(f"notify was still running after {timeout} s")
    done = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    return done, time.monotonic() - began


def statuses(db: Path) -> list[tuple[str, str | None]]:
    with Archive(db) as archive:
        return [(d["status"], d["last_error"]) for d in store.deliveries(archive.db)]


def status_text(db: Path) -> str:
    result = CliRunner().invoke(main, ["status", "--db", str(db)])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(autouse=True)
def mark(monkeypatch) -> str:
    """A mark in the environment of every process this test starts (and theirs)."""
    value = f"{os.getpid()}-{time.monotonic_ns()}"
    monkeypatch.setenv("MEDIAWATCH_TEST_MARK", value)
    return value


def couriers_running(mark: str) -> list[int]:
    """The delivery workers this test started that still run (wherever they were left)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                command = Path(f"/proc/{entry}/cmdline").read_bytes()
                environment = Path(f"/proc/{entry}/environ").read_bytes()
            except OSError:
                continue
            if b"alerts.courier" in command and f"MEDIAWATCH_TEST_MARK={mark}".encode() in \
                    environment.split(b"\0"):
                found.append(int(entry))
    return found


def sockets_to(port: int) -> int:
    """How many TCP connections of this process lead to `port` on this machine."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[2].rsplit(":", 1)[1], 16) == port and fields[9] in inodes:
                count += 1
    return count


@pytest.fixture
def receiver():
    server = JsonReceiver().start()
    yield server
    server.stop()


# ---- item: a receiver that answers very slowly -------------------------------------------------

def test_a_trickling_receiver_is_cut_off_at_the_message_and_run_deadlines(tmp_path, receiver,
                                                                         mark):
    """Two watches on a receiver that has each message and answers a byte a second for two
    minutes: notify ends the first send at its 3 s deadline and records it unconfirmed; the
    second would not fit in the run's 5 s, so it waits for the next run. No worker is left."""
    receiver.decide = lambda payload, path: TRICKLE
    db = tmp_path / "archive.db"
    archive_with_a_change(db, receiver.url("/t"), second_url=receiver.url("/u"))
    done, seconds = notify(db, MEDIAWATCH_NOTIFY_MESSAGE_DEADLINE="3",
                           MEDIAWATCH_NOTIFY_RUN_DEADLINE="5")
    assert done.returncode == 0, done.stderr
    assert seconds < 15, seconds  # 3 s of deadline, the rest starting two Pythons
    assert ("2 new messages, 0 sent, 0 failed (retried later), 1 unconfirmed, 1 wait for the "
            "next run (its deadline passed)") in done.stdout
    assert statuses(db) == [
        ("unconfirmed", "the receiver took the whole message but gave no answer within 3 s"),
        ("pending", None)]
    assert len(receiver.messages) == 1 and not couriers_running(mark)


def test_a_send_past_its_deadline_leaves_no_thread_or_socket(tmp_path, receiver, mark):
    from alerts.sending import UNCONFIRMED, Courier

    receiver.decide = lambda payload, path: TRICKLE
    threads = {thread.ident for thread in threading.enumerate()}
    courier = Courier(deadline=2)
    try:
        for attempt in range(2):
            began = time.monotonic()
            outcome = courier.send(receiver.url("/t"), "title", f"body {attempt}",
                                   allow_private=True)
            # 2 s of deadline (the trickle would take 120 s), and a worker started each time
            assert outcome.status == UNCONFIRMED, outcome
            assert time.monotonic() - began < 15
            assert sockets_to(receiver.port) == 0
    finally:
        courier.close()
    receiver_threads = {thread.ident for thread in threading.enumerate()
                        if "process_request" in thread.name or "serve_forever" in thread.name}
    assert {thread.ident for thread in threading.enumerate()} - threads <= receiver_threads
    assert len(receiver.messages) == 2 and not couriers_running(mark)


def test_sigterm_ends_notify_at_once_while_a_send_hangs(tmp_path, receiver, mark):
    receiver.decide = lambda payload, path: TRICKLE
    db = tmp_path / "archive.db"
    archive_with_a_change(db, receiver.url("/t"))
    process = start_notify(db)  # the default deadline, 30 s
    deadline = time.monotonic() + 30
    while not receiver.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    assert receiver.messages, "the message never reached the receiver"
    time.sleep(0.5)
    began = time.monotonic()
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert time.monotonic() - began < 3
    assert process.returncode == 1 and "notify stopped by a signal" in err, (out, err)
    # The receiver had the whole message: it is not sent again on the next run.
    [(state, error)] = statuses(db)
    assert state == "unconfirmed" and "before this process was stopped" in error, error
    assert not couriers_running(mark)


def test_the_scheduler_crawls_on_and_stops_at_once_while_a_receiver_hangs(tmp_path, receiver, mark):
    """A watch whose receiver trickles its answer for two minutes, a 100 s message deadline:
    the service's three crawls of the edition run one after the other as if nothing were
    sent, and SIGTERM ends the service in a few seconds, in the middle of the send."""
    receiver.decide = lambda payload, path: TRICKLE
    db = tmp_path / "archive.db"
    with Archive(db) as archive:
        alerts.watches.add_watch(archive.db, secrets(), "ru", receiver.url("/ru"), [], "ru",
                                 None, None, allow_private=True)
    log = tmp_path / "schedule.log"
    with ReplayServer(articles=60, seed=2) as server, open(log, "w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", "schedule", "--base-url", server.base_url, "--db",
             str(db), "--edition", "ru", "--web-url", WEB],
            stdout=output, stderr=subprocess.STDOUT,
            env={**os.environ, "MEDIAWATCH_NOTIFY_MESSAGE_DEADLINE": "100"})
        try:
            ends = time.monotonic() + 120
            while time.monotonic() < ends and log.read_text().count(": run ") < 3:
                time.sleep(0.2)
            text = log.read_text()
            assert text.count(": run ") == 3, text  # new, revisit and sweep, all done
            assert receiver.messages, "the first crawl's changes were not being sent"
            assert "notifications:" not in text  # the send is still going on
            began = time.monotonic()
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
            assert time.monotonic() - began < 5, log.read_text()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert "scheduler stopped" in log.read_text()
    assert not couriers_running(mark)


# ---- item: a receiver slower than Apprise's 4 s ------------------------------------------------

def test_a_receiver_slower_than_four_seconds_gets_each_message_once(tmp_path, receiver):
    receiver.decide = lambda payload, path: SLOW  # answers 200 after 4.5 s
    db = tmp_path / "archive.db"
    archive_with_a_change(db, receiver.url("/slow"))
    done, _ = notify(db)
    # Sent, so never tried again (before, it failed after 4 s and was sent on each retry).
    assert "1 sent" in done.stdout, done.stdout + done.stderr
    assert statuses(db) == [("sent", None)] and len(receiver.messages) == 1


def test_a_receiver_slower_than_the_deadline_is_unconfirmed_and_not_sent_again(tmp_path,
                                                                              receiver):
    receiver.decide = lambda payload, path: SLOW  # answers 200 after 4.5 s
    db = tmp_path / "archive.db"
    archive_with_a_change(db, receiver.url("/slow"))
    env = {"MEDIAWATCH_NOTIFY_RETRY_STEPS": "1", "MEDIAWATCH_NOTIFY_MESSAGE_DEADLINE": "3"}
    first, _ = notify(db, **env)
    time.sleep(1.5)
    second, _ = notify(db, **env)
    assert "1 unconfirmed" in first.stdout and "0 new messages, 0 sent" in second.stdout
    assert len(receiver.messages) == 1
    [(state, error)] = statuses(db)
    assert state == "unconfirmed"
    assert error == "the receiver took the whole message but gave no answer within 3 s"
    assert re.search(r"watch w: 1 notification\(s\) unconfirmed .* not sent again",
                     status_text(db))


# ---- item: a clock that was ahead ---------------------------------------------------------------

def test_times_from_the_future_are_noticed_corrected_and_shown(tmp_path, receiver):
    """As a notify run under a 2030 clock leaves them: a digest collected in 2030, and a
    failed delivery tried in 2030 with its retry a minute later."""
    db = tmp_path / "archive.db"
    archive_with_a_change(db, receiver.url("/now"))
    with Archive(db) as archive:
        alerts.watches.add_watch(archive.db, secrets(), "daily", receiver.url("/daily"), [],
                                 None, None, "daily", allow_private=True)
    notify(db)
    assert len(receiver.at("/now")) == 1
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE watches SET collected_at = '2030-01-01T00:00:00Z'"
                           " WHERE name = 'daily'")
        connection.execute("UPDATE deliveries SET status = 'failed', attempts = 1,"
                           " last_attempt_at = '2030-01-01T00:00:00Z',"
                           " next_attempt_at = '2030-01-01T00:01:00Z'")
    shown = status_text(db)
    assert "clock: watch daily: last collected 2030-01-01T00:00:00Z, later than this " \
           "machine's clock" in shown
    assert re.search(r"clock: notification \d+ last tried 2030-01-01T00:00:00Z", shown)
    before = datetime.now(UTC).replace(microsecond=0)
    done, _ = notify(db)
    after = datetime.now(UTC) + timedelta(seconds=1)
    assert "clock: watch daily: last collected was 2030-01-01T00:00:00Z" in done.stderr
    # The retry that waited for 2030 went out now; the digest's period counts from now.
    assert len(receiver.at("/now")) == 2 and statuses(db)[0][0] == "sent"
    with Archive(db) as archive:
        collected = store.get_watch(archive.db, "daily")["collected_at"]
    assert before <= datetime.fromisoformat(collected) <= after
    shown = status_text(db)
    assert "2030-01-01T00:00:00Z, from the future: corrected to" in shown
    assert "later than this machine's clock" not in shown


def test_a_crawl_run_from_the_future_does_not_hold_the_schedule_back():
    now = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    runs = [{"mode": "new", "editions": ["ru"], "status": "ok",
             "started_at": "2030-01-01T00:00:00+00:00"}]
    due = due_times(runs, ServiceConfig(editions=("ru",)), now)
    assert due["new-ru"] <= now + timedelta(seconds=ServiceConfig().new_interval)


# ---- item: secrets in receiver URLs ------------------------------------------------------------

SECRET_URL = "json://mw-user:s3cretPassw0rd@hooks.example.org/T0KEN-4f9a2c?topic=newsroom"
SECRETS = (b"s3cretPassw0rd", b"T0KEN-4f9a2c", b"mw-user")


def archive_bytes(db: Path) -> bytes:
    return b"".join(Path(f"{db}{suffix}").read_bytes() for suffix in ("", "-wal", "-shm")
                    if Path(f"{db}{suffix}").exists())


def test_watch_add_keeps_the_secrets_out_of_the_archive(tmp_path, monkeypatch):
    db = tmp_path / "archive.db"
    Archive(db).close()
    path = tmp_path / "config" / "mediawatch" / "secrets.json"
    monkeypatch.setattr(settings, "MEDIAWATCH_SECRETS", str(path))
    runner = CliRunner()
    result = runner.invoke(main, ["watch", "add", "desk", "--notify", SECRET_URL,
                                  "--db", str(db)])
    listing = runner.invoke(main, ["watch", "list", "--db", str(db)]).output
    assert result.exit_code == 0, result.output
    assert not any(secret in archive_bytes(db) for secret in SECRETS)
    with Archive(db) as archive:
        [watch] = store.list_watches(archive.db)
    assert watch["notify_url"] == "json://hooks.example.org/…"
    assert SecretStore(path).get(watch["secret_ref"]) == SECRET_URL
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert "hooks.example.org" in listing and "s3cret" not in listing


def legacy_archive(db: Path, url: str) -> None:
    """An archive of the version before receivers were kept apart: the URL in the archive."""
    with sqlite3.connect(db) as connection:
        from sqlite_utils import Database

        migrate(Database(connection), stop_before="m014_watch_receivers")
        connection.execute(
            "INSERT INTO watches (name, notify_url, kinds, created_at, collected_at, cursor)"
            " VALUES ('desk', ?, '[]', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z',"
            " '{\"version_id\": 0, \"event_id\": 0, \"run_id\": 0}')", [url])


def test_migrate_moves_the_secrets_out(tmp_path, receiver):
    db = tmp_path / "archive.db"
    url = f"json://mw-user:s3cretPassw0rd@127.0.0.1:{receiver.port}/T0KEN-4f9a2c"
    legacy_archive(db, url)
    assert all(secret in archive_bytes(db) for secret in SECRETS)
    result = CliRunner().invoke(main, ["migrate", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "m014_watch_receivers" in result.output
    assert f"moved the receiver addresses of 1 watch(es) out of the archive, into " \
           f"{settings.MEDIAWATCH_SECRETS}" in result.output
    assert not any(secret in archive_bytes(db) for secret in SECRETS)
    with Archive(db) as archive:
        [watch] = store.list_watches(archive.db)
        assert watch["notify_url"] == f"json://127.0.0.1:{receiver.port}/…"
        assert secrets().get(watch["secret_ref"]) == url
        archive.record_page(None, RECORD["url"], 200, {}, b"<html></html>",
                            ArticleRecord(title="Митинг", **RECORD), "2024-01-01T10:00:00Z")
        # Its receiver is on this machine: allowed, as `watch add --allow-private-target` does.
        archive.db.execute("UPDATE watches SET allow_private = 1")
    done, _ = notify(db)
    assert "1 sent" in done.stdout and [m["path"] for m in receiver.messages] == ["/T0KEN-4f9a2c"]


# ---- item: receivers on private addresses --------------------------------------------------------

@pytest.mark.parametrize(("url", "kind"), [
    ("json://169.254.169.254/latest/meta-data", "link-local"),
    ("form://127.0.0.1:8080/hook", "loopback"),
    ("json://10.1.2.3/hook", "private"),
    ("xml://192.168.1.1/hook", "private"),
    ("json://[::1]:9/hook", "loopback"),
    ("json://localhost:9/hook", "loopback"),
    ("json://2130706433/hook", "loopback"),
    ("mailto://127.0.0.1:2525?from=a@example.org&to=b@example.org", "loopback"),
])
def test_private_targets_are_refused_unless_allowed(tmp_path, url, kind):
    db = str(tmp_path / "archive.db")
    Archive(db).close()
    refused = CliRunner().invoke(main, ["watch", "add", "x", "--notify", url, "--db", db])
    assert refused.exit_code == 2 and refused.output.count("\n") == 1, refused.output
    assert f"is a {kind} address: give --allow-private-target" in refused.output
    allowed = CliRunner().invoke(main, ["watch", "add", "x", "--notify", url,
                                        "--allow-private-target", "--db", db])
    assert allowed.exit_code == 0, allowed.output
    listing = CliRunner().invoke(main, ["watch", "list", "--db", db]).output
    assert "private target allowed" in listing


def test_a_receiver_that_now_resolves_to_a_private_address_is_refused_at_delivery(tmp_path,
                                                                                 receiver):
    """The host was public when the watch was added; now it is this machine (as DNS can
    change): nothing is sent, the delivery fails with the reason."""
    db = tmp_path / "archive.db"
    reference = new_reference()
    secrets().put(reference, receiver.url("/internal"))
    with Archive(db) as archive:
        store.add_watch(archive.db, "w", "json://hooks.example.org/…", [], None, None, None,
                        secret_ref=reference)
        archive.record_page(None, RECORD["url"], 200, {}, b"<html></html>",
                            ArticleRecord(title="Митинг", **RECORD), "2024-01-01T10:00:00Z")
    done, _ = notify(db)
    assert "1 failed" in done.stdout and receiver.requests == 0
    [(state, error)] = statuses(db)
    assert state == "failed"
    assert error == ("refused: 127.0.0.1 is a loopback address (the watch was not added with "
                     "--allow-private-target)")


@pytest.mark.parametrize(("address", "kind"), [
    ("127.0.0.1", "loopback"), ("127.1", "loopback"), ("0x7f.1", "loopback"),
    ("::ffff:127.0.0.1", "loopback"), ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
    ("10.0.0.1", "private"), ("172.16.5.4", "private"), ("fd00::1", "private"),
    ("0.0.0.0", "unspecified"), ("100.64.0.1", "non-public"), ("LOCALHOST.", "loopback"),
    ("93.184.216.34", None), ("2606:4700::1111", None), ("hooks.example.org", None),
])
def test_address_kinds(address, kind):
    assert address_kind(address) == kind

