"""Names of people and places in one spelling for Cyrillic Russian, Cyrillic Kazakh and Latin.

A name written `Тоқаев` on the Kazakh edition, `Токаев` (or `Токаева`) on the Russian one and
`Tokayev` on the English one is one name. `name_key` folds every spelling onto a plain Latin
skeleton: Cyrillic (Kazakh letters included) onto Latin, then the variants transliteration
allows are merged (`kh`/`h`, `zh`/`j`, `ye`/`e`, `ts`/`c`, doubled letters; `ы` and a `y`
after a consonant dropped, `й` and a `y` after a vowel written `i`). `same_name` then accepts
the case and possessive endings of the three languages (`Астане`/`Astana`,
`Тоқаевтың`/`Tokayev`) by comparing the keys' beginnings.
A few places have another name in Kazakh or English altogether (`Усть-Каменогорск`/`Өскемен`):
ALIASES maps those onto one key.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Cyrillic (Russian and Kazakh letters) to Latin, one letter at a time.
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "j", "з": "z",
    "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "c", "ч": "ch", "ш": "sh",
    "щ": "sh", "ъ": "", "ы": "", "ь": "", "э": "e", "ю": "u", "я": "a",
    "ә": "a", "ғ": "g", "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i",
}
_CYRILLIC_TABLE = str.maketrans(_CYRILLIC)
# Latin spellings merged, longest first: what transliteration schemes write differently.
_LATIN = (("shch", "sh"), ("kh", "h"), ("zh", "j"), ("dzh", "j"), ("ts", "c"), ("ye", "e"),
          ("yu", "u"), ("ya", "a"), ("yo", "o"), ("ng", "n"), ("q", "k"), ("x", "ks"), ("w", "v"),
          ("ph", "f"), ("ck", "k"), ("'", ""), ("’", ""))
_VOWELS = frozenset("aeiou")
# Places with another name in another language: every spelling -> one key.
ALIASES = {
    "ustkamenogorsk": "oskemen",
    "semipalatinsk": "semei",
    "kazahstan": "kazakstan",
    "alma-ata": "almat",
}
MIN_KEY = 3  # shorter keys (initials, prepositions) are no names
SHORT_KEY = 5  # keys up to this long must be equal; longer ones may differ in their endings
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
# Capitalised words that start sentences or name no one, per language (lower case).
STOPWORDS = {
    "ru": frozenset("""в во на по с со к о об от до за из у для при без над под про через
        как что это эти этот эта тот та те там тогда также кроме однако но и а или если когда
        где после перед после уже ещё еще он она они оно мы вы я его ее её их по-прежнему так
        всего всё все весь вся сейчас сегодня вчера завтра теперь позже ранее впрочем""".split()),
    "kk": frozenset("""бұл осы сол ол олар біз сіз мен және бірақ егер кейін дейін соң
        алайда сондай-ақ сонымен қатар тағы да енді қазір бүгін кеше ертең бұдан""".split()),
    "en": frozenset("""the a an in on at by for from to of and but or if when where after
        before this that these those it he she they we you i his her their its there then
        also however meanwhile according as since while earlier later today yesterday
        tomorrow now so yet still one two three some many most all each every no not
        january february march april may june july august september october november
        december monday tuesday wednesday thursday friday saturday sunday""".split()),
}


def _latin(word: str) -> str:
    text = word.lower().translate(_CYRILLIC_TABLE)
    for old, new in _LATIN:
        text = text.replace(old, new)
    collapsed: list[str] = []
    for char in text:
        if char == "y":  # a vowel after a consonant (ы), else й
            char = "i" if collapsed and collapsed[-1] in _VOWELS else ""
        if char.isalpha() and (not collapsed or collapsed[-1] != char):
            collapsed.append(char)
        elif char == "-":
            collapsed.append("")
    return "".join(collapsed)


@lru_cache(maxsize=100_000)
def name_key(word: str) -> str:
    """The spelling-independent key of a name: `Тоқаев`, `Токаев`, `Tokayev` -> `tokaev`."""
    key = _latin(word)
    for alias, target in ALIASES.items():
        if key.startswith(alias.replace("-", "")):
            return target
    return key


def same_name(a: str, b: str) -> bool:
    """Whether two keys name the same person or place, allowing case and possessive endings:
    equal keys, or long keys sharing all but the last letter of the shorter one."""
    if a == b:
        return True
    shorter = min(len(a), len(b))
    if shorter <= SHORT_KEY - 1 or abs(len(a) - len(b)) > 4:
        return False
    common = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        common += 1
    return common >= shorter - 1 and common >= SHORT_KEY - 1


def names_in(text: str, language: str) -> list[str]:
    """Keys of the capitalised words of a text (names of people, places and institutions),
    in order; a sentence's first word counts too, unless it is a common word."""
    stop = STOPWORDS.get(language, frozenset())
    found = []
    for match in _WORD.finditer(text):
        word = match.group()
        if not word[0].isupper() or word.lower() in stop:
            continue
        key = name_key(word)
        if len(key) >= MIN_KEY:
            found.append(key)
    return found


class NameIndex:
    """Keys of one story's names grouped into one id per person or place, across editions."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self._by_start: dict[str, list[str]] = {}
        self._count = 0

    def id(self, key: str) -> int:
        """The id of a key's person or place: the id of a known key it is the same name as."""
        if key in self.ids:
            return self.ids[key]
        for known in self._by_start.get(key[:SHORT_KEY - 1], ()):
            if same_name(key, known):
                self.ids[key] = self.ids[known]
                break
        else:
            self._count += 1
            self.ids[key] = self._count
        self._by_start.setdefault(key[:SHORT_KEY - 1], []).append(key)
        return self.ids[key]
