"""Vlast.kz's article markup, layout by layout (outlets/vlast.toml names this module and dates
its layouts; what is known of the site is in docs/design.md)."""

from __future__ import annotations

from outlets.layouts import Listing, Markup, has_class

TITLE = f"//li[{has_class('has-title')}]//h1"
# The subheading some articles set under the title list.
SUBHEADING = f"//li[{has_class('has-title')}]/parent::*/following-sibling::*[1][self::h2 or self::h3]"
DATE_LINE = f"//ul[{has_class('item-expand-meta')}]"
COVER = f"//*[{has_class('item-cover')}]"
EDITION_LINKS = f"//p[{has_class('other-edition')}]//a/@href"
BODY = f"//div[{has_class('default-item-in')} or {has_class('js-mediator-article')}]"


def _boxes(*names: str) -> tuple[str, ...]:
    """The boxes of these classes inside the body container, which are not its text."""
    return (f".//p[{has_class('other-edition')}]",
            *(f".//*[{has_class(name)}]" for name in ("popular", *names)))


# A section's listing: one `div.news-inline-item` per article, its headline in the link's `<b>`
# (or `a.news-inline-item-title`).
LISTING = Listing(entry=".news-inline-item", headline="a b::text, a.news-inline-item-title::text")

LAYOUTS = {
    # Since 2022: the title in `ul li.has-title h1`, the lead in `.item-lead`, the byline in
    # `.author-line`, the date in the meta line's `<time>`, `.item-tags`, `figure.item-cover`.
    "today": Markup(
        title=TITLE, subheading=SUBHEADING,
        lead=f"//*[{has_class('item-lead')}]",
        author_line=f"//*[{has_class('author-line')}]",
        date_line=DATE_LINE,
        tags=f"//*[{has_class('item-tags')}]//a",
        cover=COVER, edition_links=EDITION_LINKS, body=BODY,
        not_body=_boxes("item-tags", "author-line", "item-lead", "item-cover", "item-expand-meta"),
    ),
    # Before 2022: the title in `ol.breadcrumb li.has-title h1.title`, the lead in
    # `div.default-item-desc`, the authors only in `meta name=author` and a closing
    # `Текст: … Фото: …` line, `time.news-date` printed `DD.MM.YYYY, HH:MM`, `#tag` links,
    # `div.item-cover` with its `.img-caption`.
    "classic": Markup(
        title=TITLE, subheading=SUBHEADING,
        lead=f"//div[{has_class('default-item-desc')}]",
        dates=f"//time[{has_class('news-date')}]",
        date_line=DATE_LINE,
        cover=COVER, edition_links=EDITION_LINKS, body=BODY,
        not_body=_boxes("item-cover", "item-expand-meta", "default-item-desc"),
    ),
}
