"""An outlet's layouts compiled for reading a page: for each field, the XPaths of the layouts
the page may stand in (outlets/layouts/), newest layout first."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from functools import lru_cache

from lxml import etree

from crawler.dates import parse_iso
from outlets import Outlet
from outlets.layouts import Markup, layouts_for

# Fields read as a union with the generic markup's expression (crawler/extract.py, body.py).
UNION_FIELDS = ("subheading", "not_body")


@lru_cache(maxsize=256)
def _xpath(expression: str) -> etree.XPath:
    return etree.XPath(expression, smart_strings=False)


@dataclass(frozen=True)
class SiteMarkup:
    """The markup of the layouts a page may stand in: for each field the distinct compiled
    XPaths of those layouts in their order; for the union fields, the expressions themselves."""

    title: tuple[etree.XPath, ...] = ()
    lead: tuple[etree.XPath, ...] = ()
    author_line: tuple[etree.XPath, ...] = ()
    dates: tuple[etree.XPath, ...] = ()
    date_line: tuple[etree.XPath, ...] = ()
    tags: tuple[etree.XPath, ...] = ()
    cover: tuple[etree.XPath, ...] = ()
    edition_links: tuple[etree.XPath, ...] = ()
    body: tuple[etree.XPath, ...] = ()
    subheading: tuple[str, ...] = ()
    not_body: tuple[str, ...] = ()

    def find(self, name: str, doc) -> list:
        """What every XPath of the field finds on the page, layout after layout."""
        return [found for xpath in getattr(self, name) for found in xpath(doc)]


NO_MARKUP = SiteMarkup()


@lru_cache(maxsize=64)
def site_markup(layouts: tuple[Markup, ...]) -> SiteMarkup:
    """The layouts' markup compiled, each expression once, in the layouts' order."""
    values = {}
    for spec in fields(SiteMarkup):
        found = (layout_value for layout in layouts for layout_value in
                 _values(getattr(layout, spec.name)))
        expressions = tuple(dict.fromkeys(found))
        values[spec.name] = expressions if spec.name in UNION_FIELDS else tuple(
            _xpath(expression) for expression in expressions)
    return SiteMarkup(**values)


def _values(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(filter(None, (value,) if isinstance(value, str) else value))


def markup_for(outlet: Outlet | None, fetched_at: str | None = None) -> SiteMarkup:
    """The compiled markup of the outlet's layouts a page fetched at that time may stand in
    (every layout when the time is not known); none for an outlet with no module of its own."""
    moment = parse_iso(fetched_at)
    day: date | None = moment.date() if moment else None
    return site_markup(layouts_for(outlet, day)) if outlet else NO_MARKUP
