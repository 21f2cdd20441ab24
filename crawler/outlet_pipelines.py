"""Item pipelines of an added outlet's crawl: pages read by the generic path with the outlet's
URL rules, and archived under the archive's number for each of the outlet's article keys."""

from __future__ import annotations

from crawler.budget import ExtractionWorker
from crawler.extract import EXTRACTOR_VERSION, doubtful_reading
from crawler.items import FetchedPage
from crawler.outlet_pages import article_key
from crawler.pipelines import ArchivePipeline, ExtractPipeline, logger
from storage.records import ArticleRecord


class _OutletWorker(ExtractionWorker):
    """The extraction worker, reading the pages of the crawl's outlet."""

    def __init__(self, seconds: float, outlet) -> None:
        super().__init__(seconds)
        self.outlet = outlet  # the outlet's definition, asked when the first page comes

    def extract(self, body: bytes, url: str, fetched_at: str | None = None,
                outlet=None) -> ArticleRecord:
        return super().extract(body, url, fetched_at, outlet or self.outlet())


class OutletExtractPipeline(ExtractPipeline):
    """Turns a fetched page of the outlet into an ArticleRecord, within the page's time budget;
    an unusable page is a failure."""

    def __init__(self, seconds: float, crawler) -> None:
        super().__init__(seconds)
        self.worker = _OutletWorker(seconds, lambda: crawler.spider.outlet)

    @classmethod
    def from_crawler(cls, crawler) -> OutletExtractPipeline:
        return cls(crawler.settings.getfloat("MEDIAWATCH_EXTRACT_SECONDS"), crawler)


class OutletArchivePipeline(ArchivePipeline):
    """Records the outlet's fetches: each article under the archive's number for its key (its
    own id, or its canonical URL), marked as the outlet's."""

    @property
    def outlet(self):
        return self.crawler.spider.outlet

    def run_outlet(self) -> str | None:
        return self.outlet.name

    def _known(self, url: str) -> int | None:
        from storage.outlets import known_id

        key = article_key(self.outlet, url)
        return known_id(self.archive.db, self.outlet.name, key) if key else None

    def _record_page(self, item: FetchedPage) -> None:
        from storage.db import write_transaction
        from storage.outlets import archive_id, mark_outlet

        record, name = item.record, self.outlet.name
        key = str(record.article_id) if self.outlet.articles.key == "id" else record.url
        with write_transaction(self.archive.db):
            record.article_id = archive_id(self.archive.db, name, key, item.fetched_at)
            others = [archive_id(self.archive.db, name, other, item.fetched_at)
                      for url in record.translations if (other := article_key(self.outlet, url))]
        outcome = self.archive.record_page(
            self.run_id, item.url, item.status, item.headers, item.body, record,
            item.fetched_at, others, extractor=EXTRACTOR_VERSION,
            keep_validators=not doubtful_reading(record))
        self.counts[outcome.kind] += 1
        if outcome.kind == "suspect":
            self.counts["failed"] += 1
            self.errors.append({"url": item.url, "status": item.status, "error": outcome.error})
            logger.warning("suspect %s: %s", item.url, outcome.error)
            return
        with write_transaction(self.archive.db):
            mark_outlet(self.archive.db, record.article_id, name)
        self.coverage.add(record)

    def _record_signal(self, item: FetchedPage) -> None:
        return None  # the outlet's spider gives none

    def _record_not_modified(self, item: FetchedPage) -> None:
        item.article_id = self._known(item.url)
        if item.article_id is not None:
            super()._record_not_modified(item)

    def _record_gone(self, item: FetchedPage) -> None:
        item.article_id = self._known(item.url)
        super()._record_gone(item)

    def _record_failure(self, item: FetchedPage) -> None:
        item.article_id = self._known(item.url)
        super()._record_failure(item)
