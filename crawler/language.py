"""The language of a text or a page: Cyrillic tells Russian from Kazakh, Latin script reads as English."""

from __future__ import annotations

import re
import string
from collections import Counter

import lxml.html

from crawler.page import compile_xpath

KAZAKH_LETTERS = frozenset("әғқңөұүһі")
CYRILLIC_LETTERS = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюя") | KAZAKH_LETTERS


def text_language(text: str) -> str:
    """The edition a text reads as: Latin script is English, Kazakh letters make it Kazakh."""
    counts = Counter(text.lower())  # by character: a long text takes no list of its letters
    letters = sum(count for char, count in counts.items() if char.isalpha())
    cyrillic = sum(count for char, count in counts.items() if char in CYRILLIC_LETTERS)
    if cyrillic * 2 < letters:
        return "en"
    kazakh = sum(count for char, count in counts.items() if char in KAZAKH_LETTERS)
    # Kazakh text has about one letter in ten of its own; Kazakh names in Russian text far fewer.
    return "kk" if kazakh >= 0.05 * cyrillic else "ru"


DECLARED_LANGUAGE = compile_xpath(
    "/html/@lang | /html/@xml:lang | //meta[@http-equiv='content-language']/@content"
    " | //meta[@property='og:locale']/@content"
)
ENGLISH_WORDS = frozenset("the and of to in is that for on with was as by it".split())


def page_language(doc: lxml.html.HtmlElement, text: str) -> str | None:
    """The language of a page of any site: Cyrillic text tells Russian from Kazakh, Latin text
    is English when common English words fill it, else the page's declared language."""
    words = text.lower().split()
    guess = text_language(text) if words else None
    if guess in ("ru", "kk"):
        return guess
    english = sum(word.strip(string.punctuation) in ENGLISH_WORDS for word in words)
    if words and english >= 0.05 * len(words):
        return "en"
    declared = next((value for value in DECLARED_LANGUAGE(doc) if value.strip()), None)
    return re.split(r"[-_]", declared.strip().lower())[0] if declared else None
