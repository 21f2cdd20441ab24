"""Outlet modules: an outlet's own markup, one dated version per layout, named by its definition
and read before the generic path, for any outlet."""

from __future__ import annotations

import sys
import types
from datetime import date

import pytest

from crawler.extract import extract, extract_generic
from crawler.outlet_pages import extract_outlet
from outlets import default_outlet
from outlets.definition import DefinitionError
from outlets.files import loads
from outlets.layouts import Listing, Markup, has_class, layouts, layouts_for, listing

AGENCY_TOML = '''
name = "agency"
home = "https://agency.example.kz"

[[editions]]
language = "ru"
default = true

[articles]
patterns = ['^/news/(?P<id>\\d+)/$']
key = "id"

[extraction]
module = "agency_test"
title_suffix = "Агентство"
timezone = "Asia/Almaty"

[[extraction.layouts]]
name = "old"
until = "2022-01-01"

[[extraction.layouts]]
name = "today"
'''

OLD = Markup(title=f"//h1[{has_class('old-title')}]", body="//div[@id='text']",
             dates=f"//*[{has_class('when')}]")
TODAY = Markup(title=f"//div[{has_class('head')}]//h1", lead=f"//p[{has_class('kicker')}]",
               author_line=f"//*[{has_class('byline')}]", body="//div[@id='text']",
               not_body=(f".//*[{has_class('addendum')}]",))
PARAGRAPHS = ["Жители Алматы вышли на митинг против повышения тарифов на коммунальные услуги.",
              "Акимат пообещал ответить до конца месяца и опубликовать расчёты по тарифам.",
              "Депутаты маслихата попросили провести общественные слушания до нового года."]
RELATED = "В прошлом году тарифы на воду в Алматы выросли на пятнадцать процентов за полгода."
URL = "https://agency.example.kz/news/123/"


@pytest.fixture
def agency(monkeypatch):
    """An outlet whose module (registered for the test) has an old and today's layout."""
    module = types.ModuleType("outlets.layouts.agency_test")
    module.LAYOUTS = {"today": TODAY, "old": OLD}
    module.LISTING = Listing(entry=".news-item", headline="h3 a::text")
    monkeypatch.setitem(sys.modules, "outlets.layouts.agency_test", module)
    return loads(AGENCY_TOML, "agency.toml")


def page(head: str = "", top: str = "") -> str:
    body = "".join(f"<p>{text}</p>" for text in PARAGRAPHS)
    return f"""<html lang="ru"><head><meta charset="utf-8">
    <title>Митинг против тарифов | Агентство</title>
    <meta property="og:title" content="Заголовок из og:title">{head}</head><body>
    <div class="head"><h1>Митинг в Алматы против тарифов</h1></div>
    <h1 class="old-title">Старый заголовок</h1>
    <p class="kicker">Жители вышли на площадь: что известно о митинге против тарифов.</p>
    <div class="byline">Текст: Айгерим Тлеуова</div>
    <span class="when">04.05.2021, 10:30</span>
    {top}
    <div id="text">{body}<p class="addendum">{RELATED}</p></div>
    </body></html>"""


def test_vlast_has_two_dated_layouts_in_its_module():
    vlast = default_outlet()
    found = [(layout.name, layout.since, layout.until) for layout in layouts(vlast)]
    assert found == [("today", date(2022, 1, 1), None), ("classic", None, date(2022, 1, 1))]
    today, classic = (layout.markup for layout in layouts(vlast))
    assert layouts_for(vlast, date(2021, 12, 31)) == (classic,)
    assert layouts_for(vlast, date(2022, 1, 1)) == (today, classic)
    assert layouts_for(vlast) == (today, classic)
    assert listing(vlast).entry == ".news-inline-item"


def test_a_page_is_read_by_the_outlets_newest_layout_first(agency):
    record = extract(page(), URL, "2026-01-21T08:00:00+00:00", outlet=agency)
    assert record.article_id == 123 and record.url == URL and record.language == "ru"
    assert record.title == "Митинг в Алматы против тарифов"  # today's markup, before og:title
    assert record.lead.startswith("Жители вышли на площадь")
    assert record.authors == ["Айгерим Тлеуова"]
    assert record.body == PARAGRAPHS  # the addendum is not body text
    assert record.published == "2021-05-04T10:30:00+06:00"  # the old layout's date, in its zone


def test_a_page_fetched_before_a_layout_came_is_read_by_the_older_ones(agency):
    record = extract(page(), URL, "2021-06-01T08:00:00+00:00", outlet=agency)
    assert record.title == "Старый заголовок"
    assert record.lead == ""  # the old layout has no lead box; nor has the page a description
    assert record.body == [*PARAGRAPHS, RELATED]  # only today's layout leaves it out


def test_an_outlet_without_a_module_is_read_by_the_generic_strategies(agency):
    from dataclasses import replace

    plain = replace(agency, extraction=replace(agency.extraction, module="", layouts=()))
    record = extract(page(), URL, "2026-01-21T08:00:00+00:00", outlet=plain)
    assert record.title == "Заголовок из og:title"
    assert layouts(plain) == () and listing(plain) == Listing()


def test_an_added_outlet_with_a_module_has_its_layouts_read_first(agency):
    record = extract_outlet(agency, page(), URL, "2026-01-21T08:00:00+00:00")
    assert record.title == "Митинг в Алматы против тарифов"
    assert record.authors == ["Айгерим Тлеуова"] and record.article_id == 123
    assert extract_generic(page(), URL).title == "Заголовок из og:title"  # no outlet: generic


def test_the_title_suffix_and_the_zone_are_the_outlets(agency):
    from dataclasses import replace

    bare = replace(agency, extraction=replace(agency.extraction, module="", layouts=(),
                                              timezone=""))
    html = page().replace('<meta property="og:title" content="Заголовок из og:title">', "") \
        .replace('<div class="head"><h1>Митинг в Алматы против тарифов</h1></div>', "") \
        .replace('<h1 class="old-title">Старый заголовок</h1>', "") \
        .replace('<span class="when">04.05.2021, 10:30</span>',
                 '<time datetime="2021-05-04T10:30:00+03:00">4 мая 2021</time>')
    record = extract(html, URL, outlet=bare)
    assert record.title == "Митинг против тарифов"
    assert record.published == "2021-05-04T10:30:00+03:00"  # no zone: as the page states it
    zoned = extract(html, URL, outlet=replace(bare, extraction=replace(
        bare.extraction, timezone="Asia/Almaty")))
    assert zoned.published == "2021-05-04T13:30:00+06:00"


@pytest.mark.parametrize(("extraction", "message"), [
    ('module = "nosuch"\n', r"agency\.toml\.extraction\.module: there is no outlet module 'nosuch'"),
    ('module = "No-Such"\n', r"'No-Such' is not an outlet module name"),
    ('module = "vlast"\n[[extraction.layouts]]\nname = "modern"\n',
     r"the outlet module 'vlast' has no layout 'modern' \(it has today, classic\)"),
    ('module = "vlast"\n[[extraction.layouts]]\nname = "today"\n[[extraction.layouts]]\n'
     'name = "classic"\nuntil = "2022-01-01"\n', r"oldest first"),
    ('module = "vlast"\n[[extraction.layouts]]\nname = "classic"\nuntil = "2022-01-01"\n'
     '[[extraction.layouts]]\nname = "today"\nuntil = "2021-01-01"\n', r"oldest first"),
    ('timezone = "Asia/Nowhere"\n', r"extraction\.timezone: 'Asia/Nowhere' is not a time zone"),
])
def test_a_definition_naming_what_does_not_exist_fails_on_load(extraction, message):
    text = AGENCY_TOML[:AGENCY_TOML.index("[extraction]")] + "[extraction]\n" + extraction
    with pytest.raises(DefinitionError, match=message):
        loads(text, "agency.toml")
