"""Search across word forms: Kazakh endings, Kazakh typed without its letters, Russian names."""

from __future__ import annotations

import pytest

from storage.archive import Archive
from storage.db import connect
from storage.records import ArticleRecord
from storage.search import search

BASE = "https://vlast.kz"
SECTIONS = {"ru": "politika", "kk": "vlast-qazaqsha"}

ARTICLES = [
    (1, "kk", "Алаңға жиналды", "Белсенділер Республика алаңына жиналды."),
    (2, "kk", "Алаңдағы шеру", "Алаңда бейбіт митинг өтті."),
    (3, "kk", "Өскеменде жиын", "Өскемен тұрғындары әкімдікке хат жазды."),
    (4, "kk", "Қазақ тілі", "Қазақтың ұлттық тілі туралы."),
    (5, "ru", "Оскемен и казаки", "Казак из Оскемена рассказал о станице."),
    (6, "kk", "Алма бағы", "Алматы маңындағы алма бақтары."),
    (7, "ru", "Выборы в Казахстане", "В Казахстане прошли выборы."),
    (8, "ru", "Казахстан и соседи", "Казахстан подписал соглашение."),
    (9, "ru", "Встреча в Астане", "В Астане Токаева встретили министры."),
    (10, "ru", "Столица", "Астана принимает саммит, Токаев выступил."),
    (11, "ru", "Поездка", "Из Астаны вылетел самолёт с Токаевым."),
]


def add(archive: Archive, article_id: int, language: str, title: str, body: str) -> None:
    section = SECTIONS[language]
    record = ArticleRecord(
        article_id=article_id, language=language, url=f"{BASE}/{section}/{article_id}-a.html",
        section=section, slug="a", title=title, lead="", authors=["Ольга Логинова"],
        published="2024-01-15T10:00:00+05:00", body=[body],
    )
    archive.record_page(None, record.url, 200, {}, b"<html></html>", record,
                        "2024-02-01T00:00:00+00:00")


@pytest.fixture
def archive(tmp_path):
    with Archive(tmp_path / "archive.db") as opened:
        for article in ARTICLES:
            add(opened, *article)
        yield opened


def ids(results: list[dict]) -> list[int]:
    return [item["article_id"] for item in results]


@pytest.mark.parametrize("query", ["алаң", "алаңға", "алаңда", "алаңына", "алаңдағы"])
def test_any_kazakh_form_finds_the_others(archive, query):
    assert set(ids(archive.search(query, language="kk"))) == {1, 2}


def test_kazakh_words_sharing_a_beginning_stay_apart(archive):
    assert ids(archive.search("алма", language="kk")) == [6]
    assert ids(archive.search("Алматыда", language="kk")) == [6]
    assert set(ids(archive.search("қазақ", language="kk"))) == {4}


def test_queries_without_kazakh_letters_find_kazakh_words_after_exact_matches(archive):
    assert ids(archive.search("Өскемен")) == [3]
    found = ids(archive.search("Оскемен"))
    assert found == [5, 3]  # the Russian article holds the word as typed
    assert ids(archive.search("Оскемен", language="kk")) == [3]
    assert ids(archive.search("казак", language="kk")) == [4]
    assert ids(archive.search("казак"))[0] == 5
    assert 4 in ids(archive.search("казак"))
    assert ids(archive.search("аланга", language="kk"))[:2] in ([1, 2], [2, 1])


def test_snippets_mark_the_kazakh_word_a_flat_query_found(archive):
    [hit] = archive.search("Оскемен", language="kk", marks=("<", ">"))
    assert "<Өскемен>" in hit["snippet"]


def test_limit_and_offset_run_across_exact_and_flat_matches(archive):
    assert ids(archive.search("Оскемен", limit=1)) == [5]
    assert ids(archive.search("Оскемен", limit=1, offset=1)) == [3]
    assert ids(archive.search("Оскемен", all_versions=True)) == [5, 3]


@pytest.mark.parametrize("query", ["Казахстан", "Казахстане", "Казахстана", "Казахстану",
                                   "Казахстаном"])
def test_case_forms_of_a_country_find_the_same_articles(archive, query):
    assert set(ids(archive.search(query, language="ru"))) == {7, 8}


@pytest.mark.parametrize("query", ["Астана", "Астаны", "Астане", "Астану", "Астаной"])
def test_case_forms_of_a_city_find_the_same_articles(archive, query):
    assert set(ids(archive.search(query, language="ru"))) == {9, 10, 11}


@pytest.mark.parametrize("query", ["Токаев", "Токаева", "Токаеву", "Токаевым", "Токаеве"])
def test_case_forms_of_a_surname_find_the_same_articles(archive, query):
    assert set(ids(archive.search(query, language="ru"))) == {9, 10, 11}


def test_migration_reindexes_an_archive_indexed_the_old_way(tmp_path):
    path = tmp_path / "old.db"
    with Archive(path) as archive:
        for article in ARTICLES:
            add(archive, *article)
    db = connect(path)
    # As an archive before m007 held them: Kazakh words as written, no Kazakh spellings.
    db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('delete-all')")
    db.execute("INSERT INTO articles_fts (rowid, title, body, title_stems, body_stems)"
               " SELECT id, title, body, lower(title), lower(body) FROM (SELECT a.id, v.title,"
               " (SELECT group_concat(value, ' ') FROM json_each(v.body)) AS body"
               " FROM articles a JOIN versions v ON v.id = a.current_version_id)")
    db.execute("INSERT INTO versions_fts (versions_fts) VALUES ('delete-all')")
    db.execute("DROP TABLE kazakh_spellings")
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm007_word_forms'")
    db.conn.commit()
    assert ids(search(db, "алаңға", language="kk")) == []
    assert ids(search(db, "алаңға", language="kk", all_versions=True)) == []
    with Archive(path) as archive:
        assert ids(archive.search("Оскемен", language="kk")) == [3]
        assert set(ids(archive.search("алаңға", language="kk"))) == {1, 2}
        assert set(ids(archive.search("алаңға", language="kk", all_versions=True))) == {1, 2}
        assert set(ids(archive.search("Астане", language="ru"))) == {9, 10, 11}
