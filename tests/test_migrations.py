"""Migrations: a new archive gets the whole schema; an older archive is upgraded without loss."""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

from storage.archive import Archive
from storage.changes import diff_records, excerpt, kinds_between
from storage.db import connect
from storage.migrations import MIGRATIONS, migrate
from storage.records import ArticleRecord

BASE = "https://vlast.kz"
NEW_TABLES = {"versions_fts", "simhash_bands", "duplicates", "story_links", "articles_fts"}
NEW_ARTICLE_COLUMNS = {"simhash", "cover_image", "outlet"}


def names(db) -> set[str]:
    return set(db.table_names())


def applied(db) -> list[str]:
    return [migration.name for migration in MIGRATIONS.applied(db)]


def test_empty_database_gets_every_migration(tmp_path):
    path = tmp_path / "new.db"
    Archive(path).close()
    db = connect(path)
    assert applied(db) == [m.name for m in MIGRATIONS.pending(connect(tmp_path / "x.db"))]
    assert {"runs", "articles", "versions", "captures", "fetches", "events"} | NEW_TABLES <= (
        names(db)
    )
    assert NEW_ARTICLE_COLUMNS <= set(db["articles"].columns_dict)
    assert MIGRATIONS.pending(db) == []


def test_reopening_applies_nothing_twice(tmp_path):
    path = tmp_path / "archive.db"
    Archive(path).close()
    first = [(m.name, m.applied_at) for m in MIGRATIONS.applied(connect(path))]
    Archive(path).close()
    assert [(m.name, m.applied_at) for m in MIGRATIONS.applied(connect(path))] == first


def _old_archive(path):
    """An archive as the first schema version wrote it: two editions of one story."""
    db = connect(path)
    migrate(db, stop_before="m002_search")
    assert applied(db) == ["m001_core"]
    assert not NEW_TABLES & names(db)
    for article_id, language, section, title, body, links in (
        (100, "ru", "politika", "Митинг в Алматы", ["Участники митинга вышли на площадь."],
         [f"{BASE}/english/101-rally.html"]),
        (101, "en", "english", "Rally in Almaty", ["Protesters gathered in the square."], []),
    ):
        url = f"{BASE}/{section}/{article_id}-x.html"
        db["articles"].insert({
            "id": article_id, "language": language, "url": url, "section": section,
            "slug": "x", "title": title, "published": "2023-11-27T14:05:00+06:00",
            "first_seen": "2024-01-01T00:00:00Z", "last_seen": "2024-01-01T00:00:00Z",
            "status": "active", "current_version": 1, "current_version_id": article_id,
            "fingerprint": "old", "next_visit_at": "2024-01-01T00:15:00Z", "revisit_step": 0,
        })
        db["captures"].insert({
            "id": article_id, "article_id": article_id, "url": url, "status": 200,
            "headers": "{}", "body": zlib.compress(b"<html>old</html>"), "compression": "zlib",
            "size": 16, "fetched_at": "2024-01-01T00:00:00Z",
        })
        db["versions"].insert({
            "id": article_id, "article_id": article_id, "number": 1, "fingerprint": "old",
            "first_seen": "2024-01-01T00:00:00Z", "last_seen": "2024-01-01T00:00:00Z",
            "changes": "[]", "capture_id": article_id, "url": url, "section": section,
            "slug": "x", "title": title, "lead": "", "authors": "[]", "photo_credits": "[]",
            "body": json.dumps(body, ensure_ascii=False), "tags": "[]",
            "published": "2023-11-27T14:05:00+06:00",
            "translations": json.dumps(links), "word_count": 5,
        })
        db["events"].insert({"article_id": article_id, "kind": "new",
                             "at": "2024-01-01T00:00:00Z", "version_id": article_id})
    db.close()


def test_older_archive_opens_without_loss(tmp_path):
    path = tmp_path / "old.db"
    _old_archive(path)
    with Archive(path) as archive:
        db = archive.db
        assert MIGRATIONS.pending(db) == []
        assert NEW_TABLES <= names(db)
        assert NEW_ARTICLE_COLUMNS <= set(db["articles"].columns_dict)
        assert archive.known_ids() == {100, 101}
        assert archive.version(100, 1)["body"] == ["Участники митинга вышли на площадь."]
        assert archive.capture(100) == ({}, b"<html>old</html>")
        assert [e["kind"] for e in archive.history(100) if e["type"] == "event"] == ["new"]
        # The new features work on the old data.
        assert [hit["article_id"] for hit in archive.search("митинг")] == [100]
        assert [hit["article_id"] for hit in archive.search("площадь", all_versions=True)] == [
            100
        ]
        assert [e["article_id"] for e in archive.translations(100)] == [101]
        assert db.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?",
                          ['"митинга"']).fetchall() == [(100,)]  # as written, for datasette
        assert not {"body", "body_stems"} & set(db["articles"].columns_dict)  # held once


def test_upgraded_archive_keeps_recording(tmp_path):
    path = tmp_path / "old.db"
    _old_archive(path)
    with Archive(path) as archive:
        rec = ArticleRecord(article_id=100, language="ru", url=f"{BASE}/politika/100-x.html",
                            section="politika", slug="x", title="Митинг в Алматы", lead="",
                            published="2023-11-27T14:05:00+06:00",
                            body=["Участники митинга вышли на площадь.", "Новый абзац."],
                            translations=[f"{BASE}/english/101-rally.html"])
        outcome = archive.record_page(None, rec.url, 200, {}, b"<html>new</html>", rec,
                                      "2024-02-01T00:00:00Z")
        assert (outcome.kind, outcome.version, outcome.changes) == (
            "version", 2, ["paragraph_added", "stealth"]
        )
        assert [hit["article_id"] for hit in archive.search("абзац")] == [100]


# An archive written by main at commit 1104633 (migrations m001 to m005, kinds of the earlier
# classifier): a replay of 30 articles, seed 3, crawled at epoch 0, then at epoch 1 with a revisit.
FIXTURE = Path(__file__).parent / "fixtures" / "archive-main-1104633.db.gz"
FIXTURE_CHANGES = {  # the replay's manifest at epoch 1: kind and stealth of each revision
    42883: ["paragraph_removed", "stealth"], 42894: ["headline", "stealth"],
    42901: ["paragraph_added"], 42902: ["moved"], 42940: ["rewrite"], 42954: ["byline"],
    42956: ["typo", "stealth"],
}


def test_archive_of_an_earlier_main_opens_and_migrates(tmp_path):
    path = tmp_path / "archive.db"
    path.write_bytes(gzip.decompress(FIXTURE.read_bytes()))
    db = connect(path)
    assert applied(db)[-1] == "m005_capture_dictionaries"
    stored = dict(db.execute("SELECT article_id, changes FROM versions WHERE number = 2").fetchall())
    assert json.loads(stored[42883]) == ["paragraph_removed"]  # no stealth in the old vocabulary
    db.close()
    with Archive(path) as archive:
        assert MIGRATIONS.pending(archive.db) == []
        revised = {item["article_id"]: item["kinds"] for item in archive.changes()
                   if item.get("version")}
        assert revised == FIXTURE_CHANGES
        for article_id in revised:
            old, new = archive.versions(article_id)
            assert new["changes"] == kinds_between(old, new)
            stored = archive.db.execute("SELECT excerpt FROM versions WHERE id = ?",
                                        [new["version_id"]]).fetchone()[0]
            assert json.loads(stored) == excerpt(diff_records(old, new))
        assert archive.stats()["articles"] == 37 and archive.search("митинг")
        headers, body = archive.capture(archive.versions(42883)[0]["version_id"])
        assert body.startswith(b"<!DOCTYPE html>") or b"<html" in body[:200]


def test_migrations_are_frozen():
    """Migrations call none of today's functions: they import the lock and the rebuilds only."""
    import ast

    import storage.migrations as module

    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for alias in node.names}
    assert {name for name in imported if name.startswith("storage")} == {"storage.db",
                                                                         "storage.derived"}
    new = connect(":memory:")
    assert set(module.NEEDS) <= {migration.name for migration in MIGRATIONS.pending(new)}


M019_PAGES = [  # (id, language, title, lead, authors, body)
    (1, "ru", "Митинг в Алматы", "Жители вышли на площадь", ["Ольга Логинова"],
     ["Участники митинга собрались у акимата.", "Полиция не вмешивалась."]),
    (2, "kk", "Өскемендегі шеру", "Тұрғындар алаңға жиналды", ["Айгүл Өмірзақ"],
     ["Өскемен тұрғындары алаңға шықты.", "Әкімдік жауап бермеді."]),
    (3, "en", "Rally in Almaty", "Residents gathered", ["Rachel Sorbello"],
     ["Protesters gathered in the square.", "The water level kept rising."]),
]
M019_QUERIES = [("митинг", {}), ("Оскемен", {"language": "kk"}), ("алаңға", {}),
                ("water OR площадь", {}), ("rally", {"author": "sorbello"}),
                ("акимата", {"all_versions": True}), ("вмешивалась", {}), ("абзац", {})]


def _m019_archive(path):
    """Every page of M019_PAGES archived, and the first one revised."""
    with Archive(path) as archive:
        for article_id, language, title, lead, authors, body in M019_PAGES:
            section = {"ru": "politika", "kk": "vlast-qazaqsha", "en": "english"}[language]
            rec = ArticleRecord(article_id=article_id, language=language,
                                url=f"{BASE}/{section}/{article_id}-x.html", section=section,
                                slug="x", title=title, lead=lead, authors=authors,
                                published="2025-05-10T10:00:00+05:00", body=body)
            archive.record_page(None, rec.url, 200, {}, b"<html></html>", rec,
                                "2025-05-10T06:00:00Z")
        rec.article_id, rec.url, rec.body = 1, f"{BASE}/politika/1-x.html", [*body, "Новый абзац."]
        rec.language, rec.section, rec.title = "ru", "politika", "Митинг в Алматы (обновлено)"
        archive.record_page(None, rec.url, 200, {}, b"<html>2</html>", rec, "2025-05-11T06:00:00Z")


def test_m019_keeps_the_search_and_the_evidence_of_an_archive_written_before_it(tmp_path):
    from storage.evidence import verify
    from storage.search import index_version, search_columns

    today = tmp_path / "today.db"
    _m019_archive(today)
    # The same archive as the schema before m022 held it: the text on the articles rows, where
    # the triggers of m002 indexed it.
    path = tmp_path / "before.db"
    db = connect(path)
    migrate(db, stop_before="m022_compact_search")
    db.execute("ATTACH DATABASE ? AS today", [str(today)])
    with db.conn:
        for table in ("runs", "captures", "versions", "events", "fetches", "evidence",
                      "kazakh_spellings", "simhash_bands", "story_links"):
            db.execute(f"INSERT INTO main.{table} SELECT * FROM today.{table}")
        columns = ", ".join(db["articles"].columns_dict.keys() & connect(today)["articles"]
                            .columns_dict.keys())
        db.execute(f"INSERT INTO main.articles ({columns}) SELECT {columns} FROM today.articles")
        for article_id, version_id, language in db.execute(
                "SELECT id, current_version_id, language FROM articles").fetchall():
            db["articles"].update(article_id, search_columns(_record(db, version_id), language))
        for version_id, language in db.execute("SELECT v.id, a.language FROM versions v"
                                               " JOIN articles a ON a.id = v.article_id").fetchall():
            index_version(db, version_id, _record(db, version_id), language)
    db.execute("DETACH DATABASE today")
    db.close()
    with Archive(today) as expected, Archive(path) as migrated:
        assert "m022_compact_search" in applied(migrated.db) and not MIGRATIONS.pending(migrated.db)
        assert not {"body", "body_stems"} & set(migrated.db["articles"].columns_dict)
        for query, options in M019_QUERIES:
            assert migrated.search(query, **options) == expected.search(query, **options), query
        assert [hit["article_id"] for hit in migrated.search("абзац")] == [1]
        assert verify(migrated.db).held
        assert verify(migrated.db).head == verify(expected.db).head


def _record(db, version_id):
    from storage.records import record_from_row

    row = db.execute("SELECT * FROM versions WHERE id = ?", [version_id])
    names = [d[0] for d in row.description]
    return record_from_row(dict(zip(names, row.fetchone(), strict=True)))
