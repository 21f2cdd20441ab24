"""Dala: a replayed Kazakh and Russian news agency built nothing like Vlast.

Articles are numbered, the number in the query string: `/news.php?id=123` in Russian and
`/news.php?id=124&lang=kz` in Kazakh (the editions share one sequence; a story's translations
have numbers of their own). Each edition has its home page (`/`, `/?lang=kz`) and its RSS feed
(`/rss/ru.xml`, `/rss/kz.xml`), named only on its own home page; the two are linked by hreflang
alternates and a language switch. There is no sitemap: the archive is listed at
`/archive.php?page=N` (`&lang=kz`). Article pages link their other edition by hreflang and by a
line at the end; the date is printed `21.01.2026, 10:05` and given in microdata; bylines are
`Автор:` lines linking the author's page, on some articles only; tags link `/tag/<name>/`.
"""

from __future__ import annotations

import zlib
from email.utils import format_datetime
from html import escape
from urllib.parse import quote

from replay import padding
from replay.corpus import Image, iso
from replay.newsroom import Piece, Profile, State
from replay.server import JPEG, RSS, TEXT, Response
from replay.site import SiteApp

LANG_PARAM = {"ru": None, "kk": "kz"}  # the value of ?lang= of each edition
NAMES = {"ru": "Информационное агентство «Дала»", "kk": "«Дала» ақпарат агенттігі"}
SHORT = {"ru": "ИА «Дала»", "kk": "«Дала» ААА"}
SECTIONS = {"ru": ("politika", "ekonomika", "obshchestvo", "regiony", "proisshestviya"),
            "kk": ("sayasat", "ekonomika", "qogam", "onirler", "oqigalar")}
SECTION_NAMES = {"politika": "Политика", "ekonomika": "Экономика", "obshchestvo": "Общество",
                 "regiony": "Регионы", "proisshestviya": "Происшествия", "sayasat": "Саясат",
                 "qogam": "Қоғам", "onirler": "Өңірлер", "oqigalar": "Оқиғалар"}
LABELS = {
    "ru": {"author": "Автор", "tags": "Теги", "latest": "Последние новости", "all": "Все новости",
           "other": "Бұл жаңалықты қазақ тілінде оқыңыз", "next": "Следующая »",
           "prev": "« Предыдущая", "views": "Просмотров", "not_found": "Новость не найдена",
           "gone": "Новость удалена", "archive": "Архив новостей"},
    "kk": {"author": "Авторы", "tags": "Тегтер", "latest": "Соңғы жаңалықтар",
           "all": "Барлық жаңалықтар", "other": "Читать эту новость на русском языке",
           "next": "Келесі »", "prev": "« Алдыңғы", "views": "Қаралды",
           "not_found": "Жаңалық табылмады", "gone": "Жаңалық жойылды",
           "archive": "Жаңалықтар мұрағаты"},
}
PER_PAGE = 30
FEED_SIZE = 30

PROFILE = Profile(
    name="agency", languages=("ru", "kk"), sections=SECTIONS, first_number=118000,
    stamps_edits=False, bylines=0.6, shared_stories=0.45, unlinked=0.1,
    rebrand=(("Журналисты «Власти»", "Журналисты агентства"),
             ("корреспондент «Власти»", "корреспондент агентства"),
             ("интервью «Власти»", "интервью агентству"),
             ("«Власть» тілшісі", "агенттік тілшісі")))


def _t(value: str) -> str:
    return escape(value, quote=False)


def _a(value: str) -> str:
    return escape(value, quote=True)


def _with_lang(path: str, language: str) -> str:
    value = LANG_PARAM[language]
    if value is None:
        return path
    return f"{path}{'&' if '?' in path else '?'}lang={value}"


def printed(piece: Piece) -> str:
    return piece.published.strftime("%d.%m.%Y, %H:%M")


class AgencyApp(SiteApp):
    """The Dala agency at one epoch."""

    profile = PROFILE
    title = NAMES["ru"]
    key = "id"
    default_size = 150

    def path_of(self, piece: Piece) -> str:
        return _with_lang(f"/news.php?id={piece.number}", piece.language)

    def find_article(self, state: State, path: str, query) -> tuple[Piece | None, bool]:
        if path != "/news.php":
            return None, False
        number = (query.get("id") or [""])[0]
        return (state.pieces.get(int(number)) if number.isdigit() else None), True

    @staticmethod
    def language_of(query) -> str:
        return "kk" if (query.get("lang") or [""])[0] == "kz" else "ru"

    # ---- the frame ----------------------------------------------------------------------------

    def _document(self, language: str, title: str, head: str, body: str, state: State) -> str:
        labels = LABELS[language]
        other = "kk" if language == "ru" else "ru"
        switch = (f'<a class="lang-link" href="{_a(_with_lang("/", other))}" hreflang="{other}">'
                  f'{"ҚАЗ" if other == "kk" else "РУС"}</a> '
                  f'<span class="lang-link active">{"РУС" if language == "ru" else "ҚАЗ"}</span>')
        menu = "".join(f'<li><a href="{_a(_with_lang(f"/category.php?cat={s}", language))}">'
                       f"{SECTION_NAMES[s]}</a></li>" for s in SECTIONS[language])
        latest = "".join(
            f'<li class="side-news"><span class="side-time">{p.published:%H:%M}</span> '
            f'<a href="{_a(self.path_of(p))}">{_t(p.title)}</a></li>'
            for p in state.live_in(language)[:25])
        return (
            f'<!DOCTYPE html>\n<html lang="{language}">\n<head>\n'
            '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
            f"<title>{_t(title)}</title>\n{head}"
            + padding.stylesheet("agency", ("navbar", "news", "side", "col", "btn", "panel",
                                            "banner", "lang", "footer-block"), 30_000)
            + "</head>\n<body>\n"
            '<div id="top-line" class="navbar navbar-inverse"><div class="container">'
            f'<div class="lang-switch">{switch}</div>'
            f'<div class="date-now">{state.live[0].published:%d.%m.%Y}</div></div></div>\n'
            '<div class="container"><div class="header-logo">'
            f'<a href="{_a(_with_lang("/", language))}"><img src="/img/logo-{language}.png" '
            f'alt="{_a(NAMES[language])}"></a></div>\n'
            f'<ul class="nav nav-pills main-menu">{menu}<li><a href="'
            f'{_a(_with_lang("/archive.php", language))}">{labels["all"]}</a></li></ul>\n'
            f'<div class="row"><div class="col-md-8 col-sm-12">\n{body}</div>\n'
            f'<div class="col-md-4 hidden-sm"><div class="panel side-panel"><div '
            f'class="panel-heading">{labels["latest"]}</div><ul class="side-list">{latest}</ul>'
            '</div><div class="banner banner-240"></div></div>\n</div></div>\n'
            '<div class="footer-block"><div class="container"><p>© 2008–2026 '
            f'{_t(NAMES[language])}. При цитировании ссылка обязательна.</p>'
            '<p>Свидетельство о постановке на учёт СМИ № 00000-ИА.</p></div></div>\n'
            '<!-- counters -->' + padding.scripts("agency", 24_000) + "</body>\n</html>\n")

    def _hreflang(self, pairs: list[tuple[str, str]], origin: str) -> str:
        return "".join(f'<link rel="alternate" hreflang="{language}" href="{_a(origin + path)}">\n'
                       for language, path in pairs)

    # ---- articles ------------------------------------------------------------------------------

    def article_page(self, state: State, piece: Piece, origin: str) -> str:
        language, labels = piece.language, LABELS[piece.language]
        url = self.url_of(piece, origin)
        others = [state.pieces[n] for n in piece.translations
                  if n in state.pieces and state.pieces[n].status == 200] if piece.linked else []
        head = (
            f'<meta name="description" content="{_a(piece.lead)}">\n'
            f'<meta name="keywords" content="{_a(", ".join(piece.tags))}">\n'
            f'<link rel="canonical" href="{_a(url)}">\n'
            f'<meta property="og:title" content="{_a(piece.title)}">\n'
            f'<meta property="og:description" content="{_a(piece.lead)}">\n'
            f'<meta property="og:image" content="{_a(origin + piece.cover)}">\n'
            f'<meta property="og:url" content="{_a(url)}">\n'
            + (self._hreflang([(piece.language, self.path_of(piece))]
                              + [(o.language, self.path_of(o)) for o in others], origin)
               if others else ""))
        text = []
        for block in piece.blocks:
            if isinstance(block, Image):
                text.append(f'<p style="text-align:center"><img src="{_a(block.src)}" '
                            f'alt="" class="img-responsive"></p>\n'
                            f'<p class="photo-sign">{_t(block.caption)}</p>')
            else:
                text.append(f"<p>{_t(block)}</p>")
        author = ""
        if piece.authors:
            names = ", ".join(f'<a href="/author/{zlib.crc32(n.encode()) % 997}/">{_t(n)}</a>'
                              for n in piece.authors)
            author = f'<div class="news-author">{labels["author"]}: {names}</div>\n'
        tags = ", ".join(f'<a href="{_a(_with_lang(f"/tag/{quote(tag)}/", language))}">{_t(tag)}</a>'
                         for tag in piece.tags)
        translation = "".join(
            f'<div class="news-translation"><a href="{_a(self.path_of(o))}" hreflang="{o.language}">'
            f"{labels['other']}</a></div>\n" for o in others)
        views = 300 + piece.number % 5000
        category = _with_lang(f"/category.php?cat={piece.section}", language)
        body = (
            '<div class="news-full" itemscope itemtype="http://schema.org/NewsArticle">\n'
            f'<div class="news-cat"><a href="{_a(category)}">'
            f"{SECTION_NAMES[piece.section]}</a></div>\n"
            f'<h1 class="news-title" itemprop="headline">{_t(piece.title)}</h1>\n'
            f'<div class="news-info"><span class="news-date" itemprop="datePublished" '
            f'content="{iso(piece.published)}">{printed(piece)}</span> '
            f'<span class="news-views">{labels["views"]}: {views}</span></div>\n'
            f'<div class="news-lead"><b>{_t(piece.lead)}</b></div>\n'
            f'<div class="news-photo"><img src="{_a(piece.cover)}" alt="" class="img-responsive">'
            f'<div class="photo-sign">{_t(piece.cover_caption)}</div></div>\n'
            f'<div class="news-text" itemprop="articleBody">\n' + "\n".join(text) + "\n</div>\n"
            + author + f'<div class="news-tags">{labels["tags"]}: {tags}</div>\n' + translation
            + '<div class="share-buttons"><a href="https://t.me/share/url">Telegram</a> '
            '<a href="https://wa.me/">WhatsApp</a></div>\n</div>\n')
        return self._document(language, f"{piece.title} - {SHORT[language]}", head, body, state)

    def error_page(self, status: int, origin: str) -> str:
        labels = LABELS["ru"]
        body = (f'<div class="error-page"><h1>{status}</h1><p>'
                f'{labels["gone"] if status == 410 else labels["not_found"]}</p></div>\n')
        return self._document("ru", f"{status} - {SHORT['ru']}",
                              '<meta name="robots" content="noindex">\n', body, self.state)

    # ---- everything else -----------------------------------------------------------------------

    def route(self, state: State, path: str, query, target: str, origin: str) -> Response | None:
        language = self.language_of(query)
        if path in ("/", "/index.php"):
            return Response(200, self._home(state, language, origin))
        if path == "/robots.txt":
            return Response(200, "User-agent: *\nDisallow: /_replay/\nDisallow: /search.php\n"
                            "Disallow: /admin/\n", TEXT)
        if path in ("/rss/ru.xml", "/rss/kz.xml"):
            return Response(200, self._rss(state, "ru" if path == "/rss/ru.xml" else "kk",
                                           origin), RSS)
        if path == "/archive.php":
            return self._listing(state, state.live_in(language), language, "/archive.php",
                                 LABELS[language]["archive"], query)
        if path == "/category.php":
            section = (query.get("cat") or [""])[0]
            if section not in SECTIONS[language]:
                return None
            return self._listing(state, [p for p in state.live_in(language)
                                         if p.section == section], language,
                                 f"/category.php?cat={section}", SECTION_NAMES[section], query)
        if path.startswith("/img/") or path.startswith("/uploads/"):
            return Response(200, JPEG, "image/jpeg")
        return None

    def _home(self, state: State, language: str, origin: str) -> str:
        labels = LABELS[language]
        head = (f'<meta name="description" content="{_a(NAMES[language])}">\n'
                f'<link rel="alternate" type="application/rss+xml" title="{_a(NAMES[language])}" '
                f'href="/rss/{LANG_PARAM[language] or "ru"}.xml">\n'
                + self._hreflang([("ru", "/"), ("kk", "/?lang=kz"), ("x-default", "/")], origin))
        items = "".join(
            f'<div class="news-item"><span class="news-time">{printed(p)}</span> '
            f'<a class="news-link" href="{_a(self.path_of(p))}">{_t(p.title)}</a></div>\n'
            for p in state.live_in(language)[:40])
        body = (f'<h2 class="block-title">{labels["latest"]}</h2>\n<div class="news-list">'
                f"{items}</div>\n<p class=\"more\"><a href=\""
                f'{_a(_with_lang("/archive.php", language))}">{labels["all"]}</a></p>\n')
        return self._document(language, NAMES[language], head, body, state)

    def _listing(self, state: State, pieces: list[Piece], language: str, base: str, title: str,
                 query) -> Response | None:
        page_text = (query.get("page") or ["1"])[0]
        page = int(page_text) if page_text.isdigit() else 0
        last = max(1, -(-len(pieces) // PER_PAGE))
        if page < 1 or page > last:
            return None
        labels = LABELS[language]

        def link(number: int) -> str:
            return _a(_with_lang(f"{base}{'&' if '?' in base else '?'}page={number}", language))

        items = "".join(
            f'<tr><td class="news-time">{printed(p)}</td><td><a href="{_a(self.path_of(p))}">'
            f"{_t(p.title)}</a></td></tr>\n"
            for p in pieces[(page - 1) * PER_PAGE: page * PER_PAGE])
        pager = " ".join(
            [f'<a href="{link(page - 1)}">{labels["prev"]}</a>'] * (page > 1)
            + [f'<a href="{link(n)}"{" class=current" if n == page else ""}>{n}</a>'
               for n in range(1, last + 1)]
            + [f'<a class="next" href="{link(page + 1)}">{labels["next"]}</a>'] * (page < last))
        body = (f'<h1 class="block-title">{_t(title)}</h1>\n<table class="table news-table">'
                f'{items}</table>\n<div class="pager">{pager}</div>\n')
        return Response(200, self._document(language, f"{title} - {SHORT[language]}", "", body,
                                            state))

    def _rss(self, state: State, language: str, origin: str) -> str:
        items = "".join(
            f"<item><title>{_t(p.title)}</title><link>{_t(self.url_of(p, origin))}</link>"
            f"<guid>{_t(self.url_of(p, origin))}</guid>"
            f"<pubDate>{format_datetime(p.published)}</pubDate>"
            f"<description>{_t(p.lead)}</description>"
            f"<category>{_t(SECTION_NAMES[p.section])}</category></item>\n"
            for p in state.live_in(language)[:FEED_SIZE])
        return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>\n'
                f"<title>{_t(NAMES[language])}</title>"
                f"<link>{_t(origin + _with_lang('/', language))}</link>"
                f"<description>{_t(NAMES[language])}</description>"
                f"<language>{language}</language>\n{items}</channel></rss>\n")
