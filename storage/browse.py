"""Read-only queries for the reading room's pages: run coverage, revisits due, versions by id."""

from __future__ import annotations

from sqlite_utils import Database

from storage.outlets import outlet_clause

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


def revisits(db: Database, now: str, outlets: tuple[str | None, ...] = ()) -> dict:
    """Articles (of outlets, as stored) whose revisit is due at `now`, and when the next one
    after that falls due."""
    clause, named = outlet_clause("outlet", outlets)
    due = db.execute(f"SELECT count(*) FROM articles WHERE next_visit_at <= ?{clause}",
                     [now, *named]).fetchone()
    upcoming = db.execute("SELECT min(next_visit_at) FROM articles WHERE next_visit_at > ?"
                          f"{clause}", [now, *named]).fetchone()
    return {"due": due[0], "next_at": upcoming[0]}


def outlet_counts(db: Database, now: str, outlets: tuple[str | None, ...] = ()) -> list[dict]:
    """Per outlet archived (as stored; None: the default outlet): its articles, active and
    removed, revisits due at `now`, and when a crawl last saw one of its articles."""
    clause, named = outlet_clause("outlet", outlets)
    found = db.execute(
        "SELECT outlet, count(*), sum(status = 'active'), sum(status = 'removed'),"
        " sum(next_visit_at <= ?), max(last_seen) FROM articles"
        f" WHERE 1{clause} GROUP BY outlet ORDER BY outlet IS NOT NULL, outlet",
        [now, *named]).fetchall()
    return [{"outlet": row[0], "articles": row[1], "active": row[2] or 0, "removed": row[3] or 0,
             "revisits_due": row[4] or 0, "last_seen": row[5]} for row in found]


def version_ref(db: Database, version_id: int) -> dict | None:
    """The article and number of a version, by the version's id."""
    row = db.execute("SELECT article_id, number FROM versions WHERE id = ?", [version_id]).fetchone()
    return {"article_id": row[0], "number": row[1]} if row else None
