"""The reading room's pages and JSON API, through Starlette's test client, on real archives."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import UTC, datetime
from html import escape, unescape

import feedparser
import pytest
import sqlite_utils
from click.testing import CliRunner
from starlette.testclient import TestClient

from alerts.feeds import entry_id
from cli import main
from storage.access import ArchiveError
from storage.archive import Archive
from storage.changelog import ChangeFilter, change_log
from storage.changes import EVENT_KINDS, KINDS
from storage.migrations import migrate
from storage.search import edition_counts
from web.app import create_app
from web.guard import feed_key, token_problem
from web.times import local, parse_when, start_of_today

TOKEN = "a-token-long-enough-to-count"
ROOM = "http://127.0.0.1:8000"  # where create_app's reading room is read by default


def room(db: str, **options) -> TestClient:
    """A test client of the reading room on `db`, asking for it at its own address."""
    settings = {key: options.pop(key) for key in ("raise_server_exceptions", "follow_redirects")
                if key in options}
    return TestClient(create_app(db, **options), base_url=ROOM, **settings)


@pytest.fixture(scope="module")
def client(demo_archive) -> TestClient:
    return room(demo_archive)


@pytest.fixture(scope="module")
def archive(demo_archive):
    with Archive(demo_archive, readonly=True) as opened:
        yield opened


def text_of(html: str) -> str:
    """What a reader sees: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def revised(archive, kind: str) -> dict:
    """The newest revision of this kind in the archive."""
    found = [c for c in archive.changes() if c.get("version") and kind in c["kinds"]]
    if not found:
        pytest.skip(f"no {kind} change in the demo archive")
    return found[-1]


def with_editions(archive) -> int:
    return next(a for a in archive.article_ids() if archive.translations(a))


# ---- changes --------------------------------------------------------------------------------------

def test_changes_home_shows_todays_changes_newest_first_each_linking_to_its_diff(client, archive):
    expected = list(reversed(archive.changes(start_of_today())))
    page = client.get("/")
    assert page.status_code == 200
    api = client.get("/api/changes").json()
    assert api["page"] == 1 and api["per_page"] == 50 and api["has_more"] == (len(expected) > 50)
    got = [(i["at"], i["article_id"], i["kinds"]) for i in api["items"]]
    assert got == [(i["at"], i["article_id"], i["kinds"]) for i in expected[:50]]
    for item in api["items"]:
        if item["version"]:
            assert item["link"] == (f"/article/{item['article_id']}/diff?from={item['version'] - 1}"
                                    f"&to={item['version']}")
            assert f'href="{item["link"].replace("&", "&amp;")}"' in page.text


def test_changes_filters_and_pages(client, archive):
    everything = archive.changes()
    api = client.get("/api/changes", params={"since": "2000-01-01", "edition": "kk",
                                             "kind": ["headline", "removed", "byline"]}).json()
    wanted = [c for c in everything if c["language"] == "kk"
              and {"headline", "removed", "byline"} & set(c["kinds"])]
    assert sorted((i["article_id"], i["at"]) for i in api["items"]) == \
        sorted((c["article_id"], c["at"]) for c in wanted)
    first, second = (client.get("/api/changes", params={"since": "30d", "page": n}).json()
                     for n in (1, 2))
    assert first["has_more"] and len(first["items"]) == 50
    assert not {(i["at"], i["article_id"], tuple(i["kinds"])) for i in first["items"]} & \
        {(i["at"], i["article_id"], tuple(i["kinds"])) for i in second["items"]}
    assert "page=2" in client.get("/", params={"since": "30d"}).text
    assert client.get("/api/changes", params={"until": "2000-01-01"}).json()["items"] == []


@pytest.mark.parametrize("params, message", [
    ({"kind": "gossip"}, "no kind of change is called 'gossip'"),
    ({"edition": "de"}, "edition must be one of ru, kk, en"),
    ({"since": "last tuesday"}, "is not a time"),
    ({"page": "0"}, "page must be a whole number from 1"),
    ({"page": "x"}, "page must be a whole number"),
])
def test_changes_bad_filters_are_explained_with_400(client, params, message):
    page = client.get("/", params=params)
    assert page.status_code == 400 and message in unescape(page.text)
    assert "Traceback" not in page.text
    api = client.get("/api/changes", params=params)
    assert api.status_code == 400 and message in api.json()["error"]


# ---- search ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("query, edition", [("митинг", "ru"), ("алаң", "kk"), ("rally", "en")])
def test_search_marks_matches_and_counts_per_edition(client, archive, query, edition):
    api = client.get("/api/search", params={"q": query}).json()
    assert api["counts"][edition] > 0 and api["counts_complete"] is True
    for language, count in api["counts"].items():
        assert count == len(archive.search(query, language=language, limit=1000))
    hits = client.get("/api/search", params={"q": query, "edition": edition}).json()["hits"]
    assert hits and {h["language"] for h in hits} == {edition}
    page = client.get("/search", params={"q": query, "edition": edition})
    assert page.status_code == 200
    assert page.text.count("<mark>") >= len(hits)
    assert f'href="/article/{hits[0]["article_id"]}"' in page.text


def test_counts_per_edition_stop_at_their_window(archive):
    counts, complete = edition_counts(archive.db, "алаң")
    assert complete and counts["kk"] > 5
    few, complete = edition_counts(archive.db, "алаң", window=5)
    assert not complete and 0 < few["kk"] <= 5
    every, complete = edition_counts(archive.db, "rally", all_versions=True)
    assert complete and every["en"] == len(archive.search("rally", all_versions=True,
                                                          language="en", limit=1000))


@pytest.mark.parametrize("query", ["митинг*", "ral*", "2024", "алаң*"])
@pytest.mark.parametrize("versions", [False, True])
def test_editions_with_the_same_query_are_counted_alike(archive, query, versions):
    """A query compiled alike for several editions is counted in one pass: each edition's
    count is what it is when counted alone, and what search finds in it."""
    counts, complete = edition_counts(archive.db, query, all_versions=versions)
    assert complete
    for language, count in counts.items():
        alone, _ = edition_counts(archive.db, query, all_versions=versions,
                                  languages=(language,))
        assert alone == {language: count}
        assert count == len(archive.search(query, language=language, all_versions=versions,
                                           limit=1000))
    few, complete = edition_counts(archive.db, query, all_versions=versions, window=3)
    for language, count in few.items():
        alone, _ = edition_counts(archive.db, query, all_versions=versions, window=3,
                                  languages=(language,))
        assert alone == {language: count}


def test_search_filters_all_versions_and_paging(client, archive):
    assert client.get("/api/search", params={"q": "митинг", "section": "politika"}).json()["hits"]
    assert {h["section"] for h in client.get("/api/search", params={
        "q": "митинг", "section": "politika"}).json()["hits"]} == {"politika"}
    dated = client.get("/api/search", params={"q": "митинг", "since": "2024-01-01"}).json()
    assert dated["hits"] and all(h["published"][:10] >= "2024-01-01" for h in dated["hits"])
    every = client.get("/api/search", params={"q": "rally", "all_versions": "1"}).json()
    assert every["all_versions"] is True and every["hits"]
    first = client.get("/api/search", params={"q": "алаң"}).json()
    second = client.get("/api/search", params={"q": "алаң", "page": 2}).json()
    assert first["has_more"] and second["hits"]
    assert not {h["article_id"] for h in first["hits"]} & {h["article_id"] for h in second["hits"]}


@pytest.mark.parametrize("query", ['"open letter', "AND", "(митинг"])
def test_a_malformed_query_is_explained_next_to_the_box(client, query):
    page = client.get("/search", params={"q": query})
    assert page.status_code == 400
    assert 'role="alert"' in page.text and "This query cannot be read" in page.text
    assert f'value="{query.replace(chr(34), "&#34;")}"' in page.text  # the box keeps the query
    api = client.get("/api/search", params={"q": query})
    assert api.status_code == 400 and api.json()["error"].startswith("malformed query")


def test_search_page_without_a_query_is_the_form(client):
    page = client.get("/search")
    assert page.status_code == 200 and 'name="q"' in page.text and "<ol" not in page.text


# ---- article --------------------------------------------------------------------------------------

def test_article_shows_current_version_timeline_and_links(client, archive):
    change = revised(archive, "rewrite")
    article_id = change["article_id"]
    state = archive.article(article_id)
    page = client.get(f"/article/{article_id}")
    assert page.status_code == 200
    shown = text_of(page.text)
    assert state["record"]["title"] in shown and state["record"]["body"][0] in shown
    assert f"Version {state['current_version']} of {state['current_version']}" in shown
    assert f'href="{state["url"]}"' in page.text
    for item in archive.history(article_id):
        assert local(item["at"]) in shown
        if item["type"] == "version":
            assert f'href="/capture/{item["version_id"]}"' in page.text
    assert f'/article/{article_id}/diff?from=1&amp;to=2' in page.text
    api = client.get(f"/api/article/{article_id}").json()
    assert api["version"]["number"] == state["current_version"]
    assert [i["type"] for i in api["timeline"]] == [i["type"] for i in archive.history(article_id)]
    old = client.get(f"/article/{article_id}", params={"version": 1})
    assert "not the current one" in old.text
    assert archive.version(article_id, 1)["body"][-1] in text_of(old.text)


def test_article_times_are_almaty_with_utc_at_hand(client, archive):
    article_id = archive.article_ids()[0]
    first_seen = archive.article(article_id)["first_seen"]
    page = client.get(f"/article/{article_id}").text
    moment = datetime.fromisoformat(first_seen)
    almaty = moment.astimezone(parse_when("2026-06-01T00:00").tzinfo)
    assert almaty.utcoffset().total_seconds() == 5 * 3600
    assert f'<time datetime="{first_seen}" title="{moment:%Y-%m-%d %H:%M:%S} UTC">' \
           f'{almaty:%Y-%m-%d %H:%M}</time>' in page


def test_removed_article_and_its_removal_diff(client, archive):
    removal = [c for c in archive.changes() if "removed" in c["kinds"]][-1]
    article_id = removal["article_id"]
    page = client.get(f"/article/{article_id}")
    assert page.status_code == 200 and "removed" in text_of(page.text)
    diff = client.get(f"/api/article/{article_id}/diff").json()
    assert diff["to"] is None and diff["kinds"] == ["removed"]
    assert diff["removal"]["status"] == removal["status"]
    assert "removed" in text_of(client.get(f"/article/{article_id}/diff").text)


def test_the_change_list_says_what_a_headline_was_and_where_a_removal_leads(client, archive):
    headline = revised(archive, "headline")
    was = archive.version(headline["article_id"], headline["version"] - 1)["title"]
    api = client.get("/api/changes", params={"since": "2000-01-01", "kind": "headline"}).json()
    [item] = [i for i in api["items"] if i["key"] == headline["key"]]
    assert item["old_title"] == was and item["title"] != was
    rows = client.get("/", params={"since": "2000-01-01", "kind": "headline"}).text
    assert f"was: <del lang=\"{item['language']}\">{escape(was)}</del>" in rows
    moved = [c for c in archive.changes() if c["kinds"] == ["removed"] and c["location"]]
    if not moved:
        pytest.skip("no removal by a redirect in the demo archive")
    page = client.get("/", params={"since": "2000-01-01", "kind": "removed"}).text
    assert f'{moved[0]["status"]}</span> → <span class="url">{moved[0]["location"]}</span>' in page


def test_a_removal_diff_shows_what_was_removed_and_cites_the_version(client, archive):
    removal = [c for c in archive.changes() if c["kinds"] == ["removed"]][-1]
    article_id, last = removal["article_id"], removal["at_version"]
    gone = archive.version(article_id, last)
    listed = client.get("/api/changes", params={"since": "2000-01-01", "kind": "removed"}).json()
    [item] = [i for i in listed["items"] if i["key"] == removal["key"]]
    assert item["link"] == f"/article/{article_id}/diff?from={last}&to=removed"
    api = client.get(item["link"].replace("/article", "/api/article", 1)).json()
    assert api == client.get(f"/api/article/{article_id}/diff").json()
    assert api["permalink"] == item["link"] and api["from"]["number"] == last
    assert api["gone"] == {"title": gone["title"], "lead": gone["lead"], "body": gone["body"]}
    page = client.get(item["link"])
    shown = text_of(page.text)
    assert page.status_code == 200 and "What readers can no longer read" in shown
    assert gone["title"] in shown and gone["body"][-1] in shown
    assert f"Version {last}, captured {local(gone['first_seen'])}" in shown
    assert f"diff?from={last}&amp;to=removed" in page.text  # the permalink cites the version
    timeline = client.get(f"/article/{article_id}").text  # the removal in the timeline leads there
    assert f'<a href="/article/{article_id}/diff?from={last}&amp;to=removed">' in timeline


def test_revisions_only_is_one_click_and_one_kind(client, archive):
    page = client.get("/", params={"since": "2000-01-01"}).text
    assert 'href="/?since=2000-01-01&amp;kind=revision"' in page
    revisions = client.get("/api/changes", params={"since": "2000-01-01", "kind": "revision"})
    items = revisions.json()["items"]
    expected = [c for c in archive.changes() if c["source"] == "version"]
    assert len(items) == len(expected) and {i["source"] for i in items} == {"version"}
    feed = feedparser.parse(client.get("/feeds/kind/revision.atom").content)
    assert len(feed.entries) == len(expected)


def test_degraded_runs_are_listed_when_asked_for(demo_archive, tmp_path):
    db = tmp_path / "degraded.db"
    shutil.copy(demo_archive, db)
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("UPDATE runs SET status = 'degraded', stats = json_set(stats, '$.degraded',"
                     " json('[\"authors on kk: 0% of 20 pages\"]')) WHERE id = 2")
    room = TestClient(create_app(str(db)), base_url=ROOM)
    [run] = room.get("/api/changes", params={"since": "2000-01-01", "kind": "degraded"}).json()[
        "items"]
    assert (run["key"], run["kinds"], run["link"]) == ("run:2", ["degraded"], "/status")
    page = room.get("/", params={"since": "2000-01-01", "kind": "degraded"})
    assert page.status_code == 200 and "Crawl run 2 ended degraded" in page.text
    assert "authors on kk: 0% of 20 pages" in page.text
    assert "run:2" not in json.dumps(room.get("/api/changes", params={"since": "2000-01-01"}).json())
    listed = CliRunner().invoke(main, ["changes", "--since", "2000-01-01", "--kind", "degraded",
                                       "--db", str(db)]).output
    assert "run 2 ended degraded: authors on kk: 0% of 20 pages" in listed


def test_the_search_page_says_how_many_match_in_all(client, archive):
    every = archive.search("алаң", limit=1000)
    assert len(every) > 20
    page = client.get("/search", params={"q": "алаң"})
    assert f"{len(every)} articles match." in text_of(page.text)
    assert page.text.count('<li lang="') == 20


# ---- diff -----------------------------------------------------------------------------------------

def words_of(diff: dict, op: str) -> list[str]:
    return [t for p in diff["paragraphs"] for word_op, t in p["words"] if word_op == op]


def test_diff_highlights_inserted_and_deleted_words(client, archive):
    def url_of(change: dict) -> str:
        number = change["version"]
        return f"/article/{change['article_id']}/diff?from={number - 1}&to={number}"

    # a rewrite that both took words out and put others in (some only cut a sentence)
    change = next(c for c in reversed(archive.changes()) if "rewrite" in c["kinds"]
                  and all(words_of(client.get("/api" + url_of(c)).json(), op)
                          for op in ("insert", "delete")))
    article_id, number = change["article_id"], change["version"]
    url = url_of(change)
    page = client.get(url)
    assert page.status_code == 200
    assert "<ins>" in page.text and "<del>" in page.text
    api = client.get("/api" + url).json()
    assert api["kinds"] == change["kinds"]
    inserted, deleted = words_of(api, "insert"), words_of(api, "delete")
    assert inserted and deleted
    assert all(f"<ins>{t}" in unescape(page.text) for t in inserted[:3])
    # The permalink cites the article, the versions and their capture times.
    cite = text_of(page.text.split('class="cite"')[1].split("</p>")[0])
    assert f"Version {number - 1}, captured {local(api['from']['first_seen'])}" in cite
    assert f"version {number}, captured {local(api['to']['first_seen'])}" in cite
    assert api["to"]["first_seen"].replace("T", " ").rstrip("Z") in cite
    assert f"/article/{article_id}/diff?from={number - 1}&to={number}" in cite
    side = client.get(url + "&view=side")
    assert side.status_code == 200 and 'class="pair replace"' in side.text
    assert (f'<div class="columns"><p class="old">Version {number - 1}</p>'
            f'<p class="new">Version {number}</p></div>') in side.text  # each column says which


def test_a_headline_change_is_shown_whole(client, archive):
    change = revised(archive, "headline")
    article_id, number = change["article_id"], change["version"]
    old, new = (archive.version(article_id, n)["title"] for n in (number - 1, number))
    page = client.get(f"/article/{article_id}/diff", params={"from": number - 1, "to": number})
    assert f"<del>{old}</del>" in unescape(page.text) and f"<ins>{new}</ins>" in unescape(page.text)


@pytest.mark.parametrize("query, status, message", [
    ("from=1&to=1", 400, "both version 1"),
    ("from=one", 400, "from must be a whole number"),
    ("from=1&to=99", 404, "there is no version 99"),
])
def test_diff_of_versions_that_cannot_be_compared(client, archive, query, status, message):
    article_id = revised(archive, "rewrite")["article_id"]
    page = client.get(f"/article/{article_id}/diff?{query}")
    assert page.status_code == status and message in unescape(page.text)
    assert client.get(f"/api/article/{article_id}/diff?{query}").status_code == status


def test_diff_of_an_article_with_one_version(client, archive):
    single = next(a for a in archive.article_ids() if archive.article(a)["current_version"] == 1
                  and archive.article(a)["status"] == "active")
    page = client.get(f"/article/{single}/diff")
    assert page.status_code == 404 and "one version only" in page.text


# ---- story, capture, status -----------------------------------------------------------------------

def test_story_shows_the_editions_side_by_side(client, archive):
    article_id = with_editions(archive)
    members = {article_id, *(e["article_id"] for e in archive.translations(article_id))}
    api = client.get(f"/api/story/{article_id}").json()
    assert {e["article_id"] for e in api["editions"]} == members
    order = [e["language"] for e in api["editions"]]
    assert order == sorted(order, key=["ru", "kk", "en"].index)
    page = client.get(f"/story/{article_id}")
    for member in members:
        assert archive.article(member)["record"]["title"] in unescape(page.text)
        assert f'href="/article/{member}"' in page.text
    assert f'href="/story/{article_id}"' in client.get(f"/article/{article_id}").text


def test_capture_is_shown_sandboxed_and_exact(client, archive):
    version = archive.versions(archive.article_ids()[0])[0]
    headers, body = archive.capture(version["version_id"])
    page = client.get(f"/capture/{version['version_id']}")
    assert page.status_code == 200
    assert f'<iframe class="capture" src="/capture/{version["version_id"]}/raw" sandbox=""' in page.text
    raw = client.get(f"/capture/{version['version_id']}/raw")
    assert raw.content == body
    policy = raw.headers["content-security-policy"]
    assert policy.startswith("sandbox;") and "default-src 'none'" in policy
    assert "script-src" not in policy and raw.headers["x-content-type-options"] == "nosniff"
    info = client.get(f"/api/capture/{version['version_id']}").json()
    assert info["article_id"] == version["article_id"] and info["number"] == version["number"]
    assert info["headers"] == headers and info["size"] == len(body)


def test_status_shows_runs_coverage_and_next_runs(client, archive):
    runs = archive.runs(20)
    api = client.get("/api/status").json()
    assert [r["id"] for r in api["runs"]] == [r["id"] for r in runs]
    first = api["runs"][-1]
    assert first["coverage"]["versions"] > 0
    assert first["coverage"]["fields"]["title"] == first["coverage"]["versions"]
    assert api["service"] is None and api["next_runs"] == []  # no service ran on the demo
    page = client.get("/status")
    assert page.status_code == 200 and "No crawl service has run against this archive" in page.text
    assert f"<td>{runs[0]['id']}</td>" in page.text


def test_api_index_lists_every_endpoint(client):
    endpoints = client.get("/api").json()["endpoints"]
    assert {path.split("?")[0].split("/{")[0] for path in endpoints} == {
        "/api/changes", "/api/search", "/api/article", "/api/story", "/api/capture", "/api/status"}


# ---- errors, safety -------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/article/999999", "/article/999999/diff", "/story/999999",
                                  "/capture/999999", "/capture/999999/raw", "/article/abc",
                                  "/no/such/page", "/article/1/version/2", "/status/",
                                  "/article/1/"])
def test_unknown_things_are_404_pages(client, path):
    page = client.get(path)
    assert page.status_code == 404
    assert "<h1>Not found" in page.text and "Traceback" not in page.text
    api = client.get("/api" + path)
    assert api.status_code == 404 and "error" in api.json()


BEYOND_SQLITE = str(2**63)  # one more than SQLite's largest integer


@pytest.mark.parametrize("path, status", [
    *[(f"{route}/{BEYOND_SQLITE}{tail}", 404) for route, tail in [
        ("/article", ""), ("/article", "/diff"), ("/story", ""), ("/capture", ""),
        ("/capture", "/raw"), ("/api/article", ""), ("/api/article", "/diff"), ("/api/story", ""),
        ("/api/capture", "")]],
    (f"/feeds/article/{BEYOND_SQLITE}.atom", 404),
    (f"/feeds/changes.atom?article={BEYOND_SQLITE}", 404),
    ("/feeds/article/².atom", 404), ("/feeds/changes.atom?article=²", 404),
    ("/feeds/changes.atom?article=٣", 404), ("/article/²", 404),
    ("/article/1?version=²", 400), ("/api/article/1?version=٣", 400),
    ("/article/1/diff?from=²&to=2", 400), ("/?page=²", 400), ("/search?q=rally&page=²", 400),
])
def test_ids_beyond_sqlite_or_not_ascii_digits_are_400_or_404(client, path, status):
    answer = client.get(path)
    assert answer.status_code == status, (path, answer.text[:300])
    assert "Traceback" not in answer.text


@pytest.mark.parametrize("since", ["0001-01-01", "0001-01-01T00:00+06:00", "0001-01-01T00:00"])
def test_a_time_at_the_edge_of_time_reads_as_the_command_line_reads_it(client, archive, since):
    everything = client.get("/api/changes", params={"since": "2000-01-01"}).json()["items"]
    answer = client.get("/api/changes", params={"since": since})
    assert answer.status_code == 200 and answer.json()["since"] == "0001-01-01T00:00:00Z"
    assert answer.json()["items"] == everything
    assert client.get("/", params={"since": since}).status_code == 200
    late = client.get("/", params={"since": "9999-12-31T23:59-12:00", "until": "9999-12-31"})
    assert late.status_code == 200 and "9999-12-31" in late.text
    assert client.get("/api/changes", params={"until": since}).json()["items"] == []


def test_a_control_character_in_a_feed_query_is_left_out_of_the_feed(client):
    answer = client.get("/feeds/changes.atom", params={"q": "rally\x01\x1f"})
    assert answer.status_code == 200
    parsed = feedparser.parse(answer.content)
    assert not parsed.bozo and parsed.feed.title == "Changes in the archive: “rally”"
    assert parsed.entries == feedparser.parse(client.get("/feeds/changes.atom",
                                                         params={"q": "rally"}).content).entries


def test_an_unexpected_failure_is_a_500_page_without_a_traceback(demo_archive, tmp_path):
    db = tmp_path / "gone.db"
    shutil.copy(demo_archive, db)
    app = room(str(db), raise_server_exceptions=False)
    db.unlink()
    page = app.get("/")
    assert page.status_code == 500 and "Something went wrong" in page.text
    assert "Traceback" not in page.text and "sqlite3" not in page.text
    assert app.get("/api/status").json()["error"].startswith("Something went wrong")


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", ["/", "/search", "/article/1", "/api/changes", "/api/status",
                                  "/capture/1/raw", "/static/style.css"])
def test_nothing_can_be_written(client, method, path):
    answer = client.request(method, path, data={"q": "x"})
    assert answer.status_code == 405


def test_no_route_writes_and_pages_read_while_a_crawl_holds_the_write_lock(demo_archive, tmp_path,
                                                                         monkeypatch):
    # A page that waited for the lock would fail at once, not after the usual busy timeout.
    monkeypatch.setattr("storage.access.BUSY_TIMEOUT_SECONDS", 0)
    db = tmp_path / "busy.db"
    shutil.copy(demo_archive, db)
    before = db.read_bytes()
    app = room(str(db))
    with closing(sqlite3.connect(db, isolation_level=None)) as writer:
        writer.execute("PRAGMA journal_mode = WAL")
        writer.execute("BEGIN IMMEDIATE")  # a crawl in the middle of writing
        writer.execute("UPDATE runs SET status = status")
        for path in ("/", "/search?q=rally", "/status", "/api/changes"):
            assert app.get(path).status_code == 200
        writer.execute("ROLLBACK")
    with Archive(db, readonly=True) as archive, pytest.raises(sqlite3.OperationalError):
        archive.db.execute("DELETE FROM runs")
    assert db.read_bytes() == before


def test_an_archive_that_needs_a_migration_is_not_changed(tmp_path):
    db = tmp_path / "old.db"
    with closing(sqlite_utils.Database(db)) as old:
        migrate(old, stop_before="m012_watches")
    before = db.read_bytes()
    with pytest.raises(ArchiveError, match="mediawatch migrate --db"):
        Archive(db, readonly=True)
    result = CliRunner().invoke(main, ["serve", "--db", str(db)])
    assert result.exit_code == 2 and "made by an older version of mediawatch" in result.stderr
    assert db.read_bytes() == before


def test_a_foreign_database_is_refused_and_not_changed(tmp_path):
    db = tmp_path / "notes.db"
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("CREATE TABLE notes (x)")
    result = CliRunner().invoke(main, ["serve", "--db", str(db)])
    assert result.exit_code == 2 and "is not a mediawatch archive" in result.stderr
    with closing(sqlite3.connect(db)) as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["notes"]


def test_hostile_markup_from_the_outlet_is_escaped_everywhere(hostile_archive):
    db, article_id = hostile_archive.db, hostile_archive.article_id
    client = room(db)
    with Archive(db, readonly=True) as archive:
        record = archive.article(article_id)["record"]
        version_id = archive.versions(article_id)[0]["version_id"]
    assert record["title"].startswith(hostile_archive.title.strip())
    assert hostile_archive.text in record["body"]
    for path in (f"/article/{article_id}", f"/story/{article_id}", f"/capture/{version_id}",
                 "/?since=2000-01-01", "/search?q=paragraph+link&edition=en"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert "<script" not in page.text.lower() and "<img" not in page.text.lower(), path
        assert not re.search(r"<[^>]*onerror", page.text), path
        assert 'href="javascript:' not in page.text, path
        assert "default-src 'none'" in page.headers["content-security-policy"]
    shown = unescape(client.get(f"/article/{article_id}").text)
    assert hostile_archive.title.strip() in shown and hostile_archive.text in shown


# ---- token, serving -------------------------------------------------------------------------------

def test_a_token_is_needed_on_every_request_when_set(demo_archive):
    app = room(demo_archive, token=TOKEN, follow_redirects=False)
    for path in ("/", "/api/changes", "/static/style.css", "/capture/1/raw"):
        assert app.get(path).status_code == 401
        assert app.get(path, headers={"Authorization": "Bearer wrong-token-of-some-length"}
                       ).status_code == 401
    assert app.get("/api/status", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert app.get("/?token=wrong").status_code == 401
    entry = app.get(f"/search?q=rally&token={TOKEN}")
    assert entry.status_code == 303 and entry.headers["location"] == "/search?q=rally"
    assert "HttpOnly" in entry.headers["set-cookie"] and "SameSite=Strict" in entry.headers["set-cookie"]
    assert app.get("/search?q=rally").status_code == 200  # the cookie now carries it
    assert app.get(f"/%2Felsewhere.example/?token={TOKEN}").headers["location"] == "/elsewhere.example/"


def test_feed_readers_read_the_feeds_with_the_feed_key_alone(demo_archive):
    app = room(demo_archive, token=TOKEN, follow_redirects=False)
    key = feed_key(TOKEN)
    assert key != TOKEN and TOKEN not in key
    answer = app.get(f"/feeds/all.atom?key={key}")
    assert answer.status_code == 200 and "set-cookie" not in answer.headers
    feed = feedparser.parse(answer.content)
    assert feed.entries and not feed.bozo
    assert feed.feed.links[0].href.endswith(f"/feeds/all.atom?key={key}")  # rel=self keeps it
    kk = feedparser.parse(app.get(f"/feeds/changes.atom?lang=kk&kind=headline&key={key}").content)
    assert not kk.bozo and all(e.tags[0].term == "kk" for e in kk.entries)
    assert app.get("/feeds/all.atom?key=wrong-key").status_code == 401
    for path in (f"/?key={key}", f"/api/changes?key={key}", f"/status?key={key}"):
        assert app.get(path).status_code == 401  # the key opens the feeds and nothing else
    page = app.get("/", headers={"Authorization": f"Bearer {TOKEN}"}).text
    assert f'href="/feeds/all.atom?key={key}"' in page  # the room's feed links carry it


def test_only_the_rooms_own_host_names_are_answered(demo_archive):
    default = room(demo_archive)
    for host in ("evil.example", "evil.example:8000", "127.0.0.1.evil.example", "localhost.evil",
                 "", "127.0.0.1:8000 x", "[::2]:8000", "[::1", "testserver"):
        for path in ("/", "/api/changes", "/feeds/all.atom", "/static/style.css", "/nowhere"):
            answer = default.get(path, headers={"Host": host})
            assert answer.status_code == 400, (host, path)
            assert "does not answer to that host name" in answer.text
    for host in ("127.0.0.1:8000", "127.0.0.1", "localhost:8000", "LOCALHOST", "localhost.",
                 "[::1]:8000"):
        assert default.get("/api/status", headers={"Host": host}).status_code == 200, host
    named = TestClient(create_app(demo_archive, url="https://news.example.org/",
                                  allowed_hosts=("archive.lan",)))
    for host in ("news.example.org", "archive.lan:8000", "127.0.0.1:8000"):
        assert named.get("/api/status", headers={"Host": host}).status_code == 200, host
    assert named.get("/api/status", headers={"Host": "example.org"}).status_code == 400


def test_links_come_from_the_configured_address_not_the_host_header(demo_archive, archive):
    named = TestClient(create_app(demo_archive, url="https://news.example.org",
                                  allowed_hosts=("archive.lan",)), base_url="http://archive.lan:9")
    feed = feedparser.parse(named.get("/feeds/all.atom").content)
    links = [feed.feed.link] + [link.href for entry in feed.entries for link in entry.links
                                if link.rel == "alternate"]
    assert feed.entries and all(link.startswith("https://news.example.org/") for link in links)
    assert "archive.lan" not in named.get("/feeds/all.atom").text
    revision = next(c for c in archive.changes() if c.get("version"))
    page = named.get(f"/article/{revision['article_id']}/diff").text
    assert "https://news.example.org/article/" in page and "archive.lan" not in page


def test_a_junk_cookie_does_not_break_a_room_with_a_token(demo_archive):
    app = room(demo_archive, token=TOKEN)
    for junk in ("a@b=1", "a@b=1; x y=2", '=; ;;"', "mediawatch_token", "\x7f=\x01"):
        assert app.get("/api/status", headers={"Cookie": junk}).status_code == 401, junk
        with_token = f"{junk}; mediawatch_token={TOKEN}"
        assert app.get("/api/status", headers={"Cookie": with_token}).status_code == 200, junk


@pytest.mark.parametrize("path, location", [
    ("/%5Cevil.example/", "/%5Cevil.example/"),
    ("/%5C%5Cevil.example/", "/%5C%5Cevil.example/"),
    ("/%2F%2Fevil.example/", "/evil.example/"),
    ("/%2F%5Cevil.example", "/%5Cevil.example"),
    ("/%0D%0ASet-Cookie:%20x=1", "/%0D%0ASet-Cookie:%20x=1"),
    ("/%09/evil.example", "/%09/evil.example"),
    ("/search%3Fq=x", "/search%3Fq=x"),
    ("/article/1%25", "/article/1%25"),
])
def test_entering_with_the_token_stays_on_this_site(demo_archive, path, location):
    app = room(demo_archive, token=TOKEN, follow_redirects=False)
    answer = app.get(f"{path}?token={TOKEN}&q=a%0D%0Ab")
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{location}?q=a%0D%0Ab"


def test_serve_answers_only_its_host_and_redirects_safely_over_http(demo_archive, tmp_path):
    import http.client

    db = tmp_path / "served.db"  # serve notes its address in the archive it serves
    shutil.copy(demo_archive, db)
    process = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", "0",
                                "--allow-host", "archive.lan", "--db", str(db)],
                               stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "MEDIAWATCH_WEB_TOKEN": TOKEN})
    try:
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", process.stdout.readline()).group(1))

        def ask(path: str, host: str) -> http.client.HTTPResponse:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.putrequest("GET", path, skip_host=True)
            connection.putheader("Host", host)
            connection.endheaders()
            answer = connection.getresponse()
            answer.read()
            connection.close()
            return answer

        assert ask(f"/?token={TOKEN}", "rebound.evil.example").status == 400
        for host in (f"127.0.0.1:{port}", "archive.lan", f"[::1]:{port}"):
            assert ask(f"/?token={TOKEN}", host).status == 303
        for raw, location in (("/%0D%0Ax", "/%0D%0Ax"), ("/%5Cevil.example/", "/%5Cevil.example/")):
            answer = ask(f"{raw}?token={TOKEN}", "localhost")
            assert answer.status == 303 and answer.getheader("location") == location
        cookie = f"a@b=1; mediawatch_token={TOKEN}"
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/feeds/all.atom", headers={"Host": "archive.lan",
                                                               "Cookie": cookie})
        feed = connection.getresponse()
        assert feed.status == 200
        self_link = f'href="http://127.0.0.1:{port}/feeds/all.atom?key={feed_key(TOKEN)}"'
        assert self_link.encode() in feed.read()
        connection.close()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serving_on_another_host_needs_a_token():
    assert token_problem(None, "127.0.0.1") is None and token_problem(None, "::1") is None
    assert token_problem(None, "localhost") is None
    assert "refusing to serve" in token_problem(None, "0.0.0.0")
    assert "too short" in token_problem("short", "0.0.0.0")
    assert token_problem(TOKEN, "0.0.0.0") is None


@pytest.mark.parametrize("args, env, message", [
    (["--host", "0.0.0.0"], {}, "refusing to serve the archive on 0.0.0.0 without a token"),
    (["--host", "0.0.0.0"], {"MEDIAWATCH_WEB_TOKEN": "short"}, "too short"),
    (["--port", "99999"], {}, "Invalid value for '--port'"),
    (["--host", "0.0.0.0"], {"MEDIAWATCH_WEB_TOKEN": TOKEN}, "give it with --web-url"),
    (["--host", "::"], {"MEDIAWATCH_WEB_TOKEN": TOKEN}, "give it with --web-url"),
    (["--allow-host", "evil.example/x"], {}, "--allow-host: 'evil.example/x' is not a host name"),
    (["--allow-host", "*"], {}, "--allow-host: '*' is not a host name"),
    (["--web-url", "ftp://x"], {}, "--web-url: 'ftp://x' is not an http:// or https:// address"),
    (["--web-url", "http://:80"], {}, "is not an http:// or https:// address"),
    (["--host", "fe80::1%lo"], {"MEDIAWATCH_WEB_TOKEN": TOKEN}, "--host: '[fe80::1%lo]' is not a host name"),
])
def test_serve_refuses_to_start_with_one_line(demo_archive, args, env, message, monkeypatch):
    def started(server, sockets):
        raise AssertionError(f"the reading room started on {sockets[0].getsockname()}")

    monkeypatch.setattr("uvicorn.Server.run", started)
    result = CliRunner().invoke(main, ["serve", *args, "--db", demo_archive],
                                env={"MEDIAWATCH_WEB_TOKEN": "", **env})
    assert result.exit_code == 2 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_a_missing_archive_and_creates_none(tmp_path):
    db = tmp_path / "none.db"
    result = CliRunner().invoke(main, ["serve", "--db", str(db)])
    assert result.exit_code == 2 and result.stderr.startswith(f"error: no archive at {db}")
    assert not db.exists()


def test_serve_answers_over_http_and_links_in_feeds_follow_it(demo_archive, tmp_path):
    import urllib.request

    db = tmp_path / "served.db"
    shutil.copy(demo_archive, db)
    process = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", "0", "--db",
                                str(db)], stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "MEDIAWATCH_WEB_TOKEN": ""})
    try:
        line = process.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line).group()
        with urllib.request.urlopen(url + "status", timeout=30) as answer:
            assert answer.status == 200 and "Recent crawl runs" in answer.read().decode()
    finally:
        process.terminate()
        process.wait(timeout=10)
    # what `feed`, `notify` and `watch test` link to is where the room answered, not :8000
    env = {"MEDIAWATCH_WEB_URL": ""}
    feed = feedparser.parse(CliRunner().invoke(main, ["feed", "--db", str(db)], env=env).output)
    links = [link.href for entry in feed.entries for link in entry.links if link.rel == "alternate"]
    assert links and all(link.startswith(url) for link in links)
    given = CliRunner().invoke(main, ["feed", "--web-url", "https://room.example", "--db",
                                      str(db)], env=env).output
    assert "https://room.example/article/" in given and url not in given


def test_parse_when_reads_almaty_time():
    assert parse_when("2024-06-01T10:00").utcoffset().total_seconds() == 5 * 3600
    assert parse_when("2024-01-15").astimezone(UTC).hour == 18  # UTC+6 before March 2024
    assert parse_when("2024-06-01T10:00Z").utcoffset().total_seconds() == 0
    now = datetime(2026, 11, 28, 20, 0, tzinfo=UTC)  # already the 29th in Almaty
    assert parse_when("today", now).isoformat() == "2026-11-29T00:00:00+05:00"
    assert (now - parse_when("12h", now)).total_seconds() == 12 * 3600
    with pytest.raises(ValueError, match="is not a time"):
        parse_when("yesterdayish")


def test_every_change_kind_has_a_filter(client):
    page = client.get("/").text
    for kind in (*EVENT_KINDS, *KINDS):
        assert f'name="kind" value="{kind}"' in page


# ---- feeds ----------------------------------------------------------------------------------------

def test_feeds_are_served_with_links_into_this_room(client, archive):
    response = client.get("/feeds/all.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    changes = change_log(archive.db, ChangeFilter(), newest_first=True, limit=50)
    assert not parsed.bozo and changes
    assert [entry.id for entry in parsed.entries] == [entry_id(item) for item in changes]
    for entry in parsed.entries:
        assert any(link.href.startswith((f"{ROOM}/article/", f"{ROOM}/story/"))
                   for link in entry.links)


def test_an_edition_feed_holds_only_that_edition(client, archive):
    parsed = feedparser.parse(client.get("/feeds/edition/kk.atom").content)
    changes = change_log(archive.db, ChangeFilter(language="kk"), newest_first=True, limit=50)
    assert [entry.id for entry in parsed.entries] == [entry_id(item) for item in changes]
    assert changes and {item["language"] for item in changes} == {"kk"}


@pytest.mark.parametrize(("path", "status"), [("/feeds/nothing.atom", 404),
                                              ('/feeds/changes.atom?q="unbalanced', 400)])
def test_a_feed_that_cannot_be_made_is_an_error_page(client, path, status):
    assert client.get(path).status_code == status
