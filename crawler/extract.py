"""Turn one fetched article page into an ArticleRecord: site selectors first, generic metadata after."""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from copy import deepcopy
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urljoin

import lxml.html
from lxml import etree
from trafilatura import bare_extraction
from trafilatura.metadata import Document, extract_metadata
from trafilatura.settings import DEFAULT_CONFIG, Extractor

from crawler.bylines import Byline, split_byline
from crawler.canonical import (
    SECTION_LANGUAGES,
    article_id_from_url,
    canonical_url,
    is_article_url,
    language_for_section,
    same_site,
    section_and_slug,
)
from crawler.dates import normalise_timestamp, parse_visible_date, to_local_iso
from storage.records import ArticleRecord


class ExtractionError(ValueError):
    """The page is not an article of the outlet, or its title or body text cannot be read."""


def _has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def _xpath(expression: str) -> etree.XPath:
    return etree.XPath(expression, smart_strings=False)


NOT_BOILERPLATE = "not(ancestor::aside or ancestor::footer or ancestor::nav)"

# The outlet's own markup (docs/design.md).
SITE_TITLE = _xpath(f"//li[{_has_class('has-title')}]//h1")
SITE_LEAD = _xpath(f"//*[{_has_class('item-lead')}]")
SITE_AUTHOR_LINE = _xpath(f"//*[{_has_class('author-line')}]")
SITE_DATE_LINE = _xpath(f"//ul[{_has_class('item-expand-meta')}]")
SITE_TAGS = _xpath(f"//*[{_has_class('item-tags')}]//a")
SITE_COVER = _xpath(f"//figure[{_has_class('item-cover')}]")
SITE_BODY = _xpath(f"//div[{_has_class('default-item-in')} or {_has_class('js-mediator-article')}]")
SITE_EDITION_LINKS = _xpath(f"//p[{_has_class('other-edition')}]//a/@href")

# Generic markup: OpenGraph, JSON-LD, HTML5 elements.
META = _xpath("//meta[@content]")
JSON_LD = _xpath("//script[@type='application/ld+json']/text()")
CANONICAL = _xpath("//link[contains(concat(' ', @rel, ' '), ' canonical ')]/@href")
ALTERNATES = _xpath("//link[contains(concat(' ', @rel, ' '), ' alternate ')][@hreflang]/@href")
BASE_HREF = _xpath("//base/@href")
HTML_TITLE = _xpath("//head/title")
HEADLINE = _xpath(f"//h1[{NOT_BOILERPLATE}]")
TIMES = _xpath(f"//time[{NOT_BOILERPLATE}]")
AUTHOR_LINKS = _xpath(f"//a[@rel='author'][{NOT_BOILERPLATE}]")
FIGURES = _xpath("//figure[.//img][figcaption]")
GENERIC_BODY = (
    _xpath("//*[@itemprop='articleBody']"),
    _xpath(f"//article[{NOT_BOILERPLATE}]"),
    _xpath("//main"),
    _xpath("//body"),
)

# Parts of the body scope that are not body text.
IMAGE_ONLY_P = "self::p[.//img][not(normalize-space())]"
PRUNED = _xpath(
    " | ".join(
        [
            f".//*[{_has_class('img-caption')}]",
            ".//figure",
            ".//figcaption",
            f".//p[{_has_class('other-edition')}]",
            f".//p[em or i][count(*) = 1][not(text()[normalize-space()])]"
            f"[preceding-sibling::*[1][{IMAGE_ONLY_P}]]",
            ".//aside",
            ".//nav",
            ".//footer",
            ".//h1",
            ".//script",
            ".//style",
            ".//noscript",
        ]
        + [
            f".//*[{_has_class(name)}]"
            for name in ("popular", "item-tags", "author-line", "item-lead", "item-cover",
                         "item-expand-meta")
        ]
    )
)
PARAGRAPHS = _xpath(".//p[not(ancestor::p)]")

ARTICLE_TYPES = re.compile(r"Article$|^BlogPosting$|^Report$")
SITE_SUFFIX = re.compile(r"\s+[|—–-]\s+Vlast\.kz\s*$", re.IGNORECASE)
DECLARED_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Character references to control characters (`&#1;`, `&#x1b`): the parser would decode them.
CONTROL_REFERENCES = re.compile(
    r"&#(?:0*(?:[0-8]|1[1-24-9]|2[0-9]|3[01]|127)(?![0-9])"
    r"|[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]|7[fF])(?![0-9a-fA-F]));?"
)


def _trafilatura_options() -> Extractor:
    """Fast extraction with no minimum length: a short article must not go to the baseline
    rescue, which merges all paragraphs into one."""
    config = deepcopy(DEFAULT_CONFIG)
    config["DEFAULT"]["MIN_EXTRACTED_SIZE"] = "1"
    config["DEFAULT"]["MIN_OUTPUT_SIZE"] = "1"
    return Extractor(config=config, fast=True, comments=False, tables=True)


TRAFILATURA_OPTIONS = _trafilatura_options()


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def _unique(values) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))


# ---------------------------------------------------------------- decoding and parsing


def _candidate_encodings(data: bytes) -> list[str]:
    """UTF-8 first (valid UTF-8 with Cyrillic is never cp1251 text), then the declared charset,
    then cp1251, the outlet's legacy encoding."""
    if data.startswith(codecs.BOM_UTF8):
        return ["utf-8-sig"]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return ["utf-16"]
    declared = DECLARED_CHARSET.search(data[:4096])
    names = ["utf-8", declared[1].decode("ascii", "ignore") if declared else "", "cp1251"]
    return [name for name in names if name]


def decode_html(data: bytes) -> str:
    """Text of an HTML page given as bytes, whatever charset it declares or fails to declare."""
    for encoding in _candidate_encodings(data):
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("utf-8", errors="replace")


def parse_html(html: str | bytes) -> lxml.html.HtmlElement:
    """The document tree of a page, or ExtractionError when there is no HTML to read."""
    text = decode_html(html) if isinstance(html, bytes) else html
    text = CONTROL_REFERENCES.sub("", CONTROL_CHARACTERS.sub("", XML_DECLARATION.sub("", text)))
    if not text.strip():
        raise ExtractionError("empty page")
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as error:
        raise ExtractionError(f"unreadable HTML: {error}") from error


# ---------------------------------------------------------------- page metadata


def _read_meta(doc) -> dict[str, list[str]]:
    """Meta tag contents by lower-cased property, name or itemprop, in document order."""
    meta: dict[str, list[str]] = {}
    for element in META(doc):
        key = element.get("property") or element.get("name") or element.get("itemprop")
        content = " ".join(element.get("content", "").split())
        if key and content:
            meta.setdefault(key.lower(), []).append(content)
    return meta


def _json_ld_objects(data) -> list[dict]:
    if isinstance(data, list):
        return [obj for item in data for obj in _json_ld_objects(item)]
    if not isinstance(data, dict):
        return []
    return [data] + _json_ld_objects(data.get("@graph", []))


def _is_article_type(obj: dict) -> bool:
    types = obj.get("@type")
    types = types if isinstance(types, list) else [types]
    return any(isinstance(kind, str) and ARTICLE_TYPES.search(kind) for kind in types)


def _read_json_ld(doc) -> dict:
    """The first JSON-LD object of an article type (NewsArticle, Article, ...), else {}."""
    for script in JSON_LD(doc):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        for obj in _json_ld_objects(data):
            if _is_article_type(obj):
                return obj
    return {}


def _ld_names(value) -> list[str]:
    """Person names from a JSON-LD author value: text, object or list; organisations skipped."""
    if isinstance(value, list):
        return [name for item in value for name in _ld_names(item)]
    if isinstance(value, dict):
        is_person = value.get("@type", "Person") != "Organization"
        return _ld_names(value.get("name")) if is_person else []
    if isinstance(value, str):
        return split_byline(value).authors
    return []


def _ld_url(value) -> str | None:
    if isinstance(value, list):
        return _ld_url(value[0]) if value else None
    if isinstance(value, dict):
        return value.get("url") or value.get("contentUrl")
    return value if isinstance(value, str) else None


def _ld_id(value) -> str | None:
    if isinstance(value, dict):
        value = value.get("@id") or value.get("url")
    return value if isinstance(value, str) else None


@dataclass
class _Page:
    """One parsed page with its metadata read once."""

    doc: lxml.html.HtmlElement
    url: str
    meta: dict[str, list[str]] = field(init=False)
    ld: dict = field(init=False)

    def __post_init__(self) -> None:
        self.meta = _read_meta(self.doc)
        self.ld = _read_json_ld(self.doc)

    def meta_value(self, *names: str) -> str | None:
        return next((self.meta[name][0] for name in names if name in self.meta), None)

    def ld_text(self, name: str) -> str | None:
        value = self.ld.get(name)
        return " ".join(value.split()) if isinstance(value, str) and value.strip() else None

    def first_text(self, xpath: etree.XPath) -> str | None:
        return next((text for element in xpath(self.doc) if (text := _text(element))), None)

    @cached_property
    def base(self) -> str:
        hrefs = BASE_HREF(self.doc)
        return urljoin(self.url, hrefs[0].strip()) if hrefs else self.url

    @cached_property
    def trafilatura(self) -> Document:
        """trafilatura's own metadata, read only when ours lacks the title or the date."""
        return extract_metadata(self.doc, self.url) or Document()


# ---------------------------------------------------------------- fields


def _canonical(page: _Page) -> str:
    """The page's canonical article URL: `<link rel=canonical>`, og:url, JSON-LD, the fetched URL."""
    ld_url = _ld_id(page.ld.get("mainEntityOfPage")) or _ld_id(page.ld.get("url"))
    candidates = CANONICAL(page.doc) + page.meta.get("og:url", [])[:1] + [ld_url, page.url]
    for candidate in filter(None, candidates):
        try:
            absolute = urljoin(page.base, candidate.strip())
            if same_site(absolute, page.url) and is_article_url(absolute):
                return canonical_url(absolute, base_url=page.url)
        except ValueError:
            continue  # a malformed URL, e.g. `https://[vlast.kz/`: try the next one
    raise ExtractionError(f"not an article URL: {page.url}")


def _title(page: _Page) -> str:
    title = (
        page.first_text(SITE_TITLE)
        or page.meta_value("og:title", "twitter:title")
        or page.ld_text("headline")
        or page.first_text(HEADLINE)
        or SITE_SUFFIX.sub("", page.first_text(HTML_TITLE) or "")
        or page.trafilatura.title
    )
    if not title:
        raise ExtractionError(f"no title on {page.url}")
    return title


def _lead(page: _Page) -> str:
    return (
        page.first_text(SITE_LEAD)
        or page.meta_value("og:description", "description", "twitter:description")
        or page.ld_text("description")
        or ""
    )


def _byline(page: _Page) -> Byline:
    line = page.first_text(SITE_AUTHOR_LINE)
    if line:
        return split_byline(line)
    authors = (
        _ld_names(page.ld.get("author"))
        or split_byline(page.meta_value("author") or "").authors
        or _unique(_text(link) for link in AUTHOR_LINKS(page.doc))
    )
    return Byline(_unique(authors), [])


def _site_date_parts(page: _Page) -> tuple[str | None, str | None]:
    """The `datetime` attribute and the printed text of the date in the site's meta line."""
    lines = SITE_DATE_LINE(page.doc)
    if not lines:
        return None, None
    time = lines[0].find(".//time")
    return (time.get("datetime"), _text(time)) if time is not None else (None, _text(lines[0]))


def _published(page: _Page) -> str | None:
    site_datetime, site_text = _site_date_parts(page)
    times = TIMES(page.doc)
    machine = [
        page.meta_value("article:published_time", "og:published_time", "datepublished"),
        page.ld_text("datePublished"),
        site_datetime,
        *(time.get("datetime") for time in times),
    ]
    for value in machine:
        if stamp := normalise_timestamp(value):
            return stamp
    for text in [site_text, *(_text(time) for time in times)]:
        if moment := parse_visible_date(text):
            return to_local_iso(moment)
    return normalise_timestamp(page.trafilatura.date)


def _modified(page: _Page) -> str | None:
    value = (
        page.meta_value("article:modified_time", "og:updated_time", "datemodified")
        or page.ld_text("dateModified")
    )
    return normalise_timestamp(value)


def _tags(page: _Page) -> list[str]:
    tags = [_text(link) for link in SITE_TAGS(page.doc)]
    if not tags:
        tags = page.meta.get("article:tag", [])
    if not tags:
        keywords = page.ld.get("keywords") or []
        tags = keywords.split(",") if isinstance(keywords, str) else keywords
    return _unique(" ".join(str(tag).split()) for tag in tags)


def _cover(page: _Page) -> tuple[str | None, str | None]:
    """Absolute cover image URL and its caption."""
    for figure in SITE_COVER(page.doc):
        image = figure.find(".//img")
        caption = figure.find(".//figcaption")
        if image is not None and image.get("src"):
            caption_text = _text(caption) if caption is not None else ""
            return urljoin(page.base, image.get("src").strip()), caption_text or None
    src = page.meta_value("og:image", "twitter:image") or _ld_url(page.ld.get("image"))
    if not src:
        return None, None
    src = urljoin(page.base, src)
    return src, _figure_caption(page, src)


def _figure_caption(page: _Page, src: str) -> str | None:
    """The caption of the figure on the page that shows the given image."""
    for figure in FIGURES(page.doc):
        image = figure.find(".//img")
        if urljoin(page.base, (image.get("src") or "").strip()) == src:
            return _text(figure.find("figcaption")) or None
    return None


# ---------------------------------------------------------------- body


def _containers(page: _Page) -> Iterator[tuple[lxml.html.HtmlElement, bool]]:
    """Where the body text may stand, best first, each flagged when it is the site's own."""
    site = SITE_BODY(page.doc)
    if site:
        yield _fullest(site), True
    generic = next((found for xpath in GENERIC_BODY if (found := xpath(page.doc))), None)
    if generic:
        yield _fullest(generic), False


def _fullest(elements: list) -> lxml.html.HtmlElement:
    return max(elements, key=lambda element: len(PARAGRAPHS(element)))


def _scope(container: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """A copy of the container's content inside a bare document, for pruning and trafilatura."""
    scope = lxml.html.Element("html")
    article = etree.SubElement(etree.SubElement(scope, "body"), "article")
    article.text = container.text
    article.extend(deepcopy(child) for child in container)
    for line_break in article.iter("br"):
        line_break.tail = "\n" + (line_break.tail or "")  # a line break separates words
    return scope


def _edition_paragraphs(scope, page: _Page, language: str) -> list[tuple[etree._Element, str]]:
    """Paragraphs that are one link to an article of another edition, with their hrefs."""
    found = []
    for paragraph in PARAGRAPHS(scope):
        links = paragraph.findall(".//a[@href]")
        if len(links) != 1 or _text(links[0]) != _text(paragraph):
            continue
        href = urljoin(page.base, links[0].get("href").strip())
        parts = section_and_slug(href) if same_site(href, page.url) else None
        if parts and language_for_section(parts[0]) != language:
            found.append((paragraph, href))
    return found


def _trafilatura_paragraphs(scope) -> list[str]:
    document = bare_extraction(scope, options=TRAFILATURA_OPTIONS)
    if document is None or document.body is None:
        return []
    texts = []
    for block in document.body:
        parts = [child for child in block if child.tag in ("p", "item")] if block.tag in (
            "list", "quote") else []
        texts.extend(_text(part) for part in parts or [block])
    return [text for text in texts if text]


def _body(page: _Page, language: str) -> tuple[list[str], list[str]]:
    """Body paragraphs, and the other-edition links found among them."""
    for container, site in _containers(page):
        scope = _scope(container)
        editions = _edition_paragraphs(scope, page, language)
        for element in [paragraph for paragraph, _ in editions] + PRUNED(scope):
            if element.getparent() is not None:
                element.drop_tree()
        if site:
            # links in the site's own paragraphs are text: trafilatura drops short linked ones
            etree.strip_tags(scope, "a")
        paragraphs = _trafilatura_paragraphs(scope) or [_text(p) for p in PARAGRAPHS(scope)]
        if any(paragraphs):
            return [text for text in paragraphs if text], [href for _, href in editions]
    return [], []


def _translations(page: _Page, body_links: list[str], own_url: str) -> list[str]:
    hrefs = SITE_EDITION_LINKS(page.doc) + body_links + ALTERNATES(page.doc)
    urls = (canonical_url(urljoin(page.base, href), base_url=page.url) for href in hrefs)
    return _unique(url for url in urls if url != own_url and is_article_url(url))


KAZAKH_LETTERS = frozenset("әғқңөұүһі")


def text_language(text: str) -> str:
    """The edition a text reads as: Latin script is English, Kazakh letters make it Kazakh."""
    letters = [char for char in text.lower() if char.isalpha()]
    cyrillic = [char for char in letters if "а" <= char <= "я" or char in "ё" or char in KAZAKH_LETTERS]
    if len(cyrillic) * 2 < len(letters):
        return "en"
    kazakh = sum(char in KAZAKH_LETTERS for char in cyrillic)
    # Kazakh text has about one letter in ten of its own; Kazakh names in Russian text far fewer.
    return "kk" if kazakh >= 0.05 * len(cyrillic) else "ru"


# ---------------------------------------------------------------- entry point


def extract(html: str | bytes, url: str, fetched_at: str | None = None) -> ArticleRecord:
    """Read one article page fetched from url; ExtractionError when it is not a usable article."""
    try:
        return _read_article(html, url, fetched_at)
    except ExtractionError:
        raise
    except ValueError as error:  # a URL or a character on the page that cannot be parsed
        raise ExtractionError(f"unreadable page {url}: {error}") from error


def _read_article(html: str | bytes, url: str, fetched_at: str | None) -> ArticleRecord:
    page = _Page(parse_html(html), url)
    own_url = _canonical(page)
    section, slug = section_and_slug(own_url)
    language = language_for_section(section)
    body, body_links = _body(page, language)
    if not body:
        raise ExtractionError(f"no body text on {url}")
    if section.lower() not in SECTION_LANGUAGES:
        # An unknown section: the text itself says which edition the article belongs to.
        language = text_language(" ".join(body))
    byline = _byline(page)
    cover_image, cover_caption = _cover(page)
    return ArticleRecord(
        article_id=article_id_from_url(own_url),
        language=language,
        url=own_url,
        section=section,
        slug=slug,
        title=_title(page),
        lead=_lead(page),
        authors=byline.authors,
        photo_credits=byline.photo_credits,
        published=_published(page),
        modified=_modified(page),
        tags=_tags(page),
        cover_image=cover_image,
        cover_caption=cover_caption,
        body=body,
        translations=_translations(page, body_links, own_url),
        fetched_at=fetched_at,
    )
