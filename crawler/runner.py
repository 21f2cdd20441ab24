"""Runs a crawl of one or more editions in this process with the project's settings."""

from __future__ import annotations

import logging
import sqlite3
import sys

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.pipelines import ARCHIVE_ERROR, RUN_ID, archive_unwritable

# Scrapy extensions a crawl never runs (their settings turn them off).
UNUSED_EXTENSIONS = ("scrapy.extensions.telnet.TelnetConsole",
                     "scrapy.extensions.remote_control.RemoteControl")


def spider_name(edition: str) -> str:
    """The name of an edition's spider of the default outlet, as SPIDER_MODULES lists it."""
    from outlets import default_outlet

    return f"{default_outlet().name}_{edition}"


class OneLineFormatter(logging.Formatter):
    """Log lines a person can read: an error's exception on the same line, no traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{self.formatTime(record, '%H:%M:%S')} {record.levelname} {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            line += f" ({type(error).__name__}: {error})"
        return line


class OneLineLogs:
    """Extension: once the engine starts, every log handler writes one line per message (also
    under `scrapy crawl`, whose handlers Scrapy sets up itself), so a network error reads as
    one line, not as a traceback."""

    @classmethod
    def from_crawler(cls, crawler) -> OneLineLogs:
        extension = cls()
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        return extension

    def engine_started(self) -> None:
        for handler in logging.getLogger().handlers:
            if not isinstance(handler.formatter, OneLineFormatter):
                handler.setFormatter(OneLineFormatter())


def install_log_handler(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLineFormatter())
    handler.setLevel(level)
    logging.getLogger().handlers[:] = [handler]


class CrawlError(RuntimeError):
    """The crawl could not run: the site was unreachable or the archive unusable."""


def crawl_settings(base_url: str, db: str, overrides: dict | None = None,
                   revisit_steps: list[int] | None = None, outlet=None) -> Settings:
    """Project settings for one crawl: the base URL, the archive and the revisit policy reach
    the spiders and pipelines only here (the spiders lift the delays for a replay on this
    machine, however they are run). The revisit steps given win over the outlet's own policy
    (its definition's `[revisit]`), which wins over the settings'."""
    import settings as project_settings

    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    # The telnet console and the remote control are turned off (settings.py): left out of the
    # extensions too, a crawl does not import them (the remote control brings aiohttp, 0.15 s).
    settings.set("EXTENSIONS_BASE", {name: order for name, order
                                     in settings.getdict("EXTENSIONS_BASE").items()
                                     if name not in UNUSED_EXTENSIONS}, priority="project")
    settings.set("MEDIAWATCH_BASE_URL", base_url.rstrip("/"), priority="cmdline")
    settings.set("MEDIAWATCH_DB", db, priority="cmdline")
    own = outlet.revisit if outlet is not None else None
    if revisit_steps or (own and own.steps):
        settings.set("MEDIAWATCH_REVISIT_STEPS", list(revisit_steps or own.steps),
                     priority="cmdline")
    elif own and own.policy:
        settings.set("MEDIAWATCH_REVISIT_POLICY", own.policy, priority="cmdline")
    settings.update(overrides or {}, priority="cmdline")
    return settings


def run_crawl(
    editions: list[str],
    mode: str = "new",
    base_url: str | None = None,
    db: str = "archive.db",
    since: str | None = None,
    limit: int | None = None,
    everything: bool = False,
    overrides: dict | None = None,
    revisit_steps: list[int] | None = None,
) -> list[dict]:
    """Crawl the given editions (one spider each, one reactor) and return their run records;
    the base URL is by default the default outlet's home page."""
    from outlets import default_outlet

    settings = crawl_settings(base_url or default_outlet().home, db, overrides, revisit_steps,
                              default_outlet())
    return _locked_crawl(db, settings, editions, mode, since, limit, everything)


def run_outlet_crawl(
    outlet,
    editions: list[str],
    mode: str = "new",
    db: str = "archive.db",
    since: str | None = None,
    limit: int | None = None,
    everything: bool = False,
    overrides: dict | None = None,
    revisit_steps: list[int] | None = None,
) -> list[dict]:
    """Crawl editions of an added outlet (its definition given) by the outlet spider, into the
    same archive, and return the run records."""
    settings = crawl_settings(outlet.home, db, overrides, revisit_steps, outlet)
    return _locked_crawl(db, settings, editions, mode, since, limit, everything, outlet)


def _locked_crawl(db: str, settings: Settings, editions, mode, since, limit, everything,
                  outlet=None) -> list[dict]:
    from storage.access import ArchiveError
    from storage.locks import WriterLock

    # Held for the whole crawl, so that no writer through another name of the archive starts
    # between this process's connections (each of them takes it too).
    writer = WriterLock(db)
    try:
        writer.acquire()
        return _run_crawl(editions, mode, settings, since, limit, everything, outlet)
    except ArchiveError as exc:
        raise CrawlError(str(exc)) from None
    except sqlite3.OperationalError as exc:
        reason = archive_unwritable(exc, db)
        if reason is None:
            raise
        raise CrawlError(reason) from None
    finally:
        writer.release()


def _run_crawl(editions, mode, settings: Settings, since, limit, everything,
               outlet=None) -> list[dict]:
    from storage.archive import Archive

    with Archive(settings.get("MEDIAWATCH_DB")) as archive:
        archive.close_unfinished_runs("died")  # runs of crawls whose process is gone
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    process = CrawlerProcess(settings)
    install_log_handler(settings.get("LOG_LEVEL"))
    crawlers = [process.create_crawler("outlet" if outlet else spider_name(edition))
                for edition in editions]
    for crawler, edition in zip(crawlers, editions, strict=True):
        own = {"outlet": outlet, "language": edition} if outlet else {}
        process.crawl(crawler, mode=mode, since=since, limit=limit, everything=everything, **own)
    process.start()
    for crawler in crawlers:
        if reason := crawler.stats.get_value(ARCHIVE_ERROR):
            raise CrawlError(reason)

    run_ids = [crawler.stats.get_value(RUN_ID) for crawler in crawlers]
    with Archive(settings.get("MEDIAWATCH_DB")) as archive:
        runs = [archive.run(run_id) for run_id in run_ids if run_id is not None]
    if runs and all(run["status"] == "failed" for run in runs):
        where = (f"the home in {outlet.name}'s definition (mediawatch outlet show {outlet.name})"
                 if outlet else "the --base-url")
        raise CrawlError(
            f"could not reach {settings.get('MEDIAWATCH_BASE_URL')}: no page answered. Check the "
            f"network connection or {where}; to see mediawatch work offline, run "
            "`mediawatch demo`."
        )
    return runs
