"""What a site's documents say about it as an outlet (crawler/detection.py, pure functions), and
the rules of the plain client that fetches them (crawler/fetcher.py)."""

from __future__ import annotations

import gzip
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import lxml.html
import pytest

from crawler import detection
from crawler.fetcher import FetchRefused, SiteFetcher

BASE = "https://news.example.kz/"


def doc(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(html)


# ---- pages ---------------------------------------------------------------------------------------

def test_feed_links_of_every_kind_named_in_the_head():
    page = doc('<html><head>'
               '<link rel="alternate" type="application/rss+xml" href="/rss/">'
               '<link rel="alternate" type="application/atom+xml" href="//news.example.kz/atom">'
               '<link rel="Alternate feed" type="application/rdf+xml" href="rdf.xml">'
               '<link rel="alternate" type="text/html" hreflang="en" href="/en/">'
               '<link rel="stylesheet" type="text/css" href="/s.css"></head></html>')
    assert detection.feed_links(page, BASE) == [
        "https://news.example.kz/rss/", "https://news.example.kz/atom",
        "https://news.example.kz/rdf.xml"]


def test_feedlike_links_in_the_page():
    page = doc('<body><a href="/rss/">RSS</a> <a href="/export/rss2/news.xml">Лента</a>'
               '<a href="https://x.kz/feed">x</a> <a href="/feedback/">Feedback</a>'
               '<a href="/rss-kanaly/">RSS-лента</a></body>')
    assert detection.feedlike_links(page, BASE) == [
        "https://news.example.kz/rss/", "https://news.example.kz/export/rss2/news.xml",
        "https://x.kz/feed", "https://news.example.kz/rss-kanaly/"]


@pytest.mark.parametrize(("value", "code"), [
    ("ru-RU", "ru"), ("kk_KZ", "kk"), ("kz", "kk"), ("KAZ", "kk"), ("en", "en"), ("x-default", None),
    ("", None), (None, None), ("zh-Hant-TW", "zh"), ("123", None)])
def test_language_codes(value, code):
    assert detection.language_code(value) == code


def test_editions_from_hreflang_and_a_language_switch():
    page = doc('<html lang="ru"><head>'
               '<link rel="alternate" hreflang="ru-KZ" href="https://news.example.kz/">'
               '<link rel="alternate" hreflang="kk-KZ" href="https://kaz.example.kz/">'
               '<link rel="alternate" hreflang="x-default" href="https://news.example.kz/">'
               '</head><body><div class="lang"><a href="/">Рус</a> | <a href="/kz/">ҚАЗ</a> '
               '<a href="/en/" hreflang="en">EN</a> <a href="/about/">О нас</a></div></body></html>')
    assert detection.declared_language(page) == "ru"
    assert detection.alternates(page, BASE) == {"ru": BASE, "kk": "https://kaz.example.kz/"}
    assert detection.language_switch(page, BASE) == {
        "ru": BASE, "kk": "https://news.example.kz/kz/", "en": "https://news.example.kz/en/"}


def test_site_title():
    assert detection.site_title(doc('<head><meta property="og:site_name" content=" Orda.kz ">'
                                    "<title>x</title></head>")) == "Orda.kz"
    assert detection.site_title(doc("<head><title>Дала — новости Казахстана</title></head>")) == \
        "Дала"


def test_listing_links_and_next_pages():
    page = doc('<body><a href="/news/">Все новости</a> <a href="/x/">Политика</a>'
               '<a href="/archive/">Архив »</a></body>')
    assert detection.listing_links(page, BASE) == [
        "https://news.example.kz/news/", "https://news.example.kz/archive/"]
    assert detection.next_page_link(doc('<head><link rel="next" href="?page=2"></head>'),
                                    BASE + "news/") == "https://news.example.kz/news/?page=2"
    assert detection.next_page_link(doc('<a href="/p/3">3</a><a href="/p/2">Следующая »</a>'),
                                    BASE) == "https://news.example.kz/p/2"
    assert detection.next_page_link(doc('<a class="pager next" href="/p/2">→</a>'), BASE) == \
        "https://news.example.kz/p/2"
    assert detection.next_page_link(doc('<a href="/p/1">1</a>'), BASE) is None


# ---- feeds and sitemaps ----------------------------------------------------------------------------

def test_rss_2_with_cdata_guids_and_a_language():
    feed = detection.parse_feed(
        b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        b"<title>Orda</title><language>ru-RU</language>"
        b"<item><title><![CDATA[A &amp; B]]></title><link>\n https://orda.kz/x-1/ \n</link></item>"
        b'<item><title>C</title><guid isPermaLink="true">https://orda.kz/y-2/</guid></item>'
        b'<item><title>D</title><guid isPermaLink="false">42</guid></item>'
        b"</channel></rss>", "https://orda.kz/rss/")
    assert (feed.kind, feed.title, feed.language) == ("rss", "Orda", "ru")
    assert feed.entries == ["https://orda.kz/x-1/", "https://orda.kz/y-2/"]
    assert feed.titles[0] == "A &amp; B"


def test_atom_and_rss_1_feeds():
    atom = detection.parse_feed(
        b'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="kk"><title>Q</title>'
        b'<entry><link rel="alternate" href="/a/1.html"/><link rel="enclosure" href="/x.jpg"/>'
        b"</entry><entry><link href=\"https://q.kz/a/2.html\"/></entry></feed>", "https://q.kz/")
    assert (atom.kind, atom.language, atom.entries) == (
        "atom", "kk", ["https://q.kz/a/1.html", "https://q.kz/a/2.html"])
    rdf = detection.parse_feed(
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        b'xmlns="http://purl.org/rss/1.0/"><channel><title>R</title></channel>'
        b"<item><title>t</title><link>https://r.kz/n/5</link></item></rdf:RDF>", "https://r.kz/")
    assert (rdf.kind, rdf.entries) == ("rss", ["https://r.kz/n/5"])


@pytest.mark.parametrize("body", [b"", b"<html><body>not a feed</body></html>", b"\x00\xff" * 40,
                                  b'<?xml version="1.0"?><urlset></urlset>'])
def test_what_is_not_a_feed(body):
    assert detection.parse_feed(body, BASE) is None


def test_sitemap_index_and_url_sets():
    index = detection.parse_sitemap(
        b'<?xml version="1.0" encoding="UTF-8"?><?xml-stylesheet href="s.xsl"?>'
        b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc> https://q.kz/sitemap-news.xml </loc><lastmod>2026-01-02</lastmod></sitemap>"
        b"<sitemap><loc>https://q.kz/sitemap-1.xml</loc></sitemap></sitemapindex>", BASE)
    assert (index.kind, index.entries) == ("index", [
        ("https://q.kz/sitemap-news.xml", "2026-01-02"), ("https://q.kz/sitemap-1.xml", "")])
    news = detection.parse_sitemap(
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>https://q.kz/a/1'
        b"</loc><news:news><news:title>t</news:title></news:news></url></urlset>", BASE)
    assert (news.kind, news.news, news.entries) == ("urlset", True, [("https://q.kz/a/1", "")])
    assert detection.parse_sitemap(b"<rss><channel/></rss>", BASE) is None


def test_which_sitemaps_of_an_index_are_read():
    def index(*entries):
        return detection.Sitemap("index", [(f"https://q.kz/{name}", lastmod)
                                           for name, lastmod in entries])

    assert detection.sitemaps_to_read(index(
        ("post-sitemap.xml", "2025-01-01"), ("post-sitemap2.xml", "2026-01-01"),
        ("page-sitemap.xml", "2026-02-01"), ("sitemap-news.xml", "2026-01-05"),
        ("category-sitemap.xml", "2026-02-02"))) == [
        "https://q.kz/sitemap-news.xml", "https://q.kz/post-sitemap2.xml",
        "https://q.kz/post-sitemap.xml"]
    assert detection.sitemaps_to_read(index(
        ("wp-sitemap-posts-post-1.xml", ""), ("wp-sitemap-posts-post-2.xml", ""),
        ("wp-sitemap-posts-page-1.xml", ""), ("wp-sitemap-users-1.xml", ""))) == [
        "https://q.kz/wp-sitemap-posts-post-2.xml", "https://q.kz/wp-sitemap-posts-post-1.xml"]
    assert detection.sitemaps_to_read(index(*[(f"sitemap-2024-{m:02d}.xml", f"2024-{m:02d}-28")
                                              for m in range(1, 13)]), most=2) == [
        "https://q.kz/sitemap-2024-12.xml", "https://q.kz/sitemap-2024-11.xml"]
    assert detection.sitemaps_to_read(index(("tag-sitemap.xml", ""))) == [
        "https://q.kz/tag-sitemap.xml"]


# ---- where an edition lives -------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "place"), [
    ("https://en.example.kz/", {"host": "en.example.kz"}),
    ("https://www.example.kz/", {}),
    ("https://example.kz/?lang=kz", {"query": "lang=kz"}),
    ("https://example.kz/kz/", {"prefix": "/kz/"}),
    ("https://example.kz/kz", {"prefix": "/kz/"}),
    ("https://example.kz/", {}),
])
def test_where_an_edition_lives_from_its_home_page(url, place):
    assert detection.edition_place("https://example.kz/", url) == place


def test_where_an_edition_lives_from_its_articles():
    home = "https://example.kz/"
    russian = ["https://example.kz/news/1-a", "https://example.kz/politics/2-b"]
    assert detection.place_of_urls(["https://kaz.example.kz/news/3-c"], russian, home) == {
        "host": "kaz.example.kz"}
    assert detection.place_of_urls(["https://example.kz/news.php?id=4&lang=kz",
                                    "https://example.kz/news.php?lang=kz&id=5"],
                                   ["https://example.kz/news.php?id=6"], home) == {
        "query": "lang=kz"}
    assert detection.place_of_urls(["https://example.kz/english/7-d",
                                    "https://example.kz/english/8-e"], russian, home) == {
        "prefix": "/english/"}
    assert detection.place_of_urls(["https://example.kz/news/9-f"], russian, home) == {}
    assert detection.place_of_urls([], russian, home) == {}
    assert detection.in_place("https://example.kz/kz/x", {"prefix": "/kz/"})
    assert not detection.in_place("https://example.kz/x?lang=ru", {"query": "lang=kz"})


# ---- the shape of article URLs ----------------------------------------------------------------------

def _rule(urls, trusted=()):
    rule = detection.learn_article_rule(urls, frozenset(trusted))
    return rule and (rule.patterns, rule.key, rule.id_param, rule.query)


def _matches(rule, url):
    from urllib.parse import urlsplit

    return any(re.match(pattern, urlsplit(url).path) for pattern in rule[0])


@pytest.mark.parametrize(("name", "urls", "patterns", "key"), [
    ("vlast", ["https://vlast.kz/politika/57753-akcia.html", "https://vlast.kz/english/57750-pro.html",
               "https://vlast.kz/novosti/70802-x-y.html", "https://vlast.kz/novosti/70803-z.html"],
     [r"^/(?P<section>[^/]+?)/(?P<id>\d+)[-_][^/]+?\.html$"], "id"),
    ("slug and number", [f"https://tengrinews.kz/kazakhstan_news/a-long-slug-{55380 + i}/"
                         for i in range(5)] + [f"https://tengrinews.kz/world_news/b-c-{56380 + i}/"
                                               for i in range(3)],
     [r"^/(?P<section>[^/]+?)/[^/]+?[-_](?P<id>\d+)/$"], "id"),
    ("number alone", [f"https://www.azattyq.org/a/{33232541 + 7 * i}.html" for i in range(6)],
     [r"^/a/(?P<id>\d+)\.html$"], "id"),
    ("number with a letter", [f"https://www.inform.kz/ru/slug-text-here_a{4215432 + i}"
                              for i in range(5)],
     [r"^/ru/[^/]+?[-_]a(?P<id>\d+)$"], "id"),
    ("date path", [f"https://ledger.kz/2026/01/{10 + i}/words-of-the-head-{i}/" for i in range(8)]
     + ["https://ledger.kz/about/", "https://ledger.kz/contact/"],
     [r"^/\d{4}/\d{1,2}/\d{1,2}/[^/]+?[-_+.][^/]+?[-_+.][^/]+/$"], "url"),
    ("date segment", [f"https://kz.kursiv.media/2024-12-0{i}/slug-text-here/" for i in range(1, 8)],
     [r"^/\d{4}-\d{2}-\d{2}/[^/]+?[-_+.][^/]+?[-_+.][^/]+/$"], "url"),
    ("date and number", [f"https://ria.ru/2024120{i}/slug-text-{1987654321 + i}.html"
                         for i in range(1, 8)],
     [r"^/\d{8}/[^/]+?[-_](?P<id>\d+)\.html$"], "id"),
    ("slug at the root", [f"https://orda.kz/slug-text-here-{395581 + i}/" for i in range(6)],
     [r"^/[^/]+?[-_](?P<id>\d+)/$"], "id"),
    ("a repeated number is no id", [f"https://x.kz/news/story-number-{i}-2024/" for i in range(6)],
     [r"^/news/[^/]+?[-_]\d+/$"], "url"),
])
def test_article_url_shapes_of_real_sites(name, urls, patterns, key):
    rule = _rule(urls)
    assert rule[0] == patterns and rule[1] == key, name
    assert all(_matches(rule, url) for url in urls if "about" not in url and "contact" not in url)


def test_a_number_in_the_query_is_the_key_and_the_edition_parameter_is_kept():
    urls = [f"http://a.kz/news.php?id={118000 + i}" for i in range(6)] + [
        f"http://a.kz/news.php?id={119000 + i}&lang=kz&utm_source=tg" for i in range(5)]
    assert _rule(urls) == ([r"^/news\.php$"], "id", "id", ["id", "lang"])


def test_a_parameter_every_url_has_with_one_value_is_not_kept():
    urls = [f"https://c.ca/news/world/story-words-{i}-here?cmp=rss" for i in range(5)]
    assert _rule(urls)[3] == []


def test_placement_parameters_are_not_kept_but_identities_and_languages_are():
    placed = [f"http://e.cnn.com/2014/07/2{i}/world/some-story-words/index.html?hpt=hp_t{i % 3}"
              for i in range(8)]
    assert _rule(placed)[3] == []
    named = [f"https://q.kz/view.php?article=story-{i}-x&lng=kk" for i in range(6)]
    assert _rule(named)[3] == ["article", "lng"]


def test_one_article_is_enough_when_nothing_else_is_known():
    assert _rule(["https://q.kz/news/12345-a-story.html", "https://q.kz/about/"])[:2] == (
        [r"^/news/(?P<id>\d+)[-_][^/]+?\.html$"], "id")


def test_a_home_page_that_sends_its_readers_on():
    page = doc('<head><meta http-equiv="Refresh" content="0; URL=\'/ru/\'"></head>')
    assert detection.meta_refresh(page, BASE) == "https://news.example.kz/ru/"
    assert detection.meta_refresh(doc("<head><meta charset=utf-8></head>"), BASE) is None


def test_listing_pages_tags_and_authors_are_not_taken_for_articles():
    articles = [f"https://q.kz/2025/05/{d:02d}/some-story-words-{d}/" for d in range(1, 9)]
    others = ([f"https://q.kz/tag/long-tag-name-{i}/" for i in range(8)]
              + [f"https://q.kz/author/first-last-name-{i}/" for i in range(8)]
              + [f"https://q.kz/category/politics-and-power-{i}/" for i in range(8)]
              + ["https://q.kz/", "https://q.kz/about/", "https://q.kz/kz/"])
    rule = _rule(articles + others)
    assert rule[1] == "url" and len(rule[0]) == 1
    assert all(_matches(rule, url) for url in articles)
    assert not any(_matches(rule, url) for url in others)


def test_feed_links_are_articles_whatever_their_shape():
    feed = [f"https://www.bbc.com/news/articles/c{i}x3y4z" for i in range(3)]
    assert _rule(feed + ["https://www.bbc.com/news", "https://www.bbc.com/sport"], feed)[0] == [
        r"^/news/articles/[^/]+$"]
    assert detection.learn_article_rule(["https://x.kz/", "https://x.kz/about/"]) is None
    assert detection.learn_article_rule([]) is None


def test_clean_url():
    assert detection.clean_url("https://q.kz/a/1?utm_source=rss&id=2&fbclid=x#comments") == \
        "https://q.kz/a/1?id=2"


# ---- the fetcher's rules ---------------------------------------------------------------------------

class _Handler(BaseHTTPRequestHandler):
    routes: dict = {}

    def do_GET(self) -> None:  # noqa: N802
        status, headers, body = self.routes.get(self.path, (404, {}, b"none"))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def site():
    handler = type("Routes", (_Handler,), {"routes": {}})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.origin = f"http://127.0.0.1:{server.server_address[1]}"
    server.routes = handler.routes
    yield server
    server.shutdown()
    server.server_close()


def fetcher(site, **options) -> SiteFetcher:
    return SiteFetcher(site.origin, "mediawatch-test/1.0", timeout=5, delay=0, **options)


def test_robots_txt_rules_and_crawl_delay_are_read(site):
    site.routes["/robots.txt"] = (200, {}, b"User-agent: *\nDisallow: /private/\nCrawl-delay: 0.2\n"
                                            b"Sitemap: /sitemap.xml\n")
    site.routes["/news/"] = (200, {"Content-Type": "text/html"}, b"<p>news</p>")
    client = fetcher(site)
    assert client.get(site.origin + "/news/").body == b"<p>news</p>"
    with pytest.raises(FetchRefused, match="robots.txt does not allow"):
        client.get(site.origin + "/private/x")
    assert client.crawl_delays == {site.origin: 0.2}
    started = __import__("time").monotonic()
    client.get(site.origin + "/news/")
    assert __import__("time").monotonic() - started >= 0.19  # the crawl-delay between requests


def test_a_robots_txt_that_fails_keeps_the_site_closed(site):
    site.routes["/robots.txt"] = (503, {}, b"busy")
    with pytest.raises(FetchRefused, match=r"robots\.txt answered 503"):
        fetcher(site).get(site.origin + "/")


def test_redirects_stay_on_the_site(site):
    site.routes["/old"] = (301, {"Location": "/new"}, b"")
    site.routes["/new"] = (200, {}, b"here")
    site.routes["/away"] = (302, {"Location": "https://example.org/"}, b"")
    site.routes["/loop"] = (302, {"Location": "/loop"}, b"")
    client = fetcher(site)
    answer = client.get(site.origin + "/old")
    assert (answer.url, answer.body) == (site.origin + "/new", b"here")
    with pytest.raises(FetchRefused, match=r"https://example.org/ is not on the site"):
        client.get(site.origin + "/away")
    with pytest.raises(FetchRefused, match="more than 5 redirects"):
        client.get(site.origin + "/loop")
    with pytest.raises(FetchRefused, match="not on the site"):
        client.get(site.origin.replace("127.0.0.1", "localhost") + "/new")
    with pytest.raises(FetchRefused, match="not on the site"):
        client.get("file:///etc/passwd")


def test_sizes_are_limited_gzip_included(site):
    site.routes["/big"] = (200, {}, b"x" * 5000)
    site.routes["/bomb.xml.gz"] = (200, {}, gzip.compress(b"<a/>" * 100_000))
    site.routes["/small.xml.gz"] = (200, {"Content-Encoding": "gzip"}, gzip.compress(b"<urlset/>"))
    client = fetcher(site, max_bytes=4096)
    with pytest.raises(FetchRefused, match="larger than 4096 bytes"):
        client.get(site.origin + "/big")
    with pytest.raises(FetchRefused, match="unpacks to more than 4096 bytes"):
        client.get(site.origin + "/bomb.xml.gz")
    assert client.get(site.origin + "/small.xml.gz").body == b"<urlset/>"


def test_a_request_budget(site):
    site.routes["/"] = (200, {}, b"home")
    client = fetcher(site, budget=3)
    client.get(site.origin + "/")  # robots.txt, then the page
    client.get(site.origin + "/")
    with pytest.raises(FetchRefused, match="more than 3 requests"):
        client.get(site.origin + "/")


def test_a_public_site_never_leads_into_the_local_network(monkeypatch):
    def resolve(host, *args, **kwargs):
        addresses = {"news.example.kz": "10.0.0.7", "en.news.example.kz": "127.0.0.1"}
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (addresses[host], 0))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    client = SiteFetcher("https://news.example.kz/", "mediawatch-test/1.0", delay=0)
    assert client.on_site("https://en.news.example.kz/x") and client.on_site("http://news.example.kz/")
    assert not client.on_site("https://news.example.kz.evil.org/")
    assert not client.on_site("https://news.example.kz:8443/")
    for url in ("https://news.example.kz/", "https://en.news.example.kz/"):
        with pytest.raises(FetchRefused, match="not a public address: refused"):
            client.get(url)


@pytest.mark.parametrize("typed", ["[", "http://[::1", "https://x.kz:99999999/", "ftp://x.kz/",
                                   "http://", "mailto:desk@x.kz"])
def test_an_address_that_is_none(typed):
    from crawler.finder import FindError, normalise_address

    with pytest.raises(FindError, match="is not a web address"):
        normalise_address(typed)
