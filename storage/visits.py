"""What a crawl asks the archive before fetching: known articles, validators, due revisits."""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from storage.clock import utc_iso
from storage.db import ACTIVE, language_clause


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
