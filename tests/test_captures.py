"""Captures: compressed with a dictionary learned from the archive, read back byte for byte."""

from __future__ import annotations

from storage.archive import Archive
from storage.captures import DICTIONARY_PAGES, PLAIN, WITH_DICTIONARY
from storage.records import ArticleRecord

BASE = "https://vlast.kz"


def page(article_id: int, text: str) -> bytes:
    return (f"<html><head><title>Статья {article_id} | Vlast.kz</title></head><body>"
            f"<nav>Новости Политика Общество Город</nav><p>{text}</p>"
            f"<footer>© Vlast.kz</footer></body></html>").encode()


def add(archive: Archive, article_id: int, text: str, language: str = "ru"):
    url = f"{BASE}/politika/{article_id}-a.html"
    record = ArticleRecord(article_id=article_id, language=language, url=url,
                           section="politika", slug="a", title=f"Статья {article_id}", lead="",
                           body=[text])
    return archive.record_page(None, url, 200, {}, page(article_id, text), record,
                               "2024-02-01T00:00:00+00:00")


def test_captures_use_a_dictionary_once_a_language_has_enough_pages(tmp_path):
    with Archive(tmp_path / "archive.db") as archive:
        outcomes = [add(archive, 100 + n, f"Участники митинга номер {n} вышли на площадь.")
                    for n in range(DICTIONARY_PAGES + 2)]
        compressions = [row[0] for row in archive.db.execute(
            "SELECT compression FROM captures ORDER BY id").fetchall()]
        assert compressions[:DICTIONARY_PAGES] == [PLAIN] * DICTIONARY_PAGES
        assert all(c.startswith(WITH_DICTIONARY) for c in compressions[DICTIONARY_PAGES:])
        for n, outcome in enumerate(outcomes):
            _, body = archive.capture(outcome.version_id)
            assert body == page(100 + n, f"Участники митинга номер {n} вышли на площадь.")


def test_a_reopened_archive_reads_dictionary_captures(tmp_path):
    with Archive(tmp_path / "archive.db") as archive:
        outcomes = [add(archive, 100 + n, f"Текст {n}") for n in range(DICTIONARY_PAGES + 1)]
    with Archive(tmp_path / "archive.db") as archive:
        assert archive.capture(outcomes[-1].version_id)[1] == page(103, "Текст 3")


def test_unchanged_refetch_adds_no_capture(tmp_path):
    with Archive(tmp_path / "archive.db") as archive:
        add(archive, 100, "Текст")
        assert add(archive, 100, "Текст").kind == "unchanged"
        assert archive.db.execute("SELECT count(*) FROM captures").fetchone()[0] == 1
