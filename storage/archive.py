"""The Archive: records every fetch and keeps every version of every article.

The write side lives here; the crawl's queries (storage.visits), the run log (storage.runs) and
the read side (storage.reading) are the other parts of the one Archive class.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from storage import divergence, evidence, neardup, readings, translations
from storage.access import (
    ArchiveError,
    NotAnArchive,
    check_archive,
    check_writable_target,
    connect_readonly,
    keep_shared_files,
    storage_trouble,
)
from storage.captures import CaptureCodec, outlet_of
from storage.changes import change_columns
from storage.clock import parse_stamp, utc_iso
from storage.db import ACTIVE, REMOVED, connect, insert_row, write_transaction
from storage.locks import WriterLock
from storage.migrations import migrate
from storage.reading import ArchiveReads
from storage.records import ArticleRecord, version_columns
from storage.revisit import CHANGED, GONE, NEW, UNCHANGED, AdaptivePolicy, Facts, Policy, StepPolicy
from storage.runs import RUN_STATUSES, RunLog
from storage.search import index_article, index_spellings, index_version, unindex_article
from storage.visits import VisitQueries

__all__ = ["ACTIVE", "REMOVED", "REVISIT_STEPS", "RUN_STATUSES", "Archive", "PageOutcome"]
# Fixed revisit delays in seconds (the former policy, chosen by passing steps), after publication
# or the last change, then after each unchanged visit: 15 min, 1 h, 3 h, 1 day, 3 days, 1 week,
# 1 month (then monthly). Without steps the archive uses the adaptive policy (storage/revisit.py).
REVISIT_STEPS = (900, 3600, 10800, 86400, 259200, 604800, 2592000)
# A fetched body with less than this share of the current version's words is taken for an
# extraction failure (a layout change, a broken page), not for an edit: real edits keep far more.
SUSPECT_SHARE = 0.4


def writer_lock(path: str) -> WriterLock | None:
    """The WriterLock of an archive about to be written, taken (none for one in memory)."""
    if path == ":memory:":
        return None
    lock = WriterLock(path)
    lock.acquire()
    return lock


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


@dataclass
class _Page:
    """One fetched page on its way into the archive; `data` is its record as a dict, made once."""

    run_id: int | None
    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    at: str
    record: ArticleRecord
    data: dict
    edition_ids: list[int]
    extractor: str | None = None


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


class Archive(ArchiveReads, VisitQueries, RunLog):
    """The archive database. Writes go through the record_* methods, one transaction each."""

    def __init__(self, path: str | Path, revisit_steps: Iterable[int] | None = None,
                 policy: Policy | None = None,
                 readonly: bool = False,
                 carry_window: timedelta = divergence.CARRY_WINDOW) -> None:
        """Open (or create) the archive to write, migrating it; with `readonly`, open an existing
        up-to-date archive without changing anything (storage.access says what is refused).
        `carry_window`: how long an edit of one edition may wait for the others before it is
        reported as not carried (storage.divergence).

        A writer holds the archive's WriterLock until it closes: raises ArchiveBusy while
        another process writes the same file through another name.
        """
        self.path = str(path)
        self.carry_window = carry_window
        self.readonly = readonly
        self.writer = None if readonly else writer_lock(self.path)
        try:
            self.db = connect_readonly(path) if readonly else connect(path)
        except BaseException:
            self._release()
            raise
        self.revisit_steps = list(revisit_steps or REVISIT_STEPS)
        self.policy: Policy = (StepPolicy(self.revisit_steps) if revisit_steps
                               else policy or AdaptivePolicy())
        try:
            if readonly:
                check_archive(self.db, self.path)
            else:
                migrate(self.db)
        except BaseException:
            self.db.close()
            self._release()
            raise
        self.captures = CaptureCodec(self.db)

    def close(self) -> None:
        self.db.close()
        if not self.readonly:
            keep_shared_files(self.path)
        self._release()

    def _release(self) -> None:
        if self.writer is not None:
            self.writer.release()
            self.writer = None

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

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
        edition_ids: Iterable[int] = (),
        extractor: str | None = None,
        keep_validators: bool = True,
    ) -> PageOutcome:
        """Archive one fetched article page: a new article, a new version, or an unchanged one.

        The record carries the article id and canonical URL the crawler computed; `edition_ids`
        are the ids of the other editions the page links to. A new version and its raw capture
        are written in one transaction with everything else this fetch changes. A body far
        shorter than the current version's is only logged, as `suspect`. `extractor` names the
        extractor version that read the page; a reading that looks wrong (keep_validators false)
        keeps no ETag or Last-Modified, so the next revisit fetches the page whole.
        """
        if not record.article_id:
            raise ValueError(f"no article id for {url}")
        record.fetched_at = record.fetched_at or fetched_at
        headers = _clean_headers(headers)
        if not keep_validators:
            headers = {name: value for name, value in headers.items()
                       if name.lower() not in ("etag", "last-modified")}
        page = _Page(run_id, url, status, headers, body, utc_iso(fetched_at), record,
                     record.to_dict(), list(edition_ids), extractor)
        with write_transaction(self.db):
            current = self._article_row(record.article_id)
            if current is None:
                outcome = self._new_article(page)
            elif lost := self._text_lost(current, page.data["word_count"]):
                outcome = PageOutcome("suspect", record.article_id, current["current_version"],
                                      error=lost)
            else:
                outcome = self._known_article(page, current)
            self._log_fetch(run_id, record.article_id, url, status, outcome.kind, page.at,
                            error=outcome.error, version_id=outcome.version_id)
        return outcome

    def _text_lost(self, current: dict, word_count: int) -> str | None:
        """Why the fetched body looks like a failed extraction rather than an edit, if it does."""
        row = self.db.execute("SELECT word_count FROM versions WHERE id = ?",
                              [current["current_version_id"]]).fetchone()
        before = row[0] if row and row[0] else 0
        if word_count >= SUSPECT_SHARE * before:
            return None
        return (f"extracted body has {word_count} words, the current version "
                f"{before}: taken for an extraction failure, not archived")

    def _new_article(self, page: _Page) -> PageOutcome:
        record, data, at = page.record, page.data, page.at
        published = parse_stamp(utc_iso(record.published)) if record.published else None
        visit = self.policy.next_visit(
            Facts(published, published or parse_stamp(at), key=record.article_id),
            parse_stamp(at), NEW)
        insert_row(self.db, "articles", {
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
            "etag": _header(page.headers, "ETag"),
            "last_modified": _header(page.headers, "Last-Modified"),
            "revisit_step": visit.step,
            "next_visit_at": utc_iso(visit.due),
            "due_reason": visit.reason,
            "title": record.title,
        })
        index_article(self.db, record.article_id, data, record.language)
        version_id = self._store_version(page, 1, {"changes": "[]", "excerpt": None})
        self._set_current(record.article_id, 1, version_id, data["fingerprint"])
        self._event(record.article_id, "new", at, page.run_id, version_id=version_id)
        neardup.link_duplicate(self.db, record.article_id, record.language,
                               "\n".join(record.body), at)
        translations.update_editions(self.db, record.article_id, page.edition_ids, at)
        divergence.on_version(self.db, record.article_id, record.language, None, data,
                              version_id, at, page.run_id, self.carry_window)
        return PageOutcome("new", record.article_id, 1, [], version_id)

    def _known_article(self, page: _Page, current: dict) -> PageOutcome:
        record, data, at = page.record, page.data, page.at
        article_id = record.article_id
        restored = current["status"] == REMOVED
        if restored:
            self._event(article_id, "restored", at, page.run_id, status=page.status)
        validators = {"etag": _header(page.headers, "ETag"),
                      "last_modified": _header(page.headers, "Last-Modified")}
        if data["fingerprint"] == current["fingerprint"]:
            self._seen_unchanged(article_id, current, at, validators)
            kind = "restored" if restored else "unchanged"
            return PageOutcome(kind, article_id, current["current_version"])
        previous = self.version(article_id, current["current_version"])
        change = change_columns(previous, data)  # kinds and excerpt, from one diff
        kinds = json.loads(change["changes"])
        number = current["current_version"] + 1
        self.db.execute(
            "UPDATE articles SET language = ?, url = ?, section = ?, slug = ?, published = ?,"
            " cover_image = ?, title = ?, last_seen = ?, status = ?, removed_at = NULL,"
            " etag = ?, last_modified = ? WHERE id = ?",
            [record.language, record.url, record.section, record.slug, record.published,
             record.cover_image, record.title, at, ACTIVE, validators["etag"],
             validators["last_modified"], article_id],
        )
        unindex_article(self.db, article_id, previous, current["language"])
        index_article(self.db, article_id, data, record.language)
        version_id = self._store_version(page, number, change)
        self._set_current(article_id, number, version_id, data["fingerprint"])
        self._schedule(current, at, CHANGED, hot=self.heat_after_change(article_id, at))
        neardup.index_hash(self.db, article_id, neardup.simhash("\n".join(record.body)))
        translations.update_editions(self.db, article_id, page.edition_ids, at)
        divergence.on_version(self.db, article_id, record.language, previous, data, version_id,
                              at, page.run_id, self.carry_window)
        return PageOutcome("restored" if restored else "version", article_id, number, kinds,
                           version_id)

    def _store_capture(self, page: _Page) -> int:
        data, compression = self.captures.compress(
            page.body or b"", outlet_of(self.db, page.record.article_id))
        capture_id = insert_row(self.db, "captures", {
            "article_id": page.record.article_id,
            "run_id": page.run_id,
            "url": page.url,
            "status": page.status,
            "headers": json.dumps(page.headers, ensure_ascii=False),
            "body": data,
            "compression": compression,
            "size": len(page.body or b""),
            "fetched_at": page.at,
        })
        evidence.log_capture(self.db, capture_id, page.body or b"")
        return capture_id

    def _store_version(self, page: _Page, number: int, change: dict) -> int:
        capture_id = self._store_capture(page)
        version_id = insert_row(self.db, "versions", {
            "article_id": page.record.article_id,
            "number": number,
            "fingerprint": page.data["fingerprint"],
            "first_seen": page.at,
            "last_seen": page.at,
            **change,
            "capture_id": capture_id,
            "run_id": page.run_id,
            "extractor": page.extractor,
            **version_columns(page.data),
        })
        evidence.log_version(self.db, version_id)
        index_version(self.db, version_id, page.data, page.record.language)
        index_spellings(self.db, page.data, page.record.language)
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
        self._schedule(current, at, UNCHANGED)

    def _schedule(self, current: dict, at: str, outcome: str, hot: bool = False) -> None:
        """Plan the next visit after one at `at` (`current` is the row before this visit);
        `hot`: its section is being revised all at once."""
        row = self.db.execute("SELECT first_seen FROM versions WHERE id = ?",
                              [current["current_version_id"]]).fetchone()
        published = parse_stamp(utc_iso(current["published"])) if current["published"] else None
        changed_at = parse_stamp(row[0]) if row else (published or parse_stamp(at))
        facts = Facts(published, changed_at, revisions=(current["current_version"] or 1) - 1,
                      step=current["revisit_step"] or 0, key=current["id"], hot=hot)
        visit = self.policy.next_visit(facts, parse_stamp(at), outcome)
        self.db.execute(
            "UPDATE articles SET revisit_step = ?, next_visit_at = ?, due_reason = ? WHERE id = ?",
            [visit.step, utc_iso(visit.due), visit.reason, current["id"]],
        )

    def mark_due(self, article_id: int, at: str | datetime, reason: str) -> bool:
        """A cheap signal (a changed headline on a listing, a newer sitemap lastmod) makes the
        article due at `at`, or keeps it due earlier; the reason becomes the signal's. True
        when the article was archived and active."""
        when = utc_iso(at)
        with write_transaction(self.db):
            moved = self.db.execute(
                "UPDATE articles SET next_visit_at = min(coalesce(next_visit_at, ?), ?),"
                " due_reason = ? WHERE id = ? AND status = ?",
                [when, when, reason, article_id, ACTIVE],
            ).rowcount
        return bool(moved)

    def _event(self, article_id, kind, at, run_id, status=None, location=None, version_id=None):
        event_id = insert_row(self.db, "events", {
            "article_id": article_id,
            "kind": kind,
            "at": at,
            "run_id": run_id,
            "status": status,
            "location": location,
            "version_id": version_id,
        })
        evidence.log_event(self.db, event_id)

    def _log_fetch(self, run_id, article_id, url, status, outcome, at, error=None,
                   version_id=None) -> None:
        insert_row(self.db, "fetches", {
            "run_id": run_id,
            "article_id": article_id,
            "url": url,
            "status": status,
            "outcome": outcome,
            "error": error,
            "version_id": version_id,
            "fetched_at": at,
        })

    def record_not_modified(self, run_id: int | None, article_id: int, url: str,
                            fetched_at: str) -> str:
        """A 304 answer to a conditional request: the article is unchanged (`not_modified`),
        or, when it had been removed, back unchanged (`restored`)."""
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
        return outcome

    def record_gone(self, run_id: int | None, article_id: int | None, url: str, status: int,
                    location: str | None, fetched_at: str) -> bool:
        """A 404, 410 or redirect away from the article. True when this is the removal itself.

        The `removed` event is recorded once; fetches while the article stays gone are only
        logged.
        """
        at = utc_iso(fetched_at)
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
                self._schedule(current, at, GONE)
            self._log_fetch(run_id, article_id, url, status, "gone", at,
                            error=f"redirected to {location}" if location else None)
        return removed

    def record_failure(self, run_id: int | None, url: str, status: int | None, error: str,
                       fetched_at: str, article_id: int | None = None,
                       outcome: str = "failed") -> None:
        """A fetch that gave no usable page (network error, server error, extraction failure),
        or (outcome `suspect`) a page whose reading cannot be trusted: only the fetch is logged,
        with the reason; nothing is archived."""
        at = utc_iso(fetched_at)
        with write_transaction(self.db):
            self._log_fetch(run_id, article_id, url, status, outcome, at, error=error)

    def sweep_edits(self, now: str | datetime, run_id: int | None = None) -> int:
        """Report the edits of one edition the others have not carried within the window, as of
        `now` (a crawl's time); the number reported."""
        with write_transaction(self.db):
            return divergence.sweep(self.db, utc_iso(now), self.carry_window, run_id)

    # ---- re-extraction -------------------------------------------------------------------

    def captured_versions(self, since: str | None = None,
                          article_id: int | None = None) -> list[dict]:
        """Versions with a stored capture, oldest first (see storage.readings)."""
        return readings.captured_versions(self.db, since, article_id)

    def stored_record(self, version_id: int) -> dict:
        """A version's record fields as stored."""
        return readings.stored_record(self.db, version_id)

    def replace_reading(self, version_id: int, record: ArticleRecord, extractor: str) -> None:
        """A new reading of a version's capture; the old one is kept (storage.readings)."""
        with write_transaction(self.db):
            readings.replace_reading(self.db, version_id, record, extractor, utc_iso())
            current = self.db.execute("SELECT id FROM articles WHERE current_version_id = ?",
                                      [version_id]).fetchone()
            if current:  # the story's editions are compared again, as re-read
                divergence.recompare(self.db, current[0], utc_iso())

    def set_extractor(self, version_id: int, extractor: str) -> None:
        """Record that an extractor read a version's capture the same way as stored."""
        with write_transaction(self.db):
            self.db.execute("UPDATE versions SET extractor = ? WHERE id = ?",
                            [extractor, version_id])

    def readings(self, version_id: int) -> list[dict]:
        """Earlier readings of a version, each with the extractor that made it."""
        return readings.readings(self.db, version_id)

    def artefacts(self) -> list[tuple[int, int]]:
        """(article id, number) of versions that read like the version before them."""
        return readings.artefact_versions(self.db)


def open_archive(path: str, write: bool = False) -> Archive:
    """The archive at `path` for a command or the reading room: read-only unless `write`, so
    nothing is created, migrated or changed. Raises ArchiveError, saying what to do, for a
    missing file, a file that is no archive, one this user cannot open or (to read) an
    outdated one."""
    if not os.path.exists(path):
        raise ArchiveError(f"no archive at {path}: crawl first (mediawatch crawl --db {path}) "
                           "or make one with mediawatch demo")
    if not os.path.isfile(path):
        raise NotAnArchive(f"{path} is not a mediawatch archive (not a file)")
    try:
        if write:
            check_writable_target(path)
        return Archive(path, readonly=not write)
    except sqlite3.OperationalError as exc:  # e.g. a file this user may not read, a full disk
        raise ArchiveError(storage_trouble(exc, path) or f"cannot open the archive {path}: {exc}"
                           ) from None
    except sqlite3.DatabaseError as exc:
        raise NotAnArchive(f"{path} is not a mediawatch archive: {exc}") from None
