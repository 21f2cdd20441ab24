"""Hostile input, generated: the extractor and the search answer or fail with their own error."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.extract import ExtractionError, extract
from storage.archive import Archive
from storage.records import ArticleRecord
from storage.search import SearchQueryError

PAGES = Path(__file__).parent / "pages"
URL = "https://vlast.kz/politika/57753-akcia.html"
SAMPLE = (PAGES / "ru" / "gorod-photo-genitive.html").read_bytes()
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def try_extract(data: bytes | str, url: str = URL) -> None:
    try:
        record = extract(data, url)
    except ExtractionError:
        return
    assert isinstance(record, ArticleRecord)
    assert record.title and record.body


# ---- the extractor -----------------------------------------------------------------------

def pieces(*fragments: str, size: int) -> st.SearchStrategy[str]:
    """Text made of random characters and the given fragments, in any order."""
    parts = st.text(st.characters(codec="utf-8"), max_size=8) | st.sampled_from(fragments)
    return st.lists(parts, max_size=size).map("".join)


hostile_text = pieces("<", ">", "&", "&#0;", "&#xD800;", "&#27;", "\x00", "\x1b[31m", "\ufeff",
                      "]]>", "<!--", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
                      "</div>", "<p>", "\u202e", size=30)


@st.composite
def hostile_pages(draw) -> bytes:
    """An article page of the outlet's shape with hostile parts in every place."""
    depth = draw(st.integers(0, 3000))
    attribute = "x" * draw(st.integers(0, 200_000))
    paragraphs = draw(st.lists(hostile_text, max_size=6))
    title = draw(hostile_text)
    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    declared = draw(st.sampled_from(["utf-8", "cp1251", "koi8-r", "bogus", ""]))
    page = (
        f'<html lang="ru"><head><meta charset="{declared}">'
        f'<title>{title}</title><link rel="canonical" href="{draw(hostile_text)}">'
        f'<script type="application/ld+json">{draw(hostile_text)}</script></head><body>'
        f'<ul class="list-unstyled"><li class="has-title"><h1 data-x="{attribute}">{title}</h1></li></ul>'
        + "<div>" * depth
        + f'<div class="default-item-in js-mediator-article">{body}<script>{draw(hostile_text)}</script>'
        + "</div>" * draw(st.integers(0, depth + 1))
        + "</div></body></html>"
    )
    encoding = draw(st.sampled_from(["utf-8", "cp1251", "utf-16", "latin-1"]))
    data = page.encode(encoding, errors="replace")
    cut = draw(st.integers(0, len(data)))
    return data if draw(st.booleans()) else data[:cut] + draw(st.binary(max_size=50))


@SETTINGS
@given(st.binary(max_size=4000))
def test_random_bytes_give_a_record_or_an_extraction_error(data):
    try_extract(data)


@SETTINGS
@given(hostile_pages())
def test_hostile_pages_give_a_record_or_an_extraction_error(page):
    try_extract(page)


@SETTINGS
@given(st.integers(0, len(SAMPLE)), st.integers(0, len(SAMPLE)), st.binary(max_size=300))
def test_a_real_page_broken_anywhere_gives_a_record_or_an_extraction_error(start, end, junk):
    start, end = sorted((start, end))
    try_extract(SAMPLE[:start] + junk + SAMPLE[end:])


@SETTINGS
@given(hostile_text)
def test_any_url_gives_a_record_or_an_extraction_error(url):
    try_extract(SAMPLE, url)


# ---- the search ----------------------------------------------------------------------------

def article(article_id: int, language: str, section: str, title: str, body: list[str]):
    return ArticleRecord(article_id=article_id, language=language,
                         url=f"https://vlast.kz/{section}/{article_id}-a.html", section=section,
                         slug="a", title=title, lead="", authors=["Ольга Логинова"],
                         published="2024-01-15T10:00:00+05:00", body=body)


@pytest.fixture(scope="module")
def small_archive(tmp_path_factory):
    archive = Archive(tmp_path_factory.mktemp("props") / "a.db")
    records = [
        article(1, "ru", "politika", "Митинг в Алматы", ["Активисты вышли на митинг.",
                                                         "Акимат ответил «нет»."]),
        article(2, "kk", "vlast-qazaqsha", "Алматыдағы митинг", ["Белсенділер шықты."]),
        article(3, "en", "english", "Rally in Almaty", ["Activists rallied on Sunday."]),
    ]
    for record in records:
        archive.record_page(None, record.url, 200, {}, b"<html></html>", record,
                            "2024-02-01T00:00:00+00:00")
    yield archive
    archive.close()


query_text = pieces('"', "(", ")", "*", "AND", "OR", "NOT", "NEAR", "^", ":", "-", "+", "{", "}",
                    "'", "митинг", "rally", "\x00", " ", "title:", "body_stems:", ";", "--",
                    size=12)


@SETTINGS
@given(query_text, st.booleans(), st.sampled_from([None, "ru", "kk", "en"]))
def test_any_query_is_answered_or_refused_with_a_search_error(small_archive, query, versions,
                                                              language):
    try:
        hits = small_archive.search(query, all_versions=versions, language=language)
    except SearchQueryError as exc:
        assert str(exc)
        return
    assert isinstance(hits, list)
    assert all(hit["article_id"] in (1, 2, 3) for hit in hits)
