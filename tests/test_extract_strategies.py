"""Extraction strategies any page may need: comments, fallbacks, dates, bylines, leads, other sites."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cli import main
from crawler.bylines import split_byline
from crawler.extract import extract, extract_generic

URL = "https://vlast.kz/politika/70001-test.html"


def _page(body: str, head: str = "", top: str = "") -> str:
    return f"""<html lang="ru"><head><meta charset="utf-8">{head}</head><body>
    <div class="item-page">{top}
      <ul class="list-unstyled"><li class="has-title"><h1>Заголовок</h1></li></ul>
      <div class="default-item-in js-editor">{body}</div>
    </div></body></html>"""


def test_text_after_a_comment_inside_a_paragraph_is_kept():
    html = _page("<p>до <!-- c --> после</p><p>Второй <!--x-->абзац.</p>")
    assert extract(html, URL).body == ["до после", "Второй абзац."]
    generic = "<html><body><article><p>before <!-- c --> after</p></article></body></html>"
    assert extract_generic(generic, "https://example.org/a").body == ["before after"]


def test_a_nearly_empty_container_is_passed_over():
    story = "".join(f"<p>Paragraph {n} of the story, long enough to be read as text.</p>"
                    for n in range(1, 6))
    html = (f"<html><body><main><div class='photo'><img src='/a.jpg'><p>Photo: AP</p></div>"
            f"</main><div class='story'>{story}</div></body></html>")
    body = extract_generic(html, "https://example.org/news/1").body
    story = [f"Paragraph {n} of the story, long enough to be read as text." for n in range(1, 6)]
    assert [paragraph for paragraph in body if paragraph in story] == story


def test_itemprop_date_published_is_read_and_no_midnight_is_made_up():
    head = ""
    html = _page("<p>Текст.</p>", head,
                 '<span itemprop="datePublished" content="2021-06-03T14:05:00+06:00">3 июня</span>')
    assert extract(html, URL).published == "2021-06-03T14:05:00+06:00"
    date_only = _page("<p>Текст.</p>", top='<time datetime="2021-06-03">3 июня 2021</time>')
    assert extract(date_only, URL).published == "2021-06-03"


def test_a_date_without_time_takes_the_time_printed_for_that_day():
    top = ('<ul class="meta item-expand-meta time-uppercase list-inline">'
           '<li><time class="news-date js-date-long" datetime="2019-12-11">11.12.2019, 11:27</time>'
           "</li></ul>")
    assert extract(_page("<p>Текст.</p>", top=top), URL).published == "2019-12-11T11:27:00+06:00"


@pytest.mark.parametrize(("line", "authors"), [
    ("By John Smith, AP Auto Writer", ["John Smith"]),
    ("Anna Lee, Staff Reporter, and Tom Hart", ["Anna Lee", "Tom Hart"]),
    ("Ольга Логинова, корреспондент", ["Ольга Логинова"]),
])
def test_job_titles_after_a_name_are_not_authors(line, authors):
    assert split_byline(line).authors == authors


@pytest.mark.parametrize(("head", "top"), [
    ('<meta name="author" content="Ольга Логинова, Данияр Молдабеков">', ""),
    ('<meta property="article:author" content="Ольга Логинова">'
     '<meta property="article:author" content="Данияр Молдабеков">', ""),
    ('<script type="application/ld+json">{"@type": "NewsArticle", "author": [{"@type": "Person",'
     ' "name": "Ольга Логинова"}, {"name": "Данияр Молдабеков"}]}</script>', ""),
    ("", '<div class="authors"><a href="/author/olga-loginova/">Ольга Логинова</a>, '
         '<a href="/author/daniyar-moldabekov/">Данияр Молдабеков</a></div>'),
])
def test_authors_come_from_every_signal_a_page_may_carry(head, top):
    record = extract(_page("<p>Текст статьи.</p>", head, top), URL)
    assert record.authors == ["Ольга Логинова", "Данияр Молдабеков"]
    assert record.body == ["Текст статьи."]


@pytest.mark.parametrize(("line", "authors", "photos"), [
    ("Текст: Ольга Логинова. Фото: Тамара Вааль", ["Ольга Логинова"], ["Тамара Вааль"]),
    ("Мәтін: Ақбота Узбекбай. Фото: Алмас Қайсар", ["Ақбота Узбекбай"], ["Алмас Қайсар"]),
    ("Text: Paolo Sorbello and Olga Loginova", ["Paolo Sorbello", "Olga Loginova"], []),
    ("By Paolo Sorbello", ["Paolo Sorbello"], []),
])
def test_a_byline_line_in_the_body_gives_the_people_and_leaves_the_body(line, authors, photos):
    record = extract(_page(f"<p>Первый абзац.</p><p><strong>{line}</strong></p>"), URL)
    assert (record.authors, record.photo_credits) == (authors, photos)
    assert record.body == ["Первый абзац."]


@pytest.mark.parametrize("line", [
    "<p>\u00a0By Paolo Sorbello</p>",  # a space str.split strips and XPath keeps
    "<div><span>Text<em>:</em> Paolo Sorbello</span></div>",  # the word and its colon apart
    "<p><b>BY</b> Paolo Sorbello</p>",
    "<address>by Paolo Sorbello</address>",
])
def test_a_byline_line_is_found_wherever_its_first_word_stands(line):
    record = extract(_page(f"<p>Первый абзац.</p>{line}"), URL)
    assert record.authors == ["Paolo Sorbello"]
    assert record.body == ["Первый абзац."]


def test_a_byline_in_a_sidebar_or_around_a_paragraph_is_not_the_articles():
    record = extract(_page("<p>Первый абзац.</p><aside><p>By Paolo Sorbello</p></aside>"
                           "<div>By Olga Loginova<p>Второй абзац.</p></div>"), URL)
    assert record.authors == []


def test_a_sentence_starting_with_by_is_not_a_byline():
    record = extract(_page("<p>By the end of the year, prices rose.</p>"), URL)
    assert record.authors == []
    assert record.body == ["By the end of the year, prices rose."]


def test_a_subheading_under_the_title_is_the_lead():
    html = """<html><body><article><h1>Заголовок статьи</h1>
      <h2>Подзаголовок, который служит лидом этой статьи</h2>
      <p>Первый абзац текста.</p><p>Второй абзац текста.</p></article></body></html>"""
    record = extract(html, URL)
    assert record.lead == "Подзаголовок, который служит лидом этой статьи"
    assert record.body == ["Первый абзац текста.", "Второй абзац текста."]


def test_an_amp_url_is_the_article_itself():
    record = extract(_page("<p>Текст.</p>"), "https://vlast.kz/amp/politika/70001-test.html")
    assert (record.url, record.article_id) == (URL, 70001)


def test_the_generic_path_invents_no_edition():
    html = """<html lang="de"><head><title>Nachricht | Zeitung</title>
      <meta property="og:site_name" content="Zeitung"></head><body><article><h1>Nachricht</h1>
      <p>Der Bundestag hat am Freitag ein neues Gesetz beschlossen.</p></article></body></html>"""
    record = extract_generic(html, "https://example.de/politik/nachricht#top")
    assert (record.article_id, record.section, record.slug) == (None, "", "")
    assert (record.language, record.url, record.title) == (
        "de", "https://example.de/politik/nachricht", "Nachricht")
    russian = html.replace('lang="de"', "").replace(
        "Der Bundestag hat am Freitag ein neues Gesetz beschlossen.", "Парламент принял закон.")
    assert extract_generic(russian, "https://example.de/a").language == "ru"


def test_extract_command_reads_a_page_of_any_site(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><body><article><h1>A headline</h1><p>The council met on Monday and"
                    " voted for the plan.</p></article></body></html>", encoding="utf-8")
    result = CliRunner().invoke(main, ["extract", str(page), "--url", "https://example.org/x/1"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert (record["title"], record["language"], record["article_id"]) == ("A headline", "en", None)
    result = CliRunner().invoke(main, ["extract", str(page), "--url",
                                       "https://vlast.kz/tags/miting/"])
    assert result.exit_code == 2 and "not an article URL" in result.output
