"""The archive's read side: articles, versions, history, changes, captures, counts."""

from __future__ import annotations

import json
from datetime import datetime

from sqlite_utils import Database

from storage import translations
from storage.captures import CaptureCodec
from storage.changelog import ChangeFilter, change_log
from storage.clock import utc_iso
from storage.db import rows
from storage.outlets import outlet_clause
from storage.readings import artefact_versions
from storage.records import record_from_row
from storage.search import search


class ArchiveReads:
    """Queries over the archive for readers (a part of `storage.archive.Archive`)."""

    db: Database
    captures: CaptureCodec

    def _article_row(self, article_id: int) -> dict | None:
        found = rows(self.db.execute("SELECT * FROM articles WHERE id = ?", [article_id]))
        return found[0] if found else None

    def resolve(self, article_id: int | None = None, url: str | None = None) -> int | None:
        """The archived article with this id, else the one that had this canonical URL, else None."""
        candidates = [] if article_id is None else [article_id]
        if url is not None:
            for table in ("articles", "versions"):
                column = "id" if table == "articles" else "article_id"
                row = self.db.execute(
                    f"SELECT {column} FROM {table} WHERE url = ? LIMIT 1", [url]
                ).fetchone()
                if row:
                    candidates.append(row[0])
        for candidate in candidates:
            if self._article_row(candidate) is not None:
                return candidate
        return None

    def article(self, article_id: int) -> dict | None:
        """The article's state, its current record, editions and near-duplicate original."""
        row = self._article_row(article_id)
        if row is None:
            return None
        for name in ("title_stems", "lead_stems", "body_stems", "authors_stems", "tags_stems",
                     "body", "lead", "authors", "tags"):
            row.pop(name, None)
        row["record"] = self.version(article_id, row["current_version"])
        row["translations"] = self.translations(article_id)
        duplicate = self.db.execute(
            "SELECT original_id, distance FROM duplicates WHERE article_id = ?", [article_id]
        ).fetchone()
        row["duplicate_of"] = {"article_id": duplicate[0], "distance": duplicate[1]} \
            if duplicate else None
        row["duplicates"] = [r[0] for r in self.db.execute(
            "SELECT article_id FROM duplicates WHERE original_id = ? ORDER BY article_id",
            [article_id]).fetchall()]
        return row

    def _version_rows(self, where: str, params: list) -> list[dict]:
        result = []
        for row in rows(self.db.execute(f"SELECT * FROM versions WHERE {where}", params)):
            item = record_from_row(row)
            item.update({
                "version_id": row["id"],
                "article_id": row["article_id"],
                "number": row["number"],
                "fingerprint": row["fingerprint"],
                "first_seen": row["first_seen"],
                "last_seen": row["last_seen"],
                "changes": json.loads(row["changes"] or "[]"),
                "capture_id": row["capture_id"],
                "run_id": row["run_id"],
                "word_count": row["word_count"],
            })
            result.append(item)
        return result

    def versions(self, article_id: int) -> list[dict]:
        """Every version of the article, oldest first, each a full record with its metadata."""
        return self._version_rows("article_id = ? ORDER BY number", [article_id])

    def version(self, article_id: int, number: int) -> dict | None:
        """One version of the article (numbered from 1), or None."""
        found = self._version_rows("article_id = ? AND number = ?", [article_id, number])
        return found[0] if found else None

    def history(self, article_id: int) -> list[dict]:
        """Versions and events (new, removed, restored) of the article in time order."""
        artefacts = {number for _, number in artefact_versions(self.db, article_id)}
        items = [
            {"type": "version", "at": v["first_seen"], "number": v["number"],
             "version_id": v["version_id"], "changes": v["changes"], "title": v["title"],
             "last_seen": v["last_seen"], "artefact": v["number"] in artefacts}
            for v in self.versions(article_id)
        ]
        for event in rows(self.db.execute(
            "SELECT * FROM events WHERE article_id = ? ORDER BY id", [article_id]
        )):
            items.append({"type": "event", "at": event["at"], "kind": event["kind"],
                          "status": event["status"], "location": event["location"],
                          "version_id": event["version_id"],
                          "divergence_id": event.get("divergence_id")})
        order = {"event": 0, "version": 1}
        return sorted(items, key=lambda item: (item["at"], order[item["type"]]))

    def changes(self, since: str | datetime | None = None, language: str | None = None,
                kinds: list[str] | None = None) -> list[dict]:
        """Changes across the archive since a time, oldest first: the one list of changes
        (storage.changelog.change_log) that every reader shows."""
        wanted = ChangeFilter(language=language, kinds=tuple(kinds or ()),
                              since=utc_iso(since) if since else None)
        return change_log(self.db, wanted)

    def capture(self, version_id: int) -> tuple[dict, bytes] | None:
        """(response headers, raw HTML) of the capture that produced a version."""
        row = self.db.execute(
            "SELECT c.headers, c.body, c.compression FROM versions v"
            " JOIN captures c ON c.id = v.capture_id WHERE v.id = ?",
            [version_id],
        ).fetchone()
        if row is None:
            return None
        return json.loads(row[0] or "{}"), self.captures.decompress(row[1], row[2])

    def capture_info(self, version_id: int) -> dict | None:
        """Where and when the capture of a version was fetched (for export), without the body."""
        found = rows(self.db.execute(
            "SELECT c.id, c.url, c.status, c.fetched_at, c.size FROM versions v"
            " JOIN captures c ON c.id = v.capture_id WHERE v.id = ?",
            [version_id],
        ))
        return found[0] if found else None

    def fetches(self, article_id: int) -> list[dict]:
        """The fetch log of one article, oldest first."""
        return rows(self.db.execute(
            "SELECT * FROM fetches WHERE article_id = ? ORDER BY id", [article_id]
        ))

    def translations(self, article_id: int) -> list[dict]:
        """The other archived editions of the article's story (method link/inferred, confidence)."""
        return translations.editions(self.db, article_id)

    def duplicates(self) -> list[dict]:
        """Every near-duplicate link: article, its original and their Hamming distance."""
        return rows(self.db.execute(
            "SELECT article_id, original_id, distance, found_at FROM duplicates ORDER BY article_id"
        ))

    def search(self, query: str, **options) -> list[dict]:
        """Full-text search; see storage.search.search for the options."""
        return search(self.db, query, **options)

    def stats(self) -> dict:
        """Counts across the archive."""
        def count(sql: str, params: list | None = None) -> int:
            return self.db.execute(sql, params or []).fetchone()[0]

        by_language = {
            f"{language}/{status}": n
            for language, status, n in self.db.execute(
                "SELECT language, status, count(*) FROM articles GROUP BY language, status"
            ).fetchall()
        }
        events = dict(self.db.execute(
            "SELECT kind, count(*) FROM events GROUP BY kind").fetchall())
        fetches = dict(self.db.execute(
            "SELECT outcome, count(*) FROM fetches GROUP BY outcome").fetchall())
        return {
            "articles": count("SELECT count(*) FROM articles"),
            "articles_by_language_status": by_language,
            "versions": count("SELECT count(*) FROM versions"),
            "changed_articles": count("SELECT count(*) FROM articles WHERE current_version > 1"),
            "captures": count("SELECT count(*) FROM captures"),
            "capture_bytes": count("SELECT coalesce(sum(length(body)), 0) FROM captures"),
            "capture_raw_bytes": count("SELECT coalesce(sum(size), 0) FROM captures"),
            "fetches": fetches,
            "events": events,
            "runs": count("SELECT count(*) FROM runs"),
            "story_links": count("SELECT count(*) FROM story_links"),
            "duplicates": count("SELECT count(*) FROM duplicates"),
        }

    def edition_counts(self) -> dict[str, dict[str, int]]:
        """Articles (active, removed, revised) and versions of each edition."""
        counts: dict[str, dict[str, int]] = {}
        for language, articles, active, removed, revised in self.db.execute(
            "SELECT language, count(*), sum(status = 'active'), sum(status = 'removed'),"
            " sum(current_version > 1) FROM articles GROUP BY language"
        ).fetchall():
            counts[language] = {"articles": articles, "active": active, "removed": removed,
                                "revised": revised, "versions": 0}
        for language, versions in self.db.execute(
            "SELECT a.language, count(*) FROM versions v JOIN articles a ON a.id = v.article_id"
            " GROUP BY a.language"
        ).fetchall():
            counts[language]["versions"] = versions
        return counts

    def most_revised(self, limit: int = 5) -> list[dict]:
        """The articles with the most versions."""
        return rows(self.db.execute(
            "SELECT id AS article_id, language, current_version AS versions, title FROM articles"
            " WHERE current_version > 1 ORDER BY current_version DESC, last_seen DESC, id LIMIT ?",
            [limit],
        ))

    def article_ids(self, language: str | None = None, since: str | None = None,
                    outlets: tuple[str | None, ...] = ()) -> list[int]:
        """Ids of archived articles (of an edition, of outlets as stored) whose current version
        appeared since a time, by id."""
        return self._ids("SELECT a.id FROM articles a JOIN versions v"
                         " ON v.id = a.current_version_id", "a.id", language, since, outlets)

    def version_ids(self, language: str | None = None, since: str | None = None,
                    outlets: tuple[str | None, ...] = ()) -> list[int]:
        """Ids of archived versions (each with its capture) that appeared since a time, oldest first."""
        return self._ids("SELECT v.id FROM versions v JOIN articles a ON a.id = v.article_id",
                         "v.id", language, since, outlets)

    def _ids(self, select: str, order: str, language: str | None, since: str | None,
             outlets: tuple[str | None, ...] = ()) -> list[int]:
        sql, params = f"{select} WHERE v.first_seen >= ?", [utc_iso(since) if since else ""]
        if language:
            sql += " AND a.language = ?"
            params.append(language)
        clause, named = outlet_clause("a.outlet", outlets)
        sql += clause
        params += named
        return [row[0] for row in self.db.execute(f"{sql} ORDER BY {order}", params).fetchall()]
