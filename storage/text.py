"""Text normalisation for search: folding, tokens, stopwords and per-language stemming."""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

from storage import kazakh
from storage.russian import proper_lemma

WORD = re.compile(r"[^\W_]+")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
LATIN = re.compile(r"[a-z]")

# Function words dropped at index and query time: they match nearly every article, so ranking
# them costs the most and tells the least.
STOPWORDS = {
    "ru": frozenset(
        "а без бы в во вот вы да для до его ее если же за и из или им их к как ко ли мы на над "
        "не него нее ни но о об от по под при про с со так то только у уже что чтобы это эти "
        "этот этого этой этом я он она оно они был была были было быть все всех там тут где "
        "когда кто чем тоже также".split()
    ),
    "en": frozenset(
        "a an and are as at be been but by for from had has have he her his in into is it its "
        "of on or our she that the their them they this those these to was we were which who "
        "will with you".split()
    ),
    "kk": frozenset(
        "және мен бен пен да де та те бұл ол осы сол үшін деп ал бірақ немесе еді туралы "
        "арқылы".split()
    ),
}
ALL_STOPWORDS = frozenset().union(*STOPWORDS.values())


def fold(text: str) -> str:
    """Lowercase and fold `ё` into `е`, the way both the index and queries see text."""
    return text.lower().replace("ё", "е")


def words(text: str) -> list[str]:
    """Folded words of a text, split the way the FTS5 unicode61 tokenizer splits them."""
    return WORD.findall(fold(text))


@lru_cache(maxsize=4)
def _stemmer(algorithm: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(algorithm)


def is_stopword(word: str) -> bool:
    """True for a folded word on any edition's stopword list."""
    return word in ALL_STOPWORDS


@lru_cache(maxsize=200_000)
def russian_form(word: str) -> str:
    """The Snowball stem of a Russian word, taken from its nominative if it can be a name.

    Snowball alone splits the case forms of many names (`казахстан` -> `казахста`,
    `казахстане` -> `казахстан`); their dictionary form joins them again.
    """
    return _stemmer("russian").stemWord(proper_lemma(word) or word)


@lru_cache(maxsize=200_000)  # every word of every version goes through it
def index_form(word: str, language: str) -> str:
    """The form a folded word is indexed under.

    Latin words get the English stemmer; Cyrillic words of Kazakh text the Kazakh suffix
    stripper (storage/kazakh.py), those of other text the Russian forms.
    """
    if LATIN.search(word):
        return _stemmer("english").stemWord(word)
    if CYRILLIC.search(word):
        if language == "kk":
            return kazakh.stem(word)
        return russian_form(word)
    return word


@lru_cache(maxsize=64)  # a new version's text is indexed twice: on the article and the version
def index_text(text: str, language: str) -> str:
    """Text as the search index holds it: stemmed words without stopwords, space-separated."""
    return " ".join(index_form(w, language) for w in words(text) if not is_stopword(w))


def query_forms(word: str, language: str) -> list[str]:
    """The index forms a folded query word matches in one language.

    A Cyrillic word typed without Kazakh letters is also read with its Kazakh endings typed
    flat (`алаңга` for `алаңға`).
    """
    form = index_form(word, language)
    if language != "kk" or not CYRILLIC.search(word) or LATIN.search(word) \
            or kazakh.has_kazakh_letters(word):
        return [form]
    flat_form = kazakh.stem(word, flat_letters=True)
    return [form] if flat_form == form else [form, flat_form]
