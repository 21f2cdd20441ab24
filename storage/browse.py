"""Read-only queries for browsing the archive a page at a time: changes, run coverage, revisits."""

from __future__ import annotations

import json

from sqlite_utils import Database

from storage.changes import EVENT_KINDS, KINDS
from storage.divergence import NOT_MISREAD

# Fields whose presence in the versions a run archived tells how well extraction went.
COVERAGE_FIELDS = {
    "title": "coalesce(v.title, '') != ''",
    "lead": "coalesce(v.lead, '') != ''",
    "authors": "coalesce(v.authors, '[]') != '[]'",
    "published": "coalesce(v.published, '') != ''",
    "tags": "coalesce(v.tags, '[]') != '[]'",
    "cover_image": "coalesce(v.cover_image, '') != ''",
    "body": "coalesce(v.word_count, 0) > 0",
}
# Coverage is computed over the newest versions a run archived, at most this many.
COVERAGE_SAMPLE = 500
FAR_FUTURE = "9999"


def _marks(values: list) -> str:
    return ", ".join("?" for _ in values)


def changes_page(db: Database, since: str | None = None, until: str | None = None,
                 language: str | None = None, kinds: list[str] | None = None,
                 limit: int = 50, offset: int = 0) -> list[dict]:
    """Changes newest first, one page of them: new versions with their kinds of change, and
    the events new, removed and restored (each reported as its own kind).

    `since` is inclusive and `until` exclusive (UTC timestamps). Each item has at, article_id,
    language, title, url, kinds, version (None for an event), status and location (of a
    removal) and version_id.
    """
    wanted = set(kinds or [*EVENT_KINDS, *KINDS])
    version_kinds = [kind for kind in KINDS if kind in wanted]
    event_kinds = [kind for kind in EVENT_KINDS if kind in wanted]
    window = [since or "", until or FAR_FUTURE]
    edition, edition_params = (" AND a.language = ?", [language]) if language else ("", [])
    depth = offset + limit
    parts, params = [], []
    if version_kinds:
        kind_clause, kind_params = "", []
        if kinds:
            kind_clause = (" AND EXISTS (SELECT 1 FROM json_each(v.changes)"
                           f" WHERE json_each.value IN ({_marks(version_kinds)}))")
            kind_params = version_kinds
        parts.append(
            "SELECT * FROM (SELECT v.first_seen AS at, v.article_id, a.language, v.title, v.url,"
            " v.number AS version, v.changes AS kinds, NULL AS status, NULL AS location,"
            " v.id AS version_id, NULL AS divergence_id FROM versions v"
            " JOIN articles a ON a.id = v.article_id"
            f" WHERE v.number > 1 AND v.first_seen >= ? AND v.first_seen < ?{edition}{kind_clause}"
            " ORDER BY v.first_seen DESC, v.article_id DESC LIMIT ?)"
        )
        params += [*window, *edition_params, *kind_params, depth]
    if event_kinds:
        parts.append(
            "SELECT * FROM (SELECT e.at AS at, e.article_id, a.language, a.title, a.url,"
            " NULL AS version, json_array(e.kind) AS kinds, e.status, e.location, e.version_id,"
            " e.divergence_id FROM events e"
            f" JOIN articles a ON a.id = e.article_id WHERE e.at >= ? AND e.at < ?{edition}"
            f" AND {NOT_MISREAD}"
            f" AND e.kind IN ({_marks(event_kinds)}) ORDER BY e.at DESC, e.article_id DESC LIMIT ?)"
        )
        params += [*window, *edition_params, *event_kinds, depth]
    if not parts:
        return []
    cursor = db.execute(
        " UNION ALL ".join(parts) + " ORDER BY at DESC, article_id DESC, version DESC"
        " LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    names = [d[0] for d in cursor.description]
    items = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for item in items:
        item["kinds"] = json.loads(item["kinds"] or "[]")
    return items


def run_coverage(db: Database, run_id: int, sample: int = COVERAGE_SAMPLE) -> dict:
    """How many of the newest versions a run archived (at most `sample`) have each field."""
    checks = ", ".join(f"sum({check})" for check in COVERAGE_FIELDS.values())
    row = db.execute(
        f"SELECT count(*), {checks} FROM (SELECT version_id FROM fetches WHERE run_id = ?"
        " AND version_id IS NOT NULL ORDER BY id DESC LIMIT ?) f"
        " JOIN versions v ON v.id = f.version_id",
        [run_id, sample],
    ).fetchone()
    return {"versions": row[0],
            "fields": {name: row[i] or 0 for i, name in enumerate(COVERAGE_FIELDS, 1)}}


def revisits(db: Database, now: str) -> dict:
    """Articles whose revisit is due at `now`, and when the next one after that falls due."""
    due = db.execute("SELECT count(*) FROM articles WHERE next_visit_at <= ?", [now]).fetchone()
    upcoming = db.execute("SELECT min(next_visit_at) FROM articles WHERE next_visit_at > ?",
                          [now]).fetchone()
    return {"due": due[0], "next_at": upcoming[0]}


def version_ref(db: Database, version_id: int) -> dict | None:
    """The article and number of a version, by the version's id."""
    row = db.execute("SELECT article_id, number FROM versions WHERE id = ?", [version_id]).fetchone()
    return {"article_id": row[0], "number": row[1]} if row else None
