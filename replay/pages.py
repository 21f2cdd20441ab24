"""Rendering of the replayed site: article, listing and other HTML pages, RSS, sitemaps, robots."""

from __future__ import annotations

from email.utils import format_datetime
from html import escape
from urllib.parse import urlencode

from replay import text
from replay.corpus import ALL_SECTIONS, RU_SECTIONS, Article, Image, State, iso

PER_PAGE = 20
FEED_SIZE = 30

SECTION_TITLES = {
    "ru": {"novosti": "Новости", "politika": "Политика", "obsshestvo": "Общество",
           "gorod": "Город", "life": "Жизнь", "regiony": "Регионы", "people": "Люди",
           "explain": "Explain", "vlast-qazaqsha": "Qazaqsha", "english": "English"},
    "kk": {"novosti": "Жаңалықтар", "politika": "Саясат", "obsshestvo": "Қоғам",
           "gorod": "Қала", "life": "Өмір", "regiony": "Өңірлер", "people": "Адамдар",
           "explain": "Explain", "vlast-qazaqsha": "Qazaqsha", "english": "English"},
}
LABELS = {
    "ru": {"popular": "Популярное", "tags": "Теги", "authors": "Авторы", "search": "Поиск",
           "not_found": "Страница не найдена", "gone": "Материал удалён", "latest": "Последнее"},
    "kk": {"popular": "Көп оқылған", "tags": "Тегтер", "authors": "Авторлар", "search": "Іздеу",
           "not_found": "Бет табылмады", "gone": "Материал жойылды", "latest": "Соңғы жаңалықтар"},
}
SECTION_LANGUAGE = {section: "ru" for section in RU_SECTIONS} | {
    "vlast-qazaqsha": "kk", "english": "en"}


def _t(value: str) -> str:
    return escape(value, quote=False)


def _a(value: str) -> str:
    return escape(value, quote=True)


def _head(title: str, extra: str = "") -> str:
    return (f'<meta charset="utf-8">\n<title>{_t(title)} | Vlast.kz</title>\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<link rel="alternate" type="application/rss+xml" title="Vlast.kz" href="/feed/">\n'
            f"{extra}")


def _header(path: str, interface: str) -> str:
    titles = SECTION_TITLES[interface]
    nav = " ".join(f'<a href="/{section}/">{titles[section]}</a>' for section in ALL_SECTIONS)
    return (f'<header class="site-header">\n<a class="logo" href="/">Vlast.kz</a>\n'
            f'<nav class="main-nav">{nav}</nav>\n'
            f'<div class="lang-switch"><a href="{_a(path)}">Рус</a> '
            f'<a href="/kz{_a(path)}">Қаз</a></div>\n'
            f'<form class="search" action="/search/"><input name="query" type="text"></form>\n'
            "</header>\n")


FOOTER = ('<footer class="site-footer"><p>© 2012–2026 Vlast.kz</p>'
          '<a href="/feed/">RSS</a></footer>\n')


def _document(lang: str, head: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n{head}</head>\n<body>\n'
            f"{body}{FOOTER}</body>\n</html>\n")


def date_text(article: Article) -> str:
    day = article.published
    return text.date_text(day.day, day.month, day.year, article.language)


def other_edition_links(state: State, article: Article) -> list[str]:
    """The closing paragraphs that link a story's other editions, where the article has them."""
    if not article.translation_links:
        return []
    others = (state.articles.get(other_id) for other_id in article.translations)
    return [f'<p class="other-edition"><a href="{_a(other.path)}">'
            f"{_t(text.OTHER_EDITION[other.language])}</a></p>"
            for other in others if other is not None]


def article_page(state: State, article: Article, origin: str, path: str, interface: str,
                 views: int, popular: list[Article]) -> str:
    """The article page in the order of design.md."""
    canonical = origin + article.path
    meta = [
        f'<link rel="canonical" href="{_a(canonical)}">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:title" content="{_a(article.title)}">',
        f'<meta property="og:description" content="{_a(article.lead)}">',
        f'<meta property="og:url" content="{_a(canonical)}">',
        f'<meta property="og:image" content="{_a(origin + article.cover)}">',
        f'<meta property="article:published_time" content="{iso(article.published)}">',
    ]
    if article.modified:
        meta.append(f'<meta property="article:modified_time" content="{iso(article.modified)}">')
    body = []
    for block in article.content():
        if isinstance(block, Image):
            body.append(f'<p><img src="{_a(block.src)}" alt=""></p>\n'
                        f'<p class="img-caption"><em>{_t(block.caption)}</em></p>')
        else:
            body.append(f"<p>{_t(block)}</p>")
    body.extend(other_edition_links(state, article))
    tags = " ".join(f'<a href="/tags/{_a(slug)}/">{_t(name)}</a>' for slug, name in article.tags)
    page = (
        _header(path, interface)
        + '<div class="item-page">\n'
        '<ul class="meta item-expand-meta text-uppercase list-inline">\n'
        f'<li class="views"><i class="icon-eye"></i> {views}</li>\n'
        f'<li><time datetime="{article.published.date().isoformat()}">'
        f"{date_text(article)}</time></li>\n</ul>\n"
        f'<div class="author-line">{_t(article.byline)}</div>\n'
        f'<ul class="list-unstyled"><li class="has-title"><h1>{_t(article.title)}</h1></li></ul>\n'
        f'<div class="item-lead">{_t(article.lead)}</div>\n'
        f'<figure class="item-cover"><img src="{_a(article.cover)}" alt="">'
        f"<figcaption>{_t(article.cover_caption)}</figcaption></figure>\n"
        '<div class="default-item-in js-editor js-img-caption js-mediator-article font-edit">\n'
        + "\n".join(body)
        + f'\n</div>\n<div class="item-tags">{tags}</div>\n</div>\n'
        + popular_block(popular, interface)
    )
    return _document(article.language, _head(article.title, "\n".join(meta) + "\n"), page)


def popular_block(articles: list[Article], interface: str) -> str:
    """Links to other articles; the server picks different ones on every request."""
    items = "".join(f'<li><a href="{_a(a.path)}">{_t(a.title)}</a></li>' for a in articles)
    return (f'<aside class="popular"><h3>{LABELS[interface]["popular"]}</h3>'
            f"<ul>{items}</ul></aside>\n")


def listing_items(articles: list[Article]) -> str:
    """Listing entries in the outlet's markup."""
    return "".join(
        '<div class="news-inline-item media"><div class="news-inline-item-body">'
        f'<a href="{_a(a.path)}"><b>{_t(a.title)}</b></a> '
        f'<time datetime="{iso(a.published)}">{date_text(a)}</time></div></div>\n'
        for a in articles)


def page_count(items: int) -> int:
    return max(1, -(-items // PER_PAGE))


def _paged(title: str, lang: str, articles: list[Article], page: int, url_of, path: str,
           interface: str) -> str | None:
    """One page of a listing, or None past the last page."""
    last = page_count(len(articles))
    if page < 1 or page > last:
        return None
    links = {"last": url_of(last, True)}
    if page > 1:
        links["prev"] = url_of(page - 1, False)
    if page < last:
        links["next"] = url_of(page + 1, False)
    head = "".join(f'<link rel="{rel}" href="{_a(href)}">\n' for rel, href in links.items())
    nav = "".join(f'<li><a rel="{rel}" href="{_a(href)}">{rel}</a></li>'
                  for rel, href in links.items())
    chunk = articles[(page - 1) * PER_PAGE: page * PER_PAGE]
    body = (_header(path, interface) + f'<main class="news-list">\n<h1>{_t(title)}</h1>\n'
            + listing_items(chunk) + f'<ul class="pagination">{nav}</ul>\n</main>\n')
    return _document(lang, _head(title, head), body)


def section_page(state: State, section: str, page: int, path: str, interface: str) -> str | None:
    """`/<section>/?archive=1` and `/<section>/<N>/?archive=1`: 20 items a page, newest first."""

    def url_of(number: int, always_numbered: bool) -> str:
        if number == 1 and not always_numbered:
            return f"/{section}/?archive=1"
        return f"/{section}/{number}/?archive=1"

    return _paged(SECTION_TITLES["ru"][section], SECTION_LANGUAGE[section],
                  state.by_section.get(section, []), page, url_of, path, interface)


def _query_pager(base: str):
    def url_of(number: int, always_numbered: bool) -> str:
        joiner = "&" if "?" in base else "?"
        return base if number == 1 and not always_numbered else f"{base}{joiner}page={number}"
    return url_of


def tag_page(state: State, slug: str, page: int, path: str, interface: str) -> str | None:
    """`/tags/<slug>/`: the articles with that tag."""
    known = text.all_tags()
    if slug not in known:
        return None
    language, name = known[slug]
    return _paged(f"#{name}", language, state.by_tag.get(slug, []), page,
                  _query_pager(f"/tags/{slug}/"), path, interface)


def author_page(state: State, slug: str, page: int, path: str, interface: str) -> str | None:
    """`/author/<slug>/`: the articles an author wrote."""
    if slug not in state.by_author:
        return None
    name, articles = state.by_author[slug]
    return _paged(name, "ru", articles, page, _query_pager(f"/author/{slug}/"), path, interface)


def search_page(state: State, query: str, category: str, page: int, path: str,
                interface: str) -> str | None:
    """`/search/?query=Q`: articles whose headline or lead holds Q; category=147 is English."""
    needle = query.casefold().strip()
    found: list[Article] = []
    if needle or category == "147":
        found = [a for a in state.live
                 if (needle in a.title.casefold() or needle in a.lead.casefold())
                 and (category != "147" or a.language == "en")]
    params = {"query": query, "category": category}
    base = "/search/?" + urlencode({key: value for key, value in params.items() if value})
    title = f'{LABELS[interface]["search"]}: {query}'
    return _paged(title, "ru", found, page, _query_pager(base), path, interface)


def home_page(state: State, interface: str) -> str:
    """The home page: feed link, sections, latest items, tags and authors. Not an article."""
    labels = LABELS[interface]
    tags = " ".join(f'<a href="/tags/{_a(slug)}/">{_t(name)}</a>'
                    for slug, (_, name) in sorted(text.all_tags().items())
                    if slug in state.by_tag)
    authors = " ".join(f'<a href="/author/{_a(slug)}/">{_t(name)}</a>'
                       for slug, (name, _) in sorted(state.by_author.items()))
    body = (_header("/", interface) + '<main class="home">\n'
            f'<section class="news-list"><h2>{labels["latest"]}</h2>\n'
            + listing_items(state.live[:PER_PAGE]) + "</section>\n"
            f'<section class="tags"><h2>{labels["tags"]}</h2>{tags}</section>\n'
            f'<section class="authors"><h2>{labels["authors"]}</h2>{authors}</section>\n'
            "</main>\n")
    return _document("ru", _head("Vlast.kz — новости Казахстана"), body)


def error_page(status: int, path: str, interface: str) -> str:
    """The 404 and 410 pages."""
    label = LABELS[interface]["gone" if status == 410 else "not_found"]
    body = (_header(path, interface) + f'<main class="error-page"><h1>{status}</h1>'
            f'<p>{label}</p><p><a href="/">Vlast.kz</a></p></main>\n')
    return _document("ru", _head(label, '<meta name="robots" content="noindex">\n'), body)


def feed(state: State, origin: str) -> str:
    """RSS 2.0 with the latest 30 articles of all editions."""
    latest = state.live[:FEED_SIZE]
    built = format_datetime(latest[0].published) if latest else ""
    items = "".join(
        f"<item><title>{_t(a.title)}</title><link>{_t(origin + a.path)}</link>"
        f'<guid isPermaLink="true">{_t(origin + a.path)}</guid>'
        f"<pubDate>{format_datetime(a.published)}</pubDate>"
        f"<category>{_t(a.section)}</category><description>{_t(a.lead)}</description></item>\n"
        for a in latest)
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>\n'
            f"<title>Vlast.kz</title><link>{_t(origin)}/</link>"
            "<description>Vlast.kz: новости Казахстана</description><language>ru</language>\n"
            f'<atom:link href="{_a(origin)}/feed/" rel="self" type="application/rss+xml"/>\n'
            f"<lastBuildDate>{built}</lastBuildDate>\n{items}</channel></rss>\n")


def _lastmod(article: Article) -> str:
    return iso(article.modified or article.published) or ""


def sitemap_index(state: State, origin: str) -> str:
    """`/sitemap.xml`: one monthly sitemap per month with articles."""
    entries = "".join(
        f"<sitemap><loc>{_t(origin)}/sitemap-{month}.xml</loc>"
        f"<lastmod>{max(_lastmod(a) for a in articles)}</lastmod></sitemap>\n"
        for month, articles in state.by_month.items())
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{entries}</sitemapindex>\n")


def sitemap_month(state: State, month: str, origin: str) -> str | None:
    """`/sitemap-YYYY-MM.xml`: the articles published that month, with lastmod."""
    articles = state.by_month.get(month)
    if not articles:
        return None
    entries = "".join(f"<url><loc>{_t(origin + a.path)}</loc><lastmod>{_lastmod(a)}</lastmod>"
                      "</url>\n" for a in articles)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{entries}</urlset>\n")


def robots(origin: str) -> str:
    """robots.txt: the control endpoints and search are off limits."""
    return ("User-agent: *\nDisallow: /_replay/\nDisallow: /search/\n\n"
            f"Sitemap: {origin}/sitemap.xml\n")
