"""Every layout the outlet has had: the replay serves them, and a crawl reads each one whole."""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

import lxml.html

from replay.evaluate import COMPARED_FIELDS, score_archive
from replay.layouts import CLASSIC_UNTIL
from storage.archive import Archive

ROOT = Path(__file__).resolve().parent.parent
ARTICLE_LINK = re.compile(r'href="/[^"]+\.html"')


def crawl(base_url: str, db: Path, *options: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "cli", "crawl", "--base-url", base_url, "--db", str(db), *options],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def is_classic(article: dict) -> bool:
    return datetime.fromisoformat(article["published"]).replace(tzinfo=None) < CLASSIC_UNTIL


def page(url: str) -> lxml.html.HtmlElement:
    with urllib.request.urlopen(url) as response:
        return lxml.html.fromstring(response.read())


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def status_and_location(url: str) -> tuple[int, str | None]:
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url) as response:
            return response.status, None
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location")


def test_old_articles_stand_in_the_classic_layout_until_the_redesign(make_replay):
    server = make_replay(articles=60, seed=5, redesign_epoch=1)
    live = [a for a in server.manifest()["articles"] if a["status"] == 200]
    old = next(a for a in live if is_classic(a))
    new = next(a for a in live if not is_classic(a))
    assert page(server.url(old["path"])).cssselect("ol.breadcrumb li.has-title h1.title")
    assert not page(server.url(old["path"])).cssselect("div.author-line")
    assert page(server.url(new["path"])).cssselect("div.author-line")
    server.set_epoch(1)
    assert not page(server.url(old["path"])).cssselect("ol.breadcrumb")


def test_amp_and_slug_first_urls_lead_to_the_article(make_replay):
    server = make_replay(articles=60, seed=5)
    article = next(a for a in server.manifest()["articles"] if a["status"] == 200)
    amp = page(server.url("/amp" + article["path"]))
    assert amp.cssselect('link[rel="canonical"]')[0].get("href") == article["url"]
    section = article["section"]
    slug_first = f"/{section}/some_old_slug-{article['id']}.html"
    assert status_and_location(server.url(slug_first)) == (301, article["url"])


def test_a_crawl_reads_every_field_of_every_layout_and_a_redesign_adds_no_version(
        make_replay, tmp_path):
    server = make_replay(articles=90, seed=5, redesign_epoch=1)
    db = tmp_path / "layouts.db"
    crawl(server.base_url, db)
    manifest = server.manifest()
    live = [a for a in manifest["articles"] if a["status"] == 200]
    layouts = {"classic": [a for a in live if is_classic(a)],
               "today": [a for a in live if not is_classic(a)]}
    assert all(len(articles) >= 10 for articles in layouts.values())
    score = score_archive(str(db), manifest)
    assert score.missing == [] and score.extra == []
    for name, articles in layouts.items():
        ids = {a["id"] for a in articles}
        wrong = [m for m in score.mismatches if m[0] in ids]
        assert wrong == [], (name, wrong[:3])
    assert all(score.accuracy(name) == 1.0 for name in COMPARED_FIELDS)

    with Archive(db) as archive:
        versions = archive.db.execute("SELECT COUNT(*) FROM versions").fetchone()[0]
    server.set_epoch(1)  # every page moves to today's layout, and the epoch's edits are made
    crawl(server.base_url, db, "--mode", "revisit", "--everything")
    manifest = server.manifest()
    edits = [c for c in manifest["changes"] if c["kind"] not in ("new", "removed", "restored")]
    with Archive(db) as archive:
        versions_after = archive.db.execute("SELECT COUNT(*) FROM versions").fetchone()[0]
    assert versions_after - versions == len(edits)
    assert score_archive(str(db), manifest).mismatches == []


def test_articles_linked_only_by_their_amp_urls_are_archived_under_their_own(
        make_replay, tmp_path):
    server = make_replay(articles=60, seed=6)
    origin = server.base_url

    def amp_only(path: str, text: str) -> str:
        if path.startswith("/feed"):
            return text.replace(f"<link>{origin}/", f"<link>{origin}/amp/")
        return text if path.endswith(".html") else ARTICLE_LINK.sub('href="#"', text)

    server.app.transform = amp_only
    db = tmp_path / "amp.db"
    crawl(origin, db)
    with Archive(db) as archive:
        urls = [row[0] for row in archive.db.execute("SELECT url FROM articles")]
    feed_size = min(30, len([a for a in server.manifest()["articles"] if a["status"] == 200]))
    assert len(urls) == feed_size
    assert not [url for url in urls if "/amp/" in url]
