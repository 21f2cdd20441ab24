"""Downloader middlewares: retries with backoff that honour Retry-After; robots.txt for all."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred


def retry_after_seconds(value: bytes | str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), if any."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """Retries 429/5xx and network errors, waiting Retry-After or an exponential backoff first."""

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("MEDIAWATCH_RETRY_BACKOFF", 1.0)
        self.max_wait = settings.getfloat("MEDIAWATCH_RETRY_MAX_WAIT", 120.0)

    def wait_for(self, request, response=None) -> float:
        attempt = request.meta.get("retry_times", 0)
        header = response.headers.get("Retry-After") if response is not None else None
        delay = retry_after_seconds(header)
        if delay is None:
            delay = self.backoff_base * (2**attempt)
        return min(delay, self.max_wait)

    async def process_response(self, request, response):
        if (
            response.status in self.retry_http_codes
            and not request.meta.get("dont_retry", False)
            and request.meta.get("retry_times", 0) < self.max_retry_times
        ):
            await asyncio.sleep(self.wait_for(request, response))
        return super().process_response(request, response)

    async def process_exception(self, request, exception):
        if isinstance(exception, self.exceptions_to_retry) and not request.meta.get("dont_retry"):
            if request.meta.get("retry_times", 0) < self.max_retry_times:
                await asyncio.sleep(self.wait_for(request))
        return super().process_exception(request, exception)


class AllWaitersRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, with the parser given to every request that waited for it.

    Scrapy 2.19 hands the parser to the first request waiting for robots.txt and None, which
    means "allowed", to the others (awaiting a Deferred passes None down its chain), so the
    start requests sent while robots.txt was being fetched ignored it.
    """

    async def robot_parser(self, request):
        parser = await super().robot_parser(request)
        settled = self._parsers.get(urlparse_cached(request).netloc)
        return parser if isinstance(settled, Deferred) else settled
