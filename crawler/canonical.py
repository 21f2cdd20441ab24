"""URL rules of an outlet, read from its definition: article ids, canonical form, editions and
same-site checks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import SplitResult, parse_qsl, unquote, urljoin, urlsplit, urlunsplit

from outlets import Outlet, default_outlet
from outlets.definition import EVERY_PARAMETER

TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "yclid", "ysclid", "dclid", "msclkid", "igshid", "mc_cid", "mc_eid",
    "_openstat", "_ga", "_gl",
})


@dataclass(frozen=True)
class UrlRules:
    """An outlet's article URL rules, compiled once."""

    patterns: tuple[re.Pattern, ...]
    aliases: tuple[re.Pattern, ...]
    not_sections: frozenset[str]
    id_param: str
    query: tuple[str, ...]
    section_languages: dict[str, str]  # sections that are an edition's path prefix
    default_language: str


@lru_cache(maxsize=64)
def url_rules(outlet: Outlet | None = None) -> UrlRules:
    """The compiled URL rules of an outlet (by default the default outlet)."""
    outlet = outlet or default_outlet()
    rules = outlet.articles
    sections = {prefix.strip("/").lower(): edition.language for edition in outlet.editions
                for prefix in edition.prefixes if prefix.strip("/") and "/" not in prefix.strip("/")}
    default = outlet.default_edition
    return UrlRules(
        patterns=tuple(re.compile(pattern) for pattern in rules.patterns),
        aliases=tuple(re.compile(alias) for alias in rules.aliases),
        not_sections=frozenset(rules.not_sections), id_param=rules.id_param, query=rules.query,
        section_languages=sections, default_language=default.language if default else "")


# The default outlet's sections that name an edition, and their languages.
SECTION_LANGUAGES = url_rules().section_languages
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


def _normalise_path(path: str, rules: UrlRules) -> str:
    path = re.sub(r"/{2,}", "/", path) or "/"
    for alias in rules.aliases:  # e.g. an interface-language prefix, an AMP edition
        path = alias.sub("", path, count=1) or "/"
    return path


def site_path(url: str, outlet: Outlet | None = None) -> str:
    """The path of a URL without the outlet's aliases (e.g. an interface-language prefix, an AMP
    edition's `/amp/`), with single slashes."""
    return _normalise_path(urlsplit(url).path, url_rules(outlet))


@dataclass(frozen=True)
class ArticleUrl:
    """What an article URL says: the article's id (None where the outlet has none), section
    and slug (empty where the URL has none)."""

    id: int | None
    section: str
    slug: str


def _group(match: re.Match, name: str) -> str:
    return (match.groupdict().get(name) or "") if match else ""


def _article_match(url: str, outlet: Outlet | None = None) -> ArticleUrl | None:
    rules = url_rules(outlet)
    path = site_path(url, outlet)  # without repeated slashes
    match = next((found for pattern in rules.patterns
                  if (found := pattern.match(path) or pattern.match(path.removesuffix("/")))),
                 None)
    if match is None:
        return None
    section = _group(match, "section")
    if (section or path.strip("/").split("/")[0]).lower() in rules.not_sections:
        return None
    number = _group(match, "id")
    if rules.id_param:
        number = next((value for name, value in parse_qsl(urlsplit(url).query)
                       if name == rules.id_param), "")
        if not number.isdigit():
            return None
    return ArticleUrl(int(number) if number else None, section, _group(match, "slug"))


def article_id_from_url(url: str, outlet: Outlet | None = None) -> int | None:
    """The article number in an article URL (new or old style), or None."""
    match = _article_match(url, outlet)
    return match.id if match else None


def is_article_url(url: str, outlet: Outlet | None = None) -> bool:
    """True for an article page URL; false for tags, authors, search, feeds, listings, media."""
    return _article_match(url, outlet) is not None


def section_and_slug(url: str, outlet: Outlet | None = None) -> tuple[str, str] | None:
    """Section and slug of an article URL, as its pattern's named groups give them."""
    match = _article_match(url, outlet)
    return (match.section, match.slug) if match else None


def language_for_section(section: str, outlet: Outlet | None = None) -> str:
    """Edition language of a section: the edition whose path prefix it is, else the default
    edition's (e.g. `en` for the section `english` when the English edition lives under `/english/`)."""
    rules = url_rules(outlet)
    return rules.section_languages.get(section.lower(), rules.default_language)


def edition_of(url: str, outlet: Outlet | None = None) -> str | None:
    """The language of the edition a URL of the outlet belongs to, by where the editions live
    (a host, a query parameter, a path prefix), else the default edition's; None without one."""
    outlet = outlet or default_outlet()
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    query = dict(parse_qsl(parts.query))
    path = site_path(url, outlet)
    for edition in outlet.editions:
        pair = edition.query_pair()
        if (edition.host and host == edition.host) or (pair and query.get(pair[0]) == pair[1]) \
                or any(path.startswith(prefix) for prefix in edition.prefixes):
            return edition.language
    default = outlet.default_edition
    return default.language if default else None


def same_site(url: str, base_url: str) -> bool:
    """True when url (absolute or relative) is on the host of base_url, ignoring www. and scheme."""
    parts = urlsplit(url)
    return not parts.netloc or _site_key(parts) == _site_key(urlsplit(base_url))


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name.startswith("utm_") or name in TRACKING_PARAMS


def _clean_query(query: str, kept_names: tuple[str, ...] = (EVERY_PARAMETER,)) -> str:
    """The query without tracking parameters (or with only the named ones), the others kept
    exactly as written."""
    every = EVERY_PARAMETER in kept_names

    def kept(name: str) -> bool:
        return not _is_tracking(name) if every else name in kept_names

    return "&".join(p for p in query.split("&") if p and kept(unquote(p.split("=")[0])))


def _clean_path(path: str, rules: UrlRules) -> str:
    path = _normalise_path(path, rules)
    page = path.removesuffix("/")  # no repeated slashes left
    return page if page.endswith(".html") else path


def canonical_url(url: str, base_url: str | None = None, outlet: Outlet | None = None) -> str:
    """Canonical form of a URL of the outlet.

    Resolves against base_url, drops the outlet's aliases (e.g. an interface-language prefix or
    an AMP edition's `/amp/`), tracking parameters (of an article, every parameter its rule does
    not keep) and the fragment, collapses repeated slashes and removes the slash after `.html`.
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
    rules = url_rules(outlet)
    query = _clean_query(parts.query, rules.query if _article_match(url, outlet) else
                         (EVERY_PARAMETER,))
    return urlunsplit((scheme, netloc, _clean_path(parts.path, rules), query, ""))


def plain_url(url: str) -> str:
    """A page URL of any site without its fragment and tracking parameters."""
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme.lower(), _netloc(parts), parts.path or "/",
                       _clean_query(parts.query), ""))


def article_reference(ref: str, outlet: Outlet | None = None) -> tuple[int | None, str | None]:
    """(article id, canonical URL) a reader's reference names: an id, or any URL of an article."""
    ref = ref.strip()
    if ref.isdigit():
        return int(ref), None
    return article_id_from_url(ref, outlet), canonical_url(ref, outlet=outlet)


def edition_ids(urls: list[str], outlet: Outlet | None = None) -> list[int]:
    """The article ids of a page's links to its other editions (other links are skipped)."""
    return [found for url in urls if (found := article_id_from_url(url, outlet)) is not None]
