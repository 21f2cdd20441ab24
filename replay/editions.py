"""One story told in Russian, Kazakh and English: faithful translations of one plan, and
divergent ones with their ground truth.

A story is a plan built from a seed: paragraphs of sentences, each sentence a template with
its facts (people counted, amounts of money, percentages, dates, times, years, thousands of
people) and its names (people and places), or a quotation. Every edition renders the same plan
in its language, so the editions are faithful translations; each also splits or merges some
paragraphs, moves one, and the English (sometimes the Kazakh) edition may be shortened, as the
outlet's are. A divergent story changes one thing in one edition, recorded as its truth:

- `figure`: one fact has another value in one edition (everywhere that edition states it);
- `paragraph`: one edition has a paragraph more, with figures the story has nowhere else;
- `quote`: one edition has a quotation more, in a paragraph the others have too.

An edit changes a fact of one edition after publication (`Telling.changes`); the others carry
it later, or never (replay.corpus and bench/bench_editions.py decide when).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from random import Random

LANGUAGES = ("ru", "kk", "en")
DIVERGENCES = ("figure", "paragraph", "quote")

# People: (Russian nominative, Russian genitive, Kazakh nominative, Kazakh genitive, English).
PEOPLE = (
    ("президент Касым-Жомарт Токаев", "президента Касым-Жомарта Токаева",
     "Президент Қасым-Жомарт Тоқаев", "Президент Қасым-Жомарт Тоқаевтың",
     "President Kassym-Jomart Tokayev"),
    ("премьер-министр Олжас Бектенов", "премьер-министра Олжаса Бектенова",
     "Премьер-министр Олжас Бектенов", "Премьер-министр Олжас Бектеновтің",
     "Prime Minister Olzhas Bektenov"),
    ("аким Алматы Ерболат Досаев", "акима Алматы Ерболата Досаева",
     "Алматы әкімі Ерболат Досаев", "Алматы әкімі Ерболат Досаевтың",
     "Almaty akim Yerbolat Dossayev"),
    ("спикер мажилиса Ерлан Кошанов", "спикера мажилиса Ерлана Кошанова",
     "Мәжіліс спикері Ерлан Қошанов", "Мәжіліс спикері Ерлан Қошановтың",
     "Mazhilis speaker Yerlan Koshanov"),
    ("министр финансов Мади Такиев", "министра финансов Мади Такиева",
     "Қаржы министрі Мәди Тәкиев", "Қаржы министрі Мәди Тәкиевтің",
     "Finance Minister Madi Takiyev"),
    ("правозащитник Евгений Жовтис", "правозащитника Евгения Жовтиса",
     "Құқық қорғаушы Евгений Жовтис", "Құқық қорғаушы Евгений Жовтистің",
     "Human rights defender Yevgeny Zhovtis"),
    ("эколог Айгерим Сейткали", "эколога Айгерим Сейткали",
     "Эколог Әйгерім Сейітқали", "Эколог Әйгерім Сейітқалидің",
     "Ecologist Aigerim Seitkali"),
    ("депутат Ермурат Бапи", "депутата Ермурата Бапи",
     "Депутат Ермұрат Бапи", "Депутат Ермұрат Бапидің", "MP Yermurat Bapi"),
)
# Places: (Russian "in", Kazakh locative, English "in").
PLACES = (
    ("в Алматы", "Алматыда", "in Almaty"), ("в Астане", "Астанада", "in Astana"),
    ("в Шымкенте", "Шымкентте", "in Shymkent"), ("в Караганде", "Қарағандыда", "in Karaganda"),
    ("в Актобе", "Ақтөбеде", "in Aktobe"), ("в Усть-Каменогорске", "Өскеменде", "in Oskemen"),
    ("в Атырау", "Атырауда", "in Atyrau"), ("в Павлодаре", "Павлодарда", "in Pavlodar"),
    ("в Таразе", "Таразда", "in Taraz"), ("в Жанаозене", "Жаңаөзенде", "in Zhanaozen"),
    ("в Кызылорде", "Қызылордада", "in Kyzylorda"), ("в Семее", "Семейде", "in Semey"),
)
WHO = (
    ("Эксперты", "Сарапшылар", "Experts"),
    ("Депутаты мажилиса", "Мәжіліс депутаттары", "Members of the Mazhilis"),
    ("Представители акимата", "Әкімдік өкілдері", "Akimat officials"),
    ("Правозащитники", "Құқық қорғаушылар", "Human rights defenders"),
    ("Местные жители", "Жергілікті тұрғындар", "Local residents"),
    ("Активисты", "Белсенділер", "Activists"),
    ("Участники митинга", "Шеруге қатысушылар", "Protesters"),
    ("Экономисты", "Экономистер", "Economists"),
    ("Экологи", "Экологтар", "Ecologists"),
    ("Журналисты «Власти»", "«Власть» журналистері", "Vlast journalists"),
)
WHAT = (
    ("обсудили новый законопроект", "жаңа заң жобасын талқылады", "discussed the new draft law"),
    ("потребовали объяснений от властей", "биліктен түсініктеме талап етті",
     "demanded explanations from the authorities"),
    ("не ответили на запрос редакции", "редакция сауалына жауап бермеді",
     "did not respond to the newsroom's request"),
    ("опубликовали открытое письмо", "ашық хат жариялады", "published an open letter"),
    ("провели митинг", "митинг өткізді", "held a rally"),
    ("раскритиковали это решение", "бұл шешімді сынады", "criticised the decision"),
    ("рассказали о своём опыте", "өз тәжірибесімен бөлісті", "shared their experience"),
    ("ещё раз напомнили о проблеме", "мәселені тағы да көтерді", "raised the issue again"),
)
QUOTES = (
    ("Мы не допустим повторения этих событий", "Біз бұл оқиғалардың қайталануына жол бермейміз",
     "We will not allow these events to happen again"),
    ("Все виновные понесут наказание", "Барлық кінәлілер жазасын алады",
     "All those responsible will be punished"),
    ("Люди имеют право знать правду", "Адамдардың шындықты білуге құқығы бар",
     "People have the right to know the truth"),
    ("Мы будем добиваться справедливости до конца", "Біз әділдікке соңына дейін қол жеткіземіз",
     "We will seek justice to the end"),
    ("Это решение никто с нами не обсуждал", "Бұл шешімді ешкім бізбен талқылаған жоқ",
     "Nobody discussed this decision with us"),
    ("Город не готов к такому росту нагрузки", "Қала мұндай жүктеменің өсуіне дайын емес",
     "The city is not ready for such a growth in load"),
    ("Ситуация находится под полным контролем", "Жағдай толық бақылауда",
     "The situation is under full control"),
    ("Деньги должны дойти до каждой семьи", "Ақша әр отбасыға жетуі керек",
     "The money must reach every family"),
    ("Мы требуем открытого и честного расследования", "Біз ашық әрі әділ тергеу талап етеміз",
     "We demand an open and honest investigation"),
    ("Никаких решений пока не принято", "Әзірге ешқандай шешім қабылданған жоқ",
     "No decisions have been made yet"),
)
RU_MONTHS_GEN = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
                 "сентября", "октября", "ноября", "декабря")
RU_MONTHS_LOC = ("январе", "феврале", "марте", "апреле", "мае", "июне", "июле", "августе",
                 "сентябре", "октябре", "ноябре", "декабре")
KK_MONTHS = ("қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз",
             "қыркүйек", "қазан", "қараша", "желтоқсан")
EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")
RU_WORDS = {2: "два", 3: "три", 4: "четыре", 5: "пять", 6: "шесть", 7: "семь", 8: "восемь",
            9: "девять", 10: "десять"}
KK_WORDS = {2: "екі", 3: "үш", 4: "төрт", 5: "бес", 6: "алты", 7: "жеті", 8: "сегіз",
            9: "тоғыз", 10: "он"}
EN_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight",
            9: "nine"}


# ---- values ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Value:
    """One fact's value: `kind` is count, thousands, money, percent, date, time, year, month;
    `number` the value (an amount in units of `scale`), with the currency or the date's parts."""

    kind: str
    number: float
    scale: int = 0  # power of ten for money: 3, 6, 9
    currency: str = ""
    day: int = 0
    month: int = 0

    @property
    def key(self) -> str:
        """The fact as the comparison reads it (for the ground truth)."""
        if self.kind == "money":
            return f"money:{_plain(self.number * 10 ** self.scale)}:{self.currency}"
        if self.kind == "thousands":
            return f"number:{int(self.number) * 1000}"
        if self.kind == "date":
            return f"date:{int(self.number)}-{self.month:02d}-{self.day:02d}"
        if self.kind == "month":
            return f"date:{int(self.number)}-{self.month:02d}"
        if self.kind == "time":
            return f"time:{int(self.number) // 60:02d}:{int(self.number) % 60:02d}"
        if self.kind == "percent":
            return f"percent:{_plain(self.number)}"
        return f"{'year' if self.kind == 'year' else 'number'}:{_plain(self.number)}"


def _plain(number: float) -> str:
    text = f"{number:.6f}".rstrip("0").rstrip(".")
    return text


def _ru_decimal(number: float) -> str:
    return _plain(number).replace(".", ",")


def _new_value(rng: Random, kind: str) -> Value:
    if kind == "count":
        return Value(kind, rng.choice((rng.randint(2, 10), rng.randint(11, 90),
                                       rng.randint(100, 950))))
    if kind == "thousands":
        return Value(kind, rng.randint(2, 60))
    if kind == "money":
        scale = rng.choice((3, 6, 6, 9, 9))
        number = rng.choice((rng.randint(2, 900), rng.randint(11, 99) / 10))
        return Value(kind, number, scale, rng.choice(("KZT", "KZT", "KZT", "USD")))
    if kind == "percent":
        return Value(kind, rng.choice((rng.randint(2, 60), rng.randint(11, 199) / 10)))
    if kind == "date":
        return Value(kind, rng.randint(2019, 2026), day=rng.randint(1, 28),
                     month=rng.randint(1, 12))
    if kind == "month":
        return Value(kind, rng.randint(2024, 2030), month=rng.randint(1, 12))
    if kind == "time":
        return Value(kind, rng.randint(7, 22) * 60 + rng.randrange(0, 60, 5))
    return Value("year", rng.randint(1995, 2023))


def other_value(rng: Random, value: Value) -> Value:
    """Another value of the same kind, as a changed figure would have."""
    for _ in range(100):
        if value.kind in ("date",):
            made = replace(value, day=min(28, max(1, value.day + rng.choice((-3, -2, -1, 1, 2, 4)))))
        elif value.kind == "month":
            made = replace(value, month=(value.month + rng.choice((-3, -2, -1, 1, 2, 4)) - 1) % 12 + 1)
        elif value.kind == "time":
            made = replace(value, number=value.number + rng.choice((-40, -15, -10, 10, 20, 35)))
        elif value.kind == "year":
            made = replace(value, number=value.number + rng.choice((-2, -1, 1, 2)))
        elif value.kind == "count" and value.number <= 10:
            made = replace(value, number=rng.choice([n for n in range(2, 11) if n != value.number]))
        elif isinstance(value.number, float) and value.number != int(value.number):
            made = replace(value, number=round(value.number + rng.choice((-0.7, -0.3, 0.2, 0.4, 1.1)), 1))
        else:
            step = max(1, round(value.number * rng.choice((0.1, 0.2, 0.3))))
            made = replace(value, number=value.number + rng.choice((-step, step, 2 * step)))
        if made != value and made.number > 1 and made.key != value.key:
            return made
    return replace(value, number=value.number + 1)


# ---- rendering values ------------------------------------------------------------------------

def _count(value: Value, language: str, rng: Random) -> str:
    n = int(value.number)
    if language == "ru":
        noun = "человека" if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14) else "человек"
        written = RU_WORDS.get(n) if rng.random() < 0.3 else None
        return f"{written or n} {noun}"
    if language == "kk":
        written = KK_WORDS.get(n) if rng.random() < 0.3 else None
        return f"{written or n} адам"
    return f"{EN_WORDS.get(n) or n} people"


def _money(value: Value, language: str, rng: Random) -> str:
    number, scale, currency = value.number, value.scale, value.currency
    if language == "en":
        if scale == 3:
            amount = f"{int(round(number * 1000)):,}"
            return f"${amount}" if currency == "USD" else f"{amount} tenge"
        word = {6: "million", 9: "billion"}[scale]
        if currency == "USD":
            return f"${_plain(number)} {word}"
        return rng.choice((f"{_plain(number)} {word} tenge", f"KZT {_plain(number)} {word}"))
    if language == "ru":
        word = {3: "тыс.", 6: "млн", 9: "млрд"}[scale]
        return f"{_ru_decimal(number)} {word} {'долларов' if currency == 'USD' else 'тенге'}"
    word = {3: "мың", 6: "млн", 9: "млрд"}[scale]
    return f"{_ru_decimal(number)} {word} {'доллар' if currency == 'USD' else 'теңге'}"


def _percent(value: Value, language: str, rng: Random) -> str:
    if language == "en":
        return f"{_plain(value.number)}{'%' if rng.random() < 0.6 else ' percent'}"
    if language == "ru":
        return f"{_ru_decimal(value.number)}%"
    return f"{_ru_decimal(value.number)} пайызға"


def _date(value: Value, language: str, rng: Random) -> str:
    year, month, day = int(value.number), value.month, value.day
    if language == "ru":
        return f"{day} {RU_MONTHS_GEN[month - 1]} {year} года"
    if language == "kk":
        return f"{year} жылғы {day} {KK_MONTHS[month - 1]}"
    if rng.random() < 0.5:
        return f"{EN_MONTHS[month - 1]} {day}, {year}"
    return f"{day} {EN_MONTHS[month - 1]} {year}"


def _month(value: Value, language: str, rng: Random) -> str:
    year, month = int(value.number), value.month
    if language == "ru":
        return f"в {RU_MONTHS_LOC[month - 1]} {year} года"
    if language == "kk":
        return f"{year} жылдың {KK_MONTHS[month - 1]} айында"
    return f"in {EN_MONTHS[month - 1]} {year}"


def _time(value: Value, language: str, rng: Random) -> str:
    return f"{int(value.number) // 60:02d}:{int(value.number) % 60:02d}"


def _year(value: Value, language: str, rng: Random) -> str:
    year = int(value.number)
    return {"ru": f"в {year} году", "kk": f"{year} жылы", "en": f"in {year}"}[language]


def _thousands(value: Value, language: str, rng: Random) -> str:
    k = int(value.number)
    return {"ru": f"около {k} тыс. человек", "kk": f"{k} мыңға жуық адам",
            "en": f"about {k * 1000:,} people"}[language]


RENDER = {"count": _count, "money": _money, "percent": _percent, "date": _date, "month": _month,
          "time": _time, "year": _year, "thousands": _thousands}


# ---- templates -------------------------------------------------------------------------------
# A template: the kinds of its values, and its text per language with {v0}, {v1}, {place},
# {person} (Russian genitive: {person_gen}; Kazakh genitive: {person_gen}).

TEMPLATES: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "detained": (("count",), {
        "ru": "По данным полиции, {place} были задержаны {v0}.",
        "kk": "Полиция мәліметінше, {place} {v0} ұсталды.",
        "en": "According to the police, {v0} were detained {place}."}),
    "injured": (("count", "count"), {
        "ru": "В результате пострадали {v0}, из них {v1} были госпитализированы.",
        "kk": "Оқиға салдарынан {v0} зардап шекті, оның ішінде {v1} ауруханаға жатқызылды.",
        "en": "As a result, {v0} were injured, and {v1} of them were hospitalised."}),
    "budget": (("money",), {
        "ru": "Бюджет проекта составляет {v0}.",
        "kk": "Жобаның бюджеті — {v0}.",
        "en": "The project's budget is {v0}."}),
    "fine": (("money",), {
        "ru": "Суд назначил штраф в размере {v0}.",
        "kk": "Сот {v0} көлемінде айыппұл салды.",
        "en": "The court imposed a fine of {v0}."}),
    "prices": (("percent",), {
        "ru": "По данным Бюро национальной статистики, цены выросли на {v0} за год.",
        "kk": "Ұлттық статистика бюросының мәліметінше, бағалар бір жылда {v0} өсті.",
        "en": "According to the Bureau of National Statistics, prices rose by {v0} over the year."}),
    "hearing": (("date",), {
        "ru": "Судебное заседание назначено на {v0}.",
        "kk": "Сот отырысы {v0} күні өтеді.",
        "en": "The court hearing is scheduled for {v0}."}),
    "started": (("time",), {
        "ru": "Акция началась в {v0} {place}.",
        "kk": "Акция {place} сағат {v0} кезінде басталды.",
        "en": "The rally began at {v0} {place}."}),
    "crowd": (("thousands",), {
        "ru": "В акции {place} приняли участие {v0}.",
        "kk": "{place_cap} өткен акцияға {v0} қатысты.",
        "en": "{v0_cap} took part in the rally {place}."}),
    "law": (("year",), {
        "ru": "Закон был принят {v0}, но так и не заработал.",
        "kk": "Заң {v0} қабылданған, бірақ әлі күнге жұмыс істемей тұр.",
        "en": "The law was adopted {v0} but has never worked."}),
    "cases": (("count",), {
        "ru": "С начала года {place} пострадали {v0}.",
        "kk": "Жыл басынан бері {place} {v0} зардап шекті.",
        "en": "Since the beginning of the year, {v0} have been affected {place}."}),
    "deadline": (("month",), {
        "ru": "Строительство планируют завершить {v0}.",
        "kk": "Құрылысты {v0} аяқтау жоспарланған.",
        "en": "Construction is expected to be completed {v0}."}),
    "ordered": ((), {
        "ru": "Ранее {person} поручил разобраться в ситуации.",
        "kk": "Бұған дейін {person} жағдайды анықтауды тапсырған.",
        "en": "Earlier, {person} ordered an inquiry into the situation."}),
    "quote": ((), {
        "ru": "«{quote}», — заявил {person}.",
        "kk": "«{quote}», — деді {person_lower}.",
        "en": "“{quote},” said {person}."}),
}
FACT_TEMPLATES = ("detained", "injured", "budget", "fine", "prices", "hearing", "started",
                  "crowd", "law", "cases", "deadline")


@dataclass(frozen=True)
class Sentence:
    """One sentence of the plan: a template with its values, place, person and quotation."""

    template: str  # a TEMPLATES key, or "filler"
    values: tuple[int, ...] = ()  # indices into the plan's facts
    place: int = 0
    person: int = 0
    quote: int = 0
    who: int = 0
    what: int = 0
    placed: bool = True  # a filler: with its place


@dataclass(frozen=True)
class Plan:
    """A story in no language: its facts, its lead and paragraphs of sentences."""

    facts: tuple[Value, ...]
    lead: Sentence
    paragraphs: tuple[tuple[Sentence, ...], ...]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def render_sentence(sentence: Sentence, facts: tuple[Value, ...], language: str,
                    seed: int) -> str:
    """One sentence in one language; `seed` varies how figures are written (`12`, `twelve`)."""
    index = LANGUAGES.index(language)
    if sentence.template == "filler":
        who, what = WHO[sentence.who][index], WHAT[sentence.what][index]
        place = PLACES[sentence.place][index] if sentence.placed else ""
        if language == "kk":
            return " ".join(filter(None, (who, place, what))) + "."
        return " ".join(filter(None, (who, what, place))) + "."
    _, texts = TEMPLATES[sentence.template]
    rng = Random(f"{seed}:{sentence}")
    values = {f"v{n}": RENDER[facts[i].kind](facts[i], language, rng)
              for n, i in enumerate(sentence.values)}
    person = PEOPLE[sentence.person]
    names = {"ru": (person[0], person[1]), "kk": (person[2], person[3]), "en": (person[4], person[4])}
    name, genitive = names[language]
    place = PLACES[sentence.place][index]
    return texts[language].format(
        **values, v0_cap=_capital(values.get("v0", "")), place=place, place_cap=_capital(place),
        person=name, person_gen=genitive, person_gen_cap=_capital(genitive),
        person_lower=name[:1].lower() + name[1:] if language == "kk" and " " in name else name,
        quote=QUOTES[sentence.quote][index])


# ---- plans -----------------------------------------------------------------------------------

class _Planner:
    def __init__(self, rng: Random) -> None:
        self.rng = rng
        self.facts: list[Value] = []
        self.keys: set[str] = set()
        self.quotes: list[int] = rng.sample(range(len(QUOTES)), len(QUOTES))

    def value(self, kind: str) -> int:
        for _ in range(200):
            value = _new_value(self.rng, kind)
            if value.key not in self.keys and not self._near(value):
                break
        self.facts.append(value)
        self.keys.add(value.key)
        return len(self.facts) - 1

    def _near(self, value: Value) -> bool:
        """Counts written as words on one side collide with digits on the other: keep the
        numbers of a story apart."""
        return any(value.key.split(":")[1:] == key.split(":")[1:] for key in self.keys)

    def fact_sentence(self, template: str | None = None) -> Sentence:
        name = template or self.rng.choice(FACT_TEMPLATES)
        kinds, _ = TEMPLATES[name]
        return Sentence(name, tuple(self.value(kind) for kind in kinds),
                        place=self.rng.randrange(len(PLACES)), person=self.rng.randrange(len(PEOPLE)))

    def filler(self) -> Sentence:
        return Sentence("filler", who=self.rng.randrange(len(WHO)), what=self.rng.randrange(len(WHAT)),
                        place=self.rng.randrange(len(PLACES)), placed=self.rng.random() < 0.6)

    def quote(self) -> Sentence:
        number = self.quotes.pop() if self.quotes else self.rng.randrange(len(QUOTES))
        return Sentence("quote", quote=number, person=self.rng.randrange(len(PEOPLE)))

    def paragraph(self) -> tuple[Sentence, ...]:
        draw = self.rng.random()
        if draw < 0.2:
            sentences = [self.quote()] + ([self.filler()] if self.rng.random() < 0.4 else [])
        elif draw < 0.4:
            sentences = [self.filler() for _ in range(self.rng.randint(1, 2))]
            if self.rng.random() < 0.3:
                sentences.append(Sentence("ordered", person=self.rng.randrange(len(PEOPLE))))
        else:
            sentences = [self.fact_sentence()]
            if self.rng.random() < 0.3:
                sentences.append(self.fact_sentence())
            for _ in range(self.rng.choice((0, 1, 1, 2))):
                sentences.insert(self.rng.randint(0, len(sentences)), self.filler())
        return tuple(sentences)


def make_plan(seed: int) -> Plan:
    """The plan of a story, from its seed."""
    rng = Random(f"mediawatch-editions:{seed}")
    planner = _Planner(rng)
    paragraphs = [planner.paragraph() for _ in range(rng.randint(4, 10))]
    if not any(s.template in FACT_TEMPLATES for p in paragraphs for s in p):
        paragraphs[0] = (planner.fact_sentence(),) + paragraphs[0]
    first = next(s for p in paragraphs for s in p if s.template in FACT_TEMPLATES)
    lead = first if rng.random() < 0.6 else planner.filler()
    return Plan(tuple(planner.facts), lead, tuple(paragraphs))


# ---- editions --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Telling:
    """How one edition tells a story: the story's seed and editions, this edition's language,
    the story's divergence (None for a faithful story), and the edits this edition has had:
    (fact number, which other value) pairs."""

    seed: int
    languages: tuple[str, ...]
    language: str
    divergence: str | None = None
    changes: tuple[tuple[int, int], ...] = ()


@dataclass
class Shape:
    """What an edition does to the plan's paragraphs (all faithful)."""

    splits: list[int] = field(default_factory=list)
    merges: list[int] = field(default_factory=list)
    moved: tuple[int, int] | None = None
    dropped: set[int] = field(default_factory=set)
    trimmed: set[int] = field(default_factory=set)  # paragraphs whose fillers are left out

    @property
    def shortened(self) -> bool:
        return bool(self.dropped)


@dataclass
class Truth:
    """What the story's editions are meant to differ in (empty for a faithful story)."""

    kind: str | None = None
    language: str | None = None  # the edition that says it
    values: tuple[str, ...] = ()  # fact keys: a figure's two values, or the extra paragraph's
    quote: str = ""

    def as_dict(self) -> dict:
        return {"kind": self.kind, "language": self.language, "values": list(self.values),
                "quote": self.quote}


MIN_PARAGRAPHS = 4  # every edition keeps at least this many, as the outlet's articles do


def _shape(seed: int, language: str, plan: Plan, shorten: bool) -> Shape:
    """How an edition other than the Russian (the original) lays out the plan: one paragraph
    split, two merged, one moved, and, shortened, a third to a half of them left out and the
    sentences that state nothing trimmed from others."""
    rng = Random(f"mediawatch-editions:{seed}:{language}:shape")
    shape = Shape()
    count = len(plan.paragraphs)
    if language == "ru":
        return shape
    if shorten and count >= MIN_PARAGRAPHS + 2:
        wanted = max(2, round(count * rng.uniform(0.3, 0.5)))
        shape.dropped = set(rng.sample(range(1, count), min(wanted, count - MIN_PARAGRAPHS)))
        shape.trimmed = {i for i in range(count) if rng.random() < 0.4}
    multi = [i for i in range(count) if len(plan.paragraphs[i]) > 1 and i not in shape.dropped]
    if multi and rng.random() < 0.5:
        shape.splits = [rng.choice(multi)]
    mergeable = [i for i in range(count - 1) if i not in shape.dropped and i + 1 not in shape.dropped
                 and i not in shape.splits and i + 1 not in shape.splits]
    kept = count - len(shape.dropped) + len(shape.splits)
    if mergeable and rng.random() < 0.4 and kept > MIN_PARAGRAPHS:
        shape.merges = [rng.choice(mergeable)]
    movable = [i for i in range(1, count) if i not in shape.dropped and i not in shape.splits
               and i not in shape.merges and i - 1 not in shape.merges]
    if movable and rng.random() < 0.3:
        source = rng.choice(movable)
        shape.moved = (source, rng.randrange(0, count))
    return shape


def _shortened_languages(seed: int, languages: tuple[str, ...]) -> set[str]:
    rng = Random(f"mediawatch-editions:{seed}:shortened")
    made = set()
    for language in languages:
        chance = {"en": 0.45, "kk": 0.1}.get(language, 0.0)
        if rng.random() < chance and len(languages) > 1:
            made.add(language)
    if made == set(languages):
        made.discard(languages[0])
    return made


@dataclass
class Design:
    """A story before it is written in any language: its plan, the facts each edition states,
    which editions are shortened, and its divergence (with the material it adds)."""

    seed: int
    languages: tuple[str, ...]
    plan: Plan
    facts: dict[str, tuple[Value, ...]]
    truth: Truth
    shortened: set[str]
    extra_sentence: Sentence | None = None  # a quotation added to one edition
    extra_paragraph: tuple[Sentence, ...] | None = None  # a paragraph added to one edition
    extra_at: int = 0  # the plan paragraph it goes in (or before)

    def extra_text(self) -> str:
        """The divergent material as the edition that carries it writes it (a paragraph or a
        quotation sentence); "" for a faithful story."""
        language, kind = self.truth.language, self.truth.kind
        if kind == "paragraph":
            return " ".join(render_sentence(s, self.facts[language], language, self.seed)
                            for s in self.extra_paragraph)
        if kind == "quote":
            return render_sentence(self.extra_sentence, self.facts[language], language, self.seed)
        return ""

    def shape(self, language: str) -> Shape:
        made = _shape(self.seed, language, self.plan, language in self.shortened)
        if self.truth.language == language and self.truth.kind == "quote":
            made.dropped.discard(self.extra_at)
        return made


@dataclass
class Story:
    """Every edition of one story rendered, with the truth of its divergence."""

    plan: Plan
    editions: dict[str, tuple[str, list[str]]]  # language -> (lead, body paragraphs)
    truth: Truth
    shortened: set[str]


def _extra(seed: int, plan: Plan, kind: str) -> tuple[Plan, Sentence, tuple[Sentence, ...] | None]:
    """The plan with the divergent material added to its facts: a quotation sentence, or a
    paragraph of figures the story has nowhere else."""
    rng = Random(f"mediawatch-editions:{seed}:extra")
    planner = _Planner(rng)
    planner.facts, planner.keys = list(plan.facts), {f.key for f in plan.facts}
    used = {s.quote for p in plan.paragraphs for s in p if s.template == "quote"}
    planner.quotes = [q for q in range(len(QUOTES)) if q not in used]
    rng.shuffle(planner.quotes)
    if kind == "quote":
        return replace(plan, facts=tuple(planner.facts)), planner.quote(), None
    sentences = [planner.fact_sentence()]
    if rng.random() < 0.5:
        sentences.append(planner.fact_sentence())
    if rng.random() < 0.4:
        sentences.append(planner.quote())
    return replace(plan, facts=tuple(planner.facts)), sentences[0], tuple(sentences)


@lru_cache(maxsize=8192)
def design(seed: int, languages: tuple[str, ...], divergence: str | None) -> Design:
    """The design of a story, from its seed: cheap, nothing is written yet."""
    plan = make_plan(seed)
    rng = Random(f"mediawatch-editions:{seed}:divergence")
    shortened = _shortened_languages(seed, languages)
    made = Design(seed, languages, plan, {language: plan.facts for language in languages},
                  Truth(), shortened)
    if not divergence or len(languages) < 2:
        return made
    if divergence == "figure":
        target = rng.choice(languages)
        dropped = set().union(*(_shape(seed, language, plan, language in shortened).dropped
                                for language in languages))
        stated = [i for p, sentences in enumerate(plan.paragraphs)
                  if p not in dropped for s in sentences for i in s.values]
        if not stated:  # the shortened editions leave out every figure: none is shortened
            made.shortened = set()
            stated = [i for sentences in plan.paragraphs for s in sentences for i in s.values]
        fact = rng.choice(stated)
        old = new = plan.facts[fact]
        for _ in range(50):
            new = other_value(rng, old)
            if all(new.key.split(":")[1:] != f.key.split(":")[1:] for f in plan.facts):
                break
        changed = list(plan.facts)
        changed[fact] = new
        made.facts[target] = tuple(changed)
        made.truth = Truth("figure", target, (old.key, new.key))
        return made
    # the edition carrying more must have a partner that is not a selection of it
    choices = [language for language in languages
               if any(other != language and other not in shortened for other in languages)]
    target = rng.choice(choices)
    plan, made.extra_sentence, made.extra_paragraph = _extra(seed, plan, divergence)
    made.plan = plan
    made.facts = {language: plan.facts for language in languages}
    anchored = [i for i, p in enumerate(plan.paragraphs)
                if any(s.template in FACT_TEMPLATES for s in p)]
    if divergence == "quote":
        made.extra_at = rng.choice(anchored)
        quote = QUOTES[made.extra_sentence.quote][LANGUAGES.index(target)]
        made.truth = Truth("quote", target, (), quote)
    else:
        made.extra_at = rng.randint(1, len(plan.paragraphs))
        keys = tuple(plan.facts[i].key for s in made.extra_paragraph for i in s.values)
        made.truth = Truth("paragraph", target, keys)
    return made


def lead_of(telling: Telling) -> str:
    """The lead of one edition (cheap: only its sentence is written)."""
    made = design(telling.seed, telling.languages, telling.divergence)
    facts = _changed(made, telling)
    return render_sentence(made.plan.lead, facts, telling.language, telling.seed)


def _changed(made: Design, telling: Telling) -> tuple[Value, ...]:
    facts = list(made.facts[telling.language])
    for fact, which in telling.changes:
        facts[fact] = edited_value(telling.seed, fact, which, made.plan)
    return tuple(facts)


@lru_cache(maxsize=8192)
def tell(telling: Telling) -> tuple[str, list[str]]:
    """(lead, body paragraphs) of one edition, with the edits it has had."""
    made = design(telling.seed, telling.languages, telling.divergence)
    language, seed = telling.language, telling.seed
    facts = _changed(made, telling)
    paragraphs = [list(p) for p in made.plan.paragraphs]
    target = made.truth.language == language
    if target and made.truth.kind == "quote":
        paragraphs[made.extra_at].append(made.extra_sentence)
    shape = made.shape(language)
    body = _render(paragraphs, facts, language, seed, shape)
    if target and made.truth.kind == "paragraph":
        text = " ".join(render_sentence(s, facts, language, seed) for s in made.extra_paragraph)
        body.insert(_insert_position(made.extra_at, shape, len(body)), text)
    return render_sentence(made.plan.lead, facts, language, seed), body


def tell_story(seed: int, languages: tuple[str, ...], divergence: str | None) -> Story:
    """Every edition of a story (before any edit), and its truth."""
    made = design(seed, languages, divergence)
    editions = {language: tell(Telling(seed, languages, language, divergence))
                for language in languages}
    return Story(made.plan, editions, made.truth, made.shortened)


def _insert_position(at: int, shape: Shape, length: int) -> int:
    kept_before = sum(1 for i in range(at) if i not in shape.dropped)
    return min(length, kept_before + len([s for s in shape.splits if s < at]))


def _render(paragraphs: list[list[Sentence]], facts: tuple[Value, ...], language: str,
            seed: int, shape: Shape) -> list[str]:
    """The body paragraphs of one edition: the plan's, shaped."""
    units: list[list[str]] = []
    merge_next = False
    for index, sentences in enumerate(paragraphs):
        if index in shape.dropped:
            continue
        kept = [s for s in sentences if not (index in shape.trimmed and s.template == "filler")]
        kept = kept or sentences[:1]  # a paragraph of nothing but fillers keeps one
        texts = [render_sentence(s, facts, language, seed) for s in kept]
        if merge_next and units:
            units[-1] += texts
        elif index in shape.splits and len(texts) > 1:
            cut = max(1, len(texts) // 2)
            units += [texts[:cut], texts[cut:]]
        else:
            units.append(texts)
        merge_next = index in shape.merges
    body = [" ".join(unit) for unit in units if unit]
    if shape.moved and len(body) > 2:
        source, target = shape.moved
        moved = body.pop(min(source, len(body) - 1))
        body.insert(min(target, len(body)), moved)
    return body


def edited_value(seed: int, fact: int, which: int, plan: Plan) -> Value:
    """The value an edit gives a fact (`which` numbers the edits of one fact)."""
    rng = Random(f"mediawatch-editions:{seed}:edit:{fact}:{which}")
    for _ in range(50):
        value = other_value(rng, plan.facts[fact])
        if all(value.key.split(":")[1:] != f.key.split(":")[1:] for f in plan.facts):
            return value
    return value


def editable_facts(seed: int, languages: tuple[str, ...], divergence: str | None,
                   in_digits: bool = False) -> list[int]:
    """Facts every edition states in its body (not only in its lead), none of the divergence's:
    those an edit of one edition can change and the others carry. `in_digits`: only figures
    written with digits only (so that a changed one never reads as a misspelling)."""
    made = design(seed, languages, divergence)
    lead_facts = set(made.plan.lead.values)
    dropped = set().union(*(made.shape(language).dropped for language in languages))
    divergent = set(made.truth.values)
    found = []
    for index, sentences in enumerate(made.plan.paragraphs):
        if index in dropped:
            continue
        for sentence in sentences:
            for fact in sentence.values:
                value = made.plan.facts[fact]
                if fact in lead_facts or value.key in divergent:
                    continue
                if in_digits and (value.kind == "month" or (
                        value.kind == "count" and value.number <= 10)):
                    continue  # a month or a small count is written as a word
                found.append(fact)
    return sorted(set(found))
