"""Bytes of a fetched page to its document tree: the charset it is in, and markup the parser must not see."""

from __future__ import annotations

import codecs
import re

import lxml.html
from lxml import etree


class ExtractionError(ValueError):
    """The page is not an article of the outlet, or its title or body text cannot be read."""


class OverBudget(ExtractionError):
    """Reading the page would cost more than one page may: markup whose parsing takes time out of
    all proportion to its size, or an extraction that ran past its time."""


class TruncatedPage(ExtractionError):
    """The parser stopped before the end of the page (a text node over 10 MB, elements nested
    past 256 levels): what it read is not the whole page, so no reading of it can be trusted."""


DECLARED_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
# libxml2 checks each attribute of an element against the ones before it: its time grows with
# the square of one element's attributes (200,000 on one <p>: about 110 s). No page has more
# than a few dozen on an element; a page with an element of more than this many is refused.
MAX_ATTRIBUTES = 1_000
# A start tag as HTML reads it (quoted values may hold `>`, `<` and spaces; a quote elsewhere is
# part of a name or an unquoted value), item by item: runs of separators and attributes.
_TAG_NAME = r"<[A-Za-z][^\s/>]*+"
_ATTRIBUTE = r"""[^\s/>][^\s/>=]*+(?:\s*+=\s*+(?:"[^"]*+"|'[^']*+'|[^\s>]*+))?+"""
_TAG_ITEM = rf"(?:[\s/]++|{_ATTRIBUTE})"
# A tag with more than MAX_ATTRIBUTES attributes has at least that many items: only such tags
# are counted, so a page of ordinary markup costs one pass of the regular expression.
LONG_TAG = re.compile(rf"{_TAG_NAME}{_TAG_ITEM}{{{MAX_ATTRIBUTES}}}")
TAG = re.compile(rf"{_TAG_NAME}{_TAG_ITEM}*+")
ATTRIBUTE = re.compile(_ATTRIBUTE)
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Character references to control characters (`&#1;`, `&#x1b`): the parser would decode them.
CONTROL_REFERENCES = re.compile(
    r"&#(?:0*(?:[0-8]|1[1-24-9]|2[0-9]|3[01]|127)(?![0-9])"
    r"|[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]|7[fF])(?![0-9a-fA-F]));?"
)


def _candidate_encodings(data: bytes) -> list[str]:
    """UTF-8 first (valid UTF-8 with Cyrillic is never cp1251 text), then the declared charset,
    then cp1251, the outlet's legacy encoding."""
    if data.startswith(codecs.BOM_UTF8):
        return ["utf-8-sig"]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return ["utf-16"]
    declared = DECLARED_CHARSET.search(data[:4096])  # bytes of ASCII letters, digits and .:_-
    return ["utf-8", *([declared[1].decode("ascii")] if declared else []), "cp1251"]


def decode_html(data: bytes) -> str:
    """Text of an HTML page given as bytes, whatever charset it declares or fails to declare."""
    for encoding in _candidate_encodings(data):
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("utf-8", errors="replace")


def most_attributes(text: str) -> int:
    """The number of attributes of the element that has the most, counted only past
    MAX_ATTRIBUTES (0 below that)."""
    most = 0
    for found in LONG_TAG.finditer(text):
        tag = TAG.match(text, found.start()).group()
        name = re.match(_TAG_NAME, tag).end()
        most = max(most, len(ATTRIBUTE.findall(tag, name)))
    return most if most > MAX_ATTRIBUTES else 0


def _resource_limit(parser: etree.HTMLParser) -> str | None:
    """The message of a libxml2 limit that stopped the parse early, if one did."""
    for error in parser.error_log:
        if error.type_name == "ERR_RESOURCE_LIMIT" or "XML_PARSE_HUGE" in error.message:
            return error.message.strip()
    return None


def parse_html(html: str | bytes) -> lxml.html.HtmlElement:
    """The document tree of a page; ExtractionError when there is no HTML to read, OverBudget
    when its markup would cost the parser too much (MAX_ATTRIBUTES), TruncatedPage when the
    parser stopped before the end of the page."""
    text = decode_html(html) if isinstance(html, bytes) else html
    text = CONTROL_REFERENCES.sub("", CONTROL_CHARACTERS.sub("", XML_DECLARATION.sub("", text)))
    if not text.strip():
        raise ExtractionError("empty page")
    if attributes := most_attributes(text):
        raise OverBudget(f"an element with {attributes:,} attributes, more than the "
                         f"{MAX_ATTRIBUTES:,} read (the parser's time grows with their square)")
    parser = lxml.html.HTMLParser()
    try:
        doc = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as error:
        raise ExtractionError(f"unreadable HTML: {error}") from error
    if limit := _resource_limit(parser):
        raise TruncatedPage(f"the parser stopped before the end of the page ({limit}): a text "
                            "over 10 MB or elements nested over 256 deep; the reading is not "
                            "the whole article")
    # A comment inside a paragraph must not cut it: drop comments, keep the text after them.
    etree.strip_elements(doc, etree.Comment, with_tail=False)
    return doc
