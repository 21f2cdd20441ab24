"""What a site's documents say about it as an outlet, read without fetching: the feeds a page
names, feeds and sitemaps themselves, its language editions, and the shape of its article URLs
(learned from the URLs its feeds and sitemaps list)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

import lxml.html
from lxml import etree

from crawler.page import compile_xpath, text_of

# ---- languages ------------------------------------------------------------------------------------

# Codes sites use for a language besides its ISO 639-1 code (Kazakh is often `kz`, the country).
LANGUAGE_ALIASES = {"kz": "kk", "kaz": "kk", "qaz": "kk", "rus": "ru", "eng": "en"}
# Labels of a language switch, lower-case.
SWITCH_LABELS = {
    "ru": {"рус", "ru", "rus", "русский", "русский язык", "на русском", "орысша", "рус.", "ру"},
    "kk": {"қаз", "каз", "kz", "kaz", "qaz", "kk", "қазақша", "казахский", "қазақ тілі",
           "на казахском", "qazaqsha", "қазақ", "каз.", "қаз.", "kazakh"},
    "en": {"eng", "en", "english", "англ", "на английском", "ағылшынша", "eng.", "англ."},
}


def language_code(value: str | None) -> str | None:
    """An ISO 639-1 code from a declared language (`ru-RU`, `kk_KZ`, `kz`), None for none or
    `x-default`."""
    if not value:
        return None
    code = re.split(r"[-_]", value.strip().lower())[0]
    code = LANGUAGE_ALIASES.get(code, code)
    return code if re.fullmatch(r"[a-z]{2,3}", code) else None


# ---- pages ----------------------------------------------------------------------------------------

_REL_ALTERNATE = ("contains(concat(' ', translate(normalize-space(@rel), 'ALTERNATE', "
                  "'alternate'), ' '), ' alternate ')")
FEED_LINKS = compile_xpath(f"//link[{_REL_ALTERNATE}][@href][@type]")
FEED_TYPES = ("rss", "atom", "rdf", "feed+json")
HREFLANG = compile_xpath(f"//link[{_REL_ALTERNATE}][@hreflang][@href]")
ANCHORS = compile_xpath("//a[@href]")
HTML_LANG = compile_xpath("/html/@lang | /html/@xml:lang")
SITE_NAME = compile_xpath("//meta[@property='og:site_name']/@content")
TITLE = compile_xpath("//head/title")
# Links that may lead to a feed though the page does not name it as one.
FEEDLIKE_HREF = re.compile(r"(?:^|/)(?:rss|feed|atom)\d*(?:[/._-][\w./-]*)?$", re.IGNORECASE)


def _absolute(base: str, href: str) -> str | None:
    try:
        url = urljoin(base, href.strip())
    except ValueError:
        return None
    return url.split("#")[0] if url.startswith(("http://", "https://")) else None


def feed_links(doc: lxml.html.HtmlElement, base: str) -> list[str]:
    """The feeds a page names in its head (`<link rel=alternate type=…rss/atom…>`)."""
    found = []
    for link in FEED_LINKS(doc):
        kind = (link.get("type") or "").lower()
        if any(name in kind for name in FEED_TYPES) and (url := _absolute(base, link.get("href"))):
            found.append(url)
    return list(dict.fromkeys(found))


def feedlike_links(doc: lxml.html.HtmlElement, base: str) -> list[str]:
    """Links on a page that look like feeds (`/rss/`, `/feed.xml`, an `RSS` link)."""
    found = []
    for anchor in ANCHORS(doc):
        href = anchor.get("href") or ""
        label = text_of(anchor).strip().lower()
        path = urlsplit(href).path
        if FEEDLIKE_HREF.search(path.rstrip("/")) or label in ("rss", "rss-лента", "atom"):
            if url := _absolute(base, href):
                found.append(url)
    return list(dict.fromkeys(found))


def alternates(doc: lxml.html.HtmlElement, base: str) -> dict[str, str]:
    """The page's other languages: hreflang alternates, language -> URL (`x-default` left out)."""
    found: dict[str, str] = {}
    for link in HREFLANG(doc):
        language = language_code(link.get("hreflang"))
        if language and (url := _absolute(base, link.get("href"))):
            found.setdefault(language, url)
    return found


def language_switch(doc: lxml.html.HtmlElement, base: str) -> dict[str, str]:
    """Links of a language switch: anchors with an hreflang, or labelled `Рус`, `Қаз`, `Eng`…"""
    found: dict[str, str] = {}
    for anchor in ANCHORS(doc):
        url = _absolute(base, anchor.get("href") or "")
        if not url:
            continue
        language = language_code(anchor.get("hreflang"))
        if language is None:
            label = " ".join(text_of(anchor).lower().split()).strip(" |·•")
            language = next((code for code, labels in SWITCH_LABELS.items() if label in labels),
                            None)
        if language:
            found.setdefault(language, url)
    return found


def declared_language(doc: lxml.html.HtmlElement) -> str | None:
    return next((code for value in HTML_LANG(doc) if (code := language_code(value))), None)


def site_title(doc: lxml.html.HtmlElement) -> str:
    """The site's own name: og:site_name, else the home page's title up to a separator."""
    name = next((value.strip() for value in SITE_NAME(doc) if value.strip()), "")
    if name:
        return name
    title = next((text_of(element) for element in TITLE(doc)), "")
    return re.split(r"\s+[|—–-]\s+|\s*[|—–]\s*", title)[0].strip()


# Labels of a link to the list of all news (a listing to page through).
LISTING_LABELS = ("все новости", "лента новостей", "архив новостей", "все материалы", "архив",
                  "барлық жаңалықтар", "жаңалықтар мұрағаты", "жаңалықтар таспасы",
                  "барлық материалдар", "мұрағат", "all news", "latest news", "news archive",
                  "more news", "all stories", "archive")


def listing_links(doc: lxml.html.HtmlElement, base: str) -> list[str]:
    """Links labelled as the list of all news or the archive (`Все новости`, `All news`)."""
    found = []
    for anchor in ANCHORS(doc):
        label = " ".join(text_of(anchor).lower().split()).strip(" »›→.")
        if label in LISTING_LABELS and (url := _absolute(base, anchor.get("href") or "")):
            found.append(url)
    return list(dict.fromkeys(found))


def next_page_link(doc: lxml.html.HtmlElement, base: str) -> str | None:
    """The link to a listing's next page: rel=next, else a link labelled next, else page 2."""
    for href in doc.xpath("//link[@rel='next']/@href | //a[@rel='next']/@href"):
        if url := _absolute(base, href):
            return url
    for anchor in ANCHORS(doc):
        label = " ".join(text_of(anchor).lower().split())
        classes = (anchor.get("class") or "").lower().split()
        if "next" in classes or re.match(r"^(?:следующая|келесі|next|older|далее|ещё|»|›)",
                                         label):
            if url := _absolute(base, anchor.get("href") or ""):
                return url
    return None


def meta_refresh(doc: lxml.html.HtmlElement, base: str) -> str | None:
    """Where a page sends its reader at once (`<meta http-equiv=refresh content="0; url=…">`)."""
    for content in doc.xpath("//meta[translate(@http-equiv, 'REFSH', 'refsh')='refresh']/@content"):
        match = re.search(r"url\s*=\s*['\"]?([^'\";]+)", content, re.IGNORECASE)
        if match and (url := _absolute(base, match.group(1))):
            return url
    return None


def page_links(doc: lxml.html.HtmlElement, base: str) -> list[str]:
    """Every link of a page, absolute, once each, in page order."""
    return list(dict.fromkeys(url for anchor in ANCHORS(doc)
                              if (url := _absolute(base, anchor.get("href") or ""))))


# ---- feeds and sitemaps ----------------------------------------------------------------------------

_XML = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)


def _xml(body: bytes) -> etree._Element | None:
    try:
        root = etree.fromstring(body.lstrip(), _XML)
    except (etree.XMLSyntaxError, ValueError):
        return None
    return root


def _local(root, path: str) -> list:
    return root.xpath(path)


@dataclass
class Feed:
    """A parsed RSS or Atom feed."""

    kind: str  # "rss" or "atom"
    title: str
    language: str | None
    entries: list[str] = field(default_factory=list)  # the entries' links, in feed order
    titles: list[str] = field(default_factory=list)


def parse_feed(body: bytes, base: str) -> Feed | None:
    """An RSS (0.9x, 1.0, 2.0) or Atom feed; None when the document is not one."""
    root = _xml(body)
    if root is None:
        return None
    name = etree.QName(root).localname.lower()
    if name in ("rss", "rdf"):
        items = root.xpath("//*[local-name()='item']")
        links = []
        for item in items:
            link = item.xpath("string(*[local-name()='link'])").strip() or item.xpath(
                "string(*[local-name()='guid'][not(@isPermaLink='false')])").strip()
            links.append(link)
        language = root.xpath("string(//*[local-name()='channel']/*[local-name()='language'])")
        title = root.xpath("string(//*[local-name()='channel']/*[local-name()='title'])")
        titles = [item.xpath("string(*[local-name()='title'])").strip() for item in items]
        kind = "rss"
    elif name == "feed":
        entries = root.xpath("//*[local-name()='entry']")
        links = []
        for entry in entries:
            hrefs = entry.xpath("*[local-name()='link'][not(@rel) or @rel='alternate']/@href")
            links.append(hrefs[0].strip() if hrefs else "")
        language = root.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
        title = root.xpath("string(*[local-name()='title'])")
        titles = [entry.xpath("string(*[local-name()='title'])").strip() for entry in entries]
        kind = "atom"
    else:
        return None
    urls = [url for link in links if link and (url := _absolute(base, link))]
    return Feed(kind, " ".join(title.split()), language_code(language), urls, titles)


@dataclass
class Sitemap:
    """A parsed sitemap: an index of other sitemaps, or a set of page URLs."""

    kind: str  # "index" or "urlset"
    entries: list[tuple[str, str]] = field(default_factory=list)  # (loc, lastmod)
    news: bool = False  # a Google News sitemap


def parse_sitemap(body: bytes, base: str) -> Sitemap | None:
    """A sitemap index or URL set; None when the document is not one."""
    root = _xml(body)
    if root is None:
        return None
    name = etree.QName(root).localname.lower()
    if name not in ("sitemapindex", "urlset"):
        return None
    child = "sitemap" if name == "sitemapindex" else "url"
    entries = []
    for node in root.xpath(f"*[local-name()='{child}']"):
        loc = node.xpath("string(*[local-name()='loc'])").strip()
        lastmod = node.xpath("string(*[local-name()='lastmod'])").strip()
        if loc and (url := _absolute(base, loc)):
            entries.append((url, lastmod))
    news = bool(root.xpath("//*[local-name()='news']"))
    return Sitemap("index" if name == "sitemapindex" else "urlset", entries, news)


# Names of sitemaps of articles, and of sitemaps of pages that are not articles.
ARTICLE_SITEMAP = re.compile(r"news|post|article|stor(?:y|ies)|material|item", re.IGNORECASE)
OTHER_SITEMAP = re.compile(r"page|tag|categor|author|user|taxonom|section|rubric|topic|image|"
                           r"video|person|static", re.IGNORECASE)


def _sitemap_kind(loc: str) -> int:
    """0 news, 1 named for articles, 2 unnamed, 3 of pages, tags, authors or sections."""
    name = urlsplit(loc).path.rsplit("/", 1)[-1]
    if "news" in name.lower():
        return 0
    if OTHER_SITEMAP.search(name):
        return 3
    return 1 if ARTICLE_SITEMAP.search(name) else 2


def sitemaps_to_read(index: Sitemap, most: int = 3) -> list[str]:
    """The sitemaps of an index worth reading for recent articles: news sitemaps first, then
    those named for articles (posts, stories), then unnamed ones, each kind the most recently
    modified (without dates, the last listed) first; those of pages, tags, authors or sections
    only when there is nothing else."""
    items = list(enumerate(index.entries))
    items.sort(key=lambda item: item[0], reverse=True)  # later listed first
    items.sort(key=lambda item: item[1][1], reverse=True)  # newer first, undated last
    items.sort(key=lambda item: _sitemap_kind(item[1][0]))
    wanted = [loc for _, (loc, _) in items if _sitemap_kind(loc) < 3] or \
        [loc for _, (loc, _) in items]
    return list(dict.fromkeys(wanted))[:most]


# Feeds of readers' comments, not of articles.
COMMENT_FEED = re.compile(r"comment|коммент|пікір", re.IGNORECASE)


# ---- where an edition lives -------------------------------------------------------------------------

def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _first_segment(url: str) -> str:
    parts = [part for part in urlsplit(url).path.split("/") if part]
    return parts[0] if len(parts) > 1 or urlsplit(url).path.endswith("/") and parts else ""


def edition_place(home: str, url: str) -> dict[str, str]:
    """Where an edition whose home page is `url` lives, next to the site's `home`: a host of its
    own, a query parameter, or a path prefix; {} when it cannot be told."""
    if _host(url).removeprefix("www.") != _host(home).removeprefix("www."):
        return {"host": _host(url)}
    home_query = dict(parse_qsl(urlsplit(home).query))
    extra = [(k, v) for k, v in parse_qsl(urlsplit(url).query) if home_query.get(k) != v]
    if len(extra) == 1 and len(extra[0][1]) <= 12:
        return {"query": f"{extra[0][0]}={extra[0][1]}"}
    path = urlsplit(url).path
    home_path = urlsplit(home).path or "/"
    if path != home_path:
        segment = [part for part in path.split("/") if part][:1]
        if segment and len(segment[0]) <= 12:
            return {"prefix": f"/{segment[0]}/"}
    return {}


def in_place(url: str, place: dict[str, str]) -> bool:
    """True when a URL is where an edition lives (its host, query parameter or path prefix)."""
    if "host" in place:
        return _host(url) == place["host"]
    if "query" in place:
        return tuple(place["query"].split("=", 1)) in parse_qsl(urlsplit(url).query)
    if "prefix" in place:
        return urlsplit(url).path.startswith(place["prefix"])
    return True


def place_of_urls(urls: list[str], others: list[str], home: str) -> dict[str, str]:
    """Where the articles of one language live, from their URLs and those of the other
    languages: a host (not the home page's), a query parameter or a path prefix that all of
    them have and none of the others; {} when nothing sets them apart."""
    if not urls:
        return {}
    hosts = {_host(url) for url in urls}
    home_host = _host(home).removeprefix("www.")
    if len(hosts) == 1 and (host := next(iter(hosts))).removeprefix("www.") != home_host \
            and host not in {_host(url) for url in others}:
        return {"host": host}
    pairs = set.intersection(*(set(parse_qsl(urlsplit(url).query)) for url in urls))
    other_pairs = set().union(*(set(parse_qsl(urlsplit(url).query)) for url in others))
    for name, value in sorted(pairs - other_pairs):
        if not value.isdigit():
            return {"query": f"{name}={value}"}
    segments = {_first_segment(url) for url in urls}
    if len(segments) == 1 and (segment := segments.pop()) and \
            segment not in {_first_segment(url) for url in others}:
        return {"prefix": f"/{segment}/"}
    return {}


# ---- the shape of article URLs ----------------------------------------------------------------------

TRACKING = re.compile(r"^(?:utm_\w+|fbclid|gclid|yclid|ysclid|dclid|msclkid|igshid|_ga|_gl|"
                      r"mc_cid|mc_eid|_openstat)$", re.IGNORECASE)
_EXTENSION = re.compile(r"\.(html?|s?html|php|aspx?|jsp|cms)$", re.IGNORECASE)


def clean_url(url: str) -> str:
    """A URL without its fragment and tracking parameters (`utm_*`, `fbclid`, …)."""
    parts = urlsplit(url)
    query = "&".join(pair for pair in parts.query.split("&")
                     if pair and not TRACKING.match(unquote(pair.split("=")[0])))
    return parts._replace(query=query, fragment="").geturl()


@dataclass(frozen=True)
class Segment:
    """One path segment's shape: its kind, the literal text, and an extension it ends in."""

    kind: str  # year, day, isodate, date8, id, id-slug, slug-id, slug, word
    text: str
    extension: str = ""
    letter: str = ""  # a letter before the number of a slug-id (`…_a4215432`)


def segment_shape(segment: str) -> Segment:
    """The shape of one path segment."""
    text = unquote(segment)
    match = _EXTENSION.search(text)
    extension = match.group(0) if match else ""
    stem = text[: len(text) - len(extension)] if extension else text
    if re.fullmatch(r"(?:19|20)\d\d", stem):
        return Segment("year", text, extension)
    if re.fullmatch(r"\d{1,2}", stem):
        return Segment("day", text, extension)
    if re.fullmatch(r"(?:19|20)\d\d-\d\d-\d\d", stem):
        return Segment("isodate", text, extension)
    if re.fullmatch(r"(?:19|20)\d\d(?:0\d|1[0-2])[0-3]\d", stem):
        return Segment("date8", text, extension)
    if re.fullmatch(r"\d{3,}", stem):
        return Segment("id", text, extension)
    if re.fullmatch(r"\d{3,}[-_].*[^\W\d_].*", stem):
        return Segment("id-slug", text, extension)
    if match := re.fullmatch(r"(.*[^\W\d_].*?)[-_]([a-z]?)\d{3,}", stem):
        return Segment("slug-id", text, extension, match.group(2))
    words = [word for word in re.split(r"[-_+.]+", stem) if word]
    return Segment("slug" if len(words) >= 3 else "word", text, extension)


def _shape_of(url: str) -> tuple[tuple[Segment, ...], bool]:
    path = urlsplit(url).path
    segments = tuple(segment_shape(part) for part in path.split("/") if part)
    return segments, path.endswith("/")


ID_KINDS = ("id", "id-slug", "slug-id")
DATE_KINDS = ("year", "isodate", "date8")


@dataclass
class UrlRule:
    """The learned rule: patterns over the path, the key, the query parameters kept, and how
    many of the URLs it was learned from it matches."""

    patterns: list[str]
    key: str
    id_param: str = ""
    query: list[str] = field(default_factory=list)
    matched: int = 0
    seen: int = 0
    examples: dict[str, str] = field(default_factory=dict)  # pattern -> one URL it matches


def _position_pattern(shapes: list[Segment], position: int, is_id: bool, first: bool,
                      before_last: bool = False) -> str:
    kinds = {shape.kind for shape in shapes}
    (kind,) = kinds
    extensions = {shape.extension for shape in shapes}
    extension = re.escape(extensions.pop()) if len(extensions) == 1 else r"(?:\.\w+)?"
    if kind == "year":
        core = r"\d{4}"
    elif kind == "day":
        core = r"\d{1,2}"
    elif kind == "isodate":
        core = r"\d{4}-\d{2}-\d{2}"
    elif kind == "date8":
        core = r"\d{8}"
    elif kind in ID_KINDS:
        number = r"(?P<id>\d+)" if is_id else r"\d+"
        letters = {shape.letter for shape in shapes}
        letter = re.escape(letters.pop()) if len(letters) == 1 else "[a-z]?"
        core = {"id": number, "id-slug": number + r"[-_][^/]+?",
                "slug-id": r"[^/]+?[-_]" + letter + number}[kind]
    else:
        values = {shape.text for shape in shapes}
        if len(values) == 1 and kind == "word" and not before_last:
            return re.escape(values.pop())
        repeated = len(values) < len(shapes)
        if kind == "word" and first and repeated:
            return r"(?P<section>[^/]+?)" + (extension if extension.startswith(r"\.") else "")
        if kind == "slug":  # three words at least: not a one-word page (/about/, /en/)
            core = r"[^/]+?[-_+.][^/]+?[-_+.][^/]+?" if extension else \
                r"[^/]+?[-_+.][^/]+?[-_+.][^/]+"
        else:
            core = r"[^/]+?" if extension else r"[^/]+"
    return core + (extension if kind not in ("year", "day", "isodate", "date8") or
                   extension.startswith(r"\.") else "")


def _group_pattern(shapes: list[tuple[Segment, ...]], slashes: list[bool]) -> tuple[str, bool]:
    """A pattern matching every URL of a group of one shape, and whether it holds an id."""
    depth = len(shapes[0])
    id_positions = [i for i in range(depth) if shapes[0][i].kind in ID_KINDS]
    id_at = id_positions[-1] if id_positions else None
    # deep under fixed words, the segment before the last is a section, though one was seen
    parts = [_position_pattern([shape[i] for shape in shapes], i, i == id_at, i == 0,
                               before_last=depth >= 4 and i == depth - 2)
             for i in range(depth)]
    ending = "/" if all(slashes) else ("" if not any(slashes) else "/?")
    return "^/" + "/".join(parts) + ending + "$", id_at is not None


# First path segments of pages that list or describe rather than tell (tags, authors, ...).
NOT_ARTICLE_WORDS = frozenset({
    "tag", "tags", "author", "authors", "avtory", "avtor", "category", "categories", "topic",
    "topics", "section", "sections", "rubric", "rubrics", "rubrika", "search", "page", "pages",
    "user", "users", "profile", "static", "about", "contacts", "contact", "theme", "themes",
    "person", "persons", "persona", "subject", "label", "labels", "archive", "wp-content",
    "uploads", "media", "images", "img", "files", "assets", "feed", "rss", "amp", "login",
})


def _article_like(shapes: list[tuple[Segment, ...]]) -> bool:
    """A group of URLs looks like articles: each has a number, a date or a slug of words, and
    does not stand under a word of pages that list (`/tag/`, `/author/`, `/category/`)."""
    sample = shapes[0]
    if not sample or (sample[0].kind == "word" and sample[0].text.lower() in NOT_ARTICLE_WORDS):
        return False
    return any(s.kind in ID_KINDS + DATE_KINDS or s.kind == "slug" for s in sample)


LANGUAGE_PARAMS = frozenset({"lang", "language", "lng", "hl", "locale", "l", "lan"})
# Values that name a language in an address (ISO 639-1 codes and the forms sites use).
LANGUAGE_VALUES = frozenset(
    "ru kk kz en qaz kaz rus eng uz ky kg tg tk az hy ka uk be tr de fr es it pt pl nl sv fi no "
    "da cs sk hu ro bg sr hr el he ar fa ur hi bn zh ja ko vi th id ms mn".split())


def _identity_params(urls: list[str]) -> tuple[str, list[str]]:
    """The query parameter holding a number that tells the URLs apart, and the parameters to
    keep in an article's address: that one, any other that tells them apart, and one that names
    a language (an edition's, such as `lang=kz`); not tracking or placement ones (`?hpt=t1`)."""
    params = [[(k, v) for k, v in parse_qsl(urlsplit(url).query) if not TRACKING.match(k)]
              for url in urls]
    names = Counter(k for pairs in params for k, _ in set(pairs))
    values: dict[str, set[str]] = {}
    for pairs in params:
        for k, v in pairs:
            values.setdefault(k, set()).add(v)

    def tells_apart(name: str) -> bool:
        return names[name] >= 0.8 * len(urls) and len(values[name]) >= 0.8 * names[name]

    def names_language(name: str) -> bool:
        return name.lower() in LANGUAGE_PARAMS or all(
            re.split(r"[-_]", value.lower())[0] in LANGUAGE_VALUES for value in values[name])

    id_param = next((name for name, _ in names.most_common()
                     if tells_apart(name) and all(v.isdigit() for v in values[name])), "")
    kept = [name for name in names if tells_apart(name) or names_language(name)]
    return id_param, sorted(kept)


def _without_id(pattern: str) -> str:
    """The pattern with its id group as a plain number."""
    return pattern.replace(r"(?P<id>\d+)", r"\d+")


def _distinct_ids(pattern: str, urls: list[str]) -> bool:
    """True when the number the pattern reads tells the URLs apart (it is an id, not a count)."""
    compiled = re.compile(pattern)
    ids = [match["id"] for url in urls if (match := compiled.match(urlsplit(url).path))]
    return bool(ids) and len(set(ids)) >= 0.9 * len(ids)


def learn_article_rule(urls: list[str], trusted: set[str] | frozenset[str] = frozenset(),
                       least_share: float = 0.05) -> UrlRule | None:
    """The rule that recognises the site's article URLs, learned from URLs its feeds and
    sitemaps list (`trusted`: links of feed entries, articles for certain). URLs are grouped by
    the shape of their path (dates, numbers, slugs, fixed words); a group is kept when it looks
    like articles and is not a stray few. The key is the number the URLs carry, in their path
    or in one query parameter, where every kept group has one; else the canonical URL."""
    urls = list(dict.fromkeys(urls))
    if not urls:
        return None
    groups: dict[tuple, list[str]] = {}
    for url in urls:
        shape, _ = _shape_of(url)
        key = ((urlsplit(url).hostname or "").removeprefix("www."), tuple(s.kind for s in shape),
               tuple(s.text for s in shape if s.kind == "word" and len(shape) == 1))
        groups.setdefault(key, []).append(url)
    least = max(2, round(least_share * len(urls)))
    kept: list[list[str]] = []
    for members in sorted(groups.values(), key=len, reverse=True):
        shapes = [_shape_of(url)[0] for url in members]
        from_feeds = sum(url in trusted for url in members)
        query_id, kept_names = _identity_params(members)
        # told apart by the query: by a number (`?id=123`) or by any value (`?article=slug`)
        query_id = query_id or any(name.lower() not in LANGUAGE_PARAMS for name in kept_names)
        if not shapes[0] and not query_id:
            continue  # the home page
        if (len(members) >= least and (_article_like(shapes) or query_id)) or from_feeds >= 2:
            kept.append(members)
    if not kept:  # few URLs to learn from: those of the feeds, else the likeliest group
        likely = [members for members in sorted(groups.values(), key=len, reverse=True)
                  if any(url in trusted for url in members)
                  or _article_like([_shape_of(url)[0] for url in members])]
        kept = likely[:1]
    if not kept:
        return None
    patterns, with_id, query, id_params, examples = [], [], set(), set(), {}
    for members in kept:
        shapes = [_shape_of(url)[0] for url in members]
        slashes = [_shape_of(url)[1] for url in members]
        pattern, has_id = _group_pattern(shapes, slashes)
        if has_id and not _distinct_ids(pattern, members):
            pattern, has_id = _without_id(pattern), False
        id_param, names = _identity_params(members)
        if id_param:
            id_params.add(id_param)
        query.update(names)
        with_id.append(has_id or bool(id_param))
        if pattern not in patterns:
            patterns.append(pattern)
            examples[pattern] = members[0]
    matched = sum(len(members) for members in kept)
    id_param = id_params.pop() if len(id_params) == 1 else ""
    key = "id" if all(with_id) and (id_param or not id_params) else "url"
    if key == "url" or id_param:
        # no number is the key, or the number in the query is: the path's numbers are no id
        examples = {_without_id(p): url for p, url in examples.items()}
        patterns = [_without_id(p) for p in patterns]
    return UrlRule(patterns, key, id_param if key == "id" else "", sorted(query), matched,
                   len(urls), examples)
