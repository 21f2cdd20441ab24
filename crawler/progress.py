"""Scrapy extension: a progress line every few seconds while a crawl runs, and one when it ends."""

from __future__ import annotations

import sys
import time
from collections import Counter

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

# FetchedPage kinds, as the progress line names them.
LABELS = (("page", "pages"), ("not_modified", "not modified"), ("gone", "gone"),
          ("failure", "failed"))


class CrawlProgress:
    """Writes requests, article pages by outcome and the rate to stderr every
    MEDIAWATCH_PROGRESS_INTERVAL seconds (0 turns it off), whatever the log level."""

    def __init__(self, crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.counts: Counter[str] = Counter()
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler) -> CrawlProgress:
        interval = crawler.settings.getfloat("MEDIAWATCH_PROGRESS_INTERVAL", 5.0)
        if interval <= 0:
            raise NotConfigured
        extension = cls(crawler, interval)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider) -> None:
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.report, spider)
        self.loop.start(self.interval, now=False)

    def item_scraped(self, item, spider) -> None:
        self.counts[getattr(item, "kind", "page")] += 1

    def spider_closed(self, spider, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.report(spider, final=reason)

    def line(self, name: str, final: str | None = None) -> str:
        """`progress <outlet>_ru new: 12 s, 140 requests, 120 pages, 2 gone, 0 failed (10.0 articles/s)`."""
        seconds = time.monotonic() - self.started
        requests = self.crawler.stats.get_value("downloader/request_count", 0)
        articles = sum(self.counts.values())
        found = ", ".join(f"{self.counts[kind]} {label}" for kind, label in LABELS)
        rate = articles / seconds if seconds > 0 else 0.0
        state = f" {final}" if final else ""
        return (f"progress {name}{state}: {seconds:.0f} s, {requests} requests, {found} "
                f"({rate:.1f} articles/s)")

    def report(self, spider, final: str | None = None) -> None:
        mode = getattr(spider, "mode", "")
        print(self.line(f"{spider.name} {mode}".strip(), final), file=sys.stderr, flush=True)
