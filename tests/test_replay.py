"""The replay of the outlet, checked over real HTTP against its own manifest."""

from __future__ import annotations

import http.client
import json
import re
import socket
import urllib.error
import urllib.request
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest
from lxml import etree

from replay.corpus import ALL_SECTIONS, FIELD_EDITS, Corpus, base_blocks
from replay.faults import FaultError, parse_fault
from replay.server import ReplayServer

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_PLAIN = urllib.request.build_opener(_NoRedirect)
_FOLLOW = urllib.request.build_opener()


def fetch(url: str, follow: bool = False, method: str = "GET", data: bytes | None = None,
          headers: dict | None = None) -> tuple[int, dict, bytes, str]:
    """Status, headers, body and final URL; 3xx are returned as they are unless `follow`."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with (_FOLLOW if follow else _PLAIN).open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read(), response.url
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read(), error.url


def page(url: str) -> lxml.html.HtmlElement:
    status, _, body, _ = fetch(url)
    assert status == 200, url
    return lxml.html.fromstring(body)


def live(manifest: dict) -> list[dict]:
    return [a for a in manifest["articles"] if a["status"] == 200]


def split_byline(line: str) -> tuple[list[str], list[str]]:
    """The documented rule (replay.text.byline) that the manifest's authors/credits follow."""
    authors: list[str] = []
    photos: list[str] = []
    for part in re.split(r"\.\s+|,\s+(?=фото\s)", line.strip()):
        part = part.strip().rstrip(".")
        if match := re.match(r"^(?:Фото:|фото|Photo by|Photo from)\s+(.*)$", part):
            photos += re.split(r",\s+|\s+(?:и|and)\s+", match[1])
        else:
            names = re.split(r",\s+|\s+(?:и|and)\s+", re.sub(r"^(?:Текст|Мәтін):\s*", "", part))
            authors += names
    return authors, photos


def article_view(root: lxml.html.HtmlElement) -> dict:
    """What an extractor would read off an article page, in either layout."""
    if root.cssselect("ol.breadcrumb li.has-title h1.title"):
        return classic_article_view(root)
    body = root.cssselect("div.default-item-in")[0]
    paragraphs = [p.text_content() for p in body.findall("p")
                  if not p.get("class") and p.find("img") is None]
    byline = root.cssselect("div.author-line")[0].text_content()
    return {
        "title": root.cssselect("li.has-title h1")[0].text_content(),
        "canonical": root.cssselect('link[rel="canonical"]')[0].get("href"),
        "published": root.cssselect('meta[property="article:published_time"]')[0].get("content"),
        "modified": next((m.get("content") for m in
                          root.cssselect('meta[property="article:modified_time"]')), None),
        "byline": byline,
        "people": split_byline(byline),
        "lead": root.cssselect("div.item-lead")[0].text_content(),
        "body": paragraphs,
        "captions": [p.text_content() for p in body.cssselect("p.img-caption")],
        "editions": [a.get("href") for a in body.cssselect("p.other-edition a")],
        "tags": [a.text_content() for a in root.cssselect("div.item-tags a")],
        "tag_links": [a.get("href") for a in root.cssselect("div.item-tags a")],
        "cover": root.cssselect("figure.item-cover img")[0].get("src"),
        "cover_caption": root.cssselect("figure.item-cover figcaption")[0].text_content(),
        "views": root.cssselect("li.views")[0].text_content().strip(),
    }


def classic_article_view(root: lxml.html.HtmlElement) -> dict:
    """The classic layout: breadcrumb title, meta author, `DD.MM.YYYY, HH:MM` (UTC+6 before 2022),
    captions above their photos, the photo credits in a closing `Текст: … Фото: …` line."""
    body = root.cssselect("div.default-item-in")[0]
    paragraphs = [p.text_content() for p in body.findall("p")
                  if not p.get("class") and p.find("img") is None and p.find("strong") is None]
    credits = [p.text_content() for p in body.findall("p") if p.find("strong") is not None]
    photos = re.split(r":\s+", credits[0].rsplit(". ", 1)[1], maxsplit=1)[1] if credits else ""
    time = root.cssselect("time.news-date.js-date-long")[0]
    printed = datetime.strptime(time.text_content(), "%d.%m.%Y, %H:%M")
    assert printed.date().isoformat() == time.get("datetime")
    tag_links = root.cssselect("ul.tags-list a")
    return {
        "title": root.cssselect("ol.breadcrumb li.has-title h1.title")[0].text_content(),
        "canonical": root.cssselect('link[rel="canonical"]')[0].get("href"),
        "published": printed.isoformat() + "+06:00",
        "modified": next((m.get("content") for m in
                          root.cssselect('meta[property="article:modified_time"]')), None),
        "byline": root.cssselect('meta[name="author"]')[0].get("content"),
        "people": (root.cssselect('meta[name="author"]')[0].get("content").split(", "),
                   photos.split(", ") if photos else []),
        "lead": root.cssselect("div.default-item-desc p")[0].text_content(),
        "body": paragraphs,
        "captions": [p.text_content() for p in body.cssselect("p.img-caption")],
        "editions": [a.get("href") for a in body.cssselect("p.other-edition a")],
        "tags": [a.text_content().removeprefix("#") for a in tag_links],
        "tag_links": [a.get("href") for a in tag_links],
        "cover": root.cssselect("div.item-cover img")[0].get("src"),
        "cover_caption": root.cssselect("div.item-cover div.img-caption")[0].text_content(),
        "views": root.cssselect("i.icon--view-gray")[0].tail.strip(),
    }


# Manifest field -> what article_view calls it, where the names differ.
FIELD_VIEW = {"cover_image": "cover"}


def normalised(body: bytes) -> bytes:
    """A page without the parts that change on every request."""
    body = re.sub(rb'<li class="views">.*?</li>', b"", body)
    return re.sub(rb'<aside class="popular">.*?</aside>', b"", body, flags=re.S)


def crawl_listing(base: str, first: str) -> tuple[list[str], list[str]]:
    """Article paths and visited page URLs of one listing, following rel=next."""
    found: list[str] = []
    visited: list[str] = []
    url: str | None = urljoin(base, first)
    last = None
    while url:
        root = page(url)
        visited.append(url)
        for item in root.cssselect("div.news-inline-item.media > div.news-inline-item-body"):
            link = item.find("a")
            assert link.find("b") is not None and item.find("time").get("datetime")
            found.append(link.get("href"))
        last = urljoin(base, root.cssselect('link[rel="last"]')[0].get("href"))
        following = root.cssselect('link[rel="next"]')
        url = urljoin(base, following[0].get("href")) if following else None
    assert last == visited[-1] or (len(visited) == 1 and last.endswith("/1/?archive=1"))
    return found, visited


# ---------------------------------------------------------------------------- discovery


def test_listings_reach_every_live_article(replay_server):
    manifest = replay_server.manifest()
    base = replay_server.base_url
    seen: list[str] = []
    for section in ALL_SECTIONS:
        paths, visited = crawl_listing(base, f"/{section}/?archive=1")
        assert all(path.startswith(f"/{section}/") for path in paths)
        expected = sorted((a for a in live(manifest) if a["section"] == section),
                          key=lambda a: (a["published"][:19], a["id"]), reverse=True)
        assert paths == [a["path"] for a in expected]  # newest first
        assert all(len(page(url).cssselect("div.news-inline-item")) <= 20 for url in visited)
        seen += paths
    assert sorted(seen) == sorted(a["path"] for a in live(manifest))
    paged = [s for s in ("vlast-qazaqsha", "english") if len(crawl_listing(
        base, f"/{s}/?archive=1")[1]) > 1]
    assert paged, "the editions should need more than one listing page"


def test_old_listing_scheme_matches_archive_pages(replay_server):
    base = replay_server.base_url
    for number in (1, 2):
        old = page(f"{base}/novosti/{number}").cssselect("div.news-inline-item a")
        new = page(f"{base}/novosti/{number}/?archive=1").cssselect("div.news-inline-item a")
        assert [a.get("href") for a in old] == [a.get("href") for a in new] != []
    assert fetch(f"{base}/novosti/99/?archive=1")[0] == 404


def test_feed_and_sitemaps_cover_the_articles(replay_server):
    manifest = replay_server.manifest()
    base = replay_server.base_url
    status, headers, body, _ = fetch(base + "/feed/")
    assert status == 200 and "rss" in headers["Content-Type"]
    channel = etree.fromstring(body).find("channel")
    items = channel.findall("item")
    newest = sorted(live(manifest), key=lambda a: (a["published"][:19], a["id"]), reverse=True)
    assert [i.findtext("link") for i in items] == [a["url"] for a in newest[:30]]
    assert {a["language"] for a in newest[:30]} == {"ru", "kk", "en"}
    by_url = {a["url"]: a for a in manifest["articles"]}
    for item in items:
        stamp = parsedate_to_datetime(item.findtext("pubDate"))
        assert stamp.isoformat() == by_url[item.findtext("link")]["published"]

    index = etree.fromstring(fetch(base + "/sitemap.xml")[2])
    urls: dict[str, str] = {}
    for entry in index.findall("s:sitemap", SITEMAP_NS):
        assert entry.findtext("s:lastmod", namespaces=SITEMAP_NS)
        monthly = etree.fromstring(fetch(entry.findtext("s:loc", namespaces=SITEMAP_NS))[2])
        for url in monthly.findall("s:url", SITEMAP_NS):
            urls[url.findtext("s:loc", namespaces=SITEMAP_NS)] = url.findtext(
                "s:lastmod", namespaces=SITEMAP_NS)
    assert sorted(urls) == sorted(a["url"] for a in live(manifest))
    assert all(urls[a["url"]] == (a["modified"] or a["published"]) for a in live(manifest))


def test_home_and_other_pages_link_articles_but_are_not_articles(replay_server):
    manifest = replay_server.manifest()
    base = replay_server.base_url
    home = page(base + "/")
    assert home.cssselect('link[rel="alternate"][type="application/rss+xml"]')[0].get(
        "href") == "/feed/"
    links = [a.get("href") for a in home.cssselect("a")]
    for section in ALL_SECTIONS:
        assert f"/{section}/" in links
    paths = {a["path"] for a in live(manifest)}
    article = next(a for a in live(manifest) if a["language"] == "ru" and a["tags"])
    tag_link = page(base + article["path"]).cssselect("div.item-tags a, ul.tags-list a")[0].get(
        "href")
    author = next(h for h in links if h.startswith("/author/"))
    word = article["title"].split()[-1]
    for url in ("/", tag_link, author, "/search/?query=" + urllib.request.quote(word)):
        root = page(base + url)
        assert not root.cssselect('meta[property="og:type"][content="article"]')
        assert not root.cssselect("li.has-title h1")
        assert {a.get("href") for a in root.cssselect("div.news-inline-item a")} & paths, url
    found = page(base + "/search/?query=" + urllib.request.quote(word))
    assert article["path"] in [a.get("href") for a in found.cssselect("div.news-inline-item a")]
    assert tag_link in [a.get("href") for a in home.cssselect("a")]


# ---------------------------------------------------------------------------- articles


def test_article_pages_match_the_manifest(replay_server):
    manifest = replay_server.manifest()
    base = replay_server.base_url
    paths = {a["id"]: a["path"] for a in manifest["articles"]}
    for article in live(manifest):
        view = article_view(page(base + article["path"]))
        assert view["title"] == article["title"]
        assert view["canonical"] == article["url"]
        assert view["published"] == article["published"]
        assert view["modified"] == article["modified"]
        assert view["lead"] == article["lead"]
        assert view["body"] == article["body"]
        assert not set(view["captions"]) & set(article["body"])
        assert view["people"] == (article["authors"], article["photo_credits"])
        assert view["tags"] == article["tags"]
        assert all(link.startswith("/tags/") for link in view["tag_links"])
        assert base + view["cover"] == article["cover_image"]
        assert view["cover_caption"] == article["cover_caption"]
        expected = [paths[i] for i in article["translations"]] if article[
            "translation_links"] else []
        assert sorted(view["editions"]) == sorted(expected)
        assert 4 <= len(article["body"]) <= 12


def test_view_counter_and_popular_block_change_on_every_request(replay_server):
    article = live(replay_server.manifest())[0]
    first = fetch(replay_server.base_url + article["path"])[2]
    second = fetch(replay_server.base_url + article["path"])[2]
    assert first != second and normalised(first) == normalised(second)
    popular = [lxml.html.fromstring(b).cssselect("aside.popular a") for b in (first, second)]
    assert [a.get("href") for a in popular[0]] != [a.get("href") for a in popular[1]]


def test_kz_prefix_serves_the_same_article(replay_server):
    base = replay_server.base_url
    for article in live(replay_server.manifest())[:12]:
        plain = article_view(page(base + article["path"]))
        prefixed = article_view(page(base + "/kz" + article["path"]))
        plain.pop("views")
        prefixed.pop("views")
        assert prefixed == plain
        assert prefixed["canonical"] == article["url"]
    assert page(base + "/kz/").cssselect("div.news-inline-item")
    assert fetch(base + "/kz/feed/")[0] == 200


def test_old_style_and_non_canonical_urls_redirect(replay_server):
    manifest = replay_server.manifest()
    base = replay_server.base_url
    old_style = [a for a in live(manifest) if re.search(r"_.*-\d+$", a["slug"])]
    assert len(old_style) >= 2
    for article in old_style:
        assert article["slug"].endswith(f"-{article['id']}")
        assert fetch(base + article["path"])[0] == 200
        assert fetch(base + f"/{article['section']}/{article['id']}-x.html")[1][
            "Location"] == article["url"]
    article = next(a for a in live(manifest) if "_" not in a["slug"])
    other = "english" if article["section"] != "english" else "politika"
    slug_underscored = article["slug"].replace("-", "_")
    for wrong in (f"/{article['section']}/{article['id']}-{slug_underscored}-{article['id']}.html",
                  f"/{other}/{article['id']}-{article['slug']}.html",
                  f"/{article['section']}/{article['id']}-another-slug.html"):
        status, headers, _, _ = fetch(base + wrong)
        assert (status, headers["Location"]) == (301, article["url"])
        assert fetch(base + wrong, follow=True)[3] == article["url"]
    status, headers, _, _ = fetch(base + f"/kz/{other}/{article['id']}-x.html")
    assert (status, headers["Location"]) == (301, base + "/kz" + article["path"])


def test_removed_articles_answer_their_status(replay_server):
    manifest = replay_server.manifest()
    gone = [a for a in manifest["articles"] if a["status"] != 200]
    assert gone
    for article in gone:
        status, headers, body, _ = fetch(replay_server.base_url + article["path"])
        assert status == article["status"]
        if status == 302:
            assert headers["Location"] == replay_server.base_url + "/"
        else:
            assert b"<html" in body and b"has-title" not in body


def test_robots_and_not_found(replay_server):
    base = replay_server.base_url
    status, headers, body, _ = fetch(base + "/robots.txt")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    text = body.decode()
    assert "Disallow: /_replay/" in text and "Disallow: /search/" in text
    assert f"Sitemap: {base}/sitemap.xml" in text
    for missing in ("/nothing-here", "/politika/1-unknown.html", "/tags/unknown/",
                    "/sitemap-1999-01.xml", "/rss"):
        status, headers, body, _ = fetch(base + missing)
        assert status == 404 and headers["Content-Type"].startswith("text/html"), missing
        assert b"</html>" in body
    assert fetch(base + "/", headers={"Host": "vlast.test"})[2].count(b"http://vlast.test") == 0
    assert b"http://vlast.test/sitemap.xml" in fetch(base + "/robots.txt",
                                                     headers={"Host": "vlast.test"})[2]


def test_manifest_endpoint_matches_the_server_object(replay_server):
    status, headers, body, _ = fetch(replay_server.base_url + "/_replay/manifest.json")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    assert json.loads(body) == replay_server.manifest()


# ---------------------------------------------------------------------------- corpus


def test_corpus_shape():
    state = Corpus(180, seed=1).state(0)
    articles = list(state.articles.values())
    assert len(articles) == 180
    per_language = {lang: sum(a.language == lang for a in articles) for lang in ("ru", "kk", "en")}
    assert all(50 <= count <= 70 for count in per_language.values())
    assert all(40000 <= a.id <= 70000 for a in articles) and len(state.articles) == 180
    stories: dict[int, list] = {}
    for article in articles:
        stories.setdefault(article.story, []).append(article)
    assert {len(group) for group in stories.values()} == {1, 2, 3}
    for group in stories.values():
        assert len({a.published for a in group}) == 1 and len({a.cover for a in group}) == 1
        assert len({a.language for a in group}) == len(group)
    unlinked = {a.story for a in articles if not a.translation_links}
    assert len(unlinked) >= 2 and all(len(stories[s]) > 1 for s in unlinked)
    copies = [a for a in articles if a.duplicate_of]
    assert len(copies) >= 2
    for copy in copies:
        assert copy.body() == state.articles[copy.duplicate_of].body()
        assert copy.id != copy.duplicate_of
    years = {a.published.year for a in articles}
    assert min(years) == 2021 and max(years) == 2026
    for article in articles:
        before = article.published.replace(tzinfo=None) < article.published.replace(
            year=2024, month=3, day=1, hour=0, minute=0).replace(tzinfo=None)
        assert article.published.utcoffset().total_seconds() == (6 if before else 5) * 3600
    ru = " ".join(" ".join(a.body()) for a in articles if a.language == "ru")
    kk = " ".join(" ".join(a.body()) for a in articles if a.language == "kk")
    assert "ё" in ru and all(word in ru for word in ("митинг ", "митинга", "митинге", "митингов"))
    assert all(letter in kk for letter in "әғқңөұүһі")
    bylines = " | ".join(a.byline for a in articles)
    for style in ("Текст: ", ". Фото: ", ", фото ", " и ", ". Photo by ", ". Photo from ",
                  "Мәтін: ", " and "):
        assert style in bylines, style
    assert any(a.images for a in articles)


def test_every_change_kind_every_epoch():
    corpus = Corpus(180, seed=1)
    kinds = {"new", "typo", "rewrite", "paragraph_added", "paragraph_removed", "headline",
             "byline", "moved", "removed", "lead", "tags", "cover", "dates"}
    for epoch in range(1, 6):
        changes = corpus.state(epoch).changes
        assert {c["field"] for c in changes if "field" in c} == set(FIELD_EDITS), epoch
        # Only what was taken down at a watched epoch can come back, so never at epoch 1.
        expected = kinds if epoch == 1 else kinds | {"restored"}
        assert {c["kind"] for c in changes} == expected, epoch
        assert len({c["id"] for c in changes}) == len(changes)
        assert {c["status"] for c in changes if c["kind"] == "removed"} == {404, 410, 302}
        stealth = {c["stealth"] for c in changes if "stealth" in c}
        assert stealth == {True, False}
    assert {c["kind"] for c in Corpus(60, seed=9).state(1).changes} == kinds


def test_a_large_corpus_builds_each_body_only_when_its_page_is_asked_for():
    """What keeps a large replay quick to start and to serve (timed in bench/, not here)."""
    base_blocks.cache_clear()
    server = ReplayServer(articles=10_000, seed=4)
    state = server.app.state
    assert len(state.articles) == 10_000
    assert base_blocks.cache_info().misses == 0
    pages = [server.app.page("GET", article.path, "http://x") for article in state.live[:200]]
    assert {page.status for page in pages} == {200}
    assert base_blocks.cache_info().misses == 200
    server.stop()


# ---------------------------------------------------------------------------- epochs


def test_epochs_follow_the_manifest(make_replay):
    server = make_replay(articles=120, seed=7)
    base = server.base_url
    before = {a["id"]: a for a in server.manifest()["articles"]}
    assert server.manifest()["changes"] == []
    assert fetch(base + "/_replay/epoch/1", method="POST", data=b"")[0] == 200
    manifest = json.loads(fetch(base + "/_replay/manifest.json")[2])
    assert manifest["epoch"] == 1
    after = {a["id"]: a for a in manifest["articles"]}
    changed = {c["id"]: c for c in manifest["changes"]}
    for article_id, article in before.items():
        if article_id not in changed:
            assert after[article_id] == article
    for article_id, change in changed.items():
        old, new, kind = before.get(article_id), after[article_id], change["kind"]
        status, headers, body, _ = fetch(base + new["path"])
        if kind == "new":
            assert old is None and status == 200
        elif kind == "removed":
            assert status == change["status"] == new["status"]
            assert fetch(base + old["path"])[0] == status
        elif kind == "restored":
            assert old["status"] != 200 and status == 200
            assert {**old, "status": 200} == new
        elif kind == "moved":
            assert new["path"] != old["path"] == change["old_path"]
            moved_status, moved_headers, _, _ = fetch(base + old["path"])
            assert (moved_status, moved_headers["Location"]) == (301, new["url"])
        else:
            view = article_view(lxml.html.fromstring(body))
            assert view["body"] == new["body"] and view["title"] == new["title"]
            assert view["people"] == (new["authors"], new["photo_credits"])
            if "field" not in change:  # a one-field edit moves only its field (checked below)
                if change["stealth"]:
                    assert new["modified"] == old["modified"] == view["modified"]
                else:
                    assert new["modified"] and new["modified"] != old["modified"]
                    assert view["modified"] == new["modified"] > new["published"]
        if "field" in change:
            field = change["field"]
            differ = {name for name in new if new[name] != old[name]} - {"url", "path"}
            assert differ == {field}, change
            if kind != "moved" and FIELD_VIEW.get(field, field) in view:  # byline: above
                shown = {"cover_image": new["cover_image"].removeprefix(base)}.get(field,
                                                                                 new[field])
                assert view[FIELD_VIEW.get(field, field)] == shown
        if kind == "headline":
            assert new["title"] != old["title"] and new["body"] == old["body"]
        if kind == "byline":
            assert (new["authors"], new["photo_credits"]) != (old["authors"], old["photo_credits"])
        if kind in ("typo", "rewrite"):
            pairs = [(a, b) for a, b in zip(old["body"], new["body"], strict=True) if a != b]
            assert len(pairs) == 1
            if kind == "typo":
                a, b = pairs[0]
                assert len(a) == len(b) and 1 <= sum(x != y for x, y in zip(a, b, strict=True)) <= 3
        if kind == "paragraph_added":
            assert len(new["body"]) == len(old["body"]) + 1
        if kind == "paragraph_removed":
            assert len(new["body"]) == len(old["body"]) - 1
    server.set_epoch(0)
    assert {a["id"]: a for a in server.manifest()["articles"]} == before


def test_epoch_is_deterministic_and_order_free(make_replay):
    direct = make_replay(articles=90, seed=3, epoch=3)
    stepped = make_replay(articles=90, seed=3)
    for epoch in (2, 1, 3):
        stepped.set_epoch(epoch)
    strip = lambda m: json.loads(json.dumps(m).replace(stepped.base_url, direct.base_url))  # noqa: E731
    assert strip(stepped.manifest()) == direct.manifest()


# ---------------------------------------------------------------------------- determinism


def test_same_seed_same_site(replay_server, make_replay):
    twin = make_replay(articles=180, seed=1)
    origin_a, origin_b = replay_server.base_url, twin.base_url
    manifest_a = replay_server.manifest()
    assert json.dumps(twin.manifest()).replace(origin_b, origin_a) == json.dumps(manifest_a)
    host = {"Host": "vlast.test"}
    paths = ["/", "/feed/", "/sitemap.xml", "/robots.txt", "/novosti/?archive=1",
             "/english/2/?archive=1", "/search/?query=Alma"]
    paths += [a["path"] for a in live(manifest_a)[::7]]
    for path in paths:
        one = fetch(origin_a + path, headers=host)
        two = fetch(origin_b + path, headers=host)
        assert one[0] == two[0] == 200
        assert normalised(one[2]) == normalised(two[2]), path


def test_different_seeds_differ(make_replay):
    one = make_replay(articles=60, seed=1).manifest()
    two = make_replay(articles=60, seed=2).manifest()
    assert [a["title"] for a in one["articles"]] != [a["title"] for a in two["articles"]]


# ---------------------------------------------------------------------------- faults


def raw(server: ReplayServer, path: str, timeout: float = 5) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=timeout)
    connection.request("GET", path)
    return connection.getresponse()


@pytest.fixture(scope="module")
def faulty():
    server = ReplayServer(articles=30, seed=11).start()
    yield server
    server.stop()


@pytest.fixture
def fault_server(faulty):
    faulty.clear_faults()
    yield faulty
    faulty.clear_faults()


def some_article(server: ReplayServer) -> str:
    return live(server.manifest())[0]["path"]


@pytest.mark.parametrize("kind", ["500", "503", "429"])
def test_error_status_faults(fault_server, kind):
    path = some_article(fault_server)
    assert raw(fault_server, path).status == 200
    fault_server.set_faults([{"kind": kind}])
    response = raw(fault_server, path)
    assert response.status == int(kind)
    assert (response.getheader("Retry-After") == "1") == (kind == "429")
    assert raw(fault_server, "/_replay/manifest.json").status == 200


def test_fault_rate_count_and_path(fault_server):
    path = some_article(fault_server)
    fault_server.set_faults([{"kind": "503", "rate": 0.5, "path": "/english/"}])
    english = next(a["path"] for a in live(fault_server.manifest()) if a["section"] == "english")
    assert [raw(fault_server, english).status for _ in range(4)] == [200, 503, 200, 503]
    other = next(a["path"] for a in live(fault_server.manifest()) if a["section"] != "english")
    assert {raw(fault_server, other).status for _ in range(3)} == {200}
    fault_server.set_faults([{"kind": "500", "count": 2}])
    assert [raw(fault_server, path).status for _ in range(4)] == [500, 500, 200, 200]
    fault_server.clear_faults()
    assert {raw(fault_server, path).status for _ in range(3)} == {200}


def test_faults_over_http_endpoint(fault_server):
    base = fault_server.base_url
    spec = json.dumps([{"kind": "503", "rate": 1.0, "path": "/feed/", "count": None}]).encode()
    status, _, body, _ = fetch(base + "/_replay/faults", method="POST", data=spec,
                               headers={"Content-Type": "application/json"})
    assert status == 200 and json.loads(body)[0]["kind"] == "503"
    assert fetch(base + "/feed/")[0] == 503 and fetch(base + "/robots.txt")[0] == 200
    assert fetch(base + "/_replay/faults", method="POST", data=b'[{"kind": "x"}]')[0] == 400
    assert fetch(base + "/_replay/faults", method="DELETE")[0] == 200
    assert fetch(base + "/feed/")[0] == 200


def test_fault_specs():
    fault = parse_fault("503:0.2@/politika/")
    assert (fault.kind, fault.rate, fault.path) == ("503", 0.2, "/politika/")
    assert parse_fault("slow=5").seconds == 5 and parse_fault("truncate@/x/").rate == 1.0
    for bad in ("boom", "503:2", "503@politika"):
        with pytest.raises(FaultError):
            parse_fault(bad)


def test_slow_fault(fault_server):
    path = some_article(fault_server)
    fault_server.set_faults([{"kind": "slow", "seconds": 1.5, "count": 1}])
    picked = []
    pick = fault_server.app.faults.pick
    fault_server.app.faults.pick = lambda where: picked.append(pick(where)) or picked[-1]
    try:
        with pytest.raises(socket.timeout):
            raw(fault_server, path, timeout=0.3).read()
        assert raw(fault_server, path).status == 200
    finally:
        fault_server.app.faults.pick = pick
    assert [fault.kind if fault else None for fault in picked] == ["slow", None]


def test_reset_fault(fault_server):
    path = some_article(fault_server)
    fault_server.set_faults([{"kind": "reset"}])
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
        raw(fault_server, path).read()


def test_truncate_fault(fault_server):
    path = some_article(fault_server)
    fault_server.set_faults([{"kind": "truncate"}])
    response = raw(fault_server, path)
    declared = int(response.getheader("Content-Length"))
    with pytest.raises(http.client.IncompleteRead) as caught:
        response.read()
    assert len(caught.value.partial) == declared // 2


def test_charset_faults(fault_server):
    path = some_article(fault_server)
    proper = normalised(raw(fault_server, path).read())
    fault_server.set_faults([{"kind": "charset-cp1251-as-utf8"}])
    response = raw(fault_server, path)
    assert response.getheader("Content-Type") == "text/html; charset=utf-8"
    body = response.read()
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    decoded = lxml.html.fromstring(body.decode("cp1251"))
    title = lxml.html.fromstring(proper).cssselect("h1")[0].text_content()
    assert decoded.cssselect("h1")[0].text_content() == title
    fault_server.set_faults([{"kind": "charset-utf8-as-cp1251"}])
    response = raw(fault_server, path)
    assert response.getheader("Content-Type") == "text/html; charset=windows-1251"
    assert normalised(response.read()) == proper


def test_malformed_huge_and_redirect_loop_faults(fault_server):
    path = some_article(fault_server)
    proper = raw(fault_server, path).read()
    fault_server.set_faults([{"kind": "malformed"}])
    broken = raw(fault_server, path).read()
    assert broken != proper and b"</p>" not in broken and b"</html>" not in broken
    title = lxml.html.fromstring(proper).cssselect("h1")[0].text_content()
    assert lxml.html.fromstring(broken).cssselect("li.has-title h1")[0].text_content() == title
    fault_server.set_faults([{"kind": "huge", "count": 1}])
    response = raw(fault_server, path, timeout=30)
    assert int(response.getheader("Content-Length")) > 20 * 1024 * 1024
    assert len(response.read()) > 20 * 1024 * 1024
    fault_server.set_faults([{"kind": "redirect-loop"}])
    response = raw(fault_server, path)
    assert response.status == 302
    assert urlsplit(response.getheader("Location")).path == path
    fault_server.clear_faults()
    assert raw(fault_server, path).status == 200


def test_article_validators_answer_304_until_the_article_changes(make_replay):
    server = make_replay(articles=60, seed=1)
    change = None
    server.set_epoch(1)
    change = next(c for c in server.manifest()["changes"] if c["kind"] == "typo")
    server.set_epoch(0)
    url = next(a["url"] for a in server.manifest()["articles"] if a["id"] == change["id"])
    first = urllib.request.urlopen(url)
    etag = first.headers["ETag"]
    assert etag
    request = urllib.request.Request(url, headers={"If-None-Match": etag})
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(request)
    assert answer.value.code == 304
    server.set_epoch(1)
    assert urllib.request.urlopen(request).status == 200
