"""Behaviours of the URL rules, bylines, records and the WARC export that mutation found unguarded."""

from __future__ import annotations

import io

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.bylines import split_byline
from crawler.canonical import (
    article_id_from_url,
    article_reference,
    canonical_url,
    edition_ids,
    plain_url,
)
from storage.records import ArticleRecord, content_fingerprint, record_from_row, version_columns
from views.export import write_warc

ARTICLE = "https://vlast.kz/politika/57753-akcia.html"

# ---- canonicalisation ----------------------------------------------------------------------------


def test_the_amp_edition_of_an_article_is_the_article():
    amp = "https://vlast.kz/amp/politika/57753-akcia.html"
    assert canonical_url(amp) == ARTICLE
    assert article_id_from_url(amp) == 57753
    # `/amp/` without an article after it is a page of its own
    assert canonical_url("https://vlast.kz/amp/") == "https://vlast.kz/amp/"


def test_a_link_relative_to_the_page_resolves_against_its_folder():
    page = ARTICLE
    assert canonical_url("57754-next.html", page) == "https://vlast.kz/politika/57754-next.html"
    assert canonical_url("../english/57750-x.html", page) == "https://vlast.kz/english/57750-x.html"


def test_a_relative_url_without_a_base_stays_relative():
    assert canonical_url("/kz/politika/57753-akcia.html/?utm_source=tg") == "/politika/57753-akcia.html"


def test_plain_url_keeps_any_sites_path_and_drops_fragment_and_tracking():
    assert plain_url(" HTTPS://Example.COM:443/kz//a.html/?utm_source=x&b=1#top ") == \
        "https://example.com/kz//a.html/?b=1"
    assert plain_url("http://example.com:8080?fbclid=1") == "http://example.com:8080/"


@pytest.mark.parametrize(("ref", "expected"), [
    (" 57753 ", (57753, None)),
    ("https://vlast.kz/kz/politika/57753-akcia.html?utm_source=tg#top", (57753, ARTICLE)),
    ("https://vlast.kz/tags/miting/", (None, "https://vlast.kz/tags/miting/")),
])
def test_article_reference(ref, expected):
    assert article_reference(ref) == expected


def test_edition_ids_skip_links_that_are_no_articles():
    links = ["https://vlast.kz/english/57750-x.html", "https://vlast.kz/tags/x/",
             "/vlast-qazaqsha/60412-y.html"]
    assert edition_ids(links) == [57750, 60412]


# ---- bylines -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("line", "authors"), [
    ("John Smith, AP Auto Writer", ["John Smith"]),
    ("Ольга Логинова, корреспондент Власти", ["Ольга Логинова"]),
])
def test_a_job_title_after_a_name_is_not_an_author(line, authors):
    assert split_byline(line) == (authors, [])


# ---- versions and fingerprints -------------------------------------------------------------------


def record() -> ArticleRecord:
    return ArticleRecord(
        article_id=57753, language="ru", url=ARTICLE, section="politika", slug="akcia",
        title="Митинг в Алматы", lead="Жители вышли на площадь", authors=["Ольга Логинова"],
        body=["Сотни жителей вышли на митинг.", "Полиция задержала участников."])


def test_the_fingerprint_does_not_depend_on_the_order_of_the_fields():
    content = record().versioned_content()
    assert content_fingerprint(dict(reversed(content.items()))) == record().fingerprint


def test_version_columns_hold_the_word_count_and_lists_as_readable_json():
    columns = version_columns(record().to_dict())
    assert columns["word_count"] == 8
    assert columns["authors"] == '["Ольга Логинова"]' and columns["tags"] == "[]"
    assert record_from_row(columns)["body"] == record().body


# ---- WARC export ---------------------------------------------------------------------------------


def capture(status: int, body: bytes) -> tuple[dict, dict, bytes]:
    info = {"url": ARTICLE, "status": status, "fetched_at": "2024-01-10T12:00:00Z"}
    return info, {"Content-Type": "text/html"}, body


@pytest.mark.parametrize("gzip", [True, False])
def test_a_warc_holds_each_body_whole_compressed_or_not(gzip):
    out = io.BytesIO()
    bodies = [b"<html>first</html>", b""]
    assert write_warc([capture(200, bodies[0]), capture(404, bodies[1])], out, gzip=gzip,
                      filename="two.warc") == 2
    assert out.getvalue().startswith(b"\x1f\x8b" if gzip else b"WARC/1.1\r\n")
    out.seek(0)
    responses = [(r.http_headers.get_statuscode(), r.rec_headers.get_header("Content-Length"),
                  r.http_headers.to_bytes(), r.content_stream().read())
                 for r in ArchiveIterator(out) if r.rec_type == "response"]
    assert [(status, body) for status, _, _, body in responses] == [("200", bodies[0]),
                                                                     ("404", bodies[1])]
    for _, length, head, body in responses:
        assert int(length) == len(head) + len(body)


def test_a_warc_record_names_its_date_as_the_standard_spells_it():
    out = io.BytesIO()
    write_warc([capture(200, b"<html>first</html>")], out, gzip=False, filename="one.warc")
    response = out.getvalue().split(b"WARC/1.1\r\n")[2]
    assert response.startswith(b"WARC-Date: 2024-01-10T12:00:00Z\r\n"), response[:80]
