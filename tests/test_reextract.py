"""Re-extraction from stored captures: a weakly read archive heals into the real one."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from dataclasses import replace
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from cli import main
from crawler.canonical import article_id_from_url
from crawler.extract import EXTRACTOR_VERSION, extract
from crawler.reextract import reextract
from replay.evaluate import score_archive
from storage.archive import Archive
from storage.records import RECORD_COLUMNS
from web.app import create_app

ROOM = "http://127.0.0.1:8000"  # the reading room's own address (create_app's default)

FETCHED_AT = "2026-01-21T08:00:00+00:00"
LATER = "2026-01-22T08:00:00+00:00"


def weak_extract(html: bytes, url: str, fetched_at: str):
    """A deliberately weakened extractor: no authors, no lead, the last paragraph lost."""
    record = extract(html, url, fetched_at)
    return replace(record, authors=[], lead="", body=record.body[:-1])


def fetch(url: str) -> tuple[dict, bytes]:
    with urllib.request.urlopen(url) as response:
        return dict(response.headers.items()), response.read()


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    from replay.server import ReplayServer

    with ReplayServer(articles=40, seed=8) as server:
        live = [a for a in server.manifest()["articles"] if a["status"] == 200]
        yield [(server.url(a["path"]), *fetch(server.url(a["path"]))) for a in live]


def build(db, pages, reader, extractor: str) -> None:
    with Archive(db) as archive:
        for url, headers, body in pages:
            archive.record_page(None, url, 200, headers, body, reader(body, url, FETCHED_AT),
                                FETCHED_AT, extractor=extractor)


def current_records(db) -> dict[int, dict]:
    with Archive(db) as archive:
        ids = sorted(archive.known_ids())
        return {i: {name: archive.article(i)["record"][name] for name in RECORD_COLUMNS}
                for i in ids}


def test_a_weakly_read_archive_reextracted_equals_the_real_one(pages, tmp_path):
    real, weak = tmp_path / "real.db", tmp_path / "weak.db"
    build(real, pages, extract, EXTRACTOR_VERSION)
    build(weak, pages, weak_extract, "weak")
    assert current_records(weak) != current_records(real)

    with Archive(weak) as archive:
        dry = reextract(archive, dry_run=True)
    assert dry.records_changed == len(pages) and current_records(weak) != current_records(real)

    with Archive(weak) as archive:
        report = reextract(archive)
        changes = archive.changes()
        version = archive.versions(article_id_from_url(pages[0][0]))[0]
        old = archive.readings(version["version_id"])
        extractors = {row[0] for row in archive.db.execute("SELECT extractor FROM versions")}
    assert report.pages_read == report.records_changed == len(pages)
    assert {"authors", "lead", "body"} <= set(report.fields_changed)
    assert report.fields_changed["body"] == len(pages) and report.artefacts == []
    real_records, weak_records = current_records(real), current_records(weak)
    assert weak_records.keys() == real_records.keys()
    for article_id, expected in real_records.items():
        for name in RECORD_COLUMNS:
            assert weak_records[article_id][name] == expected[name], (article_id, name)
    # besides the new articles, only what the real reading finds too: divergences between a
    # story's editions (those found in the misreading alone were taken out)
    with Archive(real) as archive:
        found = {(c["article_id"], tuple(c["kinds"])) for c in archive.changes()}
    left = {(c["article_id"], tuple(c["kinds"])) for c in changes if "new" not in c["kinds"]}
    assert left <= found and {kinds for _, kinds in left} <= {("divergence",)}
    assert extractors == {EXTRACTOR_VERSION}
    assert [(o["extractor"], o["replaced_by"], o["record"]["authors"]) for o in old] == [
        ("weak", EXTRACTOR_VERSION, [])]

    with Archive(weak) as archive:
        again = reextract(archive)
    assert (again.pages_read, again.records_changed) == (len(pages), 0)


def test_a_version_made_by_a_misreading_becomes_an_artefact_not_a_change(pages, tmp_path):
    db = tmp_path / "artefact.db"
    url, headers, body = pages[0]
    with Archive(db) as archive:
        archive.record_page(None, url, 200, headers, body, extract(body, url, FETCHED_AT),
                            FETCHED_AT, extractor=EXTRACTOR_VERSION)
        archive.record_page(None, url, 200, headers, body, weak_extract(body, url, LATER),
                            LATER, extractor="weak")
        article_id = article_id_from_url(url)
        assert [c["version"] for c in archive.changes() if c.get("version")] == [2]
        report = reextract(archive, article_id=article_id)
        history = [item for item in archive.history(article_id) if item["type"] == "version"]
        changes = [c for c in archive.changes() if c.get("version")]
    assert report.records_changed == 1 and report.artefacts == [[article_id, 2]]
    assert [item["artefact"] for item in history] == [False, True]
    assert changes == []
    result = CliRunner().invoke(main, ["history", str(article_id), "--db", str(db)])
    assert "extraction artefact" in result.output
    # An artefact is not a change for any reader: the terminal, the reading room, the feeds.
    listed = CliRunner().invoke(main, ["changes", "--since", "2000-01-01", "--json", "--db",
                                       str(db)])
    assert [(c["kinds"], c.get("version")) for c in json.loads(listed.output)] == [(["new"], None)]
    room = TestClient(create_app(str(db)), base_url=ROOM)
    api = room.get("/api/changes", params={"since": "2000-01-01"}).json()["items"]
    assert [(c["kinds"], c["version"]) for c in api] == [(["new"], None)]
    feed = feedparser.parse(room.get("/feeds/all.atom").content)
    assert [entry.id.rsplit("/", 1)[1] for entry in feed.entries] == ["v1"]


def test_reextract_command_reports_as_json_and_refuses_an_unknown_article(pages, tmp_path):
    db = tmp_path / "cli.db"
    build(db, pages[:5], weak_extract, "weak")
    runner = CliRunner()
    result = runner.invoke(main, ["reextract", "--dry-run", "--json", "--db", str(db)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["pages_read"], report["records_changed"], report["dry_run"]) == (5, 5, True)
    assert report["fields_changed"]["authors"] == 5
    result = runner.invoke(main, ["reextract", "--id", "999999", "--db", str(db)])
    assert result.exit_code == 2 and "no archived article" in result.output
    result = runner.invoke(main, ["reextract", "--since", "7d", "--db", str(db)])
    assert result.exit_code == 0 and "re-extracted 0 stored captures" in result.output


def test_a_doubtful_first_reading_keeps_no_validators_and_heals_on_revisit(make_replay, tmp_path):
    root = Path(__file__).resolve().parent.parent
    server = make_replay(articles=30, seed=9)
    db = tmp_path / "heal.db"

    def crawl(*options: str) -> None:
        result = subprocess.run(
            [sys.executable, "-m", "cli", "crawl", "--edition", "en", "--base-url",
             server.base_url, "--db", str(db), *options],
            capture_output=True, text=True, timeout=300, cwd=root)
        assert result.returncode == 0, result.stderr[-2000:]

    server.set_faults([{"kind": "layout-drift", "rate": 1.0}])
    crawl()
    server.clear_faults()
    with Archive(db) as archive:
        ids = sorted(archive.known_ids("en"))
        assert ids and all(archive.validators(i) == {} for i in ids)
        assert all(archive.article(i)["record"]["body"] != [] for i in ids)
    crawl("--mode", "revisit", "--everything")
    score = score_archive(str(db), server.manifest(), languages=("en",))
    assert score.missing == [] and score.mismatches == []
    with Archive(db) as archive:
        assert all(archive.validators(i) for i in ids)
