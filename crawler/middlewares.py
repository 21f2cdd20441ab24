"""Downloader middlewares: retries with backoff that honour Retry-After."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares.retry import RetryMiddleware


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
