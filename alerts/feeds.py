"""Atom 1.0 feeds of the archive's changes: all, per edition, per kind, per article, per search."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote, unquote, urlencode

from lxml import etree
from sqlite_utils import Database

from alerts.summaries import change_links, change_title, summarize
from storage.changelog import FILTER_KINDS, ChangeFilter, change_log
from storage.evidence import CAPTURE, EVENT, entry_of, head, version_evidence
from storage.records import EDITIONS
from storage.search import validate_query
from storage.watches import get_watch, watch_filter
from views.outlet_names import OutletBook, UnknownOutlet, name_of
from views.reading import DEFAULT_WEB_URL

TAG = "tag:mediawatch,2024:"
FEED_LIMIT = 50  # entries in a feed, newest first
FEED_KEY = "key"  # /feeds/all.atom?key=…: the parameter of the reading room's feed key
ATOM = "http://www.w3.org/2005/Atom"
# Atom extension of the evidence log: the head on the feed, each change's log entries on its entry.
EVIDENCE = f"{TAG}evidence"
EPOCH = "2024-01-01T00:00:00+00:00"  # the updated time of a feed with no entry
LARGEST_ID = 2**63 - 1  # SQLite's largest integer: no article id is above it
# Characters XML 1.0 cannot hold (control characters, lone surrogates, U+FFFE and U+FFFF).
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def entry_id(item: dict, book: OutletBook | None = None) -> str:
    """A tag URI naming the change itself (the article under its outlet's host, the version or
    event and its time), stable across runs and across rebuilds of the feed."""
    if item["source"] == "run":
        return f"{TAG}run/{item['run_id']}/degraded"
    host = (book or OutletBook()).get(item.get("outlet")).host
    article = f"{TAG}{host}/article/{item['article_id']}"
    if item["source"] == "version" or item["kinds"] == ["new"]:
        return f"{article}/v{item['version'] or 1}"
    if item.get("divergence_id"):
        return f"{article}/divergence/{item['divergence_id']}"
    stamp = item["at"].replace("-", "").replace(":", "")
    return f"{article}/{item['kinds'][0]}/{stamp}"


def feed_path(wanted: ChangeFilter, watch: str | None = None) -> str:
    """Where the reading room serves the feed of a filter, under /feeds/."""
    if watch:
        return f"watch/{quote(watch, safe='')}.atom"
    params = [("outlet", name_of(outlet)) for outlet in wanted.outlets]
    params += [("lang", wanted.language)] if wanted.language else []
    params += [("kind", kind) for kind in wanted.kinds]
    if wanted.article_id is not None:
        params.append(("article", str(wanted.article_id)))
    if wanted.query:
        params.append(("q", wanted.query))
    if not params:
        return "all.atom"
    if len(params) == 1 and params[0][0] in ("outlet", "lang", "kind", "article"):
        folder = {"lang": "edition"}.get(params[0][0], params[0][0])
        return f"{folder}/{quote(params[0][1], safe='')}.atom"
    return "changes.atom?" + urlencode(params)


def keyed(href: str, key: str | None) -> str:
    """A feed's address carrying the reading room's feed key (when the room has a token): a
    feed reader that keeps no cookie reads the feed with it (web.guard)."""
    if not key:
        return href
    return f"{href}{'&' if '?' in href else '?'}{urlencode({FEED_KEY: key})}"


class UnknownFeed(ValueError):
    """No feed lives at that path, or its filter is not valid."""


def _article_id(text: str) -> int:
    """An article id as typed in a feed's address (ASCII digits, within SQLite's integers)."""
    if not (text.isascii() and text.isdigit()) or int(text) > LARGEST_ID:
        raise UnknownFeed(f"article must be an article id, not {text!r}")
    return int(text)


def _outlets(book: OutletBook, names: list[str]) -> tuple[str | None, ...]:
    try:
        return book.stored(names)
    except UnknownOutlet as exc:
        raise UnknownFeed(str(exc)) from None


def filter_for_path(db: Database, path: str, params: Mapping[str, list[str]],
                    book: OutletBook | None = None) -> tuple[ChangeFilter, str | None]:
    """The filter (and watch name) of a feed path under /feeds/ and its query parameters: the
    inverse of feed_path. Raises UnknownFeed (also for an outlet `book` does not know), or
    SearchQueryError for a query the search engine would refuse."""
    book = book or OutletBook.of(db)
    parts = path.removesuffix(".atom").split("/")
    if not path.endswith(".atom") or len(parts) > 2:
        raise UnknownFeed(f"no feed at /feeds/{path}")
    if parts == ["all"]:
        return ChangeFilter(), None
    if parts == ["changes"]:
        article = (params.get("article") or [None])[0]
        wanted = ChangeFilter(outlets=_outlets(book, params.get("outlet") or []),
                              language=(params.get("lang") or [None])[0],
                              kinds=tuple(params.get("kind") or ()),
                              article_id=_article_id(article) if article is not None else None,
                              query=(params.get("q") or [None])[0])
        return _checked(wanted), None
    if len(parts) != 2:
        raise UnknownFeed(f"no feed at /feeds/{path}")
    folder, name = parts[0], unquote(parts[1])
    if folder == "watch":
        watch = get_watch(db, name)
        if watch is None:
            raise UnknownFeed(f"no watch named {name!r}")
        return watch_filter(watch), name
    if folder == "article":
        return ChangeFilter(article_id=_article_id(name)), None
    if folder == "edition":
        return _checked(ChangeFilter(language=name)), None
    if folder == "outlet":
        return ChangeFilter(outlets=_outlets(book, [name])), None
    if folder == "kind":
        return _checked(ChangeFilter(kinds=(name,))), None
    raise UnknownFeed(f"no feed at /feeds/{path}")


def _checked(wanted: ChangeFilter) -> ChangeFilter:
    """The filter, once its edition, kinds and query are known to be valid (a query the search
    engine would refuse raises SearchQueryError)."""
    if wanted.language not in (None, *EDITIONS):
        raise UnknownFeed(f"no edition {wanted.language!r}; the editions are {', '.join(EDITIONS)}")
    unknown = [kind for kind in wanted.kinds if kind not in FILTER_KINDS]
    if unknown:
        raise UnknownFeed(f"no kind of change is called {unknown[0]!r}")
    if wanted.query:
        validate_query(wanted.query, wanted.language)
    return wanted


def outlets_named(wanted: ChangeFilter, book: OutletBook) -> str:
    """The titles of the outlets a filter asks for, or the archive in general."""
    titles = [book.get(outlet).title for outlet in wanted.outlets]
    return ", ".join(titles) if titles else "the archive"


def feed_title(wanted: ChangeFilter, watch: str | None = None,
               book: OutletBook | None = None) -> str:
    book = book or OutletBook()
    parts = [f"watch {watch}"] if watch else []
    if not watch:
        parts += [f"{wanted.language} edition"] if wanted.language else []
        parts += [", ".join(wanted.kinds)] if wanted.kinds else []
        parts += [f"article {wanted.article_id}"] if wanted.article_id is not None else []
        parts += [f"“{wanted.query}”"] if wanted.query else []
    head = (f"{outlets_named(wanted, book)} changes" if wanted.outlets
            else "Changes in the archive")
    return head + (": " + "; ".join(parts) if parts else "")


def feed_xml(db: Database, wanted: ChangeFilter | None = None, web_url: str = DEFAULT_WEB_URL,
             watch: str | None = None, limit: int = FEED_LIMIT, key: str | None = None,
             book: OutletBook | None = None) -> bytes:
    """The Atom document (UTF-8) of the newest changes a filter selects, each entry under its
    outlet (named by `book`, by default the archive's outlets).

    `watch` names a watch whose filter this is (a saved search): it only names the feed. `key`
    is the reading room's feed key, carried by the feed's own (`self`) address.
    Raises storage.search.SearchQueryError for a malformed query.
    """
    wanted = wanted or ChangeFilter()
    book = book or OutletBook.of(db)
    base = web_url.rstrip("/")
    path = feed_path(wanted, watch)
    items = book.label(change_log(db, wanted, newest_first=True, limit=limit))
    feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM, "evidence": EVIDENCE})
    _text(feed, "id", f"{TAG}feed/{path}")
    _text(feed, "title", feed_title(wanted, watch, book))
    on = outlets_named(wanted, book) if wanted.outlets else "the archived outlets"
    _text(feed, "subtitle", f"What was published, revised, removed or restored on {on}, "
                            "as archived by mediawatch.")
    _text(feed, "updated", _moment(items[0]["at"] if items else None))
    _text(etree.SubElement(feed, f"{{{ATOM}}}author"), "name", "mediawatch")
    _link(feed, keyed(f"{base}/feeds/{path}", key), "self", "application/atom+xml")
    _link(feed, f"{base}/", "alternate", "text/html")
    _text(feed, "generator", "mediawatch")
    log_head = head(db)
    etree.SubElement(feed, f"{{{EVIDENCE}}}log", {"entries": str(log_head.entries),
                                                 "head": str(log_head)})
    for item in items:
        _add_entry(feed, db, item, base, book)
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _text(parent: etree._Element, name: str, text: str, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ATOM}}}{name}", attributes)
    element.text = NOT_XML.sub("", text)  # a query or a name may hold what XML cannot
    return element


def _link(parent: etree._Element, href: str, rel: str, kind: str, **attributes: str) -> None:
    etree.SubElement(parent, f"{{{ATOM}}}link", {"href": href, "rel": rel, "type": kind,
                                                 **attributes})


def _moment(stamp: str | None) -> str:
    """An Atom date (RFC 3339) from a stored UTC timestamp."""
    return stamp.replace("Z", "+00:00") if stamp else EPOCH


def _add_entry(feed: etree._Element, db: Database, item: dict, base: str,
               book: OutletBook) -> None:
    entry = etree.SubElement(feed, f"{{{ATOM}}}entry")
    _text(entry, "id", entry_id(item, book))
    source = f"{item['outlet_title']} " if item.get("outlet_title") else ""
    _text(entry, "title", f"[{source}{item['language']}] {change_title(item)} "
                          f"({', '.join(item['kinds'])})")
    _text(entry, "updated", _moment(item["at"]))
    _text(entry, "published", _moment(item["at"]))
    reading_room, live = change_links(item, base)
    _link(entry, reading_room, "alternate", "text/html")
    if live:
        _link(entry, live, "related", "text/html", title="live page")
    for language in item["language"].split(","):
        etree.SubElement(entry, f"{{{ATOM}}}category",
                         {"term": language, "scheme": f"{TAG}edition", "label": f"edition {language}"})
    for kind in item["kinds"]:
        etree.SubElement(entry, f"{{{ATOM}}}category",
                         {"term": kind, "scheme": f"{TAG}kind", "label": kind})
    if item.get("outlet"):
        etree.SubElement(entry, f"{{{ATOM}}}category",
                         {"term": item["outlet"], "scheme": f"{TAG}outlet",
                          "label": item["outlet_title"]})
    summary = summarize(db, item).html or "<p>(no text changed)</p>"
    _text(entry, "summary", summary, type="html")
    _add_evidence(entry, db, item)


def _add_evidence(entry: etree._Element, db: Database, item: dict) -> None:
    """The change's entries in the evidence log: the version's record and capture, or the event."""
    if item["source"] == "event":
        logged = {"event": entry_of(db, EVENT, item["event_id"])}
    elif item["source"] == "version":
        found = version_evidence(db, item["version_id"])
        logged = {"version": found["version_entry"], CAPTURE: found["capture_entry"]}
    else:
        return
    for role, found in logged.items():
        if found:
            etree.SubElement(entry, f"{{{EVIDENCE}}}entry", {
                "of": role, "seq": str(found["seq"]), "digest": found["digest"]})


def write_feed(path: str | Path, document: bytes) -> None:
    """Write a feed atomically: a temporary file beside it, then a rename over the old one."""
    target = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(document)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise
