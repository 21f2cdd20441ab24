"""Stored-page tests of extraction: every field of every stored page, plus the error cases."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import lxml.html
import pytest

import crawler.body as body_module
from crawler.extract import (
    ExtractionError,
    decode_html,
    extract,
    extract_generic,
    text_language,
)
from storage.records import ArticleRecord

PAGES = Path(__file__).parent / "pages"
PAGE_FILES = sorted(PAGES.glob("*/*.html"))
REQUIRED = ("article_id", "language", "url", "section", "slug", "title", "body", "published")
GENERIC_REQUIRED = ("language", "url", "title", "body", "published")
URL = "https://vlast.kz/politika/70001-test.html"


def _case(html_path: Path) -> dict:
    return json.loads(html_path.with_suffix(".json").read_text(encoding="utf-8"))


def _extract_stored(html_path: Path) -> ArticleRecord:
    case = _case(html_path)
    reader = extract_generic if case.get("generic") else extract
    return reader(html_path.read_bytes(), case["url"], case["fetched_at"])


def _site_page(body: str, head: str = "", extra: str = "") -> str:
    return f"""<html lang="ru"><head><meta charset="utf-8">{head}</head><body>
    <div class="item-page">
      <ul class="meta item-expand-meta"><li><time datetime="2023-11-27">27 ноября 2023</time></li></ul>
      <ul class="list-unstyled"><li class="has-title"><h1>Заголовок</h1></li></ul>
      <div class="default-item-in js-editor js-img-caption js-mediator-article font-edit">{body}</div>
      {extra}
    </div></body></html>"""


def _page_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def test_every_edition_and_layout_has_stored_pages():
    editions = {path.parent.name for path in PAGE_FILES}
    assert editions == {"ru", "kk", "en", "any"}
    assert all(path.with_suffix(".json").exists() for path in PAGE_FILES)
    layouts: dict[str, set[str]] = {}
    for path in PAGE_FILES:
        layouts.setdefault(_case(path)["layout"], set()).add(path.parent.name)
    assert set(layouts) == {"today", "classic", "metadata-only", "any-site"}
    assert layouts["today"] == layouts["classic"] == {"ru", "kk", "en"}
    assert layouts["any-site"] == {"any"}


@pytest.mark.parametrize("html_path", PAGE_FILES, ids=_page_id)
def test_stored_page_matches_expected_json(html_path):
    expected = _case(html_path)["expected"]
    assert set(expected) == set(ArticleRecord.__dataclass_fields__), "only extracted fields"
    assert asdict(_extract_stored(html_path)) == expected


@pytest.mark.parametrize("html_path", PAGE_FILES, ids=_page_id)
def test_stored_page_has_required_fields(html_path):
    case = _case(html_path)
    expected = case["expected"]
    required = GENERIC_REQUIRED if case.get("generic") else REQUIRED
    for name in required:
        assert expected[name], f"{name} is empty in {html_path.with_suffix('.json').name}"
    assert all(expected["body"]), "empty paragraph in body"
    html = html_path.read_bytes()
    if any(mark in html for mark in (b"author-line", b'"author"', b'name="author"', b"/author/",
                                      b"By ", "Текст:".encode(), "Мәтін:".encode())):
        assert expected["authors"], "the page names authors"
    if case.get("generic"):
        assert (expected["article_id"], expected["section"], expected["slug"]) == (None, "", "")
    else:
        assert expected["language"] == html_path.parent.name


# Captions a reader recognises on the stored pages that carry no caption markup (an italic line
# under a photo), written out by hand rather than found by the extractor's own rule.
UNMARKED_CAPTIONS = {
    "ru/gorod-photo-genitive": {"Встреча жителей с представителями акимата",
                                "Карагачи, которые могут вырубить"},
}


@pytest.mark.parametrize("html_path", PAGE_FILES, ids=_page_id)
def test_photo_captions_stay_out_of_the_body(html_path):
    doc = lxml.html.document_fromstring(decode_html(html_path.read_bytes()))
    marked = doc.cssselect(".img-caption, figcaption")  # the class as a whole word only
    page_text = " ".join(doc.text_content().split())
    unmarked = UNMARKED_CAPTIONS.get(_page_id(html_path), set())
    assert all(caption in page_text for caption in unmarked)
    caption_texts = {" ".join(c.text_content().split()) for c in marked} | unmarked
    body = _extract_stored(html_path).body
    assert not caption_texts & set(body)
    assert not any(text in paragraph for text in caption_texts for paragraph in body)


OUTLET_LAYOUT_PAGES = [path for path in PAGE_FILES if _case(path)["layout"] in ("today", "classic")]


@pytest.mark.parametrize("html_path", OUTLET_LAYOUT_PAGES, ids=_page_id)
def test_stored_outlet_page_reads_the_same_when_trafilatura_finds_nothing(html_path, monkeypatch):
    """The paragraphs of the site's body container are the fallback: they give the same body,
    captions left out by their own rules (trafilatura drops most captions by itself)."""
    monkeypatch.setattr(body_module, "_trafilatura_paragraphs", lambda scope, options: [])
    assert _extract_stored(html_path).body == _case(html_path)["expected"]["body"]


def test_str_and_bytes_give_the_same_record():
    path = PAGES / "ru" / "politika-translations.html"
    case = _case(path)
    text = path.read_text(encoding="utf-8")
    assert extract(text, case["url"], case["fetched_at"]) == _extract_stored(path)


def test_body_keeps_every_paragraph_as_written():
    paragraphs = [
        "Да.",
        "Абзац <a href='/politika/1-a.html'>целиком ссылка на другую статью</a>",
        "Строка с <b>жирным</b>,   <i>курсивом</i>\n и<br>переносом.",
        "Facebook запретил рекламу.",
        "Ещё один короткий.",
    ]
    html = _site_page("".join(f"<p>{p}</p>" for p in paragraphs))
    assert extract(html, URL).body == [
        "Да.",
        "Абзац целиком ссылка на другую статью",
        "Строка с жирным, курсивом и переносом.",
        "Facebook запретил рекламу.",
        "Ещё один короткий.",
    ]


def test_quotes_lists_and_subheadings_give_one_paragraph_each():
    body = (
        "<p>Начало.</p><blockquote><p>Цитата один.</p><p>Цитата два.</p></blockquote>"
        "<ul><li>Пункт 1</li><li>Пункт 2</li></ul><h2>Подзаголовок</h2><p>Конец.</p>"
    )
    assert extract(_site_page(body), URL).body == [
        "Начало.", "Цитата один.", "Цитата два.", "Пункт 1", "Пункт 2", "Подзаголовок", "Конец."]


def test_empty_site_container_falls_back_to_the_generic_path():
    html = _site_page("").replace(
        "</body>", "<article><p>Текст в article.</p><p>Второй абзац.</p></article></body>")
    assert extract(html, URL).body == ["Текст в article.", "Второй абзац."]


def test_caption_rule_only_takes_italic_paragraphs_after_images():
    body = (
        "<p>Текст.</p><p><img src='/media/1.jpg'></p><p><em>Подпись к фото</em></p>"
        "<p><em>Курсивный абзац текста.</em></p><figure><img src='/media/2.jpg'>"
        "<figcaption>Подпись в figure</figcaption></figure><p>Конец.</p>"
    )
    assert extract(_site_page(body), URL).body == ["Текст.", "Курсивный абзац текста.", "Конец."]


def test_unclassed_other_edition_paragraph_becomes_a_translation():
    body = (
        "<p>Текст статьи.</p>"
        "<p><a href='/english/70000-test.html?utm_source=x'>Read this article in English.</a></p>"
        "<p><a href='/politika/69999-other.html'>Ссылка на статью того же издания</a></p>"
    )
    head = "<link rel='alternate' hreflang='kk' href='/kz/vlast-qazaqsha/70002-test.html'>"
    record = extract(_site_page(body, head), URL)
    assert record.body == ["Текст статьи.", "Ссылка на статью того же издания"]
    assert record.translations == [
        "https://vlast.kz/english/70000-test.html",
        "https://vlast.kz/vlast-qazaqsha/70002-test.html",
    ]


def test_translations_exclude_the_page_itself():
    head = f"<link rel='alternate' hreflang='ru' href='{URL}'>"
    assert extract(_site_page("<p>Текст.</p>", head), URL).translations == []


def test_cp1251_without_declaration_is_detected():
    html = _site_page("<p>Привет, мир.</p>").replace('<meta charset="utf-8">', "")
    assert extract(html.encode("cp1251"), URL).body == ["Привет, мир."]


def test_utf8_declared_as_cp1251_is_not_mojibake():
    html = _site_page("<p>Қазақ тілі және русский.</p>").replace("utf-8", "windows-1251")
    assert extract(html.encode("utf-8"), URL).body == ["Қазақ тілі және русский."]


def test_declared_charset_is_used_when_the_bytes_fit_it():
    html = _site_page("<p>Привет.</p>").replace("utf-8", "koi8-r")
    assert extract(html.encode("koi8-r"), URL).body == ["Привет."]


def test_trafilatura_metadata_fills_a_date_in_an_unread_form():
    html = (
        "<html><head><title>Заголовок | Vlast.kz</title><meta name='date' content='2024-03-05'>"
        "</head><body><article><p>Текст статьи.</p></article></body></html>"
    )
    record = extract(html, URL)
    assert (record.title, record.published) == ("Заголовок", "2024-03-05")


def test_fetched_url_is_used_when_the_page_has_no_canonical():
    record = extract(_site_page("<p>Текст.</p>"), "https://www.vlast.kz/kz/politika/70001-test.html#x")
    assert record.url == "https://www.vlast.kz/politika/70001-test.html"
    assert (record.article_id, record.section, record.slug) == (70001, "politika", "test")


def test_canonical_link_to_another_site_is_ignored():
    head = "<link rel='canonical' href='https://example.com/politika/1-x.html'>"
    assert extract(_site_page("<p>Текст.</p>", head), URL).url == URL


@pytest.mark.parametrize(
    "url",
    [
        "https://vlast.kz/tags/miting/",
        "https://vlast.kz/author/olga-loginova/",
        "https://vlast.kz/politika/?archive=1",
        "https://vlast.kz/feed/",
    ],
)
def test_non_article_pages_raise(url):
    with pytest.raises(ExtractionError, match="not an article"):
        extract(_site_page("<p>Текст.</p>"), url)


@pytest.mark.parametrize("html", [b"", "   ", b"\x00\x01"])
def test_empty_input_raises(html):
    with pytest.raises(ExtractionError):
        extract(html, URL)


@pytest.mark.parametrize(
    "html",
    [
        "<html><head><title>404</title></head><body><div class='item-page'></div></body></html>",
        "<html><head><title>Заголовок</title></head></html>",
    ],
)
def test_page_without_text_raises(html):
    with pytest.raises(ExtractionError, match="no body text"):
        extract(html, URL)


def test_extraction_error_is_a_value_error():
    assert issubclass(ExtractionError, ValueError)


@pytest.mark.parametrize(("text", "language"), [
    ("Ақбота Узбекбай рассказала о митинге в Алматы. Президент подписал закон о выборах.", "ru"),
    ("Депутаттар былтыр Ақтөбеде өз тәжірибесімен бөлісті, деп хабарлайды тілші.", "kk"),
    ("Protesters gathered in Almaty on Saturday to demand the release of activists.", "en"),
])
def test_text_language_tells_the_editions_apart(text, language):
    assert text_language(text) == language


def test_an_unknown_section_takes_its_language_from_the_text():
    body = "<p>Депутаттар былтыр Ақтөбеде өз тәжірибесімен бөлісті, деп хабарлайды тілші.</p>"
    record = extract(_site_page(body), "https://vlast.kz/qazaqsha-jana/70001-depytattar.html")
    assert (record.section, record.language) == ("qazaqsha-jana", "kk")
    assert extract(_site_page("<p>Депутаты рассказали о своём опыте.</p>"), URL).language == "ru"
