"""The crawl stays on the outlet: every request and redirect on its hosts, no private address asked.

The outlet's hosts are the base URL's host with and without `www.` (`example.kz` and
`www.example.kz`), on the base URL's port. Loopback, private, link-local and other non-public
addresses are refused, by name or by what a name resolves to, unless the base URL is one itself
(a replay on this machine).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urljoin, urlsplit

from scrapy.exceptions import IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError
from w3lib.url import safe_url_string

from crawler.canonical import same_site
from outlets import default_outlet

REDIRECT_STATUSES = (301, 302, 303, 307, 308)
# Request meta key under which a redirect off the outlet leaves its location for the spider.
OFF_OUTLET_LOCATION = "off_outlet_location"


def check_base_url(url: str) -> str:
    """The base URL without its trailing slash; ValueError with a one-line reason if unusable."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number
    except ValueError as exc:
        raise ValueError(f"--base-url {url!r} is not a URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"--base-url {url!r} is not a URL: give one such as "
                         f"{default_outlet().home} or http://127.0.0.1:8765")
    if parts.path.strip("/") or parts.query or parts.fragment:
        raise ValueError(f"--base-url {url!r} must be the outlet's address alone, without a path")
    return url.strip().rstrip("/")


def is_loopback(url: str) -> bool:
    """True for a URL on this machine (a replay), whose crawl may go at full speed."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def non_public(host: str) -> bool:
    """True for `localhost` and for addresses that are not on the public internet."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return not ipaddress.ip_address(host).is_global
    except ValueError:
        return False


def on_outlet(url: str, base_url: str, hosts: tuple[str, ...] | list[str] = ()) -> bool:
    """True when an absolute http(s) URL is on the outlet's hosts (and port): the base URL's
    host with and without `www.`, and the hosts its definition names (an edition's own)."""
    try:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False
        if same_site(url, base_url):
            return True
        base = urlsplit(base_url)
        return parts.hostname in hosts and (parts.port or 0) == (base.port or 0)
    except ValueError:
        return False


def address_refused(address: str, base_url: str) -> bool:
    """True when `address` (a host or what it resolves to) must not be asked for this outlet."""
    return non_public(address) and not non_public(urlsplit(base_url).hostname or "")


class _OutletGuard:
    """What the guards share: the outlet's base URL, the spider's own when it was given one."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def base_url(self) -> str:
        spider_base = getattr(self.crawler.spider, "base_url", None)
        return spider_base or self.crawler.settings.get("MEDIAWATCH_BASE_URL")

    @property
    def hosts(self) -> tuple[str, ...]:
        """The hosts the spider's outlet definition names."""
        outlet = getattr(self.crawler.spider, "outlet", None)
        return tuple(outlet.hosts) if outlet is not None else ()


class OutletRequests(_OutletGuard):
    """Downloader middleware, first in line: a request off the outlet's hosts is refused before
    anything (robots.txt included) is asked of that host."""

    def process_request(self, request) -> None:
        if not on_outlet(request.url, self.base_url, self.hosts) or address_refused(
                urlsplit(request.url).hostname or "", self.base_url):
            raise IgnoreRequest(f"{request.url} is not on the outlet {self.base_url}: not requested")


class OutletRedirects(_OutletGuard):
    """Downloader middleware placed before Scrapy's redirects: a redirect off the outlet is
    never followed. For an article it reaches the spider as the redirect response (a removal
    by redirect, with its location); any other request ends there."""

    def process_response(self, request, response):
        header = response.headers.get("Location")
        if response.status not in REDIRECT_STATUSES or not header:
            return response
        location = safe_url_string(header.decode("latin-1").strip())
        if location.startswith("//"):
            location = f"{urlsplit(request.url).scheme}:{location}"
        location = urljoin(request.url, location)
        if on_outlet(location, self.base_url, self.hosts) and not address_refused(
                urlsplit(location).hostname or "", self.base_url):
            return response
        if "article_url" not in request.meta:
            raise IgnoreRequest(f"{request.url} redirects off the outlet to {location}: not followed")
        request.meta["dont_redirect"] = True
        request.meta["handle_httpstatus_list"] = [*request.meta.get("handle_httpstatus_list", ()),
                                                  response.status]
        request.meta[OFF_OUTLET_LOCATION] = location
        return response


class PublicAddressResolver(CachingThreadedResolver):
    """Scrapy's resolver, refusing a name that resolves to a non-public address (unless the
    base URL is one): a public name cannot lead the crawl into the local network."""

    @classmethod
    def from_crawler(cls, crawler, reactor):
        resolver = super().from_crawler(crawler, reactor)
        resolver.base_url = crawler.settings.get("MEDIAWATCH_BASE_URL")
        return resolver

    def getHostByName(self, name, timeout=()):
        return super().getHostByName(name, timeout).addCallback(self._refuse_private, name)

    def _refuse_private(self, address: str, name: str) -> str:
        if address_refused(address, self.base_url):
            raise DNSLookupError(f"{name} resolves to {address}, not a public address: refused")
        return address
