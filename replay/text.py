"""Word lists and the generation of headlines, paragraphs, captions, bylines and slugs."""

from __future__ import annotations

from random import Random

LANGUAGES = ("ru", "kk", "en")
TOPICS = ("protest", "economy", "city", "politics", "ecology")

# Sentence parts per language: plural subjects, plural past-tense predicates, places, times and
# tails. Topic parts are added to the general ones. Russian protest phrases carry the inflected
# forms митинг, митинга, митинге, митингов so that stemming can be tested.
PARTS: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "ru": {
        "general": {
            "who": ("Жители Алматы", "Эксперты", "Депутаты мажилиса", "Представители акимата",
                    "Журналисты «Власти»", "Учёные", "Правозащитники", "Чиновники министерства",
                    "Местные предприниматели", "Родители школьников"),
            "what": ("обсудили новый законопроект", "ещё раз напомнили о проблеме",
                     "подготовили отчёт о расходах", "не ответили на запрос редакции",
                     "опубликовали открытое письмо", "рассказали о своём опыте",
                     "потребовали объяснений от властей", "оценили объём работ",
                     "всё же согласились на встречу", "пришли к общему решению"),
            "where": ("в Алматы", "в Астане", "в Шымкенте", "в Караганде", "в Усть-Каменогорске",
                      "в Актобе", "в области Жетісу", "на площади Республики",
                      "у здания акимата"),
            "when": ("на прошлой неделе", "во вторник", "в начале месяца", "ещё в прошлом году",
                     "в четверг вечером", "накануне", "в минувшие выходные"),
            "tail": ("сообщает корреспондент «Власти»", "однако всё осталось по-прежнему",
                     "хотя решение ещё не принято", "и это вызвало споры в соцсетях"),
        },
        "protest": {
            "who": ("Участники митинга", "Организаторы митинга", "Активисты",
                    "Сторонники оппозиции"),
            "what": ("провели митинг", "подали заявку на проведение митинга",
                     "рассказали о митинге", "вспомнили о десятках митингов",
                     "не получили разрешения на митинг", "вышли на мирный митинг"),
        },
        "economy": {
            "who": ("Экономисты", "Банкиры", "Аналитики Нацбанка"),
            "what": ("снизили прогноз роста ВВП", "заметили ослабление тенге",
                     "пересчитали налоговые поступления", "отметили рост цен на продукты"),
        },
        "city": {
            "who": ("Горожане", "Водители", "Урбанисты"),
            "what": ("пожаловались на пробки", "обсудили новый генплан",
                     "заметили вырубку деревьев", "потребовали отремонтировать дорогу"),
        },
        "politics": {
            "who": ("Депутаты", "Кандидаты в депутаты", "Члены избирательной комиссии"),
            "what": ("объявили итоги выборов", "зарегистрировали новую партию",
                     "внесли поправки в Конституцию", "подсчитали голоса избирателей"),
        },
        "ecology": {
            "who": ("Экологи", "Жители прибрежных сёл", "Специалисты по водным ресурсам"),
            "what": ("зафиксировали выбросы в атмосферу", "измерили уровень воды в Балхаше",
                     "посадили тысячу деревьев", "сообщили о загрязнении реки"),
        },
    },
    "kk": {
        "general": {
            "who": ("Алматы тұрғындары", "Сарапшылар", "Мәжіліс депутаттары",
                    "Әкімдік өкілдері", "Ғалымдар", "Құқық қорғаушылар",
                    "Министрлік қызметкерлері", "Жергілікті кәсіпкерлер", "Мұғалімдер"),
            "what": ("жаңа заң жобасын талқылады", "мәселені тағы да көтерді",
                     "шығындар туралы есеп дайындады", "редакцияның сауалына жауап бермеді",
                     "ашық хат жариялады", "өз тәжірибесімен бөлісті",
                     "билік өкілдерінен түсініктеме талап етті", "шаһар басшылығымен кездесті"),
            "where": ("Алматыда", "Астанада", "Шымкентте", "Қарағандыда", "Өскеменде",
                      "Ақтөбеде", "Түркістанда", "Республика алаңында"),
            "when": ("өткен аптада", "сейсенбі күні", "ай басында", "былтыр", "бейсенбі кеші",
                     "кеше", "демалыс күндері"),
            "tail": ("деп хабарлайды «Власть» тілшісі", "бірақ шешім әлі қабылданған жоқ",
                     "бұл әлеуметтік желіде үлкен пікірталас тудырды"),
        },
        "protest": {
            "who": ("Шеруге қатысушылар", "Белсенділер", "Наразылық акциясын ұйымдастырушылар"),
            "what": ("бейбіт митинг өткізді", "митингке рұқсат сұрады",
                     "қаһарман ардагерлерді еске алды", "алаңға жиналды"),
        },
        "economy": {
            "who": ("Экономистер", "Банкирлер", "Ұлттық банк сарапшылары"),
            "what": ("ЖІӨ өсімінің болжамын төмендетті", "теңгенің әлсірегенін атап өтті",
                     "азық-түлік бағасының өскенін айтты", "салық түсімдерін қайта есептеді"),
        },
        "city": {
            "who": ("Қала тұрғындары", "Жүргізушілер", "Урбанистер"),
            "what": ("кептелістерге шағымданды", "жаңа бас жоспарды талқылады",
                     "ағаштардың кесілгенін байқады", "жолды жөндеуді талап етті"),
        },
        "politics": {
            "who": ("Депутаттар", "Сайлау комиссиясының мүшелері", "Үміткерлер"),
            "what": ("сайлау қорытындысын жариялады", "жаңа партияны тіркеді",
                     "Конституцияға түзетулер енгізді", "сайлаушылардың дауысын санады"),
        },
        "ecology": {
            "who": ("Экологтар", "Жағалаудағы ауыл тұрғындары", "Су ресурстары мамандары"),
            "what": ("ауаға шығарылған қалдықтарды тіркеді", "Балқаш көліндегі су деңгейін өлшеді",
                     "мың ағаш отырғызды", "өзеннің ластанғанын хабарлады"),
        },
    },
    "en": {
        "general": {
            "who": ("Residents of Almaty", "Experts", "Members of the Mazhilis",
                    "Akimat officials", "Scientists", "Human rights defenders",
                    "Ministry officials", "Local entrepreneurs", "Teachers"),
            "what": ("discussed a new draft law", "raised the issue again",
                     "prepared a report on spending", "did not respond to a request from Vlast",
                     "published an open letter", "shared their experience",
                     "demanded explanations from the authorities",
                     "met with the city administration"),
            "where": ("in Almaty", "in Astana", "in Shymkent", "in Karaganda", "in Oskemen",
                      "in Aktobe", "in Turkistan", "on Republic Square"),
            "when": ("last week", "on Tuesday", "earlier this month", "last year",
                     "on Thursday evening", "yesterday", "over the weekend"),
            "tail": ("Vlast's correspondent reports", "but no decision has been made yet",
                     "which sparked a debate on social media"),
        },
        "protest": {
            "who": ("Protesters", "Activists", "Organizers of the rally"),
            "what": ("held a peaceful rally", "applied for permission to hold a rally",
                     "gathered on the square", "rallied against violence"),
        },
        "economy": {
            "who": ("Economists", "Bankers", "National Bank analysts"),
            "what": ("lowered the GDP growth forecast", "noted the weakening of the tenge",
                     "recalculated tax revenues", "pointed to rising food prices"),
        },
        "city": {
            "who": ("City residents", "Drivers", "Urban planners"),
            "what": ("complained about traffic jams", "discussed the new master plan",
                     "noticed trees being cut down", "demanded road repairs"),
        },
        "politics": {
            "who": ("Deputies", "Election commission members", "Candidates"),
            "what": ("announced the election results", "registered a new party",
                     "amended the Constitution", "counted the votes"),
        },
        "ecology": {
            "who": ("Ecologists", "Residents of coastal villages", "Water resource specialists"),
            "what": ("recorded emissions into the atmosphere",
                     "measured the water level in Lake Balkhash", "planted a thousand trees",
                     "reported pollution of the river"),
        },
    },
}

INTERVIEW = {
    "ru": "во время интервью «Власти»",
    "kk": "«Власть» тілшісіне сұхбат беру кезінде",
    "en": "during an interview with Vlast",
}

# Tags: (slug, name); slugs are unique across the editions.
TAGS: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    "ru": {
        "general": (("kazahstan", "Казахстан"), ("rassledovanie", "расследование")),
        "protest": (("mitingi", "митинги"), ("protesty", "протесты"),
                    ("pravozashhita", "правозащита")),
        "economy": (("ekonomika", "экономика"), ("tenge", "тенге"), ("nalogi", "налоги")),
        "city": (("almaty", "Алматы"), ("gorod", "город"), ("transport", "транспорт")),
        "politics": (("vybory", "выборы"), ("parlament", "парламент"), ("reforma", "реформа")),
        "ecology": (("ekologia", "экология"), ("voda", "вода")),
    },
    "kk": {
        "general": (("qazaqstan", "Қазақстан"), ("zertteu", "зерттеу")),
        "protest": (("sheru", "шеру"), ("narazylyq", "наразылық")),
        "economy": (("ekonomika-kk", "экономика"), ("tenge-kk", "теңге")),
        "city": (("almaty-kk", "Алматы"), ("qala", "қала")),
        "politics": (("saylau", "сайлау"), ("parlament-kk", "парламент")),
        "ecology": (("ekologiya-kk", "экология"), ("su", "су")),
    },
    "en": {
        "general": (("kazakhstan", "Kazakhstan"), ("investigation", "investigation")),
        "protest": (("protests", "protests"), ("human-rights", "human rights")),
        "economy": (("economy", "economy"), ("tenge-en", "tenge")),
        "city": (("almaty-en", "Almaty"), ("transport-en", "transport")),
        "politics": (("elections", "elections"), ("parliament", "parliament")),
        "ecology": (("ecology", "ecology"), ("water", "water")),
    },
}

# Writers per edition; Russian pages also carry names written with Kazakh letters.
WRITERS = {
    "ru": ("Ольга Логинова", "Данияр Молдабеков", "Юна Коростелева", "Ақбота Узбекбай",
           "Алмас Қайсар", "Вячеслав Абрамов", "Жанар Ахметова", "Тимур Есенов",
           "Светлана Глушкова", "Асель Сатаева"),
    "kk": ("Ақбота Узбекбай", "Алмас Қайсар", "Әсел Жұмабаева", "Ұлжан Тоқтарова",
           "Нұрсұлтан Бекұлы", "Гүлнұр Өмірзақ"),
    "en": ("Paolo Sorbello", "Olga Loginova", "Daniyar Moldabekov", "Aigerim Toleukhanova",
           "Dana Omarova", "Timur Yessenov"),
}
# Photographers: (as after "Фото:" / "Photo by", as after the lowercase "фото" = genitive).
PHOTOGRAPHERS = {
    "ru": (("Данияр Мусиров", "Данияра Мусирова"), ("Тамара Вааль", "Тамары Вааль"),
           ("Жанара Каримова", "Жанары Каримовой"), ("Алексей Щербаков", "Алексея Щербакова"),
           ("Аян Калмурат", "Аяна Калмурата")),
    "kk": (("Данияр Мусиров", ""), ("Тамара Вааль", ""), ("Жанара Кәрімова", "")),
    "en": (("Daniyar Musirov", ""), ("Tamara Vaal", ""), ("Zhanara Karimova", "")),
}
PHOTO_SOURCES_EN = ("Almaty TV", "Reuters", "the Akimat's press service")

RU_MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
             "сентября", "октября", "ноября", "декабря")
KK_MONTHS = ("қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз",
             "қыркүйек", "қазан", "қараша", "желтоқсан")

ALPHABETS = {
    "ru": "абвгдеёжзийклмнопрстуфхцчшщыэюя",
    "kk": "абвгдежзийклмнопрстуфхшыэяәғқңөұүһі",
    "en": "abcdefghijklmnopqrstuvwxyz",
}

# Lossy transliteration like the outlet's slugs ("akcia", "dvizenia").
_SLUG_MAP = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "z", "з": "z",
    "и": "i", "й": "", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "c", "ч": "c", "ш": "s", "щ": "s",
    "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "u", "я": "a", "ә": "a", "ғ": "g", "қ": "k",
    "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i",
})
# The older scheme ("nesoglasie_nachinaetsja_v_subbotu").
_OLD_SLUG_MAP = str.maketrans({
    "ж": "zh", "ч": "ch", "ш": "sh", "щ": "shh", "ю": "ju", "я": "ja", "й": "j", "ё": "jo",
    "э": "je", "х": "h", "ц": "c",
})


def slugify(text: str, old_style: bool = False, words: int = 6) -> str:
    """A URL slug from a headline: lossy transliteration, at most `words` words."""
    lowered = text.lower()
    if old_style:
        lowered = lowered.translate(_OLD_SLUG_MAP)
    latin = lowered.translate(_SLUG_MAP)
    cleaned = "".join(c if c.isascii() and c.isalnum() else " " for c in latin)
    parts = cleaned.split()[:words]
    return ("_" if old_style else "-").join(parts) or "material"


def _pick(rng: Random, language: str, topic: str, part: str) -> str:
    general = PARTS[language]["general"].get(part, ())
    specific = PARTS[language].get(topic, {}).get(part, ())
    if specific and rng.random() < 0.6:
        return rng.choice(specific)
    return rng.choice(general or specific)


def _lower_first(text: str) -> str:
    return text[0].lower() + text[1:] if text[1:2].islower() else text


def sentence(rng: Random, language: str, topic: str) -> str:
    """One sentence of body text."""
    who = _pick(rng, language, topic, "who")
    what = _pick(rng, language, topic, "what")
    where = _pick(rng, language, topic, "where")
    when = _pick(rng, language, topic, "when")
    if language == "kk":
        text = f"{who} {when} {where} {what}"
    else:
        text = f"{who} {when} {what} {where}" if rng.random() < 0.3 else f"{who} {what} {where} {when}"
    if rng.random() < 0.3:
        tail = _pick(rng, language, topic, "tail")
        text = f"{text}, {tail}"
    return text + "."


def paragraph(rng: Random, language: str, topic: str) -> str:
    """A paragraph of two to five sentences."""
    return " ".join(sentence(rng, language, topic) for _ in range(rng.randint(2, 5)))


def headline(rng: Random, language: str, topic: str) -> str:
    """A headline without a final full stop."""
    who = _pick(rng, language, topic, "who")
    what = _pick(rng, language, topic, "what")
    if rng.random() < 0.5:
        return f"{who} {what}"
    where = _pick(rng, language, topic, "where")
    return f"{who} {what} {where}" if language != "kk" else f"{who} {where} {what}"


def lead(rng: Random, language: str, topic: str) -> str:
    """The subtitle under the headline: one sentence."""
    return sentence(rng, language, topic)


def caption(rng: Random, language: str, topic: str) -> str:
    """A photo caption: who is seen and where."""
    who = _pick(rng, language, topic, "who")
    if rng.random() < 0.4:
        return f"{who} {INTERVIEW[language]}."
    return f"{who} {_pick(rng, language, topic, 'where')}."


def tags(rng: Random, language: str, topic: str) -> tuple[tuple[str, str], ...]:
    """One to three tags (slug, name), topic tags first."""
    specific = TAGS[language][topic]
    chosen = rng.sample(specific, rng.randint(1, min(2, len(specific))))
    if rng.random() < 0.5:
        chosen.append(rng.choice(TAGS[language]["general"]))
    return tuple(chosen)


def all_tags() -> dict[str, tuple[str, str]]:
    """Every tag slug with its (language, name)."""
    found = {}
    for language, groups in TAGS.items():
        for group in groups.values():
            for slug, name in group:
                found[slug] = (language, name)
    return found


def join_names(names: list[str], conjunction: str) -> str:
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + f" {conjunction} " + names[-1]


def byline(rng: Random, language: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """An author line with the writers and the photo credits a reader would split from it.

    The rule the extractor follows (and the manifest records):
    - the line is cut into sentences at ". "; a ", фото " also starts a new part;
    - a part starting with "Фото:", "фото", "Photo by" or "Photo from" names photo credits,
      anything else names writers (a leading "Текст:" / "Мәтін:" is dropped);
    - names are split at ", ", " и ", " and "; the final full stop is not part of a name;
    - names stay exactly as written: "Юна Коростелева, фото Данияра Мусирова" gives
      authors ["Юна Коростелева"], photo_credits ["Данияра Мусирова"] (genitive kept);
      "Paolo Sorbello. Photo from Almaty TV." gives ["Paolo Sorbello"], ["Almaty TV"].
    """
    writers = WRITERS[language]
    count = rng.choice((1, 1, 1, 2, 2, 3))
    authors = rng.sample(writers, count)
    photographers = PHOTOGRAPHERS[language]
    style = rng.randrange(4)
    photos: list[str] = []
    if language == "ru":
        if style <= 1:
            line = join_names(authors, "и") if count > 1 and rng.random() < 0.5 else ", ".join(authors)
        elif style == 2:
            shooters = rng.sample(photographers, rng.choice((1, 1, 2)))
            photos = [name for name, _ in shooters]
            line = f"Текст: {', '.join(authors)}. Фото: {', '.join(photos)}"
        else:
            authors = authors[:1]
            _, genitive = rng.choice(photographers)
            photos = [genitive]
            line = f"{authors[0]}, фото {genitive}"
    elif language == "kk":
        if style <= 1:
            line = ", ".join(authors)
        else:
            photos = [rng.choice(photographers)[0]]
            line = f"Мәтін: {', '.join(authors)}. Фото: {photos[0]}"
    else:
        names = join_names(authors, "and")
        if style == 0:
            line = names
        elif style == 1:
            photos = [rng.choice(photographers)[0]]
            line = f"{names}. Photo by {photos[0]}."
        else:
            photos = [rng.choice(PHOTO_SOURCES_EN)]
            line = f"{names}. Photo from {photos[0]}."
    return line, tuple(authors), tuple(photos)


def credited_byline(rng: Random, language: str, authors: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """An author line naming the same writers and one photographer, with its photo credits."""
    name = rng.choice(PHOTOGRAPHERS[language])[0]
    if language == "en":
        return f"{join_names(list(authors), 'and')}. Photo by {name}.", (name,)
    label = "Мәтін" if language == "kk" else "Текст"
    return f"{label}: {', '.join(authors)}. Фото: {name}", (name,)


def date_text(day: int, month: int, year: int, language: str) -> str:
    """The date as printed on the page: Russian month names on ru and en pages, Kazakh on kk."""
    months = KK_MONTHS if language == "kk" else RU_MONTHS
    return f"{day} {months[month - 1]} {year}"


OTHER_EDITION = {
    "ru": "Читайте этот материал на русском.",
    "kk": "Осы мақаланың қазақша нұсқасын оқыңыз.",
    "en": "Read this article in English.",
}
