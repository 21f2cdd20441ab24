"""Kazakh suffix stripping for search: plural, possessive and case endings down to a stem.

Kazakh nouns stack their endings in a fixed order after the stem: plural, possessive, case
(`депутат·тар·ы·ның`). Each ending has variants by vowel harmony (back `а ы`, front `е і`) and by
the sound before it (`-лар` after vowels, `-дар` after sonorants, `-тар` after voiceless
consonants; `-на`, `-нда`, `-н` after the third-person possessive). The stemmer removes
endings from the right, longest first, as long as one applies and the stem left keeps a vowel
and at least MIN_STEM letters; a final voiced stop is then written voiceless (`мектебі` ->
`мектеп`). Stripping goes on until no ending applies, so that a word whose stem itself looks
inflected (`Өскемен`, `теңге`) reaches the same stem from every form.
Both harmony variants are accepted: the index and the queries go through the same function, so
what matters is that every form of a word reaches one stem, and that a different word sharing
its beginning does not.

Queries typed on a Russian keyboard lack the nine Kazakh letters (`Оскемен` for `Өскемен`):
`flat` maps a word onto those letters' Russian look-alikes, and `stem(word, flat_letters=True)`
also accepts endings written that way (`-га` for `-ға`, `-нын` for `-ның`).
"""

from __future__ import annotations

from functools import lru_cache

KAZAKH_LETTERS = "әғқңөұүһі"
FLAT = str.maketrans("әғқңөұүһі", "агкноуухи")
# Russian look-alike -> the Kazakh letters it may stand for.
ALTERNATIVES = {"а": "ә", "г": "ғ", "к": "қ", "н": "ң", "о": "ө", "у": "ұү", "х": "һ", "и": "і"}


def flat(word: str) -> str:
    """The word with each Kazakh letter replaced by the Russian letter a keyboard offers."""
    return word.translate(FLAT)


VOWELS = frozenset("аәеёиоөұүыіэюяу")
# Before a possessive `-ы/-і`, `у` and `й` count as consonants (`сайлау·ы`, `Ресей·і`).
FULL_VOWELS = VOWELS - {"у"}
VOICELESS = frozenset("пфкқтсшщхцчһбвгд")
SONORANTS = frozenset("лмнңзж")
NASALS = frozenset("мнң")
AFTER_POSSESSIVE = frozenset("ыі")
POSSESSIVE_BEFORE_N = ("сы", "сі", "лары", "лері", "дары", "дері", "тары", "тері")
FLAT_POSSESSIVE_BEFORE_N = tuple(sorted({flat(ending) for ending in POSSESSIVE_BEFORE_N}))

MIN_STEM = 2
AFTER_POSSESSIVE_N = "after the third-person possessive"
# A stem's final voiced stop, as written before a vowel (`мектеб·і`, `халқ·ы`), is written voiceless
# at the end of a word (`мектеп`).
DEVOICE = str.maketrans("бгғ", "пкқ")


def _vowel(before: str) -> bool:
    return before in VOWELS


def _full_vowel(before: str) -> bool:
    return before in FULL_VOWELS


def _consonant(before: str) -> bool:
    return before not in FULL_VOWELS


def _vowel_or_nasal(before: str) -> bool:
    return before in VOWELS or before in NASALS


def _liquid(before: str) -> bool:
    """Where -лар and -дың/-ды go: vowels are -лар's, sonorants and р, й, у the rest."""
    return before in VOWELS or before in SONORANTS or before in "рй"


def _voiceless(before: str) -> bool:
    return before in VOICELESS


def _possessive(before: str) -> bool:
    return before in AFTER_POSSESSIVE


def _vowel_r_y(before: str) -> bool:
    return before in VOWELS or before in "рй"


def _sonorant(before: str) -> bool:
    return before in SONORANTS


# (endings, condition on the letter before the ending). Harmony variants side by side.
RULES: list[tuple[tuple[str, ...], object]] = [
    # locative-attributive -дағы "the one in", an ending of its own before the case
    (("дағы", "дегі"), _liquid),
    (("тағы", "тегі"), _voiceless),
    (("ндағы", "ндегі"), _possessive),
    # genitive
    (("ның", "нің"), _vowel_or_nasal),
    (("дың", "дің"), _liquid),
    (("тың", "тің"), _voiceless),
    # dative
    (("ға", "ге"), _liquid),
    (("қа", "ке"), _voiceless),
    (("на", "не"), _possessive),
    # accusative
    (("ны", "ні"), _vowel),
    (("ды", "ді"), _liquid),
    (("ты", "ті"), _voiceless),
    # locative
    (("да", "де"), _liquid),
    (("та", "те"), _voiceless),
    (("нда", "нде"), _possessive),
    # accusative after the third-person possessive: -(с)ын after a vowel or a plural
    (("н",), AFTER_POSSESSIVE_N),
    # ablative
    (("дан", "ден"), _liquid),
    (("тан", "тен"), _voiceless),
    (("нан", "нен"), _vowel_or_nasal),
    # instrumental
    (("мен", "менен"), _liquid),
    (("бен", "бенен"), _liquid),
    (("пен", "пенен"), _voiceless),
    # possessive: third person, first and second person plural and polite
    (("сы", "сі"), _full_vowel),
    (("ы", "і"), _consonant),
    (("ымыз", "іміз", "ыңыз", "іңіз"), _consonant),
    (("мыз", "міз", "ңыз", "ңіз"), _full_vowel),
    # plural
    (("лар", "лер"), _vowel_r_y),
    (("дар", "дер"), _sonorant),
    (("тар", "тер"), _voiceless),
]


def _table(flattened: bool) -> list[tuple[str, list]]:
    """(ending, its conditions) pairs, longest ending first."""
    table: dict[str, list] = {}
    for endings, condition in RULES:
        for ending in endings:
            table.setdefault(ending, []).append(condition)
            if flattened and flat(ending) != ending:
                table.setdefault(flat(ending), []).append(condition)
    return sorted(table.items(), key=lambda item: -len(item[0]))


_EXACT = _table(flattened=False)
_FLATTENED = _table(flattened=True)


def _holds(condition, before: str, flat_letters: bool) -> bool:
    # A letter typed flat may stand for a Kazakh letter that flattens to it.
    alternatives = ALTERNATIVES.get(before, "") if flat_letters else ""
    return any(condition(letter) for letter in before + alternatives)


def _has_vowel(stem: str) -> bool:
    return any(letter in VOWELS for letter in stem)


def _holds_before(condition, stem: str, flat_letters: bool) -> bool:
    if condition is AFTER_POSSESSIVE_N:
        # Only where the possessive is sure (`қала·сы·н`, `депутат·тар·ы·н`): after a bare
        # consonant and `ы` the `н` is as often the stem's own (`тұрғын`, `орын`).
        if flat_letters:
            return flat(stem).endswith(FLAT_POSSESSIVE_BEFORE_N)
        return stem.endswith(POSSESSIVE_BEFORE_N)
    return _holds(condition, stem[-1], flat_letters)


def _strip_once(word: str, flat_letters: bool) -> str | None:
    for ending, conditions in _FLATTENED if flat_letters else _EXACT:
        if len(word) - len(ending) < MIN_STEM or not word.endswith(ending):
            continue
        stem = word[: -len(ending)]
        if not _has_vowel(stem):
            continue
        if any(_holds_before(condition, stem, flat_letters) for condition in conditions):
            if ending in ("тар", "тер") and stem.endswith("ис"):
                stem += "т"  # loans in -ист drop their т before the plural: `экономис·тер`
            return stem
    return None


@lru_cache(maxsize=100_000)
def stem(word: str, flat_letters: bool = False) -> str:
    """The stem of a folded Kazakh word: its endings removed, right to left.

    With flat_letters, endings typed without Kazakh letters are removed too (for queries that
    have none).
    """
    while (shorter := _strip_once(word, flat_letters)) is not None:
        word = shorter
    return word[:-1] + word[-1:].translate(DEVOICE)


def has_kazakh_letters(word: str) -> bool:
    """True when a folded word has a letter only the Kazakh alphabet has."""
    return any(letter in KAZAKH_LETTERS for letter in word)
