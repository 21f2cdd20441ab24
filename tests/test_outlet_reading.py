"""The readers know outlets: the default outlet's replay and an added one crawled into one archive,
then every reader (changes, search, feeds, watches, exports, status, stories) narrowed to one
outlet lists only its articles and unnarrowed lists both, in the terminal and the reading room
alike."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from types import SimpleNamespace

import feedparser
import pytest
from conftest import wait_for_a_later_second
from starlette.testclient import TestClient

from outlets import default_outlet
from replay.sites import Replays
from storage.db import connect
from web.app import create_app

ROOT = Path(__file__).resolve().parent.parent
ADDED = "dala"  # the agency replay, added under this name
DEFAULT = default_outlet().name
TAG = "tag:mediawatch,2024:"


def mediawatch(*args: str, code: int = 0) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)
    assert done.returncode == code, (done.stdout[-2000:], done.stderr[-3000:])
    return done


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """The default outlet's replay and the agency's (added by its address) crawled into one
    archive, moved to epoch 1 and crawled again for new articles and revisits."""
    folder = tmp_path_factory.mktemp("two-outlets")
    db = str(folder / "desk.db")
    with Replays(["vlast", "agency"], articles=40, seed=4) as replays:
        vlast = replays["vlast"].base_url
        mediawatch("outlet", "add", replays["agency"].base_url, "--name", ADDED, "--db", db)
        mediawatch("crawl", "--base-url", vlast, "--db", db)
        mediawatch("crawl", "--outlet", ADDED, "--mode", "backfill", "--db", db)
        wait_for_a_later_second()
        since = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        replays.set_epoch(1)
        wait_for_a_later_second()
        mediawatch("crawl", "--base-url", vlast, "--db", db)
        mediawatch("crawl", "--mode", "revisit", "--everything", "--base-url", vlast, "--db", db)
        mediawatch("crawl", "--outlet", ADDED, "--db", db)
        mediawatch("crawl", "--outlet", ADDED, "--mode", "revisit", "--everything", "--db", db)
    conn = connect(db)
    articles = {outlet or DEFAULT: {row[0] for row in conn.execute(
        "SELECT id FROM articles WHERE outlet IS ?", [outlet]).fetchall()}
        for outlet in (None, ADDED)}
    return SimpleNamespace(db=db, folder=folder, since=since, articles=articles,
                           room=TestClient(create_app(db), base_url="http://127.0.0.1:8000"))


def changes(desk, *outlets: str) -> list[dict]:
    options = [option for name in outlets for option in ("--outlet", name)]
    return json.loads(mediawatch("changes", "--since", desk.since, "--utc", "--json",
                                 *options, "--db", desk.db).stdout)


def test_the_archive_holds_both_outlets(desk):
    assert len(desk.articles[DEFAULT]) >= 30 and len(desk.articles[ADDED]) >= 30


def test_changes_narrowed_to_an_outlet_list_only_its_articles(desk):
    everything = changes(desk)
    by_outlet = {name: changes(desk, name) for name in (DEFAULT, ADDED)}
    for name, items in by_outlet.items():
        assert items, name
        assert {item["outlet"] for item in items} == {name}
        assert {item["article_id"] for item in items} <= desk.articles[name]
    assert sorted(i["key"] for i in everything) == \
        sorted(i["key"] for items in by_outlet.values() for i in items)
    assert [i["key"] for i in changes(desk, DEFAULT, ADDED)] == [i["key"] for i in everything]
    assert {item["outlet"] for item in everything} == {DEFAULT, ADDED}
    titles = {item["outlet"]: item["outlet_title"] for item in everything}
    assert titles[DEFAULT] == default_outlet().title
    text = mediawatch("changes", "--since", desk.since, "--utc", "--outlet", ADDED, "--db",
                      desk.db).stdout
    assert f"by outlet: {ADDED} {len(by_outlet[ADDED])}" in text


def test_an_unknown_outlet_is_a_one_line_error(desk):
    for command in (["changes"], ["search", "слово"], ["feed"], ["status"],
                    ["export", "--format", "jsonl"]):
        done = mediawatch(*command, "--outlet", "nowhere", "--db", desk.db, code=2)
        assert done.stderr.startswith("error: no outlet named 'nowhere'; the outlets are ")
        assert done.stderr.count("\n") == 1 and done.stdout == ""
    for path in ("/?outlet=nowhere", "/api/changes?outlet=nowhere", "/search?q=a&outlet=nowhere",
                 "/api/search?q=a&outlet=nowhere", "/feeds/changes.atom?outlet=nowhere",
                 "/feeds/outlet/nowhere.atom"):
        answer = desk.room.get(path)
        assert answer.status_code == 404, path
        assert "nowhere" in answer.text


def shared_word(desk) -> str:
    """A word in the current text of articles of both outlets."""
    conn = connect(desk.db)
    words = {}
    for outlet in (None, ADDED):
        text = " ".join(row[0] or "" for row in conn.execute(
            "SELECT body FROM articles WHERE outlet IS ? AND language = 'ru'", [outlet]))
        words[outlet] = {w.lower() for w in re.findall(r"[А-Яа-яЁё]{7,}", text)}
    return sorted(words[None] & words[ADDED])[0]


def test_search_narrowed_to_an_outlet_finds_only_its_articles(desk):
    word = shared_word(desk)
    def hits(*outlets: str) -> list[dict]:
        options = [option for name in outlets for option in ("--outlet", name)]
        return json.loads(mediawatch("search", word, "--limit", "1000", "--json", *options,
                                     "--db", desk.db).stdout)
    everything = hits()
    for name in (DEFAULT, ADDED):
        found = hits(name)
        assert found and {hit["outlet"] for hit in found} == {name}
        assert {hit["article_id"] for hit in found} == \
            {hit["article_id"] for hit in everything if hit["outlet"] == name}
        web = desk.room.get("/api/search", params={"q": word, "outlet": name}).json()
        assert web["outlets"] == [name] and {hit["outlet"] for hit in web["hits"]} == {name}
        assert sum(web["counts"].values()) == len(found)
    assert {hit["outlet"] for hit in everything} == {DEFAULT, ADDED}
    page = desk.room.get("/search", params={"q": word, "outlet": ADDED}).text
    assert f'name="outlet" value="{ADDED}" checked' in page
    assert f'name="outlet" value="{DEFAULT}"' in page


def test_the_room_and_the_terminal_give_the_same_changes(desk):
    for name in (DEFAULT, ADDED):
        terminal = changes(desk, name)
        web = desk.room.get("/api/changes", params={"since": desk.since + "Z",
                                                     "outlet": name}).json()
        assert [item["key"] for item in web["items"]] == \
            [item["key"] for item in terminal][:len(web["items"])]
        assert web["outlets"] == [name]
        page = desk.room.get("/", params={"since": desk.since + "Z", "outlet": name}).text
        assert f'name="outlet" value="{name}" checked' in page
        assert f"/feeds/outlet/{name}.atom" in page
        shown = re.findall(r'<td class="outlet"><a [^>]*>([^<]*)</a>', page)
        assert shown and set(shown) == {terminal[0]["outlet_title"]}
    both = desk.room.get("/", params={"since": desk.since + "Z"}).text
    assert set(re.findall(r'<td class="outlet"><a [^>]*>([^<]*)</a>', both)) == \
        {item["outlet_title"] for item in changes(desk)}


def entries(document: bytes | str) -> list:
    return feedparser.parse(document).entries


def test_feeds_narrowed_to_an_outlet(desk):
    everything = changes(desk)
    for name in (DEFAULT, ADDED):
        own = [item for item in everything if item["outlet"] == name]
        for path in (f"/feeds/outlet/{name}.atom", f"/feeds/changes.atom?outlet={name}"):
            web = entries(desk.room.get(path).content)
            assert web and len(web) <= 50
            assert all(any(tag.term == name and tag.scheme == f"{TAG}outlet"
                           for tag in entry.tags) for entry in web)
        terminal = entries(mediawatch("feed", "--outlet", name, "--db", desk.db).stdout)
        assert [e.id for e in terminal] == [e.id for e in web]
        assert terminal[0].title.startswith(f"[{own[0]['outlet_title']} ")
        feed = feedparser.parse(mediawatch("feed", "--outlet", name, "--db", desk.db).stdout)
        assert feed.feed.title == f"{own[0]['outlet_title']} changes"
    ids = [e.id for e in entries(desk.room.get("/feeds/all.atom").content)]
    vlast_ids = [i for i in ids if i.startswith(f"{TAG}vlast.kz/article/")]
    added_ids = [i for i in ids if i.startswith(f"{TAG}127.0.0.1/article/")]
    assert vlast_ids and added_ids and len(vlast_ids) + len(added_ids) == len(ids)
    assert all(int(i.split("/")[2]) in desk.articles[DEFAULT] for i in vlast_ids)
    assert all(int(i.split("/")[2]) in desk.articles[ADDED] for i in added_ids)


def test_a_watch_bound_to_an_outlet_gets_only_its_changes(desk, tmp_path):
    db = tmp_path / "watched.db"
    db.write_bytes(Path(desk.db).read_bytes())
    mediawatch("watch", "add", "agency-only", "--notify", "json://127.0.0.1:9/hook",
               "--allow-private-target", "--outlet", ADDED, "--db", str(db))
    [row] = json.loads(mediawatch("watch", "list", "--json", "--db", str(db)).stdout)
    assert row["outlets"] == [ADDED]
    assert f"outlets {ADDED}" in mediawatch("watch", "list", "--db", str(db)).stdout
    conn = connect(db)
    # every change archived so far is new to it
    conn.execute("UPDATE watches SET cursor = ?", [json.dumps({"version_id": 0, "event_id": 0,
                                                               "run_id": 0})])
    conn.commit()
    from storage.changelog import change_log
    from storage.watches import get_watch, watch_filter

    selected = change_log(conn, watch_filter(get_watch(conn, "agency-only")))
    assert selected and {item["article_id"] for item in selected} <= desk.articles[ADDED]
    feed = entries(mediawatch("feed", "--watch", "agency-only", "--db", str(db)).stdout)
    assert feed and all(any(tag.term == ADDED for tag in entry.tags) for entry in feed)
    mediawatch("watch", "add", "nowhere", "--notify", "json://127.0.0.1:9/hook",
               "--allow-private-target", "--outlet", "nowhere", "--db", str(db), code=2)


def test_exports_narrowed_to_an_outlet(desk, tmp_path):
    for name in (DEFAULT, ADDED):
        lines = mediawatch("export", "--outlet", name, "--db", desk.db).stdout.splitlines()
        records = [json.loads(line) for line in lines]
        assert {record["outlet"] for record in records} == {name}
        assert {record["article_id"] for record in records} == desk.articles[name]
    package = tmp_path / "added.wacz"
    mediawatch("export", "--format", "wacz", "--outlet", ADDED, "--output", str(package),
               "--key", str(tmp_path / "key.pem"), "--db", desk.db)
    with zipfile.ZipFile(package) as wacz:
        pages = [json.loads(line) for line in
                 wacz.read("pages/pages.jsonl").decode().splitlines()[1:]]
        described = json.loads(wacz.read("datapackage.json"))
    assert {page["mediawatch"]["article"] for page in pages} == desk.articles[ADDED]
    assert described["mediawatch"]["selection"]["outlets"] == [ADDED]


def test_status_narrowed_to_an_outlet(desk):
    data = json.loads(mediawatch("status", "--json", "--db", desk.db).stdout)
    assert [row["outlet"] for row in data["outlets"]] == [DEFAULT, ADDED]
    assert sum(row["articles"] for row in data["outlets"]) == \
        sum(len(ids) for ids in desk.articles.values())
    narrowed = json.loads(mediawatch("status", "--json", "--outlet", ADDED, "--db",
                                     desk.db).stdout)
    assert [row["outlet"] for row in narrowed["outlets"]] == [ADDED]
    assert narrowed["outlets"][0]["articles"] == len(desk.articles[ADDED])
    assert {run["outlet"] for run in data["runs"]} == {None, ADDED}
    assert narrowed["runs"] and {run["outlet"] for run in narrowed["runs"]} == {ADDED}
    assert f"outlet {ADDED} (" in mediawatch("status", "--db", desk.db).stdout


def test_an_added_outlets_story_links_its_editions(desk):
    conn = connect(desk.db)
    linked = conn.execute(
        "SELECT a.id FROM articles a WHERE a.outlet = ? AND a.language = 'kk' AND EXISTS"
        " (SELECT 1 FROM story_links s WHERE s.article_id = a.id OR s.other_id = a.id)",
        [ADDED]).fetchone()
    assert linked is not None
    story = json.loads(mediawatch("story", str(linked[0]), "--json", "--db", desk.db).stdout)
    editions = story["editions"]
    assert {e["language"] for e in editions} == {"ru", "kk"}
    assert {e["outlet"] for e in editions} == {ADDED}
    web = desk.room.get(f"/api/story/{linked[0]}").json()
    assert sorted(e["article_id"] for e in web["editions"]) == \
        sorted(e["article_id"] for e in editions)
    assert {e["outlet"] for e in web["editions"]} == {ADDED}
    other = next(e["article_id"] for e in editions if e["article_id"] != linked[0])
    page = desk.room.get(f"/article/{linked[0]}").text
    assert f'href="/article/{other}"' in page and f"/story/{linked[0]}" in page
    assert desk.room.get(f"/story/{linked[0]}").status_code == 200
    text = mediawatch("history", str(linked[0]), "--db", desk.db).stdout
    assert f"({ADDED}):" in text
