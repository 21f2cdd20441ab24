"""Broken and hostile sites: `outlet add` and the outlet crawl against servers on 127.0.0.1 that
loop, drip, hang, bomb, lie and trap. Each answer is a one-line error or a logged, counted skip;
never a traceback, a hang, unbounded memory or junk in the archive."""

from __future__ import annotations

import gzip
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from crawler import detection
from crawler.fetcher import FetchRefused, SiteFetcher
from crawler.robots import MOST_ROBOTS_BYTES, BoundedRobotParser, parse_robots, robots_text

ROOT = Path(__file__).resolve().parent.parent
HTML = "text/html; charset=utf-8"
XML = "application/xml"
UA = "mediawatch-test"
SECRET = "TOP-SECRET-LOCAL-FILE-7731"


def _bomb(megabytes: int) -> bytes:
    """A gzip file of a sitemap that inflates to `megabytes` MB."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [packer.compress(b"<urlset>")]
    chunk = b" " * (1 << 20)
    parts += [packer.compress(chunk) for _ in range(megabytes)]
    parts.append(packer.flush())
    return b"".join(parts)


BOMB = _bomb(256)
LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10 if n > 1 else "&lol;" * 10}">'
                    for n in range(1, 10))
          + ']><urlset><url><loc>{origin}/news/2026/01/&lol9;/</loc></url></urlset>')


def xxe(path: Path) -> str:
    return (f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file://{path}">]>'
            '<urlset><url><loc>{origin}/news/2026/01/&xxe;/</loc></url></urlset>')


BODY = ("<p>The committee on local government met on Tuesday to discuss the draft law on the "
        "election of district mayors, which the ministry submitted to parliament last month. "
        "Deputies asked how the new rules would apply to cities of regional significance.</p>") * 4


def article(title: str, path: str, date: str = "2026-01-05T09:30:00+05:00", head: str = "",
            body: str = BODY) -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f'<link rel="canonical" href="{{origin}}{path}">{head}'
            f'<meta property="article:published_time" content="{date}"></head><body><article>'
            f"<h1>{title}</h1><time datetime=\"{date}\">{date[:10]}</time>{body}</article>"
            "</body></html>")


GOOD = [f"/news/2026/01/story-{n}/" for n in range(1, 7)]
HOSTILE = {  # article path -> what it does
    "/news/2026/01/drip-story/": "drip",
    "/news/2026/01/silent-story/": "silent",
    "/news/2026/01/pdf-story/": "pdf",
    "/news/2026/01/big-story/": "big",
    "/news/2026/01/huge-title/": "page",
    "/news/2026/01/ancient-story/": "page",
    "/news/2026/01/stolen-story/": "page",
    "/news/2026/01/loop-story/": "loop",
    "/news/2026/01/away-story/": "away",
}


class _Hostile(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    pages: dict = {}
    asked: list = []
    stop = threading.Event()

    def do_GET(self) -> None:  # noqa: N802
        self.asked.append(self.path)
        path = self.path.split("?")[0]
        try:
            if path.startswith("/sitemap-deep/"):
                depth = int(path.rsplit("/", 1)[1].split(".")[0])
                self.send(200, XML, f"<sitemapindex><sitemap><loc>/sitemap-deep/{depth + 1}.xml"
                          "</loc></sitemap></sitemapindex>".encode())
            elif path.startswith("/many/"):
                self.send(200, XML, b"<urlset></urlset>")
            elif path.startswith("/archive/"):  # a calendar: every page links a later one
                page = int(self.path.rsplit("=", 1)[1]) if "=" in self.path else 1
                links = "".join(f'<a href="/news/2026/01/story-1/?sid={page}-{n}">x</a>'
                                for n in range(20))
                self.send(200, HTML, f'<html><body>{links}<a rel="next" href="/archive/?page='
                          f'{page + 1}">Next</a></body></html>'.encode())
            elif (kind := HOSTILE.get(path)) in ("drip", "silent", "big", "loop", "away"):
                getattr(self, kind)()
            elif self.path in self.pages or path in self.pages:
                status, kind, body = self.pages.get(self.path) or self.pages[path]
                self.send(status, kind, body)
            else:
                self.send(404, HTML, b"<h1>404</h1>")
        except (BrokenPipeError, ConnectionResetError):
            pass

    def send(self, status: int, kind: str, body: bytes, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def drip(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", HTML)
        self.end_headers()
        while not self.stop.wait(0.3):
            self.wfile.write(b"<")
            self.wfile.flush()

    def silent(self) -> None:
        self.stop.wait(30)

    def big(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", HTML)
        self.send_header("Content-Length", str(50 * 1024 * 1024))
        self.end_headers()
        chunk = os.urandom(1 << 16)
        for _ in range(800):
            self.wfile.write(chunk)

    def loop(self) -> None:
        self.send(302, HTML, b"", {"Location": self.path})

    def away(self) -> None:
        self.send(302, HTML, b"", {"Location": self.server.elsewhere + "/news/2026/01/story-1/"})

    def log_message(self, *args) -> None:
        pass


class HostileSite:
    """A site on 127.0.0.1 whose pages are mostly traps; `{origin}` in a text body is its own
    address, `{elsewhere}` another site's."""

    def __init__(self, pages: dict, elsewhere: str = "http://127.0.0.1:9") -> None:
        handler = type("Handler", (_Hostile,), {"pages": {}, "asked": [],
                                                "stop": threading.Event()})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.server.handle_error = lambda *args: None  # clients hanging up on the traps
        self.server.elsewhere = elsewhere
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        for path, (status, kind, body) in pages.items():
            if isinstance(body, str):
                body = body.replace("{origin}", self.origin).replace("{elsewhere}", elsewhere)
                body = body.encode("utf-8")
            handler.pages[path] = (status, kind, body)
        self.handler = handler
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> HostileSite:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.handler.stop.set()
        self.server.shutdown()
        self.server.server_close()


def mediawatch(*args: str, env: dict | None = None, timeout: float = 120
               ) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env={**os.environ, **(env or {})})


def no_traceback(done: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in done.stderr + done.stdout, done.stderr[-3000:]


# ---- the fetcher of `outlet add` ---------------------------------------------------------------

def fetcher(origin: str, **options) -> SiteFetcher:
    return SiteFetcher(origin + "/", UA, **{"timeout": 1.0, "delay": 0, "budget": 50, **options})


def test_slow_drip_and_silence_end_within_the_timeout():
    with HostileSite({}) as site:
        for path in ("/news/2026/01/drip-story/", "/news/2026/01/silent-story/"):
            started = time.monotonic()
            with pytest.raises(OSError, match="timed out|took longer"):
                fetcher(site.origin, timeout=1.0).get(site.origin + path)
            assert time.monotonic() - started < 4, path


def test_bodies_too_large_or_inflating_too_far_are_refused():
    pages = {"/bomb.xml.gz": (200, "application/x-gzip", BOMB),
             "/bomb.xml": (200, XML, BOMB),
             "/chunked": (200, HTML, b"x" * (3 << 20))}
    with HostileSite(pages) as site:
        probe = fetcher(site.origin, max_bytes=2 << 20)
        with pytest.raises(FetchRefused, match="unpacks to more than 2097152 bytes"):
            probe.get(site.origin + "/bomb.xml.gz")
        with pytest.raises(FetchRefused, match="larger than 2097152 bytes"):
            probe.get(site.origin + "/news/2026/01/big-story/")
        with pytest.raises(FetchRefused, match="larger than 2097152 bytes"):
            probe.get(site.origin + "/chunked")


def test_redirect_loops_end():
    with HostileSite({}) as site:
        with pytest.raises(FetchRefused, match="more than 5 redirects"):
            fetcher(site.origin).get(site.origin + "/news/2026/01/loop-story/")


def test_a_public_site_cannot_redirect_the_fetcher_into_the_local_network(monkeypatch):
    from crawler import fetcher as fetching

    real = socket.getaddrinfo
    addresses = {"news.example": "93.184.216.34", "intranet.news.example": "10.0.0.7",
                 "rebind.news.example": "127.0.0.1"}

    def resolve(host, *args, **kwargs):
        if host in addresses:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (addresses[host], 0))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(fetching.socket, "getaddrinfo", resolve)
    site = SiteFetcher("http://news.example/", UA, delay=0)
    site.robots["http://news.example"] = None
    locations = iter(["http://127.0.0.1:8080/admin", "http://intranet.news.example/",
                      "http://rebind.news.example/", "http://[::1]/", "http://169.254.169.254/"])

    def redirect(url):
        return fetching.Fetched(url, 302, {"location": next(locations)})

    monkeypatch.setattr(site, "_once", redirect)
    for refused in ("is not on the site", "resolves to 10.0.0.7", "resolves to 127.0.0.1",
                    "is not on the site", "is not on the site"):
        with pytest.raises(FetchRefused, match=refused):
            site.get("http://news.example/")


def test_a_public_outlets_crawl_never_follows_a_redirect_into_the_local_network():
    from types import SimpleNamespace

    from scrapy.exceptions import IgnoreRequest
    from scrapy.http import Request, Response
    from twisted.internet.error import DNSLookupError

    from crawler.hostguard import OutletRedirects, OutletRequests, PublicAddressResolver

    spider = SimpleNamespace(base_url="https://news.example", outlet=None)
    crawler = SimpleNamespace(spider=spider, settings={})
    guard = OutletRedirects(crawler)
    for location in ("http://127.0.0.1/", "http://[::1]:8080/", "http://169.254.169.254/latest",
                     "http://localhost/", "http://elsewhere.example/"):
        response = Response("https://news.example/a", status=302,
                            headers={"Location": location})
        with pytest.raises(IgnoreRequest, match="redirects off the outlet"):
            guard.process_response(Request("https://news.example/a"), response)
    with pytest.raises(IgnoreRequest):
        OutletRequests(crawler).process_request(Request("http://10.1.2.3/"))
    resolver = PublicAddressResolver.__new__(PublicAddressResolver)
    resolver.base_url = "https://news.example"
    with pytest.raises(DNSLookupError, match="not a public address"):
        resolver._refuse_private("192.168.1.1", "intranet.news.example")


@pytest.mark.parametrize("robots", [
    b"User-agent: *\n" + b"Disallow: /private-%d/\n" * 1 + b"".join(
        b"Disallow: /p%d/\n" % n for n in range(400_000)),  # 6 MB
    os.urandom(200_000),
    b"<!DOCTYPE html><html><body><h1>Welcome</h1>" + b"<p>robots?</p>" * 1000 + b"</body></html>",
])
def test_robots_txt_huge_binary_or_html_is_read_in_bounded_time(robots):
    with HostileSite({"/robots.txt": (200, "text/plain", robots),
                      "/": (200, HTML, "<html><body>home</body></html>")}) as site:
        started = time.monotonic()
        answer = fetcher(site.origin).get(site.origin + "/")
        assert answer.ok and time.monotonic() - started < 5


def test_robots_txt_is_read_to_its_first_500_kib_cut_at_a_line():
    head = b"User-agent: *\nDisallow: /early/\n"
    filler = b"".join(b"Disallow: /p%d/\n" % n for n in range(40_000))  # about 700 KB
    body = head + filler + b"Disallow: /late/\n"
    text = robots_text(body)
    assert len(text.encode()) <= MOST_ROBOTS_BYTES and text.endswith("/\n")
    assert body.startswith(text.encode())
    rules = parse_robots(body)
    assert not rules.can_fetch("https://news.example/early/a", "mediawatch")
    assert rules.can_fetch("https://news.example/late/a", "mediawatch")
    parser = BoundedRobotParser(body, None)
    assert not parser.allowed("https://news.example/early/a", "mediawatch")
    assert parser.allowed("https://news.example/late/a", "mediawatch")
    assert robots_text(b"\xef\xbb\xbfUser-agent: *\n") == "User-agent: *\n"


# ---- feeds and sitemaps read by `outlet add` -----------------------------------------------------

def test_entity_expansion_and_external_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    origin = "http://127.0.0.1:1"
    for body in (LAUGHS, xxe(secret)):
        body = body.replace("{origin}", origin).encode()
        started = time.monotonic()
        sitemap = detection.parse_sitemap(body, origin + "/")
        assert time.monotonic() - started < 1
        found = " ".join(loc for loc, _ in sitemap.entries) if sitemap else ""
        assert SECRET not in found and "lollollol" not in found
    feed = (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>'
            '<rss><channel><title>&xxe;</title><item><link>http://a.example/&xxe;</link></item>'
            "</channel></rss>").encode()
    parsed = detection.parse_feed(feed, origin)
    assert parsed is None or SECRET not in parsed.title + " ".join(parsed.entries)


# ---- the whole site: `outlet add`, then the crawl ----------------------------------------------

def hostile_site(secret: Path) -> dict:
    feed_items = [*GOOD, *HOSTILE, "/news/2026/01/story-1/?utm_source=rss&sessionid=abc",
                  "/news/2026/01/story-2/?PHPSESSID=1234"]
    feed = ('<?xml version="1.0"?><rss version="2.0"><channel><title>Hostile Times</title>'
            "<language>en</language>" + "".join(
                f"<item><title>t</title><link>{{origin}}{path.replace('&', '&amp;')}</link></item>"
                for path in feed_items) + "</channel></rss>")
    links = "".join(f'<a href="{path}">story</a>' for path in GOOD)
    pages = {
        "/robots.txt": (200, "text/plain", "User-agent: *\nDisallow: /private/\n"
                        "Sitemap: {origin}/sitemap-a.xml\nSitemap: {origin}/sitemap-deep/1.xml\n"
                        "Sitemap: {origin}/sitemap-many.xml\nSitemap: {origin}/bomb.xml.gz\n"
                        "Sitemap: {origin}/laughs.xml\nSitemap: {origin}/xxe.xml\n"),
        "/": (200, HTML, '<!DOCTYPE html><html lang="en"><head><title>Hostile Times</title>'
              '<link rel="alternate" type="application/rss+xml" href="/feed.xml"></head><body>'
              f'{links}<a href="/archive/">All news</a></body></html>'),
        "/feed.xml": (200, "application/rss+xml", feed),
        "/sitemap-a.xml": (200, XML, "<sitemapindex><sitemap><loc>{origin}/sitemap-b.xml</loc>"
                           "</sitemap><sitemap><loc>{origin}/sitemap-a.xml</loc></sitemap>"
                           "<sitemap><loc>{origin}/news-sitemap.xml</loc></sitemap>"
                           "<sitemap><loc>{origin}/packed.xml.gz</loc></sitemap>"
                           "</sitemapindex>"),
        "/sitemap-b.xml": (200, XML, "<sitemapindex><sitemap><loc>{origin}/sitemap-a.xml</loc>"
                           "</sitemap></sitemapindex>"),
        "/news-sitemap.xml": (200, XML, "<urlset>" + "".join(
            f"<url><loc>{{origin}}{path}</loc></url>" for path in GOOD) + "</urlset>"),
        "/sitemap-many.xml": (200, XML, "<sitemapindex>" + "".join(
            f"<sitemap><loc>{{origin}}/many/{n}.xml</loc></sitemap>" for n in range(50_000))
            + "</sitemapindex>"),
        "/bomb.xml.gz": (200, "application/x-gzip", BOMB),
        "/packed.xml.gz": (200, "application/x-gzip", gzip.compress(
            b"<urlset><url><loc>/news/2026/01/packed-only/</loc></url></urlset>")),
        "/laughs.xml": (200, XML, LAUGHS),
        "/xxe.xml": (200, XML, xxe(secret)),
        "/news/2026/01/pdf-story/": (200, HTML, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + os.urandom(
            200_000)),
        "/news/2026/01/huge-title/": (200, HTML, article(
            "Headline \x00\x07\x1b[31m " + "A" * 1_000_000, "/news/2026/01/huge-title/",
            date="9999-12-31T23:59:59+00:00",
            body="<p>\x00\x01\x02\x08 control\x0b\x0c\x7f characters</p>" + BODY)),
        "/news/2026/01/ancient-story/": (200, HTML, article(
            "An article from the year one", "/news/2026/01/ancient-story/",
            date="0001-01-01T00:00:00+00:00")),
        "/news/2026/01/stolen-story/": (200, HTML, article(
            "A page that claims another site's article", "/news/2026/01/stolen-story/",
            head='<link rel="canonical" href="{elsewhere}/news/2026/01/story-1/">'
                 '<link rel="alternate" hreflang="ru" href="{elsewhere}/ru/news/2026/01/s/">'
                 '<link rel="alternate" hreflang="kk" href="http://169.254.169.254/kk/">')),
    }
    for n, path in enumerate(GOOD, 1):
        pages[path] = (200, HTML, article(f"Committee discusses draft law {n}", path))
    pages["/news/2026/01/packed-only/"] = (200, HTML, article(
        "Listed only by a gzip sitemap", "/news/2026/01/packed-only/"))
    return pages


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """The hostile site added by its address and crawled back to its start, beside another site
    whose article the hostile one claims as its own."""
    folder = tmp_path_factory.mktemp("hostile")
    secret = folder / "secret.txt"
    secret.write_text(SECRET)
    db = folder / "archive.db"
    env = {"MEDIAWATCH_DOWNLOAD_TIMEOUT": "2", "MEDIAWATCH_MOST_LISTING_PAGES": "30",
           "MEDIAWATCH_MOST_SITEMAPS": "40"}
    other_pages = {GOOD[0]: (200, HTML, article("The other site's own article", GOOD[0]))}
    with HostileSite(other_pages) as other, HostileSite(hostile_site(secret), other.origin) as site:
        started = time.monotonic()
        added = mediawatch("outlet", "add", site.origin, "--name", "hostile", "--db", str(db),
                           env=env)
        add_seconds = time.monotonic() - started
        started = time.monotonic()
        crawl = mediawatch("crawl", "--outlet", "hostile", "--mode", "backfill", "--db", str(db),
                           "--json", env=env)
        crawl_seconds = time.monotonic() - started
        asked = list(site.handler.asked)
    return {"added": added, "crawl": crawl, "db": db, "asked": asked, "add_seconds": add_seconds,
            "crawl_seconds": crawl_seconds, "origin": site.origin, "other": other.origin}


def test_outlet_add_survives_the_traps_and_says_what_it_skipped(crawled):
    added = crawled["added"]
    no_traceback(added)
    assert added.returncode == 0, added.stderr[-2000:]
    assert crawled["add_seconds"] < 40
    assert len(crawled["asked"]) < 400
    assert SECRET not in added.stdout


def test_the_crawl_is_bounded_and_archives_no_junk(crawled):
    crawl = crawled["crawl"]
    no_traceback(crawl)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    assert crawled["crawl_seconds"] < 40
    asked = crawled["asked"]
    assert sum(path.startswith("/sitemap-deep/") for path in asked) <= 45
    assert sum(path.startswith("/many/") for path in asked) <= 45
    assert sum(path.startswith("/archive/") for path in asked) <= 35
    assert not any(SECRET in path or "lollol" in path for path in asked)
    db = sqlite3.connect(crawled["db"])
    rows = db.execute("SELECT url, title FROM articles").fetchall()
    urls = sorted(url for url, _ in rows)
    origin = crawled["origin"]
    for path in GOOD:
        assert urls.count(origin + path) == 1, (path, urls)
    assert origin + "/news/2026/01/packed-only/" in urls  # a sitemap.xml.gz is read, the bomb not
    assert not [url for url in urls if "?" in url], urls  # session ids and utm_ fold into one key
    assert not [url for url in urls if not url.startswith(origin)], urls
    assert not [url for url in urls if any(bad in url for bad in (
        "drip", "silent", "pdf", "big-story", "loop-story", "away-story"))], urls
    assert "more than 40 sitemaps in one run" in crawl.stderr
    assert "the listing's page 30 reached" in crawl.stderr
    assert sum(path.startswith("/sitemap-deep/") for path in asked) >= 2  # the trap was met
    huge = [title for url, title in rows if url.endswith("/huge-title/")]
    assert huge and huge[0].startswith("Headline [31m AAA") and len(huge[0]) == 1000
    for _, title in rows:
        assert len(title) <= 1000 and not any(ord(c) < 32 for c in title), title[:80]


def test_hostile_metadata_is_tamed(crawled):
    db = sqlite3.connect(crawled["db"])
    origin = crawled["origin"]
    found = dict(db.execute("SELECT url, published FROM articles").fetchall())
    for path in ("/news/2026/01/huge-title/", "/news/2026/01/ancient-story/"):
        published = found.get(origin + path)
        assert published is None or "1900" < published[:4] < "2100", (path, published)
    stolen = found.get(origin + "/news/2026/01/stolen-story/", "absent")
    assert stolen != "absent"  # kept under its own address, not the other site's
