"""The reading room in Russian, Kazakh and English, and the Atom feed every page links to."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

import feedparser
import lxml.html
import pytest
from starlette.testclient import TestClient

from storage.archive import Archive
from storage.browse import COVERAGE_FIELDS
from storage.changes import FIELD_KINDS
from storage.runs import RUN_STATUSES
from views.reading import CHANGE_KINDS
from web import language
from web.app import create_app
from web.catalogues import extract, load, missing

ROOT = Path(__file__).resolve().parent.parent
RU_MONTHS = "января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря"
KK_MONTHS = ("қаңтар|ақпан|наурыз|сәуір|мамыр|маусым|шілде|тамыз|қыркүйек|қазан|қараша"
             "|желтоқсан")
# A time on a page as each language writes it (Almaty time).
TIMES = {"ru": rf"\d{{1,2}} ({RU_MONTHS}) \d{{4}} г\., \d\d:\d\d",
         "kk": rf"\d{{4}} ж\. \d{{1,2}} ({KK_MONTHS}), \d\d:\d\d",
         "en": r"\d{4}-\d\d-\d\d \d\d:\d\d"}


@pytest.fixture(scope="module")
def archive(demo_archive):
    with Archive(demo_archive, readonly=True) as opened:
        yield opened


def room(db: str) -> TestClient:
    """A fresh client: its own cookie jar, asking for the room at its own address."""
    return TestClient(create_app(db), base_url="http://127.0.0.1:8000")


def room_words(html: str, ui: str) -> str:
    """The text of a page in the room's language: the archive's text (marked with the language
    of its article) left out."""
    words: list[str] = []

    def walk(element, inherited: str) -> None:
        own = element.get("lang", inherited)
        if own == ui and isinstance(element.text, str):
            words.append(element.text)
        for child in element:
            walk(child, own)
            if own == ui and child.tail:
                words.append(child.tail)

    walk(lxml.html.fromstring(html), ui)
    return " ".join(" ".join(words).split())


# ---- the language of a page --------------------------------------------------------------------

@pytest.mark.parametrize("header", [None, "de-DE,de;q=0.9", "fr, *;q=0.1", "ru;q=0, kk;q=0"])
def test_english_when_the_browser_asks_for_no_language_of_the_room(demo_archive, header):
    answer = room(demo_archive).get("/", headers={"Accept-Language": header} if header else {})
    assert answer.headers["content-language"] == "en"
    assert '<html lang="en">' in answer.text and "<h1>Changes</h1>" in answer.text


@pytest.mark.parametrize("header, chosen", [
    ("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", "ru"), ("kk-KZ", "kk"), ("KK", "kk"),
    ("de, kk;q=0.5, ru;q=0.4", "kk"), ("en;q=0.5, ru", "ru"), ("ru;q=0, kk;q=0.1", "kk"),
    ("en-GB,en;q=0.9,ru;q=0.8", "en"),
])
def test_the_browsers_languages_choose_in_their_order(demo_archive, header, chosen):
    answer = room(demo_archive).get("/status", headers={"Accept-Language": header})
    assert answer.headers["content-language"] == chosen
    assert f'<html lang="{chosen}">' in answer.text
    assert {"Accept-Language", "Cookie"} <= {
        part.strip() for part in answer.headers["vary"].split(",")}


# The words each page kind shows, per language: headings, labels and kinds of change.
EXPECTED = {
    "ru": {"changes": ["Изменения", "Виды изменений", "правка без пометки", "удалён абзац",
                       "новый материал", "Лента этих изменений"],
           "search": ["Найдено материалов по языкам:", "Лента изменений найденных материалов"],
           "article": ["Хронология", "Опубликовано", "первая версия", "сохранённая копия"],
           "diff": ["Постоянная ссылка:", "правка текста", "В две колонки"],
           "removal": ["удалён", "код ответа"],
           "story": ["Один материал", "языковые версии"],
           "capture": ["Сохранённая копия", "Заголовки ответа"],
           "status": ["Последние сборы", "успешно", "Служба сбора"],
           "error": ["Не найдено", "Изменения за сегодня"]},
    "kk": {"changes": ["Өзгерістер", "Өзгеріс түрлері", "ескертусіз түзету",
                       "абзац алынып тасталды", "жаңа материал", "Осы өзгерістер арнасы"],
           "search": ["Тілдер бойынша табылған материалдар:", "Іздеу"],
           "article": ["Хронология", "Жарияланды", "алғашқы нұсқа", "сақталған көшірме"],
           "diff": ["Тұрақты сілтеме:", "мәтін өңделді", "Екі бағанда"],
           "removal": ["жойылды", "жауап коды"],
           "story": ["Бір материал", "тілде"],
           "capture": ["Сақталған көшірме", "Жауап тақырыптамалары"],
           "status": ["Соңғы жинаулар", "сәтті", "Жинау қызметі"],
           "error": ["Табылмады", "Бүгінгі өзгерістер"]},
    "en": {"changes": ["Changes", "Kinds of change", "edited without notice", "paragraph removed",
                       "new article", "Feed of these changes"],
           "search": ["Matching articles per edition:"],
           "article": ["Timeline", "Published", "first version", "archived capture"],
           "diff": ["Permalink:", "text edited", "Side by side"],
           "removal": ["removed", "status"],
           "story": ["One story"],
           "capture": ["Archived capture", "Response headers"],
           "status": ["Recent crawl runs", "ok", "Crawl service"],
           "error": ["Not found", "Today's changes"]},
}
# English words that must not be left on a Russian or Kazakh page.
ENGLISH = ["Changes", "Timeline", "Permalink", "Recent crawl runs", "stealth edit",
           "edited without notice", "paragraph removed", "Search the archive", "version"]


@pytest.mark.parametrize("ui", ["ru", "kk", "en"])
def test_each_language_renders_every_page_kind(demo_archive, room_pages, ui):
    client = room(demo_archive)
    headers = {"Accept-Language": {"ru": "ru-RU", "kk": "kk-KZ", "en": "en-GB"}[ui]}
    for name, path in room_pages.items():
        answer = client.get(path, headers=headers)
        assert answer.status_code == (404 if name == "error" else 200), path
        assert f'<html lang="{ui}">' in answer.text, path
        shown = room_words(answer.text, ui)
        for words in EXPECTED[ui].get(name, []):
            assert words in shown, (ui, name, words)
        if ui != "en":
            for words in ENGLISH:
                assert words not in shown, (ui, name, words)
        if name in ("changes", "article", "diff", "status", "capture"):
            assert re.search(TIMES[ui], shown), (ui, name)


def test_dates_are_written_as_each_language_writes_them():
    assert language.local_time("2026-11-28T07:32:08Z", "ru") == "28 ноября 2026 г., 12:32"
    assert language.local_time("2026-11-28T07:32:08Z", "kk") == "2026 ж. 28 қараша, 12:32"
    assert language.local_time("2026-11-28T07:32:08Z", "en") == "2026-11-28 12:32"
    # Almaty was UTC+6 until March 2024: 18:00 UTC was already the next day.
    assert language.local_time("2024-01-15T18:00:00Z", "ru") == "16 января 2024 г., 00:00"
    assert language.local_time("2024-03-05", "ru") == "5 марта 2024 г."
    assert language.local_time("2024-03-05", "kk") == "2024 ж. 5 наурыз"
    assert language.local_day("2024-06-30T20:00:00Z", "kk") == "2024 ж. 1 шілде"
    assert language.local_time(None, "kk") == "-"
    assert language.number(12345, "ru") == "12\xa0345" and language.number(12345, "en") == "12,345"


# ---- the switch ---------------------------------------------------------------------------------

def test_the_language_switch_stays(demo_archive):
    client = room(demo_archive)
    russian = {"Accept-Language": "ru-RU,ru;q=0.9"}
    page = client.get("/search?q=rally", headers=russian)
    assert page.headers["content-language"] == "ru"
    links = lxml.html.fromstring(page.text).xpath('//nav[@class="languages"]//a/@href')
    assert sorted(links) == ["/search?q=rally&ui=en", "/search?q=rally&ui=kk"]
    chosen = client.get("/search?q=rally&ui=kk", headers=russian)
    assert chosen.headers["content-language"] == "kk" and "Іздеу" in chosen.text
    cookie = chosen.headers["set-cookie"]
    assert cookie.startswith(f"{language.COOKIE}=kk;") and "Max-Age=31536000" in cookie
    for path in ("/", "/status", "/no/such/page"):  # the browser still asks for Russian
        assert client.get(path, headers=russian).headers["content-language"] == "kk", path
    assert client.get("/?ui=en", headers=russian).headers["content-language"] == "en"
    assert client.get("/status", headers=russian).headers["content-language"] == "en"


def test_an_unknown_language_choice_is_ignored(demo_archive):
    client = room(demo_archive)
    answer = client.get("/?ui=de", headers={"Accept-Language": "kk"})
    assert answer.status_code == 200 and answer.headers["content-language"] == "kk"
    assert "set-cookie" not in answer.headers
    client.cookies.set(language.COOKIE, "<script>")
    assert client.get("/", headers={"Accept-Language": "ru"}).headers["content-language"] == "ru"


def test_pages_in_every_language_keep_the_archives_text_inert(hostile_archive):
    client = room(hostile_archive.db)
    for ui in language.LANGUAGES:
        for path in (f"/article/{hostile_archive.article_id}", "/?since=2000-01-01",
                     f"/story/{hostile_archive.article_id}"):
            page = client.get(path, headers={"Accept-Language": ui})
            assert page.headers["content-language"] == ui
            assert "<script" not in page.text.lower() and "<img" not in page.text.lower()
            assert not re.search(r"<[^>]*onerror", page.text)


# ---- the catalogues -----------------------------------------------------------------------------

@pytest.mark.parametrize("ui", ["ru", "kk"])
def test_every_message_of_the_room_has_a_translation(ui):
    template = extract()
    assert len(template) > 150
    assert missing(template, ui) == []
    catalog = load(ui)
    problems = [(message.id, errors) for message, errors in catalog.check() if errors]
    assert problems == []  # every translation keeps the placeholders of its message
    assert {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id} == \
        {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}


def test_every_name_the_archive_shows_has_words_for_readers():
    assert set(CHANGE_KINDS) <= set(language.KIND_LABELS)
    assert set(FIELD_KINDS) | set(COVERAGE_FIELDS) <= set(language.FIELD_LABELS)
    assert set(RUN_STATUSES) <= set(language.RUN_STATUSES)


def test_the_catalogues_ship_with_the_package():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["web.locales"]
    sources = sorted(path.name for path in language.LOCALES.rglob("*.po"))
    assert sources == sorted(language.po_path(ui).name for ui in ("ru", "kk"))
    for source in sources:
        assert any(fnmatch.fnmatch(source, pattern) for pattern in patterns), source
    assert "web.locales" in config["tool"]["setuptools"]["packages"]
    assert any(dependency.startswith("babel") for dependency in config["project"]["dependencies"])


# ---- feeds --------------------------------------------------------------------------------------

def feeds_of(html: str) -> tuple[list[str], list[str]]:
    """The feeds a page announces in its head, and those it links in its body."""
    document = lxml.html.fromstring(html)
    head = document.xpath('//head/link[@rel="alternate"][@type="application/atom+xml"]/@href')
    body = document.xpath('//body//a[@type="application/atom+xml"]/@href')
    return head, body


def test_every_page_links_its_feed(demo_archive, archive, room_pages):
    client = room(demo_archive)
    article = int(room_pages["article"].rsplit("/", 1)[1])
    story = int(room_pages["story"].rsplit("/", 1)[1])
    removed = int(room_pages["removal"].split("/")[2])
    editions = sorted([story, *(e["article_id"] for e in archive.translations(story))])
    expected = {
        "changes": ["/feeds/all.atom"],
        "search": ["/feeds/changes.atom?q=rally"],
        "search-form": ["/feeds/all.atom"],
        "article": [f"/feeds/article/{article}.atom"],
        "diff": [f"/feeds/article/{article}.atom"],
        "diff-side": [f"/feeds/article/{article}.atom"],
        "removal": [f"/feeds/article/{removed}.atom"],
        "capture": [f"/feeds/article/{article}.atom"],
        "story": [f"/feeds/article/{member}.atom" for member in editions],
        "status": ["/feeds/kind/degraded.atom"],
        "error": ["/feeds/all.atom"],
    }
    for name, path in room_pages.items():
        head, body = feeds_of(client.get(path).text)
        own = sorted(href for href in head if href != "/feeds/all.atom") or ["/feeds/all.atom"]
        assert own == sorted(expected[name]), name
        assert set(own) <= set(body), name  # and a link a reader can see
        for href in own:
            feed = client.get(href)
            assert feed.status_code == 200, href
            assert feed.headers["content-type"].startswith("application/atom+xml")
            assert not feedparser.parse(feed.content).bozo


@pytest.mark.parametrize("query, feed, edition, kinds", [
    ("edition=kk", "/feeds/edition/kk.atom", "kk", None),
    ("kind=removed", "/feeds/kind/removed.atom", None, {"removed"}),
    ("edition=kk&kind=rewrite&kind=byline",
     "/feeds/changes.atom?lang=kk&kind=rewrite&kind=byline", "kk",
     {"rewrite", "byline"}),
])
def test_the_change_list_links_the_feed_of_its_filters(demo_archive, query, feed, edition, kinds):
    client = room(demo_archive)
    head, body = feeds_of(client.get(f"/?{query}").text)
    assert head[0] == feed and feed in body and "/feeds/all.atom" in head
    parsed = feedparser.parse(client.get(feed).content)
    assert not parsed.bozo and parsed.entries
    for entry in parsed.entries:
        terms = {(tag.scheme.rsplit(":", 1)[1], tag.term) for tag in entry.tags}
        if edition:
            assert ("edition", edition) in terms
        if kinds:
            assert {term for scheme, term in terms if scheme == "kind"} & kinds


def test_the_search_feed_follows_the_search(demo_archive):
    client = room(demo_archive)
    head, body = feeds_of(client.get("/search", params={"q": "митинг", "edition": "ru"}).text)
    assert head[0] == "/feeds/changes.atom?lang=ru&q=%D0%BC%D0%B8%D1%82%D0%B8%D0%BD%D0%B3"
    assert head[0] in body
    parsed = feedparser.parse(client.get(head[0]).content)
    assert not parsed.bozo and parsed.entries
    # A malformed query has no feed of its own.
    head, _ = feeds_of(client.get("/search", params={"q": '"unbalanced'}).text)
    assert head == ["/feeds/all.atom"]
