"""The shared spider: finds an edition's articles in feed, sitemap and listings, and fetches them.

What it knows of the outlet (feeds, sitemaps, listing pages, sections, article URLs) it reads
from the outlet's definition (outlets/)."""

from __future__ import annotations

import re
import zlib
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from urllib.parse import urljoin, urlparse

import scrapy
from scrapy.http import Response, TextResponse, XmlResponse
from twisted.python.failure import Failure

from crawler.canonical import (
    article_id_from_url,
    canonical_url,
    edition_of,
    is_article_url,
    same_site,
)
from crawler.hostguard import OFF_OUTLET_LOCATION, REDIRECT_STATUSES, is_loopback
from crawler.items import FetchedPage
from outlets import Outlet, default_outlet
from outlets.layouts import listing
from storage.clock import parse_stamp, utc_iso

MODES = ("new", "backfill", "revisit")
GONE_STATUSES = (404, 410)
_MONTH_IN_SITEMAP = re.compile(r"(\d{4})-(\d{2})")


def same_headline(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


GZIP_MAGIC = b"\x1f\x8b"


def unpacked(body: bytes, limit: int) -> bytes | None:
    """A gzip file's content, None when it is broken or unpacks past `limit` bytes (a gzip bomb
    stops there, never held whole)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, limit + 1)
    except zlib.error:
        return None
    return None if len(data) > limit else data


class EditionSpider(scrapy.Spider):
    """Base spider for one edition of an outlet; subclasses set name, outlet and language (the
    listing sections are the edition's, from the outlet's definition).

    Modes: ``new`` reads the feed and the first listing pages and stops paginating once a page
    holds nothing unarchived; ``backfill`` walks the sitemap and the listings back to ``since``
    (or to the beginning: the sweep for anything missed); ``revisit`` re-fetches the archived
    articles that are due (or all of them with ``everything``), with conditional requests.

    Listings, the feed and, in ``new`` mode, the sitemaps changed since the last such crawl are
    also cheap signals: an archived article whose headline there differs from the archived one,
    or whose sitemap lastmod is later than its last visit, is made due at once.
    """

    outlet: Outlet = default_outlet()
    language: str = ""
    custom_settings = {
        "ITEM_PIPELINES": {
            "crawler.pipelines.ExtractPipeline": 100,
            "crawler.pipelines.ArchivePipeline": 200,
        },
    }

    def __init__(
        self,
        mode: str = "new",
        since: str | None = None,
        limit: int | str | None = None,
        everything: bool | str = False,
        *args,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
        self.mode = mode
        self.since = since
        self.limit = int(limit) if limit not in (None, "") else None
        self.everything = everything in (True, "1", "true", "yes")
        self.scheduled_ids: set[int] = set()
        self.known_ids: set[int] = set()
        self.signal_facts: dict[int, tuple[str, str]] = {}
        self.signaled: set[int] = set()
        self.sitemaps_since: datetime | None = None
        self.clock: str | None = None
        self.discovery_errors: list[dict] = []

    @classmethod
    def update_settings(cls, settings) -> None:
        """The spider's own settings, and, for a replay on this machine (a loopback base URL),
        no politeness delays: the same under `mediawatch crawl` and `scrapy crawl`. Settings
        given on the command line (`-s`) still win."""
        super().update_settings(settings)
        if is_loopback(settings.get("MEDIAWATCH_BASE_URL") or ""):
            settings.update(settings.getdict("FAST_SETTINGS"), priority="spider")

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.base_url = settings.get("MEDIAWATCH_BASE_URL").rstrip("/")
        spider.db_path = settings.get("MEDIAWATCH_DB")
        spider.allowed_domains = [urlparse(spider.base_url).hostname]
        spider.clock = settings.get("MEDIAWATCH_CLOCK") or None
        return spider

    @property
    def sections(self) -> tuple[str, ...]:
        """The listing sections of the edition."""
        return self.outlet.edition(self.language).sections

    def now(self) -> str:
        """The time of this crawl: MEDIAWATCH_CLOCK when a simulation sets it, else now."""
        return self.clock or utc_iso()

    # -- discovery -------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return urljoin(self.base_url + "/", path.lstrip("/"))

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.load_known()
        if self.mode == "revisit":
            for request in self.revisit_requests():
                yield request
            return
        yield scrapy.Request(self.url("/"), callback=self.parse_home, errback=self.on_error)
        if self.mode == "backfill" or self.sitemaps_since:
            for sitemap in self.outlet.discovery.sitemaps:
                yield scrapy.Request(self.url(sitemap), callback=self.parse_sitemap,
                                     errback=self.on_error)
        if self.outlet.discovery.listing:
            for section in self.sections:
                yield self.listing_request(section, 1)

    def load_known(self) -> None:
        from storage.archive import Archive

        archive = Archive(self.db_path)
        try:
            self.known_ids = archive.known_ids(self.language)
            self.signal_facts = archive.signal_facts(self.language)
            if self.mode == "new":
                self.sitemaps_since = parse_stamp(archive.last_run_start("new", self.language))
        finally:
            archive.close()

    def due_revisits(self, outlet: str | None = None) -> list[tuple[int, str, dict | None]]:
        """(id, url, conditional-request headers) of this edition's articles whose revisit is
        due (all of them with `everything`), of `outlet` (by default the default outlet)."""
        from storage.archive import Archive

        archive = Archive(self.db_path)
        try:
            when = (datetime.max.replace(tzinfo=UTC) if self.everything
                    else parse_stamp(self.now()))
            due = archive.due_for_revisit(when, self.language, self.limit, outlet=outlet)
            return [(article_id, url, archive.validators(article_id)) for article_id, url in due]
        finally:
            archive.close()

    def revisit_requests(self) -> Iterator[scrapy.Request]:
        for article_id, url, headers in self.due_revisits():
            self.scheduled_ids.add(article_id)
            yield self.article_request(self.on_site(url), headers=headers)

    def on_site(self, url: str) -> str:
        """Point an archived URL at the configured base URL (the archive may hold another)."""
        parsed = urlparse(url)
        return self.url(parsed.path + (f"?{parsed.query}" if parsed.query else ""))

    def listing_request(self, section: str, page: int) -> scrapy.Request:
        discovery = self.outlet.discovery
        template = discovery.listing if page == 1 else (discovery.listing_page or discovery.listing)
        path = template.format(section=section, page=page)
        return scrapy.Request(self.url(path), callback=self.parse_listing, errback=self.on_error,
                              cb_kwargs={"section": section, "page": page})

    def parse_home(self, response: Response) -> Iterator[scrapy.Request]:
        named = response.css('link[rel="alternate"][type*="rss"]::attr(href), '
                             'link[rel="alternate"][type*="atom"]::attr(href)').getall()
        feeds = [response.urljoin(href.strip()) for href in named] or [
            self.url(path) for path in self.outlet.discovery.feeds]
        for feed in dict.fromkeys(feeds):
            if same_site(feed, self.base_url):
                yield scrapy.Request(feed, callback=self.parse_feed, errback=self.on_error)
        yield from self.follow_articles(response, response.css("a::attr(href)").getall())

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        if not isinstance(response, TextResponse):
            return
        selector = scrapy.Selector(response, type="xml")
        selector.remove_namespaces()
        links = selector.xpath("//item/link/text() | //entry/link/@href").getall()
        headlines = [(item.xpath("link/text()").get() or "", item.xpath("title/text()").get())
                     for item in selector.xpath("//item")]
        yield from self.headline_signals(response, headlines, "feed")
        yield from self.follow_articles(response, links)  # AMP links lead to the article itself

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        if response.body[:2] == GZIP_MAGIC:  # a sitemap.xml.gz served as a file
            limit = self.crawler.settings.getint("DOWNLOAD_MAXSIZE")
            xml = unpacked(response.body, limit)
            if xml is None:
                self.logger.warning("sitemap %s not read: it does not unpack to XML within %d "
                                    "bytes", response.url, limit)
                return
            response = XmlResponse(url=response.url, body=xml)
        if not isinstance(response, TextResponse):
            return
        selector = scrapy.Selector(response, type="xml")
        selector.remove_namespaces()
        for node in selector.xpath("//sitemap"):
            loc = (node.xpath("loc/text()").get() or "").strip()
            lastmod = node.xpath("lastmod/text()").get() or ""
            if loc and same_site(response.urljoin(loc), self.base_url) and self.wanted_sitemap(
                lastmod, loc
            ):
                yield scrapy.Request(response.urljoin(loc), callback=self.parse_sitemap,
                                     errback=self.on_error)
        entries = [((node.xpath("loc/text()").get() or "").strip(),
                    node.xpath("lastmod/text()").get() or "") for node in selector.xpath("//url")]
        yield from self.lastmod_signals(response, entries)
        links = [loc for loc, lastmod in entries if self.after_since(lastmod)]
        yield from self.follow_articles(response, links)

    def wanted_sitemap(self, lastmod: str, loc: str) -> bool:
        """A monthly sitemap to read: in new mode one changed since the last new crawl."""
        if self.mode == "new":
            changed = parse_stamp(lastmod)
            return bool(changed and self.sitemaps_since and changed > self.sitemaps_since)
        return self.after_since(lastmod or self.month_of(loc))

    def lastmod_signals(self, response: Response,
                        entries: list[tuple[str, str]]) -> Iterator[FetchedPage]:
        """Archived articles whose sitemap lastmod is later than their last visit."""
        for loc, lastmod in entries:
            article_id = self.archived_id(response, loc)
            changed = parse_stamp(lastmod)
            if article_id is None or changed is None:
                continue
            seen = parse_stamp(self.signal_facts[article_id][1])
            if seen is None or changed > seen:
                yield self.signal(article_id, loc, f"sitemap lastmod {lastmod.strip()} is after "
                                  f"the last visit at {self.signal_facts[article_id][1]}")

    def headline_signals(self, response: Response, items: list[tuple[str, str | None]],
                         where: str) -> Iterator[FetchedPage]:
        """Archived articles whose headline on a listing or in the feed is not the archived one."""
        for href, headline in items:
            article_id = self.archived_id(response, href)
            if article_id is None or not (headline or "").strip():
                continue
            archived = self.signal_facts[article_id][0]
            if not same_headline(archived, headline):
                yield self.signal(article_id, href, f"headline in the {where} "
                                  f"({' '.join(headline.split())!r}) differs from the archived "
                                  f"({archived!r})")

    def archived_id(self, response: Response, href: str) -> int | None:
        """The id of an archived, active article of this edition that `href` points to."""
        url = response.urljoin(href.strip())
        if not same_site(url, self.base_url) or not is_article_url(url, self.outlet):
            return None
        article_id = article_id_from_url(canonical_url(url, self.base_url, self.outlet),
                                         self.outlet)
        if article_id not in self.signal_facts or article_id in self.signaled:
            return None
        return article_id

    def signal(self, article_id: int, href: str, reason: str) -> FetchedPage:
        self.signaled.add(article_id)
        return FetchedPage(kind="signal", url=href, fetched_at=self.now(),
                           article_id=article_id, error=reason)

    def parse_listing(self, response: Response, section: str, page: int):
        markup = listing(self.outlet)  # the outlet module's, where it has one
        items = response.css(markup.entry) if markup.entry else []
        dates = [d for d in response.css("time::attr(datetime)").getall() if d]
        links = response.css("a::attr(href)").getall()
        headlines = [(item.css("a::attr(href)").get() or "",
                      item.css(markup.headline).get() if markup.headline else None)
                     for item in items]
        yield from self.headline_signals(response, headlines, f"listing /{section}/ page {page}")
        fresh = list(self.follow_articles(response, links))
        yield from fresh
        if not self.should_paginate(fresh, dates, bool(items) or bool(links)):
            return
        next_href = response.css('link[rel="next"]::attr(href), a[rel="next"]::attr(href)').get()
        last_href = response.css('link[rel="last"]::attr(href)').get()
        last_page = self.page_number(last_href) if last_href else None
        if next_href:
            yield scrapy.Request(response.urljoin(next_href), callback=self.parse_listing,
                                 errback=self.on_error,
                                 cb_kwargs={"section": section, "page": page + 1})
        elif last_page and page < last_page:
            yield self.listing_request(section, page + 1)

    def should_paginate(self, fresh: list, dates: list[str], had_items: bool) -> bool:
        if not had_items or self.limit_reached():
            return False
        if self.mode == "new":
            return bool(fresh)
        if self.since and dates:
            return max(dates)[:10] >= self.since
        return True

    @staticmethod
    def page_number(href: str) -> int | None:
        match = re.search(r"/(\d+)/?\?", href or "") or re.search(r"/(\d+)/?$", href or "")
        return int(match.group(1)) if match else None

    @staticmethod
    def month_of(url: str) -> str:
        match = _MONTH_IN_SITEMAP.search(url)
        return f"{match.group(1)}-{match.group(2)}-31" if match else ""

    def after_since(self, date_text: str) -> bool:
        return not self.since or not date_text or date_text.strip()[:10] >= self.since

    def follow_articles(self, response: Response, hrefs: list[str]) -> Iterator[scrapy.Request]:
        """Requests for the edition's article links not yet archived or scheduled."""
        for href in hrefs:
            url = response.urljoin(href.strip())
            if not same_site(url, self.base_url) or not is_article_url(url, self.outlet):
                continue
            canonical = canonical_url(url, self.base_url, self.outlet)
            article_id = article_id_from_url(canonical, self.outlet)
            if article_id is None or article_id in self.scheduled_ids:
                continue
            if edition_of(canonical, self.outlet) != self.language:
                continue
            if article_id in self.known_ids:
                continue
            if self.limit_reached():
                return
            self.scheduled_ids.add(article_id)
            yield self.article_request(canonical)

    def limit_reached(self) -> bool:
        return self.limit is not None and len(self.scheduled_ids) >= self.limit

    # -- fetching --------------------------------------------------------------------------

    def article_request(self, url: str, headers: dict | None = None) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.on_article_error,
            headers=headers or None,
            meta={"handle_httpstatus_list": [304, *GONE_STATUSES], "article_url": url},
            priority=10,
            # the spider schedules each article once; without this a redirect back to the same
            # URL would be dropped as a duplicate, silently, instead of failing as a loop
            dont_filter=True,
        )

    def parse_article(self, response: Response) -> Iterator[FetchedPage]:
        requested = response.meta.get("article_url", response.url)
        article_id = article_id_from_url(requested, self.outlet)
        base = FetchedPage(kind="page", url=requested, fetched_at=self.now(),
                           status=response.status, article_id=article_id,
                           headers=self.headers_of(response))
        if response.status == 304:
            base.kind = "not_modified"
        elif response.status in GONE_STATUSES:
            base.kind = "gone"
        elif response.status in REDIRECT_STATUSES:  # off the outlet: recorded, not followed
            base.kind = "gone"
            base.location = response.meta.get(OFF_OUTLET_LOCATION)
        elif article_id_from_url(response.url, self.outlet) != article_id:
            base.kind = "gone"
            base.status = (response.meta.get("redirect_reasons") or [302])[0]
            base.location = response.url
        else:
            base.url = response.url
            base.body = response.body
        yield base

    @staticmethod
    def headers_of(response: Response) -> dict[str, str]:
        return {
            key.decode("latin-1"): b", ".join(values).decode("latin-1")
            for key, values in response.headers.items()
        }

    def on_article_error(self, failure: Failure) -> Iterator[FetchedPage]:
        request = failure.request
        response = getattr(failure.value, "response", None)
        yield FetchedPage(
            kind="failure",
            url=request.meta.get("article_url", request.url),
            fetched_at=self.now(),
            status=response.status if response is not None else None,
            article_id=article_id_from_url(request.url, self.outlet),
            error=self.describe(failure),
        )

    def on_error(self, failure: Failure) -> None:
        """A page that finds articles (home, listing, feed, sitemap) could not be fetched: logged,
        and kept with the run's errors (crawler.pipelines)."""
        error = self.describe(failure)
        self.logger.warning("could not fetch %s: %s", failure.request.url, error)
        response = getattr(failure.value, "response", None)
        self.discovery_errors.append({"url": failure.request.url, "error": error,
                                      "status": response.status if response is not None else None})

    @staticmethod
    def describe(failure: Failure) -> str:
        response = getattr(failure.value, "response", None)
        if response is not None:
            return f"HTTP {response.status}"
        return f"{failure.type.__name__}: {failure.getErrorMessage()}"
