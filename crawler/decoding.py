"""Bytes of a fetched page to its document tree: the charset it is in, and markup the parser must not see."""

from __future__ import annotations

import codecs
import re

import lxml.html
from lxml import etree


class ExtractionError(ValueError):
    """The page is not an article of the outlet, or its title or body text cannot be read."""


DECLARED_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
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


def parse_html(html: str | bytes) -> lxml.html.HtmlElement:
    """The document tree of a page, or ExtractionError when there is no HTML to read."""
    text = decode_html(html) if isinstance(html, bytes) else html
    text = CONTROL_REFERENCES.sub("", CONTROL_CHARACTERS.sub("", XML_DECLARATION.sub("", text)))
    if not text.strip():
        raise ExtractionError("empty page")
    try:
        doc = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as error:
        raise ExtractionError(f"unreadable HTML: {error}") from error
    # A comment inside a paragraph must not cut it: drop comments, keep the text after them.
    etree.strip_elements(doc, etree.Comment, with_tail=False)
    return doc
