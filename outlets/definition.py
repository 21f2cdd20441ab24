"""An outlet as a definition: hosts, editions, discovery, article URLs, extraction and politeness.

A definition is plain data, read from and written to TOML (outlets/files.py); the crawl, the URL
rules and the extractor read it. Every value is checked when a definition is built, so that a
file edited by hand fails on load with a line saying what is wrong and where, never later.
"""

from __future__ import annotations

import re
from dataclasses import MISSING, dataclass, field, fields
from difflib import get_close_matches
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
LANGUAGE = re.compile(r"[a-z]{2,3}")
KEYS = ("id", "url")
# A query parameter kept in an article's URL: "*" keeps every one but the tracking parameters.
EVERY_PARAMETER = "*"


class DefinitionError(ValueError):
    """A definition that cannot be used, with where (file, table, key) and what is wrong."""


@dataclass(frozen=True)
class Edition:
    """One language edition of the outlet and where it lives: a path prefix, a host of its own
    or a query parameter; the default edition holds every article no other edition claims."""

    language: str
    default: bool = False
    prefixes: tuple[str, ...] = ()  # path prefixes: "/english/"
    host: str = ""  # a host of its own: "en.example.kz"
    query: str = ""  # a query parameter and its value: "lang=kz"
    home: str = ""  # its own home page (a path or a URL), when it has one
    feeds: tuple[str, ...] = ()  # feeds of this edition alone
    sections: tuple[str, ...] = ()  # listing sections of this edition
    listings: tuple[str, ...] = ()  # listing pages of this edition alone ("/archive.php?lang=kz")

    def query_pair(self) -> tuple[str, str] | None:
        """The query parameter and value that mark the edition, or None."""
        if not self.query:
            return None
        name, _, value = self.query.partition("=")
        return name, value


@dataclass(frozen=True)
class Discovery:
    """Where the outlet's articles are listed: feeds, sitemaps and listing pages."""

    feeds: tuple[str, ...] = ()  # paths or URLs of feeds of every edition
    sitemaps: tuple[str, ...] = ()  # sitemaps or sitemap indexes
    listing: str = ""  # first page of a section's listing: "/{section}/?archive=1"
    listing_page: str = ""  # page N of it: "/{section}/{page}/?archive=1"
    listings: tuple[str, ...] = ()  # listing pages that have no sections ("/archive.php")


@dataclass(frozen=True)
class Articles:
    """The rule that recognises an article URL and gives its key.

    `patterns` are regular expressions matched against the URL's path once the `aliases` (path
    starts that name the same page, such as an AMP or an interface-language prefix) are
    removed; named groups `id`, `section` and `slug` are read where a pattern has them. The key
    is the outlet's own `id` (from the path, or from the query parameter `id_param`) where it
    has one, else the canonical `url`.
    """

    patterns: tuple[str, ...] = ()
    key: str = "url"
    id_param: str = ""
    query: tuple[str, ...] = (EVERY_PARAMETER,)  # parameters kept in an article's URL
    aliases: tuple[str, ...] = ()
    not_sections: tuple[str, ...] = ()  # first path segments that are never articles


@dataclass(frozen=True)
class Layout:
    """One version of the outlet's article markup, valid for pages published before `until`
    (an ISO date; empty for the current layout)."""

    name: str
    until: str = ""
    note: str = ""


@dataclass(frozen=True)
class Extraction:
    """How article pages are read: the outlet's own module of dated layouts, or the generic
    path (OpenGraph, JSON-LD, trafilatura) when `module` is empty."""

    module: str = ""
    layouts: tuple[Layout, ...] = ()
    title_suffix: str = ""  # the site's name after the headline in <title>
    timezone: str = ""  # the zone the outlet's times are in (IANA name), when pages omit it
    # The folder of the definition's file, where its module may lie (`<folder>/<module>.py`);
    # not a key of the file.
    folder: str = field(default="", metadata={"internal": True})


@dataclass(frozen=True)
class Politeness:
    """How hard the outlet may be asked: robots.txt obeyed, seconds between requests."""

    robots: bool = True
    delay: float = 1.0


# The revisit policies an outlet may choose (storage/revisit.py).
REVISIT_POLICIES = ("adaptive", "steps")


@dataclass(frozen=True)
class Revisit:
    """When the outlet's archived articles are fetched again: `policy` "adaptive" or "steps"
    (empty: the service's, MEDIAWATCH_REVISIT_POLICY), `steps` the fixed delays in seconds
    (they choose "steps"; empty with "steps": the default steps)."""

    policy: str = ""
    steps: tuple[int, ...] = ()


@dataclass(frozen=True)
class Outlet:
    """A news outlet as configuration."""

    name: str
    home: str
    title: str = ""
    hosts: tuple[str, ...] = ()
    editions: tuple[Edition, ...] = ()
    discovery: Discovery = field(default_factory=Discovery)
    articles: Articles = field(default_factory=Articles)
    extraction: Extraction = field(default_factory=Extraction)
    politeness: Politeness = field(default_factory=Politeness)
    revisit: Revisit = field(default_factory=Revisit)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(edition.language for edition in self.editions)

    def edition(self, language: str) -> Edition:
        """The edition in this language; KeyError when the outlet has none."""
        for edition in self.editions:
            if edition.language == language:
                return edition
        raise KeyError(f"{self.name} has no {language!r} edition")

    @property
    def default_edition(self) -> Edition | None:
        return next((edition for edition in self.editions if edition.default), None)

    def to_dict(self) -> dict:
        """The definition as plain data (the shape of its TOML file), empty values left out."""
        return _plain(self)

    @classmethod
    def from_dict(cls, data: dict, source: str = "definition", folder: str = "") -> Outlet:
        """A checked definition from plain data; DefinitionError says what is wrong and where.
        `folder` is where its file lies: an outlet module there comes before the built-in ones."""
        return _build(data, source, folder)


# ---- plain data -----------------------------------------------------------------------------------

# Written even when they hold their default: what a person editing the file looks for.
ALWAYS_WRITTEN = frozenset({("Articles", "key"), ("Articles", "query"), ("Politeness", "robots"),
                            ("Politeness", "delay")})


def _default(spec) -> object:
    return spec.default_factory() if spec.default_factory is not MISSING else spec.default


def _plain(value) -> object:
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    if not hasattr(value, "__dataclass_fields__"):
        return value
    data = {}
    for spec in fields(value):
        if spec.metadata.get("internal"):
            continue
        item = getattr(value, spec.name)
        table = hasattr(item, "__dataclass_fields__")
        always = (type(value).__name__, spec.name) in ALWAYS_WRITTEN
        if not table and item == _default(spec) and not always:
            continue
        plain = _plain(item)
        if plain != {}:
            data[spec.name] = plain
    return data


# ---- checking -----------------------------------------------------------------------------------

class _Reader:
    """Reads one table of plain data, each value checked against the field it fills."""

    def __init__(self, data: object, where: str, kind: type) -> None:
        if not isinstance(data, dict):
            raise DefinitionError(f"{where}: must be a table, not {_shown(data)}")
        self.data = data
        self.where = where
        known = [spec.name for spec in fields(kind) if not spec.metadata.get("internal")]
        for key in data:
            if key not in known:
                close = get_close_matches(str(key), known, n=1, cutoff=0.7)
                hint = f" (did you mean {close[0]!r}?)" if close else \
                    f"; the keys are {', '.join(known)}"
                raise DefinitionError(f"{where}: unknown key {key!r}{hint}")

    def at(self, key: str) -> str:
        return f"{self.where}.{key}"

    def text(self, key: str, required: bool = False) -> str:
        value = self.data.get(key, "")
        if not isinstance(value, str):
            raise DefinitionError(f"{self.at(key)}: must be text, not {_shown(value)}")
        if required and not value.strip():
            raise DefinitionError(f"{self.at(key)}: is required")
        return value.strip()

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise DefinitionError(f"{self.at(key)}: must be a list of text, not {_shown(value)}")
        return tuple(item.strip() for item in value if item.strip())

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise DefinitionError(f"{self.at(key)}: must be true or false, not {_shown(value)}")
        return value

    def number(self, key: str, default: float) -> float:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise DefinitionError(f"{self.at(key)}: must be a number of 0 or more, "
                                  f"not {_shown(value)}")
        return float(value)

    def table(self, key: str) -> object:
        return self.data.get(key, {})

    def tables(self, key: str) -> list:
        value = self.data.get(key, [])
        if not isinstance(value, list):
            raise DefinitionError(f"{self.at(key)}: must be a list of tables ([[{key}]]), "
                                  f"not {_shown(value)}")
        return value


def _shown(value: object) -> str:
    kind = {str: "text", bool: "true/false", int: "a number", float: "a number", list: "a list",
            dict: "a table"}.get(type(value), type(value).__name__)
    return f"{kind} {value!r}" if not isinstance(value, dict | list) else kind


def _url(value: str, where: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DefinitionError(f"{where}: {value!r} is not an http(s) URL")
    return value.rstrip("/")


def _path_or_url(value: str, where: str) -> str:
    if value.startswith("/"):
        return value
    if value.startswith(("http://", "https://")):
        return _url(value, where) if urlsplit(value).path in ("", "/") else value
    raise DefinitionError(f"{where}: {value!r} must be a path starting with / or an http(s) URL")


def _regex(value: str, where: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise DefinitionError(f"{where}: {value!r} is not a regular expression: {exc}") from None
    return value


def _edition(data: object, where: str) -> Edition:
    read = _Reader(data, where, Edition)
    language = read.text("language", required=True).lower()
    if not LANGUAGE.fullmatch(language):
        raise DefinitionError(f"{read.at('language')}: {language!r} is not a language code "
                              "such as ru, kk or en")
    prefixes = read.texts("prefixes")
    for prefix in prefixes:
        if not prefix.startswith("/"):
            raise DefinitionError(f"{read.at('prefixes')}: {prefix!r} must start with /")
    query = read.text("query")
    if query and not re.match(r"^[^=&?]+=[^=&?]*$", query):
        raise DefinitionError(f"{read.at('query')}: {query!r} must be name=value, "
                              "such as lang=kz")
    home = read.text("home")
    return Edition(
        language=language, default=read.flag("default", False), prefixes=prefixes,
        host=read.text("host").lower(), query=query,
        home=_path_or_url(home, read.at("home")) if home else "",
        feeds=tuple(_path_or_url(f, read.at("feeds")) for f in read.texts("feeds")),
        sections=read.texts("sections"),
        listings=tuple(_path_or_url(p, read.at("listings")) for p in read.texts("listings")))


def _discovery(data: object, where: str) -> Discovery:
    read = _Reader(data, where, Discovery)
    listing, listing_page = read.text("listing"), read.text("listing_page")
    for key, template, needs in (("listing", listing, "{section}"),
                                 ("listing_page", listing_page, "{page}")):
        if template and needs not in template:
            raise DefinitionError(f"{read.at(key)}: {template!r} must hold {needs}")
        if template:
            _path_or_url(template, read.at(key))
    return Discovery(
        feeds=tuple(_path_or_url(f, read.at("feeds")) for f in read.texts("feeds")),
        sitemaps=tuple(_path_or_url(s, read.at("sitemaps")) for s in read.texts("sitemaps")),
        listing=listing, listing_page=listing_page,
        listings=tuple(_path_or_url(p, read.at("listings")) for p in read.texts("listings")))


def _articles(data: object, where: str) -> Articles:
    read = _Reader(data, where, Articles)
    patterns = tuple(_regex(p, read.at("patterns")) for p in read.texts("patterns"))
    if not patterns:
        raise DefinitionError(f"{read.at('patterns')}: at least one pattern is required")
    key = read.text("key") or "url"
    if key not in KEYS:
        raise DefinitionError(f"{read.at('key')}: must be id or url, not {key!r}")
    id_param = read.text("id_param")
    if key == "id" and not id_param:
        without = [p for p in patterns if "(?P<id>" not in p]
        if without:
            raise DefinitionError(f"{read.at('patterns')}: {without[0]!r} has no (?P<id>…) "
                                  "group, and key = \"id\" needs one (or set id_param)")
    query = read.texts("query") if "query" in read.data else (EVERY_PARAMETER,)
    return Articles(
        patterns=patterns, key=key, id_param=id_param, query=query,
        aliases=tuple(_regex(a, read.at("aliases")) for a in read.texts("aliases")),
        not_sections=tuple(s.lower() for s in read.texts("not_sections")))


def _extraction(data: object, where: str, folder: str = "") -> Extraction:
    read = _Reader(data, where, Extraction)
    layouts = []
    for number, item in enumerate(read.tables("layouts")):
        layout = _Reader(item, f"{read.at('layouts')}[{number}]", Layout)
        until = layout.text("until")
        if until and not re.match(r"^\d{4}-\d{2}-\d{2}$", until):
            raise DefinitionError(f"{layout.at('until')}: {until!r} must be a date as YYYY-MM-DD")
        layouts.append(Layout(layout.text("name", required=True), until, layout.text("note")))
    ends = [layout.until for layout in layouts]
    known = [end for end in ends if end]
    if any(not end for end in ends[:-1]) or known != sorted(set(known)):
        raise DefinitionError(f"{read.at('layouts')}: list the layouts oldest first, each with "
                              "the date it ended (until), all but the last")
    module = read.text("module")
    if module:
        from outlets.layouts import check_module

        check_module(module, tuple(layout.name for layout in layouts), read.at("module"), folder)
    timezone = read.text("timezone")
    if timezone:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise DefinitionError(f"{read.at('timezone')}: {timezone!r} is not a time zone "
                                  "such as Asia/Almaty") from None
    return Extraction(module=module, layouts=tuple(layouts),
                      title_suffix=read.text("title_suffix"), timezone=timezone,
                      folder=folder if module else "")


def _politeness(data: object, where: str) -> Politeness:
    read = _Reader(data, where, Politeness)
    return Politeness(robots=read.flag("robots", True), delay=read.number("delay", 1.0))


def _revisit(data: object, where: str) -> Revisit:
    read = _Reader(data, where, Revisit)
    policy = read.text("policy")
    if policy and policy not in REVISIT_POLICIES:
        raise DefinitionError(f"{read.at('policy')}: {policy!r} must be one of "
                              f"{', '.join(REVISIT_POLICIES)}")
    steps = read.data.get("steps", [])
    if not isinstance(steps, list) or not all(
            isinstance(step, int) and not isinstance(step, bool) and step >= 0 for step in steps):
        raise DefinitionError(f"{read.at('steps')}: must be a list of whole seconds of 0 or "
                              f"more, not {_shown(steps)}")
    if steps and policy == "adaptive":
        raise DefinitionError(f"{read.at('steps')}: steps are for policy = \"steps\", not "
                              "\"adaptive\"")
    return Revisit(policy="steps" if steps else policy, steps=tuple(steps))


def home_hosts(home: str) -> tuple[str, ...]:
    """The hosts of a home page URL: its host with and without `www.` (an address alone)."""
    host = (urlsplit(home).hostname or "").lower()
    bare = host.removeprefix("www.")
    if re.match(r"^[\d.]+$|^\[|:|^localhost$", bare):
        return (host,)
    return (bare, "www." + bare)


def _build(data: dict, source: str, folder: str = "") -> Outlet:
    read = _Reader(data, source, Outlet)
    name = read.text("name", required=True)
    if not NAME.fullmatch(name):
        raise DefinitionError(f"{read.at('name')}: {name!r} must be lower-case letters, digits, "
                              "- or _ (at most 40)")
    home = _url(read.text("home", required=True), read.at("home"))
    editions = tuple(_edition(item, f"{source}.editions[{n}]")
                     for n, item in enumerate(read.tables("editions")))
    languages = [edition.language for edition in editions]
    for language in languages:
        if languages.count(language) > 1:
            raise DefinitionError(f"{source}.editions: two editions in {language!r}")
    defaults = [edition for edition in editions if edition.default]
    if len(defaults) > 1:
        raise DefinitionError(f"{source}.editions: {defaults[0].language!r} and "
                              f"{defaults[1].language!r} are both default; one at most")
    hosts = tuple(dict.fromkeys(host.lower() for host in read.texts("hosts"))) or home_hosts(home)
    return Outlet(
        name=name, home=home, title=read.text("title"), hosts=hosts, editions=editions,
        discovery=_discovery(read.table("discovery"), f"{source}.discovery"),
        articles=_articles(read.table("articles"), f"{source}.articles"),
        extraction=_extraction(read.table("extraction"), f"{source}.extraction", folder),
        politeness=_politeness(read.table("politeness"), f"{source}.politeness"),
        revisit=_revisit(read.table("revisit"), f"{source}.revisit"))
