"""Item pipelines: extract each fetched page, then write it to the archive."""

from __future__ import annotations

import logging
from collections import Counter

from scrapy import signals

from crawler.extract import ExtractionError, extract
from crawler.items import FetchedPage

logger = logging.getLogger(__name__)


class ExtractPipeline:
    """Turns a fetched page into an ArticleRecord; an unusable page becomes a failure."""

    def process_item(self, item: FetchedPage) -> FetchedPage:
        if item.kind != "page":
            return item
        try:
            item.record = extract(item.body, item.url, item.fetched_at)
        except ExtractionError as exc:
            item.kind = "failure"
            item.error = f"extraction failed: {exc}"
        return item


class ArchivePipeline:
    """Records every fetch of a crawl run in the archive, and the run itself."""

    def __init__(self, db_path: str, base_url: str) -> None:
        self.db_path = db_path
        self.base_url = base_url
        self.archive = None
        self.run_id: int | None = None
        self.counts: Counter[str] = Counter()
        self.errors: list[dict] = []

    @classmethod
    def from_crawler(cls, crawler) -> ArchivePipeline:
        pipeline = cls(crawler.settings.get("MEDIAWATCH_DB"),
                       crawler.settings.get("MEDIAWATCH_BASE_URL"))
        pipeline.crawler = crawler
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        from storage.archive import Archive

        spider = self.crawler.spider
        self.archive = Archive(spider.db_path)
        self.run_id = self.archive.start_run(spider.mode, [spider.language], spider.base_url)

    def process_item(self, item: FetchedPage) -> FetchedPage:
        self.counts["fetched"] += 1
        handler = getattr(self, f"_record_{item.kind}")
        handler(item)
        return item

    def _record_page(self, item: FetchedPage) -> None:
        outcome = self.archive.record_page(self.run_id, item.url, item.status, item.headers,
                                           item.body, item.record, item.fetched_at)
        self.counts[outcome.kind] += 1

    def _record_not_modified(self, item: FetchedPage) -> None:
        self.archive.record_not_modified(self.run_id, item.article_id, item.url, item.fetched_at)
        self.counts["unchanged"] += 1

    def _record_gone(self, item: FetchedPage) -> None:
        removed = self.archive.record_gone(self.run_id, item.article_id, item.url, item.status,
                                           item.location, item.fetched_at)
        self.counts["removed" if removed else "still_gone"] += 1

    def _record_failure(self, item: FetchedPage) -> None:
        self.archive.record_failure(self.run_id, item.url, item.status, item.error,
                                    item.fetched_at)
        self.counts["failed"] += 1
        self.errors.append({"url": item.url, "status": item.status, "error": item.error})
        logger.warning("failed %s: %s", item.url, item.error)

    def spider_closed(self, spider, reason: str) -> None:
        """Finish the run record once the engine says why the crawl ended."""
        if self.archive is None:
            return
        stats = self.crawler.stats.get_stats()
        self.counts["requests"] = stats.get("downloader/request_count", 0)
        self.counts["responses"] = stats.get("downloader/response_count", 0)
        self.counts["download_errors"] = stats.get("downloader/exception_count", 0)
        unreachable = self.counts["responses"] == 0 and self.counts["download_errors"] > 0
        if unreachable:
            status = "failed"
        else:
            status = {"finished": "ok", "shutdown": "stopped"}.get(reason, "failed")
        self.archive.finish_run(self.run_id, status, dict(self.counts), self.errors)
        self.archive.close()
