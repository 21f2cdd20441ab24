"""The archive's changes as one log with stable keys: revisions, events and degraded crawl runs.

Feeds and notifications read changes from here. Each change is keyed by where it is stored
(`version:ID`, `event:ID`, `run:ID`); row ids only grow, so a cursor of the three highest ids
seen tells what came after it, whatever the clocks say.
"""

from __future__ import annotations

import json
from contextlib import nullcontext
from dataclasses import asdict, dataclass

from sqlite_utils import Database

from storage.search import compile_query, searching

DEGRADED = "degraded"


@dataclass
class Cursor:
    """The highest version, event and finished-run ids a reader has taken."""

    version_id: int = 0
    event_id: int = 0
    run_id: int = 0

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | None) -> Cursor:
        return cls(**json.loads(text)) if text else cls()


@dataclass
class ChangeFilter:
    """Which changes to read: editions, kinds, one article, a full-text query, a time."""

    language: str | None = None
    kinds: tuple[str, ...] = ()
    article_id: int | None = None
    query: str | None = None
    since: str | None = None  # UTC ISO timestamp


def high_water(db: Database) -> Cursor:
    """A cursor past every change archived so far."""
    def top(sql: str) -> int:
        return db.execute(sql).fetchone()[0] or 0

    return Cursor(top("SELECT max(id) FROM versions"), top("SELECT max(id) FROM events"),
                  _finished_runs_top(db))


def _finished_runs_top(db: Database) -> int:
    """The highest run id below the first run still running: those runs' statuses are final."""
    running = db.execute("SELECT min(id) FROM runs WHERE status = 'running'").fetchone()[0]
    if running is None:
        return db.execute("SELECT max(id) FROM runs").fetchone()[0] or 0
    return running - 1


def _query_clause(db: Database, query: str | None, language: str | None,
                  version: str) -> tuple[str, list]:
    """SQL testing that a version id expression, or the version before it, matches a query."""
    if not query:
        return "", []
    expression = compile_query(query, language).expression
    if expression is None:
        return " AND 0", []
    matches = "SELECT rowid FROM versions_fts WHERE versions_fts MATCH ?"
    previous = (f"(SELECT p.id FROM versions p JOIN versions c ON c.id = {version}"
                " WHERE p.article_id = c.article_id AND p.number = c.number - 1)")
    return (f" AND ({version} IN ({matches}) OR {previous} IN ({matches}))",
            [expression, expression])


def _common(alias: str, at: str, wanted: ChangeFilter) -> tuple[str, list]:
    clauses, params = [], []
    if wanted.language:
        clauses.append("a.language = ?")
        params.append(wanted.language)
    if wanted.article_id is not None:
        clauses.append("a.id = ?")
        params.append(wanted.article_id)
    if wanted.since:
        clauses.append(f"{alias}.{at} >= ?")
        params.append(wanted.since)
    return "".join(f" AND {c}" for c in clauses), params


def _page(newest_first: bool, limit: int | None, *columns: str) -> tuple[str, list]:
    direction = " DESC" if newest_first else ""
    sql = " ORDER BY " + ", ".join(f"{column}{direction}" for column in columns)
    return (sql + " LIMIT ?", [limit]) if limit else (sql, [])


def _revisions(db, wanted, after, upto, newest_first, limit) -> list[dict]:
    where, params = _common("v", "first_seen", wanted)
    if upto:
        where += " AND v.id <= ?"
        params.append(upto.version_id)
    if wanted.kinds:
        marks = ", ".join("?" for _ in wanted.kinds)
        where += f" AND EXISTS (SELECT 1 FROM json_each(v.changes) WHERE value IN ({marks}))"
        params += list(wanted.kinds)
    query_sql, query_params = _query_clause(db, wanted.query, wanted.language, "v.id")
    page_sql, page_params = _page(newest_first, limit, "v.first_seen", "v.id")
    rows = db.execute(
        "SELECT v.id, v.article_id, a.language, v.title, a.url, v.number, v.changes,"
        " v.first_seen FROM versions v JOIN articles a ON a.id = v.article_id"
        f" WHERE v.number > 1 AND v.id > ?{where}{query_sql}{page_sql}",
        [after.version_id, *params, *query_params, *page_params],
    ).fetchall()
    return [{"key": f"version:{r[0]}", "source": "version", "version_id": r[0],
             "article_id": r[1], "language": r[2], "title": r[3], "url": r[4], "version": r[5],
             "kinds": json.loads(r[6] or "[]"), "at": r[7]} for r in rows]


def _events(db, wanted, after, upto, newest_first, limit) -> list[dict]:
    where, params = _common("e", "at", wanted)
    if upto:
        where += " AND e.id <= ?"
        params.append(upto.event_id)
    if wanted.kinds:
        where += f" AND e.kind IN ({', '.join('?' for _ in wanted.kinds)})"
        params += list(wanted.kinds)
    version = "coalesce(e.version_id, a.current_version_id)"
    query_sql, query_params = _query_clause(db, wanted.query, wanted.language, version)
    page_sql, page_params = _page(newest_first, limit, "e.at", "e.id")
    rows = db.execute(
        "SELECT e.id, e.article_id, a.language, coalesce(v.title, a.title), a.url,"
        " v.number, e.kind, e.at, e.status, e.location, e.version_id FROM events e"
        " JOIN articles a ON a.id = e.article_id"
        f" LEFT JOIN versions v ON v.id = {version}"
        f" WHERE e.id > ?{where}{query_sql}{page_sql}",
        [after.event_id, *params, *query_params, *page_params],
    ).fetchall()
    return [{"key": f"event:{r[0]}", "source": "event", "event_id": r[0], "article_id": r[1],
             "language": r[2], "title": r[3], "url": r[4],
             "version": r[5] if r[6] == "new" else None, "kinds": [r[6]], "at": r[7],
             "status": r[8], "location": r[9], "version_id": r[10]} for r in rows]


def _degraded_runs(db, wanted, after, upto, newest_first, limit) -> list[dict]:
    if DEGRADED not in wanted.kinds or wanted.article_id is not None:
        return []
    where, params = " AND r.id <= ?", [upto.run_id if upto else _finished_runs_top(db)]
    if wanted.since:
        where += " AND r.finished_at >= ?"
        params.append(wanted.since)
    if wanted.language:
        where += " AND EXISTS (SELECT 1 FROM json_each(r.editions) WHERE value = ?)"
        params.append(wanted.language)
    page_sql, page_params = _page(newest_first, limit, "r.finished_at", "r.id")
    rows = db.execute(
        "SELECT r.id, r.editions, r.mode, r.finished_at, r.errors, r.base_url FROM runs r"
        f" WHERE r.status = ? AND r.id > ?{where}{page_sql}",
        [DEGRADED, after.run_id, *params, *page_params],
    ).fetchall()
    return [{"key": f"run:{r[0]}", "source": "run", "run_id": r[0], "article_id": None,
             "editions": json.loads(r[1] or "[]"), "mode": r[2], "at": r[3],
             "errors": json.loads(r[4] or "[]"), "base_url": r[5], "kinds": [DEGRADED],
             "language": ",".join(json.loads(r[1] or "[]")), "title": None, "url": None}
            for r in rows]


def change_log(db: Database, wanted: ChangeFilter | None = None, after: Cursor | None = None,
               upto: Cursor | None = None, newest_first: bool = False,
               limit: int | None = None) -> list[dict]:
    """Changes matching a filter after a cursor (and up to another), in time order (or newest
    first), at most `limit`.

    Each carries the title of its version and the article's current (live) URL.
    Revisions (version 2 onwards, with the kinds stored on them), the events new, removed and
    restored, and crawl runs that ended degraded (only when `degraded` is among the kinds
    asked for). A query matches a change when the version it produced, or the one before,
    matches it; it does not apply to runs. Raises storage.search.SearchQueryError for a
    malformed query, one FTS5 refuses, or one that runs longer than a search may
    (SearchTooSlow).
    """
    wanted = wanted or ChangeFilter()
    after = after or Cursor()
    items = []
    with searching(db) if wanted.query else nullcontext():
        for source in (_revisions, _events, _degraded_runs):
            items += source(db, wanted, after, upto, newest_first, limit)
    order = {"version": 1, "event": 0, "run": 2}
    items.sort(key=lambda item: (item["at"] or "", order[item["source"]], item["key"]),
               reverse=newest_first)
    return items[:limit] if limit else items


def stored_excerpt(db: Database, version_id: int) -> dict | None:
    """The excerpt of a version's change from the one before, as stored when it was recorded
    (storage.changes.excerpt); None for a first version."""
    row = db.execute("SELECT excerpt FROM versions WHERE id = ?", [version_id]).fetchone()
    return json.loads(row[0]) if row and row[0] else None


def version_lead(db: Database, article_id: int, number: int) -> str:
    """The lead of one version of an article ("" when it has none)."""
    row = db.execute("SELECT lead FROM versions WHERE article_id = ? AND number = ?",
                     [article_id, number]).fetchone()
    return (row[0] if row else None) or ""
