"""Politeness settings against the real site, lifted only for a replay on this machine."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from scrapy import Spider
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object
from scrapy.utils.test import get_crawler

from crawler.middlewares import AllWaitersRobotsTxtMiddleware, retry_after_seconds
from crawler.runner import crawl_settings, is_loopback


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


def test_delays_are_lifted_only_for_a_local_replay():
    settings = crawl_settings("http://127.0.0.1:8765", "archive.db")
    assert settings.getfloat("DOWNLOAD_DELAY") == 0
    assert not settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings.getbool("ROBOTSTXT_OBEY")
    assert [type(m) for m in robots_middlewares(settings)] == [AllWaitersRobotsTxtMiddleware]
    assert is_loopback("http://localhost:1") and not is_loopback("https://vlast.kz")


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
