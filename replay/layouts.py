"""Article page layouts the outlet has had, and which one each page is served in.

Today's layout is `pages.article_page`. The classic layout is built from what scrapers written
against the live site read (docs/design.md, "Layouts"): the title in
`ol.breadcrumb > li.has-title > h1.title`, the lead in `div.default-item-desc`, the authors only
in `<meta name="author">`, the date in `time.news-date.js-date-long` (a `datetime` holding the
day, the time of day printed as `DD.MM.YYYY, HH:MM`), no OpenGraph description and no
`article:published_time`, photo captions above their photos and not in italics, tags as `#name`
links, and the photo credits in a `Текст: … Фото: …` line at the end of the body.
"""

from __future__ import annotations

from datetime import datetime

from replay.corpus import Article, Image, State
from replay.pages import (
    SECTION_TITLES,
    _a,
    _document,
    _head,
    _header,
    _t,
    other_edition_links,
    popular_block,
)

TODAY = "today"
CLASSIC = "classic"
LAYOUTS = (TODAY, CLASSIC)
# Articles published before this stand in the classic layout, until a redesign epoch (if any)
# moves every page to today's layout.
CLASSIC_UNTIL = datetime(2022, 1, 1)
BYLINE_LABELS = {"ru": ("Текст", "Фото"), "kk": ("Мәтін", "Фото"), "en": ("Text", "Photo")}


def layout_of(article: Article, epoch: int, redesign_epoch: int | None) -> str:
    """The layout the article's page is served in at this epoch."""
    redesigned = redesign_epoch is not None and epoch >= redesign_epoch
    old = article.published.replace(tzinfo=None) < CLASSIC_UNTIL
    return CLASSIC if old and not redesigned else TODAY


def classic_date_text(article: Article) -> str:
    """The date as the classic layout prints it: `11.12.2019, 11:27`, local time."""
    return article.published.strftime("%d.%m.%Y, %H:%M")


def classic_byline_line(article: Article) -> str:
    """The closing credit line of a classic page: `Текст: A, B. Фото: C`."""
    writer, photo = BYLINE_LABELS[article.language]
    return f"{writer}: {', '.join(article.authors)}. {photo}: {', '.join(article.photo_credits)}"


def _classic_body(state: State, article: Article) -> str:
    body = []
    for block in article.content():
        if isinstance(block, Image):
            body.append(f'<p class="img-caption">{_t(block.caption)}</p>\n'
                        f'<p><img src="{_a(block.src)}" alt=""></p>')
        else:
            body.append(f"<p>{_t(block)}</p>")
    if article.photo_credits:
        body.append(f"<p><strong>{_t(classic_byline_line(article))}</strong></p>")
    body.extend(other_edition_links(state, article))
    return "\n".join(body)


def classic_article_page(state: State, article: Article, origin: str, path: str, interface: str,
                         views: int, popular: list[Article]) -> str:
    """The article page in the classic layout."""
    canonical = origin + article.path
    meta = [
        f'<link rel="canonical" href="{_a(canonical)}">',
        f'<meta name="author" content="{_a(", ".join(article.authors))}">',
        f'<meta property="og:title" content="{_a(article.title)}">',
        f'<meta property="og:image" content="{_a(origin + article.cover)}">',
    ]
    if article.modified:
        meta.append('<meta property="article:modified_time" '
                    f'content="{article.modified.isoformat(timespec="seconds")}">')
    section_title = SECTION_TITLES["ru"].get(article.section, article.section)
    tags = "".join(f'<li><a href="/tags/{_a(slug)}/">#{_t(name)}</a></li>'
                   for slug, name in article.tags)
    page = (
        _header(path, interface)
        + '<div class="item-page">\n'
        f'<ol class="breadcrumb"><li><a href="/">Vlast.kz</a></li>'
        f'<li><a href="/{_a(article.section)}/">{_t(section_title)}</a></li>'
        f'<li class="has-title"><h1 class="title">{_t(article.title)}</h1></li></ol>\n'
        '<ul class="meta item-expand-meta time-uppercase list-inline">\n'
        f'<li class="views"><i class="icon icon--view-gray"></i> {views}</li>\n'
        f'<li><time class="news-date js-date-long" datetime="{article.published.date()}">'
        f"{classic_date_text(article)}</time></li>\n</ul>\n"
        f'<div class="default-item-desc"><p>{_t(article.lead)}</p></div>\n'
        f'<div class="item-cover"><img src="{_a(article.cover)}" alt="">'
        f'<div class="img-caption">{_t(article.cover_caption)}</div></div>\n'
        '<div class="default-item-in js-editor js-img-caption js-mediator-article font-edit">\n'
        + _classic_body(state, article)
        + f'\n</div>\n<ul class="tags-list">{tags}</ul>\n</div>\n'
        + popular_block(popular, interface)
    )
    return _document(article.language, _head(article.title, "\n".join(meta) + "\n"), page)
