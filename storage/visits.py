"""What a crawl asks the archive before fetching: known articles, validators, due revisits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from storage.clock import parse_stamp, utc_iso
from storage.db import ACTIVE, language_clause
from storage.revisit import (
    DAY,
    GOLDEN,
    HEAT_AGE,
    HEAT_RATE,
    HEAT_WINDOW,
    PULL_GUARD,
    is_old_change,
    section_hot,
    signal,
    sweep_start,
)


class VisitQueries:
    """The crawl's queries for what to fetch (a part of `storage.archive.Archive`)."""

    db: Database

    def known_ids(self, language: str | None = None) -> set[int]:
        """Ids of active articles."""
        clause, params = language_clause(language)
        rows = self.db.execute(
            f"SELECT id FROM articles WHERE status = ?{clause}", [ACTIVE, *params]
        )
        return {row[0] for row in rows.fetchall()}

    def signal_facts(self, language: str | None = None) -> dict[int, tuple[str, str]]:
        """Active article id -> (archived headline, last seen): what a listing's headline or a
        sitemap's lastmod is compared with."""
        clause, params = language_clause(language)
        rows = self.db.execute(
            f"SELECT id, title, last_seen FROM articles WHERE status = ?{clause}",
            [ACTIVE, *params])
        return {row[0]: (row[1] or "", row[2]) for row in rows.fetchall()}

    def validators(self, article_id: int) -> dict[str, str]:
        """Headers for a conditional request (If-None-Match, If-Modified-Since), maybe empty."""
        row = self.db.execute(
            "SELECT etag, last_modified FROM articles WHERE id = ?", [article_id]
        ).fetchone()
        headers = {}
        if row and row[0]:
            headers["If-None-Match"] = row[0]
        if row and row[1]:
            headers["If-Modified-Since"] = row[1]
        return headers

    def due_for_revisit(self, now: str | datetime, language: str | None = None,
                        limit: int | None = None, outlet: str | None = None
                        ) -> list[tuple[int, str]]:
        """(id, url) of articles of an outlet (by default the default outlet) whose next visit
        is due at `now`, most overdue first.

        Removed articles stay on the schedule so a restoration is noticed.
        """
        clause, params = language_clause(language)
        clause += " AND outlet = ?" if outlet else " AND outlet IS NULL"
        params += [outlet] if outlet else []
        sql = f"SELECT id, url FROM articles WHERE next_visit_at <= ?{clause} ORDER BY next_visit_at, id"
        params = [utc_iso(now), *params]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [tuple(row) for row in self.db.execute(sql, params).fetchall()]

    def heat_after_change(self, article_id: int, at: str) -> bool:
        """After a change of the article seen at `at`: whether its section is being revised
        all at once (storage.revisit.section_hot). When it is, the section's other old articles
        are swept: from storage.revisit.sweep_start, spread by id at HEAT_RATE requests a
        second (never later than they were due); one seen since the sweep started is left
        alone."""
        row = self.db.execute("SELECT section, language, outlet, published FROM articles "
                              "WHERE id = ?", [article_id]).fetchone()
        moment = parse_stamp(at)
        if row is None or not row[3] or not is_old_change(parse_stamp(utc_iso(row[3])), moment):
            return False
        section, language, outlet = row[0], row[1], row[2]
        same = "a.section IS ? AND a.language IS ? AND a.outlet IS ?"
        changes = self.db.execute(
            f"SELECT v.first_seen FROM versions v JOIN articles a ON a.id = v.article_id "
            f"WHERE v.first_seen >= ? AND v.number > 1 AND {same} "
            f"AND julianday(v.first_seen) - julianday(a.published) > ? ORDER BY v.first_seen",
            [utc_iso(moment - timedelta(seconds=PULL_GUARD)), section, language, outlet,
             HEAT_AGE / DAY]).fetchall()
        window = utc_iso(moment - timedelta(seconds=HEAT_WINDOW))
        recent = sum(seen >= window for (seen,) in changes)
        if not section_hot(recent):
            return False
        sweep = datetime.fromtimestamp(
            sweep_start([parse_stamp(seen).timestamp() for (seen,) in changes]), UTC)
        start = utc_iso(max(moment, sweep))
        eligible = (f"FROM articles a WHERE {same} AND a.status = ? AND a.id != ? "
                    f"AND julianday(?) - julianday(a.published) > ? AND a.last_seen < ?")
        params = [section, language, outlet, ACTIVE, article_id, utc_iso(moment),
                  HEAT_AGE / DAY, utc_iso(sweep)]
        siblings = self.db.execute(f"SELECT count(*) {eligible}", params).fetchone()[0]
        # start + storage.revisit.sibling_delay, in SQL: the id's golden share of the spread
        due = ("strftime('%Y-%m-%dT%H:%M:%SZ', julianday(?) + "
               "(id * ? - CAST(id * ? AS INTEGER)) * ? / 86400.0)")
        reason = signal(f"section {section}", f"{recent} old articles changed within "
                        f"{HEAT_WINDOW // 3600} h: its old articles swept at {HEAT_RATE:g} "
                        f"requests/s")
        self.db.execute(
            f"UPDATE articles SET next_visit_at = {due}, due_reason = ? "
            f"WHERE id IN (SELECT a.id {eligible}) AND coalesce(next_visit_at, '9999') > {due}",
            [start, GOLDEN, GOLDEN, siblings / HEAT_RATE, reason, *params,
             start, GOLDEN, GOLDEN, siblings / HEAT_RATE])
        return True
