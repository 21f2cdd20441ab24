"""Extraction on small pages, one documented rule at a time: the precedence of each field's
signals, encodings, what leaves the body, which container is read, and the language."""

from __future__ import annotations

import codecs
import json
from dataclasses import replace

import lxml.html
import pytest

from crawler.extract import (
    DOUBTFUL_WORDS,
    ExtractionError,
    decode_html,
    doubtful_reading,
    extract,
    extract_generic,
    page_language,
)

URL = "https://vlast.kz/politika/70001-test.html"
OTHER = "https://example.org/news/2024/rally"
TEXT = ("Жители Алматы вышли на митинг против повышения тарифов на коммунальные услуги, "
        "акимат пообещал ответить до конца месяца.")
STORY = [
    "The city council met on Monday and voted for the new transport plan after a long debate.",
    "Residents of the old town said that the plan would close two of the bus lines they use.",
    "The mayor promised to publish the full text of the plan in the coming week.",
]


def outlet(body: str, head: str = "<title>Заголовок</title>", before: str = "",
           after: str = "") -> str:
    """A page of the outlet: its body container, with what stands before and after it."""
    return (f"<html lang='ru'><head><meta charset='utf-8'>{head}</head><body>{before}"
            f"<div class='default-item-in'>{body}</div>{after}</body></html>")


def any_site(body: str, head: str = "<title>Rally</title>", lang: str = "en") -> str:
    return (f"<html lang='{lang}'><head><meta charset='utf-8'>{head}</head><body>"
            f"<article>{body}</article></body></html>")


def paragraphs(texts: list[str]) -> str:
    return "".join(f"<p>{text}</p>" for text in texts)


def ld(data: dict) -> str:
    return f"<script type='application/ld+json'>{json.dumps(data, ensure_ascii=False)}</script>"


# ---- bytes and their encodings -------------------------------------------------------------------

def test_a_utf8_byte_order_mark_is_not_text():
    assert decode_html(codecs.BOM_UTF8 + "<p>Текст</p>".encode()) == "<p>Текст</p>"


def declared_at(end: int) -> bytes:
    """A koi8-r page whose charset declaration ends at byte `end` (its last letter before it)."""
    declaration = b"<meta charset=koi8-r>"
    html = "<title>Заголовок</title><p>Привет.</p>".encode("koi8-r")
    name_end = len(declaration) - 1  # the `>` follows the name
    padding = b"<!--" + b"x" * (end - name_end - 7) + b"-->"
    return padding + declaration + html


def test_the_charset_declaration_is_read_in_the_first_4096_bytes_only():
    inside, cut = declared_at(4096), declared_at(4097)
    assert inside.index(b"koi8-r") + len(b"koi8-r") == 4096
    assert decode_html(inside).endswith("<title>Заголовок</title><p>Привет.</p>")
    # cut at the limit, `koi8-` names no encoding: cp1251, the outlet's legacy one, reads it
    assert decode_html(cut) == cut.decode("cp1251")


# ---- titles ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("head", "title"), [
    ("<title>Итоги года — Зона</title><meta property='og:site_name' content='Зона'>",
     "Итоги года"),
    ("<title>Итоги года | Зона</title><meta property='og:site_name' content='Зона'>",
     "Итоги года"),
    ("<title>Итоги года | Зона</title>", "Итоги года | Зона"),
    ("<title>Алматы — Астана — Шымкент: запущен новый поезд</title>",
     "Алматы — Астана — Шымкент: запущен новый поезд"),
])
def test_the_html_title_loses_only_the_site_name(head, title):
    assert extract(outlet(paragraphs([TEXT]), head), URL).title == title


def test_a_page_of_another_site_without_any_title_is_still_read():
    html = "<html><body><article>" + paragraphs(STORY) + "</article></body></html>"
    assert extract_generic(html, OTHER).title == ""


# ---- leads -----------------------------------------------------------------------------------------

SUBHEADING = "Подзаголовок ровно в тридцать!"  # 30 characters


@pytest.mark.parametrize(("under_title", "lead", "body"), [
    (f"<h2>{SUBHEADING}</h2>", SUBHEADING, [TEXT]),
    (f"<h2>{SUBHEADING[1:]}</h2>", "", [SUBHEADING[1:], TEXT]),
    (f"<p class='article-lead'>{SUBHEADING}</p>", SUBHEADING, [TEXT]),
    (f"<p class='Standfirst big'>{SUBHEADING}</p>", SUBHEADING, [TEXT]),
    (f"<p class='big'>{SUBHEADING}</p>", "", [SUBHEADING, TEXT]),
])
def test_a_subheading_of_30_characters_or_a_lead_paragraph_under_the_title_is_the_lead(
        under_title, lead, body):
    html = ("<html><head><title>Т</title></head><body><article><h1>Заголовок статьи</h1>"
            f"{under_title}<p>{TEXT}</p></article></body></html>")
    record = extract(html, URL)
    assert (record.lead, record.body) == (lead, body)


def test_another_sites_lead_stays_at_the_top_of_its_text():
    html = any_site(f"<h1>Rally</h1><h2>{STORY[0]}</h2>" + paragraphs(STORY[1:]))
    record = extract_generic(html, OTHER)
    assert (record.lead, record.body) == (STORY[0], STORY)


# ---- bylines ---------------------------------------------------------------------------------------

def test_a_page_without_a_byline_has_no_people():
    record = extract(outlet(paragraphs([TEXT])), URL)
    assert (record.authors, record.photo_credits) == ([], [])


def byline_of(chars: int) -> str:
    line = "Текст: Ольга Логинова. Фото: Тамара Вааль, архив редакции"
    return line + "." * (chars - len(line))


@pytest.mark.parametrize(("line", "authors"), [
    (byline_of(160), ["Ольга Логинова"]),
    (byline_of(161), []),
    ("Текст: Анна Мария Ольга Петровна Логинова", ["Анна Мария Ольга Петровна Логинова"]),
    ("Текст: Анна Мария Ольга Петровна Логинова Вааль", []),
])
def test_a_byline_line_is_at_most_160_characters_of_names_of_at_most_five_words(line, authors):
    record = extract(outlet(f"<p>{TEXT}</p><p>{line}</p>"), URL)
    assert record.authors == authors
    assert record.body == ([TEXT] if authors else [TEXT, line])


def test_a_byline_line_leaves_another_sites_body_too():
    html = any_site("<h1>Rally</h1><p>By Anna Lee</p>" + paragraphs(STORY))
    record = extract_generic(html, OTHER)
    assert (record.authors, record.body) == (["Anna Lee"], STORY)


@pytest.mark.parametrize("content", ["https://www.facebook.com/olga", "/author/olga/"])
def test_a_meta_author_that_is_an_address_is_no_name(content):
    head = f"<title>Т</title><meta name='author' content='{content}'>"
    assert extract(outlet(paragraphs([TEXT]), head), URL).authors == []


@pytest.mark.parametrize(("chars", "authors"), [(60, 1), (61, 0)])
def test_an_author_link_of_more_than_60_characters_is_no_name(chars, authors):
    name = "Ольга " + "Логинова-Вааль" * 3 + "Логинова-Ваальская"[:chars - 48]
    assert len(name) == chars
    before = f"<div class='authors'><a href='/author/olga/'>{name}</a></div>"
    record = extract(outlet(paragraphs([TEXT]), before=before), URL)
    assert record.authors == [name.strip()] * authors


def test_an_organisation_is_no_author():
    head = "<title>Т</title>" + ld({"@type": "NewsArticle", "author": [
        {"@type": "Organization", "name": "Редакция"}, {"@type": "Person", "name": "Ольга Логинова"},
        {"name": "Данияр Молдабеков"}]})
    assert extract(outlet(paragraphs([TEXT]), head), URL).authors == [
        "Ольга Логинова", "Данияр Молдабеков"]


# ---- dates -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("head", "before", "published"), [
    ("<meta name='datePublished' content='2021-06-03T14:05:00+06:00'>", "",
     "2021-06-03T14:05:00+06:00"),
    # microdata comes before any other time element on the page, even an earlier one
    ("", "<time datetime='2020-01-01T10:00:00+06:00'>1 января</time>"
         "<span itemprop='datePublished' datetime='2021-06-03T14:05:00+06:00'>3 июня</span>",
     "2021-06-03T14:05:00+06:00"),
    ("", "<span itemprop='datePublished'>3 июня 2021, 14:05</span>",
     "2021-06-03T14:05:00+06:00"),
])
def test_published_from_microdata_in_every_form(head, before, published):
    record = extract(outlet(paragraphs([TEXT]), "<title>Т</title>" + head, before=before), URL)
    assert record.published == published


def test_a_modified_date_without_time_is_that_day():
    head = "<title>Т</title><meta property='article:modified_time' content='2021-06-04'>"
    assert extract(outlet(paragraphs([TEXT]), head), URL).modified == "2021-06-04"


DATE = "<time datetime='2021-06-03'>3 июня 2021</time>"


@pytest.mark.parametrize(("line", "words"), [
    (f"<div>Опубликовано {DATE}</div>", None),
    (f"<p>Опубликовано {DATE}</p>", None),
    (f"<p>Дата статьи от {DATE}</p>", None),  # 15 characters more than the date
    (f"<p>Дата статьи от: {DATE}</p>", "Дата статьи от:"),  # 16
    (f"<p>Встреча прошла {DATE} в Алматы, на ней выступили десять человек.</p>", "Встреча"),
    (f"<p>Встреча <span>{DATE}</span>, и на ней выступили десять человек.</p>", "Встреча"),
])
def test_a_line_that_only_states_the_date_leaves_the_body(line, words):
    block = line[1:line.index(">")]  # the text in blocks of the same kind: trafilatura drops
    body = extract(outlet(f"<{block}>{TEXT}</{block}>{line}"), URL).body  # a short div after a p
    assert body[0] == TEXT
    if words is None:
        assert body == [TEXT]
    else:
        assert len(body) == 2 and body[1].startswith(words)


# ---- which container holds the body ---------------------------------------------------------------

def words(chars: int, word: str = "текст") -> str:
    """Words making exactly `chars` characters."""
    text = " ".join([word] * (chars // (len(word) + 1) + 1))[:chars]
    return text[:-1] + "ы" if text.endswith(" ") else text


@pytest.mark.parametrize(("site_chars", "other_chars", "site_read"), [
    (200, 2000, True),    # 200 characters are enough whatever the rest of the page holds
    (199, 2000, False),   # fewer, and less than a fifth of the page: a photo box
    (100, 400, True),     # a fifth of the page's text is enough
    (100, 401, False),
])
def test_a_nearly_empty_site_container_is_passed_over(site_chars, other_chars, site_read):
    site, other = words(site_chars), words(other_chars, "слово")
    html = outlet(f"<p>{site}</p>", after=f"<article><p>{other}</p></article>")
    assert (len(site), len(other)) == (site_chars, other_chars)
    assert extract(html, URL).body == [site if site_read else other]


def test_the_pages_body_is_read_when_every_container_in_it_is_nearly_empty():
    html = (f"<html><head><title>Т</title></head><body><main><p>Фото: АП</p></main>"
            f"<p>{TEXT}</p></body></html>")
    assert extract(html, URL).body == ["Фото: АП", TEXT]


# ---- pages of other sites -------------------------------------------------------------------------

@pytest.mark.parametrize(("head", "url"), [
    ("<link rel='canonical' href='https://example.org/news/2024/rally-canonical'>",
     "https://example.org/news/2024/rally-canonical"),
    ("<link rel='canonical' href='http://example.org/news/rally'>", "http://example.org/news/rally"),
    ("<link rel='canonical' href=' /news/2024/rally-relative '>",
     "https://example.org/news/2024/rally-relative"),
    ("<link rel='canonical' href='https://other.example/news/rally'>", OTHER),
    ("<link rel='canonical' href='mailto:desk@example.org'>", OTHER),
    ("<link rel='canonical' href='https://[example.org/'>"
     "<meta property='og:url' content='https://example.org/news/og'>", "https://example.org/news/og"),
])
def test_another_sites_url_is_its_canonical_on_the_same_host(head, url):
    html = any_site("<h1>Rally</h1>" + paragraphs(STORY), head)
    assert extract_generic(html, OTHER + "?utm_source=x#top").url == url


def test_another_sites_page_keeps_when_it_was_fetched():
    html = any_site(paragraphs(STORY))
    assert extract_generic(html, OTHER, "2024-05-01T10:00:00+00:00").fetched_at == (
        "2024-05-01T10:00:00+00:00")


def test_another_sites_page_without_text_says_so():
    with pytest.raises(ExtractionError, match=f"^no body text on {OTHER}$"):
        extract_generic("<html><head><title>Rally</title></head></html>", OTHER)


def test_only_the_titles_h1_leaves_another_sites_body():
    html = any_site("<h1>Rally</h1>" + paragraphs(STORY[:2]) + "<h2>Rally</h2>" + f"<p>{STORY[2]}</p>")
    assert extract_generic(html, OTHER).body == [*STORY[:2], "Rally", STORY[2]]


def test_an_unreadable_url_is_an_extraction_error_naming_it():
    with pytest.raises(ExtractionError, match=r"^unreadable page https://\[vlast: "):
        extract_generic(any_site(paragraphs(STORY)), "https://[vlast")


# ---- the language of a page of any site -----------------------------------------------------------

def doc(lang: str = "", locale: str = "") -> lxml.html.HtmlElement:
    attribute = f" lang='{lang}'" if lang else ""
    meta = f"<meta property='og:locale' content='{locale}'>" if locale else ""
    return lxml.html.document_fromstring(f"<html{attribute}><head>{meta}</head><body></body></html>")


LATIN = "Der Bundestag hat am Freitag ein neues Gesetz beschlossen"  # 9 words, none English


@pytest.mark.parametrize(("page", "text", "language"), [
    (doc("de"), "Парламент принял закон о выборах.", "ru"),
    (doc("de"), "Депутаттар былтыр Ақтөбеде өз тәжірибесімен бөлісті.", "kk"),
    (doc("de"), "The Council Met On Monday.", "en"),
    (doc("de"), LATIN + " " + " ".join(["Bundestag"] * 10) + " the,", "en"),  # 1 in 20 words
    (doc("de"), LATIN + " " + " ".join(["Bundestag"] * 11) + " the,", "de"),  # 1 in 21
    (doc("de-DE"), LATIN, "de"),
    (doc(locale="fr_FR"), LATIN, "fr"),
    (doc(), LATIN, None),
    (doc("de"), "", "de"),
])
def test_page_language_reads_the_text_first_and_the_declaration_last(page, text, language):
    assert page_language(page, text) == language


def test_short_russian_paragraphs_make_a_russian_page():
    html = any_site("<h1>Rally</h1><p>Да.</p><p>Нет.</p><p>Да.</p>", lang="en")
    assert extract_generic(html, OTHER).language == "ru"


# ---- doubtful readings ------------------------------------------------------------------------------

@pytest.mark.parametrize(("words_in_body", "language", "doubtful"), [
    (DOUBTFUL_WORDS, "ru", False),
    (DOUBTFUL_WORDS - 1, "ru", True),
    (DOUBTFUL_WORDS, "en", True),
])
def test_a_short_reading_or_one_in_another_language_is_doubtful(words_in_body, language,
                                                                 doubtful):
    record = replace(extract(outlet(paragraphs([TEXT])), URL), language=language,
                     body=[" ".join(["слово"] * words_in_body)])
    assert doubtful_reading(record) is doubtful


def test_a_reading_of_many_short_paragraphs_is_judged_by_their_words():
    record = replace(extract(outlet(paragraphs([TEXT])), URL), body=["Да."] * DOUBTFUL_WORDS)
    assert not doubtful_reading(record)


def test_a_short_text_that_trafilatura_discards_is_still_read():
    """trafilatura drops any block whose class merely contains `caption`, which is text here
    (only whole-word caption classes are captions): its rescue still reads the container."""
    html = outlet("<div class='js-caption-note'>Короткий текст статьи.</div>")
    assert extract(html, URL).body == ["Короткий текст статьи."]
