"""Runs a crawl of one or more editions in this process with the project's settings."""

from __future__ import annotations

import ipaddress
import logging
import sqlite3
import sys
from urllib.parse import urlparse

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.pipelines import ARCHIVE_ERROR, archive_unwritable
from spiders.vlast_en import VlastEnSpider
from spiders.vlast_kk import VlastKkSpider
from spiders.vlast_ru import VlastRuSpider

SPIDERS = {"ru": VlastRuSpider, "kk": VlastKkSpider, "en": VlastEnSpider}
EDITIONS = tuple(SPIDERS)


class OneLineFormatter(logging.Formatter):
    """Log lines a person can read: an error's exception on the same line, no traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{self.formatTime(record, '%H:%M:%S')} {record.levelname} {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            line += f" ({type(error).__name__}: {error})"
        return line


def install_log_handler(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLineFormatter())
    handler.setLevel(level)
    logging.getLogger().handlers[:] = [handler]


class CrawlError(RuntimeError):
    """The crawl could not run: the site was unreachable or the archive unusable."""


def is_loopback(url: str) -> bool:
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def crawl_settings(base_url: str, db: str, overrides: dict | None = None) -> Settings:
    """Project settings for one crawl; delays are lifted only for a replay on this machine."""
    import settings as project_settings

    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    settings.set("MEDIAWATCH_BASE_URL", base_url.rstrip("/"), priority="cmdline")
    settings.set("MEDIAWATCH_DB", db, priority="cmdline")
    if is_loopback(base_url):
        settings.update(project_settings.FAST_SETTINGS, priority="cmdline")
    settings.update(overrides or {}, priority="cmdline")
    return settings


def run_crawl(
    editions: list[str],
    mode: str = "new",
    base_url: str = "https://vlast.kz",
    db: str = "archive.db",
    since: str | None = None,
    limit: int | None = None,
    everything: bool = False,
    overrides: dict | None = None,
) -> list[dict]:
    """Crawl the given editions (one spider each, one reactor) and return their run records."""
    try:
        return _run_crawl(editions, mode, base_url, db, since, limit, everything, overrides)
    except sqlite3.OperationalError as exc:
        reason = archive_unwritable(exc)
        if reason is None:
            raise
        raise CrawlError(reason) from None


def _run_crawl(editions, mode, base_url, db, since, limit, everything, overrides) -> list[dict]:
    from storage.archive import Archive

    archive = Archive(db)
    archive.close_unfinished_runs("died")  # runs of crawls whose process is gone
    before = {run["id"] for run in archive.runs(limit=1000)}
    archive.close()

    settings = crawl_settings(base_url, db, overrides)
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    process = CrawlerProcess(settings)
    install_log_handler(settings.get("LOG_LEVEL"))
    crawlers = [process.create_crawler(SPIDERS[edition]) for edition in editions]
    for crawler in crawlers:
        process.crawl(crawler, mode=mode, since=since, limit=limit, base_url=base_url, db=db,
                      everything=everything)
    process.start()
    for crawler in crawlers:
        if reason := crawler.stats.get_value(ARCHIVE_ERROR):
            raise CrawlError(reason)

    archive = Archive(db)
    runs = [run for run in archive.runs(limit=len(editions) + 10) if run["id"] not in before]
    archive.close()
    if runs and all(run["status"] == "failed" for run in runs):
        raise CrawlError(
            f"could not reach {base_url}: no page answered. Check the network connection or the "
            "--base-url; to see mediawatch work offline, run `mediawatch demo`."
        )
    return sorted(runs, key=lambda run: run["id"])
