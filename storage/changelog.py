"""The one list of changes: revisions, events and degraded crawl runs, filtered and paged.

Every reader of changes calls `change_log`: the terminal's `changes`, the reading room's pages
and `/api/changes`, the Atom feeds and the watches. Each change is keyed by where it is stored
(`version:ID`, `event:ID`, `run:ID`); row ids only grow, so a cursor of the three highest ids
seen tells what came after it, whatever the clocks say.

A revision is a change for readers only when a reader can see it: a version whose kinds are
empty (an extraction artefact that now reads like the version before it, after `reextract`) is
left out everywhere.
"""

from __future__ import annotations

import json
from contextlib import nullcontext
from dataclasses import asdict, dataclass

from sqlite_utils import Database

from storage.changes import EVENT_KINDS, KINDS
from storage.divergence import NOT_MISREAD
from storage.outlets import outlet_clause
from storage.search import compile_query, searching

DEGRADED = "degraded"
# Names that stand for several kinds in a filter: `revision` is any kind of revision.
KIND_GROUPS = {"revision": KINDS}
# Every kind a filter may name: the events, the kinds of a revision, degraded runs, the groups.
FILTER_KINDS = (*EVENT_KINDS, *KIND_GROUPS, *KINDS, DEGRADED)


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
    """Which changes to read: outlets (any of them, as stored: None is the default outlet), an
    edition, kinds (any of them), one article, a full-text query, and a time range (`since`
    inclusive, `until` exclusive, UTC stamps) of when each was seen."""

    outlets: tuple[str | None, ...] = ()
    language: str | None = None
    kinds: tuple[str, ...] = ()
    article_id: int | None = None
    query: str | None = None
    since: str | None = None
    until: str | None = None

    def wanted_kinds(self) -> set[str]:
        """The kinds asked for, groups spelt out; every kind of article change when none is."""
        if not self.kinds:
            return {*EVENT_KINDS, *KINDS}
        return {member for kind in self.kinds for member in KIND_GROUPS.get(kind, (kind,))}


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


def _marks(values) -> str:
    return ", ".join("?" for _ in values)



def _query_clause(query: str | None, language: str | None, version: str) -> tuple[str, list]:
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


def _common(at: str, wanted: ChangeFilter) -> tuple[str, list]:
    clauses, params = [], []
    if wanted.since:
        clauses.append(f"{at} >= ?")
        params.append(wanted.since)
    if wanted.until:
        clauses.append(f"{at} < ?")
        params.append(wanted.until)
    if wanted.language:
        clauses.append("a.language = ?")
        params.append(wanted.language)
    if wanted.article_id is not None:
        clauses.append("a.id = ?")
        params.append(wanted.article_id)
    outlets, named = outlet_clause("a.outlet", wanted.outlets)
    return "".join(f" AND {c}" for c in clauses) + outlets, params + named


def _page(newest_first: bool, depth: int | None, *columns: str) -> tuple[str, list]:
    direction = " DESC" if newest_first else ""
    sql = " ORDER BY " + ", ".join(f"{column}{direction}" for column in columns)
    return (sql + " LIMIT ?", [depth]) if depth else (sql, [])


def _revisions(db, wanted, after, upto, newest_first, depth) -> list[dict]:
    kinds = [kind for kind in KINDS if kind in wanted.wanted_kinds()]
    if not kinds:
        return []
    where, params = _common("v.first_seen", wanted)
    if upto:
        where += " AND v.id <= ?"
        params.append(upto.version_id)
    if set(kinds) != set(KINDS):
        where += f" AND EXISTS (SELECT 1 FROM json_each(v.changes) WHERE value IN ({_marks(kinds)}))"
        params += kinds
    query_sql, query_params = _query_clause(wanted.query, wanted.language, "v.id")
    page_sql, page_params = _page(newest_first, depth, "v.first_seen", "v.article_id", "v.id")
    rows = db.execute(
        "SELECT v.id, v.article_id, a.language, v.title, a.url, v.number, v.changes,"
        " v.first_seen, (SELECT p.title FROM versions p WHERE p.article_id = v.article_id"
        " AND p.number = v.number - 1), a.outlet FROM versions v JOIN articles a ON a.id = v.article_id"
        f" WHERE v.number > 1 AND v.changes != '[]' AND v.id > ?{where}{query_sql}{page_sql}",
        [after.version_id, *params, *query_params, *page_params],
    ).fetchall()
    items = []
    for r in rows:
        kinds_of = json.loads(r[6] or "[]")
        items.append({"key": f"version:{r[0]}", "source": "version", "id": r[0],
                      "version_id": r[0], "article_id": r[1], "language": r[2], "title": r[3],
                      "url": r[4], "version": r[5], "kinds": kinds_of, "at": r[7],
                      "old_title": r[8] if "headline" in kinds_of else None,
                      "status": None, "location": None, "at_version": None,
                      "divergence_id": None, "outlet": r[9]})
    return items


def _events(db, wanted, after, upto, newest_first, depth) -> list[dict]:
    kinds = [kind for kind in EVENT_KINDS if kind in wanted.wanted_kinds()]
    if not kinds:
        return []
    where, params = _common("e.at", wanted)
    if upto:
        where += " AND e.id <= ?"
        params.append(upto.event_id)
    where += f" AND e.kind IN ({_marks(kinds)})"
    params += kinds
    # the version the article stood at when the event happened
    version = ("coalesce(e.version_id, (SELECT s.id FROM versions s WHERE s.article_id ="
               " e.article_id AND s.first_seen <= e.at ORDER BY s.number DESC LIMIT 1),"
               " a.current_version_id)")
    query_sql, query_params = _query_clause(wanted.query, wanted.language, version)
    page_sql, page_params = _page(newest_first, depth, "e.at", "e.article_id", "e.id")
    rows = db.execute(
        "SELECT e.id, e.article_id, a.language, coalesce(v.title, a.title), a.url,"
        " v.number, e.kind, e.at, e.status, e.location, v.id, e.divergence_id, a.outlet"
        " FROM events e"
        " JOIN articles a ON a.id = e.article_id"
        f" LEFT JOIN versions v ON v.id = {version}"
        f" WHERE e.id > ? AND {NOT_MISREAD}{where}{query_sql}{page_sql}",
        [after.event_id, *params, *query_params, *page_params],
    ).fetchall()
    return [{"key": f"event:{r[0]}", "source": "event", "id": r[0], "event_id": r[0],
             "article_id": r[1], "language": r[2], "title": r[3], "url": r[4], "version": None,
             "at_version": r[5], "kinds": [r[6]], "at": r[7], "status": r[8],
             "location": r[9], "version_id": r[10], "old_title": None, "divergence_id": r[11],
             "outlet": r[12]}
            for r in rows]


def _degraded_runs(db, wanted, after, upto, newest_first, depth) -> list[dict]:
    if DEGRADED not in wanted.kinds or wanted.article_id is not None or wanted.outlets:
        return []
    where, params = " AND r.id <= ?", [upto.run_id if upto else _finished_runs_top(db)]
    for clause, value in ((" AND r.finished_at >= ?", wanted.since),
                          (" AND r.finished_at < ?", wanted.until)):
        if value:
            where += clause
            params.append(value)
    if wanted.language:
        where += " AND EXISTS (SELECT 1 FROM json_each(r.editions) WHERE value = ?)"
        params.append(wanted.language)
    page_sql, page_params = _page(newest_first, depth, "r.finished_at", "r.id")
    rows = db.execute(
        "SELECT r.id, r.editions, r.mode, r.finished_at, r.errors, r.base_url, r.stats"
        f" FROM runs r WHERE r.status = ? AND r.id > ?{where}{page_sql}",
        [DEGRADED, after.run_id, *params, *page_params],
    ).fetchall()
    return [{"key": f"run:{r[0]}", "source": "run", "id": r[0], "run_id": r[0],
             "article_id": None, "editions": json.loads(r[1] or "[]"), "mode": r[2],
             "at": r[3], "errors": json.loads(r[4] or "[]"), "base_url": r[5],
             "degraded": (json.loads(r[6] or "{}") or {}).get("degraded") or [],
             "kinds": [DEGRADED], "language": ",".join(json.loads(r[1] or "[]")),
             "title": None, "url": None, "version": None, "version_id": None, "status": None,
             "location": None, "old_title": None, "at_version": None, "divergence_id": None,
             "outlet": None}
            for r in rows]


SOURCE_ORDER = {"event": 0, "version": 1, "run": 2}


def change_log(db: Database, wanted: ChangeFilter | None = None, after: Cursor | None = None,
               upto: Cursor | None = None, newest_first: bool = False,
               limit: int | None = None, offset: int = 0) -> list[dict]:
    """Changes matching a filter after a cursor (and up to another), in time order (or newest
    first): at most `limit` of them after skipping `offset` (a page).

    Revisions (version 2 onwards that a reader can see, with the kinds stored on them; a
    headline change also carries `old_title`), the events new, removed and restored (with
    the status and location of a removal, and `at_version`: the version the article stood
    at), and crawl runs that ended degraded (only when `degraded` is among the kinds asked
    for). Each carries the title of its version and the article's current (live) URL. A query
    matches a change when the version it produced, or the one before, matches it; it does not
    apply to runs. Raises storage.search.SearchQueryError for a malformed query, one FTS5
    refuses, or one that runs longer than a search may (SearchTooSlow).
    """
    wanted = wanted or ChangeFilter()
    after = after or Cursor()
    depth = offset + limit if limit else None
    items = []
    with searching(db) if wanted.query else nullcontext():
        for source in (_revisions, _events, _degraded_runs):
            items += source(db, wanted, after, upto, newest_first, depth)
    # the order each source's query pages by: time, then events before revisions before runs,
    # then article (the home page's order since it began), then row
    items.sort(key=lambda item: (item["at"] or "", SOURCE_ORDER[item["source"]],
                                 item["article_id"] or 0, item["id"]), reverse=newest_first)
    return items[offset:depth] if depth else items[offset:]


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
