"""The spider of an added outlet's edition: what it knows of the site (feeds, sitemaps, listing
pages, article URLs and their keys, editions) it reads from the outlet's definition.

`scrapy crawl outlet -a outlet=NAME -a language=kk -s MEDIAWATCH_OUTLETS_DIR=archive.outlets`,
or `mediawatch crawl --outlet NAME`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import scrapy
from scrapy.http import Response, TextResponse

from crawler.canonical import canonical_url, edition_of, is_article_url
from crawler.decoding import ExtractionError, parse_html
from crawler.detection import next_page_link
from crawler.hostguard import OFF_OUTLET_LOCATION, REDIRECT_STATUSES, on_outlet
from crawler.items import FetchedPage
from crawler.outlet_pages import article_key
from outlets import Outlet
from spiders.base import GONE_STATUSES, EditionSpider

MOST_LISTING_PAGES = 500  # pages of one listing a run reads (settings.MEDIAWATCH_MOST_LISTING_PAGES)
MOST_SITEMAPS = 200  # sitemaps a run reads, indexes and their parts (MEDIAWATCH_MOST_SITEMAPS)


class OutletSpider(EditionSpider):
    """One edition of an added outlet. Modes as for the built-in outlets: `new` reads the
    feeds and the first listing pages, `backfill` the sitemaps and every listing page,
    `revisit` re-fetches the outlet's archived articles that are due."""

    name = "outlet"
    custom_settings = {
        "ITEM_PIPELINES": {
            "crawler.outlet_pipelines.OutletExtractPipeline": 100,
            "crawler.outlet_pipelines.OutletArchivePipeline": 200,
        },
    }

    def __init__(self, *args, outlet: Outlet | str | None = None, language: str | None = None,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.outlet_given = outlet
        self.language_given = language
        self.scheduled_keys: set[str] = set()
        self.known_keys: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        outlet = spider.outlet_given
        if not isinstance(outlet, Outlet):
            from outlets.store import OutletFolder

            folder = crawler.settings.get("MEDIAWATCH_OUTLETS_DIR") or "."
            outlet = OutletFolder(folder).get(outlet or "")
        spider.outlet = outlet
        spider.language = spider.language_given or (
            outlet.default_edition or outlet.editions[0]).language
        if spider.language not in outlet.languages:
            raise ValueError(f"{outlet.name} has no {spider.language!r} edition")
        spider.name = f"{outlet.name}_{spider.language}"
        spider.base_url = outlet.home
        spider.allowed_domains = list(outlet.hosts)
        spider.most_listing_pages = crawler.settings.getint("MEDIAWATCH_MOST_LISTING_PAGES",
                                                            MOST_LISTING_PAGES)
        spider.most_sitemaps = crawler.settings.getint("MEDIAWATCH_MOST_SITEMAPS", MOST_SITEMAPS)
        spider.sitemaps_asked = 0
        return spider

    # -- discovery -------------------------------------------------------------------------

    def edition_urls(self, shared: tuple[str, ...], own: tuple[str, ...]) -> list[str]:
        return list(dict.fromkeys(self.url(path) if path.startswith("/") else path
                                  for path in (*own, *shared)))

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.load_known()
        if self.mode == "revisit":
            for request in self.revisit_requests():
                yield request
            return
        edition = self.outlet.edition(self.language)
        discovery = self.outlet.discovery
        for feed in self.edition_urls(discovery.feeds, edition.feeds):
            yield scrapy.Request(feed, callback=self.parse_feed, errback=self.on_error)
        for listing in self.edition_urls(discovery.listings, edition.listings):
            yield scrapy.Request(listing, callback=self.parse_listing_page,
                                 errback=self.on_error, cb_kwargs={"page": 1})
        if self.mode == "backfill":
            for sitemap in self.edition_urls(discovery.sitemaps, ()):
                yield scrapy.Request(sitemap, callback=self.parse_sitemap, errback=self.on_error)

    def load_known(self) -> None:
        from storage.archive import Archive
        from storage.outlets import active_keys

        archive = Archive(self.db_path)
        try:
            self.known_keys = active_keys(archive.db, self.outlet.name, self.language)
        finally:
            archive.close()

    def revisit_requests(self) -> Iterator[scrapy.Request]:
        for _, url, headers in self.due_revisits(self.outlet.name):
            self.scheduled_keys.add(article_key(self.outlet, url) or url)
            yield self.article_request(url, headers=headers)

    def archived_id(self, response: Response, href: str) -> int | None:
        """Headlines and lastmods are no signal here: the outlet's revisits are scheduled."""
        return None

    def parse_listing_page(self, response: Response, page: int) -> Iterator[scrapy.Request]:
        """A listing page: its article links, then its next page while it has new ones (new
        mode) or to its end (backfill)."""
        if not isinstance(response, TextResponse):
            return
        links = response.css("a::attr(href)").getall()
        fresh = list(self.follow_articles(response, links))
        yield from fresh
        if self.limit_reached() or (self.mode == "new" and not fresh):
            return
        if page >= self.most_listing_pages:
            self.skipped("listing_pages", f"{response.url}: the listing's page {page} reached, "
                         f"the most a run reads (MEDIAWATCH_MOST_LISTING_PAGES); not paged on")
            return
        try:
            following = next_page_link(parse_html(response.body), response.url)
        except ExtractionError:
            return
        if following and following != response.url and self.on_the_outlet(following):
            yield scrapy.Request(following, callback=self.parse_listing_page,
                                 errback=self.on_error, cb_kwargs={"page": page + 1})

    def parse_sitemap(self, response: Response) -> Iterator:
        """A sitemap or sitemap index, its parts asked up to the run's most sitemaps (an index
        that lists itself, loops or nests without end is read once per sitemap, and stops)."""
        if self.sitemaps_asked == 0:
            self.sitemaps_asked = 1 + len(self.outlet.discovery.sitemaps)
        for item in super().parse_sitemap(response):
            if isinstance(item, scrapy.Request) and item.callback == self.parse_sitemap:
                if self.sitemaps_asked >= self.most_sitemaps:
                    self.skipped("sitemaps", f"{item.url} and any later sitemaps: more than "
                                 f"{self.most_sitemaps} sitemaps in one run "
                                 "(MEDIAWATCH_MOST_SITEMAPS); not read")
                    continue
                self.sitemaps_asked += 1
            yield item

    def skipped(self, what: str, message: str) -> None:
        """A page not asked because a per-run limit is reached: counted, logged once."""
        stats = self.crawler.stats
        if not stats.get_value(f"mediawatch/skipped/{what}"):
            self.logger.warning("%s", message)
        stats.inc_value(f"mediawatch/skipped/{what}")

    def on_the_outlet(self, url: str) -> bool:
        return on_outlet(url, self.base_url, self.outlet.hosts)

    def follow_articles(self, response: Response, hrefs: list[str]) -> Iterator[scrapy.Request]:
        """Requests for the edition's article links not yet archived or scheduled."""
        for href in hrefs:
            url = response.urljoin(href.strip())
            if not self.on_the_outlet(url) or not is_article_url(url, self.outlet):
                continue
            canonical = canonical_url(url, outlet=self.outlet)
            key = article_key(self.outlet, canonical)
            if key is None or key in self.scheduled_keys or key in self.known_keys:
                continue
            if edition_of(canonical, self.outlet) != self.language:
                continue
            if self.limit_reached():
                return
            self.scheduled_keys.add(key)
            yield self.article_request(canonical)

    def limit_reached(self) -> bool:
        return self.limit is not None and len(self.scheduled_keys) >= self.limit

    # -- fetching --------------------------------------------------------------------------

    def parse_article(self, response: Response) -> Iterator[FetchedPage]:
        requested = response.meta.get("article_url", response.url)
        base = FetchedPage(kind="page", url=requested, fetched_at=self.now(),
                           status=response.status, headers=self.headers_of(response))
        if response.status == 304:
            base.kind = "not_modified"
        elif response.status in GONE_STATUSES:
            base.kind = "gone"
        elif response.status in REDIRECT_STATUSES:  # off the outlet: recorded, not followed
            base.kind = "gone"
            base.location = response.meta.get(OFF_OUTLET_LOCATION)
        elif article_key(self.outlet, response.url) != article_key(self.outlet, requested):
            base.kind = "gone"
            base.status = (response.meta.get("redirect_reasons") or [302])[0]
            base.location = response.url
        else:
            base.url = response.url
            base.body = response.body
        yield base

    def on_article_error(self, failure) -> Iterator[FetchedPage]:
        for item in super().on_article_error(failure):
            item.article_id = None
            yield item
