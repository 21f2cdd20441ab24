"""Every route of the reading room fuzzed through Starlette's test client: whatever the path,
query string, method, Host, cookie or token, the answer is one the docs promise (2xx, 3xx, 400,
401, 404 or 405), never a 500 nor a header that breaks the reply, and the archive is left
byte for byte as it was. As tests/test_fuzz_cli.py does for the command line."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from commands import ROOT, crawl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from replay.server import ReplayServer
from web.app import create_app

# Requests per run; MEDIAWATCH_FUZZ_EXAMPLES=1000 searches longer, once.
EXAMPLES = int(os.environ.get("MEDIAWATCH_FUZZ_EXAMPLES", "100"))
TOKEN = "a-token-long-enough-to-count"
ROOM = "http://127.0.0.1:8000"
PROMISED = {400, 401, 404, 405}

# Every route, with {id} where an id goes and {v} where a name goes.
ROUTES = [
    "/", "/search", "/status", "/api", "/api/changes", "/api/search", "/api/status",
    "/article/{id}", "/article/{id}/diff", "/story/{id}", "/capture/{id}", "/capture/{id}/raw",
    "/api/article/{id}", "/api/article/{id}/diff", "/api/story/{id}", "/api/capture/{id}",
    "/feeds/all.atom", "/feeds/changes.atom", "/feeds/edition/{v}.atom", "/feeds/kind/{v}.atom",
    "/feeds/article/{id}.atom", "/feeds/watch/{v}.atom", "/feeds/{v}", "/feeds/{v}/{v}.atom",
    "/static/{v}", "/static/style.css", "/{v}", "/{v}/{id}", "/api/{v}",
]
# Hostile ids, as they stand in an address (already percent-encoded where they need it).
HOSTILE_IDS = [
    "0", "-1", "+1", "1.0", "1e3", "0x10", "%C2%B2", "%D9%A3", "%EF%BC%91", "9" * 30,
    str(2**63), str(2**63 - 1), str(2**64), "0" * 40 + "1", "%00", "%0D%0A", "%5C", "%2e%2e",
    "%2F", "%20", "%FF", "1%00",
]
HOSTILE_NAMES = [
    "ru", "de", "new", "degraded", "all.atom", "changes.atom", "wanted",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..%5C..%5Cwin.ini", "%00", "%0D%0ASet-Cookie:x=1", "%01",
    "%5Cevil.example", "%E2%80%AE", "%F0%9F%98%80", "%FF%FE", "a" * 300, "x.atom%00.atom",
]
PARAMS = ["q", "since", "until", "edition", "kind", "page", "version", "from", "to", "view",
          "section", "author", "all_versions", "lang", "article", "token", "ui"]
VALUES = [
    "", " ", "0", "1", "2", "-1", "²", "٣", "1e309", "nan", "99999999999999999999", str(2**63),
    "today", "0001-01-01", "0001-01-01T00:00+06:00", "9999-12-31", "9999-12-31T23:59:59-12:00",
    "2024-13-45", "2024-02-30", "99999999d", "12h", "2w", "ru", "kk", "en", "new", "removed",
    "headline", "side", "on", "rally", "митинг OR акция", '"unclosed', "AND", "NOT x", "prefix*",
    "(", ")", "title:x", "' OR 1=1 --", "\u202e", "a\tb", "\x01", "\x7f", "a\x00b", "\r\nx",
    "\\evil", "//evil.example", "x" * 300, TOKEN,
]
HOSTS = ["127.0.0.1:8000", "127.0.0.1", "localhost", "localhost:1", "[::1]:8000",
         "evil.example", "127.0.0.1.evil.example", "", "[::1", "a b", "LOCALHOST."]
COOKIES = ["a@b=1", "mediawatch_ui=kk; a@b=1", "mediawatch_ui=%00",
           f"a@b=1; mediawatch_token={TOKEN}", f"mediawatch_token={TOKEN}", "mediawatch_token=wrong",
           '=; ;;"', "mediawatch_token", "a=\\x; b=\"c"]
AUTHORIZATIONS = [f"Bearer {TOKEN}", "Bearer wrong-token-of-some-length", "Bearer ",
                  "Basic YTpi", f"bearer {TOKEN}"]
LANGUAGES = ["ru", "kk-KZ,kk;q=0.9", "en;q=0", "*", "xx;q=abc", ";;,,", "ru;q=1e999", "a" * 300]
METHODS = ["GET"] * 6 + ["HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"]


def digest(path: Path) -> str:
    """The archive's bytes: the database and its write-ahead log."""
    wal = Path(f"{path}-wal")
    return hashlib.sha256(path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
                          ).hexdigest()


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> SimpleNamespace:
    """A small archive with revised articles and a watch, and its real ids."""
    db = tmp_path_factory.mktemp("fuzz-web") / "archive.db"
    with ReplayServer(articles=30, seed=2) as server:
        crawl(server.base_url, db)
        server.set_epoch(1)
        crawl(server.base_url, db, "--mode", "revisit", "--everything")
    added = subprocess.run([sys.executable, "-m", "cli", "watch", "add", "wanted", "--query",
                            "rally", "--notify", "json://news.example.org/hook", "--db", str(db)],
                           capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert added.returncode == 0, added.stderr
    with closing(sqlite3.connect(db)) as conn:
        articles = [str(row[0]) for row in conn.execute("SELECT id FROM articles LIMIT 5")]
        versions = [str(row[0]) for row in conn.execute("SELECT id FROM versions LIMIT 5")]
    return SimpleNamespace(db=db, ids=articles + versions)


def check_answer(client: TestClient, method: str, url: str, headers: dict) -> None:
    """One request: an answer the docs promise, and headers a client can read."""
    answer = client.request(method, url, headers=headers)
    status = answer.status_code
    assert 200 <= status < 400 or status in PROMISED, (method, url, headers, status,
                                                       answer.text[:500])
    for name, value in answer.headers.items():
        assert not {"\r", "\n", "\x00"} & set(value), (url, name, value)
    if 300 <= status < 400:
        location = answer.headers["location"]
        # On this site only: one slash, then no slash or backslash, nothing but printable ASCII.
        assert location.startswith("/") and location[1:2] not in ("/", "\\"), (url, location)
        assert location.isascii() and location.isprintable() and "\\" not in location


def requests(ids: list[str]) -> st.SearchStrategy:
    """A request: method, address (path and query string) and headers."""
    encoded_text = st.text(max_size=20).map(lambda text: quote(text, safe=""))
    an_id = st.one_of(st.sampled_from(ids), st.sampled_from(HOSTILE_IDS), encoded_text)
    a_name = st.one_of(st.sampled_from(HOSTILE_NAMES), encoded_text)
    path = st.one_of(
        st.tuples(st.sampled_from(ROUTES), an_id, a_name).map(
            lambda parts: parts[0].replace("{id}", parts[1]).replace("{v}", parts[2])),
        st.text(max_size=40).map(lambda text: "/" + quote(text, safe="/%?&=")),
    )
    value = st.one_of(st.sampled_from(VALUES), st.sampled_from(ids), st.text(max_size=30))
    pair = st.tuples(st.one_of(st.sampled_from(PARAMS), st.text(max_size=8)), value)
    query = st.one_of(
        st.lists(pair, max_size=5).map(
            lambda pairs: "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)),
        st.sampled_from(["%", "%ZZ", "&&==", "q=%E2%82", "since=%00", "q", "=x", "token"]),
    )
    headers = st.fixed_dictionaries({}, optional={
        "Host": st.sampled_from([HOSTS[0]] * 3 + HOSTS), "Cookie": st.sampled_from(COOKIES),
        "Authorization": st.sampled_from([AUTHORIZATIONS[0]] * 4 + AUTHORIZATIONS[1:]),
        "Accept-Language": st.sampled_from(LANGUAGES)})
    return st.tuples(st.sampled_from(METHODS), st.tuples(path, query), headers)


@pytest.mark.parametrize("token", [None, TOKEN], ids=["open", "with a token"])
def test_no_request_gives_a_500_or_changes_the_archive(archive, token):
    before = digest(archive.db)
    client = TestClient(create_app(str(archive.db), token), base_url=ROOM, follow_redirects=False)

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(request=requests(archive.ids))
    def check(request) -> None:
        method, (path, query), headers = request
        check_answer(client, method, path + (f"?{query}" if query else ""), headers)

    check()
    assert digest(archive.db) == before, "the archive changed"


def hostile_paths() -> list[str]:
    """Every route with each hostile id and each hostile name (in turn, where it takes both)."""
    paths = []
    for route in ROUTES:
        ids = HOSTILE_IDS if "{id}" in route else ["1"]
        names = HOSTILE_NAMES if "{v}" in route else ["x"]
        count = max(len(ids), len(names)) if "{id}" in route or "{v}" in route else 1
        paths += [route.replace("{id}", ids[n % len(ids)]).replace("{v}", names[n % len(names)])
                  for n in range(count)]
    return paths


def test_every_route_with_every_hostile_id_and_name(archive):
    before = digest(archive.db)
    client = TestClient(create_app(str(archive.db)), base_url=ROOM, follow_redirects=False)
    for path in hostile_paths():
        check_answer(client, "GET", path, {})
        check_answer(client, "GET", f"{path}?since=0001-01-01&version=%C2%B2&article={2**63}"
                                    "&q=%01&page=%D9%A3", {})
    assert digest(archive.db) == before, "the archive changed"


def test_entering_with_the_token_from_any_route_stays_on_this_site(archive):
    before = digest(archive.db)
    client = TestClient(create_app(str(archive.db), TOKEN), base_url=ROOM,
                        follow_redirects=False)
    for path in hostile_paths():
        check_answer(client, "GET", f"{path}?token={quote(TOKEN)}&q=%0D%0A", {"Cookie": "a@b=1"})
        check_answer(client, "GET", path, {"Cookie": f"a@b=1; mediawatch_token={TOKEN}"})
    assert digest(archive.db) == before, "the archive changed"
