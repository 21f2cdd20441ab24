"""The Steppe Ledger: a replayed English-only outlet built nothing like Vlast.

Articles live at date paths (`/2026/01/21/slug-of-the-headline/`) and have no number of their
own, so their canonical URL is their key. Pages carry OpenGraph and a JSON-LD NewsArticle
(inside an `@graph` today, a plain object on posts before September 2025, the older layout).
Discovery: an Atom feed named in the head, and a sitemap index (`/sitemap_index.xml`, named in
robots.txt) of post sitemaps by fifty, a news sitemap, and sitemaps of pages and sections that
are not articles. Section listings are paged at `/section/<name>/page/<N>/`.
"""

from __future__ import annotations

import json
from datetime import datetime
from email.utils import format_datetime
from html import escape
from urllib.parse import quote

from replay import padding
from replay.corpus import Image, iso
from replay.newsroom import Piece, Profile, State
from replay.server import JPEG, RSS, TEXT, XML, Response
from replay.site import SiteApp

SITE = "The Steppe Ledger"
SECTIONS = ("politics", "business", "society", "environment", "culture")
SECTION_NAMES = {"politics": "Politics", "business": "Business", "society": "Society",
                 "environment": "Environment", "culture": "Culture"}
STATIC_PAGES = {"about": "About us", "contact": "Contact", "privacy-policy": "Privacy policy",
                "advertise": "Advertise with us"}
POSTS_PER_SITEMAP = 50
PER_PAGE = 12
FEED_SIZE = 20
NEWS_SITEMAP = 25
# Posts published before this stand in the older layout.
OLD_LAYOUT_UNTIL = datetime(2025, 9, 1)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")

PROFILE = Profile(
    name="ledger", languages=("en",), sections={"en": SECTIONS}, stamps_edits=True, bylines=0.9,
    rebrand=(("Vlast's correspondent reports", "our correspondent reports"),
             ("a request from Vlast", "a request from the Ledger"),
             ("an interview with Vlast", "an interview with the Ledger")))


def _t(value: str) -> str:
    return escape(value, quote=False)


def _a(value: str) -> str:
    return escape(value, quote=True)


def _slug(name: str) -> str:
    return quote(name.lower().replace(" ", "-"))


def printed_date(moment: datetime) -> str:
    return f"{MONTHS[moment.month - 1]} {moment.day}, {moment.year}"


def _names(authors: tuple[str, ...]) -> str:
    links = [f'<span class="author vcard"><a class="url fn n" href="/author/{_slug(name)}/">'
             f"{_t(name)}</a></span>" for name in authors]
    return links[0] if len(links) == 1 else ", ".join(links[:-1]) + " and " + links[-1]


class LedgerApp(SiteApp):
    """The Steppe Ledger at one epoch."""

    profile = PROFILE
    title = SITE
    key = "url"
    default_size = 120

    def path_of(self, piece: Piece) -> str:
        return f"/{piece.published:%Y/%m/%d}/{piece.slug}/"

    def article_truth(self, piece: Piece, url: str, urls: dict[int, str]) -> dict:
        """As the page states it: a post never updated gives its publication time as its
        modification time (JSON-LD dateModified), as WordPress does."""
        return {**piece.truth(url, urls), "modified": iso(piece.modified or piece.published)}

    def find_article(self, state: State, path: str, query) -> tuple[Piece | None, bool]:
        parts = path.strip("/").split("/")
        if len(parts) != 4 or not all(part.isdigit() for part in parts[:3]):
            return None, False
        slug = parts[3]
        found = next((p for p in state.pieces.values() if p.slug == slug), None)
        if found is not None and self.path_of(found).strip("/").split("/")[:3] != parts[:3]:
            found = None
        return found, True

    # ---- the frame of every page ----------------------------------------------------------------

    def _document(self, title: str, head: str, body: str, body_class: str) -> str:
        nav = "".join(f'<li class="menu-item"><a href="/section/{s}/">{SECTION_NAMES[s]}</a></li>'
                      for s in SECTIONS)
        static = "".join(f'<li><a href="/{slug}/">{name}</a></li>'
                         for slug, name in STATIC_PAGES.items())
        return (
            '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="UTF-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_t(title)}</title>\n"
            f'<link rel="alternate" type="application/atom+xml" title="{SITE} &raquo; Feed" '
            'href="/feed/atom/">\n'
            f'<meta property="og:site_name" content="{SITE}">\n{head}'
            + padding.stylesheet("ledger", ("site-header", "entry", "card", "widget", "menu",
                                            "footer", "post", "byline", "share", "newsletter"),
                                 42_000)
            + f'</head>\n<body class="{body_class}">\n' + padding.sprite("ledger")
            + '<a class="skip-link screen-reader-text" href="#primary">Skip to content</a>\n'
            '<header id="masthead" class="site-header"><div class="site-branding">'
            f'<p class="site-title"><a href="/" rel="home">{SITE}</a></p>'
            '<p class="site-description">Independent news from Central Asia</p></div>'
            f'<nav id="site-navigation" class="main-navigation"><ul class="menu">{nav}</ul></nav>'
            '<form role="search" class="search-form" action="/"><input type="search" name="s">'
            "</form></header>\n"
            f"{body}"
            '<footer id="colophon" class="site-footer"><div class="footer-widgets">'
            f'<ul class="footer-menu">{static}</ul>'
            '<p class="newsletter-cta">Get the Ledger in your inbox every morning.</p></div>'
            f'<div class="site-info">&copy; 2026 {SITE}. All rights reserved.</div></footer>\n'
            + padding.scripts("ledger", 34_000) + "</body>\n</html>\n")

    def _cards(self, pieces: list[Piece], origin: str) -> str:
        return "".join(
            f'<article class="card card--{piece.section}"><a class="card__link" '
            f'href="{_a(self.path_of(piece))}"><img class="card__img" src="{_a(piece.cover)}" '
            f'alt="" loading="lazy"><h3 class="card__title">{_t(piece.title)}</h3></a>'
            f'<p class="card__excerpt">{_t(piece.lead)}</p><time class="card__date" '
            f'datetime="{iso(piece.published)}">{printed_date(piece.published)}</time></article>\n'
            for piece in pieces)

    # ---- articles --------------------------------------------------------------------------------

    def _json_ld(self, piece: Piece, url: str, origin: str, graph: bool) -> str:
        article = {
            "@type": "NewsArticle", "headline": piece.title, "description": piece.lead,
            "datePublished": iso(piece.published),
            "dateModified": iso(piece.modified or piece.published),
            "author": [{"@type": "Person", "name": name,
                        "url": f"{origin}/author/{_slug(name)}/"} for name in piece.authors],
            "image": {"@type": "ImageObject", "url": origin + piece.cover},
            "publisher": {"@type": "Organization", "name": SITE,
                          "logo": {"@type": "ImageObject", "url": f"{origin}/uploads/logo.png"}},
            "mainEntityOfPage": {"@type": "WebPage", "@id": url},
            "articleSection": SECTION_NAMES[piece.section], "keywords": list(piece.tags),
            "inLanguage": "en-GB",
        }
        if graph:
            data = {"@context": "https://schema.org", "@graph": [
                article,
                {"@type": "BreadcrumbList", "itemListElement": [
                    {"@type": "ListItem", "position": 1, "name": "Home", "item": origin + "/"},
                    {"@type": "ListItem", "position": 2, "name": SECTION_NAMES[piece.section],
                     "item": f"{origin}/section/{piece.section}/"}]},
                {"@type": "WebSite", "name": SITE, "url": origin + "/"}]}
        else:
            data = {"@context": "https://schema.org", **article}
        text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
        return f'<script type="application/ld+json">{text}</script>\n'

    def _content(self, piece: Piece) -> str:
        parts = []
        for block in piece.blocks:
            if isinstance(block, Image):
                parts.append(f'<figure class="wp-block-image size-large"><img src="{_a(block.src)}" '
                             f'alt="" loading="lazy"><figcaption class="wp-element-caption">'
                             f"{_t(block.caption)}</figcaption></figure>")
            else:
                parts.append(f"<p>{_t(block)}</p>")
        return "\n".join(parts)

    def article_page(self, state: State, piece: Piece, origin: str) -> str:
        url = self.url_of(piece, origin)
        old = piece.published.replace(tzinfo=None) < OLD_LAYOUT_UNTIL
        head = (
            f'<meta name="description" content="{_a(piece.lead)}">\n'
            f'<link rel="canonical" href="{_a(url)}">\n'
            '<meta property="og:type" content="article">\n'
            f'<meta property="og:title" content="{_a(piece.title)}">\n'
            f'<meta property="og:description" content="{_a(piece.lead)}">\n'
            f'<meta property="og:url" content="{_a(url)}">\n'
            f'<meta property="og:image" content="{_a(origin + piece.cover)}">\n'
            '<meta name="twitter:card" content="summary_large_image">\n'
            + self._json_ld(piece, url, origin, graph=not old))
        related = [p for p in state.live if p.section == piece.section and p is not piece][:4]
        popular = [p for p in state.live if p is not piece][:6]
        tags = " ".join(f'<a href="/tag/{_slug(tag)}/" rel="tag">{_t(tag)}</a>'
                        for tag in piece.tags)
        byline = (f'<span class="byline">By {_names(piece.authors)}</span> '
                  if piece.authors else "")
        updated = (f'<time class="updated" datetime="{iso(piece.modified)}">Updated '
                   f"{printed_date(piece.modified)}</time>" if piece.modified else "")
        posted = (f'<span class="posted-on"><time class="entry-date published" '
                  f'datetime="{iso(piece.published)}">{printed_date(piece.published)}</time>'
                  f"{updated}</span>")
        cover = (f'<figure class="post-thumbnail"><img src="{_a(piece.cover)}" alt="">'
                 f"<figcaption>{_t(piece.cover_caption)}</figcaption></figure>")
        inline_related = (f'<aside class="related-inline"><strong>Read also:</strong> <a href="'
                          f'{_a(self.path_of(related[0]))}">{_t(related[0].title)}</a></aside>'
                          if related else "")
        if old:
            article = (
                f'<div class="story" id="story-{piece.number}">\n'
                f'<div class="story-kicker"><a href="/section/{piece.section}/">'
                f"{SECTION_NAMES[piece.section]}</a></div>\n"
                f'<h1 class="story-headline">{_t(piece.title)}</h1>\n'
                f'<h2 class="story-standfirst">{_t(piece.lead)}</h2>\n'
                + (f'<p class="story-byline">By {", ".join(_t(n) for n in piece.authors)}</p>\n'
                   if piece.authors else "")
                + f'<p class="story-date"><time datetime="{iso(piece.published)}">'
                f"{printed_date(piece.published)}</time></p>\n"
                + (f'<p class="story-updated">Updated <time datetime="{iso(piece.modified)}">'
                   f"{printed_date(piece.modified)}</time></p>\n" if piece.modified else "")
                + f"{cover}\n"
                f'<div class="story-body">\n{self._content(piece)}\n</div>\n'
                f'<p class="story-tags">Topics: {tags}</p>\n</div>\n')
        else:
            article = (
                f'<article id="post-{piece.number}" class="post type-post status-publish '
                f'category-{piece.section}">\n<header class="entry-header">\n'
                f'<span class="cat-links"><a href="/section/{piece.section}/" rel="category">'
                f"{SECTION_NAMES[piece.section]}</a></span>\n"
                f'<h1 class="entry-title">{_t(piece.title)}</h1>\n'
                f'<p class="entry-dek">{_t(piece.lead)}</p>\n'
                f'<div class="entry-meta">{byline}{posted}</div>\n</header>\n{cover}\n'
                f'<div class="entry-content">\n{self._content(piece)}\n{inline_related}\n</div>\n'
                f'<footer class="entry-footer"><span class="tags-links">Tagged {tags}</span>'
                '<div class="share"><a href="https://twitter.com/intent/tweet">Share on X</a> '
                '<a href="https://www.facebook.com/sharer/">Share on Facebook</a></div>'
                "</footer>\n</article>\n")
        body = (
            '<main id="primary" class="site-main">\n' + article
            + '<section class="related-posts"><h2 class="related-posts__title">More from the '
            f'Ledger</h2>{self._cards(related, origin)}</section>\n'
            '<div id="comments" class="comments-area"><h2 class="comments-title">0 comments</h2>'
            '<p class="no-comments">Comments are closed.</p></div>\n</main>\n'
            '<aside id="secondary" class="widget-area"><section class="widget widget_popular">'
            '<h2 class="widget-title">Most read</h2><ol>'
            + "".join(f'<li><a href="{_a(self.path_of(p))}">{_t(p.title)}</a></li>' for p in popular)
            + "</ol></section></aside>\n")
        return self._document(f"{piece.title} – {SITE}", head, body,
                              "post-template-default single single-post")

    def error_page(self, status: int, origin: str) -> str:
        message = "This story has been removed." if status == 410 else \
            "Oops! That page can’t be found."
        body = (f'<main id="primary" class="site-main"><section class="error-404 not-found">'
                f'<h1 class="page-title">{message}</h1></section></main>\n')
        return self._document(f"Page not found – {SITE}", '<meta name="robots" content="noindex">\n',
                              body, "error404")

    # ---- everything else -------------------------------------------------------------------------

    def route(self, state: State, path: str, query, target: str, origin: str) -> Response | None:
        if path == "/":
            return Response(200, self._listing(state.live, 1, "/", "Latest news", origin,
                                               f"{SITE} – Independent news from Central Asia"))
        if path == "/robots.txt":
            return Response(200, "User-agent: *\nDisallow: /wp-admin/\nDisallow: /_replay/\n"
                            "Allow: /wp-admin/admin-ajax.php\n\n"
                            f"Sitemap: {origin}/sitemap_index.xml\n", TEXT)
        if path == "/feed/atom/":
            return Response(200, self._atom(state, origin), "application/atom+xml; charset=utf-8")
        if path == "/feed/":
            return Response(200, self._rss(state, origin), RSS)
        if path == "/sitemap_index.xml":
            return Response(200, self._sitemap_index(state, origin), XML)
        if path.startswith("/") and path.endswith(".xml"):
            found = self._sitemap(state, path[1:-4], origin)
            return Response(200, found, XML) if found else None
        if path.startswith("/uploads/") and path.endswith((".jpg", ".png")):
            return Response(200, JPEG, "image/jpeg")
        parts = path.strip("/").split("/")
        if parts[0] in ("section", "tag", "author") and len(parts) in (2, 4):
            page = int(parts[3]) if len(parts) == 4 and parts[2] == "page" and \
                parts[3].isdigit() else (1 if len(parts) == 2 else 0)
            return self._archive(state, parts[0], parts[1], page, origin)
        if len(parts) == 1 and parts[0] in STATIC_PAGES and path.endswith("/"):
            name = STATIC_PAGES[parts[0]]
            body = (f'<main id="primary" class="site-main"><article class="page"><h1 '
                    f'class="entry-title">{name}</h1><div class="entry-content"><p>{SITE} is an '
                    "independent newsroom in Almaty. We publish news, analysis and "
                    "investigations about Kazakhstan and Central Asia in English.</p>"
                    "</div></article></main>\n")
            return Response(200, self._document(f"{name} – {SITE}", "", body, "page"))
        return None

    def _archive(self, state: State, kind: str, slug: str, page: int,
                 origin: str) -> Response | None:
        if kind == "section":
            pieces = [p for p in state.live if p.section == slug]
            title = SECTION_NAMES.get(slug)
        elif kind == "tag":
            pieces = [p for p in state.live if any(_slug(tag) == slug for tag in p.tags)]
            title = next((tag for p in pieces for tag in p.tags if _slug(tag) == slug), None)
        else:
            pieces = [p for p in state.live if any(_slug(name) == slug for name in p.authors)]
            title = next((n for p in pieces for n in p.authors if _slug(n) == slug), None)
        if not title or not pieces:
            return None
        found = self._listing(pieces, page, f"/{kind}/{slug}/", title, origin,
                              f"{title} – {SITE}")
        return Response(200, found) if found else None

    def _listing(self, pieces: list[Piece], page: int, base: str, heading: str, origin: str,
                 title: str) -> str | None:
        last = max(1, -(-len(pieces) // PER_PAGE))
        if page < 1 or page > last:
            return None
        chunk = pieces[(page - 1) * PER_PAGE: page * PER_PAGE]
        links = []
        if page > 1:
            previous = base if page == 2 else f"{base}page/{page - 1}/"
            links.append(f'<a class="prev page-numbers" href="{previous}">Newer posts</a>')
        if page < last:
            links.append(f'<a class="next page-numbers" href="{base}page/{page + 1}/">'
                         "Older posts</a>")
        body = ('<main id="primary" class="site-main archive">\n'
                f'<header class="page-header"><h1 class="page-title">{_t(heading)}</h1></header>\n'
                f'<div class="cards">{self._cards(chunk, origin)}</div>\n'
                f'<nav class="navigation pagination">{" ".join(links)}</nav>\n</main>\n')
        return self._document(title, "", body, "archive")

    def _atom(self, state: State, origin: str) -> str:
        entries = []
        for piece in state.live[:FEED_SIZE]:
            url = self.url_of(piece, origin)
            authors = "".join(f"<author><name>{_t(n)}</name></author>" for n in piece.authors)
            entries.append(
                f"<entry>{authors}<title type=\"html\">{_t(piece.title)}</title>"
                f'<link rel="alternate" type="text/html" href="{_a(url)}"/>'
                f"<id>{_t(origin)}/?p={piece.number}</id>"
                f"<updated>{iso(piece.modified or piece.published)}</updated>"
                f"<published>{iso(piece.published)}</published>"
                f'<category term="{_a(SECTION_NAMES[piece.section])}"/>'
                f"<summary type=\"html\">{_t(piece.lead)}</summary></entry>\n")
        updated = iso(state.live[0].published) if state.live else "2026-01-01T00:00:00+05:00"
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en-GB">\n'
                f"<title type=\"text\">{SITE}</title><subtitle type=\"text\">Independent news "
                f"from Central Asia</subtitle><updated>{updated}</updated>"
                f'<link rel="alternate" type="text/html" href="{_a(origin)}/"/>'
                f"<id>{_t(origin)}/feed/atom/</id>"
                f'<link rel="self" type="application/atom+xml" href="{_a(origin)}/feed/atom/"/>\n'
                + "".join(entries) + "</feed>\n")

    def _rss(self, state: State, origin: str) -> str:
        items = "".join(
            f"<item><title>{_t(p.title)}</title><link>{_t(self.url_of(p, origin))}</link>"
            f"<pubDate>{format_datetime(p.published)}</pubDate></item>\n"
            for p in state.live[:FEED_SIZE])
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
                f"<title>{SITE}</title><link>{_t(origin)}/</link><language>en-GB</language>\n"
                f"{items}</channel></rss>\n")

    def _posts_oldest_first(self, state: State) -> list[Piece]:
        return list(reversed(state.live))

    def _sitemap_index(self, state: State, origin: str) -> str:
        posts = self._posts_oldest_first(state)
        entries = []
        for number in range(1, -(-len(posts) // POSTS_PER_SITEMAP) + 1):
            chunk = posts[(number - 1) * POSTS_PER_SITEMAP: number * POSTS_PER_SITEMAP]
            lastmod = max(iso(p.modified or p.published) for p in chunk)
            entries.append((f"post-sitemap{number}.xml" if number > 1 else "post-sitemap.xml",
                            lastmod))
        newest = iso(state.live[0].published) if state.live else ""
        entries += [("page-sitemap.xml", "2025-02-01T09:00:00+05:00"),
                    ("category-sitemap.xml", newest), ("news-sitemap.xml", newest)]
        items = "".join(f"<sitemap><loc>{_t(origin)}/{name}</loc><lastmod>{lastmod}</lastmod>"
                        "</sitemap>\n" for name, lastmod in entries)
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<?xml-stylesheet type="text/xsl" href="/main-sitemap.xsl"?>\n'
                '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                f"{items}</sitemapindex>\n")

    def _sitemap(self, state: State, name: str, origin: str) -> str | None:
        urlset = ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/'
                  'schemas/sitemap/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/'
                  '1.1" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n')
        if name == "page-sitemap":
            urls = [f"{origin}/"] + [f"{origin}/{slug}/" for slug in STATIC_PAGES]
            return urlset + "".join(f"<url><loc>{_t(u)}</loc></url>\n" for u in urls) + "</urlset>\n"
        if name == "category-sitemap":
            return urlset + "".join(f"<url><loc>{_t(origin)}/section/{s}/</loc></url>\n"
                                    for s in SECTIONS) + "</urlset>\n"
        if name == "news-sitemap":
            items = "".join(
                f"<url><loc>{_t(self.url_of(p, origin))}</loc><news:news><news:publication>"
                f"<news:name>{SITE}</news:name><news:language>en</news:language>"
                f"</news:publication><news:publication_date>{iso(p.published)}"
                f"</news:publication_date><news:title>{_t(p.title)}</news:title></news:news>"
                "</url>\n" for p in state.live[:NEWS_SITEMAP])
            return urlset + items + "</urlset>\n"
        if name == "post-sitemap":
            number = 1
        elif name.startswith("post-sitemap") and name[12:].isdigit():
            number = int(name[12:])
        else:
            return None
        posts = self._posts_oldest_first(state)
        chunk = posts[(number - 1) * POSTS_PER_SITEMAP: number * POSTS_PER_SITEMAP]
        if not chunk or number < 1:
            return None
        items = "".join(
            f"<url><loc>{_t(self.url_of(p, origin))}</loc><lastmod>"
            f"{iso(p.modified or p.published)}</lastmod><image:image><image:loc>"
            f"{_t(origin + p.cover)}</image:loc></image:image></url>\n" for p in chunk)
        return urlset + items + "</urlset>\n"
