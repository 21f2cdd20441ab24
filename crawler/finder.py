"""Finding an outlet's definition from its address: the home page and robots.txt, its feeds,
sitemaps and language editions, the shape of its article URLs, and a few sample articles read by
the generic path; what was found and how the samples read, for a person to check before the
definition is stored."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

import lxml.html

from crawler import detection
from crawler.decoding import ExtractionError, parse_html
from crawler.extract import DOUBTFUL_WORDS, extract_generic
from crawler.fetcher import FetchRefused, SiteFetcher
from crawler.language import text_language
from crawler.page import text_of
from outlets.definition import (
    Articles,
    Discovery,
    Edition,
    Extraction,
    Outlet,
    Politeness,
    home_hosts,
)

# Feeds tried, in order, when the home page names none.
COMMON_FEEDS = ("/feed/", "/rss/", "/rss.xml", "/feed.xml")
COMMON_SITEMAPS = ("/sitemap.xml", "/sitemap_index.xml")
MOST_SITEMAP_URLS = 5000
MOST_EDITIONS = 8  # editions' home pages read
COVERAGE_FIELDS = ("title", "date", "body", "language", "authors")
BODY_CHARACTERS = 300  # a body this long counts, whatever its words (Chinese, Japanese)
LISTED_ARTICLES = 10  # a listing page lists at least this many articles


class FindError(Exception):
    """The address cannot be made into an outlet: it cannot be reached, or nothing on it
    looks like articles. The message says which, and what to try."""


@dataclass
class FeedFound:
    url: str
    kind: str
    entries: int
    language: str | None
    edition: str | None = None  # the edition whose home page names it


@dataclass
class SitemapFound:
    url: str
    kind: str  # index or urlset
    entries: int
    read: list[str] = field(default_factory=list)  # the sitemaps of an index read for URLs
    urls: int = 0


@dataclass
class Sample:
    """One sample article and how the generic path read it."""

    url: str
    status: int | None
    language: str | None = None
    title: str = ""
    published: str | None = None
    authors: list[str] = field(default_factory=list)
    words: int = 0
    error: str | None = None
    alternates: dict[str, str] = field(default_factory=dict)
    page_title: str = ""  # the page's <title>, for the site's name after the headline
    characters: int = 0  # of the body (words undercount a text written without spaces)

    def has(self, name: str) -> bool:
        return {"title": bool(self.title), "date": bool(self.published),
                "body": self.words >= DOUBTFUL_WORDS or self.characters >= BODY_CHARACTERS,
                "language": bool(self.language),
                "authors": bool(self.authors)}[name]


@dataclass
class Finding:
    """What was found at an address, and the definition made of it."""

    address: str
    outlet: Outlet
    robots: str  # what robots.txt said
    feeds: list[FeedFound]
    sitemaps: list[SitemapFound]
    editions: list[dict]  # language, where it lives, how it was found
    rule_seen: int
    rule_matched: int
    examples: dict[str, str]
    samples: list[Sample]
    notes: list[str]
    requests: int

    def coverage(self) -> dict[str, tuple[int, int]]:
        """Each field's coverage over the sample articles that could be read."""
        read = [sample for sample in self.samples if not sample.error]
        return {name: (sum(sample.has(name) for sample in read), len(read))
                for name in COVERAGE_FIELDS}


def normalise_address(address: str) -> str:
    """An http(s) URL from what a person types (`example.kz` is `https://example.kz/`)."""
    address = address.strip()
    if re.match(r"^[a-z][a-z0-9+-]*:(?!\d)", address, re.IGNORECASE) and not re.match(
            r"^https?://", address, re.IGNORECASE):
        raise FindError(f"{address!r} is not a web address: give one such as https://example.kz")
    if not re.match(r"^[a-z][a-z0-9+.-]*://", address, re.IGNORECASE):
        address = "https://" + address
    try:
        parts = urlsplit(address)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number
    except ValueError as exc:
        raise FindError(f"{address!r} is not a web address: {exc}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise FindError(f"{address!r} is not a web address: give one such as https://example.kz")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/",
                       parts.query, ""))


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def name_from_host(url: str) -> str:
    """A name for the outlet from its host: `www.example.kz` -> `example`, an address as is."""
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    port = urlsplit(url).port
    labels = host.split(".")
    if re.fullmatch(r"[\d.]+", host) or len(labels) < 2:
        base = host
    else:
        base = ".".join(labels[:-1])
    name = re.sub(r"[^a-z0-9]+", "-", base.lower()).strip("-")
    if port and not re.fullmatch(r"[a-z][a-z0-9-]*", base.replace(".", "-")):
        name = f"{name}-{port}"
    return name[:40] or "outlet"


class _Finder:
    def __init__(self, address: str, fetcher: SiteFetcher, samples: int, log) -> None:
        self.address = address
        self.fetcher = fetcher
        self.sample_count = samples
        self.log = log
        self.notes: list[str] = []

    def get(self, url: str):
        """A page of the site, or None (with a note) when it cannot be had."""
        try:
            return self.fetcher.get(url)
        except FetchRefused as exc:
            self.notes.append(str(exc))
        except OSError as exc:
            self.notes.append(f"could not fetch {exc}")
        return None

    def get_page(self, url: str):
        """(answer, parsed page) of an HTML page of the site, or None when it cannot be had or
        read."""
        answer = self.get(url)
        if answer is None or not answer.ok:
            return None
        try:
            return answer, parse_html(answer.body)
        except ExtractionError:
            return None

    # ---- the home page and robots.txt --------------------------------------------------------------

    def home(self):
        try:
            answer = self.fetcher.get(self.address)
        except FetchRefused as exc:
            raise FindError(f"cannot look at {self.address}: {exc}") from None
        except OSError as exc:
            raise FindError(f"could not reach {self.address} ({exc}); check the address and the "
                            "network connection") from None
        if not answer.ok:
            raise FindError(f"{self.address} answered HTTP {answer.status}, not a page: check "
                            "the address")
        try:
            doc = parse_html(answer.body)
        except ExtractionError as exc:
            raise FindError(f"{self.address} is not an HTML page: {exc}") from None
        moved = detection.meta_refresh(doc, answer.url)
        if moved and self.fetcher.on_site(moved) and moved != answer.url:
            self.notes.append(f"{answer.url} sends its readers to {moved}: read there")
            forward = self.get_page(moved)
            if forward is not None:
                return forward
        return answer, doc

    def robots(self, home_url: str) -> tuple[str, list[str], float]:
        rules = self.fetcher.robots_of(home_url)
        if rules is None:
            return "none (everything allowed)", [], 0.0
        named = [urljoin(home_url, url.strip()) for url in rules.sitemaps]
        sitemaps = [url for url in named if self.fetcher.on_site(url)]
        self.notes += [f"{url}, named in robots.txt, is not on the site: not read"
                       for url in named if url not in sitemaps]
        delay = self.fetcher.crawl_delays.get(origin_of(home_url), 0.0)
        said = f"found; {len(sitemaps)} sitemap{'s' * (len(sitemaps) != 1)} named"
        return said + (f", crawl-delay {delay:g} s" if delay else ""), sitemaps, delay

    # ---- feeds ---------------------------------------------------------------------------------

    def feeds(self, named: list[tuple[str, str | None]], fallback_from: str
              ) -> tuple[list[FeedFound], dict[str, list[str]]]:
        """The feeds that parse, each with its entries; named ones first, common paths after."""
        found: list[FeedFound] = []
        entries: dict[str, list[str]] = {}
        seen: set[str] = set()
        candidates = list(named)
        if not candidates:
            candidates = [(fallback_from.rstrip("/") + path, None) for path in COMMON_FEEDS]
        for url, edition in candidates:
            if url in seen or not self.fetcher.on_site(url):
                if not self.fetcher.on_site(url):
                    self.notes.append(f"{url} is not on the site: not read")
                continue
            seen.add(url)
            if detection.COMMENT_FEED.search(urlsplit(url).path + urlsplit(url).query):
                continue  # readers' comments, not articles
            answer = self.get(url)
            feed = detection.parse_feed(answer.body, answer.url) if answer and answer.ok else None
            if feed is None:
                if edition is not None or named:
                    self.notes.append(f"{url} is named as a feed but is not one")
                continue
            if detection.COMMENT_FEED.search(feed.title):
                continue
            language = feed.language or (text_language(" ".join(feed.titles))
                                         if feed.titles else None)
            found.append(FeedFound(answer.url, feed.kind, len(feed.entries), language, edition))
            entries[answer.url] = [detection.clean_url(u) for u in feed.entries
                                   if self.fetcher.on_site(u)]
            if not named:
                break  # one common feed is enough
        return found, entries

    # ---- sitemaps ------------------------------------------------------------------------------

    def sitemaps(self, listed: list[str], origin: str) -> tuple[list[SitemapFound], list[str]]:
        """The sitemaps robots.txt lists (else the common paths), and article URLs from them:
        of an index, the few most recent sitemaps are read."""
        found: list[SitemapFound] = []
        urls: list[str] = []
        candidates = listed or [origin + path for path in COMMON_SITEMAPS]
        for url in candidates[:6]:
            answer = self.get(url)
            sitemap = detection.parse_sitemap(answer.body, answer.url) \
                if answer and answer.ok else None
            if sitemap is None:
                if listed:
                    self.notes.append(f"{url}, listed in robots.txt, is not a sitemap")
                continue
            record = SitemapFound(answer.url, sitemap.kind, len(sitemap.entries))
            found.append(record)
            if sitemap.kind == "urlset":
                urls += [loc for loc, _ in sitemap.entries]
            else:
                for child_url in detection.sitemaps_to_read(sitemap):
                    child = self.get(child_url)
                    parsed = detection.parse_sitemap(child.body, child.url) \
                        if child and child.ok else None
                    if parsed is not None and parsed.kind == "urlset":
                        record.read.append(child.url)
                        urls += [loc for loc, _ in parsed.entries]
            record.urls = len(urls)
            if not listed:
                break  # /sitemap.xml found: the others are alternatives
        on_site = [url for url in dict.fromkeys(map(detection.clean_url, urls))
                   if self.fetcher.on_site(url)]
        return found, on_site[:MOST_SITEMAP_URLS]

    # ---- listings -----------------------------------------------------------------------------

    def listings(self, pages: list[tuple[str | None, str, lxml.html.HtmlElement]],
                 rule: detection.UrlRule) -> dict[str | None, list[str]]:
        """Listing pages to page through, by the edition whose home page links them: a page
        labelled as all news that lists articles and has a next page."""
        found: dict[str | None, list[str]] = {}
        for language, base, doc in pages:
            for url in detection.listing_links(doc, base)[:2]:
                if not self.fetcher.on_site(url) or _matches(rule, url):
                    continue
                page = self.get_page(url)
                if page is None:
                    continue
                answer, listing = page
                articles = [link for link in detection.page_links(listing, answer.url)
                            if _matches(rule, link)]
                if len(articles) >= LISTED_ARTICLES and detection.next_page_link(listing,
                                                                                   answer.url):
                    found.setdefault(language, []).append(answer.url)
                    break
        return found

    # ---- samples -------------------------------------------------------------------------------

    def samples(self, chosen: list[str]) -> list[Sample]:
        samples = []
        for url in chosen:
            answer = self.get(url)
            if answer is None:
                samples.append(Sample(url, None, error=self.notes[-1]))
                continue
            if not answer.ok:
                samples.append(Sample(url, answer.status, error=f"HTTP {answer.status}"))
                continue
            try:
                record = extract_generic(answer.body, answer.url)
                doc = parse_html(answer.body)
            except ExtractionError as exc:
                samples.append(Sample(answer.url, answer.status, error=str(exc)))
                continue
            samples.append(Sample(
                answer.url, answer.status, record.language, record.title, record.published,
                record.authors, record.word_count,
                alternates=detection.alternates(doc, answer.url),
                page_title=" ".join(doc.findtext(".//title", default="").split()),
                characters=sum(len(paragraph) for paragraph in record.body)))
            self.log(f"  sample {len(samples)}/{len(chosen)}: {answer.url}")
        return samples


def _section(url: str) -> str:
    """The first path segment of a URL that has more than one (a section, an edition's prefix)."""
    parts = [part for part in urlsplit(url).path.split("/") if part]
    return parts[0] if len(parts) > 1 else ""


def _in_turn(queues: list[list[str]], count: int, chosen: list[str]) -> None:
    while len(chosen) < count and any(queues):
        for queue in queues:
            while queue and len(chosen) < count:
                url = queue.pop(0)
                if url not in chosen:
                    chosen.append(url)
                    break


def _choose_samples(groups: dict[str | None, list[str]], count: int) -> list[str]:
    """Up to `count` URLs taken in turn from each language's list (newest first as listed),
    and within a language from each section in turn."""
    per_language: list[list[str]] = []
    for urls in groups.values():
        by_section: dict[str, list[str]] = {}
        for url in urls:
            by_section.setdefault(_section(url), []).append(url)
        mixed: list[str] = []
        _in_turn(list(by_section.values()), len(urls), mixed)
        per_language.append(mixed)
    chosen: list[str] = []
    _in_turn(per_language, count, chosen)
    return chosen


def _matches(rule: detection.UrlRule, url: str) -> bool:
    path = urlsplit(url).path
    if not any(re.match(p, path) or re.match(p, path.rstrip("/")) for p in rule.patterns):
        return False
    return not rule.id_param or any(
        name == rule.id_param and value.isdigit()
        for name, value in (pair.partition("=")[::2] for pair in urlsplit(url).query.split("&")))


def _relative(url: str, origin: str) -> str:
    return url[len(origin):] or "/" if url.startswith(origin + "/") or url == origin else url


def _title_suffix(samples: list[Sample]) -> str:
    """The site's name after the headline in <title>, where the samples agree on one."""
    suffixes = Counter()
    for sample in samples:
        full = sample.page_title
        if sample.title and full.startswith(sample.title) and len(full) > len(sample.title):
            rest = full[len(sample.title):].strip()
            rest = re.sub(r"^[|—–:-]+\s*", "", rest).strip()
            if rest:
                suffixes[rest] += 1
    if not suffixes:
        return ""
    suffix, count = suffixes.most_common(1)[0]
    return suffix if count * 2 > len(samples) else ""


def find_outlet(address: str, fetcher_options: dict, name: str | None = None, samples: int = 5,
                log=lambda line: None) -> Finding:
    """Look at the site at `address` and make its outlet definition (nothing is stored).

    `fetcher_options` go to SiteFetcher (user_agent, timeout, max_bytes, delay, budget).
    FindError when the site cannot be reached or shows nothing that looks like articles.
    """
    address = normalise_address(address)
    try:
        fetcher = SiteFetcher(origin_of(address), **fetcher_options)
    except FetchRefused as exc:
        raise FindError(str(exc)) from None
    finder = _Finder(address, fetcher, samples, log)
    log(f"reading {address}")
    home, doc = finder.home()
    origin = origin_of(home.url)
    robots_said, listed_sitemaps, crawl_delay = finder.robots(home.url)
    home_language = detection.declared_language(doc)

    # editions named by the home page
    named_editions: dict[str, tuple[str, str]] = {}  # language -> (url, how found)
    for language, url in detection.alternates(doc, home.url).items():
        named_editions.setdefault(language, (url, "hreflang"))
    for language, url in detection.language_switch(doc, home.url).items():
        if fetcher.on_site(url):
            named_editions.setdefault(language, (url, "language switch"))
    edition_docs = {}
    for language, (url, how) in list(named_editions.items()):
        if language == home_language or url.rstrip("/") == home.url.rstrip("/") or \
                not fetcher.on_site(url):
            continue
        if len(edition_docs) >= MOST_EDITIONS:
            finder.notes.append(f"more than {MOST_EDITIONS} editions named: {language} at {url} "
                                "not read")
            continue
        page = finder.get_page(url)
        if page is None:
            continue
        answer, edition_doc = page
        declared = detection.declared_language(edition_doc)
        written = text_language(text_of(edition_doc.find("body") if edition_doc.find("body")
                                        is not None else edition_doc))
        if declared and declared != language and written != language:
            # a switch of the interface's language only, not an edition in that language
            finder.notes.append(f"{url} ({how}, {language}) is a page in {declared}: "
                                "not taken as an edition")
            del named_editions[language]
            continue
        edition_docs[language] = (answer.url, edition_doc)

    # feeds, each home page's own
    named_feeds = [(url, None) for url in detection.feed_links(doc, home.url)]
    for language, (url, edition_doc) in edition_docs.items():
        named_feeds += [(feed, language) for feed in detection.feed_links(edition_doc, url)]
    if not named_feeds:
        named_feeds = [(url, None) for url in detection.feedlike_links(doc, home.url)
                       if fetcher.on_site(url)][:3]
    log("reading feeds")
    feeds, feed_entries = finder.feeds(list(dict.fromkeys(named_feeds)), origin)
    log("reading sitemaps")
    sitemaps, sitemap_urls = finder.sitemaps(listed_sitemaps, origin)

    trusted = {url for urls in feed_entries.values() for url in urls}
    candidates = list(dict.fromkeys([*trusted, *sitemap_urls]))
    if len(candidates) < 10:
        candidates += [url for url in detection.page_links(doc, home.url)
                       if fetcher.on_site(url) and url.rstrip("/") != home.url.rstrip("/")]
    rule = detection.learn_article_rule(candidates, trusted)
    if rule is None:
        raise FindError(
            f"nothing at {address} looks like articles: no feed, no sitemap and no links of a "
            f"recognisable shape ({len(feeds)} feeds, {len(sitemaps)} sitemaps, "
            f"{len(candidates)} links read); nothing was stored")

    log("looking for listing pages")
    listings = finder.listings(
        [(None, home.url, doc)] + [(language, url, page)
                                   for language, (url, page) in edition_docs.items()], rule)

    # samples: in turn from each feed's language, then from the sitemaps
    by_language: dict[str | None, list[str]] = {}
    for feed in feeds:
        by_language.setdefault(feed.language, []).extend(
            url for url in feed_entries.get(feed.url, []) if _matches(rule, url))
    by_language.setdefault(None, []).extend(
        url for url in reversed(sitemap_urls) if _matches(rule, url))
    if not any(by_language.values()):
        by_language[None] = [url for url in candidates if _matches(rule, url)]
    log("reading sample articles")
    sample_list = finder.samples(_choose_samples(by_language, samples))

    # a feed whose sampled entries are in another language than it declares mixes editions
    sampled = {sample.url: sample.language for sample in sample_list if not sample.error}
    for feed in feeds:
        languages_read = {sampled[url] for url in feed_entries.get(feed.url, [])
                          if sampled.get(url)}
        if feed.language and languages_read - {feed.language}:
            finder.notes.append(f"{feed.url} holds articles in {', '.join(sorted(languages_read))}"
                                f" though it says {feed.language}: taken as a feed of every "
                                "edition")
            feed.language = None

    # editions: languages named by the home page, of the feeds and of the samples
    known: dict[str, list[str]] = {}  # language -> article URLs known to be in it
    for feed in feeds:
        if feed.language:
            known.setdefault(feed.language, []).extend(
                url for url in feed_entries.get(feed.url, []) if _matches(rule, url))
    for sample in sample_list:
        if sample.language and not sample.error:
            known.setdefault(sample.language, []).append(sample.url)
    languages = list(dict.fromkeys(
        ([home_language] if home_language else []) + list(known)
        + [language for language in named_editions if language in edition_docs
           or language == home_language]))
    languages = [language for language in languages if language]
    if not languages:
        languages = ["en"]
        finder.notes.append("no language could be told: the edition is taken to be English")
    default_language = home_language if home_language in languages else max(
        languages, key=lambda language: len(known.get(language, [])))
    editions, edition_report = [], []
    for language in languages:
        others = [url for other, urls in known.items() if other != language for url in urls]
        place, how = {}, ""
        if language != default_language:
            if language in named_editions:
                place = detection.edition_place(home.url, named_editions[language][0])
                how = named_editions[language][1]
                seen = known.get(language, [])
                if seen and sum(detection.in_place(url, place) for url in seen) * 2 < len(seen):
                    place = {}  # its articles do not live there
        if not place:
            place = detection.place_of_urls(known.get(language, []), others, home.url)
            how = "the language of its articles" if place else how
            prefix = place.get("prefix", "").strip("/")
            if language == default_language and detection.language_code(prefix) != language:
                place = {}  # the default edition is where no other is, unless under its prefix
        home_of = edition_docs.get(language, (None,))[0] if language != default_language else \
            (home.url if urlsplit(home.url).path not in ("", "/") else None)
        several = len({feed.language for feed in feeds}) > 1
        edition_feeds = [_relative(feed.url, origin) for feed in feeds
                         if feed.edition == language or (several and feed.language == language)]
        editions.append(Edition(
            language=language, default=language == default_language,
            prefixes=(place["prefix"],) if "prefix" in place else (),
            host=place.get("host", ""), query=place.get("query", ""),
            home=_relative(home_of, origin) if home_of else "",
            feeds=tuple(dict.fromkeys(edition_feeds)),
            listings=tuple(_relative(url, origin) for url in listings.get(
                language if language != default_language else None, []))))
        edition_report.append({
            "language": language, "default": language == default_language, **place,
            "found_by": "the home page's language" if language == default_language and
            language == home_language else (how or "the language of its articles"),
            "articles_seen": len(known.get(language, []))})
    edition_feed_urls = {feed for edition in editions for feed in edition.feeds}
    shared_feeds = [_relative(feed.url, origin) for feed in feeds
                    if _relative(feed.url, origin) not in edition_feed_urls]

    hosts = list(home_hosts(origin))
    hosts += [edition.host for edition in editions if edition.host and edition.host not in hosts]
    outlet = Outlet(
        name=name or name_from_host(home.url),
        home=origin,
        title=detection.site_title(doc),
        hosts=tuple(hosts),
        editions=tuple(editions),
        discovery=Discovery(feeds=tuple(shared_feeds),
                            sitemaps=tuple(_relative(s.url, origin) for s in sitemaps)),
        articles=Articles(patterns=tuple(rule.patterns), key=rule.key, id_param=rule.id_param,
                          query=tuple(rule.query)),
        extraction=Extraction(title_suffix=_title_suffix(sample_list)),
        politeness=Politeness(robots=True, delay=max(1.0, crawl_delay)))
    return Finding(address, outlet, robots_said, feeds, sitemaps, edition_report, rule.seen,
                   rule.matched, rule.examples, sample_list, finder.notes, fetcher.requests)
