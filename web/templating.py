"""The templates' environment: autoescaping, and filters for times, marked snippets and diffs."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import jinja2
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.templating import Jinja2Templates

from storage.clock import duration
from views import reading
from views.reading import MARK_END, MARK_START
from web.times import local, moment, utc

TEMPLATES = Path(__file__).resolve().parent / "templates"

KIND_LABELS = {
    "new": "new article", "removed": "removed", "restored": "restored", "headline": "headline",
    "byline": "byline", "moved": "moved", "lead": "lead", "typo": "typo", "rewrite": "rewrite",
    "paragraph_added": "paragraph added", "paragraph_removed": "paragraph removed",
    "tags": "tags", "cover": "cover", "dates": "dates", "stealth": "stealth edit",
}


def marked(snippet: str | None) -> Markup:
    """A snippet escaped, with the words between MARK_START and MARK_END in <mark>."""
    parts, inside = [], False
    for piece in (snippet or "").replace(MARK_END, MARK_START).split(MARK_START):
        text = escape(piece)
        parts.append(Markup("<mark>{}</mark>").format(text) if inside and piece else text)
        inside = not inside
    return Markup("").join(parts)


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


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


def url_with(request: Request, **changes: object) -> str:
    """This page's address with some parameters replaced (None drops one)."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    kept += [(k, str(v)) for k, v in changes.items() if v is not None]
    return request.url.path + (f"?{urlencode(kept)}" if kept else "")


def make_templates(api: dict[str, str]) -> Jinja2Templates:
    """Templates that escape everything they are given unless it is marked safe here."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True)
    env.filters.update(local=local, utc=utc, marked=marked, percent=percent, blocks=diff_blocks,
                       duration=duration)
    env.tests["timed"] = lambda stamp: moment(stamp) is not None
    env.globals.update(editions=reading.EDITIONS, change_kinds=reading.CHANGE_KINDS,
                       kind_labels=KIND_LABELS, api=api, url_with=url_with)
    return Jinja2Templates(env=env)
