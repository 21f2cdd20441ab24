"""Read-only queries for the reading room's pages: run coverage, revisits due, versions by id."""

from __future__ import annotations

from sqlite_utils import Database

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
