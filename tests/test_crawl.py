"""End-to-end crawls of the replay through Scrapy's real engine, compared with its manifest."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import manifest_pairs

from crawler.canonical import article_id_from_url, is_article_url
from crawler.child import run_crawl_process
from replay.evaluate import COMPARED_FIELDS, score_archive
from storage.archive import Archive

ROOT = Path(__file__).resolve().parent.parent


def crawl(base_url: str, db: Path, *options: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "cli", "crawl", "--base-url", base_url, "--db", str(db), *options],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def site():
    from replay.server import ReplayServer

    server = ReplayServer(articles=180, seed=1).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def first_crawl(site, tmp_path_factory):
    db = tmp_path_factory.mktemp("crawl") / "archive.db"
    site.set_epoch(0)
    result = crawl(site.base_url, db)
    return db, site.manifest(), result


def test_first_crawl_finds_every_article_once_with_every_field_right(first_crawl):
    db, manifest, result = first_crawl
    score = score_archive(str(db), manifest)
    print(score.table())
    assert score.expected >= 170
    assert score.missing == [] and score.extra == []
    for name in COMPARED_FIELDS:
        assert score.accuracy(name) >= 0.99, (name, score.mismatches[:3])
    assert score.mismatches == []
    assert score.translations_missing == []
    for edition in ("ru", "kk", "en"):
        assert f"[{edition} new] ok" in result.stdout


def test_no_page_other_than_an_article_is_archived(first_crawl):
    db, manifest, _ = first_crawl
    live = {a["id"] for a in manifest["articles"] if a["status"] == 200}
    with Archive(db) as archive:
        urls = archive.db.execute("SELECT id, url FROM articles").fetchall()
        fetched = [row[0] for row in archive.db.execute("SELECT url FROM fetches").fetchall()]
    assert {article_id for article_id, _ in urls} == live
    assert all(is_article_url(url) and article_id_from_url(url) == aid for aid, url in urls)
    assert all(is_article_url(url) for url in fetched)
    assert not any(part in url for url in fetched for part in ("/tags/", "/author/", "/search/"))


def test_duplicates_and_translations_are_linked(first_crawl):
    db, manifest, _ = first_crawl
    with Archive(db) as archive:
        duplicates = {(d["article_id"], d["original_id"]) for d in archive.duplicates()}
    expected = {(a["id"], a["duplicate_of"]) for a in manifest["articles"]
                if a["duplicate_of"] and a["status"] == 200}
    assert expected and duplicates == expected


def test_a_second_discovery_pass_stores_nothing_twice(first_crawl, tmp_path):
    db, manifest, _ = first_crawl
    copy = tmp_path / "copy.db"
    with Archive(db) as archive:
        archive.db.execute("VACUUM INTO ?", [str(copy)])
    from replay.server import ReplayServer

    with ReplayServer(articles=180, seed=1) as server:
        crawl(server.base_url, copy, "--mode", "backfill")
    with Archive(copy) as archive:
        count = archive.db.execute
        assert count("SELECT COUNT(*) FROM articles").fetchone()[0] == len(
            [a for a in manifest["articles"] if a["status"] == 200])
        assert count("SELECT COUNT(*) FROM versions").fetchone()[0] == \
            count("SELECT COUNT(*) FROM articles").fetchone()[0]


def changes_in(archive: Archive) -> set[tuple[int, str]]:
    """The outlet's changes the archive recorded (divergences between a story's editions are
    the archive's own findings: tests/test_editions.py)."""
    return {(c["article_id"], kind) for c in archive.changes() for kind in c["kinds"]
            if kind != "divergence"}


def test_changes_of_the_next_epoch_are_archived_exactly_then_nothing(site, first_crawl,
                                                                      tmp_path):
    db, _, _ = first_crawl
    work = tmp_path / "epochs.db"
    with Archive(db) as archive:
        archive.db.execute("VACUUM INTO ?", [str(work)])
        before = changes_in(archive)
    site.set_epoch(1)
    try:
        manifest = site.manifest()
        crawl(site.base_url, work)
        with Archive(work) as archive:
            requests = sum(run["stats"]["requests"] for run in archive.runs(limit=3))
        new = len([c for c in manifest["changes"] if c["kind"] == "new"])
        # `new` reads robots, home, feed, the sitemap index and the first listing pages (10
        # sections), the new articles, and one more listing page where new ones were: it stops
        # at what is archived (no monthly sitemap changed since the last crawl for new articles).
        assert requests <= 3 * 4 + 10 + 2 * new, requests
        crawl(site.base_url, work, "--mode", "revisit", "--everything")
        with Archive(work) as archive:
            recorded = changes_in(archive) - before
            versions_before = archive.db.execute("SELECT COUNT(*) FROM versions").fetchone()[0]
            events_before = archive.db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        assert recorded == manifest_pairs(manifest["changes"])
        assert score_archive(str(work), manifest).mismatches == []

        crawl(site.base_url, work)
        crawl(site.base_url, work, "--mode", "revisit", "--everything")
        with Archive(work) as archive:
            assert archive.db.execute("SELECT COUNT(*) FROM versions").fetchone()[0] == \
                versions_before
            assert archive.db.execute("SELECT COUNT(*) FROM events").fetchone()[0] == \
                events_before
    finally:
        site.set_epoch(0)


def test_backfill_walks_back_to_since_and_limit_caps(site, tmp_path):
    manifest = site.manifest()
    since = "2025-01-01"
    db = tmp_path / "backfill.db"
    crawl(site.base_url, db, "--mode", "backfill", "--since", since, "--edition", "en")
    live_en = [a for a in manifest["articles"] if a["status"] == 200 and a["language"] == "en"]
    wanted = {a["id"] for a in live_en if a["published"][:10] >= since}
    # The listing (20 a page, newest first) is read down to its first page with nothing
    # published since then; the links on that page are followed, none beyond it.
    newest_first = sorted(live_en, key=lambda a: (a["published"], a["id"]), reverse=True)
    reached: set[int] = set()
    for start in range(0, len(newest_first), 20):
        listing = newest_first[start:start + 20]
        reached |= {a["id"] for a in listing}
        if max(a["published"][:10] for a in listing) < since:
            break
    assert wanted and reached != {a["id"] for a in live_en}, "since must leave articles out"
    with Archive(db) as archive:
        got = archive.known_ids("en")
    assert wanted <= got <= reached

    limited = tmp_path / "limited.db"
    crawl(site.base_url, limited, "--limit", "5", "--edition", "kk")
    with Archive(limited) as archive:
        assert len(archive.known_ids("kk")) == 5


def test_scrapy_crawl_runs_an_edition_spider_with_a_feed_export(site, tmp_path):
    db = tmp_path / "scrapy.db"
    items = tmp_path / "items.jsonl"
    # No delay is lifted by hand: the spider lifts them for a replay, as `mediawatch crawl` does.
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "vlast_en", "-s",
         f"MEDIAWATCH_BASE_URL={site.base_url}", "-s", f"MEDIAWATCH_DB={db}", "-o", str(items)],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    live_en = {a["id"] for a in site.manifest()["articles"]
               if a["status"] == 200 and a["language"] == "en"}
    with Archive(db) as archive:
        assert archive.known_ids("en") == live_en
    exported = [json.loads(line) for line in items.read_text("utf-8").splitlines()]
    pages = {item["article_id"]: item for item in exported if item["kind"] == "page"}
    assert set(pages) == live_en
    some = next(iter(pages.values()))
    assert "body" not in some and some["record"]["title"] and some["record"]["body"]


def test_unreachable_site_gives_one_clear_line_and_the_run_keeps_why(tmp_path):
    db = tmp_path / "a.db"
    result = subprocess.run(
        [sys.executable, "-m", "cli", "crawl", "--base-url", "http://127.0.0.1:9", "--db",
         str(db), "--edition", "en"],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: could not reach http://127.0.0.1:9")
    assert "mediawatch demo" in last
    assert "Traceback" not in result.stderr
    with Archive(db) as archive:
        [run] = archive.runs()
    assert run["status"] == "failed"
    assert run["errors"][0]["error"].startswith("no page answered: ")
    assert "Connection was refused" in run["errors"][0]["error"]
    assert {error["url"] for error in run["errors"][1:]} >= {"http://127.0.0.1:9/"}


def test_scrapy_crawl_of_an_unreachable_site_fails_with_log_lines(tmp_path):
    db, items = tmp_path / "offline.db", tmp_path / "items.jsonl"
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "vlast_en", "-s",
         "MEDIAWATCH_BASE_URL=http://127.0.0.1:9", "-s", f"MEDIAWATCH_DB={db}", "-o", str(items)],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "could not fetch http://127.0.0.1:9/" in result.stderr
    with Archive(db) as archive:
        [run] = archive.runs()
    assert run["status"] == "failed" and run["errors"]


def test_a_crawl_in_a_child_process_reports_its_runs_as_json(site, tmp_path):
    db = tmp_path / "child.db"
    outcome = run_crawl_process(site.base_url, str(db), "--edition", "kk", "--limit", "3",
                                "--revisit-steps", "60,120")
    assert outcome.ok and outcome.error is None
    with Archive(db) as archive:
        assert outcome.runs == archive.runs()
        articles = [archive.article(i) for i in archive.known_ids()]
    [run] = outcome.runs
    assert (run["editions"], run["mode"], run["status"]) == (["kk"], "new", "ok")
    assert run["stats"]["new"] == outcome.totals["new"] == len(articles) == 3
    for article in articles:  # the first revisit step given on the command line
        published = datetime.fromisoformat(article["published"])
        assert datetime.fromisoformat(article["next_visit_at"]) - published == timedelta(seconds=60)
    assert outcome.seconds > 0
    failed = run_crawl_process("http://127.0.0.1:9", str(tmp_path / "none.db"), "--edition", "en")
    assert not failed.ok and failed.returncode == 2
    assert failed.error.startswith("error: could not reach http://127.0.0.1:9")
