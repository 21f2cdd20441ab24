"""The replay of several outlets at once, over real HTTP: Vlast and two outlets built nothing
like it (replay/ledger.py, replay/agency.py), each checked against its own manifest."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest
from lxml import etree

from crawler.extract import extract_generic
from replay.newsroom import TEXT_KINDS
from replay.sites import Replays, make_app
from storage.records import normalise

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "a": "http://www.w3.org/2005/Atom"}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(url: str) -> tuple[int, dict, bytes]:
    try:
        with _OPENER.open(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def ok(url: str) -> bytes:
    status, _, body = fetch(url)
    assert status == 200, (url, status)
    return body


def xml(url: str) -> etree._Element:
    return etree.fromstring(ok(url))


@pytest.fixture(scope="module")
def replays():
    with Replays(["vlast", "ledger", "agency"], seed=3) as running:
        yield running


def manifest(server) -> dict:
    return json.loads(ok(server.base_url + "/_replay/manifest.json"))


def live(truth: dict) -> list[dict]:
    return [a for a in truth["articles"] if a["status"] == 200]


def test_three_outlets_answer_at_once_each_on_its_own_port(replays):
    ports = {server.port for server in replays.servers.values()}
    assert len(ports) == 3
    assert manifest(replays["vlast"])["articles"][0]["url"].endswith(".html")
    assert manifest(replays["ledger"])["key"] == "url"
    assert manifest(replays["agency"])["key"] == "id"


def test_outlets_can_stand_on_addresses_of_their_own():
    with Replays(["ledger", "agency"], articles=20, spread=True) as running:
        hosts = [urlsplit(server.base_url).hostname for server in running.servers.values()]
        assert hosts == ["127.0.0.1", "127.0.0.2"]
        assert b"Steppe Ledger" in ok(running["ledger"].base_url + "/")
        assert "Дала".encode() in ok(running["agency"].base_url + "/")


def test_the_corpus_is_the_same_for_the_same_seed():
    first, second = make_app("agency", seed=5), make_app("agency", seed=5)
    assert first.manifest("http://x") == second.manifest("http://x")
    assert make_app("agency", seed=6).manifest("http://x") != first.manifest("http://x")


# ---- the Steppe Ledger --------------------------------------------------------------------------

def test_ledger_articles_live_at_date_paths_with_json_ld(replays):
    base = replays["ledger"].base_url
    truth = live(manifest(replays["ledger"]))
    assert len(truth) >= 110
    for article in truth[:: max(1, len(truth) // 12)]:
        path = urlsplit(article["url"]).path
        assert path == f"/{article['published'][:10].replace('-', '/')}/{path.split('/')[4]}/"
        body = ok(article["url"])
        assert len(body) > 90_000  # the weight of a real page
        doc = lxml.html.fromstring(body)
        data = json.loads(doc.xpath("//script[@type='application/ld+json']/text()")[0])
        news = next(item for item in data.get("@graph", [data]) if item["@type"] == "NewsArticle")
        assert news["headline"] == article["title"]
        assert news["datePublished"] == article["published"]
        assert news["dateModified"] == article["modified"]
        assert [a["name"] for a in news["author"]] == article["authors"]
        assert doc.xpath("//link[@rel='canonical']/@href") == [article["url"]]
        for vlast_markup in (b"default-item-in", b"has-title", b"news-inline-item", b"Vlast"):
            assert vlast_markup not in body
        # the same page without its final slash, or with a parameter, is sent to the canonical URL
        status, headers, _ = fetch(article["url"].rstrip("/") + "?ref=home")
        assert (status, headers["Location"]) == (301, article["url"])
    assert fetch(base + "/2025/01/01/no-such-story/")[0] == 404


def test_ledger_sitemap_index_lists_every_live_article_and_pages_that_are_not(replays):
    base = replays["ledger"].base_url
    robots = ok(base + "/robots.txt").decode()
    assert f"Sitemap: {base}/sitemap_index.xml" in robots
    index = xml(base + "/sitemap_index.xml")
    children = index.xpath("//s:sitemap/s:loc/text()", namespaces=NS)
    posts = [loc for loc in children if "/post-sitemap" in loc]
    assert len(posts) >= 3 and f"{base}/page-sitemap.xml" in children
    listed = [loc for child in posts for loc in xml(child).xpath("//s:loc/text()", namespaces=NS)
              if not loc.endswith(".jpg")]
    assert sorted(listed) == sorted(a["url"] for a in live(manifest(replays["ledger"])))
    pages = xml(base + "/page-sitemap.xml").xpath("//s:loc/text()", namespaces=NS)
    assert f"{base}/about/" in pages and all(ok(url) for url in pages)
    news = xml(base + "/news-sitemap.xml").xpath("//s:loc/text()", namespaces=NS)
    assert news and set(news) <= set(listed)


def test_ledger_atom_feed_is_named_in_the_head_and_holds_the_newest(replays):
    base = replays["ledger"].base_url
    home = lxml.html.fromstring(ok(base + "/"))
    assert home.xpath("//link[@rel='alternate'][@type='application/atom+xml']/@href") == [
        "/feed/atom/"]
    feed = xml(base + "/feed/atom/")
    links = feed.xpath("//a:entry/a:link/@href", namespaces=NS)
    newest = sorted(live(manifest(replays["ledger"])), key=lambda a: a["published"],
                    reverse=True)[:20]
    assert set(links) == {a["url"] for a in newest}


def test_ledger_sections_are_paged_listings(replays):
    base = replays["ledger"].base_url
    truth = [a for a in live(manifest(replays["ledger"])) if a["section"] == "politics"]
    found, url = set(), base + "/section/politics/"
    while url:
        doc = lxml.html.fromstring(ok(url))
        found |= {base + href for href in doc.xpath("//a[@class='card__link']/@href")}
        url = next((base + h for h in doc.xpath("//a[contains(@class, 'next')]/@href")), None)
    assert found == {a["url"] for a in truth}


# ---- the Dala agency -----------------------------------------------------------------------------

def test_agency_numbers_its_articles_in_the_query_and_has_no_sitemap(replays):
    base = replays["agency"].base_url
    truth = live(manifest(replays["agency"]))
    assert {a["language"] for a in truth} == {"ru", "kk"}
    assert "Sitemap:" not in ok(base + "/robots.txt").decode()
    assert fetch(base + "/sitemap.xml")[0] == 404
    for article in truth[:: max(1, len(truth) // 10)]:
        query = parse_qs(urlsplit(article["url"]).query)
        assert query["id"] == [str(article["key"])]
        assert query.get("lang") == (["kz"] if article["language"] == "kk" else None)
        body = ok(article["url"])
        assert len(body) > 65_000
        doc = lxml.html.fromstring(body)
        assert doc.xpath("/html/@lang") == [article["language"]]
        assert doc.xpath("//h1/text()") == [article["title"]]
        assert doc.xpath("//*[@itemprop='datePublished']/@content") == [article["published"]]
    kazakh = next(a for a in truth if a["language"] == "kk")
    status, headers, _ = fetch(f"{base}/news.php?id={kazakh['key']}")
    assert (status, headers["Location"]) == (301, kazakh["url"])


def test_agency_editions_have_home_pages_and_feeds_of_their_own(replays):
    base = replays["agency"].base_url
    truth = live(manifest(replays["agency"]))
    for language, home, feed in (("ru", "/", "/rss/ru.xml"), ("kk", "/?lang=kz", "/rss/kz.xml")):
        doc = lxml.html.fromstring(ok(base + home))
        assert doc.xpath("//link[@type='application/rss+xml']/@href") == [feed]
        hreflang = dict(zip(doc.xpath("//link[@hreflang]/@hreflang"),
                            doc.xpath("//link[@hreflang]/@href"), strict=True))
        assert hreflang["ru"] == base + "/" and hreflang["kk"] == base + "/?lang=kz"
        channel = xml(base + feed)
        assert channel.xpath("//language/text()") == [language]
        links = channel.xpath("//item/link/text()")
        newest = sorted((a for a in truth if a["language"] == language),
                        key=lambda a: (a["published"], a["key"]), reverse=True)[:30]
        assert links == [a["url"] for a in newest]


def test_agency_archive_lists_every_live_article_of_an_edition(replays):
    base = replays["agency"].base_url
    truth = live(manifest(replays["agency"]))
    for language, first in (("ru", "/archive.php"), ("kk", "/archive.php?lang=kz")):
        found, url = [], base + first
        while url:
            doc = lxml.html.fromstring(ok(url))
            found += [base + href for href in doc.xpath("//table//a/@href")]
            url = next((base + h for h in doc.xpath("//a[@class='next']/@href")), None)
        assert sorted(found) == sorted(a["url"] for a in truth if a["language"] == language)


def test_agency_translations_are_linked_by_hreflang_and_at_the_end(replays):
    truth = live(manifest(replays["agency"]))
    by_url = {a["url"]: a for a in truth}
    linked = [a for a in truth if a["translations"] and a["translations_linked"]
              and all(t in by_url for t in a["translations"])]
    unlinked = [a for a in truth if a["translations"] and not a["translations_linked"]]
    assert len(linked) >= 10 and unlinked
    for article in linked[:8]:
        doc = lxml.html.fromstring(ok(article["url"]))
        other = article["translations"][0]
        language = by_url[other]["language"]
        assert doc.xpath(f"//link[@rel='alternate'][@hreflang='{language}']/@href") == [other]
        end = doc.xpath("//div[@class='news-translation']/a/@href")
        assert [urlsplit(article["url"])._replace(path="", query="").geturl() + href
                for href in end] == [other]
    for article in unlinked[:3]:
        doc = lxml.html.fromstring(ok(article["url"]))
        assert not doc.xpath("//link[@hreflang]") and not doc.xpath("//div[@class='news-translation']")


# ---- epochs and their ground truth --------------------------------------------------------------

def _changed_as_told(before: dict | None, after: dict, change: dict) -> None:
    kind = change["kind"]
    if kind == "new":
        assert before is None and after["status"] == 200
        return
    if kind == "removed":
        assert before["status"] == 200 and after["status"] == change["status"] in (404, 410)
        return
    if kind == "restored":
        assert before["status"] != 200 and after["status"] == 200
        return
    field = {"headline": "title", "byline": "authors", "lead": "lead", "tags": "tags"}.get(kind)
    differing = {name for name in ("title", "authors", "lead", "tags", "body")
                 if before[name] != after[name]}
    assert differing == {field or "body"}, (kind, differing)
    if kind == "paragraph_added":
        assert len(after["body"]) == len(before["body"]) + 1
    if kind == "paragraph_removed":
        assert len(after["body"]) == len(before["body"]) - 1
    if kind in ("typo", "rewrite"):
        assert len(after["body"]) == len(before["body"])
        assert sum(a != b for a, b in zip(before["body"], after["body"], strict=True)) == 1
    assert change["stealth"] == (kind in TEXT_KINDS and before["modified"] == after["modified"])


@pytest.mark.parametrize("name", ["ledger", "agency"])
def test_the_next_epoch_changes_exactly_what_its_manifest_says(name):
    with Replays([name], seed=4) as running:
        server = running[name]
        before = {a["key"]: a for a in manifest(server)["articles"]}
        server.set_epoch(1)
        truth = manifest(server)
        after = {a["key"]: a for a in truth["articles"]}
        changes = truth["changes"]
        kinds = {change["kind"] for change in changes}
        assert kinds >= {"new", "typo", "rewrite", "paragraph_added", "paragraph_removed",
                         "headline", "lead", "removed"}
        assert len({change["key"] for change in changes}) == len(changes)  # one change each
        for change in changes:
            _changed_as_told(before.get(change["key"]), after[change["key"]], change)
            page = fetch(change["url"])
            assert page[0] == after[change["key"]]["status"]
            if page[0] == 200:
                record = extract_generic(page[2], change["url"])
                assert record.title == after[change["key"]]["title"]
        untouched = set(before) - {change["key"] for change in changes}
        assert all(before[key] == after[key] for key in untouched)
        if name == "agency":  # no modified date on its pages: every edit of text is stealth
            assert all(c["stealth"] for c in changes if c["kind"] in TEXT_KINDS)
        else:
            assert {c["stealth"] for c in changes if c["kind"] in TEXT_KINDS} == {True, False}


def test_faults_apply_to_each_outlet_of_its_own():
    with Replays(["ledger", "agency"], articles=20) as running:
        running["agency"].set_faults(["503@/news.php"])
        url = live(manifest(running["agency"]))[0]["url"]
        assert fetch(url)[0] == 503
        assert fetch(live(manifest(running["ledger"]))[0]["url"])[0] == 200
        running["agency"].clear_faults()
        assert fetch(url)[0] == 200


@pytest.mark.parametrize("name", ["ledger", "agency"])
def test_the_generic_path_reads_their_titles_dates_and_languages(replays, name):
    """The pages are real enough for the generic extractor: what a crawl of an added outlet
    will read (its body F1 is the crawl's to measure)."""
    truth = live(manifest(replays[name]))
    for article in truth[:: max(1, len(truth) // 15)]:
        record = extract_generic(ok(article["url"]), article["url"])
        assert record.title == article["title"]
        assert record.published == article["published"]
        assert record.language == article["language"]
        assert normalise(record.lead) == normalise(article["lead"])


def test_the_generic_path_keeps_the_paragraphs_of_every_ledger_page():
    """Bodies as the truth has them, paragraph by paragraph, on both layouts and at the next
    epoch (where a trafilatura fallback gives the text as one block of paragraphs, they are
    those paragraphs: a change of kind `paragraph_removed` must not read as a `rewrite`)."""
    from crawler.outlet_pages import extract_outlet
    from outlets.definition import Outlet

    outlet = Outlet.from_dict({"name": "ledger", "home": "http://x", "articles": {
        "patterns": [r"^/\d{4}/\d{2}/\d{2}/[^/]+/$"], "query": []}})
    app = make_app("ledger", articles=70, seed=6)
    for epoch in (0, 1):
        app.set_epoch(epoch)
        truth = {a["url"]: a for a in app.manifest("http://x")["articles"] if a["status"] == 200}
        for url, article in truth.items():
            page = app.page("GET", url.removeprefix("http://x"), "http://x")
            record = extract_outlet(outlet, page.body, url)
            assert record.body == article["body"], url
            assert record.lead == article["lead"]
