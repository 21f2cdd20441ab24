"""Silent failures caught: field coverage per run and edition, and runs that end `degraded`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.coverage import FIELDS, Coverage, fallen_fields
from storage.archive import Archive
from storage.records import ArticleRecord

ROOT = Path(__file__).resolve().parent.parent
# Every place the replay's two layouts name the authors: today's author line, the classic
# layout's meta tag and its closing credit line.
AUTHORS = re.compile(r'<div class="author-line">.*?</div>|<meta name="author"[^>]*>'
                     r"|<p><strong>(?:Текст|Мәтін|Text):.*?</strong></p>")


def cli(*arguments: str) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "cli", *arguments], capture_output=True,
                            text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def record(language: str = "ru", authors: list[str] | None = None, words: int = 40):
    return ArticleRecord(article_id=1, language=language, url="https://vlast.kz/a/1-a.html",
                         section="a", slug="a", title="Заголовок", lead="",
                         authors=["Ольга Логинова"] if authors is None else authors,
                         published="2024-01-02", body=["слово " * words])


def test_coverage_counts_the_share_of_pages_with_each_field():
    coverage = Coverage()
    for authors in (["A"], ["B"], [], ["C"]):
        coverage.add(record(authors=authors))
    coverage.add(record(language="en", words=3))
    shares = coverage.as_dict()
    assert shares["ru"]["pages"] == 4 and set(shares["ru"]["fields"]) == set(FIELDS)
    assert shares["ru"]["fields"]["authors"] == 0.75
    assert shares["ru"]["fields"]["title"] == 1.0 and shares["ru"]["fields"]["lead"] == 0.0
    assert shares["en"]["fields"]["body"] == 0.0  # three words are no body


def test_a_field_far_below_recent_runs_is_named_with_its_edition():
    usual = {name: 1.0 for name in FIELDS} | {"authors": 0.95, "lead": 0.1}
    history = [{"stats": {"coverage": {"ru": {"pages": 40, "fields": usual}}}}] * 3
    now = {"ru": {"pages": 40, "fields": usual | {"authors": 0.0, "lead": 0.0}}}
    assert fallen_fields(now, history) == ["authors on ru: 0% of 40 pages, against 95% in recent runs"]
    assert fallen_fields({"ru": {"pages": 2, "fields": now["ru"]["fields"]}}, history) == []
    assert fallen_fields({"kk": now["ru"]}, history) == []  # no history for that edition


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    from replay.server import ReplayServer

    server = ReplayServer(articles=60, seed=7).start()
    db = tmp_path_factory.mktemp("coverage") / "archive.db"
    cli("crawl", "--base-url", server.base_url, "--db", str(db))
    yield server, db
    server.stop()


def copy_without_validators(db: Path, target: Path) -> Path:
    """The archive as if no page had sent validators: the next revisit fetches every page whole."""
    with Archive(db) as archive:
        archive.db.execute("VACUUM INTO ?", [str(target)])
    with Archive(target) as archive:
        archive.db.execute("UPDATE articles SET etag = NULL, last_modified = NULL")
        archive.db.conn.commit()
    return target


def test_first_runs_are_ok_and_record_their_coverage(crawled):
    _, db = crawled
    data = json.loads(cli("status", "--json", "--db", str(db)).stdout)["runs"]
    assert {run["status"] for run in data} == {"ok"}
    for run in data:
        (edition,) = run["editions"]
        coverage = run["stats"]["coverage"][edition]
        assert coverage["pages"] >= 10
        assert {coverage["fields"][name] for name in FIELDS} == {1.0}
    text = cli("status", "--db", str(db)).stdout
    assert "coverage ru" in text and "authors 100%" in text


def test_authors_lost_on_every_page_end_the_run_degraded(crawled, tmp_path):
    server, db = crawled
    work = copy_without_validators(db, tmp_path / "lost-authors.db")
    server.app.transform = lambda path, text: AUTHORS.sub("", text)
    try:
        output = cli("crawl", "--mode", "revisit", "--everything", "--base-url", server.base_url,
                     "--db", str(work)).stdout
    finally:
        server.app.transform = None
    with Archive(work) as archive:
        latest = archive.runs(limit=3)
    assert {run["status"] for run in latest} == {"degraded"}
    for run in latest:
        (edition,) = run["editions"]
        assert run["stats"]["coverage"][edition]["fields"]["authors"] == 0.0
        assert run["stats"]["degraded"] == [
            line for line in run["stats"]["degraded"] if line.startswith(f"authors on {edition}:")]
        assert f"  degraded: authors on {edition}: 0% of" in output
        assert any(error["error"].startswith("degraded: authors") for error in run["errors"])


def test_a_run_in_which_every_page_was_suspect_is_not_ok(crawled, tmp_path):
    server, db = crawled
    work = copy_without_validators(db, tmp_path / "drift.db")
    server.set_faults([{"kind": "layout-drift", "rate": 1.0}])
    try:
        cli("crawl", "--mode", "revisit", "--everything", "--edition", "en",
            "--base-url", server.base_url, "--db", str(work))
    finally:
        server.clear_faults()
    with Archive(work) as archive:
        (run,) = archive.runs(limit=1)
    assert run["stats"]["suspect"] >= 10 and run["stats"].get("unchanged", 0) == 0
    assert run["status"] == "degraded"
    assert run["stats"]["degraded"][0].startswith("every article page of this run failed")


def test_articles_no_longer_read_end_the_run_degraded_and_a_watch_hears_which(crawled, tmp_path):
    from receivers import JsonReceiver

    server, db = crawled
    work = copy_without_validators(db, tmp_path / "some-drift.db")
    english = [a for a in server.manifest()["articles"]
               if a["language"] == "en" and a["status"] == 200]
    drifted = sorted(english[:2], key=lambda a: a["id"])
    receiver = JsonReceiver().start()
    try:
        cli("watch", "add", "health", "--notify", receiver.url("/health"), "--kind", "degraded",
            "--allow-private-target", "--db", str(work))
        server.set_faults([{"kind": "layout-drift", "path": a["path"]} for a in drifted])
        try:
            output = cli("crawl", "--mode", "revisit", "--everything", "--edition", "en",
                         "--base-url", server.base_url, "--db", str(work)).stdout
        finally:
            server.clear_faults()
        cli("notify", "--db", str(work))
        [message] = receiver.at("/health")
    finally:
        receiver.stop()
    with Archive(work) as archive:
        (run,) = archive.runs(limit=1)
    ids = ", ".join(str(a["id"]) for a in drifted)
    assert run["status"] == "degraded" and run["stats"]["unchanged"] == len(english) - 2
    assert run["stats"]["degraded"] == [
        f"2 archived articles could no longer be read and keep their last version: {ids}"]
    assert "degraded: 2 archived articles could no longer be read" in output
    named = {e["article_id"] for e in run["errors"] if e.get("article_id")}
    assert named == {a["id"] for a in drifted}
    body = message["message"]
    assert f"Crawl run {run['id']} (revisit, en) ended degraded" in body
    for article in drifted:
        assert f"- {article['id']} {server.base_url}{article['path']}: extracted body has" in body


def test_the_scheduler_logs_a_degraded_run(tmp_path, caplog):
    from crawler.child import CrawlOutcome
    from scheduler import CrawlService, ServiceConfig

    service = CrawlService(ServiceConfig(db=str(tmp_path / "archive.db"),
                                         base_url="http://127.0.0.1:1"))
    run = {"id": 7, "editions": ["ru"], "mode": "new", "status": "degraded",
           "stats": {"fetched": 40, "degraded": [
               "authors on ru: 0% of 40 pages, against 95% in recent runs"]}}
    with caplog.at_level("WARNING", logger="mediawatch.scheduler"):
        service.log_result("new", "ru", "finished", CrawlOutcome(0, [run]))
    assert ["new-ru degraded: authors on ru: 0% of 40 pages, against 95% in recent runs"] == [
        record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
