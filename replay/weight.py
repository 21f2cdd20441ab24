"""The real site's page weight: navigation, styles, scripts, related and popular blocks, footer.

An article page of vlast.kz weighs about 100 KB, most of it around the article. `full_weight`
wraps a rendered article page in that much of it, deterministically: the parts shared by every
page (styles, icons, scripts, menus, footer) and the parts that depend on the page (related
articles, the section's latest, the state of the front-end app).
"""

from __future__ import annotations

import json
from functools import lru_cache
from html import escape
from random import Random

from replay.corpus import ALL_SECTIONS, Article, State, iso

RELATED = 6
LATEST = 8
APP_STATE_ITEMS = 40


def _t(value: str) -> str:
    return escape(value, quote=False)


def _a(value: str) -> str:
    return escape(value, quote=True)


@lru_cache(maxsize=1)
def _styles() -> str:
    """Inline critical CSS, as the site's theme ships it (about 34 KB)."""
    rng = Random("mediawatch-weight:css")
    blocks = ["header", "nav", "news", "item", "card", "aside", "footer", "banner", "menu",
              "share", "tags", "author", "lead", "cover", "popular", "related", "subscribe"]
    properties = ("margin", "padding", "font-size", "line-height", "color", "background",
                  "border-radius", "letter-spacing", "max-width", "gap")
    rules = []
    while sum(len(rule) for rule in rules) < 34_000:
        block = rng.choice(blocks)
        element = rng.choice(("title", "body", "link", "icon", "wrap", "inner", "meta", "img"))
        modifier = rng.choice(("", "--active", "--dark", "--wide", "--compact"))
        declarations = ";".join(
            f"{name}:{rng.randint(0, 48)}{'px' if name != 'color' else ''}"
            if name not in ("color", "background")
            else f"{name}:#{rng.randrange(0x1000000):06x}"
            for name in rng.sample(properties, rng.randint(2, 5)))
        rules.append(f".{block}__{element}{modifier}{{{declarations}}}")
    return "<style>" + "".join(rules) + "</style>\n"


@lru_cache(maxsize=1)
def _icons() -> str:
    """The SVG sprite of the site's icons (about 9 KB)."""
    rng = Random("mediawatch-weight:svg")
    names = ("eye", "clock", "share", "facebook", "telegram", "whatsapp", "x", "youtube",
             "instagram", "search", "menu", "close", "arrow-left", "arrow-right", "print",
             "comment", "bookmark", "mail", "play", "camera")
    symbols = []
    for name in names:
        points = " ".join(f"L{rng.uniform(0, 24):.2f} {rng.uniform(0, 24):.2f}"
                          for _ in range(36))
        symbols.append(f'<symbol id="icon-{name}" viewBox="0 0 24 24"><path d="M12 2 {points}Z"/>'
                       "</symbol>")
    return ('<svg xmlns="http://www.w3.org/2000/svg" style="display:none">' + "".join(symbols)
            + "</svg>\n")


@lru_cache(maxsize=1)
def _scripts_head() -> str:
    """Analytics, ad slots and consent, inline in the head (about 12 KB)."""
    rng = Random("mediawatch-weight:js")
    slots = [{"id": f"adfox_{rng.randrange(10**15)}", "params": {
        "p1": f"c{rng.randrange(10**4)}", "p2": f"f{rng.randrange(10**4)}",
        "puid1": "", "puid2": rng.choice(("news", "analytics", "longread")),
        "sizes": [[rng.choice((240, 300, 728, 970)), rng.choice((90, 250, 400, 600))]]}}
        for _ in range(40)]
    metrika = (
        "(function(m,e,t,r,i,k,a){m[i]=m[i]||function(){(m[i].a=m[i].a||[]).push(arguments)};"
        "m[i].l=1*new Date();k=e.createElement(t),a=e.getElementsByTagName(t)[0],k.async=1,"
        "k.src=r,a.parentNode.insertBefore(k,a)})(window,document,'script',"
        "'https://mc.yandex.ru/metrika/tag.js','ym');ym(00000000,'init',{clickmap:true,"
        "trackLinks:true,accurateTrackBounce:true,webvisor:false});")
    gtag = ("window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}"
            "gtag('js',new Date());gtag('config','G-XXXXXXXXXX',{anonymize_ip:true});")
    return (f"<script>{metrika}</script>\n<script async "
            'src="https://www.googletagmanager.com/gtag/js?id=G-XXXXXXXXXX"></script>\n'
            f"<script>{gtag}</script>\n"
            f"<script>window.adSlots={json.dumps(slots, separators=(',', ':'))};</script>\n"
            + "".join(f'<link rel="preload" as="script" href="/static/js/chunk-{n:02d}.'
                      f'{rng.randrange(16**8):08x}.js">\n' for n in range(12)))


@lru_cache(maxsize=2)
def _menu(interface: str) -> str:
    """The mega-menu: sections, special projects, the archive by year (about 8 KB)."""
    rng = Random(f"mediawatch-weight:menu:{interface}")
    sections = "".join(f'<li class="menu__item"><a class="menu__link" href="/{s}/">{s}</a></li>'
                       for s in ALL_SECTIONS)
    projects = "".join(
        f'<li class="menu__item"><a class="menu__link" href="/project/{rng.randrange(900)}-'
        f'special-{n}/">Спецпроект {n}</a></li>' for n in range(60))
    years = "".join(f'<li class="menu__item"><a href="/archive/{year}/">{year}</a></li>'
                    for year in range(2012, 2027))
    return (f'<nav class="menu menu--wide" data-interface="{interface}"><ul class="menu__list">'
            f"{sections}</ul><ul class=\"menu__list menu__list--projects\">{projects}</ul>"
            f'<ul class="menu__list menu__list--years">{years}</ul></nav>\n')


def _card(article: Article, lead: bool) -> str:
    text = f'<p class="card__lead">{_t(article.lead)}</p>' if lead else ""
    return (f'<div class="card card--compact"><a class="card__link" href="{_a(article.path)}">'
            f'<img class="card__img" src="{_a(article.cover)}" alt="" loading="lazy">'
            f'<span class="card__title">{_t(article.title)}</span></a>{text}'
            f'<time class="card__meta" datetime="{iso(article.published)}"></time></div>')


def _related(state: State, article: Article) -> list[Article]:
    """Other live articles of the same edition: same tags first, then the same section."""
    tags = {slug for slug, _ in article.tags}
    pool = [a for a in state.live[:120] if a.id != article.id and a.language == article.language]
    ranked = sorted(range(len(pool)), key=lambda n: (
        -len(tags.intersection(slug for slug, _ in pool[n].tags)), n))
    return [pool[n] for n in ranked[:RELATED]]


@lru_cache(maxsize=1)
def _footer() -> str:
    """Editorial details, legal text, links and app badges (about 6 KB)."""
    rng = Random("mediawatch-weight:footer")
    links = "".join(f'<li><a href="/page/{rng.randrange(10**4)}/">Раздел {n}</a></li>'
                    for n in range(40))
    legal = " ".join(f"Пункт {n}. При использовании материалов ссылка на Vlast.kz обязательна; "
                     "мнение авторов может не совпадать с мнением редакции." for n in range(20))
    return (f'<footer class="footer footer--dark"><ul class="footer__links">{links}</ul>'
            f'<p class="footer__legal">{legal}</p><div class="footer__apps">'
            '<a href="https://apps.apple.com/"><svg><use href="#icon-play"/></svg>App Store</a>'
            '<a href="https://play.google.com/"><svg><use href="#icon-play"/></svg>Google Play'
            "</a></div></footer>\n")


@lru_cache(maxsize=4)
def _latest_items(state: State) -> str:
    """The latest items of the site as the front-end app's state holds them (about 20 KB)."""
    items = [{"id": a.id, "path": a.path, "title": a.title, "lead": a.lead,
              "published": iso(a.published), "section": a.section, "cover": a.cover}
             for a in state.live[:APP_STATE_ITEMS]]
    return json.dumps(items, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def _app_state(state: State, article: Article) -> str:
    """The front-end app's state: this article and the latest items of the site."""
    return (f'<script>window.__INITIAL_STATE__={{"article":{article.id},"latest":'
            f"{_latest_items(state)}}};</script>\n"
            '<script src="/static/js/app.js" defer></script>\n')


def full_weight(page: str, state: State, article: Article, interface: str) -> str:
    """The article page with everything the real site puts around the article."""
    section = [a for a in state.by_section.get(article.section, [])[:LATEST + 1]
               if a.id != article.id]
    related = "".join(_card(a, True) for a in _related(state, article))
    latest = "".join(_card(a, False) for a in section[:LATEST])
    around = (f'<aside class="related"><h3>Читайте также</h3>{related}</aside>\n'
              f'<aside class="news news--section"><h3>Последнее в разделе</h3>{latest}'
              "</aside>\n"
              '<section class="subscribe"><form action="/subscribe/" method="post">'
              '<input type="email" name="email"><button>Подписаться</button></form></section>\n'
              '<div class="comments" data-widget="comments"></div>\n')
    page = page.replace("</head>", _styles() + _scripts_head() + "</head>", 1)
    page = page.replace("<body>\n", "<body>\n" + _icons() + _menu(interface), 1)
    at = page.rfind("<footer")
    at = at if at >= 0 else page.rfind("</body>")
    page = page[:at] + around + page[at:]
    return page.replace("</body>", _footer() + _app_state(state, article) + "</body>", 1)
