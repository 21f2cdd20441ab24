"""Outlet definitions: Vlast's built-in one, TOML read and written, checks on load, URL rules
of other kinds of outlet, and the folder of added outlets."""

from __future__ import annotations

import tomllib

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from crawler.canonical import (
    article_id_from_url,
    canonical_url,
    edition_of,
    is_article_url,
    language_for_section,
    section_and_slug,
)
from outlets import builtin_outlets, default_outlet
from outlets.definition import DefinitionError, Outlet
from outlets.files import dumps, load, loads, write_toml
from outlets.store import OutletFolder, default_folder

# ---- Vlast's definition ---------------------------------------------------------------------------


def test_vlast_is_the_built_in_default_outlet_with_its_editions():
    vlast = default_outlet()
    assert builtin_outlets() == (vlast,)
    assert (vlast.name, vlast.home, vlast.hosts) == ("vlast", "https://vlast.kz",
                                                      ("vlast.kz", "www.vlast.kz"))
    assert vlast.languages == ("ru", "kk", "en")
    assert vlast.default_edition.language == "ru"
    assert vlast.edition("kk").sections == ("vlast-qazaqsha",)
    assert vlast.edition("en").prefixes == ("/english/",)
    assert vlast.articles.key == "id"
    assert vlast.discovery.listing.format(section="english") == "/english/?archive=1"
    assert [layout.name for layout in vlast.extraction.layouts] == ["classic", "today"]


def test_vlast_definition_survives_writing_and_reading():
    vlast = default_outlet()
    assert loads(dumps(vlast)) == vlast


def test_the_spiders_are_made_from_the_definitions():
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.project import get_project_settings

    loader = SpiderLoader.from_settings(get_project_settings())
    assert sorted(loader.list()) == ["outlet", "vlast_en", "vlast_kk", "vlast_ru"]
    spider = loader.load("vlast_ru")
    assert spider.outlet == default_outlet()
    assert spider(language="ru").sections == default_outlet().edition("ru").sections


def test_title_suffix_comes_from_the_definition():
    from crawler.extract import SITE_SUFFIX

    assert SITE_SUFFIX.sub("", "Митинг в Алматы | Vlast.kz") == "Митинг в Алматы"


# ---- other kinds of outlet ------------------------------------------------------------------------

AGENCY = loads('''
name = "agency"
home = "https://agency.example.kz"

[[editions]]
language = "ru"
default = true
feeds = ["/rss/ru.xml"]

[[editions]]
language = "kk"
query = "lang=kz"
feeds = ["/rss/kz.xml"]

[articles]
patterns = ['^/news\\.php$']
key = "id"
id_param = "id"
query = ["id", "lang"]
''')

LEDGER = loads('''
name = "ledger"
home = "https://www.ledger.example.com"

[[editions]]
language = "en"
default = true

[[editions]]
language = "kk"
host = "kaz.ledger.example.com"

[discovery]
sitemaps = ["/sitemap_index.xml"]

[articles]
patterns = ['^/(?P<section>\\d{4})/\\d{2}/\\d{2}/(?P<slug>[^/]+)/$']
key = "url"
query = []
not_sections = ["tag"]
''')


def test_an_id_in_the_query_string_is_the_key():
    url = "https://agency.example.kz/news.php?utm_source=tg&id=123&lang=kz&print=1#top"
    assert article_id_from_url(url, AGENCY) == 123
    assert canonical_url(url, outlet=AGENCY) == "https://agency.example.kz/news.php?id=123&lang=kz"
    assert not is_article_url("https://agency.example.kz/news.php", AGENCY)
    assert not is_article_url("https://agency.example.kz/news.php?id=abc", AGENCY)
    assert not is_article_url("https://agency.example.kz/list.php?id=3", AGENCY)
    # a page that is not an article keeps its parameters, less the tracking ones
    assert canonical_url("https://agency.example.kz/list.php?page=2&fbclid=x", outlet=AGENCY) == \
        "https://agency.example.kz/list.php?page=2"


def test_editions_by_query_parameter_host_and_prefix():
    assert edition_of("https://agency.example.kz/news.php?id=5&lang=kz", AGENCY) == "kk"
    assert edition_of("https://agency.example.kz/news.php?id=5", AGENCY) == "ru"
    assert edition_of("https://kaz.ledger.example.com/2026/01/02/x/", LEDGER) == "kk"
    assert edition_of("https://www.ledger.example.com/2026/01/02/x/", LEDGER) == "en"
    assert edition_of("https://vlast.kz/kz/english/5-x.html") == "en"
    assert edition_of("https://vlast.kz/vlas-qazaqsha/5-x.html") == "kk"
    assert edition_of("https://vlast.kz/politika/5-x.html") == "ru"
    assert language_for_section("anything", AGENCY) == "ru"


def test_a_date_path_outlet_is_keyed_by_its_canonical_url():
    url = "https://www.ledger.example.com/2026/12/07/steppe-rally/?ref=home#comments"
    assert is_article_url(url, LEDGER)
    assert article_id_from_url(url, LEDGER) is None
    assert section_and_slug(url, LEDGER) == ("2026", "steppe-rally")
    assert canonical_url(url, outlet=LEDGER) == \
        "https://www.ledger.example.com/2026/12/07/steppe-rally/"
    assert not is_article_url("https://www.ledger.example.com/about/", LEDGER)
    assert not is_article_url("https://www.ledger.example.com/2026/12/", LEDGER)


def test_hosts_default_to_the_home_page_with_and_without_www():
    assert LEDGER.hosts == ("ledger.example.com", "www.ledger.example.com")
    local = Outlet.from_dict({"name": "r", "home": "http://127.0.0.1:8801/",
                              "articles": {"patterns": ["^/a/$"]}})
    assert (local.home, local.hosts) == ("http://127.0.0.1:8801", ("127.0.0.1",))


# ---- checks on load -----------------------------------------------------------------------------

MINIMAL = 'name = "x"\nhome = "https://x.example"\n[articles]\npatterns = ["^/a/(?P<id>\\\\d+)$"]\n'


@pytest.mark.parametrize(("text", "message"), [
    ('name = "x"\nhome = "https://x.example"\n', r"x\.toml\.articles\.patterns: at least one"),
    ('home = "https://x.example"\n[articles]\npatterns = ["^/a/"]\n', r"x\.toml\.name: is required"),
    (MINIMAL + 'homepage = "x"\n', r"x\.toml\.articles: unknown key 'homepage'"),
    ('nmae = "x"\n' + MINIMAL, r"x\.toml: unknown key 'nmae' \(did you mean 'name'\?\)"),
    (MINIMAL.replace("https://x.example", "x.example"), r"x\.toml\.home: 'x\.example' is not an"),
    (MINIMAL.replace('"x"', '"X Y"', 1), r"x\.toml\.name: 'X Y' must be lower-case"),
    (MINIMAL.replace("(?P<id>", "(") + 'key = "id"\n', r"key = \"id\" needs one"),
    (MINIMAL.replace("patterns = [", 'patterns = ["(unclosed", '), r"not a regular expression"),
    (MINIMAL + 'key = "slug"\n', r"x\.toml\.articles\.key: must be id or url, not 'slug'"),
    (MINIMAL + '[[editions]]\nlanguage = "Russian"\n', r"editions\[0\]\.language: 'russian' is not"),
    (MINIMAL + '[[editions]]\nlanguage = "ru"\n[[editions]]\nlanguage = "ru"\n',
     r"two editions in 'ru'"),
    (MINIMAL + '[[editions]]\nlanguage = "ru"\ndefault = true\n[[editions]]\nlanguage = "kk"\n'
               'default = true\n', r"both default"),
    (MINIMAL + '[[editions]]\nlanguage = "kk"\nquery = "lang"\n', r"must be name=value"),
    (MINIMAL + '[[editions]]\nlanguage = "kk"\nprefixes = ["kz/"]\n', r"'kz/' must start with /"),
    (MINIMAL + '[politeness]\ndelay = "slow"\n', r"politeness\.delay: must be a number"),
    (MINIMAL + '[politeness]\nrobots = "yes"\n', r"politeness\.robots: must be true or false"),
    (MINIMAL + '[discovery]\nlisting = "/news/"\n', r"discovery\.listing: '/news/' must hold"),
    (MINIMAL + '[discovery]\nfeeds = "feed.xml"\n', r"must be a path starting with /"),
    (MINIMAL + '[[extraction.layouts]]\nname = "old"\nuntil = "2022"\n', r"must be a date"),
    (MINIMAL + 'editions = 3\n', r"articles: unknown key 'editions'; the keys are patterns, key,"),
    ('editions = 3\n' + MINIMAL, r"x\.toml\.editions: must be a list of tables"),
    ('name = "x"\nhome = ["https://x.example"]\n', r"x\.toml\.home: must be text, not a list"),
    ('name = "x\n', r"x\.toml: not valid TOML"),
])
def test_a_definition_that_cannot_be_used_says_where_and_why(text, message):
    with pytest.raises(DefinitionError, match=message):
        loads(text, "x.toml")


def test_a_missing_file_is_a_definition_error(tmp_path):
    with pytest.raises(DefinitionError, match="cannot be read"):
        load(tmp_path / "none.toml")


# ---- the TOML writer ----------------------------------------------------------------------------

scalars = st.one_of(st.text(), st.booleans(), st.integers(-10**12, 10**12),
                    st.floats(allow_nan=False, allow_infinity=False))
keys = st.text(min_size=1, max_size=12)


@given(st.dictionaries(keys, st.one_of(
    scalars, st.lists(st.text(), max_size=4),
    st.dictionaries(keys, scalars, max_size=3),
    st.lists(st.dictionaries(keys, st.one_of(scalars, st.lists(st.text(), max_size=3)),
                             min_size=1, max_size=3), min_size=1, max_size=3)), max_size=6))
@example({"0": [], "0\n": [{"0": ""}]})  # a key ending in a line break is quoted in a header too
def test_written_toml_reads_back_as_the_same_data(data):
    assert tomllib.loads(write_toml(data)) == data


def test_regular_expressions_are_written_as_literal_strings():
    assert write_toml({"p": r"^/(?P<id>\d+)\.html$"}) == "p = '^/(?P<id>\\d+)\\.html$'\n"
    assert write_toml({"p": "it's \\d"}) == 'p = "it\'s \\\\d"\n'


# ---- the folder of added outlets ------------------------------------------------------------------


def test_default_folder_is_beside_the_archive():
    assert str(default_folder("/data/archive.db")) == "/data/archive.outlets"
    assert str(default_folder("/data/kz-press")) == "/data/kz-press.outlets"


def test_folder_adds_lists_shows_and_removes_outlets(tmp_path):
    folder = OutletFolder(tmp_path / "outlets")
    assert [entry.name for entry in folder.entries()] == ["vlast"]
    path = folder.add(AGENCY)
    assert path == tmp_path / "outlets" / "agency.toml"
    assert folder.get("agency") == AGENCY
    assert [(e.name, e.source) for e in folder.entries()] == [("vlast", "built-in"),
                                                               ("agency", str(path))]
    with pytest.raises(DefinitionError, match="exists already"):
        folder.add(AGENCY)
    with pytest.raises(DefinitionError, match="built in and cannot be removed"):
        folder.remove("vlast")
    assert folder.remove("agency") == path and not path.exists()
    with pytest.raises(DefinitionError, match="no outlet named 'agency'"):
        folder.get("agency")
    with pytest.raises(DefinitionError, match=r"'agency\\n' is not an outlet's name"):
        folder.path("agency\n")


def test_a_broken_file_is_reported_and_the_others_still_read(tmp_path):
    folder = OutletFolder(tmp_path)
    folder.add(LEDGER)
    (tmp_path / "broken.toml").write_text('name = "broken"\nhome = "ftp://x"\n', encoding="utf-8")
    (tmp_path / "other.toml").write_text(dumps(AGENCY), encoding="utf-8")
    entries = {entry.name: entry for entry in folder.entries()}
    assert entries["ledger"].outlet == LEDGER
    assert "home: 'ftp://x' is not an http(s) URL" in entries["broken"].error
    assert "name = 'agency' is not the file's name" in entries["other"].error
    with pytest.raises(DefinitionError, match="is not an http"):
        folder.get("broken")


def test_a_file_named_like_a_built_in_outlet_replaces_it(tmp_path):
    edited = dumps(default_outlet()).replace("delay = 1.0", "delay = 3.0")
    (tmp_path / "vlast.toml").write_text(edited, encoding="utf-8")
    folder = OutletFolder(tmp_path)
    assert folder.get("vlast").politeness.delay == 3.0
    assert [entry.source for entry in folder.entries()] == [str(tmp_path / "vlast.toml")]


def test_an_outlets_own_hosts_are_on_it_on_its_port():
    from crawler.hostguard import on_outlet

    hosts = ("example.kz", "www.example.kz", "kaz.example.kz")
    assert on_outlet("https://kaz.example.kz/a/1", "https://example.kz", hosts)
    assert on_outlet("https://www.example.kz/a/1", "https://example.kz")
    assert not on_outlet("https://kaz.example.kz/a/1", "https://example.kz")
    assert not on_outlet("https://kaz.example.kz:8443/a/1", "https://example.kz", hosts)
    assert not on_outlet("https://evil.example.org/", "https://example.kz", hosts)
