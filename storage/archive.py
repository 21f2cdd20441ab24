"""The Archive: records every fetch, keeps every version of every article, answers queries."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from crawler.canonical import article_id_from_url, canonical_url
from crawler.items import ArticleRecord
from storage import neardup, translations
from storage.captures import CaptureCodec
from storage.changes import classify
from storage.db import connect, connect_read_only, parse_time, utc_iso, write_transaction
from storage.migrations import is_current, migrate
from storage.records import record_from_row, version_columns
from storage.search import index_version, search, search_columns

ACTIVE = "active"
REMOVED = "removed"
RUN_STATUSES = ("ok", "failed", "killed", "timeout", "stopped")
# A fetched body with less than this share of the current version's words is taken for an
# extraction failure (a layout change, a broken page), not for an edit: real edits keep far more.
SUSPECT_SHARE = 0.4


class ArchiveNotReadable(Exception):
    """An archive that cannot be opened for reading only as it is (e.g. it needs a migration)."""


@dataclass
class PageOutcome:
    """What archiving one fetched page did.

    kind is `new` (first version), `version` (a changed version), `unchanged` (same content,
    only last_seen moved), `restored` (a removed article answered again; `version_id` is set
    when its content also changed) or `suspect` (the page lost most of its text: nothing is
    archived, `error` says why).
    """

    kind: str
    article_id: int
    version: int
    changes: list[str] = field(default_factory=list)
    version_id: int | None = None
    error: str | None = None


def _revisit_steps() -> list[int]:
    from settings import MEDIAWATCH_REVISIT_STEPS

    return list(MEDIAWATCH_REVISIT_STEPS)


def _clean_headers(headers: dict | None) -> dict[str, str]:
    """Response headers as str -> str, whatever form the fetcher handed them in."""
    clean = {}
    for name, value in (headers or {}).items():
        if isinstance(value, list | tuple):
            value = value[-1] if value else ""
        if isinstance(name, bytes):
            name = name.decode("latin-1")
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        clean[str(name)] = str(value)
    return clean


def _header(headers: dict[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


def _rows(cursor) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _decode_json(row: dict, *names: str) -> dict:
    for name in names:
        if isinstance(row.get(name), str):
            row[name] = json.loads(row[name])
    return row


class Archive:
    """The archive database. Writes go through the record_* methods, one transaction each."""

    def __init__(self, path: str | Path, revisit_steps: list[int] | None = None,
                 read_only: bool = False) -> None:
        """Open (or create) and migrate the archive; with read_only, open an existing,
        up-to-date archive for reading only (SQLite mode=ro), or raise ArchiveNotReadable."""
        self.path = str(path)
        self.db = connect_read_only(path) if read_only else connect(path)
        self.revisit_steps = list(revisit_steps or _revisit_steps())
        if not read_only:
            migrate(self.db)
        elif not is_current(self.db):
            self.db.close()
            raise ArchiveNotReadable(f"{path} was made by an older mediawatch: open it once with "
                                     f"a reading command (mediawatch stats --db {path}) to upgrade it")
        self.captures = CaptureCodec(self.db)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- crawl runs ----------------------------------------------------------------------

    def start_run(self, mode: str, editions: list[str], base_url: str) -> int:
        """Record the start of a crawl run and return its id."""
        with write_transaction(self.db):
            return self.db["runs"].insert({
                "mode": mode,
                "editions": json.dumps(list(editions)),
                "base_url": base_url,
                "started_at": utc_iso(),
                "status": "running",
            }).last_pk

    def finish_run(self, run_id: int, status: str, stats: dict, errors: list) -> None:
        """Record how a run ended: status ok, failed, killed or timeout, with stats and errors."""
        if status not in RUN_STATUSES:
            raise ValueError(f"run status must be one of {', '.join(RUN_STATUSES)}, not {status!r}")
        with write_transaction(self.db):
            self.db.execute(
                "UPDATE runs SET finished_at = ?, status = ?, stats = ?, errors = ? WHERE id = ?",
                [utc_iso(), status, json.dumps(stats, ensure_ascii=False),
                 json.dumps(errors, ensure_ascii=False, default=str), run_id],
            )

    def close_unfinished_runs(self, status: str) -> int:
        """Close the runs a killed crawl left open, with the status that explains why."""
        if status not in RUN_STATUSES:
            raise ValueError(f"run status must be one of {', '.join(RUN_STATUSES)}, not {status!r}")
        with write_transaction(self.db):
            return self.db.execute(
                "UPDATE runs SET finished_at = ?, status = ? WHERE status = 'running'",
                [utc_iso(), status],
            ).rowcount

    def runs(self, limit: int = 20) -> list[dict]:
        """The latest runs, newest first."""
        rows = _rows(self.db.execute("SELECT * FROM runs ORDER BY id DESC LIMIT ?", [limit]))
        return [_decode_json(row, "editions", "stats", "errors") for row in rows]

    # ---- recording fetches ---------------------------------------------------------------

    def record_page(
        self,
        run_id: int | None,
        url: str,
        status: int,
        headers: dict,
        body: bytes,
        record: ArticleRecord,
        fetched_at: str,
    ) -> PageOutcome:
        """Archive one fetched article page: a new article, a new version, or an unchanged one.

        A new version and its raw capture are written in one transaction with everything
        else this fetch changes. A body far shorter than the current version's is only logged,
        as `suspect`.
        """
        at = utc_iso(fetched_at)
        record.fetched_at = record.fetched_at or fetched_at
        article_id = record.article_id or article_id_from_url(record.url or url)
        if not article_id:
            raise ValueError(f"no article id for {url}")
        record.article_id = article_id
        record.url = canonical_url(record.url or url)
        headers = _clean_headers(headers)
        with write_transaction(self.db):
            current = self._article_row(article_id)
            if current is None:
                outcome = self._new_article(run_id, url, status, headers, body, record, at)
            elif lost := self._text_lost(current, record):
                outcome = PageOutcome("suspect", article_id, current["current_version"],
                                      error=lost)
            else:
                outcome = self._known_article(run_id, url, status, headers, body, record, at,
                                              current)
            self._log_fetch(run_id, article_id, url, status, outcome.kind, at,
                            error=outcome.error, version_id=outcome.version_id)
        return outcome

    def _text_lost(self, current: dict, record: ArticleRecord) -> str | None:
        """Why the fetched body looks like a failed extraction rather than an edit, if it does."""
        row = self.db.execute("SELECT word_count FROM versions WHERE id = ?",
                              [current["current_version_id"]]).fetchone()
        before = row[0] if row and row[0] else 0
        if record.word_count >= SUSPECT_SHARE * before:
            return None
        return (f"extracted body has {record.word_count} words, the current version "
                f"{before}: taken for an extraction failure, not archived")

    def _new_article(self, run_id, url, status, headers, body, record, at) -> PageOutcome:
        data = record.to_dict()
        start = parse_time(utc_iso(record.published)) if record.published else parse_time(at)
        self.db["articles"].insert({
            "id": record.article_id,
            "language": record.language,
            "url": record.url,
            "section": record.section,
            "slug": record.slug,
            "published": record.published,
            "cover_image": record.cover_image,
            "first_seen": at,
            "last_seen": at,
            "status": ACTIVE,
            "etag": _header(headers, "ETag"),
            "last_modified": _header(headers, "Last-Modified"),
            "revisit_step": 0,
            "next_visit_at": utc_iso(start + timedelta(seconds=self.revisit_steps[0])),
            **search_columns(data, record.language),
        })
        version_id = self._store_version(run_id, url, status, headers, body, record, at, 1, [])
        self._set_current(record.article_id, 1, version_id, record.fingerprint)
        self._event(record.article_id, "new", at, run_id, version_id=version_id)
        neardup.link_duplicate(self.db, record.article_id, record.language,
                               "\n".join(record.body), at)
        translations.update_editions(self.db, record.article_id, record.translations, at)
        return PageOutcome("new", record.article_id, 1, [], version_id)

    def _known_article(self, run_id, url, status, headers, body, record, at, current):
        article_id = record.article_id
        restored = current["status"] == REMOVED
        if restored:
            self._event(article_id, "restored", at, run_id, status=status)
        validators = {"etag": _header(headers, "ETag"),
                      "last_modified": _header(headers, "Last-Modified")}
        if record.fingerprint == current["fingerprint"]:
            self._seen_unchanged(article_id, current, at, validators)
            kind = "restored" if restored else "unchanged"
            return PageOutcome(kind, article_id, current["current_version"])
        previous = self.version(article_id, current["current_version"])
        kinds = classify(previous, record.to_dict())
        number = current["current_version"] + 1
        self.db.execute(
            "UPDATE articles SET language = ?, url = ?, section = ?, slug = ?, published = ?,"
            " cover_image = ?, last_seen = ?, status = ?, removed_at = NULL, etag = ?,"
            " last_modified = ? WHERE id = ?",
            [record.language, record.url, record.section, record.slug, record.published,
             record.cover_image, at, ACTIVE, validators["etag"], validators["last_modified"],
             article_id],
        )
        self.db["articles"].update(article_id, search_columns(record.to_dict(), record.language))
        version_id = self._store_version(run_id, url, status, headers, body, record, at, number,
                                         kinds)
        self._set_current(article_id, number, version_id, record.fingerprint)
        self._schedule(article_id, at, step=0)
        neardup.index_hash(self.db, article_id, neardup.simhash("\n".join(record.body)))
        translations.update_editions(self.db, article_id, record.translations, at)
        return PageOutcome("restored" if restored else "version", article_id, number, kinds,
                           version_id)

    def _store_capture(self, run_id, article_id, url, status, headers, body, at,
                       language) -> int:
        data, compression = self.captures.compress(body or b"", language)
        return self.db["captures"].insert({
            "article_id": article_id,
            "run_id": run_id,
            "url": url,
            "status": status,
            "headers": json.dumps(headers, ensure_ascii=False),
            "body": data,
            "compression": compression,
            "size": len(body or b""),
            "fetched_at": at,
        }).last_pk

    def _store_version(self, run_id, url, status, headers, body, record, at, number,
                       kinds) -> int:
        capture_id = self._store_capture(run_id, record.article_id, url, status, headers, body,
                                         at, record.language)
        version_id = self.db["versions"].insert({
            "article_id": record.article_id,
            "number": number,
            "fingerprint": record.fingerprint,
            "first_seen": at,
            "last_seen": at,
            "changes": json.dumps(kinds),
            "capture_id": capture_id,
            "run_id": run_id,
            **version_columns(record),
        }).last_pk
        index_version(self.db, version_id, record.to_dict(), record.language)
        return version_id

    def _set_current(self, article_id: int, number: int, version_id: int, fingerprint: str):
        self.db.execute(
            "UPDATE articles SET current_version = ?, current_version_id = ?, fingerprint = ?"
            " WHERE id = ?",
            [number, version_id, fingerprint, article_id],
        )

    def _seen_unchanged(self, article_id: int, current: dict, at: str, validators: dict):
        """Same content again: move last_seen, keep fresh validators, advance the revisit step."""
        self.db.execute(
            "UPDATE articles SET last_seen = ?, status = ?, removed_at = NULL,"
            " etag = coalesce(?, etag), last_modified = coalesce(?, last_modified) WHERE id = ?",
            [at, ACTIVE, validators.get("etag"), validators.get("last_modified"), article_id],
        )
        self.db.execute(
            "UPDATE versions SET last_seen = ? WHERE id = ?", [at, current["current_version_id"]]
        )
        self._schedule(article_id, at, step=current["revisit_step"] + 1)

    def _schedule(self, article_id: int, at: str, step: int) -> None:
        step = min(step, len(self.revisit_steps) - 1)
        due = parse_time(at) + timedelta(seconds=self.revisit_steps[step])
        self.db.execute(
            "UPDATE articles SET revisit_step = ?, next_visit_at = ? WHERE id = ?",
            [step, utc_iso(due), article_id],
        )

    def _event(self, article_id, kind, at, run_id, status=None, location=None, version_id=None):
        self.db["events"].insert({
            "article_id": article_id,
            "kind": kind,
            "at": at,
            "run_id": run_id,
            "status": status,
            "location": location,
            "version_id": version_id,
        })

    def _log_fetch(self, run_id, article_id, url, status, outcome, at, error=None,
                   version_id=None) -> None:
        self.db["fetches"].insert({
            "run_id": run_id,
            "article_id": article_id,
            "url": url,
            "status": status,
            "outcome": outcome,
            "error": error,
            "version_id": version_id,
            "fetched_at": at,
        })

    def _article_row(self, article_id: int) -> dict | None:
        rows = _rows(self.db.execute("SELECT * FROM articles WHERE id = ?", [article_id]))
        return rows[0] if rows else None

    def record_not_modified(self, run_id: int | None, article_id: int, url: str,
                            fetched_at: str) -> None:
        """A 304 answer to a conditional request: the article is unchanged."""
        at = utc_iso(fetched_at)
        with write_transaction(self.db):
            current = self._article_row(article_id)
            outcome = "not_modified"
            if current is not None:
                if current["status"] == REMOVED:
                    self._event(article_id, "restored", at, run_id, status=304)
                    outcome = "restored"
                self._seen_unchanged(article_id, current, at, {})
            self._log_fetch(run_id, article_id, url, 304, outcome, at)

    def record_gone(self, run_id: int | None, article_id: int | None, url: str, status: int,
                    location: str | None, fetched_at: str) -> bool:
        """A 404, 410 or redirect away from the article. True when this is the removal itself.

        The `removed` event is recorded once; fetches while the article stays gone are only
        logged.
        """
        at = utc_iso(fetched_at)
        article_id = article_id or article_id_from_url(url)
        removed = False
        with write_transaction(self.db):
            current = self._article_row(article_id) if article_id else None
            if current is not None:
                if current["status"] != REMOVED:
                    self.db.execute(
                        "UPDATE articles SET status = ?, removed_at = ? WHERE id = ?",
                        [REMOVED, at, article_id],
                    )
                    self._event(article_id, "removed", at, run_id, status=status,
                                location=location)
                    removed = True
                self._schedule(article_id, at, step=current["revisit_step"] + 1)
            self._log_fetch(run_id, article_id, url, status, "gone", at,
                            error=f"redirected to {location}" if location else None)
        return removed

    def record_failure(self, run_id: int | None, url: str, status: int | None, error: str,
                       fetched_at: str) -> None:
        """A fetch that gave no usable page (network error, server error, extraction failure)."""
        at = utc_iso(fetched_at)
        with write_transaction(self.db):
            self._log_fetch(run_id, article_id_from_url(url), url, status, "failed", at,
                            error=error)

    # ---- what the crawler asks -----------------------------------------------------------

    def _language_filter(self, language: str | None) -> tuple[str, list]:
        return (" AND language = ?", [language]) if language else ("", [])

    def known_urls(self, language: str | None = None) -> dict[str, int]:
        """Canonical URL -> article id of active articles."""
        clause, params = self._language_filter(language)
        rows = self.db.execute(
            f"SELECT url, id FROM articles WHERE status = ?{clause}", [ACTIVE, *params]
        )
        return dict(rows.fetchall())

    def known_ids(self, language: str | None = None) -> set[int]:
        """Ids of active articles."""
        clause, params = self._language_filter(language)
        rows = self.db.execute(
            f"SELECT id FROM articles WHERE status = ?{clause}", [ACTIVE, *params]
        )
        return {row[0] for row in rows.fetchall()}

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
                        limit: int | None = None) -> list[tuple[int, str]]:
        """(id, url) of articles whose next visit is due at `now`, most overdue first.

        Removed articles stay on the schedule so a restoration is noticed.
        """
        clause, params = self._language_filter(language)
        sql = f"SELECT id, url FROM articles WHERE next_visit_at <= ?{clause} ORDER BY next_visit_at, id"
        params = [utc_iso(now), *params]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [tuple(row) for row in self.db.execute(sql, params).fetchall()]

    # ---- read side -----------------------------------------------------------------------

    def resolve(self, article_ref: int | str) -> int | None:
        """The article id for an id or any URL of the article (old, /kz/, moved), else None."""
        ref = str(article_ref).strip()
        candidates = []
        if ref.isdigit():
            candidates.append(int(ref))
        else:
            found = article_id_from_url(ref)
            if found is not None:
                candidates.append(found)
            url = canonical_url(ref)
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
        rows = _rows(self.db.execute(f"SELECT * FROM versions WHERE {where}", params))
        result = []
        for row in rows:
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
        rows = self._version_rows("article_id = ? AND number = ?", [article_id, number])
        return rows[0] if rows else None

    def history(self, article_id: int) -> list[dict]:
        """Versions and events (new, removed, restored) of the article in time order."""
        items = [
            {"type": "version", "at": v["first_seen"], "number": v["number"],
             "version_id": v["version_id"], "changes": v["changes"], "title": v["title"],
             "last_seen": v["last_seen"]}
            for v in self.versions(article_id)
        ]
        for event in _rows(self.db.execute(
            "SELECT * FROM events WHERE article_id = ? ORDER BY id", [article_id]
        )):
            items.append({"type": "event", "at": event["at"], "kind": event["kind"],
                          "status": event["status"], "location": event["location"],
                          "version_id": event["version_id"]})
        order = {"event": 0, "version": 1}
        return sorted(items, key=lambda item: (item["at"], order[item["type"]]))

    def changes(self, since: str | datetime | None = None, language: str | None = None,
                kinds: list[str] | None = None) -> list[dict]:
        """Changes across the archive in time order: new versions with their kinds of change,
        and the events new, removed and restored (each reported as its own kind)."""
        after = utc_iso(since) if since else ""
        clause, params = self._language_filter(language)
        clause = clause.replace("language", "a.language")
        versions = _rows(self.db.execute(
            "SELECT v.first_seen AS at, v.article_id, a.language, v.title, v.url,"
            " v.number AS version, v.changes AS kinds FROM versions v"
            f" JOIN articles a ON a.id = v.article_id WHERE v.number > 1 AND v.first_seen >= ?"
            f"{clause}",
            [after, *params],
        ))
        events = _rows(self.db.execute(
            "SELECT e.at, e.article_id, a.language, a.title, a.url, e.kind, e.status,"
            " e.location FROM events e JOIN articles a ON a.id = e.article_id"
            f" WHERE e.at >= ?{clause}",
            [after, *params],
        ))
        items = [_decode_json(row, "kinds") for row in versions]
        for event in events:
            event["kinds"] = [event.pop("kind")]
            items.append(event)
        if kinds:
            wanted = set(kinds)
            items = [item for item in items if wanted & set(item["kinds"])]
        return sorted(items, key=lambda item: (item["at"], item["article_id"]))

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
        rows = _rows(self.db.execute(
            "SELECT c.id, c.url, c.status, c.fetched_at, c.size FROM versions v"
            " JOIN captures c ON c.id = v.capture_id WHERE v.id = ?",
            [version_id],
        ))
        return rows[0] if rows else None

    def fetches(self, article_id: int) -> list[dict]:
        """The fetch log of one article, oldest first."""
        return _rows(self.db.execute(
            "SELECT * FROM fetches WHERE article_id = ? ORDER BY id", [article_id]
        ))

    def translations(self, article_id: int) -> list[dict]:
        """The other archived editions of the article's story (method link/inferred, confidence)."""
        return translations.editions(self.db, article_id)

    def duplicates(self) -> list[dict]:
        """Every near-duplicate link: article, its original and their Hamming distance."""
        return _rows(self.db.execute(
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
        return _rows(self.db.execute(
            "SELECT id AS article_id, language, current_version AS versions, title FROM articles"
            " WHERE current_version > 1 ORDER BY current_version DESC, last_seen DESC, id LIMIT ?",
            [limit],
        ))

    def article_ids(self, language: str | None = None, since: str | None = None) -> list[int]:
        """Ids of archived articles whose current version appeared since a time, by id."""
        return self._ids("SELECT a.id FROM articles a JOIN versions v"
                         " ON v.id = a.current_version_id", "a.id", language, since)

    def version_ids(self, language: str | None = None, since: str | None = None) -> list[int]:
        """Ids of archived versions (each with its capture) that appeared since a time, oldest first."""
        return self._ids("SELECT v.id FROM versions v JOIN articles a ON a.id = v.article_id",
                         "v.id", language, since)

    def _ids(self, select: str, order: str, language: str | None, since: str | None) -> list[int]:
        sql, params = f"{select} WHERE v.first_seen >= ?", [utc_iso(since) if since else ""]
        if language:
            sql += " AND a.language = ?"
            params.append(language)
        return [row[0] for row in self.db.execute(f"{sql} ORDER BY {order}", params).fetchall()]
