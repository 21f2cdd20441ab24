"""Plain-text notifications: one change per message, or one digest for many."""

from __future__ import annotations

from collections import Counter

from sqlite_utils import Database

from alerts.summaries import change_links, change_title, summarize
from storage.watches import Message
from views.outlet_names import OutletBook
from views.text import local

FLOOD = 10  # more new changes than this at once go out as one digest
DIGEST_SUMMARIES = 30  # entries of a digest that carry their summary; the rest a line or two


def seen_text(stamp: str | None) -> str:
    """When a change was seen, in Almaty time as the terminal and the reading room show it."""
    return f"{local(stamp)} Almaty" if stamp else "unknown"


def entry_text(db: Database, item: dict, web_url: str, with_summary: bool = True) -> str:
    """One change: title, outlet, edition, kinds and time, the summary, the links."""
    reading_room, live = change_links(item, web_url)
    outlet = f"Outlet: {item['outlet_title']} · " if item.get("outlet_title") else ""
    lines = [change_title(item),
             f"{outlet}Edition: {item['language']} · Kinds: {', '.join(item['kinds'])} · "
             f"Seen: {seen_text(item['at'])}"]
    if with_summary:
        summary = summarize(db, item).text
        lines += [summary] if summary else []
    lines.append(f"{'Diff' if item['source'] == 'version' else 'Open'}: {reading_room}")
    if live:
        lines.append(f"Live: {live}")
    return "\n".join(lines)


def reference(watch: dict, items: list[dict]) -> str:
    """A stable reference for the message: the same if it is ever sent again."""
    more = f"+{len(items) - 1}" if len(items) > 1 else ""
    return f"{watch['name']}/{items[0]['key']}{more}"


def single_message(db: Database, watch: dict, item: dict, web_url: str) -> Message:
    title = f"[{item['language']}] {', '.join(item['kinds'])}: {change_title(item)}"
    body = (f"{entry_text(db, item, web_url)}\n\n"
            f"— mediawatch, watch {watch['name']} · ref {reference(watch, [item])}")
    return Message(title, body, [item["key"]])


def where_changed(items: list[dict]) -> str:
    """Where changes were seen: on their one outlet, on N outlets, or in the archive (changes
    that are not about articles, such as degraded runs)."""
    outlets = {item["outlet_title"] for item in items if item.get("outlet_title")}
    if len(outlets) == 1:
        return f"on {outlets.pop()}"
    return f"on {len(outlets)} outlets" if outlets else "in the archive"


def digest_message(db: Database, watch: dict, items: list[dict], web_url: str) -> Message:
    """Many changes in one message, oldest first, counted by outlet (when several), edition
    and kind at the top."""
    editions = Counter(item["language"] for item in items)
    kinds = Counter(kind for item in items for kind in item["kinds"])
    outlets = Counter(item["outlet_title"] for item in items if item.get("outlet_title"))
    head = [f"{len(items)} changes {where_changed(items)} from {seen_text(items[0]['at'])} "
            f"to {seen_text(items[-1]['at'])}."]
    head += ["By outlet: " + ", ".join(f"{k} {n}" for k, n in outlets.most_common())] \
        if len(outlets) > 1 else []
    head += ["By edition: " + ", ".join(f"{k} {n}" for k, n in editions.most_common()),
             "By kind: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common())]
    entries = [f"{number}. " + entry_text(db, item, web_url, number <= DIGEST_SUMMARIES)
               for number, item in enumerate(items, start=1)]
    body = "\n\n".join(["\n".join(head), *entries,
                        f"— mediawatch, watch {watch['name']} · ref {reference(watch, items)}"])
    title = f"{len(items)} changes {where_changed(items)} for watch {watch['name']}"
    return Message(title, body, [item["key"] for item in items])


def build_messages(db: Database, watch: dict, items: list[dict], web_url: str,
                   book: OutletBook | None = None) -> list[Message]:
    """A digest when the watch asks for one or when there are more than FLOOD changes;
    otherwise a message per change. Each change is told with its outlet (named by `book`, by
    default the archive's outlets)."""
    if not items:
        return []
    items = (book or OutletBook.of(db)).label([dict(item) for item in items])
    if watch.get("digest") or len(items) > FLOOD:
        return [digest_message(db, watch, items, web_url)]
    return [single_message(db, watch, item, web_url) for item in items]


def test_message(db: Database, watch: dict, item: dict | None, web_url: str) -> Message:
    """A sample for `watch test`: the latest change the watch selects, or a note that none is
    archived yet."""
    if item is None:
        body = (f"This is a test of the watch {watch['name']}. No archived change matches it yet;"
                " its notifications will look like this one.")
        return Message(f"[test] mediawatch watch {watch['name']}", body, [])
    message = single_message(db, watch, OutletBook.of(db).label([dict(item)])[0], web_url)
    return Message(f"[test] {message.title}", message.body, [])
