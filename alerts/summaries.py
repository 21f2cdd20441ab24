"""Short summaries of one change, as plain text and as HTML, and the links that go with it.

A revision's summary renders the excerpt of its change the archive stored when it recorded the
version (storage.changes.excerpt); nothing here diffs or classifies a change: the kinds shown are
the ones the archive stored.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from sqlite_utils import Database

from storage.changelog import stored_excerpt, version_lead
from storage.divergence import DIVERGENCE
from views.editions import divergence_line
from views.reading import DEFAULT_WEB_URL, change_link
from views.text import local

LEAD_CHARS = 300
UNREADABLE_LISTED = 20  # articles a degraded run could no longer read, named in its summary
FIELD_LABELS = {"authors": "Byline", "photo_credits": "Photo credits", "lead": "Lead",
                "tags": "Tags", "section": "Section", "slug": "Address", "url": "Address",
                "cover_image": "Cover image", "cover_caption": "Cover caption",
                "published": "Published", "modified": "Modified"}


@dataclass
class Summary:
    """What changed, in plain text (edits as [-deleted-]{+inserted+}) and in escaped HTML."""

    text: str
    html: str


def change_links(item: dict, web_url: str = DEFAULT_WEB_URL) -> tuple[str, str | None]:
    """(link into the reading room, live URL): the address views.reading gives the change (a
    revision's diff, a removal's diff, a story's comparison, the article, the status page),
    under `web_url`."""
    return web_url.rstrip("/") + change_link(item), item["url"]


def change_title(item: dict) -> str:
    """The article's title, or what a degraded run was."""
    if item["source"] == "run":
        return f"Crawl run {item['run_id']} ({item['mode']}, {', '.join(item['editions'])}) ended degraded"
    return item["title"] or f"article {item['article_id']}"


def summarize(db: Database, item: dict) -> Summary:
    """The change in a few lines: old and new headline, edited fields, first changed paragraphs."""
    if item["source"] == "run":
        return _run_summary(item)
    kind = item["kinds"][0] if item["source"] == "event" else None
    if kind == "removed":
        where = f" (redirected to {item['location']})" if item.get("location") else ""
        return _plain(f"Removed: the page answered {item.get('status') or 'with an error'}{where}.")
    if kind == "restored":
        return _plain("Restored: the page is back online.")
    if kind == DIVERGENCE:
        return _plain(divergence_line(db, item.get("divergence_id")))
    if kind == "new":
        lead = version_lead(db, item["article_id"], item["version"] or 1)
        return _plain(lead[:LEAD_CHARS] + ("…" if len(lead) > LEAD_CHARS else ""))
    excerpt = stored_excerpt(db, item["version_id"])
    return _excerpt_summary(excerpt) if excerpt else _plain("")


def _plain(text: str) -> Summary:
    return Summary(text, f"<p>{html.escape(text)}</p>" if text else "")


def _run_summary(item: dict) -> Summary:
    """Why a run ended degraded, and the articles it could no longer read, by id and address."""
    errors = item.get("errors") or []
    reasons = item.get("degraded") or [str(e.get("error", e)) if isinstance(e, dict) else str(e)
                                       for e in errors][:3]
    lines = ["The crawl ended degraded:", *[f"- {reason}" for reason in reasons]]
    unreadable = [e for e in errors if isinstance(e, dict) and e.get("article_id")]
    if unreadable:
        lines.append("Articles it could no longer read (each keeps its last archived version):")
        lines += [f"- {e['article_id']} {e['url']}: {e['error']}"
                  for e in unreadable[:UNREADABLE_LISTED]]
        if len(unreadable) > UNREADABLE_LISTED:
            lines.append(f"… and {len(unreadable) - UNREADABLE_LISTED} more (mediawatch status)")
    text = "\n".join(lines)
    return Summary(text, "".join(f"<p>{html.escape(line)}</p>" for line in lines))


def _excerpt_summary(excerpt: dict) -> Summary:
    text, markup = [], []
    if excerpt["headline"]:
        old, new = excerpt["headline"]
        text += [f"Headline was: {old}", f"Headline now: {new}"]
        markup.append(f"<p>Headline: <del>{html.escape(str(old))}</del> → "
                      f"<ins>{html.escape(str(new))}</ins></p>")
    for name, old, new in excerpt.get("dates") or []:  # said as two times, not as digits
        line = f"{FIELD_LABELS.get(name, name)}: {local(old)} → {local(new)} (Almaty time)"
        text.append(line)
        markup.append(f"<p>{html.escape(line)}</p>")
    for name, words in excerpt["fields"]:
        label = FIELD_LABELS.get(name, name)
        text.append(f"{label}: {_words_text(words)}")
        markup.append(f"<p>{html.escape(label)}: {_words_html(words)}</p>")
    for number, words in excerpt["paragraphs"]:
        text.append(f"¶{number}: {_words_text(words)}")
        markup.append(f"<p>¶{number}: {_words_html(words)}</p>")
    more = excerpt["changed_paragraphs"] - len(excerpt["paragraphs"])
    if more > 0:
        line = f"… and {more} more changed paragraphs."
        text.append(line)
        markup.append(f"<p>{html.escape(line)}</p>")
    return Summary("\n".join(text), "".join(markup))


def _words_text(words: list[list[str]]) -> str:
    marks = {"equal": "{}", "delete": "[-{}-]", "insert": "{{+{}+}}"}
    return "".join(marks[op].format(text) for op, text in words)


def _words_html(words: list[list[str]]) -> str:
    tags = {"equal": "{}", "delete": "<del>{}</del>", "insert": "<ins>{}</ins>"}
    return "".join(tags[op].format(html.escape(text)) for op, text in words)
