"""One parsed page and the signals any page's markup may carry (meta tags, JSON-LD), read once."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urljoin

import lxml.html
from lxml import etree
from trafilatura.metadata import Document, extract_metadata

from crawler.bylines import split_byline
from crawler.markup import NO_MARKUP, SiteMarkup
from outlets import Outlet
from outlets.layouts import has_class as has_class  # re-exported: the crawler writes its XPaths with it


def compile_xpath(expression: str) -> etree.XPath:
    """A compiled XPath whose string results are plain strings."""
    return etree.XPath(expression, smart_strings=False)


NOT_BOILERPLATE = "not(ancestor::aside or ancestor::footer or ancestor::nav)"
# Elements taken as fields while reading the page are marked, so that the body leaves them out:
# byline and date lines everywhere, the lead on the outlet's pages only (other sites'
# standfirsts often open the text).
TAKEN = "data-mw-taken"
LINE = "line"
LEAD = "lead"

META = compile_xpath("//meta[@content]")
JSON_LD = compile_xpath("//script[@type='application/ld+json']/text()")
BASE_HREF = compile_xpath("//base/@href")
VISIBLE_TEXT = compile_xpath(".//text()[not(ancestor::script or ancestor::style"
                             " or ancestor::noscript or ancestor::template)]")
ARTICLE_TYPES = re.compile(r"Article$|^BlogPosting$|^Report$")


def text_of(element) -> str:
    """The visible text of an element: what scripts, styles and templates hold is not text."""
    return " ".join("".join(VISIBLE_TEXT(element)).split())


def take(element, kind: str) -> None:
    """Mark an element as read for a field (LINE or LEAD): the body leaves it out."""
    element.set(TAKEN, kind)


def unique(values) -> list[str]:
    """The non-empty values, each once, in their first order."""
    return list(dict.fromkeys(value for value in values if value))


def _read_meta(doc) -> dict[str, list[str]]:
    """Meta tag contents by lower-cased property, name or itemprop, in document order."""
    meta: dict[str, list[str]] = {}
    for element in META(doc):
        key = element.get("property") or element.get("name") or element.get("itemprop")
        content = " ".join(element.get("content").split())
        if key and content:
            meta.setdefault(key.lower(), []).append(content)
    return meta


def _json_ld_objects(data) -> list[dict]:
    if isinstance(data, list):
        return [obj for item in data for obj in _json_ld_objects(item)]
    if not isinstance(data, dict):
        return []
    return [data] + _json_ld_objects(data.get("@graph"))


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


def ld_names(value) -> list[str]:
    """Person names from a JSON-LD author value: text, object or list; organisations skipped."""
    if isinstance(value, list):
        return [name for item in value for name in ld_names(item)]
    if isinstance(value, dict):
        is_person = value.get("@type") != "Organization"
        return ld_names(value.get("name")) if is_person else []
    if isinstance(value, str):
        return split_byline(value).authors
    return []


def ld_url(value) -> str | None:
    if isinstance(value, list):
        return ld_url(value[0]) if value else None
    if isinstance(value, dict):
        return value.get("url") or value.get("contentUrl")
    return value if isinstance(value, str) else None


def ld_id(value) -> str | None:
    if isinstance(value, dict):
        value = value.get("@id") or value.get("url")
    return value if isinstance(value, str) else None


@dataclass
class Page:
    """One parsed page with its meta tags and its article's JSON-LD object read once."""

    doc: lxml.html.HtmlElement
    url: str
    outlet: Outlet | None = None  # the outlet whose page it is; None: a page of any site
    site: SiteMarkup = NO_MARKUP  # the outlet's markup of the layouts the page may stand in
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
        return next((text for element in xpath(self.doc) if (text := text_of(element))), None)

    def site_text(self, name: str) -> str | None:
        """The first text the outlet's markup for a field gives, layout after layout."""
        return next((text for xpath in getattr(self.site, name)
                     if (text := self.first_text(xpath))), None)

    @cached_property
    def base(self) -> str:
        hrefs = BASE_HREF(self.doc)
        return urljoin(self.url, hrefs[0].strip()) if hrefs else self.url

    @cached_property
    def trafilatura(self) -> Document:
        """trafilatura's own metadata, read only when ours lacks the title or the date."""
        return extract_metadata(self.doc, self.url) or Document()
