"""Body text that extraction must not lose: a date or a value inside a sentence, the outlet's
paragraphs written as divs; and what stays out: dates standing alone, another site's short lines."""

from __future__ import annotations

import pytest
import trafilatura

from crawler.body import TRAFILATURA_OPTIONS
from crawler.extract import extract, extract_generic

URL = "https://vlast.kz/politika/70001-test.html"
OTHER = "https://example.org/news/2024/meeting"
TEXT = ("Жители Алматы вышли на митинг против повышения тарифов на коммунальные услуги, "
        "акимат пообещал ответить до конца месяца.")
MORE = ("Депутаты маслихата обсудили проект бюджета города на следующий год и предложили "
        "сократить расходы на содержание аппарата акимата.")
TIME = '<time datetime="2024-01-10">10 января</time>'
MEETING = f"Встреча прошла {TIME} в Алматы."
MEETING_TEXT = "Встреча прошла 10 января в Алматы."


def outlet(body: str, before: str = "") -> str:
    return (f"<html lang='ru'><head><meta charset='utf-8'><title>Заголовок</title></head><body>"
            f"{before}<div class='default-item-in'>{body}</div></body></html>")


def any_site(body: str, before: str = "") -> str:
    return (f"<html lang='ru'><head><meta charset='utf-8'><title>Встреча</title></head><body>"
            f"{before}<article>{body}</article></body></html>")


def both(body: str, before: str = "") -> list[list[str]]:
    """The body as the outlet's path and the generic path read it."""
    return [extract(outlet(body, before), URL).body, extract_generic(any_site(body, before), OTHER).body]


# ---- a date or a value inside running text is words of the text --------------------------------

def test_trafilatura_alone_loses_a_date_inside_a_sentence():
    """The reason for the rule below: with the options the body is read with (no minimum
    length, so no fallback rereads a short text), trafilatura deletes <time> with its text."""
    html = any_site(f"<p>{TEXT}</p><p>{MEETING}</p>")
    text = trafilatura.extract(html, fast=True, config=TRAFILATURA_OPTIONS.config)
    assert text.endswith("Встреча прошла в Алматы.")


@pytest.mark.parametrize("paragraph", [
    f"<p>{MEETING}</p>",
    f"<p>Встреча прошла <span><em>{TIME}</em></span> в Алматы.</p>",  # inside inline markup
    f"<p>Встреча прошла <a href='/calendar'>{TIME}</a> в Алматы.</p>",
    f"<p>{TIME} встреча прошла в Алматы.</p>",  # the date opens the sentence
])
def test_a_date_inside_a_sentence_keeps_its_words(paragraph):
    for body in both(f"<p>{TEXT}</p>{paragraph}"):
        assert body[0] == TEXT
        assert " ".join(body[1].split()) in (MEETING_TEXT, "10 января встреча прошла в Алматы.")


@pytest.mark.parametrize(("block", "text"), [
    (f"<ul><li>{MEETING}</li><li>{MORE}</li></ul>", MEETING_TEXT),
    (f"<blockquote><p>{MEETING}</p></blockquote>", MEETING_TEXT),
    (f"<table><tr><td>{MEETING}</td><td>{MORE}</td></tr></table>", MEETING_TEXT),
    ("<p>Итог голосования: <output>42</output> голоса против семи.</p>",
     "Итог голосования: 42 голоса против семи."),
])
def test_a_date_or_value_in_a_list_item_quote_or_cell_keeps_its_words(block, text):
    for body in both(f"<p>{TEXT}</p>{block}"):
        assert body[0] == TEXT
        assert text in " ".join(body[1:])


def test_the_date_of_a_sentence_still_dates_the_article():
    for html, read in ((outlet(f"<p>{TEXT}</p><p>{MEETING}</p>"), lambda h: extract(h, URL)),
                       (any_site(f"<p>{TEXT}</p><p>{MEETING}</p>"),
                        lambda h: extract_generic(h, OTHER))):
        record = read(html)
        assert record.published == "2024-01-10"
        assert record.body == [TEXT, MEETING_TEXT]


# ---- a date standing alone stays out of the text -------------------------------------------------

@pytest.mark.parametrize("line", [
    f"<p>{TIME}</p>",  # a paragraph that is only the date
    f"<ul class='meta'><li><time class='news-date js-date-long' datetime='2024-01-10'>"
    f"10 января 2024</time></li><li>{MORE}</li></ul>",  # a meta list item
    f"<ul><li><b>{TIME}</b></li><li>{MORE}</li></ul>",
    f"<div class='byline'>Айгерим Тлеуова, корреспондент отдела политики и экономики "
    f"{TIME}</div>",  # a byline block: a div, not a paragraph
])
def test_a_date_standing_alone_stays_out_of_the_text(line):
    for body in both(f"<p>{TEXT}</p><p>{MORE}</p>{line}"):
        assert not any("10 января" in paragraph for paragraph in body)
        assert body[:2] == [TEXT, MORE]


def test_the_outlets_date_line_and_byline_read_as_before():
    before = ("<ul class='item-expand-meta'><li><time class='news-date js-date-long' "
              "datetime='2024-01-10'>10 января 2024</time></li></ul>"
              "<div class='author-line'>Текст: Айгерим Тлеуова</div>")
    record = extract(outlet(f"<p>{TEXT}</p><p>{MORE}</p>", before), URL)
    assert (record.published, record.authors, record.body) == (
        "2024-01-10", ["Айгерим Тлеуова"], [TEXT, MORE])


# ---- the outlet's paragraphs written as divs ----------------------------------------------------

def test_a_long_div_beside_a_short_paragraph_is_body_text():
    body = extract(outlet(f"<p>Короткий абзац.</p><div>{TEXT} {MORE}</div>"), URL).body
    assert body == ["Короткий абзац.", f"{TEXT} {MORE}"]


def test_short_div_lines_after_the_outlets_paragraphs_are_body_text():
    html = outlet(f"<p>{TEXT}</p><p>{MORE}</p><div>Короткая строка.</div><div>Ещё <b>одна</b>.</div>"
                  "<div><strong>Строка полужирным.</strong></div>")
    assert extract(html, URL).body == [TEXT, MORE, "Короткая строка.", "Ещё одна.",
                                       "Строка полужирным."]


def test_a_div_holding_paragraphs_is_read_by_its_paragraphs():
    html = outlet(f"<div>Вступление. <p>{TEXT}</p></div><p>{MORE}</p>")
    body = extract(html, URL).body
    assert TEXT in body and MORE in body
    assert not any(paragraph.startswith("Вступление. Жители") for paragraph in body)


def test_a_div_of_another_sites_container_on_the_outlet_is_left_to_trafilatura():
    """Only the outlet's own container is known to hold nothing but the article."""
    html = (f"<html lang='ru'><head><title>Т</title></head><body><article><p>{TEXT}</p>"
            f"<p>{MORE}</p><div>Поделиться</div></article></body></html>")
    assert extract(html, URL).body == [TEXT, MORE]


# ---- another site: trafilatura's own filtering stays ---------------------------------------------

def test_another_sites_short_last_paragraph_is_kept():
    body = extract_generic(any_site(f"<p>{TEXT}</p><p>{MORE}</p><p>Короткий.</p>"), OTHER).body
    assert body == [TEXT, MORE, "Короткий."]


def test_another_sites_short_div_lines_after_its_paragraphs_are_left_out():
    """trafilatura reads divs only when the paragraphs hold little text; on a full article
    bare trafilatura leaves them out too: share lines, counters, ads."""
    story = "".join(f"<p>{TEXT} {MORE}</p>" for _ in range(3))
    html = any_site(f"{story}<div>Поделиться</div>")
    assert "Поделиться" not in trafilatura.extract(html)
    assert "Поделиться" not in extract_generic(html, OTHER).body


@pytest.mark.parametrize("block", ["div", "section", "span"])
def test_a_short_text_that_trafilatura_discards_by_its_class_is_still_read(block):
    """trafilatura drops any block whose class merely contains `caption`; in the outlet's
    container that is text, a div read as a paragraph, another block by trafilatura's rescue."""
    html = outlet(f"<{block} class='js-caption-note'>Короткий текст статьи.</{block}>")
    assert extract(html, URL).body == ["Короткий текст статьи."]


def test_a_block_read_by_trafilaturas_fallback_keeps_the_text_of_its_nested_blocks():
    # trafilatura's fallback gives this page's text as one `div` holding paragraphs and a
    # nested box: the paragraph in the box is article text too
    first = ("The council met on Tuesday to discuss the new bus routes, and the mayor said the "
             "plan would be ready by spring.")
    boxed = ("Residents of the northern districts asked for more stops near the schools, while "
             "drivers asked for longer breaks between shifts.")
    last = "The budget for the routes was approved after a long debate that ran late into the evening."
    page = (f"<html><body><header><section><article><div><p>6 and 9</p></div></article></section>"
            f"</header><section><div class='context'><p>{first}</p><div class='box'><p>{boxed}</p>"
            f"</div><p>{last}</p></div></section></body></html>")
    text = " ".join(extract_generic(page.encode(), "https://example.com/news/1").body)
    for sentence in (first, boxed, last):
        assert sentence in text


def test_another_sites_text_swallowed_by_an_unclosed_noscript_is_read():
    """`<noscript><div></noscript>` leaves the div open: the parser nests the rest of the page
    in the noscript, which a browser with scripts shows as it is."""
    html = (f"<html lang='ru'><head><title>Встреча</title></head><body><noscript><div id='nojs'>"
            f"</noscript><div><article><p>{TEXT}</p><p>{MORE}</p></article></div>"
            f"<noscript></div></noscript></body></html>")
    assert extract_generic(html, OTHER).body == [TEXT, MORE]


def test_another_sites_noscript_message_is_left_out():
    html = any_site(f"<p>{TEXT}</p><noscript><p>Включите JavaScript, чтобы увидеть видео.</p>"
                    f"</noscript><p>{MORE}</p>")
    assert extract_generic(html, OTHER).body == [TEXT, MORE]


def test_another_sites_text_is_composed_and_without_soft_hyphens():
    composed = "Жители районов Алматы вышли на митинг против повышения тарифов на услуги."
    decomposed = composed.replace("й", "и\u0306")
    assert decomposed != composed
    hyphenated = MORE.replace("Депутаты", "Депу\u00adта\u00adты")
    body = extract_generic(any_site(f"<p>{decomposed}</p><p>{hyphenated}</p>"), OTHER).body
    assert body == [composed, MORE]


def test_another_sites_date_comes_from_its_markup_or_url_not_a_copyright_year():
    page = any_site(f"<p>{TEXT}</p><p>{MORE}</p>", "<div>© 2019 Example News</div>")
    assert extract_generic(page, "https://example.org/news/2024/05/02/meeting").published == (
        "2024-05-02")
    assert extract_generic(page, OTHER).published is None
