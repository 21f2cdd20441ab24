"""Photo captions stay out of the body, in every form they take, whichever path reads the body."""

from __future__ import annotations

import pytest

import crawler.body as body_module
from crawler.extract import extract

URL = "https://vlast.kz/politika/70001-test.html"
TEXT = [
    "Сотни жителей Алматы вышли на митинг против повышения тарифов.",
    "Полиция задержала несколько участников акции, сообщили правозащитники.",
    "Акимат пообещал рассмотреть требования протестующих до конца месяца.",
    "Организаторы обещают подать новую заявку в понедельник.",
    "Следующая акция назначена на субботу.",
]
# Every form a caption takes, none of them italic unless said, each between text paragraphs.
CAPTIONS = {
    "img-caption paragraph, plain, not after a photo":
        "<p class='img-caption'>Плакаты участников на площади Республики</p>",
    "img-caption block": "<div class='img-caption'>Участники акции у здания акимата</div>",
    "img-caption among other classes": "<p class='photo img-caption small'>Площадь вечером</p>",
    "figure with figcaption":
        "<figure><img src='/media/2.jpg'><figcaption>Подпись в figure без курсива</figcaption>"
        "</figure>",
    "figcaption alone, holding a paragraph":
        "<figcaption><p>Подпись без figure вокруг неё</p></figcaption>",
    "text inside a figure": "<figure><p>Фотография из архива редакции</p></figure>",
    "italic line after a photo": "<p><img src='/media/1.jpg'></p><p><em>Курсивная подпись</em></p>",
    "italic line in i after a photo": "<p><img src='/media/3.jpg'></p><p><i>Ещё одна подпись</i></p>",
}
# Paragraphs that look like captions to a careless rule but are text of the article.
NOT_CAPTIONS = [
    "<p class='js-img-caption-note'>Абзац с классом, где img-caption только часть слова.</p>",
    "<p><em>Курсивный абзац текста, перед ним нет фотографии.</em></p>",
    "<p><img src='/media/4.jpg'></p><p><em>Курсив</em> и обычный текст после фото.</p>",
]
NOT_CAPTION_TEXT = [
    "Абзац с классом, где img-caption только часть слова.",
    "Курсивный абзац текста, перед ним нет фотографии.",
    "Курсив и обычный текст после фото.",
]


def site_page(body: str) -> str:
    return f"""<html lang="ru"><head><meta charset="utf-8"></head><body>
    <div class="item-page">
      <ul class="meta item-expand-meta"><li><time datetime="2023-11-27">27 ноября 2023</time></li></ul>
      <ul class="list-unstyled"><li class="has-title"><h1>Заголовок</h1></li></ul>
      <div class="default-item-in js-editor js-img-caption js-mediator-article font-edit">{body}</div>
    </div></body></html>"""


def generic_page(body: str) -> str:
    return (f"<html lang='ru'><head><title>Заголовок</title></head><body><article><h1>Заголовок"
            f"</h1>{body}</article></body></html>")


def interleaved(captions: list[str]) -> str:
    """Text paragraphs with one caption after each of the first ones."""
    parts = []
    for number, text in enumerate(TEXT):
        parts.append(f"<p>{text}</p>")
        parts.extend(captions[number::len(TEXT)])
    return "".join(parts)


@pytest.fixture(params=["trafilatura", "paragraphs"])
def path(request, monkeypatch):
    """Both ways of reading the body: trafilatura, and the paragraphs when it finds nothing."""
    if request.param == "paragraphs":
        monkeypatch.setattr(body_module, "_trafilatura_paragraphs", lambda scope, options: [])
    return request.param


@pytest.mark.parametrize("page", [site_page, generic_page], ids=["site", "generic"])
@pytest.mark.parametrize("form", list(CAPTIONS))
def test_a_caption_in_any_form_is_not_body_text(path, page, form):
    body = extract(page(interleaved([CAPTIONS[form]])), URL).body
    assert body == TEXT


def test_all_captions_together_leave_exactly_the_text(path):
    body = extract(site_page(interleaved(list(CAPTIONS.values()))), URL).body
    assert body == TEXT


def test_paragraphs_that_only_look_like_captions_stay(monkeypatch):
    """On the paragraph path nothing but the caption rules decides (trafilatura drops any
    element whose class contains `caption`, so that path cannot show it)."""
    monkeypatch.setattr(body_module, "_trafilatura_paragraphs", lambda scope, options: [])
    body = extract(site_page(interleaved(list(CAPTIONS.values()) + NOT_CAPTIONS)), URL).body
    assert sorted(body) == sorted(TEXT + NOT_CAPTION_TEXT)


def test_text_after_a_photo_that_is_not_only_italic_stays(path):
    body = extract(site_page(interleaved(NOT_CAPTIONS[1:])), URL).body
    assert sorted(body) == sorted(TEXT + NOT_CAPTION_TEXT[1:])
