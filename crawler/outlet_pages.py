"""Reading an article page of an added outlet: the generic path (after its own layouts, where it
has a module), with the outlet's URL rules for its canonical address, its key, its edition and
its links to the story's other editions."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from crawler.canonical import (
    article_id_from_url,
    canonical_url,
    edition_of,
    is_article_url,
    same_site,
    section_and_slug,
)
from crawler.decoding import ExtractionError, parse_html
from crawler.extract import extract_generic
from crawler.page import compile_xpath
from outlets import Outlet
from storage.records import ArticleRecord

MOST_TITLE = 1000  # characters of a headline kept; a page may claim a megabyte of one
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Publication years believed; a page that says 9999 or 0001 has no date the archive can use.
YEARS = (1900, 2100)

# Links to the page in other languages: hreflang alternates, and links marked with an hreflang.
OTHER_EDITIONS = compile_xpath(
    "//link[contains(concat(' ', translate(normalize-space(@rel), 'ALTERNATE', 'alternate'), ' '),"
    " ' alternate ')][@hreflang]/@href | //a[@hreflang][@href]/@href")


def article_key(outlet: Outlet, url: str) -> str | None:
    """The key of an article URL of the outlet: its own id where its rule has one, else its
    canonical URL; None for a URL that is not one of its articles."""
    if not is_article_url(url, outlet):
        return None
    if outlet.articles.key == "id":
        number = article_id_from_url(url, outlet)
        return str(number) if number is not None else None
    return canonical_url(url, outlet=outlet)


def extract_outlet(outlet: Outlet, html: str | bytes, url: str,
                   fetched_at: str | None = None) -> ArticleRecord:
    """Read an article page of an added outlet. The record's id is the outlet's own id where its
    rule has one (else None: the archive numbers it); its language is the edition its address
    belongs to, or the page's own when the address does not tell; `translations` are the
    canonical URLs of the outlet's articles the page names as its other editions. A lead the
    page also sets over its text (a standfirst) is not the body's first paragraph as well.
    Where the definition names an outlet module, its layouts' markup is read first."""
    if isinstance(html, bytes) and _binary(html):
        raise ExtractionError(f"{url} is not a web page but binary data (a PDF, an image, a "
                              "file) served as one: not archived")
    record = extract_generic(html, url, fetched_at, outlet)
    _tame(record)
    if len(record.body) > 1 and record.lead and _same_text(record.body[0], record.lead):
        record.body = record.body[1:]  # the lead, standing over the text: a field of its own
    own = record.url if same_site(record.url, url) and is_article_url(record.url, outlet) else url
    own = canonical_url(own, outlet=outlet)
    if not is_article_url(own, outlet):
        raise ExtractionError(f"not an article URL of {outlet.name}: {url}")
    record.url = own
    record.article_id = article_id_from_url(own, outlet) if outlet.articles.key == "id" else None
    section, slug = section_and_slug(own, outlet) or ("", "")
    record.section, record.slug = section, slug
    record.language = _language(outlet, own, record.language)
    doc = parse_html(html)
    links = (canonical_url(urljoin(url, href.strip()), outlet=outlet)
             for href in OTHER_EDITIONS(doc))
    record.translations = list(dict.fromkeys(
        link for link in links if link != own and same_site(link, url)
        and is_article_url(link, outlet)))
    return record


BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b",
                b"RIFF", b"\x00\x00\x00")


def _binary(body: bytes) -> bool:
    """True for a body that is no text: a known file's signature, or control bytes (NUL and
    others) making more than a tenth of its start."""
    start = body[:4096].lstrip()
    if start.startswith(BINARY_MAGIC):
        return True
    controls = sum(byte < 9 or 13 < byte < 32 for byte in start)
    return bool(start) and controls * 10 > len(start)


def _tame(record: ArticleRecord) -> None:
    """What a hostile page claims, made harmless: control characters out of the headline, the
    headline cut to MOST_TITLE characters, a publication date outside YEARS dropped."""
    title = " ".join(CONTROL.sub(" ", record.title or "").split())
    record.title = title if len(title) <= MOST_TITLE else title[:MOST_TITLE - 1].rstrip() + "…"
    for name in ("published", "modified"):
        value = getattr(record, name, None)
        if isinstance(value, str) and not (
                value[:4].isdigit() and YEARS[0] <= int(value[:4]) < YEARS[1]):
            setattr(record, name, None)


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def _language(outlet: Outlet, url: str, read: str | None) -> str:
    """The edition an address belongs to where the editions' places tell (a prefix, a host, a
    query parameter), else the page's language when it is one of the outlet's editions."""
    by_address = edition_of(url, outlet)
    default = outlet.default_edition
    placed = by_address and (default is None or by_address != default.language)
    if placed or read not in outlet.languages:
        return by_address or read or (outlet.languages[0] if outlet.languages else "")
    return read
