"""Outlet modules: an outlet's own article markup, one version for each layout it has had.

An outlet's definition names its module (`[extraction] module = "name"`: `name.py` in the
folder of the definition's file, else this package's `name.py`) and lists its layouts, oldest
first, each the site's layout until the date the next one came (`until`). The module gives each
of them by name as a `Markup`: where that layout puts each field, as XPath expressions. The
extractor reads them before the generic path.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from outlets.definition import DefinitionError, Outlet

MODULE = re.compile(r"[a-z][a-z0-9_]{0,39}")


def has_class(name: str) -> str:
    """An XPath test that the element's class list holds the whole word `name`."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


@dataclass(frozen=True)
class Markup:
    """Where one layout of the outlet's article pages puts each field: XPath expressions over
    the page, each empty where the layout has no markup of its own for it (the generic path
    reads that field)."""

    title: str = ""  # the headline
    subheading: str = ""  # a subheading set under the headline: the lead when it is long enough
    lead: str = ""  # the lead (standfirst) box, which leaves the body
    author_line: str = ""  # the line of authors and photo credits
    dates: str = ""  # elements that state the publication time (`<time datetime>` and its text)
    date_line: str = ""  # the line that holds the date: its text, and its `<time>` elements
    tags: str = ""  # the tag links
    cover: str = ""  # the box of the cover image (its `<img>`, its caption)
    edition_links: str = ""  # the hrefs of links to the story in the outlet's other editions
    body: str = ""  # the container of the body text
    # Parts of the body container that are not its text, relative to it (`.//...`).
    not_body: tuple[str, ...] = ()


@dataclass(frozen=True)
class Listing:
    """Where the outlet's listing pages put each article's entry and its headline (CSS
    selectors, the headline's within the entry): the headline there is compared with the
    archived one, a cheap sign that the article changed."""

    entry: str = ""
    headline: str = ""


@dataclass(frozen=True)
class LayoutVersion:
    """One dated version of an outlet's markup: in use from `since` (None: from the start)
    until `until` (None: still today's)."""

    name: str
    since: date | None
    until: date | None
    markup: Markup


def _module(name: str, where: str, folder: str = ""):
    if not MODULE.fullmatch(name):
        raise DefinitionError(f"{where}: {name!r} is not an outlet module name "
                              "(lower-case letters, digits and _)")
    own = Path(folder, f"{name}.py") if folder else None
    if own is not None and own.is_file():
        return _module_file(own, where)
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":
            raise
        beside = f"{own} or " if own is not None else ""
        raise DefinitionError(f"{where}: there is no outlet module {name!r} "
                              f"({beside}outlets/layouts/{name}.py)") from None


@cache
def _module_file(path: Path, where: str):
    """An outlet module kept beside the definitions (not in this package), loaded once."""
    unique = f"{__name__}._folder_{abs(hash(str(path.resolve()))):x}_{path.stem}"
    spec = importlib.util.spec_from_file_location(unique, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[unique] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # a module written by hand: say where it fails, not a traceback
        del sys.modules[unique]
        raise DefinitionError(f"{where}: the outlet module {path} cannot be loaded: "
                              f"{type(exc).__name__}: {exc}") from None
    return module


def _markups(name: str, where: str, folder: str = "") -> dict[str, Markup]:
    markups = getattr(_module(name, where, folder), "LAYOUTS", None)
    if not isinstance(markups, dict) or not markups:
        raise DefinitionError(f"{where}: the outlet module {name!r} has no LAYOUTS")
    bad = next((key for key, value in markups.items() if not isinstance(value, Markup)), None)
    if bad is not None:
        raise DefinitionError(f"{where}: the outlet module {name!r}: LAYOUTS[{bad!r}] must be "
                              "a Markup (from outlets.layouts import Markup)")
    return markups


def check_module(name: str, layout_names: tuple[str, ...], where: str, folder: str = "") -> None:
    """DefinitionError unless the outlet module exists (in `folder`, else in this package) and
    has every layout named."""
    markups = _markups(name, where, folder)
    for layout in layout_names:
        if layout not in markups:
            raise DefinitionError(f"{where}: the outlet module {name!r} has no layout "
                                  f"{layout!r} (it has {', '.join(markups)})")


@cache
def layouts(outlet: Outlet) -> tuple[LayoutVersion, ...]:
    """The outlet's layouts, newest first, each in use from the date the one before it ended,
    with its markup from the outlet's module; none when its definition names no module."""
    if not outlet.extraction.module:
        return ()
    where = f"{outlet.name}.extraction.module"
    markups = _markups(outlet.extraction.module, where, outlet.extraction.folder)
    named = outlet.extraction.layouts
    if not named:  # no dated versions: every layout of the module, in its order, newest first
        return tuple(LayoutVersion(name, None, None, markup) for name, markup in markups.items())
    check_module(outlet.extraction.module, tuple(layout.name for layout in named), where,
                 outlet.extraction.folder)
    found, since = [], None
    for layout in named:
        until = date.fromisoformat(layout.until) if layout.until else None
        found.append(LayoutVersion(layout.name, since, until, markups[layout.name]))
        since = until
    return tuple(reversed(found))


def listing(outlet: Outlet) -> Listing:
    """The markup of the outlet's listing pages (its module's LISTING); empty without one."""
    if not outlet.extraction.module:
        return Listing()
    return getattr(_module(outlet.extraction.module, f"{outlet.name}.extraction.module",
                           outlet.extraction.folder), "LISTING", Listing())


def layouts_for(outlet: Outlet | None, fetched: date | None = None) -> tuple[Markup, ...]:
    """The markup of the layouts a page of the outlet fetched on that day may stand in, newest
    first: every layout in use by then (an outlet keeps serving older pages in the layout they
    were made in), none that came later. Every layout when the day is not known."""
    if outlet is None:
        return ()
    return tuple(layout.markup for layout in layouts(outlet)
                 if fetched is None or layout.since is None or layout.since <= fetched)
