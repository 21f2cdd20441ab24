"""Politeness settings against the real site, lifted only for a replay on this machine."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.settings import Settings
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object
from scrapy.utils.test import get_crawler

import settings as project_settings
from crawler.hostguard import is_loopback
from crawler.middlewares import AllWaitersRobotsTxtMiddleware, retry_after_seconds
from crawler.runner import crawl_settings
from spiders.editions import VlastEnSpider


def robots_middlewares(settings) -> list:
    """The robots.txt middlewares a crawl with these settings runs, built as Scrapy builds them
    (inside an event loop, as a crawl's are, with no reactor of its own)."""
    async def build() -> list:
        crawler = get_crawler(Spider, {**settings.copy_to_dict(), "TWISTED_REACTOR_ENABLED": False})
        found = []
        for path in build_component_list(settings.getwithbase("DOWNLOADER_MIDDLEWARES")):
            cls = load_object(path)
            if issubclass(cls, RobotsTxtMiddleware):
                found.append(cls.from_crawler(crawler))  # NotConfigured unless robots are obeyed
        return found

    return asyncio.run(build())


def test_the_real_site_is_crawled_politely():
    settings = crawl_settings("https://vlast.kz", "archive.db")
    assert settings.getbool("ROBOTSTXT_OBEY")
    assert [type(m) for m in robots_middlewares(settings)] == [AllWaitersRobotsTxtMiddleware]
    assert settings.getfloat("DOWNLOAD_DELAY") >= 1.0
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
    assert settings.getbool("AUTOTHROTTLE_ENABLED")
    assert 0 < settings.getint("DOWNLOAD_TIMEOUT") <= 60
    assert {429, 500, 503} <= set(settings.getlist("RETRY_HTTP_CODES"))
    assert "mediawatch" in settings.get("USER_AGENT") and "contact" in settings.get("USER_AGENT")
    assert settings.get("MEDIAWATCH_BASE_URL") == "https://vlast.kz"


def spider_settings(**given: str):
    """The settings a spider of the project crawls with, the values given as `scrapy crawl -s`
    gives them (on the command line's priority)."""
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    settings.setdict(given, priority="cmdline")
    return Crawler(VlastEnSpider, settings).settings


@pytest.mark.parametrize("how", ["mediawatch crawl", "scrapy crawl"])
def test_delays_are_lifted_only_for_a_local_replay_however_the_crawl_is_run(how):
    def settings_for(base_url: str):
        if how == "scrapy crawl":
            return spider_settings(MEDIAWATCH_BASE_URL=base_url)
        return Crawler(VlastEnSpider, crawl_settings(base_url, "archive.db")).settings

    local = settings_for("http://127.0.0.1:8765")
    assert local.getfloat("DOWNLOAD_DELAY") == 0
    assert not local.getbool("AUTOTHROTTLE_ENABLED")
    assert local.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 16
    assert local.getbool("ROBOTSTXT_OBEY")
    assert [type(m) for m in robots_middlewares(local)] == [AllWaitersRobotsTxtMiddleware]
    real = settings_for("https://vlast.kz")
    assert real.getfloat("DOWNLOAD_DELAY") >= 1.0 and real.getbool("AUTOTHROTTLE_ENABLED")
    assert real.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
    assert is_loopback("http://localhost:1") and not is_loopback("https://vlast.kz")


def test_a_delay_given_on_the_command_line_still_wins():
    assert spider_settings(MEDIAWATCH_BASE_URL="http://127.0.0.1:8765",
                           DOWNLOAD_DELAY="2").getfloat("DOWNLOAD_DELAY") == 2


@pytest.mark.parametrize(("value", "seconds"), [
    (b"7", 7.0), ("120", 120.0), (None, None), (b"", None), (b"soon", None),
])
def test_retry_after_in_seconds(value, seconds):
    assert retry_after_seconds(value) == seconds


def test_retry_after_as_an_http_date():
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= retry_after_seconds(when) <= 30
    past = format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)
    assert retry_after_seconds(past) == 0.0
