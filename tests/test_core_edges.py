"""Edge cases of the core parsers and rules that the other tests left open (found by mutation)."""

from __future__ import annotations

import codecs
import json
import re

import pytest

from crawler.bylines import split_byline
from crawler.canonical import canonical_url, language_for_section
from crawler.dates import normalise_timestamp, visible_date_parts
from crawler.extract import ExtractionError, decode_html, extract, text_language

# ---- bylines -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "authors", "photo_credits"),
    [
        # a dash or a stray colon between label and names is not part of a name
        ("Текст — Ольга Логинова", ["Ольга Логинова"], []),
        ("Авторы: : Ольга Логинова", ["Ольга Логинова"], []),
        ("Text by Xenia Vaal", ["Xenia Vaal"], []),
        # several sentences of one kind add up
        ("Ольга Логинова; Данияр Молдабеков", ["Ольга Логинова", "Данияр Молдабеков"], []),
        ("Юна Коростелева, фото Данияра Мусирова. Фото: Тамара Вааль",
         ["Юна Коростелева"], ["Данияра Мусирова", "Тамара Вааль"]),
        ("Ольга Логинова. Фото: Тамара Вааль. Текст и фото: Иван Петров",
         ["Ольга Логинова", "Иван Петров"], ["Тамара Вааль", "Иван Петров"]),
    ],
)
def test_split_byline_edges(line, authors, photo_credits):
    assert split_byline(line) == (authors, photo_credits)


# ---- extraction: the generic signals, each alone on a page -----------------------------------

URL = "https://vlast.kz/politika/70001-test.html"
BODY = "<p>Жители Алматы вышли на митинг против повышения тарифов.</p><p>Акимат ответил.</p>"


def generic(head: str = "", body: str = BODY, before: str = "") -> str:
    """A page without the outlet's markup: what it says comes from the signals in it."""
    return (f"<html lang='ru'><head><meta charset='utf-8'>{head}</head><body>{before}"
            f"<article>{body}</article></body></html>")


def ld(data: dict) -> str:
    return f"<script type='application/ld+json'>{json.dumps(data, ensure_ascii=False)}</script>"


@pytest.mark.parametrize(("head", "before", "title"), [
    ("<meta property='og:title' content='Из og:title'>", "", "Из og:title"),
    ("<meta name='twitter:title' content='Из twitter:title'>", "", "Из twitter:title"),
    (ld({"@type": "NewsArticle", "headline": "Из JSON-LD"}), "", "Из JSON-LD"),
    (ld({"@type": ["NewsArticle", "Thing"], "headline": "Тип списком"}), "", "Тип списком"),
    (ld({"@graph": [{"@type": "WebPage"}, {"@type": "Article", "headline": "Из графа"}]}), "",
     "Из графа"),
    ("", "<h1>Из h1</h1>", "Из h1"),
    ("<title>Из title | Vlast.kz</title>", "", "Из title"),
    ("<title>Без суффикса</title>", "", "Без суффикса"),
])
def test_title_from_each_generic_signal(head, before, title):
    assert extract(generic(head, before=before), URL).title == title


def test_a_page_without_any_title_is_refused_with_its_url():
    html = "<html><head></head><body><article><p>Текст.</p></article></body></html>"
    with pytest.raises(ExtractionError, match=re.escape(URL)):
        extract(html, URL)


@pytest.mark.parametrize(("head", "lead"), [
    ("<meta property='og:description' content='Из og'>", "Из og"),
    ("<meta name='description' content='Из description'>", "Из description"),
    ("<meta name='twitter:description' content='Из twitter'>", "Из twitter"),
    (ld({"@type": "NewsArticle", "description": "Из JSON-LD"}), "Из JSON-LD"),
    ("", ""),
])
def test_lead_from_each_generic_signal(head, lead):
    assert extract(generic("<title>Т</title>" + head), URL).lead == lead


@pytest.mark.parametrize(("head", "before", "authors"), [
    ("<meta name='author' content='Ольга Логинова, Данияр Молдабеков'>", "",
     ["Ольга Логинова", "Данияр Молдабеков"]),
    ("", "<a rel='author' href='/author/olga/'>Ольга Логинова</a>", ["Ольга Логинова"]),
    (ld({"@type": "NewsArticle", "author": [{"@type": "Person", "name": "Ольга Логинова"},
                                            {"@type": "Organization", "name": "Vlast.kz"},
                                            {"name": "Данияр Молдабеков"}]}), "",
     ["Ольга Логинова", "Данияр Молдабеков"]),
    (ld({"@type": "NewsArticle", "author": "Ольга Логинова и Данияр Молдабеков"}), "",
     ["Ольга Логинова", "Данияр Молдабеков"]),
])
def test_authors_from_each_generic_signal(head, before, authors):
    record = extract(generic("<title>Т</title>" + head, before=before), URL)
    assert (record.authors, record.photo_credits) == (authors, [])


@pytest.mark.parametrize(("head", "before", "published"), [
    ("<meta property='og:published_time' content='2024-05-02T10:30:00+05:00'>", "",
     "2024-05-02T10:30:00+05:00"),
    ("<meta itemprop='datePublished' content='2024-05-02T10:30:00+05:00'>", "",
     "2024-05-02T10:30:00+05:00"),
    (ld({"@type": "NewsArticle", "datePublished": "2024-05-02T10:30:00+05:00"}), "",
     "2024-05-02T10:30:00+05:00"),
    ("", "<time datetime='2024-05-02T10:30:00+05:00'>2 мая</time>", "2024-05-02T10:30:00+05:00"),
    ("", "<time>2 мая 2024</time>", "2024-05-02"),  # no time printed: none made up
])
def test_published_from_each_generic_signal(head, before, published):
    assert extract(generic("<title>Т</title>" + head, before=before), URL).published == published


@pytest.mark.parametrize(("line", "published"), [
    ("<ul class='meta item-expand-meta'><li>27 ноября 2023</li></ul>", "2023-11-27"),
    ("<ul class='meta item-expand-meta'><li><time datetime='2024-05-02'>2 мая 2024</time></li></ul>",
     "2024-05-02"),
    ("<ul class='meta item-expand-meta'><li><time>2 мая 2024</time></li></ul>",
     "2024-05-02"),
])
def test_published_from_the_sites_date_line(line, published):
    assert extract(generic("<title>Т</title>", before=line), URL).published == published


@pytest.mark.parametrize(("head", "modified"), [
    ("<meta property='article:modified_time' content='2024-05-03T09:00:00+05:00'>",
     "2024-05-03T09:00:00+05:00"),
    ("<meta property='og:updated_time' content='2024-05-03T09:00:00+05:00'>",
     "2024-05-03T09:00:00+05:00"),
    ("<meta itemprop='dateModified' content='2024-05-03T09:00:00+05:00'>",
     "2024-05-03T09:00:00+05:00"),
    (ld({"@type": "NewsArticle", "dateModified": "2024-05-03T09:00:00+05:00"}),
     "2024-05-03T09:00:00+05:00"),
    ("", None),
])
def test_modified_from_each_generic_signal(head, modified):
    assert extract(generic("<title>Т</title>" + head), URL).modified == modified


@pytest.mark.parametrize(("head", "cover"), [
    ("<meta property='og:image' content='/media/og.jpg'>", "https://vlast.kz/media/og.jpg"),
    ("<meta name='twitter:image' content='/media/tw.jpg'>", "https://vlast.kz/media/tw.jpg"),
    (ld({"@type": "NewsArticle", "image": "/media/ld.jpg"}), "https://vlast.kz/media/ld.jpg"),
    (ld({"@type": "NewsArticle", "image": {"url": "/media/u.jpg"}}), "https://vlast.kz/media/u.jpg"),
    (ld({"@type": "NewsArticle", "image": [{"contentUrl": "/media/c.jpg"}]}),
     "https://vlast.kz/media/c.jpg"),
    (ld({"@type": "NewsArticle", "image": []}), None),
    (ld({"@type": "NewsArticle", "image": 5}), None),
])
def test_cover_from_each_generic_signal(head, cover):
    assert extract(generic("<title>Т</title>" + head), URL).cover_image == cover


def test_cover_caption_from_the_figure_that_shows_it():
    head = "<title>Т</title><meta property='og:image' content='/media/2.jpg'>"
    figures = ("<figure><img alt='no source'><figcaption>Без картинки</figcaption></figure>"
               "<figure><img src='/media/1.jpg'><figcaption>Другая</figcaption></figure>"
               "<figure><img src=' /media/2.jpg '><figcaption>Эта</figcaption></figure>")
    assert extract(generic(head, before=figures), URL).cover_caption == "Эта"


@pytest.mark.parametrize(("head", "tags"), [
    ("<meta property='article:tag' content='протесты'><meta property='article:tag' content='Алматы'>",
     ["протесты", "Алматы"]),
    (ld({"@type": "NewsArticle", "keywords": "протесты, Алматы"}), ["протесты", "Алматы"]),
    (ld({"@type": "NewsArticle", "keywords": ["протесты", " Алматы "]}), ["протесты", "Алматы"]),
])
def test_tags_from_each_generic_signal(head, tags):
    assert extract(generic("<title>Т</title>" + head), URL).tags == tags


def test_a_short_article_keeps_its_paragraphs_apart():
    assert extract(generic("<title>Т</title>", body="<p>Да.</p><p>Нет.</p>"), URL).body == [
        "Да.", "Нет."]


# ---- extraction: bytes in any encoding ----------------------------------------------------------

PAGE = generic("<title>Заголовок</title>")


@pytest.mark.parametrize("data", [
    codecs.BOM_UTF8 + PAGE.encode("utf-8"),
    PAGE.encode("utf-16"),
    codecs.BOM_UTF16_BE + PAGE.encode("utf-16-be"),
], ids=["utf-8 BOM", "utf-16", "utf-16-be BOM"])
def test_a_byte_order_mark_decides_the_encoding(data):
    record = extract(data, URL)
    assert (record.title, record.body[0]) == (
        "Заголовок", "Жители Алматы вышли на митинг против повышения тарифов.")


def test_bytes_no_encoding_reads_are_decoded_with_replacement_characters():
    # invalid UTF-8, and 0x98 has no letter in cp1251 either
    assert decode_html(b"caf\xe9 \x98!") == "caf\ufffd \ufffd!"


def test_a_charset_declared_late_in_the_head_is_still_found():
    padding = "<meta name='x' content='" + "x" * 3900 + "'>"
    html = generic("<title>Заголовок</title>" + padding).replace("<meta charset='utf-8'>", "")
    html = html.replace("</head>", "<meta charset='koi8-r'></head>")
    assert extract(html.encode("koi8-r"), URL).title == "Заголовок"


# ---- extraction: the language of a text --------------------------------------------------------

@pytest.mark.parametrize(("text", "language"), [
    ("ааа bbb", "ru"),          # half of the letters Cyrillic: still Cyrillic
    ("яяя bbb", "ru"),
    ("ёёё bbb", "ru"),
    ("аааа bbbbbbbbb", "en"),   # fewer than a third Cyrillic
    ("аааа bbbbb", "en"),       # fewer than half
    ("ә" + "б" * 19, "kk"),     # one letter in twenty of Kazakh's own is enough
    ("ә" + "б" * 20, "ru"),
])
def test_text_language_thresholds(text, language):
    assert text_language(text) == language


# ---- extraction: markup the outlet's pages may carry ---------------------------------------------

def site(body: str, head: str = "<title>Т</title>", url_head: str = "") -> str:
    return (f"<html lang='ru'><head><meta charset='utf-8'>{head}{url_head}</head><body>"
            f"<div class='item-page'><div class='default-item-in js-mediator-article'>{body}</div>"
            "</div></body></html>")


def test_control_characters_and_an_xml_declaration_leave_no_trace():
    html = site("<p>Нача\x01ло&#1; текста.</p><p>Конец&#x1b;.</p>")
    assert extract('<?xml version="1.0" encoding="utf-8"?>\n' + html, URL).body == [
        "Начало текста.", "Конец."]


@pytest.mark.parametrize(("html", "message"), [
    ("  \n ", "^empty page$"),
    ("\x00\x01", "^empty page$"),
    ("<!-- nothing but a comment -->", "^unreadable HTML: Document is empty$"),
])
def test_unusable_input_says_why(html, message):
    with pytest.raises(ExtractionError, match=message):
        extract(html, URL)


def test_a_broken_json_ld_block_does_not_hide_the_next():
    head = ("<script type='application/ld+json'>{broken</script>"
            + ld({"@type": "NewsArticle", "headline": "Из второго блока"}))
    assert extract(generic(head), URL).title == "Из второго блока"


@pytest.mark.parametrize(("head", "url"), [
    ("<meta property='og:url' content='https://vlast.kz/politika/70001-og-slug.html'>",
     "https://vlast.kz/politika/70001-og-slug.html"),
    (ld({"@type": "NewsArticle",
         "mainEntityOfPage": {"@id": "https://vlast.kz/politika/70001-ld-slug.html"}}),
     "https://vlast.kz/politika/70001-ld-slug.html"),
    (ld({"@type": "NewsArticle",
         "mainEntityOfPage": {"url": "https://vlast.kz/politika/70001-ld-url.html"}}),
     "https://vlast.kz/politika/70001-ld-url.html"),
    (ld({"@type": "NewsArticle", "url": "https://vlast.kz/politika/70001-ld-plain.html"}),
     "https://vlast.kz/politika/70001-ld-plain.html"),
    (ld({"@type": "NewsArticle", "mainEntityOfPage": 7}), URL),
    ("<link rel='canonical' href='https://[vlast.kz/'>"
     "<meta property='og:url' content='https://vlast.kz/politika/70001-after-bad.html'>",
     "https://vlast.kz/politika/70001-after-bad.html"),
    ("<meta property='og:url' content='https://vlast.kz/'>"
     "<meta property='og:url' content='https://vlast.kz/politika/70001-second-og.html'>", URL),
])
def test_canonical_url_from_each_signal(head, url):
    assert extract(generic("<title>Т</title>" + head), URL).url == url


def test_the_canonical_url_takes_the_fetched_scheme_and_host():
    head = "<link rel='canonical' href='http://www.vlast.kz/politika/70001-test.html'>"
    assert extract(generic("<title>Т</title>" + head), URL).url == URL


def test_a_site_cover_without_an_image_falls_back_to_og_image():
    head = "<title>Т</title><meta property='og:image' content='/media/og.jpg'>"
    html = site("<p>Текст статьи.</p>", head).replace(
        "<div class='item-page'>", "<div class='item-page'><figure class='item-cover'>"
        "<figcaption>Без фото</figcaption></figure>")
    assert extract(html, URL).cover_image == "https://vlast.kz/media/og.jpg"


def test_the_fullest_site_container_is_the_body():
    html = site("<p>Врезка.</p>").replace(
        "</div></body>", "<div class='default-item-in'><p>Один.</p><p>Два.</p><p>Три.</p></div>"
        "</div></body>")
    assert extract(html, URL).body == ["Один.", "Два.", "Три."]


def test_text_before_the_first_paragraph_and_line_breaks():
    body = extract(site("Вступление без абзаца.<p>Строка<br></p><p>Раз<br>два</p>"), URL).body
    assert body == ["Вступление без абзаца.", "Строка", "Раз два"]


def test_links_to_another_sites_articles_are_not_editions():
    body = ("<p>Текст статьи.</p>"
            "<p><a href='https://example.com/english/70000-test.html'>Read it in English.</a></p>")
    record = extract(site(body), URL)
    assert record.translations == []
    assert record.body == ["Текст статьи.", "Read it in English."]


def test_a_known_section_decides_the_language_whatever_the_text():
    url = "https://vlast.kz/english/70001-test.html"
    assert extract(site("<p>Текст на русском языке.</p>"), url).language == "en"


def test_generic_link_only_paragraphs_are_left_to_trafilatura():
    body = "<p>Текст статьи о митинге.</p><p><a href='/politika/5-x.html'>Читайте также</a></p>"
    assert extract(generic("<title>Т</title>", body=body), URL).body == ["Текст статьи о митинге."]


@pytest.mark.parametrize(("head", "title"), [
    ("<meta property='og:title' content='Из og:title'><title>Другой</title>", "Из og:title"),
    ("<meta name='twitter:title' content='Из twitter'><title>Другой</title>", "Из twitter"),
])
def test_og_and_twitter_titles_come_before_the_html_title(head, title):
    assert extract(generic(head), URL).title == title


def test_the_first_h1_comes_before_the_html_title():
    assert extract(generic("<title>Другой</title>", before="<h1>Из h1</h1>"), URL).title == "Из h1"


def test_the_sites_title_comes_before_og_title():
    html = site("<p>Текст.</p>", "<meta property='og:title' content='Из og'>").replace(
        "<div class='item-page'>",
        "<div class='item-page'><ul><li class='has-title'><h1>С сайта</h1></li></ul>")
    assert extract(html, URL).title == "С сайта"


def test_the_sites_date_line_comes_before_other_times():
    line = ("<ul class='meta item-expand-meta'><li>"
            "<time datetime='2024-05-02T10:30:00+05:00'>2 мая 2024</time></li></ul>")
    earlier = "<p><time datetime='2019-01-01T09:00:00+06:00'>1 января 2019</time></p>"
    assert extract(generic("<title>Т</title>", before=earlier + line), URL).published == \
        "2024-05-02T10:30:00+05:00"


def test_a_visible_kazakh_date_is_read_when_no_machine_date_is_given():
    line = "<ul class='meta item-expand-meta'><li>2 мамыр 2024</li></ul>"
    assert extract(generic("<title>Т</title>", before=line), URL).published == \
        "2024-05-02"


def test_links_resolve_against_the_pages_base():
    head = ("<title>Т</title><base href='https://vlast.kz/kz/'>"
            "<link rel='alternate' hreflang='en' href='english/70000-test.html'>"
            "<link rel='canonical' href='politika/70001-from-base.html'>")
    body = "<p>Текст.</p><p><a href='vlast-qazaqsha/70002-test.html'>Қазақша оқыңыз.</a></p>"
    record = extract(site(body, head), URL)
    assert record.url == "https://vlast.kz/politika/70001-from-base.html"
    assert record.translations == ["https://vlast.kz/vlast-qazaqsha/70002-test.html",
                                   "https://vlast.kz/english/70000-test.html"]


def test_edition_links_take_the_fetched_scheme_and_host():
    head = ("<title>Т</title>"
            "<link rel='alternate' hreflang='en' href='http://www.vlast.kz/english/70000-test.html'>")
    assert extract(site("<p>Текст.</p>", head), URL).translations == [
        "https://vlast.kz/english/70000-test.html"]


def test_the_language_of_an_unknown_section_from_short_paragraphs():
    url = "https://vlast.kz/novyi-razdel/70001-test.html"
    body = "<p>Да.</p><p>Нет.</p><p>Да.</p><p>Нет.</p>"
    assert extract(site(body), url).language == "ru"


# ---- dates ---------------------------------------------------------------------------------------

def test_a_lower_case_z_is_utc_too():
    assert normalise_timestamp("2024-05-02T05:30:00z") == "2024-05-02T10:30:00+05:00"
    assert normalise_timestamp("2024-05-02T05:30:00Z") == "2024-05-02T10:30:00+05:00"


@pytest.mark.parametrize("text", ["2 мая", "мая 2024", "сессия 2024 года", "", None])
def test_a_visible_date_needs_day_month_and_year(text):
    assert visible_date_parts(text) == (None, None)



# ---- canonicalisation ----------------------------------------------------------------------------

def test_canonical_url_edges():
    assert canonical_url("https://vlast.kz/kz") == "https://vlast.kz/"
    assert canonical_url("/politika/1-a.html", base_url="https://vlast.kz/") == \
        "https://vlast.kz/politika/1-a.html"
    assert language_for_section("English") == "en"
    assert language_for_section("Vlast-Qazaqsha") == "kk"
