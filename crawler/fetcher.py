"""A plain HTTP client for looking at a site before it is crawled (`mediawatch outlet add`):
a timeout and a size limit on every answer, the project's User-Agent, robots.txt obeyed, a delay
between requests, and the host guard's rules: only the outlet's hosts, no private address
unless the outlet itself is on one."""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from protego import Protego

from crawler.hostguard import REDIRECT_STATUSES, address_refused, non_public
from crawler.robots import parse_robots

MAX_REDIRECTS = 5
READ_PIECE = 64 * 1024


class FetchRefused(Exception):
    """A request the rules do not allow: off the outlet, a private address, robots.txt, a budget."""


@dataclass
class Fetched:
    """One answer: the final URL after redirects, its status, headers and body."""

    url: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


DEFAULT_PORTS = {"http": 80, "https": 443}


def _port(parts) -> int:
    return parts.port or DEFAULT_PORTS.get(parts.scheme, 0)


class SiteFetcher:
    """Fetches pages of one site. Its hosts are the home page's host, with and without `www.`,
    and the subdomains of it (where editions of their own may live), on the home page's port
    (or the scheme's default port, for a move from http to https)."""

    def __init__(self, home: str, user_agent: str, timeout: float = 20.0,
                 max_bytes: int = 16 * 1024 * 1024, delay: float = 1.0,
                 budget: int = 80) -> None:
        parts = urlsplit(home)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchRefused(f"{home!r} is not an http(s) address")
        self.home = home
        self.bare = parts.hostname.lower().removeprefix("www.")
        self.port = _port(parts)
        self.private_allowed = non_public(parts.hostname)
        self.user_agent = user_agent
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.delay = delay
        self.budget = budget
        self.requests = 0
        self.robots: dict[str, Protego | None] = {}
        self.crawl_delays: dict[str, float] = {}
        self._last: dict[str, float] = {}
        self._checked_hosts: set[str] = set()
        self._opener = urllib.request.build_opener(_NoRedirect)

    # ---- the rules -----------------------------------------------------------------------------

    def on_site(self, url: str) -> bool:
        """True for an http(s) URL on the site's hosts and port."""
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
            port = _port(parts)
        except ValueError:
            return False
        if parts.scheme not in ("http", "https") or not host:
            return False
        same_port = port == self.port or (port in (80, 443) and self.port in (80, 443))
        return same_port and (host.removeprefix("www.") == self.bare
                              or host.endswith("." + self.bare))

    def _check_address(self, url: str) -> None:
        host = urlsplit(url).hostname or ""
        if host in self._checked_hosts:
            return
        if address_refused(host, self.home):
            raise FetchRefused(f"{host} is not a public address: not requested")
        try:
            addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
        except OSError as exc:
            raise FetchRefused(f"{host} cannot be resolved: {exc.strerror or exc}") from None
        refused = [a for a in addresses if non_public(a) and not self.private_allowed]
        if refused:
            raise FetchRefused(f"{host} resolves to {refused[0]}, not a public address: refused")
        self._checked_hosts.add(host)

    def allowed_by_robots(self, url: str) -> bool:
        """What the host's robots.txt says of the URL for this User-Agent (fetched once)."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self.robots:
            self.robots[origin] = self._read_robots(origin)
        rules = self.robots[origin]
        return rules is None or rules.can_fetch(url, self.user_agent)

    def robots_of(self, url: str) -> Protego | None:
        parts = urlsplit(url)
        self.allowed_by_robots(url)
        return self.robots.get(f"{parts.scheme}://{parts.netloc}")

    def _read_robots(self, origin: str) -> Protego | None:
        """The rules of robots.txt; None (everything allowed) when there is none (4xx)."""
        answer = self._get(origin + "/robots.txt", robots=False)
        if answer.status >= 500:
            raise FetchRefused(f"{origin}/robots.txt answered {answer.status}: the site asks "
                               "crawlers to stay away for now; try again later")
        if not answer.ok:
            return None
        rules = parse_robots(answer.body)
        delay = rules.crawl_delay(self.user_agent)
        if delay:
            self.crawl_delays[origin] = float(delay)
        return rules

    # ---- fetching ------------------------------------------------------------------------------

    def get(self, url: str) -> Fetched:
        """GET a page of the site, following redirects that stay on it; FetchRefused when a
        rule forbids it, OSError when the site cannot be reached."""
        return self._get(url, robots=True)

    def _get(self, url: str, robots: bool) -> Fetched:
        for _ in range(MAX_REDIRECTS + 1):
            if not self.on_site(url):
                raise FetchRefused(f"{url} is not on the site {self.home}: not requested")
            self._check_address(url)
            if robots and not self.allowed_by_robots(url):
                raise FetchRefused(f"robots.txt does not allow {url}")
            answer = self._once(url)
            location = answer.headers.get("location")
            if answer.status not in REDIRECT_STATUSES or not location:
                return answer
            url = urljoin(url, location.strip())
        raise FetchRefused(f"{url}: more than {MAX_REDIRECTS} redirects")

    def _wait(self, url: str) -> None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        delay = max(self.delay, self.crawl_delays.get(origin, 0.0))
        since = time.monotonic() - self._last.get(parts.hostname or "", -1e9)
        if since < delay:
            time.sleep(delay - since)
        if delay > 0 and parts.hostname:  # the host's turn, shared with every crawl of it here
            from crawler.pacing import take_turn

            while (wait := take_turn(parts.hostname, delay)) > 0:
                time.sleep(wait)
        self._last[parts.hostname or ""] = time.monotonic()

    def _once(self, url: str) -> Fetched:
        if self.requests >= self.budget:
            raise FetchRefused(f"more than {self.budget} requests: stopped looking")
        self.requests += 1
        self._wait(url)
        request = urllib.request.Request(url, headers={
            "User-Agent": self.user_agent, "Accept-Encoding": "gzip",
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
        deadline = time.monotonic() + self.timeout
        try:
            response = self._opener.open(request, timeout=self.timeout)
        except urllib.error.HTTPError as error:
            response = error
        except (urllib.error.URLError, TimeoutError, ConnectionError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise OSError(f"{url}: {reason}") from None
        with response:
            headers = {name.lower(): value for name, value in response.headers.items()}
            try:
                body = self._read(response, headers, deadline)
            except (TimeoutError, ConnectionError, OSError) as exc:
                raise OSError(f"{url}: {exc}") from None
        return Fetched(response.geturl() or url, response.status or response.code, headers, body)

    def _read(self, response, headers: dict[str, str], deadline: float) -> bytes:
        """The body, read in pieces within the timeout as a whole (a site that sends a byte a
        second never times out a single read) and up to the size limit."""
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchRefused(f"{response.geturl()} is larger than {self.max_bytes} bytes")
        pieces, size = [], 0
        while size <= self.max_bytes:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the answer took longer than {self.timeout:g} s")
            piece = response.read1(min(READ_PIECE, self.max_bytes + 1 - size))
            if not piece:
                break
            pieces.append(piece)
            size += len(piece)
        body = b"".join(pieces)
        if len(body) > self.max_bytes:
            raise FetchRefused(f"{response.geturl()} is larger than {self.max_bytes} bytes")
        if headers.get("content-encoding", "").lower() in ("gzip", "x-gzip") or \
                body[:2] == b"\x1f\x8b":
            body = self.gunzip(body)
        return body

    def gunzip(self, data: bytes) -> bytes:
        """A gzip body, unpacked to at most the size limit."""
        unpacker = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            body = unpacker.decompress(data, self.max_bytes + 1)
        except zlib.error:
            return data  # not gzip after all
        if len(body) > self.max_bytes:
            raise FetchRefused(f"a gzip answer unpacks to more than {self.max_bytes} bytes")
        return body
