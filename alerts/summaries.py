"""Short summaries of one change, as plain text and as HTML, and the links that go with it.

The difference between two versions comes from the read side's diff; nothing here classifies
a change: the kinds shown are the ones the archive stored.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from sqlite_utils import Database

from storage.changelog import versions_of
from storage.changes import WordOp
from views.diffs import version_diff
from views.reading import DEFAULT_WEB_URL, change_link
from views.text import local

MAX_PARAGRAPHS = 2  # changed paragraphs quoted in a summary
MAX_FIELDS = 3  # changed metadata fields quoted besides the headline
CONTEXT = 60  # characters of unchanged text kept on each side of an edit
MAX_EDIT = 300  # characters of one deleted or inserted run shown
LEAD_CHARS = 300
UNREADABLE_LISTED = 20  # articles a degraded run could no longer read, named in its summary
DATE_FIELDS = ("published", "modified")  # said as two times, not as a diff of their digits
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
    revision's diff, a removal's diff, the article, the status page), under `web_url`."""
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
    records = versions_of(db, item["article_id"], [item["version"] - 1, item["version"]]
                          if kind is None else [item["version"] or 1])
    if kind == "new":
        lead = (records.get(item["version"] or 1) or {}).get("lead") or ""
        return _plain(lead[:LEAD_CHARS] + ("…" if len(lead) > LEAD_CHARS else ""))
    old, new = records.get(item["version"] - 1), records.get(item["version"])
    if old is None or new is None:
        return _plain("")
    return _diff_summary(version_diff(old, new))


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


def _diff_summary(diff) -> Summary:
    text, markup = [], []
    for field in diff.fields:
        if field.name == "title":
            text += [f"Headline was: {field.old}", f"Headline now: {field.new}"]
            markup.append(f"<p>Headline: <del>{html.escape(str(field.old))}</del> → "
                          f"<ins>{html.escape(str(field.new))}</ins></p>")
    # A moved modified date is said only when it is the change (`dates`), not a consequence.
    skipped = ("title", "url") if "dates" in diff.kinds else ("title", "url", "modified")
    others = [f for f in diff.fields if f.name not in skipped]
    for field in others[:MAX_FIELDS]:
        label = FIELD_LABELS.get(field.name, field.name)
        if field.name in DATE_FIELDS:
            line = f"{label}: {local(field.old)} → {local(field.new)} (Almaty time)"
            text.append(line)
            markup.append(f"<p>{html.escape(line)}</p>")
            continue
        text.append(f"{label}: {_words_text(field.words)}")
        markup.append(f"<p>{html.escape(label)}: {_words_html(field.words)}</p>")
    changed = diff.changed_paragraphs
    for paragraph in changed[:MAX_PARAGRAPHS]:
        number = (paragraph.new_index if paragraph.new_index is not None else paragraph.old_index) + 1
        text.append(f"¶{number}: {_words_text(paragraph.words)}")
        markup.append(f"<p>¶{number}: {_words_html(paragraph.words)}</p>")
    if len(changed) > MAX_PARAGRAPHS:
        more = f"… and {len(changed) - MAX_PARAGRAPHS} more changed paragraphs."
        text.append(more)
        markup.append(f"<p>{html.escape(more)}</p>")
    return Summary("\n".join(text), "".join(markup))


def _trimmed(words: list[WordOp]) -> list[WordOp]:
    """Long unchanged runs cut to some context on each side of the edits, long edits cut."""
    last = len(words) - 1
    result = []
    for index, (op, text) in enumerate(words):
        if op == "equal" and len(text) > 2 * CONTEXT:
            if index == 0:
                text = "…" + text[-CONTEXT:]
            elif index == last:
                text = text[:CONTEXT] + "…"
            else:
                text = text[:CONTEXT] + " … " + text[-CONTEXT:]
        elif op != "equal" and len(text) > MAX_EDIT:
            text = text[:MAX_EDIT] + "…"
        result.append((op, text))
    return result


def _words_text(words: list[WordOp]) -> str:
    marks = {"equal": "{}", "delete": "[-{}-]", "insert": "{{+{}+}}"}
    return "".join(marks[op].format(text) for op, text in _trimmed(words))


def _words_html(words: list[WordOp]) -> str:
    tags = {"equal": "{}", "delete": "<del>{}</del>", "insert": "<ins>{}</ins>"}
    return "".join(tags[op].format(html.escape(text)) for op, text in _trimmed(words))
