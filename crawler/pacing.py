"""Politeness per host across every crawl on this machine: one request at a time, a delay apart.

Each crawl runs in a process of its own, and two outlets may live on one host, so a crawl's own
download delay is not enough: two crawls of one host at once would each ask it once a second.
Every crawl's downloader takes its turn at a host from a small pacing file in the folder of the
lock files (`storage.locks.lock_dir()`), one per host: under flock(2) it reads when the host is
next free; when that time has come it writes the time a delay later and sends its request at
once, else it sleeps until then and asks again. Within a process one request per host is in
flight at a time, and once its turn is taken it goes straight to the network (a download slot
of its own, without Scrapy's delay, which the turns replace).

The delay of a host is the largest of the crawl's DOWNLOAD_DELAY, the outlet's
`politeness.delay` and the host's robots.txt `Crawl-delay`; MEDIAWATCH_HOST_DELAY replaces the
first two. A replay on this machine has its delays lifted (FAST_SETTINGS: DOWNLOAD_DELAY 0), and
then no turn is taken, unless MEDIAWATCH_HOST_DELAY asks for one.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import struct
import time

from scrapy import signals
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.robotstxt import RobotParser
from scrapy.utils.asyncio import sleep
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import DeferredLock

from storage.locks import lock_dir, use_lock_dir

TURN = "mediawatch_host_turn"  # request.meta: the host whose turn the request holds
SLOT_PREFIX = "paced "  # the download slot of paced requests: no delay, one at a time
_NEXT = struct.Struct("<d")

# One request per host in flight at a time in this process, whichever crawler sends it.
_gates: dict[str, DeferredLock] = {}


def pacing_file(host: str) -> str:
    """The pacing file of a host in the folder of the lock files."""
    digest = hashlib.sha256(host.lower().encode()).hexdigest()[:16]
    return str(lock_dir() / f"host-{digest}.pace")


def take_turn(host: str, delay: float, now: float | None = None) -> float:
    """Take the host's turn if it is free now, keeping it from others for `delay` seconds, and
    return 0; else return the seconds until it is free (nothing taken: ask again then)."""
    descriptor = os.open(pacing_file(host), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o666)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        stored = os.pread(descriptor, _NEXT.size, 0)
        free_at = _NEXT.unpack(stored)[0] if len(stored) == _NEXT.size else 0.0
        now = time.time() if now is None else now
        # A time far ahead was written under a clock that was ahead: not waited for.
        if now < free_at <= now + max(delay, 1.0) * 60:
            return free_at - now
        os.pwrite(descriptor, _NEXT.pack(now + delay), 0)
        return 0.0
    finally:
        os.close(descriptor)  # drops the flock


class HostPacing:
    """Downloader middleware: each request to a host waits for the host's turn, shared by every
    crawl on this machine (the module's docstring). Placed last, so that what it lets through
    goes to the network."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        given = settings.get("MEDIAWATCH_HOST_DELAY")
        self.override = float(given) if given not in (None, "") else None
        self.download_delay = settings.getfloat("DOWNLOAD_DELAY")
        self.user_agent = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT")

    @classmethod
    def from_crawler(cls, crawler) -> HostPacing:
        use_lock_dir(crawler.settings.get("MEDIAWATCH_LOCK_DIR"))
        middleware = cls(crawler)
        crawler.signals.connect(middleware.request_left, signal=signals.request_left_downloader)
        return middleware

    def delay(self, request) -> float:
        """Seconds between two requests to the request's host."""
        if self.override is not None:
            base = self.override
        elif self.download_delay <= 0:
            return 0.0  # delays lifted: a replay on this machine
        else:
            outlet = getattr(self.crawler.spider, "outlet", None)
            base = max(self.download_delay, outlet.politeness.delay if outlet else 0.0)
        return max(base, self.crawl_delay(request))

    def crawl_delay(self, request) -> float:
        """The Crawl-delay of the host's robots.txt, once it has been read (0 when none)."""
        engine = self.crawler.engine
        for middleware in engine.downloader.middleware.middlewares if engine else ():
            if isinstance(middleware, RobotsTxtMiddleware):
                parser = middleware._parsers.get(urlparse_cached(request).netloc)
                if isinstance(parser, RobotParser):
                    return parser.crawl_delay(self.user_agent) or 0.0
        return 0.0

    async def process_request(self, request):
        host = urlparse_cached(request).hostname or ""
        delay = self.delay(request)
        if not host or delay <= 0:
            return None
        gate = _gates.setdefault(host, DeferredLock())
        await maybe_deferred_to_future(gate.acquire())
        request.meta[TURN] = host
        # The turn is taken only when it has come, and the request goes out at once: a turn
        # taken ahead and waited for could be missed by a busy process and collide with the next.
        try:
            while (wait := take_turn(host, delay)) > 0:
                await sleep(wait)
        except BaseException:  # the crawl is ending while the request waited: free the host
            self.request_left(request)
            raise
        slot = SLOT_PREFIX + host
        self.crawler.engine.downloader.per_slot_settings.setdefault(
            slot, {"concurrency": 1, "delay": 0, "jitter": 0})
        request.meta["download_slot"] = slot
        request.meta["autothrottle_dont_adjust_delay"] = True
        return None

    def request_left(self, request, spider=None) -> None:
        """The request's answer (or error) came: the next request to its host may take a turn."""
        host = request.meta.pop(TURN, None)
        if host is not None:
            _gates[host].release()
