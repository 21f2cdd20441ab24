"""An outlet added by its address, then crawled as a new user would: `outlet add`, `crawl
--outlet`, the next epoch's edits in `changes`; into the same archive as the default outlet,
whose articles and revisits stay its own."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import feedparser
import pytest
from conftest import manifest_kinds, wait_for_a_later_second
from starlette.testclient import TestClient

from replay.evaluate import score_outlet
from replay.sites import Replays
from storage.archive import Archive
from storage.db import connect
from storage.outlets import FIRST_ID, known_id
from web.app import create_app

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
                           changes=changes, since=since)


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


def expected_kinds(desk, name: str) -> dict[int, set[str]]:
    with Archive(desk.db) as archive:
        return {known_id(archive.db, name, str(change["key"])): set(manifest_kinds(change))
                for change in desk.epoch1[name]["changes"]}


@pytest.mark.parametrize("name", sorted(OUTLETS.values()))
def test_the_reading_room_and_the_feed_list_the_edits_with_their_kinds(desk, name):
    room = TestClient(create_app(desk.db), base_url="http://127.0.0.1:8000")
    listed: dict[int, set[str]] = {}
    page, more = 1, True
    while more:
        answer = room.get("/api/changes", params={"since": desk.since + "Z", "outlet": name,
                                                  "page": page}).json()
        for item in answer["items"]:
            listed.setdefault(item["article_id"], set()).update(item["kinds"])
        page, more = page + 1, answer["has_more"]
    assert listed == expected_kinds(desk, name)
    html = room.get("/", params={"since": desk.since + "Z", "outlet": name}).text
    assert all(f"/article/{article_id}" in html for article_id in listed)
    fed: dict[int, set[str]] = {}
    for entry in feedparser.parse(room.get(f"/feeds/outlet/{name}.atom").content).entries:
        if entry.updated >= desk.since:
            fed.setdefault(int(entry.id.split("/")[2]), set()).update(
                tag.term for tag in entry.tags if tag.scheme.endswith(":kind"))
    assert fed == listed


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


HAND_WRITTEN = '''
name = "agency"
home = "{home}"
hosts = ["127.0.0.1"]

[[editions]]
language = "ru"
default = true
feeds = ["/rss/ru.xml"]
listings = ["/archive.php"]

[[editions]]
language = "kk"
query = "lang=kz"
feeds = ["/rss/kz.xml"]
listings = ["/archive.php?lang=kz"]

[articles]
patterns = ['^/news\\.php$']
key = "id"
id_param = "id"
query = ["id", "lang"]

[extraction]
module = "dala_news"
timezone = "Asia/Almaty"
'''

MODULE = '''"""The agency's article markup, kept beside its definition."""

from outlets.layouts import Markup, has_class

LAYOUTS = {
    "today": Markup(
        title=f"//h1[{has_class('news-title')}]",
        lead=f"//*[{has_class('news-lead')}]",
        author_line=f"//*[{has_class('news-author')}]",
        dates="//*[@itemprop='datePublished']",
        tags=f"//*[{has_class('news-tags')}]//a",
        body=f"//div[{has_class('news-text')}]",
        not_body=(f".//*[{has_class('photo-sign')}]",),
    ),
}
'''


def test_a_hand_written_definition_with_its_own_module_in_the_outlets_folder_crawls(tmp_path):
    folder = tmp_path / "outlets"
    folder.mkdir()
    (folder / "dala_news.py").write_text(MODULE)
    scores = {}
    with Replays(["agency"], articles=30, seed=3) as replays:
        server = replays["agency"]
        (folder / "agency.toml").write_text(HAND_WRITTEN.format(home=server.base_url))
        listed = mediawatch("outlet", "list", "--outlets-dir", str(folder)).stdout
        assert "agency" in listed and "cannot be used" not in listed
        mediawatch("crawl", "--outlet", "agency", "--mode", "backfill", "--outlets-dir",
                   str(folder), "--db", str(tmp_path / "module.db"))
        mediawatch("outlet", "add", server.base_url, "--name", "generic", "--db",
                   str(tmp_path / "generic.db"))
        mediawatch("crawl", "--outlet", "generic", "--mode", "backfill", "--db",
                   str(tmp_path / "generic.db"))
        truth = manifest(server)
    for name in ("agency", "generic"):
        scores[name] = score_outlet(str(tmp_path / f"{'module' if name == 'agency' else name}.db"),
                                    truth, name)
    module, generic = scores["agency"], scores["generic"]
    assert module.found >= 0.98 * module.expected and module.expected >= 25
    assert module.accuracy("title") == module.accuracy("published") == 1.0
    assert module.mean_f1 == 1.0 > generic.mean_f1  # the in-body photo captions left out
    assert module.links_found == module.links_expected > 0


@pytest.mark.parametrize(("module", "message"), [
    ("LAYOUTS = {'today': Markup(", r"dala_news\.py cannot be loaded: SyntaxError"),
    ("LAYOUTS = {'today': 'h1'}", r"LAYOUTS\['today'\] must be a Markup"),
    ("LAYOUTS = {}", r"has no LAYOUTS"),
])
def test_a_broken_outlet_module_in_the_outlets_folder_is_a_one_line_error(tmp_path, module,
                                                                         message):
    from outlets.definition import DefinitionError
    from outlets.files import load

    (tmp_path / "dala_news.py").write_text("from outlets.layouts import Markup\n" + module)
    (tmp_path / "agency.toml").write_text(HAND_WRITTEN.format(home="http://127.0.0.1:9"))
    with pytest.raises(DefinitionError, match=r"agency\.toml\.extraction\.module: .*" + message):
        load(tmp_path / "agency.toml")
    done = subprocess.run([sys.executable, "-m", "cli", "outlet", "show", "agency",
                           "--outlets-dir", str(tmp_path)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_outlet_list_and_show_tell_a_desk_what_is_archived_and_what_is_failing(desk, tmp_path):
    db = tmp_path / "desk.db"
    db.write_bytes(Path(desk.db).read_bytes())
    folder = tmp_path / "outlets"
    folder.mkdir()
    for name in OUTLETS.values():
        text = (desk.folder / "desk.outlets" / f"{name}.toml").read_text()
        home = next(line for line in text.splitlines() if line.startswith("home = "))
        dead = 'home = "http://127.0.0.1:9"' if name == "dala" else home
        (folder / f"{name}.toml").write_text(text.replace(home, dead))
    with Archive(db) as archive:
        counts = dict(archive.db.execute("SELECT outlet, COUNT(*) FROM articles GROUP BY outlet"))
    done = subprocess.run([sys.executable, "-m", "cli", "crawl", "--outlet", "dala", "--edition",
                           "ru", "--db", str(db), "--outlets-dir", str(folder)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 2 and "outlet show dala" in done.stderr
    listed = mediawatch("outlet", "list", "--db", str(db), "--outlets-dir", str(folder)).stdout
    lines = dict(zip(listed.splitlines()[::2], listed.splitlines()[1::2], strict=True))
    ledger = next(info for line, info in lines.items() if line.startswith("ledger "))
    dala = next(info for line, info in lines.items() if line.startswith("dala "))
    assert f"{counts['ledger']} articles" in ledger and ", ok" in ledger and "FAILING" not in ledger
    assert f"{counts['dala']} articles" in dala
    assert "new ru" in dala and "failed; FAILING: 1 run in a row: no page answered" in dala
    shown = mediawatch("outlet", "show", "dala", "--db", str(db), "--outlets-dir",
                       str(folder)).stdout
    assert shown.startswith(f"# in {db}: {counts['dala']} articles")
    assert "# edition kk where the address has ?lang=kz: /rss/kz.xml" in shown
    (folder / "copy.toml").write_text(shown.replace('name = "dala"', 'name = "copy"'))
    mediawatch("outlet", "show", "copy", "--outlets-dir", str(folder))  # still a definition


def test_the_service_carries_an_outlet_module_of_the_outlets_folder_to_its_crawls(tmp_path):
    from outlets.files import load
    from outlets.layouts import layouts
    from scheduler import CrawlService, ServiceConfig

    folder = tmp_path / "outlets"
    folder.mkdir()
    (folder / "dala_news.py").write_text(MODULE)
    (folder / "agency.toml").write_text(HAND_WRITTEN.format(home="http://127.0.0.1:9"))
    service = CrawlService(ServiceConfig(db=str(tmp_path / "a.db"), outlets_dir=str(folder),
                                         only=("agency",)))
    options = service.crawl_options("new", "ru", "agency")
    copied = Path(options[options.index("--outlets-dir") + 1])
    assert copied != folder and (copied / "dala_news.py").read_text() == MODULE
    try:
        assert [layout.name for layout in layouts(load(copied / "agency.toml"))] == ["today"]
    finally:
        shutil.rmtree(copied)
