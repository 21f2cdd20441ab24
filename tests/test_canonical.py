"""Unit tests of the outlet's URL rules, one rule at a time."""

from __future__ import annotations

import pytest

from crawler.canonical import (
    article_id_from_url,
    canonical_url,
    is_article_url,
    language_for_section,
    same_site,
    section_and_slug,
)

BASE = "https://vlast.kz/"
ARTICLE = "https://vlast.kz/politika/57753-akcia-proprezidentskogo-dvizenia-protiv-nasilia.html"
OLD_STYLE = "https://vlast.kz/politika/4446-nesoglasie_nachinaetsja_v_subbotu-4446.html"


@pytest.mark.parametrize(
    ("url", "article_id"),
    [
        (ARTICLE, 57753),
        (OLD_STYLE, 4446),
        ("/english/57750-pro-tokayev-activists-rally-against-violence.html", 57750),
        ("https://vlast.kz/kz/obsshestvo/32458-x.html", 32458),
        ("https://vlast.kz/vlast-qazaqsha/60412-auyl.html?utm_source=tg#top", 60412),
        ("https://vlast.kz/politika/57753-akcia.html/", 57753),
        ("https://vlast.kz/tags/57753-akcia.html", None),
        ("https://vlast.kz/politika/?archive=1", None),
        ("https://vlast.kz/novosti/2", None),
        ("https://vlast.kz/politika/akcia.html", None),
    ],
)
def test_article_id_from_url(url, article_id):
    assert article_id_from_url(url) == article_id


@pytest.mark.parametrize("url", [ARTICLE, OLD_STYLE, "/kz/english/59207-x.html"])
def test_article_urls(url):
    assert is_article_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://vlast.kz/",
        "https://vlast.kz/tags/miting/",
        "https://vlast.kz/author/olga-loginova/",
        "https://vlast.kz/avtory/12-olga-loginova.html",
        "https://vlast.kz/search/?query=митинг",
        "https://vlast.kz/feed/",
        "https://vlast.kz/rss.php",
        "https://vlast.kz/sitemap.xml",
        "https://vlast.kz/sitemap-2023-11.xml",
        "https://vlast.kz/politika/?archive=1",
        "https://vlast.kz/politika/3/?archive=1",
        "https://vlast.kz/novosti/2",
        "https://vlast.kz/media/57753-cover.html",
        "https://vlast.kz/media/pages/57753/cover.jpg",
    ],
)
def test_non_article_urls(url):
    assert not is_article_url(url)


def test_section_and_slug():
    assert section_and_slug(ARTICLE) == (
        "politika", "akcia-proprezidentskogo-dvizenia-protiv-nasilia")
    assert section_and_slug(OLD_STYLE) == ("politika", "nesoglasie_nachinaetsja_v_subbotu-4446")
    assert section_and_slug("https://vlast.kz/tags/x/") is None


def test_canonical_strips_interface_prefix():
    assert canonical_url("https://vlast.kz/kz/politika/1-x.html") == "https://vlast.kz/politika/1-x.html"
    assert canonical_url("https://vlast.kz/kz/") == "https://vlast.kz/"
    assert canonical_url("https://vlast.kz/kzt/1-x.html") == "https://vlast.kz/kzt/1-x.html"


def test_canonical_strips_tracking_params_and_keeps_others():
    url = ("https://vlast.kz/politika/?utm_source=fb&archive=1&fbclid=a&gclid=b&yclid=c"
           "&utm_campaign=x&page=2&_openstat=d")
    assert canonical_url(url) == "https://vlast.kz/politika/?archive=1&page=2"


def test_canonical_keeps_query_encoding():
    url = "https://vlast.kz/search/?query=%D0%BC%D0%B8%D1%82%D0%B8%D0%BD%D0%B3&utm_medium=x"
    assert canonical_url(url) == "https://vlast.kz/search/?query=%D0%BC%D0%B8%D1%82%D0%B8%D0%BD%D0%B3"


def test_canonical_drops_fragment():
    assert canonical_url(ARTICLE + "#comments") == ARTICLE


def test_canonical_forces_scheme_and_host_of_base():
    assert canonical_url("http://www.vlast.kz/politika/1-x.html", BASE) == (
        "https://vlast.kz/politika/1-x.html")
    assert canonical_url("https://vlast.kz/politika/1-x.html", "http://www.vlast.kz/") == (
        "http://www.vlast.kz/politika/1-x.html")
    assert canonical_url("https://vlast.kz/politika/1-x.html", "http://127.0.0.1:8765/") == (
        "https://vlast.kz/politika/1-x.html")


def test_canonical_resolves_relative_urls():
    assert canonical_url("/kz/politika/1-x.html", "http://127.0.0.1:8765/x/") == (
        "http://127.0.0.1:8765/politika/1-x.html")
    assert canonical_url("//vlast.kz/politika/1-x.html", BASE) == "https://vlast.kz/politika/1-x.html"


def test_canonical_leaves_other_sites_on_their_host():
    assert canonical_url("https://www.example.com/a?utm_source=x", BASE) == "https://www.example.com/a"


def test_canonical_normalises_slashes_host_case_and_default_port():
    assert canonical_url("https://VLAST.kz:443//politika//1-x.html/") == (
        "https://vlast.kz/politika/1-x.html")
    assert canonical_url("https://vlast.kz/tags/miting//") == "https://vlast.kz/tags/miting/"
    assert canonical_url("https://vlast.kz") == "https://vlast.kz/"
    assert canonical_url("http://127.0.0.1:8765/feed/") == "http://127.0.0.1:8765/feed/"


@pytest.mark.parametrize(
    ("section", "language"),
    [("english", "en"), ("vlast-qazaqsha", "kk"), ("vlas-qazaqsha", "kk"), ("politika", "ru"),
     ("novosti", "ru"), ("project-syndicate", "ru")],
)
def test_language_for_section(section, language):
    assert language_for_section(section) == language


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/politika/1-x.html", True),
        ("https://vlast.kz/politika/1-x.html", True),
        ("http://www.vlast.kz/politika/1-x.html", True),
        ("https://vlast.kz:443/", True),
        ("https://example.com/politika/1-x.html", False),
        ("https://vlast.kz.example.com/", False),
        ("http://127.0.0.1:8765/x", False),
    ],
)
def test_same_site(url, expected):
    assert same_site(url, BASE) is expected


def test_same_site_compares_ports():
    assert same_site("http://127.0.0.1:8765/x", "http://127.0.0.1:8765/")
    assert not same_site("http://127.0.0.1:8766/x", "http://127.0.0.1:8765/")
