"""URL rules of the outlet: article ids, canonical form, editions and same-site checks."""

from __future__ import annotations

import re
from urllib.parse import SplitResult, unquote, urljoin, urlsplit, urlunsplit

# /<section>/<id>-<slug>.html, and the old style /<section>/<id>-<old_slug>-<id>.html
ARTICLE_PATH = re.compile(r"^/(?P<section>[\w-]+)/(?P<id>\d+)-(?P<slug>[^/]+?)\.html$")
# The oldest style starts with the slug and ends with the id: /<section>/<old_slug>-<id>.html
SLUG_FIRST_PATH = re.compile(
    r"^/(?P<section>[\w-]+)/(?P<slug>[^/]*?[^\d/-][^/]*?)-(?P<id>\d+)\.html$")

NON_ARTICLE_SECTIONS = frozenset({
    "tags", "tag", "author", "authors", "avtory", "search", "feed", "rss", "sitemap",
    "media", "static", "upload", "uploads", "images", "files", "_replay",
})

SECTION_LANGUAGES = {"english": "en", "vlast-qazaqsha": "kk", "vlas-qazaqsha": "kk"}

TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "yclid", "ysclid", "dclid", "msclkid", "igshid", "mc_cid", "mc_eid",
    "_openstat", "_ga", "_gl",
})

INTERFACE_PREFIX = re.compile(r"^/kz(?=/|$)", re.IGNORECASE)
# The AMP edition of an article: /amp/<section>/<id>-<slug>.html is the article itself.
AMP_PREFIX = re.compile(r"^/amp(?=/[\w-]+/[^/]+\.html/?$)", re.IGNORECASE)
DEFAULT_PORTS = {"http": 80, "https": 443}


def _port(parts: SplitResult) -> int | None:
    """The explicit port, None when it is the scheme's default."""
    port = parts.port
    return None if port == DEFAULT_PORTS.get(parts.scheme.lower()) else port


def _netloc(parts: SplitResult) -> str:
    """Host (lower-case, as urllib gives it) and port unless it is the scheme's default."""
    host = parts.hostname or ""
    port = _port(parts)
    return f"{host}:{port}" if port else host


def _site_key(parts: SplitResult) -> str:
    return _netloc(parts).removeprefix("www.")


def _normalise_path(path: str) -> str:
    path = re.sub(r"/{2,}", "/", path) or "/"
    path = INTERFACE_PREFIX.sub("", path) or "/"
    return AMP_PREFIX.sub("", path)  # the prefix goes only when a path follows it


def site_path(url: str) -> str:
    """The path of a URL without the `/kz/` interface prefix or `/amp/`, with single slashes."""
    return _normalise_path(urlsplit(url).path)


def _article_match(url: str) -> re.Match | None:
    path = site_path(url).removesuffix("/")  # site_path has no repeated slashes
    match = ARTICLE_PATH.match(path) or SLUG_FIRST_PATH.match(path)
    if match is None or match["section"].lower() in NON_ARTICLE_SECTIONS:
        return None
    return match


def article_id_from_url(url: str) -> int | None:
    """The article number in an article URL (new or old style), or None."""
    match = _article_match(url)
    return int(match["id"]) if match else None


def is_article_url(url: str) -> bool:
    """True for an article page URL; false for tags, authors, search, feeds, listings, media."""
    return _article_match(url) is not None


def section_and_slug(url: str) -> tuple[str, str] | None:
    """Section and slug of an article URL; the slug is all between `<id>-` and `.html`."""
    match = _article_match(url)
    return (match["section"], match["slug"]) if match else None


def language_for_section(section: str) -> str:
    """Edition language of a section: `en`, `kk`, or `ru` for every other section."""
    return SECTION_LANGUAGES.get(section.lower(), "ru")


def same_site(url: str, base_url: str) -> bool:
    """True when url (absolute or relative) is on the host of base_url, ignoring www. and scheme."""
    parts = urlsplit(url)
    return not parts.netloc or _site_key(parts) == _site_key(urlsplit(base_url))


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name.startswith("utm_") or name in TRACKING_PARAMS


def _clean_query(query: str) -> str:
    """The query without tracking parameters, the others kept exactly as written."""
    kept = [p for p in query.split("&") if p and not _is_tracking(unquote(p.split("=")[0]))]
    return "&".join(kept)


def _clean_path(path: str) -> str:
    path = _normalise_path(path)
    page = path.removesuffix("/")  # no repeated slashes left
    return page if page.endswith(".html") else path


def canonical_url(url: str, base_url: str | None = None) -> str:
    """Canonical form of a URL of the outlet.

    Resolves against base_url, drops the `/kz/` interface prefix, the `/amp/` edition, tracking
    parameters and the fragment, collapses repeated slashes and removes the slash after `.html`.
    When base_url is given, a URL of the same site takes its scheme and host (http/https, www.).
    """
    url = url.strip()
    if base_url:
        url = urljoin(base_url, url)
    parts = urlsplit(url)
    scheme, netloc = parts.scheme.lower(), _netloc(parts)
    if base_url and same_site(url, base_url):
        base = urlsplit(base_url)
        scheme, netloc = base.scheme.lower(), _netloc(base)
    return urlunsplit((scheme, netloc, _clean_path(parts.path), _clean_query(parts.query), ""))


def plain_url(url: str) -> str:
    """A page URL of any site without its fragment and tracking parameters."""
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme.lower(), _netloc(parts), parts.path or "/",
                       _clean_query(parts.query), ""))


def article_reference(ref: str) -> tuple[int | None, str | None]:
    """(article id, canonical URL) a reader's reference names: an id, or any URL of an article."""
    ref = ref.strip()
    if ref.isdigit():
        return int(ref), None
    return article_id_from_url(ref), canonical_url(ref)


def edition_ids(urls: list[str]) -> list[int]:
    """The article ids of a page's links to its other editions (other links are skipped)."""
    return [found for url in urls if (found := article_id_from_url(url)) is not None]
