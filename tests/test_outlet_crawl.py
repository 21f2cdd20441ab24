"""An outlet added by its address, then crawled as a new user would: `outlet add`, `crawl
--outlet`, the next epoch's edits in `changes`; into the same archive as the default outlet,
whose articles and revisits stay its own."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import manifest_kinds, wait_for_a_later_second

from replay.evaluate import score_outlet
from replay.sites import Replays
from storage.archive import Archive
from storage.db import connect
from storage.outlets import FIRST_ID, known_id

ROOT = Path(__file__).resolve().parent.parent
OUTLETS = {"ledger": "ledger", "agency": "dala"}  # replayed outlet -> the name it is added as


def mediawatch(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def manifest(server) -> dict:
    with urllib.request.urlopen(server.base_url + "/_replay/manifest.json") as answer:
        return json.load(answer)


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """Both replayed outlets added by their address and crawled back to their first article,
    then moved to epoch 1 and crawled for new articles and revisits."""
    folder = tmp_path_factory.mktemp("desk")
    db = folder / "desk.db"
    with Replays(["ledger", "agency"], articles=70, seed=6) as replays:
        epoch0, runs = {}, {}
        for replay, name in OUTLETS.items():
            mediawatch("outlet", "add", replays[replay].base_url, "--name", name, "--db", str(db))
            runs[name] = mediawatch("crawl", "--outlet", name, "--mode", "backfill", "--db",
                                    str(db), "--json")
            epoch0[name] = manifest(replays[replay])
        wait_for_a_later_second()
        since = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        replays.set_epoch(1)
        wait_for_a_later_second()
        for name in OUTLETS.values():
            mediawatch("crawl", "--outlet", name, "--db", str(db))
            mediawatch("crawl", "--outlet", name, "--mode", "revisit", "--everything",
                       "--db", str(db))
        epoch1 = {name: manifest(replays[replay]) for replay, name in OUTLETS.items()}
    changes = json.loads(mediawatch("changes", "--since", since, "--utc", "--json", "--db",
                                    str(db)).stdout)
    return SimpleNamespace(db=str(db), folder=folder, epoch0=epoch0, epoch1=epoch1, runs=runs,
                           changes=changes)


@pytest.mark.parametrize("name", sorted(OUTLETS.values()))
def test_an_added_outlet_is_archived_whole_and_right(desk, name):
    score = score_outlet(desk.db, desk.epoch1[name], name)  # as the archive stands now
    assert score.found >= 0.98 * score.expected and score.expected >= 60
    assert score.accuracy("title") == 1.0 and score.accuracy("published") == 1.0
    assert score.accuracy("language") == 1.0
    assert score.mean_f1 >= 0.95, score.mean_f1
    assert score.links_found == score.links_expected  # the agency's editions, linked
    if name == "dala":
        assert score.links_expected >= 10
    stats = json.loads(desk.runs[name].stdout)
    assert all(run["status"] == "ok" for run in stats["runs"])


def test_the_next_epoch_edits_are_listed_with_their_kinds(desk):
    found: dict[int, set[str]] = {}
    for item in desk.changes:
        found.setdefault(item["article_id"], set()).update(item["kinds"])
    expected: dict[int, set[str]] = {}
    with Archive(desk.db) as archive:
        for name, truth in desk.epoch1.items():
            for change in truth["changes"]:
                article_id = known_id(archive.db, name, str(change["key"]))
                assert article_id is not None, change
                expected[article_id] = set(manifest_kinds(change))
    assert found == expected


def test_other_outlets_articles_are_numbered_apart_and_marked(desk):
    db = connect(desk.db)
    outlets = dict(db.execute("SELECT outlet, COUNT(*) FROM articles GROUP BY outlet").fetchall())
    assert set(outlets) == {"ledger", "dala"}
    assert db.execute("SELECT MIN(id) FROM articles").fetchone()[0] >= FIRST_ID
    keys = dict(db.execute("SELECT key, id FROM outlet_keys WHERE outlet = 'dala'").fetchall())
    some = next(a for a in desk.epoch0["dala"]["articles"] if a["status"] == 200)
    assert db.execute("SELECT url FROM articles WHERE id = ?",
                      [keys[str(some["key"])]]).fetchone()[0] == some["url"]


def test_the_default_outlet_keeps_its_articles_and_its_revisits(desk, tmp_path, make_replay):
    db = tmp_path / "shared.db"
    db.write_bytes(Path(desk.db).read_bytes())
    vlast = make_replay(articles=30, seed=2)
    first = json.loads(mediawatch("crawl", "--base-url", vlast.base_url, "--db", str(db),
                                  "--json").stdout)
    again = json.loads(mediawatch("crawl", "--mode", "revisit", "--everything", "--base-url",
                                  vlast.base_url, "--db", str(db), "--json").stdout)
    fetched = sum(run["stats"]["fetched"] for run in again["runs"])
    archived = sum(run["stats"]["new"] for run in first["runs"])
    assert fetched == archived  # the other outlets' articles were not asked of Vlast's replay
    conn = connect(db)
    assert conn.execute("SELECT COUNT(*) FROM articles WHERE outlet IS NULL").fetchone()[0] == \
        archived
    assert conn.execute("SELECT MAX(id) FROM articles WHERE outlet IS NULL").fetchone()[0] < \
        FIRST_ID


def test_an_archive_of_an_earlier_main_migrates_its_articles_to_the_default_outlet(tmp_path):
    fixture = ROOT / "tests" / "fixtures" / "archive-main-1104633.db.gz"
    path = tmp_path / "archive.db"
    path.write_bytes(gzip.decompress(fixture.read_bytes()))
    with Archive(path) as archive:
        rows = archive.db.execute("SELECT COUNT(*), COUNT(outlet) FROM articles").fetchone()
        assert rows == (37, 0)
        assert archive.db["outlet_keys"].count == 0
        assert len(archive.due_for_revisit("9999-01-01T00:00:00Z")) == 37


def test_an_added_outlets_captures_are_read_again_by_its_definition(desk):
    report = json.loads(mediawatch("reextract", "--dry-run", "--json", "--db", desk.db).stdout)
    with Archive(desk.db) as archive:
        captured = len(archive.captured_versions())
    assert report["pages_read"] == captured > 100
    assert report["unreadable"] == [] and report["records_changed"] == 0


def test_a_removed_article_of_an_added_outlet_is_revisited_and_its_restoration_seen(tmp_path):
    db = str(tmp_path / "agency.db")
    with Replays(["agency"], articles=30, seed=7) as replays:
        server = replays["agency"]
        mediawatch("outlet", "add", server.base_url, "--name", "dala", "--db", db)
        mediawatch("crawl", "--outlet", "dala", "--mode", "backfill", "--db", db)
        kinds: dict[int, dict[str, set]] = {}
        for epoch in (1, 2):
            replays.set_epoch(epoch)
            wait_for_a_later_second()
            mediawatch("crawl", "--outlet", "dala", "--mode", "revisit", "--everything",
                       "--db", db)
            for change in manifest(server)["changes"]:
                kinds.setdefault(epoch, {}).setdefault(change["kind"], set()).add(change["key"])
    back = kinds[1]["removed"] & kinds[2]["restored"]  # removed, then restored an epoch later
    assert len(back) == 1  # the replay's truth for this seed
    key = back.pop()
    with Archive(db) as archive:
        article_id = known_id(archive.db, "dala", str(key))
        status = archive.db.execute("SELECT status FROM articles WHERE id = ?",
                                    [article_id]).fetchone()[0]
        events = [row[0] for row in archive.db.execute(
            "SELECT kind FROM events WHERE article_id = ? ORDER BY id", [article_id])]
    assert status == "active" and events[-2:] == ["removed", "restored"]
