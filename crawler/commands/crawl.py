"""`scrapy crawl` with the project's log lines and an exit status that says how the run ended."""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawl

from crawler.pipelines import ARCHIVE_ERROR, RUN_STATUS

# Run statuses after which `scrapy crawl` exits 1 (the run's errors say why).
FAILED = ("failed",)


class Command(ScrapyCrawl):
    """Scrapy's own `crawl` (its log lines one per message, crawler.runner.OneLineLogs),
    exiting 1 when the run failed (nothing answered) or could not write its archive."""

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            super().run(args, opts)  # the usage errors, as Scrapy words them
            return
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        failed = crawler.stats.get_value(RUN_STATUS) in FAILED
        if self.crawler_process.bootstrap_failed or failed or \
                crawler.stats.get_value(ARCHIVE_ERROR):
            self.exitcode = 1
