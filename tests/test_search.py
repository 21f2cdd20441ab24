"""Full-text search on a real archive: stemming per language, syntax, filters, all versions."""

from __future__ import annotations

from pathlib import Path

import pytest

import storage.search as search_module
from storage.archive import Archive
from storage.records import ArticleRecord
from storage.search import SearchQueryError, compile_query

BASE = "https://vlast.kz"
SECTIONS = {"ru": "politika", "kk": "vlast-qazaqsha", "en": "english"}


def record(article_id: int, title: str, body: list[str], language: str = "ru", **fields):
    section = fields.pop("section", SECTIONS[language])
    data = {
        "article_id": article_id,
        "language": language,
        "url": f"{BASE}/{section}/{article_id}-a.html",
        "section": section,
        "slug": "a",
        "title": title,
        "lead": "",
        "authors": ["Ольга Логинова"],
        "published": "2024-01-15T10:00:00+05:00",
        "body": body,
    }
    data.update(fields)
    return ArticleRecord(**data)


def add(archive: Archive, rec: ArticleRecord, when: str = "2024-02-01T00:00:00+00:00"):
    return archive.record_page(None, rec.url, 200, {}, b"<html></html>", rec, when)


def ids(results: list[dict]) -> list[int]:
    return [item["article_id"] for item in results]


@pytest.fixture
def archive(tmp_path):
    with Archive(tmp_path / "archive.db") as opened:
        add(opened, record(1, "Акция протеста", ["Участники митинга собрались у акимата."]))
        add(opened, record(2, "Полиция", ["На митинге задержали трёх человек в Алматы."],
                           section="obsshestvo", authors=["Данияр Молдабеков"],
                           published="2023-06-01T09:00:00+06:00"))
        add(opened, record(3, "Новогодняя ёлка", ["В центре города установили ёлку."]))
        add(opened, record(4, "Сайлау", ["ҚАЗАҚСТАННЫҢ сайлау комиссиясы нәтижені жариялады."],
                           language="kk"))
        add(opened, record(5, "Elections in Kazakhstan", ["Voters elected a new parliament."],
                           language="en", authors=["Jane Smith"]))
        add(opened, record(6, "Митинг в Алматы", ["Сотни людей пришли на площадь."]))
        yield opened


def test_russian_stemming_finds_inflected_forms(archive):
    assert set(ids(archive.search("митинг"))) == {1, 2, 6}
    assert set(ids(archive.search("митингах", language="ru"))) == {1, 2, 6}


def test_title_is_weighted_above_body(archive):
    assert ids(archive.search("митинг"))[0] == 6


@pytest.fixture
def yo_archive(tmp_path):
    """Texts where `ё` and `е` differ, in places the Russian stemmer does not reach."""
    with Archive(tmp_path / "yo.db") as opened:
        add(opened, record(11, "Собрание жильцов", ["Жильцы собрались во дворе."],
                           authors=["Пётр Семёнов"]))
        add(opened, record(12, "Собрание жильцов", ["Жильцы собрались снова."],
                           authors=["Семен Петров"]))
        add(opened, record(13, "Әуежай", ["Әуежайға ұшақ пен самолёт келді."], language="kk"))
        add(opened, record(14, "Нәтиже", ["Ауылдағы шелек толды."], language="kk"))
        add(opened, record(15, "Праздник", ["На площади продают ёлочные игрушки и елочную мишуру."]))
        yield opened


def test_yo_is_folded(archive, yo_archive):
    """The Russian stemmer folds `ё` itself: these two pass either way; words it does not stem
    (Kazakh text, here) find their other spelling only through the folding."""
    assert ids(archive.search("елка")) == [3]
    assert ids(archive.search("ЁЛКУ")) == [3]
    assert ids(yo_archive.search("САМОЛЕТ")) == [13]
    assert ids(yo_archive.search("самолёт")) == [13]


def test_yo_is_folded_in_the_author_filter(yo_archive):
    assert ids(yo_archive.search("жильцы", author="Семенов")) == [11]
    assert ids(yo_archive.search("жильцы", author="СЕМЁН ПЕТРОВ")) == [12]
    assert ids(yo_archive.search("жильцы", author="Пётр Сем")) == [11]


def test_yo_is_folded_in_kazakh_text(yo_archive):
    assert ids(yo_archive.search("самолет", language="kk")) == [13]
    assert ids(yo_archive.search("САМОЛЁТ")) == [13]
    assert ids(yo_archive.search("шёлек", language="kk")) == [14]


def test_yo_is_folded_in_prefix_queries(yo_archive):
    assert ids(yo_archive.search("елочн*")) == [15]
    assert ids(yo_archive.search("ёлочну*")) == [15]
    assert ids(yo_archive.search("самоле*", language="kk")) == [13]
    assert ids(yo_archive.search("шёле*", language="kk")) == [14]
    assert ids(yo_archive.search('"ёлочные игрушки"')) == [15]


def test_kazakh_is_case_insensitive_and_prefix(archive):
    assert ids(archive.search("қазақстан", language="kk")) == [4]
    assert ids(archive.search("Нәтиже")) == [4]
    assert ids(archive.search("сайлау комиссия")) == [4]


def test_english_stemming(archive):
    assert ids(archive.search("election")) == [5]
    assert ids(archive.search("ELECTING voter")) == [5]


def test_phrases(archive):
    assert ids(archive.search('"задержали трёх человек"')) == [2]
    assert ids(archive.search('"человек задержали"')) == []
    assert ids(archive.search('"митинг в Алматы"')) == [6]


def test_boolean_operators_and_prefix(archive):
    assert set(ids(archive.search("митинг AND алматы"))) == {2, 6}
    assert set(ids(archive.search("митинг NOT алматы"))) == {1}
    assert set(ids(archive.search("ёлка OR election"))) == {3, 5}
    assert set(ids(archive.search("(ёлка OR акимат) AND NOT_A_WORD"))) == set()
    assert set(ids(archive.search("(ёлка OR акимата) участники"))) == {1}
    assert set(ids(archive.search("задерж*"))) == {2}


def test_snippets_highlight_the_matching_words(archive):
    [hit] = archive.search("задержали", marks=("<b>", "</b>"))
    assert hit["snippet"] == "На митинге <b>задержали</b> трёх человек в Алматы."
    [hit] = archive.search("ёлка")
    assert "[ёлку]" in hit["snippet"]


def test_filters(archive):
    assert set(ids(archive.search("митинг", section="obsshestvo"))) == {2}
    assert set(ids(archive.search("митинг", author="молдабеков"))) == {2}
    assert set(ids(archive.search("митинг", date_to="2023-12-31"))) == {2}
    assert set(ids(archive.search("митинг", date_from="2024-01-15"))) == {1, 6}
    assert ids(archive.search("election", language="ru")) == []
    assert ids(archive.search("election", language="en")) == [5]


def test_all_versions_finds_text_since_removed(archive):
    add(archive, record(6, "Митинг в Алматы", ["Сотни людей пришли на площадь."]))
    add(archive, record(6, "Митинг в Алматы", ["Люди разошлись."]), "2024-02-02T00:00:00Z")
    assert ids(archive.search("площадь")) == []
    [hit] = archive.search("площадь", all_versions=True)
    assert (hit["article_id"], hit["version"], hit["current"]) == (6, 1, False)
    assert "[площадь]" in hit["snippet"]
    [current] = archive.search("разошлись", all_versions=True)
    assert (current["version"], current["current"]) == (2, True)


def test_removed_article_is_still_searchable(archive):
    archive.record_gone(None, 3, f"{BASE}/politika/3-a.html", 410, None, "2024-02-03T00:00:00Z")
    [hit] = archive.search("ёлка")
    assert hit["status"] == "removed"


@pytest.mark.parametrize("query", [
    '"митинг', "AND", "митинг AND", "OR митинг", "(митинг", "митинг)", "NOT митинг", "()",
    "", "   ", '""', "митинг AND OR алматы",
])
def test_malformed_queries_raise_search_query_error(archive, query):
    with pytest.raises(SearchQueryError) as error:
        archive.search(query)
    assert str(error.value)


def test_stopwords_only_and_punctuation(archive):
    assert archive.search("и в на") == []
    assert set(ids(archive.search("митинг - алматы!"))) == {2, 6}
    assert compile_query("и").expression is None


def test_rank_window_ranks_the_newest_matches(archive, monkeypatch):
    monkeypatch.setattr(search_module, "RANK_WINDOW", 2)
    assert set(ids(archive.search("митинг"))) == {2, 6}


def test_datasette_finds_the_fts_table_on_articles(archive):
    # the index keeps no copy of the text (contentless), so datasette is told its name
    metadata = Path(__file__).resolve().parents[1] / "datasette" / "metadata.yaml"
    assert "fts_table: articles_fts" in metadata.read_text()
    rows = archive.db.execute(
        "SELECT id FROM articles WHERE rowid IN"
        " (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)",
        ['"митинге"'],
    ).fetchall()
    assert rows == [(2,)]


def test_a_word_finds_its_own_forms_not_longer_words_it_begins(tmp_path):
    """`мир` is a word, not a prefix: it finds `мира`, `миром`, never `Мирный` (the town or the
    adjective) in any case or edition; `мир*` asks for both."""
    with Archive(tmp_path / "archive.db") as opened:
        add(opened, record(1, "Город Мирный", ["Жители Мирного вышли на мирный митинг в Мирном."]))
        add(opened, record(2, "Мира не будет", ["Переговоры о мире и миром закончились."]))
        add(opened, record(3, "Мирный", ["Мирныйда мирный жиын өтті."], language="kk"))
        add(opened, record(4, "Mirny", ["Residents of Мирный rallied."], language="en"))
        for edition in (None, "ru", "kk", "en"):
            found = set(ids(opened.search("мир", language=edition)))
            assert found == ({2} if edition in (None, "ru") else set()), edition
        assert set(ids(opened.search("мир*"))) == {1, 2, 3, 4}
        assert set(ids(opened.search("Мирный"))) == {1, 3, 4}
