"""Search queries: the limits on what one may ask, its time budget, the reading room stopping work
for a reader who left, and query errors that read as query errors in every command, page, feed
and watch (docs/reliability.md, "Queries")."""

from __future__ import annotations

import re
import sqlite3
import threading
import time

import anyio
import pytest
from click.testing import CliRunner
from receivers import JsonReceiver
from starlette.requests import Request
from starlette.testclient import TestClient

from cli import main
from storage.archive import Archive
from storage.budget import Cancelled, cancel_when
from storage.changelog import ChangeFilter, change_log
from storage.records import ArticleRecord
from storage.search import SearchQueryError, edition_counts
from storage.watches import add_watch
from web.app import create_app, while_connected

WEB = "http://reading-room.test"
# What broke before: 100 nested AND/OR groups (FTS5's parser stack overflowed), 245 nested
# parentheses and a chain of 2,000 NOTs (Python's recursion limit).
GROUPS = "a"
for level in range(100):
    GROUPS = f"({GROUPS} AND b{level}) OR c{level}"
PARENTHESES = "(" * 245 + "митинг" + ")" * 245
NOTS = "rally" + " NOT protest" * 2000
DEEP = {GROUPS: "nest them at most 8 levels", PARENTHESES: "nest them at most 8 levels",
        NOTS: "at most 32"}


def record(text: str, title: str = "Митинг в Алматы") -> ArticleRecord:
    return ArticleRecord(article_id=57753, language="ru", section="politika", slug="miting",
                         url="https://vlast.kz/politika/57753-miting.html", title=title,
                         lead="Лид о митинге", body=[text])


@pytest.fixture
def db(tmp_path) -> str:
    """An archive with one article in two versions (a change for feeds and watches)."""
    path = str(tmp_path / "archive.db")
    with Archive(path) as archive:
        archive.record_page(None, record("").url, 200, {}, b"<html></html>",
                            record("Активисты вышли на митинг в Алматы."), "2024-01-01T10:00:00Z")
        archive.record_page(None, record("").url, 200, {}, b"<html></html>",
                            record("Активисты вышли на митинг в Алматы и в Астане."),
                            "2024-01-02T10:00:00Z")
    return path


def one_line_error(result, *parts: str) -> str:
    assert result.exit_code == 2, (result.output, result.exception)
    assert result.output.count("\n") == 1 and result.output.startswith("error: "), result.output
    for part in parts:
        assert part in result.output, result.output
    return result.output



def room(db: str) -> TestClient:
    """A test client of the reading room on `db`, asking for it by a loopback name."""
    return TestClient(create_app(db), base_url="http://127.0.0.1:8000")

# ---- query errors everywhere ----------------------------------------------------------------

@pytest.mark.parametrize("query", list(DEEP), ids=["groups", "parentheses", "nots"])
@pytest.mark.parametrize("command", [["search"], ["feed", "--query"],
                                     ["watch", "add", "w", "--notify", "json://127.0.0.1:9/w",
                                      "--allow-private-target",
                                      "--query"]], ids=["search", "feed", "watch-add"])
def test_a_deep_or_long_query_is_one_line_naming_the_limit_in_every_command(db, command, query):
    result = CliRunner().invoke(main, [*command, query, "--db", db])
    line = one_line_error(result, "error: cannot search for '", DEEP[query])
    assert len(line) < 250 and "damaged" not in line
    with Archive(db, readonly=True) as archive:
        assert archive.db.execute("SELECT count(*) FROM watches").fetchone()[0] == 0


@pytest.mark.parametrize("query", list(DEEP), ids=["groups", "parentheses", "nots"])
@pytest.mark.parametrize("path", ["/search?q=", "/api/search?q=", "/feeds/changes.atom?q="])
def test_the_reading_room_answers_a_deep_query_with_400_naming_the_limit(db, path, query):
    answer = room(db).get(path, params={"q": query})
    assert answer.status_code == 400, answer.text[:300]
    assert DEEP[query] in answer.text


def test_a_query_error_in_a_feed_reads_as_a_query_error_not_a_damaged_archive(demo_archive,
                                                                              monkeypatch):
    monkeypatch.setattr("storage.search.TIME_LIMIT", 0)  # every query runs out of time
    monkeypatch.setattr("storage.budget.CHECK_EVERY", 1)  # however few steps it takes
    result = CliRunner().invoke(main, ["feed", "--query", "Алматы", "--db", demo_archive])
    one_line_error(result, "cannot search for 'Алматы': the query took too long")
    answer = room(demo_archive).get("/feeds/changes.atom?q=Алматы")
    assert answer.status_code == 400 and "the query took too long" in answer.text


# ---- limits ---------------------------------------------------------------------------------

WORDS = "митинг акция алматы власти тенге выборы rally protest".split() * 4  # 32 words
AT_THE_LIMITS = [
    " ".join(WORDS),
    f'"{" ".join(WORDS[:16])}" {" ".join(WORDS[16:])}',
    "мит* акц* rall* тен*",
    "(" * 8 + "митинг" + ")" * 8,
    # eight levels, each an OR of alternatives and a NOT chain (each word has forms in two
    # languages without an edition, and Kazakh spellings)
    "казак OR (оскемен NOT (алаң OR (митинг NOT (акция OR (rally NOT (тенге OR (власти NOT "
    "(сайлау OR алматы)))))))) NOT rally NOT protest",
]
OVER_THE_LIMITS = [
    (" ".join([*WORDS, "ещё"]), "too many words: a query may have at most 32"),
    (f'"{" ".join(WORDS)}" ещё', "too many words: a query may have at most 32"),
    ("мит* акц* rall* тен* вла*", "too many prefix searches (word*): a query may have at most 4"),
    ("(" * 9 + "митинг" + ")" * 9, "parentheses nested too deep: a query may nest them at most 8"),
]


@pytest.mark.parametrize("query", AT_THE_LIMITS)
def test_a_query_at_the_limits_runs_everywhere_a_query_runs(demo_archive, query):
    with Archive(demo_archive, readonly=True) as archive:
        for language in (None, "ru", "kk", "en"):
            for versions in (False, True):
                archive.search(query, language=language, all_versions=versions)
                edition_counts(archive.db, query, all_versions=versions)
            change_log(archive.db, ChangeFilter(query=query, language=language))


@pytest.mark.parametrize("query, message", OVER_THE_LIMITS)
def test_a_query_past_a_limit_is_refused_naming_the_limit(demo_archive, query, message):
    with Archive(demo_archive, readonly=True) as archive, \
            pytest.raises(SearchQueryError, match=re.escape(message)):
        archive.search(query)
    one_line_error(CliRunner().invoke(main, ["search", query, "--db", demo_archive]), message)


# ---- the time budget and readers who leave --------------------------------------------------

def test_a_search_past_its_time_budget_stops_with_a_clear_error(demo_archive, monkeypatch):
    with Archive(demo_archive, readonly=True) as archive:
        assert archive.search("Алматы")
        with pytest.raises(SearchQueryError, match=r"the query took too long \(stopped after 0 s"):
            archive.search("Алматы", seconds=0)
        assert archive.search("Алматы")  # the connection is usable again afterwards
    monkeypatch.setattr("storage.search.TIME_LIMIT", 0)
    monkeypatch.setattr("storage.budget.CHECK_EVERY", 1)  # however few steps a query takes
    one_line_error(CliRunner().invoke(main, ["search", "Алматы", "--db", demo_archive]),
                   "cannot search for 'Алматы': the query took too long")
    for path in ("/search?q=Алматы", "/api/search?q=Алматы"):
        answer = room(demo_archive).get(path)
        assert answer.status_code == 400 and "the query took too long" in answer.text


def test_a_search_whose_reader_left_is_stopped(demo_archive, monkeypatch):
    monkeypatch.setattr("storage.budget.CHECK_EVERY", 1)  # however few steps the query takes
    with Archive(demo_archive, readonly=True) as archive:
        cancel_when(archive.db, lambda: True)
        with pytest.raises(Cancelled):
            archive.search("Алматы")


def test_the_reading_room_stops_the_queries_of_a_reader_who_went_away(demo_archive):
    """A statement that would run for minutes, on a request's connection, ends once the
    connection's client disconnects."""
    room = create_app(demo_archive).state.room
    ended: dict = {}

    def work(gone: threading.Event):
        with room.open(gone) as archive:
            try:
                archive.db.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1"
                                   " FROM n LIMIT 10000000000) SELECT count(*) FROM n").fetchall()
            except sqlite3.OperationalError as exc:
                ended["error"] = str(exc)
            raise AssertionError("the response is never read")

    async def disconnect_soon():
        messages = [{"type": "http.request", "body": b"", "more_body": False}]
        scope = {"type": "http", "method": "GET", "path": "/search", "headers": [],
                 "query_string": b""}

        async def receive():
            if messages:
                return messages.pop(0)
            await anyio.sleep(0.5)
            return {"type": "http.disconnect"}

        started = time.monotonic()
        response = await while_connected(Request(scope, receive), work)
        return response, time.monotonic() - started

    response, seconds = anyio.run(disconnect_soon)
    assert ended == {"error": "interrupted"}
    assert seconds < 10, seconds
    assert response.status_code == 400


# ---- watches --------------------------------------------------------------------------------

def test_a_watch_whose_query_fails_is_skipped_and_shown_while_the_others_are_sent(db, tmp_path):
    receiver = JsonReceiver().start()
    try:
        with Archive(db) as archive:  # as an older version let it in
            add_watch(archive.db, "broken", receiver.url("/broken"), [], None, GROUPS, None,
                      allow_private=True)
            add_watch(archive.db, "plain", receiver.url("/plain"), [], None, "митинг", None,
                      allow_private=True)
            archive.record_page(None, record("").url, 200, {}, b"<html></html>",
                                record("Активисты вышли на митинг в Алматы, в Астане и в Актау."),
                                "2024-01-03T10:00:00Z")
        notified = CliRunner().invoke(main, ["notify", "--web-url", WEB, "--db", db])
        assert notified.exit_code == 0, notified.output
        assert "failed: watch broken: its query failed: parentheses nested too deep" in \
            notified.output
        assert "1 new messages, 1 sent" in notified.output
        [message] = receiver.messages
        assert message["path"] == "/plain" and "Актау" in message["message"]
        again = CliRunner().invoke(main, ["notify", "--web-url", WEB, "--db", db])
        assert again.exit_code == 0 and "watch broken" in again.output
        assert len(receiver.messages) == 1
    finally:
        receiver.stop()
    status = CliRunner().invoke(main, ["status", "--db", db])
    assert status.exit_code == 0
    assert "watch broken skipped since 20" in status.output
    assert "its query failed: parentheses nested too deep" in status.output
    listing = CliRunner().invoke(main, ["watch", "list", "--db", db]).output
    assert "[skipped: its query failed" in listing and "plain:" in listing
    page = room(db).get("/status")
    assert "Watches skipped" in page.text and "broken" in page.text
    feed = room(db).get("/feeds/watch/broken.atom")
    assert feed.status_code == 400 and "parentheses nested too deep" in feed.text
    one_line_error(CliRunner().invoke(main, ["feed", "--watch", "broken", "--db", db]),
                   "cannot search for '((((", "parentheses nested too deep")


def test_a_watch_skipped_once_is_shown_no_more_once_its_query_runs(db, tmp_path, monkeypatch):
    receiver = JsonReceiver().start()
    try:
        with Archive(db) as archive:
            add_watch(archive.db, "nested", receiver.url("/nested"), [], None, "((митинг))", None,
                      allow_private=True)
            archive.record_page(None, record("").url, 200, {}, b"<html></html>",
                                record("Активисты вышли на митинг в Актау."), "2024-01-03T10:00:00Z")
        with monkeypatch.context() as patched:  # a version that allowed less nesting
            patched.setattr("storage.search.MAX_DEPTH", 1)
            CliRunner().invoke(main, ["notify", "--web-url", WEB, "--db", db])
        assert "watch nested skipped" in CliRunner().invoke(main, ["status", "--db", db]).output
        assert receiver.messages == []
        CliRunner().invoke(main, ["notify", "--web-url", WEB, "--db", db])
        assert [m["path"] for m in receiver.messages] == ["/nested"]
    finally:
        receiver.stop()
    assert "skipped" not in CliRunner().invoke(main, ["status", "--db", db]).output


def test_watch_add_checks_the_query_with_the_search_engine(db):
    local = ["--notify", "json://127.0.0.1:9/w", "--allow-private-target"]
    one_line_error(CliRunner().invoke(main, ["watch", "add", "w", *local, "--query", "митинг AND",
                                             "--db", db]), "cannot search for 'митинг AND'")
    added = CliRunner().invoke(main, ["watch", "add", "w", *local,
                                      "--query", "(митинг OR акция) NOT тенге", "--db", db])
    assert added.exit_code == 0, added.output

