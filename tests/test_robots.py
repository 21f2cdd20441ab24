"""robots.txt for every request: the middleware driven directly, with requests waiting for it."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from scrapy import Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, TextResponse
from scrapy.utils.test import get_crawler

from crawler.middlewares import AllWaitersRobotsTxtMiddleware

ROBOTS = b"User-agent: *\nDisallow: /private/\n"


class Site:
    """Stands in for the engine: robots.txt is answered only when the test says so."""

    def __init__(self) -> None:
        self.fetched: list[str] = []
        self.answers: dict[str, asyncio.Future] = {}

    async def download_async(self, request: Request):
        self.fetched.append(request.url)
        return await self.answers.setdefault(request.url, asyncio.get_running_loop().create_future())

    def answer(self, url: str, body: bytes | None) -> None:
        future = self.answers[url]
        if body is None:
            future.set_exception(ConnectionRefusedError("robots.txt unreachable"))
        else:
            future.set_result(TextResponse(url, body=body))


def middleware(site: Site) -> AllWaitersRobotsTxtMiddleware:
    crawler = get_crawler(Spider, {"ROBOTSTXT_OBEY": True})
    crawler.engine = SimpleNamespace(download_async=site.download_async)
    return AllWaitersRobotsTxtMiddleware.from_crawler(crawler)


async def until(condition, what: str) -> None:
    """Let the other tasks run until the condition holds (they need no time, only turns)."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError(f"never happened: {what}")


async def outcomes(mw, urls: list[str]) -> list[str]:
    results = await asyncio.gather(*(mw.process_request(Request(url)) for url in urls),
                                   return_exceptions=True)
    return ["ignored" if isinstance(r, IgnoreRequest) else "allowed" if r is None else repr(r)
            for r in results]


URLS = [f"http://site.test/{part}/{n}" for n in range(6) for part in ("private", "public")]
EXPECTED = ["ignored", "allowed"] * 6


def test_every_request_that_waited_for_robots_txt_obeys_it():
    async def scenario():
        site = Site()
        mw = middleware(site)
        waiting = asyncio.ensure_future(outcomes(mw, URLS))
        await until(lambda: site.fetched, "the robots.txt request")
        await until(lambda: len(site.answers) == 1, "robots.txt to be awaited")
        assert not waiting.done()
        site.answer("http://site.test/robots.txt", ROBOTS)
        return site, await waiting

    site, got = asyncio.run(scenario())
    assert got == EXPECTED
    assert site.fetched == ["http://site.test/robots.txt"]  # once for all of them


def test_requests_after_robots_txt_was_read_obey_it_too():
    async def scenario():
        site = Site()
        mw = middleware(site)
        first = asyncio.ensure_future(outcomes(mw, URLS[:2]))
        await until(lambda: site.answers, "the robots.txt request")
        site.answer("http://site.test/robots.txt", ROBOTS)
        return site, await first, await outcomes(mw, URLS)

    site, first, later = asyncio.run(scenario())
    assert (first, later) == (EXPECTED[:2], EXPECTED)
    assert site.fetched == ["http://site.test/robots.txt"]


def test_each_host_has_its_own_robots_txt():
    async def scenario():
        site = Site()
        mw = middleware(site)
        urls = [*URLS, *(url.replace("site.test", "other.test") for url in URLS)]
        waiting = asyncio.ensure_future(outcomes(mw, urls))
        await until(lambda: len(site.answers) == 2, "both robots.txt requests")
        site.answer("http://other.test/robots.txt", b"User-agent: *\nDisallow: /public/\n")
        site.answer("http://site.test/robots.txt", ROBOTS)
        return await waiting

    got = asyncio.run(scenario())
    assert got == EXPECTED + ["allowed", "ignored"] * 6


@pytest.mark.parametrize("body", [None, b""], ids=["unreachable", "empty"])
def test_no_robots_txt_allows_everything_for_every_waiter(body):
    async def scenario():
        site = Site()
        mw = middleware(site)
        waiting = asyncio.ensure_future(outcomes(mw, URLS))
        await until(lambda: site.answers, "the robots.txt request")
        site.answer("http://site.test/robots.txt", body)
        return await waiting

    assert asyncio.run(scenario()) == ["allowed"] * len(URLS)
