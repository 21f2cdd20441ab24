"""Facts that cross languages, read from a paragraph: figures, amounts, dates, names, quotations.

A translation keeps its facts: `12 человек`, `12 адам` and `twelve people` are the number 12;
`1,5 млрд тенге`, `1,5 млрд теңге` and `1.5 billion tenge` the amount 1500000000 KZT; `12 марта
2024 года`, `2024 жылғы 12 наурызда` and `March 12, 2024` the date 2024-03-12. `read` finds
them in Russian, Kazakh and English text, each with its kind and one canonical value, so that
the editions of a story can be compared value for value (storage.comparison):

- `number`: digits with the language's separators (`12 000`, `1,5` in Russian and Kazakh;
  `12,000`, `1.5` in English), written-out numbers from two up (`двенадцать`, `он екі`,
  `twelve`; `one` and its kin are left out: they are words far more often than figures), and
  a scale word after either (`тыс.`, `тысяч`, `мың`, `thousand`, `млн`, `million`, `млрд`,
  `billion`, `трлн`); `тысяча`, `мың` and `a thousand` alone are 1000;
- `money`: a number with a currency before or after it (`$`, `₸`, `тенге`, `теңге`, `tenge`,
  `долларов`, `dollars`, `USD`, `евро`, `рублей`), the currency its unit;
- `percent`: a number with `%`, `процентов`, `пайыз`, `percent`;
- `date`: a day and a month, with or without a year, or a month and a year
  (`????-03-12`, `2024-03-??`); `12.03.2024` too;
- `time`: `10:05`;
- `year`: a four-digit number from 1900 to 2100 with no scale or unit (`в 2019 году`,
  `2019 жылы`, `in 2019`); a year and a number with the same value are one fact.

Ordinals (`2-й`, `3-ші`, `2nd`) and numbers that are part of a name (`COVID-19`, `Су-27`, `5G`)
are not facts. Quotations are the texts between «», „“, “” or "" of three words or more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from storage.names import names_in

KINDS = ("number", "money", "percent", "date", "time", "year")

RU_MONTHS = ("январ", "феврал", "март", "апрел", "ма", "июн", "июл", "август", "сентябр",
             "октябр", "ноябр", "декабр")
KK_MONTHS = ("қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз",
             "қыркүйек", "қазан", "қараша", "желтоқсан")
EN_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
             "september", "october", "november", "december")
# Month words as written in running text (Russian: genitive and prepositional forms).
_RU_MONTH = (r"(январ[яеь]|феврал[яеь]|марта?|марте|апрел[яеь]|ма[яе]|май|июн[яеь]|июл[яеь]|"
             r"августа?|августе|сентябр[яеь]|октябр[яеь]|ноябр[яеь]|декабр[яеь])")
_KK_MONTH = "(" + "|".join(KK_MONTHS) + r")[а-яәғқңөұүһі]*"
_EN_MONTH = "(" + "|".join(month.capitalize() for month in EN_MONTHS) + ")"

SCALES = {
    "ru": ((r"тыс(?:\.|яч[а-я]*)", 3), (r"млн\.?|миллион[а-я]*", 6),
           (r"млрд\.?|миллиард[а-я]*", 9), (r"трлн\.?|триллион[а-я]*", 12)),
    "kk": ((r"мың(?!даған)[а-яәғқңөұүһі]*", 3), (r"млн\.?[а-яәғқңөұүһі-]*|миллион[а-яәғқңөұүһі]*", 6),
           (r"млрд\.?[а-яәғқңөұүһі-]*|миллиард[а-яәғқңөұүһі]*", 9),
           (r"трлн\.?[а-яәғқңөұүһі-]*|триллион[а-яәғқңөұүһі]*", 12)),
    "en": ((r"thousand\b", 3), (r"million\b|mln\b|m\b", 6), (r"billion\b|bn\b", 9),
           (r"trillion\b|tn\b", 12)),
}
CURRENCY_AFTER = (
    (r"тенге|теңге[а-яәғқңөұүһі]*|tenge|KZT|₸", "KZT"),
    (r"доллар[а-яәғқңөұүһі]*|долл\.|dollars?\b|USD|\$", "USD"),
    (r"евро|еуро[а-яәғқңөұүһі]*|euros?\b|EUR|€", "EUR"),
    (r"рубл[а-яё]*|рубль[а-яәғқңөұүһі]*|roubles?\b|rubles?\b|RUB|₽", "RUB"),
)
CURRENCY_BEFORE = ((r"US\$|\$|USD\s?", "USD"), (r"₸|KZT\s?", "KZT"), (r"€|EUR\s?", "EUR"),
                   (r"₽|RUB\s?", "RUB"))
PERCENT = r"%|процент[а-я]*|пайыз[а-яәғқңөұүһі]*|per\s?cent\b"

# Written-out numbers: word -> (value, kind of word). `unit` words add, `ten` words add too,
# `hundred` multiplies what came before (or stands for 100 alone).
_RU_WORDS = {
    2: "два две двух двум двумя двое двоих", 3: "три трёх трех трём трем тремя трое троих",
    4: "четыре четырёх четырех четырём четырем четырьмя четверо четверых",
    5: "пять пяти пятью пятеро пятерых", 6: "шесть шести шестью шестеро шестерых",
    7: "семь семи семью семеро семерых", 8: "восемь восьми восемью восьмерых",
    9: "девять девяти девятью девятерых", 10: "десять десяти десятью десятерых",
    11: "одиннадцать одиннадцати", 12: "двенадцать двенадцати", 13: "тринадцать тринадцати",
    14: "четырнадцать четырнадцати", 15: "пятнадцать пятнадцати", 16: "шестнадцать шестнадцати",
    17: "семнадцать семнадцати", 18: "восемнадцать восемнадцати",
    19: "девятнадцать девятнадцати", 20: "двадцать двадцати", 30: "тридцать тридцати",
    40: "сорок сорока", 50: "пятьдесят пятидесяти", 60: "шестьдесят шестидесяти",
    70: "семьдесят семидесяти", 80: "восемьдесят восьмидесяти", 90: "девяносто девяноста",
    100: "сто ста", 200: "двести двухсот", 300: "триста трёхсот трехсот",
    400: "четыреста четырёхсот четырехсот", 500: "пятьсот пятисот",
}
_KK_WORDS = {
    2: "екі екеуі екеу", 3: "үш үшеуі үшеу", 4: "төрт төртеуі төртеу", 5: "бес бесеуі бесеу",
    6: "алты алтауы алтау", 7: "жеті жетеуі жетеу", 8: "сегіз", 9: "тоғыз", 10: "он",
    20: "жиырма", 30: "отыз", 40: "қырық", 50: "елу", 60: "алпыс", 70: "жетпіс", 80: "сексен",
    90: "тоқсан", 100: "жүз",
}
_EN_WORDS = {
    2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine",
    10: "ten", 11: "eleven", 12: "twelve", 13: "thirteen", 14: "fourteen", 15: "fifteen",
    16: "sixteen", 17: "seventeen", 18: "eighteen", 19: "nineteen", 20: "twenty", 30: "thirty",
    40: "forty", 50: "fifty", 60: "sixty", 70: "seventy", 80: "eighty", 90: "ninety",
    100: "hundred",
}
# Words for one, read only before a scale word (`один миллион`, `бір миллион`, `one million`).
_ONE = {"ru": ("один", "одна", "одну", "одного"), "kk": ("бір",), "en": ("one", "a")}
# A scale word alone: `тысяча` / `тысячу`, `мың`, `a thousand` -> 1000 (not the plural).
_LONE_THOUSAND = {"ru": r"тысяч[ау]\b", "kk": r"мың(?![а-яәғқңөұүһі])", "en": r"(?:a|one)\s+thousand\b"}


def _word_table(words: dict[int, str]) -> dict[str, int]:
    return {form: value for value, forms in words.items() for form in forms.split()}


NUMBER_WORDS = {"ru": _word_table(_RU_WORDS), "kk": _word_table(_KK_WORDS),
                "en": _word_table(_EN_WORDS)}

_LETTERS = "a-zA-Zа-яА-ЯёЁәғқңөұүһіӘҒҚҢӨҰҮҺІ"
_DIGITS = {
    "en": r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?",
    "ru": r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?",
}
_DIGITS["kk"] = _DIGITS["ru"]
_ORDINAL = {
    "ru": r"-(?:й|го|я|е|ый|ий|ой|ого|ому|ом|ых|ым|ая|ую|ое|х)(?![а-яё])",
    "kk": r"-(?:ші|шы|інші|ыншы|нші|ншы)(?![а-яәғқңөұүһі])",
    "en": r"(?:st|nd|rd|th)\b",
}
_TIME = re.compile(r"(?<![\d:.,])([01]?\d|2[0-3]):([0-5]\d)(?![\d:])")
_NUMERIC_DATE = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.((?:19|20)\d\d)(?!\d)")
_DATES = {
    "ru": (re.compile(rf"(?<!\d)(\d{{1,2}})\s+{_RU_MONTH}(?:\s+((?:19|20)\d\d)(?:\s*(?:года|год|г\.))?)?",
                      re.IGNORECASE),
           re.compile(rf"(?<![а-я]){_RU_MONTH}\s+((?:19|20)\d\d)", re.IGNORECASE)),
    "kk": (re.compile(rf"(?:((?:19|20)\d\d)\s*(?:ж\.|жыл[а-яәғқңөұүһі]*)\s+)?(?<!\d)(\d{{1,2}})"
                      rf"\s*-?\s*{_KK_MONTH}", re.IGNORECASE),
           re.compile(rf"((?:19|20)\d\d)\s*(?:ж\.|жыл[а-яәғқңөұүһі]*)\s+{_KK_MONTH}", re.IGNORECASE)),
    "en": (re.compile(rf"{_EN_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+((?:19|20)\d\d))?"),
           re.compile(rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_EN_MONTH}(?:,?\s+((?:19|20)\d\d))?"),
           re.compile(rf"{_EN_MONTH},?\s+((?:19|20)\d\d)")),
}
_YEAR_WORDS = {"ru": r"\s*(?:год[а-я]*|г\.)", "kk": r"\s*-?\s*(?:ж\.|жыл[а-яәғқңөұүһі]*)",
               "en": r""}
_QUOTES = re.compile(r"«([^«»]+)»|„([^„“”]+)[“”]|“([^“”]+)”|\"([^\"]+)\"")
MIN_QUOTE_WORDS = 3


@dataclass(frozen=True, slots=True)
class Fact:
    """One fact of a paragraph: its kind, its canonical value, its unit and how it was written."""

    kind: str
    value: str
    text: str
    start: int
    unit: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        """What two facts share when they are the same: kind (a year counts as a number), unit
        and value."""
        return ("number" if self.kind == "year" else self.kind, self.unit, self.value)

    @property
    def comparable(self) -> tuple[str, str]:
        """Facts of one comparable class contradict each other when their values differ (a
        year only another year, a day only another day, a month only another month)."""
        if self.kind == "date":
            return (self.kind, "month" if self.value.endswith("-??") else "day")
        return (self.kind, self.unit)


@dataclass(frozen=True, slots=True)
class Reading:
    """What a paragraph says that crosses languages: its facts, names and quotations."""

    facts: tuple[Fact, ...]
    names: tuple[str, ...]
    quotes: tuple[str, ...]
    speakers: tuple[tuple[str, ...], ...] = ()  # name keys of who is quoted, per quotation
    size: int = 0  # characters

    @property
    def anchored(self) -> bool:
        """Whether the paragraph carries a figure or a quotation."""
        return bool(self.facts or self.quotes)


def _decimal(text: str, language: str) -> Decimal | None:
    if language == "en":
        cleaned = text.replace(",", "")
    else:
        cleaned = re.sub(r"[ \u00a0\u202f]", "", text).replace(",", ".")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _date(year: str | None, month: int, day: str | None) -> str:
    return f"{year or '????'}-{month:02d}-{int(day):02d}" if day else f"{year}-{month:02d}-??"


def _ru_month(word: str) -> int:
    word = word.lower()
    if word.startswith("ма") and not word.startswith("мар"):
        return 5
    return next(i for i, stem in enumerate(RU_MONTHS, 1) if stem != "ма" and word.startswith(stem))


def _kk_month(word: str) -> int:
    return KK_MONTHS.index(word.lower()) + 1


def _en_month(word: str) -> int:
    return EN_MONTHS.index(word.lower()) + 1


class _Scanner:
    """Finds the facts of one text, each span read once, the most specific pattern first."""

    def __init__(self, text: str, language: str) -> None:
        self.text = text
        self.language = language if language in SCALES else "en"
        self.taken: list[tuple[int, int]] = []
        self.facts: list[Fact] = []

    def free(self, start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in self.taken)

    def add(self, kind: str, value: str, start: int, end: int, unit: str = "") -> None:
        self.taken.append((start, end))
        self.facts.append(Fact(kind, value, self.text[start:end], start, unit))

    def scan(self) -> list[Fact]:
        self.dates()
        self.times()
        self.numbers()
        self.words()
        self.lone_thousands()
        return sorted(self.facts, key=lambda fact: fact.start)

    def dates(self) -> None:
        for match in _NUMERIC_DATE.finditer(self.text):
            day, month, year = match.groups()
            if 1 <= int(month) <= 12 and 1 <= int(day) <= 31:
                self.add("date", _date(year, int(month), day), *match.span())
        patterns = _DATES[self.language]
        if self.language == "ru":
            for match in patterns[0].finditer(self.text):
                day, month, year = match.groups()
                if 1 <= int(day) <= 31 and self.free(*match.span()):
                    self.add("date", _date(year, _ru_month(month), day), *match.span())
            for match in patterns[1].finditer(self.text):
                if self.free(*match.span()):
                    self.add("date", _date(match[2], _ru_month(match[1]), None), *match.span())
        elif self.language == "kk":
            for match in patterns[0].finditer(self.text):
                year, day, month = match.groups()
                if 1 <= int(day) <= 31 and self.free(*match.span()):
                    self.add("date", _date(year, _kk_month(month), day), *match.span())
            for match in patterns[1].finditer(self.text):
                if self.free(*match.span()):
                    self.add("date", _date(match[1], _kk_month(match[2]), None), *match.span())
        else:
            for match in patterns[0].finditer(self.text):
                month, day, year = match.groups()
                if 1 <= int(day) <= 31 and self.free(*match.span()):
                    self.add("date", _date(year, _en_month(month), day), *match.span())
            for match in patterns[1].finditer(self.text):
                day, month, year = match.groups()
                if 1 <= int(day) <= 31 and self.free(*match.span()):
                    self.add("date", _date(year, _en_month(month), day), *match.span())
            for match in patterns[2].finditer(self.text):
                if self.free(*match.span()):
                    self.add("date", _date(match[2], _en_month(match[1]), None), *match.span())

    def times(self) -> None:
        for match in _TIME.finditer(self.text):
            if self.free(*match.span()):
                self.add("time", f"{int(match[1]):02d}:{match[2]}", *match.span())

    def _scale(self, at: int) -> tuple[int, int]:
        """(power of ten, end) of a scale word starting at `at` after spaces, else (0, at)."""
        rest = self.text[at:]
        spaces = len(rest) - len(rest.lstrip(" \u00a0\u202f"))
        for pattern, power in SCALES[self.language]:
            match = re.match(pattern, rest[spaces:], re.IGNORECASE if self.language != "en" else 0)
            if match:
                return power, at + spaces + match.end()
        return 0, at

    def _unit_after(self, at: int) -> tuple[str, str, int]:
        """(kind, unit, end) of a currency or percent word starting at `at` after spaces."""
        rest = self.text[at:]
        spaces = len(rest) - len(rest.lstrip(" \u00a0\u202f"))
        rest = rest[spaces:]
        match = re.match(PERCENT, rest, re.IGNORECASE)
        if match:
            tail = re.match(r"-?[а-яәғқңөұүһі]*", rest[match.end():])
            return "percent", "", at + spaces + match.end() + (tail.end() if tail else 0)
        for pattern, currency in CURRENCY_AFTER:
            match = re.match(pattern, rest, re.IGNORECASE)
            if match:
                return "money", currency, at + spaces + match.end()
        return "number", "", at

    def _currency_before(self, start: int) -> tuple[str, int]:
        before = self.text[max(0, start - 5):start]
        for pattern, currency in CURRENCY_BEFORE:
            match = re.search(f"(?:{pattern})$", before)
            if match:
                return currency, start - (len(before) - match.start())
        return "", start

    def _figure(self, value: Decimal, start: int, end: int, year_ok: bool) -> None:
        """Record a figure read from `start` to `end`, with what follows it (scale, unit)."""
        power, end = self._scale(end)
        value = value * (Decimal(10) ** power)
        kind, unit, after = self._unit_after(end)
        currency, begin = self._currency_before(start)
        if currency and kind == "number":
            kind, unit = "money", currency
        if kind != "number":
            end = after
        elif year_ok and not power and value == value.to_integral() and 1900 <= value <= 2100:
            year = re.match(_YEAR_WORDS[self.language], self.text[end:])
            kind = "year"
            if year and year.end():
                end += year.end()
        self.add(kind, _plain(value), begin if currency else start, end, unit)

    def _part_of_name(self, start: int, end: int) -> bool:
        """Digits inside a word or a name (`COVID-19`, `Су-27`, `5G`) or an ordinal (`2-й`,
        `3-ші`, `12th`); digits directly before a scale word (`$200m`, `10млн`) are a figure."""
        if re.search(rf"[{_LETTERS}]-?$", self.text[max(0, start - 2):start]):
            return True
        rest = self.text[end:]
        if re.match(rf"[{_LETTERS}]", rest):
            return not self._scale(end)[0]
        return bool(re.match(_ORDINAL[self.language], rest))

    def numbers(self) -> None:
        pattern = re.compile(rf"(?<![\w.,]){_DIGITS[self.language]}")
        for match in pattern.finditer(self.text):
            start, end = match.span()
            if not self.free(start, end) or self._part_of_name(start, end):
                continue
            value = _decimal(match.group(), self.language)
            if value is not None:
                self._figure(value, start, end, year_ok=match.group().isdigit())

    def words(self) -> None:
        table = NUMBER_WORDS[self.language]
        token = re.compile(rf"[{_LETTERS}]+(?:-[{_LETTERS}]+)?")
        tokens = [(m.group().lower(), m.start(), m.end()) for m in token.finditer(self.text)]
        english, one = self.language == "en", _ONE[self.language]
        index = 0
        while index < len(tokens):
            word, start, end = tokens[index]
            if (word.partition("-")[0] if english else word) not in table and word not in one:
                index += 1  # no number word (most words): _word_number would find none
                continue
            value, last = self._word_number(tokens, index, table)
            if value is None and word in _ONE[self.language] and index + 1 < len(tokens):
                power, scale_end = self._scale(end)
                if power and self.free(start, scale_end):
                    self._figure(Decimal(1), start, end, year_ok=False)
                index += 1
                continue
            if value is None or not self.free(start, tokens[last][2]):
                index += 1
                continue
            self._figure(Decimal(value), start, tokens[last][2], year_ok=False)
            index = last + 1

    def _word_number(self, tokens: list, index: int, table: dict[str, int]) -> tuple[int | None, int]:
        """The value of written-out number words from `index` (`двадцать пять`, `он екі`,
        `twenty-five`, `екі жүз`) and the index of its last word; each word adds a smaller part
        than the one before, `жүз` and `hundred` multiply."""
        total, smallest, last = None, None, index - 1
        for position in range(index, len(tokens)):
            word = tokens[position][0]
            parts = [table.get(part) for part in (word.split("-") if self.language == "en" else [word])]
            if any(part is None for part in parts):
                break
            if position > index and self.text[tokens[position - 1][2]:tokens[position][1]].strip():
                break  # a comma or another mark between two number words
            value, low = total or 0, smallest
            for part in parts:
                if part == 100 and self.language != "ru" and (low is None or low < 10):
                    value, low = (value or 1) * 100, 100
                elif low is None or part < low:
                    value, low = value + part, part
                else:
                    return total, last
            total, smallest, last = value, low, position
        return total, last

    def lone_thousands(self) -> None:
        flags = re.IGNORECASE
        for match in re.finditer(rf"(?<![{_LETTERS}\d]){_LONE_THOUSAND[self.language]}",
                                 self.text, flags):
            if self.free(*match.span()):
                self._figure(Decimal(1000), match.start(), match.end(), year_ok=False)


def quotes_in(text: str) -> tuple[str, ...]:
    """Quotations of three words or more, in order."""
    return tuple(quote for quote, _ in _quotations(text, "ru"))


def _quotations(text: str, language: str) -> list[tuple[str, tuple[str, ...]]]:
    """Quotations with the names of who is quoted: those in the rest of the sentence after the
    quotation (`», — заявил Токаев.`, `,” Tokayev said.`), else in the sentence before it."""
    found = []
    for match in _QUOTES.finditer(text):
        quoted = next(group for group in match.groups() if group is not None)
        if len(quoted.split()) < MIN_QUOTE_WORDS:
            continue
        after = re.split(r"(?<=[.!?])\s|[«“„]", text[match.end():], maxsplit=1)[0]
        before = re.split(r"[.!?»”]\s", text[:match.start()])[-1]
        speakers = names_in(after, language) or names_in(before, language)
        found.append((quoted.strip(" ,.;:!?—–-"), tuple(speakers)))
    return found


@lru_cache(maxsize=50_000)
def read(text: str, language: str) -> Reading:
    """The facts, names and quotations of one paragraph in one language."""
    facts = tuple(_Scanner(text, language).scan())
    quotations = _quotations(text, language)
    return Reading(facts, tuple(names_in(text, language)),
                   tuple(quote for quote, _ in quotations),
                   tuple(speakers for _, speakers in quotations), len(text))


def facts_in(text: str, language: str) -> list[Fact]:
    """The facts of a text, in order."""
    return list(read(text, language).facts)


def compatible(a: Fact, b: Fact) -> bool:
    """Whether two facts state the same thing: the same value of the same comparable kind, or
    two dates that agree on every part both give."""
    if a.key[:2] != b.key[:2]:
        return False
    if a.kind == "date" and b.kind == "date":
        (year, month, day), (other_year, other_month, other_day) = (
            a.value.split("-"), b.value.split("-"))
        if (day == "??") != (other_day == "??"):
            return False  # a month is not a day of it
        return (month, day) == (other_month, other_day) and (
            year == other_year or "?" in year or "?" in other_year)
    return a.value == b.value
