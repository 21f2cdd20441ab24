"""Item pipelines: extract each fetched page, then write it to the archive."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import Counter

from scrapy import signals
from scrapy.utils.defer import deferred_from_coro

from crawler.budget import ExtractionWorker
from crawler.canonical import edition_ids
from crawler.coverage import Coverage, fallen_fields
from crawler.decoding import OverBudget, TruncatedPage
from crawler.extract import EXTRACTOR_VERSION, ExtractionError, doubtful_reading
from crawler.items import FetchedPage

logger = logging.getLogger(__name__)

# Crawler stats key under which a run that could not write its archive leaves the reason.
ARCHIVE_ERROR = "mediawatch/archive_error"
# Crawler stats keys under which the pipeline reports the id of the run it recorded, and how
# the run ended.
RUN_ID = "mediawatch/run_id"
RUN_STATUS = "mediawatch/run_status"
# At most this many errors of fetches outside the articles (home page, listings, feed, sitemap)
# are kept with a run.
DISCOVERY_ERRORS_KEPT = 20
# This many pages of one run that lost their text (extraction failed, or a body far shorter
# than before) suggest the outlet's layout changed: the run says so.
DRIFT_WARNING_AT = 3
# Articles named in the line that says a run could no longer read some (all are in its errors).
UNREADABLE_NAMED = 10
# Outcomes of an article fetch that are not a failure.
READ_OUTCOMES = ("new", "version", "unchanged", "restored", "removed", "still_gone")
# SQLite result codes (primary, extended ones start with them) that mean the archive cannot be
# written, with what to do.
UNWRITABLE = {
    "SQLITE_FULL": "the archive's disk is full ({}): free some space, then crawl again",
    "SQLITE_READONLY": "cannot write to the archive ({}): check the file and its directory are writable",
    "SQLITE_IOERR": "cannot write to the archive ({}): check the file and its directory are writable",
    "SQLITE_CANTOPEN": "cannot write to the archive ({}): check the file and its directory are writable",
}


def archive_unwritable(error: sqlite3.Error, path: str | None = None) -> str | None:
    """A one-line reason when a database error means the archive cannot be written, else None.

    An I/O error with the archive's disk (almost) full is the full disk SQLite did not name.
    """
    from storage.access import disk_full

    name = getattr(error, "sqlite_errorname", None) or ""
    if name.startswith("SQLITE_IOERR") and path and disk_full(path):
        name = "SQLITE_FULL"
    for code, reason in UNWRITABLE.items():
        if name == code or name.startswith(code + "_"):
            return reason.format(error)
    return None


class ExtractPipeline:
    """Turns a fetched page into an ArticleRecord, in a worker process within the page's time
    budget (MEDIAWATCH_EXTRACT_SECONDS), while the crawl goes on; an unusable page or one over
    its budget becomes a failure, a page the parser could not read to its end a suspect
    reading."""

    def __init__(self, seconds: float) -> None:
        self.worker = ExtractionWorker(seconds)
        self.turn = asyncio.Lock()  # one page at a time in the worker

    @classmethod
    def from_crawler(cls, crawler) -> ExtractPipeline:
        return cls(crawler.settings.getfloat("MEDIAWATCH_EXTRACT_SECONDS"))

    async def process_item(self, item: FetchedPage) -> FetchedPage:
        if item.kind != "page":
            return item
        try:
            async with self.turn:
                item.record = await asyncio.to_thread(self.worker.extract, item.body, item.url,
                                                      item.fetched_at)
        except TruncatedPage as exc:
            item.kind = "suspect"
            item.error = f"suspect reading, not archived: {exc}"
        except OverBudget as exc:
            item.kind = "failure"
            item.error = f"over budget, not read: {exc}"
        except ExtractionError as exc:
            item.kind = "failure"
            item.error = f"extraction failed: {exc}"
        return item

    def close_spider(self) -> None:
        self.worker.close()


class ArchivePipeline:
    """Records every fetch of a crawl run in the archive, and the run itself."""

    def __init__(self, db_path: str, base_url: str, revisit_steps: list[int] | None) -> None:
        self.db_path = db_path
        self.base_url = base_url
        self.revisit_steps = revisit_steps
        self.archive = None
        self.run_id: int | None = None
        self.counts: Counter[str] = Counter()
        self.errors: list[dict] = []
        self.unreadable: list[int] = []  # archived articles this run could no longer read
        self.coverage = Coverage()

    @classmethod
    def from_crawler(cls, crawler) -> ArchivePipeline:
        from storage.locks import use_lock_dir

        settings = crawler.settings
        use_lock_dir(settings.get("MEDIAWATCH_LOCK_DIR"))
        steps = [int(step) for step in settings.getlist("MEDIAWATCH_REVISIT_STEPS")] or None
        if steps is None and settings.get("MEDIAWATCH_REVISIT_POLICY") == "steps":
            from storage.archive import REVISIT_STEPS

            steps = list(REVISIT_STEPS)
        pipeline = cls(settings.get("MEDIAWATCH_DB"), settings.get("MEDIAWATCH_BASE_URL").rstrip("/"),
                       steps)
        pipeline.crawler = crawler
        crawler.signals.connect(pipeline.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def run_outlet(self) -> str | None:
        """The outlet the run records: None for the default outlet."""
        return None

    def open_spider(self) -> None:
        from storage.access import ArchiveError
        from storage.archive import Archive

        spider = self.crawler.spider
        try:
            self.archive = Archive(self.db_path, revisit_steps=self.revisit_steps)
            self.run_id = self.archive.start_run(spider.mode, [spider.language], self.base_url,
                                                 spider.clock, self.run_outlet())
            self.crawler.stats.set_value(RUN_ID, self.run_id)
        except sqlite3.OperationalError as exc:
            self._stop_unwritable(exc, close=False)  # the engine closes it once it is open
        except ArchiveError as exc:  # e.g. written through another name of the same file
            self.crawler.stats.set_value(ARCHIVE_ERROR, str(exc))
            logger.error("%s; ending the crawl", exc)

    def spider_opened(self, spider) -> None:
        if self.crawler.stats.get_value(ARCHIVE_ERROR):
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="archive_error"))

    def process_item(self, item: FetchedPage) -> FetchedPage:
        if self.crawler.stats.get_value(ARCHIVE_ERROR):
            return item  # the crawl is ending: nothing more can be archived
        if item.kind != "signal":
            self.counts["fetched"] += 1
        handler = getattr(self, f"_record_{item.kind}")
        try:
            handler(item)
        except sqlite3.OperationalError as exc:
            self._stop_unwritable(exc)
        return item

    def _stop_unwritable(self, error: sqlite3.OperationalError, close: bool = True) -> None:
        """An archive that cannot be written ends the crawl, with one line saying why."""
        reason = archive_unwritable(error, self.db_path)
        if reason is None:
            raise error
        if not self.crawler.stats.get_value(ARCHIVE_ERROR):
            self.crawler.stats.set_value(ARCHIVE_ERROR, reason)
            logger.error("%s; ending the crawl", reason)
            if close:
                deferred_from_coro(self.crawler.engine.close_spider_async(reason="archive_error"))

    def _record_page(self, item: FetchedPage) -> None:
        outcome = self.archive.record_page(
            self.run_id, item.url, item.status, item.headers, item.body, item.record,
            item.fetched_at, edition_ids(item.record.translations), extractor=EXTRACTOR_VERSION,
            keep_validators=not doubtful_reading(item.record))
        self.counts[outcome.kind] += 1
        if outcome.kind != "suspect":
            self.coverage.add(item.record)
        if outcome.kind == "suspect":
            self.counts["failed"] += 1
            self.unreadable.append(outcome.article_id)
            self.errors.append({"url": item.url, "status": item.status, "error": outcome.error,
                                "article_id": outcome.article_id})
            logger.warning("suspect %s: %s", item.url, outcome.error)

    def _record_suspect(self, item: FetchedPage) -> None:
        self.archive.record_failure(self.run_id, item.url, item.status, item.error,
                                    item.fetched_at, item.article_id, outcome="suspect")
        self.counts["truncated"] += 1  # not layout drift: not in the drift warning's count
        self.counts["failed"] += 1
        self.errors.append({"url": item.url, "status": item.status, "error": item.error})
        logger.warning("suspect %s: %s", item.url, item.error)

    def _record_signal(self, item: FetchedPage) -> None:
        if self.archive.mark_due(item.article_id, item.fetched_at, item.error):
            self.counts["signals"] += 1

    def _record_not_modified(self, item: FetchedPage) -> None:
        outcome = self.archive.record_not_modified(self.run_id, item.article_id, item.url,
                                                   item.fetched_at)
        self.counts["restored" if outcome == "restored" else "unchanged"] += 1

    def _record_gone(self, item: FetchedPage) -> None:
        removed = self.archive.record_gone(self.run_id, item.article_id, item.url, item.status,
                                           item.location, item.fetched_at)
        self.counts["removed" if removed else "still_gone"] += 1

    def _record_failure(self, item: FetchedPage) -> None:
        self.archive.record_failure(self.run_id, item.url, item.status, item.error,
                                    item.fetched_at, item.article_id)
        self.counts["failed"] += 1
        error = {"url": item.url, "status": item.status, "error": item.error}
        if (item.error or "").startswith("extraction failed"):
            self.counts["extraction_failed"] += 1
            if item.article_id and self.archive.resolve(item.article_id) is not None:
                self.unreadable.append(item.article_id)
                error["article_id"] = item.article_id
        elif (item.error or "").startswith("over budget"):
            self.counts["over_budget"] += 1
        self.errors.append(error)
        logger.warning("failed %s: %s", item.url, item.error)

    def drift_warning(self) -> str | None:
        """A warning when several pages of this run lost their text: the layout may have changed."""
        lost = self.counts["suspect"] + self.counts["extraction_failed"]
        if lost < DRIFT_WARNING_AT:
            return None
        return (f"{lost} pages of this run lost their text ({self.counts['suspect']} far shorter "
                f"than before, {self.counts['extraction_failed']} with none): the outlet's layout "
                "may have changed; none of them was archived as a version")

    def degradations(self, coverage: dict) -> list[str]:
        """Why this run is not ok though it finished: every page lost, archived articles it
        could no longer read (they keep their last version, their errors name them), or a
        field's share far below the recent ok runs of its edition."""
        if self.counts["failed"] and not any(self.counts[kind] for kind in READ_OUTCOMES):
            return [f"every article page of this run failed or was suspect "
                    f"({self.counts['failed']})"]
        lines = []
        if self.unreadable:
            shown = ", ".join(str(i) for i in sorted(self.unreadable)[:UNREADABLE_NAMED])
            more = len(self.unreadable) - UNREADABLE_NAMED
            lines.append(f"{len(self.unreadable)} archived article"
                         f"{'s' if len(self.unreadable) != 1 else ''} could no longer be read "
                         f"and keep their last version: {shown}"
                         + (f" and {more} more" if more > 0 else ""))
        history = [run for run in self.archive.runs(limit=50)
                   if run["id"] != self.run_id and run.get("status") == "ok"]
        return lines + fallen_fields(coverage, history)

    def spider_closed(self, spider, reason: str) -> None:
        """Finish the run record once the engine says why the crawl ended."""
        if self.archive is None:
            return
        if self.crawler.stats.get_value(ARCHIVE_ERROR):
            self._close_quietly()
            return
        warning = self.drift_warning()
        if warning:
            logger.warning(warning)
            self.errors.append({"url": self.base_url, "status": None, "error": warning})
        stats = self.crawler.stats.get_stats()
        self.counts["requests"] = stats.get("downloader/request_count", 0)
        self.counts["responses"] = stats.get("downloader/response_count", 0)
        self.counts["download_errors"] = stats.get("downloader/exception_count", 0)
        unreachable = self.counts["responses"] == 0 and self.counts["download_errors"] > 0
        if unreachable:
            status = "failed"
        else:
            status = {"finished": "ok", "shutdown": "stopped"}.get(reason, "failed")
        discovery = getattr(spider, "discovery_errors", [])
        if unreachable and discovery:
            self.errors.insert(0, {"url": self.base_url, "status": None,
                                   "error": f"no page answered: {discovery[0]['error']}"})
        self.errors += discovery[:DISCOVERY_ERRORS_KEPT]
        stats: dict = dict(self.counts)
        stats["coverage"] = self.coverage.as_dict()
        try:
            # edits of one edition the others have not carried in time, as of this crawl
            stats["edits_not_carried"] = self.archive.sweep_edits(spider.now(), self.run_id)
            degraded = self.degradations(stats["coverage"])
            if status == "ok" and degraded:
                status = "degraded"
                stats["degraded"] = degraded
                for line in degraded:
                    logger.warning("degraded run: %s", line)
                    self.errors.append({"url": self.base_url, "status": None,
                                        "error": f"degraded: {line}"})
            self.archive.finish_run(self.run_id, status, stats, self.errors)
            self.crawler.stats.set_value(RUN_STATUS, status)
        except sqlite3.OperationalError as exc:
            self._stop_unwritable(exc, close=False)
        self._close_quietly()

    def _close_quietly(self) -> None:
        try:
            self.archive.close()
        except sqlite3.Error:
            pass
