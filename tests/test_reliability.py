"""Reliability: faults, layout drift, kills, concurrent use, an unwritable archive, hostile input."""

from __future__ import annotations

import hashlib
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

import lxml.html
import pytest
from click.testing import CliRunner
from commands import crawl
from conftest import manifest_pairs

from cli import main
from crawler.canonical import article_reference
from replay.evaluate import score_archive
from storage.archive import Archive
from storage.search import SearchQueryError

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = 60
SEED = 2
RETRY_TIMES = 3  # settings.RETRY_TIMES
REDIRECT_MAX_TIMES = 5  # settings.REDIRECT_MAX_TIMES


# ---- helpers ---------------------------------------------------------------------------------


def record_requests(server) -> list[tuple[float, str, str | None]]:
    """Every page request the replay answers from now on: (time, path, fault fired or None)."""
    seen: list[tuple[float, str, str | None]] = []
    pick = server.app.faults.pick

    def recording(path: str):
        fault = pick(path)
        seen.append((time.monotonic(), path, fault.kind if fault else None))
        return fault

    server.app.faults.pick = recording
    return seen


def live_articles(manifest: dict) -> list[dict]:
    return sorted((a for a in manifest["articles"] if a["status"] == 200), key=lambda a: a["id"])


def query(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql, params).fetchall()


def assert_consistent(db: Path) -> None:
    """integrity_check ok; every version has its capture, every capture its version; current
    versions exist and match; versions numbered 1..n; one search row per version."""
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    checks = {
        "version without capture": "SELECT count(*) FROM versions v"
                                   " LEFT JOIN captures c ON c.id = v.capture_id WHERE c.id IS NULL",
        "capture without version": "SELECT count(*) FROM captures c WHERE NOT EXISTS"
                                   " (SELECT 1 FROM versions v WHERE v.capture_id = c.id)",
        "bad current version": "SELECT count(*) FROM articles a LEFT JOIN versions v"
                               " ON v.id = a.current_version_id WHERE v.id IS NULL"
                               " OR v.number != a.current_version OR v.fingerprint != a.fingerprint",
        "gap in version numbers": "SELECT count(*) FROM (SELECT max(number) AS m, count(*) AS n"
                                  " FROM versions GROUP BY article_id) WHERE m != n",
        "version not indexed": "SELECT (SELECT count(*) FROM versions)"
                               " - (SELECT count(*) FROM versions_fts)",
    }
    for what, sql in checks.items():
        assert query(db, sql) == [(0,)], what


def content(db: Path) -> dict:
    """What the archive holds: articles with their current fingerprints and version counts."""
    articles = query(db, "SELECT a.id, a.status, a.url, a.fingerprint, a.current_version,"
                         " (SELECT count(*) FROM versions v WHERE v.article_id = a.id)"
                         " FROM articles a ORDER BY a.id")
    events = query(db, "SELECT article_id, kind FROM events ORDER BY article_id, kind")
    return {"articles": articles, "events": events}


def fetch_rows(db: Path, outcome: str | None = None) -> list[dict]:
    with Archive(db) as archive:
        rows = archive.db.execute("SELECT * FROM fetches ORDER BY id").fetchall()
        names = [d[0] for d in archive.db.execute("SELECT * FROM fetches LIMIT 0").description]
    rows = [dict(zip(names, row, strict=True)) for row in rows]
    return [row for row in rows if outcome is None or row["outcome"] == outcome]


def clear_validators(db: Path) -> None:
    """Make the next revisit fetch whole pages instead of asking for 304s."""
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("UPDATE articles SET etag = NULL, last_modified = NULL")


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


# ---- faults while crawling -------------------------------------------------------------------

# fault -> what the fetch log says once retries are spent, and how many requests it took
# (Twisted itself repeats a request once when a reused connection is reset before any answer)
PERSISTENT = {
    "500": ("HTTP 500", range(1 + RETRY_TIMES, 2 + RETRY_TIMES)),
    "503": ("HTTP 503", range(1 + RETRY_TIMES, 2 + RETRY_TIMES)),
    "429": ("HTTP 429", range(1 + RETRY_TIMES, 2 + RETRY_TIMES)),
    "slow": ("DownloadTimeoutError", range(1 + RETRY_TIMES, 2 + RETRY_TIMES)),
    "reset": ("ConnectionLost", range(1 + RETRY_TIMES, 3 + 2 * RETRY_TIMES)),
    "truncate": ("ResponseDataLossError", range(1 + RETRY_TIMES, 2 + RETRY_TIMES)),
    "redirect-loop": ("max redirections reached", range(1 + REDIRECT_MAX_TIMES, 2 + REDIRECT_MAX_TIMES)),
    "huge": ("larger than download max size", range(1, 2)),
}
TRANSIENT = ("500", "503", "429", "slow", "reset", "truncate")
DAMAGING = ("charset-cp1251-as-utf8", "charset-utf8-as-cp1251", "malformed")


def test_every_fault_is_survived_logged_retried_and_never_archived(make_replay, tmp_path):
    server = make_replay(articles=ARTICLES, seed=SEED)
    manifest = server.manifest()
    live = live_articles(manifest)
    # Cyrillic articles first, for the charset faults
    pool = [a for a in live if a["language"] == "kk"][:3] + [a for a in live if a["language"] == "ru"]
    pool += [a for a in live if a not in pool]
    plan = ([(kind, None) for kind in PERSISTENT] + [(kind, 1) for kind in TRANSIENT]
            + [(kind, None) for kind in DAMAGING])
    damaging_first = sorted(plan, key=lambda item: item[0] not in DAMAGING)
    faults = {}
    for (kind, count), article in zip(damaging_first, pool, strict=False):
        faults[article["path"]] = (kind, count, article)
    server.set_faults([{"kind": kind, "path": path, "count": count, "seconds": 2.5}
                       for path, (kind, count, _) in faults.items()])
    seen = record_requests(server)
    db = tmp_path / "faults.db"

    result = crawl(server.base_url, db, env={"MEDIAWATCH_DOWNLOAD_TIMEOUT": "1"})

    assert all(line.split("] ")[1].startswith("ok") for line in result.stdout.splitlines()
               if line.startswith("run "))
    requests = {path: [t for t, p, _ in seen if p == path] for path in faults}
    failed = {row["url"]: row for row in fetch_rows(db, "failed")}
    persistent = {path: (kind, article) for path, (kind, count, article) in faults.items()
                  if count is None and kind in PERSISTENT}
    assert len(persistent) == len(PERSISTENT)
    for path, (kind, article) in persistent.items():
        reason, attempts = PERSISTENT[kind]
        row = failed[article["url"]]
        assert reason in row["error"], (kind, row)
        assert len(requests[path]) in attempts, (kind, requests[path])
        assert any(article["url"] in line and reason in line for line in result.stderr.splitlines())
    retry_429 = next(times for path, times in requests.items() if faults[path][0] == "429")
    assert all(b - a >= 0.9 for a, b in zip(retry_429, retry_429[1:], strict=False)), retry_429
    for path, (kind, count, _) in faults.items():
        if count == 1:
            assert len(requests[path]) in (2, 3) if kind == "reset" else len(requests[path]) == 2, (
                kind, requests[path])
    assert set(failed) == {article["url"] for _, article in persistent.values()}
    # no fault is read as a removal or a move (divergences between editions are not faults)
    assert fetch_rows(db, "gone") == [] and query(db, "SELECT count(*) FROM events WHERE kind "
                                                      "NOT IN ('new', 'divergence')") == [(0,)]

    score = score_archive(str(db), manifest)
    assert sorted(score.missing) == sorted(article["id"] for _, article in persistent.values())
    assert score.mismatches == [], score.mismatches[:3]  # no mojibake, no broken page archived
    with Archive(db) as archive:
        errors = [error["url"] for run in archive.runs() for error in run["errors"]]
    assert sorted(errors) == sorted(failed)
    assert_consistent(db)

    server.clear_faults()
    crawl(server.base_url, db)
    score = score_archive(str(db), manifest)
    assert score.missing == [] and score.mismatches == []


def test_a_revisit_through_broken_pages_archives_no_version(make_replay, tmp_path):
    server = make_replay(articles=ARTICLES, seed=SEED)
    db = tmp_path / "revisit.db"
    crawl(server.base_url, db)
    before = content(db)
    clear_validators(db)
    kinds = ("truncate", "malformed", "charset-cp1251-as-utf8", "charset-utf8-as-cp1251", "huge")
    live = live_articles(server.manifest())
    server.set_faults([{"kind": kinds[i % len(kinds)], "path": a["path"]}
                       for i, a in enumerate(live)])

    crawl(server.base_url, db, "--mode", "revisit", "--everything")

    assert content(db) == before
    outcomes = {row["outcome"] for row in fetch_rows(db)[len(before["articles"]):]}
    assert outcomes == {"unchanged", "failed"}
    assert_consistent(db)


# ---- extraction drift ------------------------------------------------------------------------

def test_layout_drift_is_flagged_not_archived_while_real_edits_still_are(make_replay, tmp_path):
    server = make_replay(articles=ARTICLES, seed=SEED)
    db = tmp_path / "drift.db"
    crawl(server.base_url, db)
    before = content(db)
    server.set_epoch(1)
    manifest = server.manifest()
    live = live_articles(manifest)
    cut = {c["id"] for c in manifest["changes"] if c["kind"] == "paragraph_removed"}
    archived = {row[0] for row in before["articles"]}
    drifted = {a["id"]: a for a in live[::2] if a["id"] not in cut and a["id"] in archived}
    server.set_faults([{"kind": "layout-drift", "path": a["path"]} for a in drifted.values()])
    clear_validators(db)

    result = crawl(server.base_url, db, "--mode", "revisit", "--everything")

    versions_before = {row[0]: row[5] for row in before["articles"]}
    versions_after = {row[0]: row[5] for row in content(db)["articles"]}
    suspect = {row["article_id"]: row for row in fetch_rows(db, "suspect")}
    assert set(suspect) == set(drifted)
    assert all(versions_after[i] == versions_before[i] for i in drifted)
    assert all("extraction failure" in row["error"] for row in suspect.values())
    with Archive(db) as archive:
        recorded = {(c["article_id"], kind) for c in archive.changes() for kind in c["kinds"]
                    if kind not in ("new", "divergence")}
        runs = archive.runs(limit=3)
    expected = manifest_pairs([c for c in manifest["changes"]
                               if c["id"] not in drifted and c["kind"] != "new"])
    assert recorded == expected and {c for c in expected if c[0] in cut}
    assert sum(run["stats"].get("suspect", 0) for run in runs) == len(drifted)
    assert sum(run["stats"].get("failed", 0) for run in runs) == len(drifted)
    warnings = [line for line in result.stderr.splitlines() if "layout may have changed" in line]
    assert len(warnings) == 3  # one per edition's run
    assert all(any("layout may have changed" in e["error"] for e in run["errors"]) for run in runs)
    assert_consistent(db)


# ---- hostile pages -----------------------------------------------------------------------------

# fault -> the outcome in the fetch log and what its reason says
HOSTILE_PAGES = {
    "many-attributes": ("failed", "over budget, not read: an element with 200,000 attributes"),
    "slow-parse": ("failed", "over budget, not read: extraction took more than 3 s: stopped"),
    "huge-text": ("suspect", "suspect reading, not archived: the parser stopped before the end"),
    "deep-nesting": ("suspect", "suspect reading, not archived: the parser stopped before the end"),
}


def test_hostile_pages_are_refused_or_suspect_and_the_crawl_goes_on(make_replay, tmp_path):
    server = make_replay(articles=30, seed=SEED)
    ru = [a for a in live_articles(server.manifest()) if a["language"] == "ru"]
    hostile = dict(zip(HOSTILE_PAGES, ru, strict=False))
    server.set_faults([{"kind": kind, "path": a["path"]} for kind, a in hostile.items()])
    db = tmp_path / "hostile.db"

    result = crawl(server.base_url, db, "--edition", "ru",
                   env={"MEDIAWATCH_EXTRACT_SECONDS": "3"})

    rows = {row["url"]: row for row in fetch_rows(db)}
    for kind, article in hostile.items():
        outcome, reason = HOSTILE_PAGES[kind]
        assert rows[article["url"]]["outcome"] == outcome, kind
        assert reason in rows[article["url"]]["error"], (kind, rows[article["url"]]["error"])
        assert any(article["url"] in line and reason in line for line in result.stderr.splitlines())
    archived = {row[0] for row in content(db)["articles"]}
    assert archived == {a["id"] for a in ru} - {a["id"] for a in hostile.values()}
    with Archive(db) as archive:
        [run] = archive.runs()
    assert run["status"] == "ok"
    assert sorted(e["url"] for e in run["errors"]) == sorted(a["url"] for a in hostile.values())
    assert (run["stats"]["over_budget"], run["stats"]["truncated"]) == (2, 2)
    assert_consistent(db)


# ---- kills -----------------------------------------------------------------------------------

STEPS = ((0, ("--mode", "backfill")), (1, ("--mode", "backfill")),
         (1, ("--mode", "revisit", "--everything")))


def kill_during(base_url: str, db: Path, options: tuple[str, ...], delay: float) -> bool:
    """Start a crawl and SIGKILL it after `delay` seconds; True when it was still running."""
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "crawl", "--base-url", base_url, "--db", str(db), *options],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
    )
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    return process.returncode == -signal.SIGKILL


def run_kills(make_replay, tmp_path, kills_per_step: int, seed: int) -> dict:
    server = make_replay(articles=ARTICLES, seed=SEED)
    clean = tmp_path / "clean.db"
    durations = []
    for epoch, options in STEPS:
        server.set_epoch(epoch)
        started = time.monotonic()
        crawl(server.base_url, clean, *options)
        durations.append(time.monotonic() - started)

    rng = random.Random(seed)
    killed = tmp_path / "killed.db"
    landed = 0
    for (epoch, options), duration in zip(STEPS, durations, strict=True):
        server.set_epoch(epoch)
        for _ in range(kills_per_step):
            landed += kill_during(server.base_url, killed, options, rng.uniform(0.3, duration))
            # A file without tables was killed before its schema was made: the migrations are
            # one transaction, so there is no half-made schema to check.
            if killed.exists() and query(killed, "SELECT count(*) FROM sqlite_master") != [(0,)]:
                assert_consistent(killed)
        crawl(server.base_url, killed, *options)
        assert_consistent(killed)
    assert content(killed) == content(clean)
    return {"tried": kills_per_step * len(STEPS), "landed": landed}


def test_crawls_killed_at_random_moments_leave_a_whole_archive(make_replay, tmp_path):
    kills = run_kills(make_replay, tmp_path, kills_per_step=1, seed=7)
    print("kills", kills)
    assert kills["landed"] >= 2, kills


@pytest.mark.slow
def test_many_kills_leave_a_whole_archive_identical_to_an_unkilled_one(make_replay, tmp_path):
    kills = run_kills(make_replay, tmp_path, kills_per_step=8, seed=11)
    print("kills", kills)
    assert kills["landed"] >= 20, kills


# ---- concurrent use --------------------------------------------------------------------------

READER = r"""
import random, sys, time
from click.testing import CliRunner
from cli import main

db, seconds = sys.argv[1], float(sys.argv[2])
words, ids = sys.argv[3].split(","), sys.argv[4].split(",")
commands = [["search", w] for w in words] + [["search", w, "--all-versions"] for w in words]
commands += [["diff", i] for i in ids] + [["diff", i, "--format", "html"] for i in ids]
commands += [["history", i] for i in ids] + [["changes", "--since", "30d"]]
commands = [[*command, "--db", db] for command in commands]
runner, rng = CliRunner(), random.Random(sys.argv[5])
calls = failures = 0
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    args = rng.choice(commands)
    result = runner.invoke(main, args)
    calls += 1
    if result.exit_code != 0 or "locked" in result.output.lower():
        failures += 1
        print("FAILED", args, result.exit_code, result.output[-300:], repr(result.exception))
print("CALLS", calls, "FAILURES", failures, flush=True)
"""


def use_concurrently(make_replay, tmp_path, seconds: float, readers: int) -> dict:
    server = make_replay(articles=ARTICLES, seed=SEED)
    db = tmp_path / "busy.db"
    crawl(server.base_url, db)
    server.set_epoch(1)
    crawl(server.base_url, db, "--mode", "revisit", "--everything")
    with Archive(db) as archive:
        revised = [str(r[0]) for r in archive.db.execute(
            "SELECT id FROM articles WHERE current_version > 1 LIMIT 6")]
    words = [a["title"].split()[0] for a in live_articles(server.manifest())[:6]] + ["rally*"]
    processes = [
        subprocess.Popen([sys.executable, "-c", READER, str(db), str(seconds), ",".join(words),
                          ",".join(revised), str(n)],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
        for n in range(readers)
    ]
    deadline = time.monotonic() + seconds
    crawls, epoch = 0, 1
    while time.monotonic() < deadline:
        epoch += 1
        server.set_epoch(epoch)
        crawl(server.base_url, db, "--mode", "revisit", "--everything")
        crawl(server.base_url, db)
        crawls += 2
    outputs = [process.communicate(timeout=120)[0] for process in processes]
    totals = [re.search(r"CALLS (\d+) FAILURES (\d+)", out) for out in outputs]
    assert all(totals), outputs
    calls = sum(int(t[1]) for t in totals)
    failures = sum(int(t[2]) for t in totals)
    assert failures == 0, "\n".join(outputs)[-3000:]
    assert not any("locked" in out.lower() for out in outputs)
    assert_consistent(db)
    return {"crawls": crawls, "calls": calls, "failures": failures}


def test_searching_and_diffing_while_a_crawl_writes(make_replay, tmp_path):
    figures = use_concurrently(make_replay, tmp_path, seconds=10, readers=3)
    print("concurrent", figures)
    assert figures["calls"] >= 30 and figures["crawls"] >= 2


@pytest.mark.slow
def test_a_minute_of_readers_and_a_writer(make_replay, tmp_path):
    figures = use_concurrently(make_replay, tmp_path, seconds=60, readers=4)
    print("concurrent", figures)
    assert figures["calls"] >= 200


# ---- full disk, read-only archive ------------------------------------------------------------

def assert_one_line_error(result: subprocess.CompletedProcess, starts: str) -> None:
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(f"error: {starts}"), result.stderr


def test_a_full_disk_is_one_clear_error_and_the_archive_stays_whole(make_replay, tmp_path):
    server = make_replay(articles=ARTICLES, seed=SEED)
    seed_db = tmp_path / "seed.db"
    crawl(server.base_url, seed_db, "--edition", "ru")
    disk = tmp_path / "disk"
    disk.mkdir()
    size = seed_db.stat().st_size + 150_000
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(disk)],
                             capture_output=True).returncode == 0
    if not mounted:
        pytest.skip("cannot mount a small tmpfs here to fill")
    try:
        db = disk / "archive.db"
        shutil.copy(seed_db, db)
        before = content(db)
        server.set_epoch(1)
        result = crawl(server.base_url, db, check=False)
        assert_one_line_error(result, "the archive's disk is full")
        assert_consistent(db)
        after = content(db)
        assert set(before["articles"]) <= set(after["articles"]) or before == after
        shutil.copy(db, tmp_path / "moved.db")
    finally:
        subprocess.run(["umount", str(disk)], check=True)
    crawl(server.base_url, tmp_path / "moved.db")
    assert_consistent(tmp_path / "moved.db")
    assert score_archive(str(tmp_path / "moved.db"), server.manifest()).missing == []


@pytest.fixture
def read_only_dir(request):
    """A directory, and the command prefix of a user who can read but not write in it (root
    writes anywhere, so root runs the command as another user)."""
    path = Path(tempfile.mkdtemp(prefix="mediawatch-ro-"))
    os.chmod(path, 0o755)
    if os.geteuid() == 0:
        prefix = request.getfixturevalue("other_user")
        home = Path(tempfile.mkdtemp(prefix="mediawatch-home-"))
        os.chown(home, 65534, 65534)
        yield path, prefix, home
        shutil.rmtree(home, ignore_errors=True)
    else:
        yield path, [], Path.home()
    os.chmod(path, 0o755)
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.parametrize("what", ["directory", "file"])
def test_a_read_only_archive_is_one_clear_error_and_untouched(make_replay, tmp_path,
                                                              read_only_dir, what):
    folder, prefix, home = read_only_dir
    server = make_replay(articles=ARTICLES, seed=SEED)
    db = folder / "archive.db"
    crawl(server.base_url, db, "--edition", "en")
    os.chmod(db, 0o444)
    if what == "file" and prefix:
        os.chown(folder, 65534, 65534)  # the directory is writable, the file is not
    elif not prefix:
        os.chmod(folder, 0o555 if what == "directory" else 0o755)
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    server.set_epoch(1)
    result = subprocess.run(
        [*prefix, sys.executable, "-m", "cli", "crawl", "--base-url", server.base_url, "--db",
         str(db)],
        capture_output=True, text=True, timeout=300, cwd=ROOT, env={**os.environ, "HOME": str(home)},
    )
    assert_one_line_error(result, "cannot write to the archive")
    assert "readonly database" in result.stderr
    assert hashlib.sha256(db.read_bytes()).hexdigest() == digest
    assert_consistent(db)


# ---- security --------------------------------------------------------------------------------

def test_robots_txt_and_the_outlets_host_bound_every_request(make_replay, tmp_path):
    server = make_replay(articles=ARTICLES, seed=SEED)
    elsewhere = make_replay(articles=20, seed=5)
    away = record_requests(elsewhere)
    other = f"localhost:{elsewhere.port}"
    links = "".join(
        f'<a href="{url}">x</a>' for url in (
            f"http://{other}/politika/40001-offsite.html",
            f"http://127.0.0.1:{elsewhere.port}/english/40002-offsite.html",
            "https://evil.example/politika/40003-offsite.html",
            f"//{other}/novosti/40004-offsite.html",
        ))

    def transform(path: str, text: str) -> str:
        if path == "/robots.txt":
            return text.replace("Disallow: /search/", "Disallow: /search/\nDisallow: /gorod/")
        if path == "/sitemap.xml":
            return text.replace("</sitemapindex>", f"<sitemap><loc>http://{other}/sitemap.xml"
                                                    "</loc></sitemap></sitemapindex>")
        if path in ("/feed/", "/feed"):
            return text.replace("</channel>", f"<item><link>http://{other}/politika/40005-f.html"
                                              "</link></item></channel>")
        return text.replace("</body>", links + "</body>")

    server.app.transform = transform
    here = record_requests(server)
    db = tmp_path / "polite.db"
    crawl(server.base_url, db, "--mode", "backfill")

    assert away == []
    paths = [path for _, path, _ in here]
    assert paths and not [p for p in paths if p.startswith(("/gorod/", "/search/", "/_replay/"))]
    fetched = [row["url"] for row in fetch_rows(db)]
    assert all(url.startswith(server.base_url + "/") for url in fetched)
    live = live_articles(server.manifest())
    gorod = {a["id"] for a in live if a["section"] == "gorod"}
    assert gorod
    score = score_archive(str(db), server.manifest())
    assert set(score.missing) == gorod and score.extra == []


HOSTILE = ('&lt;script&gt;alert("escaped")&lt;/script&gt; <script>alert("raw")</script>'
           '<img src=x onerror=alert(1)> <a href="javascript:alert(2)">link</a> &#27;[2J tail')


def hostile_archive(make_replay, tmp_path) -> tuple[Path, int]:
    server = make_replay(articles=ARTICLES, seed=SEED)
    db = tmp_path / "hostile.db"
    crawl(server.base_url, db, "--edition", "en")
    target = next(a for a in live_articles(server.manifest()) if a["language"] == "en")

    def transform(path: str, text: str) -> str:
        if path != target["path"]:
            return text
        text = text.replace("js-mediator-article font-edit\">\n<p>",
                            f"js-mediator-article font-edit\">\n<p>{HOSTILE} ", 1)
        return text.replace("<h1>", "<h1>&lt;b onmouseover=alert(3)&gt;&#x1b;[31m ", 1)

    server.app.transform = transform
    clear_validators(db)
    crawl(server.base_url, db, "--mode", "revisit", "--everything", "--edition", "en")
    return db, target["id"]


def test_nothing_archived_can_run_in_a_diff_or_a_report(make_replay, tmp_path):
    db, article_id = hostile_archive(make_replay, tmp_path)
    with Archive(db) as archive:
        record = archive.article(article_id)["record"]
    assert record["body"][0].startswith('<script>alert("escaped")</script>')
    assert "\x1b" not in record["title"] + "".join(record["body"])

    code, page = cli("diff", str(article_id), "--format", "html", "--db", str(db))
    assert code == 0
    tree = lxml.html.document_fromstring(page)
    assert tree.xpath("//script") == []
    assert not [a for e in tree.iter() if isinstance(e.tag, str) for a in e.attrib
                if a.lower().startswith("on")]
    assert not [h for h in tree.xpath("//@href | //@src") if "javascript:" in h.lower()]
    assert 'alert("escaped")' in tree.text_content()
    for args in (["show", str(article_id)], ["history", str(article_id)], ["changes"],
                 ["search", "alert"], ["diff", str(article_id)], ["status"]):
        code, output = cli(*args, "--db", str(db))
        assert code == 0, (args, output)
        assert "\x1b" not in output, args


INJECTIONS = (
    "'; DROP TABLE articles; --", '" OR 1=1 --', "1 OR 1=1", "politika' OR '1'='1",
    'x") UNION SELECT sql FROM sqlite_master --', "%", "_", "*", "1; DELETE FROM versions",
    "\\", "' || (SELECT group_concat(name) FROM sqlite_master) || '", "articles_fts:*",
    "title_stems: a OR body_stems: b", "NEAR(a b)", "a\x00b", "english/1-a.html' OR 1=1 --",
)


def snapshot(db: Path) -> tuple:
    tables = [row[0] for row in query(db, "SELECT name FROM sqlite_master WHERE type = 'table'"
                                          " AND name NOT LIKE '%fts%' ORDER BY name")]
    schema = query(db, "SELECT type, name, sql FROM sqlite_master ORDER BY name")
    data = {t: hashlib.sha256(repr(query(db, f'SELECT * FROM "{t}" ORDER BY 1')).encode())
            .hexdigest() for t in tables}
    return schema, data


def test_sql_injection_through_search_and_references_changes_nothing(make_replay, tmp_path):
    db, article_id = hostile_archive(make_replay, tmp_path)
    before = snapshot(db)
    with Archive(db) as archive:
        ids = set(archive.known_ids())
        for text in INJECTIONS:
            try:
                hits = archive.search(text)
            except SearchQueryError:
                hits = []
            assert {hit["article_id"] for hit in hits} <= ids
            assert archive.search("the", section=text, author=text) == []
            assert archive.search("alert", section=text) == []
            assert archive.resolve(*article_reference(text)) is None
    for text in INJECTIONS:
        if "\x00" in text:
            continue  # not a possible command-line argument
        assert cli("history", text, "--db", str(db))[0] == 2
        assert cli("search", "alert", "--section", text, "--author", text, "--db", str(db))[0] == 0
        assert cli("diff", text, "--db", str(db))[0] == 2
    assert snapshot(db) == before
    assert cli("search", "alert", "--db", str(db))[0] == 0
