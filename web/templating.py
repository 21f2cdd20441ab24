"""The templates' environments, one per language: autoescaping, the catalogue, and filters for
times, marked snippets, diffs and the names of changes."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import jinja2
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.templating import Jinja2Templates

from alerts.feeds import feed_path, keyed
from storage.changelog import ChangeFilter
from views import reading
from views.outlet_names import stored_as
from views.reading import MARK_END, MARK_START
from web import language as lang
from web.times import moment, utc

TEMPLATES = Path(__file__).resolve().parent / "templates"


def marked(snippet: str | None) -> Markup:
    """A snippet escaped, with the words between MARK_START and MARK_END in <mark>."""
    parts, inside = [], False
    for piece in (snippet or "").replace(MARK_END, MARK_START).split(MARK_START):
        text = escape(piece)
        parts.append(Markup("<mark>{}</mark>").format(text) if inside and piece else text)
        inside = not inside
    return Markup("").join(parts)


def diff_blocks(paragraphs: list[dict]) -> list[dict]:
    """Changed paragraphs as they are, each run of unchanged ones as one block."""
    blocks: list[dict] = []
    for paragraph in paragraphs:
        if paragraph["op"] != "equal":
            blocks.append(paragraph)
        elif blocks and blocks[-1]["op"] == "same":
            blocks[-1]["texts"].append(paragraph["new"])
        else:
            blocks.append({"op": "same", "texts": [paragraph["new"]]})
    return blocks


def feed_address(language: str | None = None, kinds: list[str] | tuple[str, ...] = (),
                 article_id: int | None = None, query: str | None = None,
                 key: str | None = None, outlets: list[str] | tuple[str, ...] = ()) -> str:
    """The address of the Atom feed of the changes these filters select (`outlets` by name),
    with the room's feed key when it has a token (a feed reader keeps it in the address)."""
    return keyed("/feeds/" + feed_path(ChangeFilter(
        outlets=tuple(stored_as(name) for name in outlets or ()), language=language or None,
        kinds=tuple(kinds), article_id=article_id, query=query or None)), key)


def url_with(request: Request, **changes: object) -> str:
    """This page's address with some parameters replaced (None drops one, a list repeats it)."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    for key, value in changes.items():
        values = value if isinstance(value, list) else [] if value is None else [value]
        kept += [(key, str(one)) for one in values]
    return request.url.path + (f"?{urlencode(kept)}" if kept else "")


def in_language(request: Request, language: str) -> str:
    """This page's address in another language of the room (the choice then stays)."""
    return url_with(request, **{lang.PARAM: language})


def make_templates(api: dict[str, str], address: str, language: str = lang.DEFAULT,
                   feed_key: str | None = None) -> Jinja2Templates:
    """Templates in one language that escape everything they are given unless it is marked
    safe here; `address` is where the reading room is read (what full links begin with), and
    their feed links carry `feed_key`."""

    def feed(*args, **options) -> str:
        return feed_address(*args, **options, key=feed_key)

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True, extensions=["jinja2.ext.i18n"])
    env.policies["ext.i18n.trimmed"] = True
    translations = lang.catalogue(language)
    env.install_gettext_translations(translations, newstyle=True)

    def named(names: dict[str, str]):
        # Plain strings (escaped when shown), unlike _() in a template, whose text is markup.
        return lambda value: translations.gettext(names[value]) if value in names else value

    env.filters.update(
        local=lambda stamp: lang.local_time(stamp, language),
        day=lambda stamp: lang.local_day(stamp, language), utc=utc, marked=marked,
        percent=lambda part, whole: lang.percent(part, whole, language),
        number=lambda value: lang.number(value, language), blocks=diff_blocks,
        interval=lambda seconds: lang.interval(seconds, language),
        kind_label=named(lang.KIND_LABELS), field_label=named(lang.FIELD_LABELS),
        edition_name=named(lang.EDITION_NAMES), run_status=named(lang.RUN_STATUSES),
        run_mode=named(lang.RUN_MODES), link_method=named(lang.LINK_METHODS),
        article_status=named(lang.ARTICLE_STATUSES),
        divergence_kind=named(lang.DIVERGENCE_KINDS),
        divergence_closing=named(lang.DIVERGENCE_CLOSINGS))
    env.tests["timed"] = lambda stamp: moment(stamp) is not None
    env.globals.update(editions=reading.EDITIONS, change_kinds=reading.CHANGE_KINDS, api=api,
                       url_with=url_with, feed=feed, ui=language, ui_languages=lang.LANGUAGES,
                       ui_names=lang.NAMES, in_language=in_language, address=address)
    return Jinja2Templates(env=env)
