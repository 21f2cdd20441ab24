"""Dictionary forms of Russian names, places and institutions (pymorphy3), for search."""

from __future__ import annotations

from functools import lru_cache

import pymorphy3

# Readings a name can have, most wanted first: a surname's dictionary form is the masculine
# nominative (`Токаевой` -> `токаев`), a place's its nominative (`Астане` -> `астана`).
PROPER = ("Surn", "Geox", "Orgn", "Name", "Patr")
SURNAME_ENDINGS = ("ов", "ев", "ин", "ын")


@lru_cache(maxsize=1)
def _analyzer() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer(lang="ru")


@lru_cache(maxsize=200_000)
def proper_lemma(word: str) -> str | None:
    """The nominative of a folded word that can be read as a name, place or institution.

    None for a word with no such reading: common words keep their Snowball stem, which
    already joins their case forms.
    """
    parses = _analyzer().parse(word)
    for grammeme in PROPER:
        for parse in parses:
            if grammeme in parse.tag:
                return _nominative(word, parse).replace("ё", "е")
    return None


def _nominative(word: str, parse) -> str:
    # `Бектенов` is read as the genitive plural of a name (`Бектены`); that form is also a
    # man's surname in the nominative, which the surname's other cases lead to.
    if "plur" in parse.tag and word.endswith(SURNAME_ENDINGS):
        return word
    return parse.normal_form
