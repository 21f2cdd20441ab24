"""Readings of stored captures: a version's record replaced by a newer extractor's, the old one kept."""

from __future__ import annotations

import json

from sqlite_utils import Database

from storage import evidence
from storage.changes import change_columns
from storage.clock import utc_iso
from storage.records import record_from_row, version_columns
from storage.search import index_version, search_columns, unindex_version


def captured_versions(db: Database, since: str | None = None,
                      article_id: int | None = None) -> list[dict]:
    """Versions that have a stored capture, oldest first: ids, URL, when first seen, extractor,
    and the article's outlet (None for the default outlet)."""
    where, params = ["v.capture_id IS NOT NULL"], []
    if since:
        where.append("v.first_seen >= ?")
        params.append(utc_iso(since))
    if article_id is not None:
        where.append("v.article_id = ?")
        params.append(article_id)
    rows = db.execute(
        "SELECT v.id, v.article_id, v.number, v.url, v.first_seen, v.extractor, c.fetched_at,"
        " a.outlet FROM versions v JOIN captures c ON c.id = v.capture_id"
        " LEFT JOIN articles a ON a.id = v.article_id"
        f" WHERE {' AND '.join(where)} ORDER BY v.article_id, v.number", params)
    names = ["version_id", "article_id", "number", "url", "first_seen", "extractor", "fetched_at",
             "outlet"]
    return [dict(zip(names, row, strict=True)) for row in rows.fetchall()]


def _version_row(db: Database, version_id: int) -> dict:
    cursor = db.execute("SELECT * FROM versions WHERE id = ?", [version_id])
    names = [d[0] for d in cursor.description]
    return dict(zip(names, cursor.fetchone(), strict=True))


def _neighbour(db: Database, article_id: int, number: int) -> dict | None:
    cursor = db.execute("SELECT * FROM versions WHERE article_id = ? AND number = ?",
                        [article_id, number])
    row = cursor.fetchone()
    return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else None


def stored_record(db: Database, version_id: int) -> dict:
    """A version's record fields as stored."""
    return record_from_row(_version_row(db, version_id))


def replace_reading(db: Database, version_id: int, record, extractor: str, at: str) -> None:
    """Store a new reading of a version's capture; the old reading is kept with its provenance.

    The version's kinds of change and excerpt (and its successor's) are those between the new
    readings, so a version that now reads like the one before it shows no change: an extraction
    artefact.
    """
    row = _version_row(db, version_id)
    old = record_from_row(row)
    db["readings"].insert({
        "version_id": version_id, "extractor": row.get("extractor"), "replaced_at": at,
        "replaced_by": extractor, "fingerprint": row["fingerprint"],
        "record": json.dumps(old, ensure_ascii=False),
    })
    fingerprint, language = record.fingerprint, record.language
    columns = version_columns(record.to_dict())
    db["versions"].update(version_id, {**columns, "fingerprint": fingerprint,
                                       "extractor": extractor})
    evidence.log_version(db, version_id, evidence.READING)
    unindex_version(db, version_id, old, language)
    new = record_from_row(columns)
    index_version(db, version_id, new, language)
    article_id, number = row["article_id"], row["number"]
    for version in filter(None, [_neighbour(db, article_id, number),
                                 _neighbour(db, article_id, number + 1)]):
        before = _neighbour(db, article_id, version["number"] - 1)
        if before is not None:
            db["versions"].update(version["id"], change_columns(record_from_row(before),
                                                                record_from_row(version)))
    current = db.execute("SELECT current_version_id FROM articles WHERE id = ?",
                         [article_id]).fetchone()
    if current and current[0] == version_id:
        db.execute("UPDATE articles SET fingerprint = ? WHERE id = ?", [fingerprint, article_id])
        db["articles"].update(article_id, search_columns(new, language))


def readings(db: Database, version_id: int) -> list[dict]:
    """Earlier readings of a version, oldest first, each with the extractor that made it."""
    rows = db.execute("SELECT extractor, replaced_at, replaced_by, fingerprint, record"
                      " FROM readings WHERE version_id = ? ORDER BY id", [version_id]).fetchall()
    names = ("extractor", "replaced_at", "replaced_by", "fingerprint", "record")
    return [{**dict(zip(names, row, strict=True)), "record": json.loads(row[4])} for row in rows]


def artefact_versions(db: Database, article_id: int | None = None) -> list[tuple[int, int]]:
    """(article id, number) of versions that read exactly like the version before them."""
    clause = " AND v.article_id = ?" if article_id is not None else ""
    return [tuple(row) for row in db.execute(
        "SELECT v.article_id, v.number FROM versions v JOIN versions p"
        " ON p.article_id = v.article_id AND p.number = v.number - 1"
        f" WHERE p.fingerprint = v.fingerprint{clause} ORDER BY v.article_id, v.number",
        [article_id] if article_id is not None else []).fetchall()]
