"""`mediawatch outlet add` over real HTTP: on the replayed outlets built unlike Vlast (and on
Vlast's replay), on sites served here in the markup real ones use (WordPress, an old Russian
CMS in windows-1251), and the rules its requests follow; then `outlet list/show/remove`."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from crawler.canonical import article_id_from_url, canonical_url, edition_of, is_article_url
from outlets.files import load
from replay.sites import Replays

ROOT = Path(__file__).resolve().parent.parent


def mediawatch(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)
    if check:
        assert done.returncode == 0, done.stderr[-3000:]
    return done


def add(url: str, folder: Path, *options: str, check: bool = True) -> subprocess.CompletedProcess:
    return mediawatch("outlet", "add", url, "--outlets-dir", str(folder), *options, check=check)


@pytest.fixture(scope="module")
def replays():
    with Replays(["vlast", "ledger", "agency"], seed=2) as running:
        yield running


def manifest(server) -> dict:
    import urllib.request

    with urllib.request.urlopen(server.base_url + "/_replay/manifest.json") as answer:
        return json.load(answer)


# ---- the replayed outlets ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def agency(replays, tmp_path_factory):
    folder = tmp_path_factory.mktemp("outlets")
    done = add(replays["agency"].base_url, folder, "--name", "dala")
    return done, load(folder / "dala.toml"), manifest(replays["agency"])


@pytest.fixture(scope="module")
def ledger(replays, tmp_path_factory):
    folder = tmp_path_factory.mktemp("outlets")
    done = add(replays["ledger"].base_url + "/", folder, "--name", "ledger", "--json")
    return done, load(folder / "ledger.toml"), manifest(replays["ledger"])


def test_agency_is_found_with_its_editions_feeds_and_listings(agency):
    done, outlet, truth = agency
    assert outlet.title == "Информационное агентство «Дала»"
    russian, kazakh = outlet.editions
    assert (russian.language, russian.default, russian.feeds) == ("ru", True, ("/rss/ru.xml",))
    assert (kazakh.language, kazakh.query, kazakh.feeds) == ("kk", "lang=kz", ("/rss/kz.xml",))
    assert russian.listings == ("/archive.php",)
    assert kazakh.listings == ("/archive.php?lang=kz",)
    assert outlet.discovery.sitemaps == ()
    assert "kk where the address has ?lang=kz; found by hreflang" in done.stdout
    assert "sitemaps:\n  none found" in done.stdout


def test_agency_articles_are_keyed_by_the_id_in_the_query(agency):
    _, outlet, truth = agency
    rules = outlet.articles
    assert (rules.key, rules.id_param, rules.query) == ("id", "id", ("id", "lang"))
    for article in truth["articles"]:
        assert is_article_url(article["url"], outlet)
        assert article_id_from_url(article["url"], outlet) == article["key"]
        assert edition_of(article["url"], outlet) == article["language"]
        assert canonical_url(article["url"] + "&utm_source=tg", outlet=outlet) == article["url"]
    base = outlet.home
    for page in ("/", "/?lang=kz", "/archive.php?page=2", "/rss/ru.xml", "/category.php?cat=qogam"):
        assert not is_article_url(base + page, outlet)


def test_agency_samples_and_coverage_are_printed_before_storing(agency):
    done, _, truth = agency
    lines = done.stdout.splitlines()
    coverage = next(line for line in lines if line.startswith("coverage: "))
    assert coverage.startswith("coverage: title 6/6 (100%), date 6/6 (100%), body 6/6 (100%), "
                               "language 6/6 (100%), authors ")
    assert lines.index(coverage) < len(lines) - 1
    assert lines[-2].startswith("stored as ") and lines[-2].endswith("dala.toml: edit it where "
                                                                     "detection got something wrong")
    assert lines[-1].startswith("archive what it lists now: mediawatch crawl --outlet dala "
                                "--mode backfill --outlets-dir ")
    titles = {a["title"] for a in truth["articles"]}
    printed = [line for line in lines if line.startswith("    [")]
    assert len(printed) == 6 and {line[5:7] for line in printed} == {"ru", "kk"}
    assert all(line.split("'")[1] in titles for line in printed)


def test_ledger_is_found_with_its_sitemap_index_and_date_paths(ledger):
    done, outlet, truth = ledger
    found = json.loads(done.stdout)
    assert found["stored"].endswith("ledger.toml")
    assert [e.language for e in outlet.editions] == ["en"]
    assert outlet.discovery.feeds == ("/feed/atom/",)
    assert outlet.discovery.sitemaps == ("/sitemap_index.xml",)
    assert outlet.articles.key == "url" and outlet.articles.query == ()
    assert outlet.extraction.title_suffix == "The Steppe Ledger"
    for article in truth["articles"]:
        assert is_article_url(article["url"], outlet), article["url"]
        assert canonical_url(article["url"] + "?ref=home", outlet=outlet) == article["url"]
    for page in ("/", "/about/", "/section/politics/", "/section/politics/page/2/",
                 "/tag/economy/", "/feed/atom/", "/2026/01/"):
        assert not is_article_url(outlet.home + page, outlet), page
    assert {name: value["share"] for name, value in found["coverage"].items()} == {
        "title": 1.0, "date": 1.0, "body": 1.0, "language": 1.0, "authors": 1.0}


def test_vlast_replay_is_found_with_its_section_editions(replays, tmp_path):
    done = add(replays["vlast"].base_url, tmp_path, "--name", "vlast-replay", "--dry-run")
    assert done.stdout.splitlines()[-1] == "dry run: nothing stored"
    assert not list(tmp_path.iterdir())
    assert "kk under /vlast-qazaqsha/" in done.stdout
    assert "en under /english/" in done.stdout
    assert "the key is the id in the path" in done.stdout


# ---- sites in the markup real ones use ------------------------------------------------------------

class _Site(BaseHTTPRequestHandler):
    pages: dict[str, tuple[int, str, bytes]] = {}
    asked: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        self.asked.append(self.path)
        missing = (404, "text/html", b"<h1>404</h1>")
        status, kind, body = self.pages.get(self.path) or self.pages.get(
            self.path.split("?")[0], missing)
        self.send_response(status)
        if status in (301, 302):
            self.send_header("Location", kind)
        else:
            self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


class StaticSite:
    """A site of fixed pages on 127.0.0.1: path (with query) -> (status, type, body); `{origin}`
    in a text body is the site's own address."""

    def __init__(self, pages: dict) -> None:
        handler = type("Handler", (_Site,), {"pages": {}, "asked": []})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        for path, (status, kind, body) in pages.items():
            if isinstance(body, str):
                body = body.replace("{origin}", self.origin)
                charset = "windows-1251" if "1251" in kind else "utf-8"
                body = body.encode(charset, errors="xmlcharrefreplace")
            handler.pages[path] = (status, kind, body)
        self.handler = handler
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> StaticSite:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


HTML = "text/html; charset=UTF-8"
XML = "application/xml; charset=UTF-8"
RSS = "application/rss+xml; charset=UTF-8"
SENTENCES = {
    "ru": "Депутаты мажилиса обсудили новый законопроект о местном самоуправлении в Астане. "
          "Эксперты считают, что поправки изменят порядок выборов акимов районов и городов.",
    "en": "Members of the Mazhilis discussed a new draft law on local government in Astana. "
          "Experts believe that the amendments will change how district mayors are elected.",
    "kk": "Мәжіліс депутаттары Астанада жергілікті өзін-өзі басқару туралы жаңа заң жобасын "
          "талқылады. Сарапшылар түзетулер әкімдерді сайлау тәртібін өзгертеді деп санайды.",
}


def paragraphs(language: str, seed: int, count: int = 5) -> str:
    from random import Random

    from replay import text

    rng = Random(seed)
    return "".join(f"<p>{text.paragraph(rng, language, 'politics')}</p>" for _ in range(count))


def wordpress_post(language: str, number: int, path: str, other: str | None) -> str:
    title = {"ru": f"Депутаты обсудили законопроект номер {number}",
             "en": f"Deputies discussed draft law number {number}"}[language]
    alternate = (f'<link rel="alternate" hreflang="{"en" if language == "ru" else "ru"}" '
                 f'href="{{origin}}{other}" />' if other else "")
    ld = json.dumps({"@context": "https://schema.org", "@graph": [
        {"@type": "Article", "headline": title, "datePublished": f"2026-01-{number % 28 + 1:02d}"
         "T09:30:00+05:00", "author": {"@type": "Person", "name": "Асель Сатаева"},
         "mainEntityOfPage": {"@id": "{origin}" + path}},
        {"@type": "Organization", "name": "Qala Daily"}]})
    return (f'<!DOCTYPE html><html lang="{language}-{"RU" if language == "ru" else "US"}"><head>'
            f'<meta charset="UTF-8"><title>{title} &#8211; Qala Daily</title>'
            f'<link rel="canonical" href="{{origin}}{path}" />{alternate}'
            f'<meta property="og:title" content="{title}" />'
            '<meta property="og:site_name" content="Qala Daily" />'
            f'<script type="application/ld+json" class="yoast-schema-graph">{ld}</script></head>'
            '<body class="post-template-default single"><header id="masthead"><nav><a href="/">'
            'Главная</a> <a href="/category/politika/">Политика</a></nav></header>'
            f'<main><article class="post"><h1 class="entry-title">{title}</h1>'
            '<div class="entry-meta"><time class="entry-date published" datetime="2026-01-05T09:30:'
            f'00+05:00">5 января 2026</time></div><div class="entry-content">'
            f'{paragraphs(language, number)}</div>'
            '</article></main><footer>© Qala Daily</footer></body></html>')


def wordpress_site() -> dict:
    """A WordPress site in Russian with an English edition under /en/: posts at one-segment
    slugs, its core sitemap index (one part gzipped, no dates), a comments feed beside the
    posts feed, and static pages that are not articles."""
    ru = [f"/deputaty-obsudili-zakonoproekt-nomer-{n}/" for n in range(1, 13)]
    en = [f"/en/deputies-discussed-draft-law-{n}/" for n in range(1, 9)]
    pages = {
        "/robots.txt": (200, "text/plain", "User-agent: *\nDisallow: /wp-admin/\n"
                        "Allow: /wp-admin/admin-ajax.php\n\nSitemap: {origin}/wp-sitemap.xml\n"),
        "/": (200, HTML, '<!DOCTYPE html><html lang="ru-RU"><head><title>Qala Daily &#8211; '
              'Новости Казахстана</title><link rel="alternate" type="application/rss+xml" '
              'title="Qala Daily &raquo; Лента" href="{origin}/feed/" /><link rel="alternate" '
              'type="application/rss+xml" title="Qala Daily &raquo; Лента комментариев" '
              'href="{origin}/comments/feed/" /><link rel="alternate" hreflang="ru" '
              'href="{origin}/" /><link rel="alternate" hreflang="en" href="{origin}/en/" />'
              '</head><body><a href="/o-nas/">О нас</a>'
              + "".join(f'<a href="{p}">x</a>' for p in ru[:5]) + "</body></html>"),
        "/en/": (200, HTML, '<!DOCTYPE html><html lang="en-US"><head><title>Qala Daily</title>'
                 '<link rel="alternate" type="application/rss+xml" title="Qala Daily &raquo; '
                 'Feed" href="{origin}/en/feed/" /></head><body><p>' + SENTENCES["en"]
                 + "</p></body></html>"),
        "/o-nas/": (200, HTML, "<html><body><h1>О нас</h1></body></html>"),
        "/wp-sitemap.xml": (200, XML, '<?xml version="1.0" encoding="UTF-8"?>\n<?xml-stylesheet '
                            'type="text/xsl" href="{origin}/wp-sitemap-index.xsl" ?>\n'
                            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                            + "".join(f"<sitemap><loc>{{origin}}/{name}</loc></sitemap>" for name in (
                                "wp-sitemap-posts-post-1.xml", "wp-sitemap-posts-post-2.xml.gz",
                                "wp-sitemap-posts-page-1.xml",
                                "wp-sitemap-taxonomies-category-1.xml", "wp-sitemap-users-1.xml"))
                            + "</sitemapindex>"),
        "/wp-sitemap-posts-page-1.xml": (200, XML, "<urlset><url><loc>{origin}/o-nas/</loc></url>"
                                         "<url><loc>{origin}/kontakty/</loc></url></urlset>"),
        "/feed/": (200, RSS, '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
                   'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Qala '
                   "Daily</title><language>ru-RU</language>" + "".join(
                       f"<item><title><![CDATA[Депутаты обсудили {n}]]></title><link>{{origin}}"
                       f"{p}?utm_source=rss&amp;utm_medium=rss</link><content:encoded><![CDATA["
                       f"<p>{SENTENCES['ru']}</p>]]></content:encoded></item>"
                       for n, p in enumerate(ru[:8])) + "</channel></rss>"),
        "/comments/feed/": (200, RSS, '<?xml version="1.0"?><rss version="2.0"><channel><title>'
                            "Комментарии: Qala Daily</title>" + "".join(
                                f"<item><title>Комментарий</title><link>{{origin}}/o-nas/#comment-"
                                f"{n}</link></item>" for n in range(5)) + "</channel></rss>"),
        "/en/feed/": (200, RSS, '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
                      "<title>Qala Daily</title><language>en-US</language>" + "".join(
                          f"<item><title>Deputies {n}</title><link>{{origin}}{p}</link></item>"
                          for n, p in enumerate(en)) + "</channel></rss>"),
    }
    posts = "".join(f"<url><loc>{{origin}}{p}</loc></url>" for p in ru)
    pages["/wp-sitemap-posts-post-1.xml"] = (200, XML, f'<urlset xmlns="http://www.sitemaps.org/'
                                             f'schemas/sitemap/0.9">{posts}</urlset>')
    english = "".join(f"<url><loc>{{origin}}{p}</loc></url>" for p in en)
    pages["/wp-sitemap-posts-post-2.xml.gz"] = (200, "application/x-gzip", "GZIP:" + english)
    for n, path in enumerate(ru, 1):
        pages[path] = (200, HTML, wordpress_post("ru", n, path, en[n - 1] if n <= len(en) else None))
    for n, path in enumerate(en, 1):
        pages[path] = (200, HTML, wordpress_post("en", n, path, ru[n - 1]))
    return pages


def _gzip_parts(site: StaticSite) -> None:
    for path, (status, kind, body) in list(site.handler.pages.items()):
        if body.startswith(b"GZIP:"):
            urlset = (b'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.'
                      b'org/schemas/sitemap/0.9">' + body[5:] + b"</urlset>")
            site.handler.pages[path] = (status, kind, gzip.compress(urlset))


def test_a_wordpress_site_with_an_english_edition(tmp_path):
    with StaticSite(wordpress_site()) as site:
        _gzip_parts(site)
        done = add(site.origin, tmp_path, "--name", "qala")
        asked = list(site.handler.asked)
    outlet = load(tmp_path / "qala.toml")
    assert outlet.title == "Qala Daily"
    russian, english = outlet.editions
    assert (russian.language, russian.default, russian.feeds) == ("ru", True, ("/feed/",))
    assert (english.language, english.prefixes, english.feeds) == ("en", ("/en/",),
                                                                   ("/en/feed/",))
    assert outlet.discovery.sitemaps == ("/wp-sitemap.xml",)
    assert "/comments/feed/" not in asked  # readers' comments are not articles
    assert "/wp-sitemap-posts-post-2.xml.gz" in asked and "/wp-sitemap-users-1.xml" not in asked
    assert outlet.articles.key == "url"
    for path in ("/deputaty-obsudili-zakonoproekt-nomer-3/", "/en/deputies-discussed-draft-law-2/"):
        assert is_article_url(site.origin + path, outlet)
        assert canonical_url(site.origin + path + "?utm_source=rss&utm_medium=rss",
                             outlet=outlet) == site.origin + path
    for page in ("/", "/en/", "/o-nas/", "/kontakty/", "/category/politika/", "/feed/"):
        assert not is_article_url(site.origin + page, outlet), page
    assert "coverage: title 6/6 (100%), date 6/6 (100%), body 6/6 (100%), language 6/6 (100%), " \
           "authors 6/6 (100%)" in done.stdout


CP1251 = "text/html; charset=windows-1251"


def cms_article(language: str, number: int) -> str:
    title = {"ru": f"В Астане обсудили законопроект {number}",
             "kk": f"Астанада заң жобасы талқыланды {number}"}[language]
    charset = "windows-1251"
    return (f'<html lang="{language}"><head><meta http-equiv="Content-Type" content="text/html; '
            f'charset={charset}"><title>{title} :: Дала-Инфо</title>'
            f'<meta property="og:title" content="{title}"></head><body>'
            '<div class="header"><a href="/">Главная</a></div><div class="content">'
            f'<h1>{title}</h1><div class="date">0{number % 9 + 1}.01.2026 10:{number:02d}</div>'
            f'<div class="detail_text">{paragraphs(language, number, 4)}'
            + "</div></div><div class=\"footer\"><a href=\"/rss/\">RSS</a></div></body></html>")


def cms_site() -> dict:
    """An old Russian CMS in windows-1251: numbered articles under sections, a Kazakh edition
    under /kz/ reached by a `Қаз` switch, a feed linked only from the footer, and a plain
    /sitemap.xml that robots.txt does not name."""
    ru = [f"/news/{('politics', 'society')[n % 2]}/{123450 + n}/" for n in range(14)]
    kk = [f"/kz/news/sayasat/{223450 + n}/" for n in range(6)]
    home = ('<html lang="ru"><head><meta http-equiv="Content-Type" content="text/html; '
            'charset=windows-1251"><title>Дала-Инфо</title></head><body><div class="lang">'
            '<a href="/kz/">Қаз</a> <a href="/">Рус</a></div>'
            + "".join(f'<a href="{p}">Новость</a>' for p in ru[:8])
            + '<div class="footer"><a href="/rss/">RSS</a></div></body></html>')
    pages = {
        "/robots.txt": (200, "text/plain", "User-agent: *\nDisallow: /bitrix/\nDisallow: /search/\n"),
        "/": (200, CP1251, home),
        "/kz/": (200, CP1251, home.replace('lang="ru"', 'lang="kk"').replace(
            "Дала-Инфо</title>", "Дала-Инфо</title><!-- kk -->") + "".join(
                f'<a href="{p}">Жаңалық</a>' for p in kk)),
        "/rss/": (200, "application/xml; charset=windows-1251",
                  '<?xml version="1.0" encoding="windows-1251"?><rss version="2.0"><channel>'
                  "<title>Дала-Инфо</title>" + "".join(
                      f"<item><title>В Астане обсудили законопроект</title><link>{{origin}}{p}"
                      f"</link></item>" for p in ru) + "</channel></rss>"),
        "/sitemap.xml": (200, XML, '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://'
                         'www.sitemaps.org/schemas/sitemap/0.9">' + "".join(
                             f"<url><loc>{{origin}}{p}</loc></url>" for p in
                             ["/", "/news/", "/news/politics/", "/kz/", *ru, *kk])
                         + "</urlset>"),
    }
    for n, path in enumerate(ru):
        pages[path] = (200, CP1251, cms_article("ru", n))
    for n, path in enumerate(kk):
        pages[path] = (200, CP1251, cms_article("kk", n))
    return pages


def test_an_old_cms_in_windows_1251_with_a_kazakh_edition(tmp_path):
    with StaticSite(cms_site()) as site:
        done = add(site.origin, tmp_path, "--name", "dala-info", "--samples", "8")
    outlet = load(tmp_path / "dala-info.toml")
    russian, kazakh = outlet.editions
    assert (russian.language, russian.default) == ("ru", True)
    assert (kazakh.language, kazakh.prefixes) == ("kk", ("/kz/",))
    assert outlet.discovery.feeds == ("/rss/",) and outlet.discovery.sitemaps == ("/sitemap.xml",)
    assert outlet.articles.key == "id"
    assert article_id_from_url(site.origin + "/news/society/123457/", outlet) == 123457
    assert article_id_from_url(site.origin + "/kz/news/sayasat/223451/", outlet) == 223451
    assert edition_of(site.origin + "/kz/news/sayasat/223451/", outlet) == "kk"
    for page in ("/", "/kz/", "/news/", "/news/politics/", "/rss/"):
        assert not is_article_url(site.origin + page, outlet), page
    assert "Дала-Инфо" in done.stdout and "[kk] 'Астанада заң жобасы талқыланды" in done.stdout


# ---- what is refused ----------------------------------------------------------------------------

def test_robots_txt_is_obeyed_and_the_site_is_not_left(tmp_path):
    pages = wordpress_site()
    pages["/robots.txt"] = (200, "text/plain", "User-agent: *\nDisallow: /en/\n"
                            "Sitemap: {origin}/wp-sitemap.xml\nSitemap: http://example.org/x.xml\n")
    pages["/"] = (200, HTML, pages["/"][2].replace(
        '<link rel="alternate" type="application/rss+xml" title="Qala Daily &raquo; Лента" '
        'href="{origin}/feed/" />',
        '<link rel="alternate" type="application/rss+xml" href="http://feeds.example.org/qala" />'))
    with StaticSite(pages) as site:
        _gzip_parts(site)
        done = add(site.origin, tmp_path, "--name", "qala", "--dry-run")
        asked = list(site.handler.asked)
    assert not [path for path in asked if path.startswith("/en/")]
    assert "note: robots.txt does not allow" in done.stdout
    assert "note: http://feeds.example.org/qala is not on the site: not read" in done.stdout
    assert "dry run: nothing stored" in done.stdout


@pytest.mark.parametrize(("pages", "message"), [
    ({"/robots.txt": (200, "text/plain", "User-agent: *\nDisallow: /\n")},
     r"^error: cannot look at http://127\.0\.0\.1:\d+/: robots\.txt does not allow "),
    ({"/": (404, "text/html", "<h1>Not here</h1>")},
     r"^error: http://127\.0\.0\.1:\d+/ answered HTTP 404, not a page: check the address$"),
    ({"/": (200, HTML, "<html><body><p>Under construction</p></body></html>")},
     r"^error: nothing at http://127\.0\.0\.1:\d+/ looks like articles: no feed, no sitemap"),
    ({"/": (302, "http://example.org/", b"")},
     r"^error: cannot look at .*: http://example\.org/ is not on the site .*: not requested$"),
])
def test_an_address_that_cannot_be_an_outlet_is_one_line_and_stores_nothing(
        tmp_path, pages, message):
    import re

    with StaticSite(pages) as site:
        done = add(site.origin, tmp_path, "--name", "x", check=False)
    assert done.returncode == 2
    assert re.search(message, done.stderr.strip().splitlines()[-1]), done.stderr
    assert "Traceback" not in done.stderr and not list(tmp_path.iterdir())


def test_unreachable_and_malformed_addresses(tmp_path):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = add(f"http://127.0.0.1:{port}", tmp_path, check=False)
    assert done.returncode == 2 and "error: could not reach http://127.0.0.1:" in done.stderr
    for bad in ("ftp://example.org/", "http://", "https://example.org:port/"):
        done = add(bad, tmp_path, check=False)
        assert done.returncode == 2 and "is not a web address" in done.stderr, bad
    done = add("http://127.0.0.1:9", tmp_path, "--name", "Bad Name", check=False)
    assert done.returncode == 2 and "--name 'Bad Name' must be lower-case" in done.stderr


# ---- list, show, remove -------------------------------------------------------------------------

def test_list_show_and_remove_added_outlets(agency, replays, tmp_path):
    folder = tmp_path / "outlets"
    add(replays["agency"].base_url, folder, "--name", "dala")
    again = add(replays["agency"].base_url, folder, "--name", "dala2", check=False)
    assert again.returncode == 2 and "is the outlet 'dala' already" in again.stderr
    taken = add(replays["ledger"].base_url, folder, "--name", "dala", check=False)
    assert taken.returncode == 2 and "an outlet named 'dala' exists already" in taken.stderr
    listed = mediawatch("outlet", "list", "--outlets-dir", str(folder)).stdout.splitlines()
    assert listed[0].startswith("vlast ") and listed[0].endswith("(built-in)")
    assert listed[1].startswith("dala ") and "editions ru,kk" in listed[1]
    shown = mediawatch("outlet", "show", "dala", "--outlets-dir", str(folder)).stdout
    assert shown == (folder / "dala.toml").read_text(encoding="utf-8")
    as_json = json.loads(mediawatch("outlet", "show", "vlast", "--json", "--outlets-dir",
                                    str(folder)).stdout)
    assert as_json["articles"]["key"] == "id"
    (folder / "broken.toml").write_text('name = "broken"\nhome = "https://x.example"\n'
                                        '[articles]\npatterns = ["(unclosed"]\n', encoding="utf-8")
    broken = mediawatch("outlet", "list", "--outlets-dir", str(folder), check=False)
    assert broken.returncode == 2
    assert "broken           " in broken.stdout and "is not a regular expression" in broken.stdout
    assert broken.stderr.startswith("error: 1 definition cannot be used: fix or remove ")
    removed = mediawatch("outlet", "remove", "dala", "--outlets-dir", str(folder))
    assert removed.stdout.strip() == f"removed {folder / 'dala.toml'}"
    (tmp_path / "outside.toml").write_text("", encoding="utf-8")
    for args, message in ((("remove", "vlast"), "'vlast' is built in and cannot be removed"),
                          (("remove", "dala"), "no outlet named 'dala'"),
                          (("remove", "../outside"), "'../outside' is not an outlet's name"),
                          (("show", "../outside"), "no outlet named '../outside'"),
                          (("show", "nothing"), "no outlet named 'nothing'")):
        done = mediawatch("outlet", *args, "--outlets-dir", str(folder), check=False)
        assert done.returncode == 2 and message in done.stderr, args
    assert (tmp_path / "outside.toml").exists()


def test_the_outlets_folder_is_beside_the_archive_by_default(replays, tmp_path):
    db = tmp_path / "desk.db"
    mediawatch("outlet", "add", replays["ledger"].base_url, "--name", "ledger", "--db", str(db))
    assert (tmp_path / "desk.outlets" / "ledger.toml").is_file()
    assert not db.exists()  # the archive is not made for this
