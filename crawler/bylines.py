"""Split a free-text author line into the authors and the photo credits."""

from __future__ import annotations

import re
from typing import NamedTuple

# "Текст: …", "Мәтін: …", "Text by …", "Авторы: …", "By …" before the authors.
AUTHOR_LABEL = re.compile(
    r"^(?:текст|мәтін|автор(?:ы)?|авторлар|text(?:\s+by)?|written\s+by|authors?|by)\s*[:.]?\s+",
    re.IGNORECASE,
)
# "Текст и фото: A" and the like: the same people wrote and photographed.
BOTH_LABEL = re.compile(
    r"^(?:текст\s+и\s+фото|мәтін\s+(?:мен|және)\s+фото|text\s+and\s+photos?(?:\s+by)?)\s*:?\s+",
    re.IGNORECASE,
)
# "Фото: …", "фото …", "Photo by …", "Photos from …", "Фотолар: …" before the photographers.
PHOTO_LABEL = re.compile(
    r"(?:фото(?:графии|лар)?|photos?|photographs?)(?:\s+(?:by|from|courtesy\s+of|из))?\s*:?\s+",
    re.IGNORECASE,
)
PHOTO_START = re.compile(r"^" + PHOTO_LABEL.pattern, re.IGNORECASE)
PHOTO_AFTER_COMMA = re.compile(r",\s*(?=" + PHOTO_LABEL.pattern + ")", re.IGNORECASE)
# A sentence ends at a full stop or semicolon, but not after an initial such as "А. Иванов"
# unless a photo credit follows.
SENTENCE_END = re.compile(
    r"(?<!\b\w)[.;|]\s+|\.\s+(?=" + PHOTO_LABEL.pattern + r")|[.;]$", re.IGNORECASE
)
# A job title standing after a name ("John Smith, AP Auto Writer"): not a person.
JOB_TITLE = re.compile(
    r"\b(?:writer|reporter|correspondent|editor|columnist|contributor|journalist|staff|"
    r"producer|analyst|photographer|intern|корреспондент\w*|редактор\w*|обозревател\w*|"
    r"журналист\w*|тілші\w*|шолушы\w*)\b",
    re.IGNORECASE,
)
NAME_SEPARATOR = re.compile(r"\s*,\s*(?:(?:and|и|және)\s+)?|\s+(?:и|and|және|мен|&)\s+", re.IGNORECASE)


class Byline(NamedTuple):
    """The people of an author line: who wrote and who took the photographs."""

    authors: list[str]
    photo_credits: list[str]


def _names(text: str) -> list[str]:
    parts = (part.strip(" .;:—–-\u00a0") for part in NAME_SEPARATOR.split(text))
    return [part for part in parts if part and not JOB_TITLE.search(part)]


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def _sentences(line: str) -> list[str]:
    """The author line cut into sentences, then "A, фото B" cut before the photo part."""
    pieces = []
    for sentence in SENTENCE_END.split(line):
        pieces.extend(PHOTO_AFTER_COMMA.split(sentence))
    return [piece.strip() for piece in pieces if piece.strip()]


def split_byline(line: str | None) -> Byline:
    """Authors and photo credits of an author line; photographers' names stay as written."""
    authors: list[str] = []
    photos: list[str] = []
    for sentence in _sentences(" ".join((line or "").split())):
        if both := BOTH_LABEL.match(sentence):
            names = _names(sentence[both.end():])
            authors += names
            photos += names
        elif photo := PHOTO_START.match(sentence):
            photos += _names(sentence[photo.end():])
        else:
            authors += _names(AUTHOR_LABEL.sub("", sentence))
    return Byline(_unique(authors), _unique(photos))
