"""What the reading commands show of articles: search hits, changes, history, versions, stats."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from storage.clock import duration, utc_iso
from storage.divergence import diverging_stories
from views.editions import status_line
from views.runs import run_line
from views.text import BOLD, RESET, TITLE_WIDTH, shorten, table, when, zone_name


def search_hit(hit: dict) -> dict:
    """A search result as JSON: the hit and its story's other editions."""
    item = {key: value for key, value in hit.items()
            if key not in ("body", "lead", "editions", "link")}
    item["translations"] = hit["editions"]
    return item


def search_text(found: dict, color: bool = False, show_outlet: bool = False) -> str:
    """Ranked hits: date, (outlet,) edition, id and title, the snippet, other editions and the
    URL; the head says how many match in all."""
    query, hits = found["query"], found["hits"]
    if not hits:
        return f"No articles match {query!r}."
    total = f"{found['total']}{'' if found['counts_complete'] else '+'}"
    shown = (f"{len(hits)} result{'s' if len(hits) != 1 else ''}" if not found["has_more"]
             else f"the best {len(hits)} of {total} results")
    lines = [f"{shown} for {query!r}, best first:"]
    for rank, hit in enumerate(hits, 1):
        title = f"{BOLD}{hit['title']}{RESET}" if color else hit["title"]
        flags = "" if hit.get("status") == "active" else f" [{hit.get('status')}]"
        if hit.get("current") is False:
            flags += f" [found in version {hit['version']}]"
        outlet = f"{hit.get('outlet')}  " if show_outlet else ""
        lines.append(f"\n{rank:>2}. {(hit.get('published') or '')[:10]}  {outlet}"
                     f"{hit['language']}  {hit['article_id']}  {title}{flags}")
        lines.append(f"    {hit['snippet']}")
        others = ", ".join(f"{e['language']} {e['article_id']}" for e in hit["editions"])
        if others:
            lines.append(f"    other editions: {others}")
        lines.append(f"    {hit['url']}")
    return "\n".join(lines)


def kinds_text(item: dict) -> str:
    """The kinds of one change, with the status of a removal and where it now redirects."""
    text = ", ".join(item.get("kinds") or [])
    if "removed" in (item.get("kinds") or []) and item.get("status"):
        text += f" ({item['status']}{' → ' + item['location'] if item.get('location') else ''})"
    if item.get("divergence"):
        text += f": {shorten(item['divergence'], 90)}"
    return text


def change_title(item: dict, width: int = 60) -> str:
    """The title of a change; a headline change also gives the headline it replaced, a
    degraded run why."""
    if item["source"] == "run":
        return shorten(f"run {item['run_id']} ended degraded: {'; '.join(item['degraded'])}",
                       2 * width)
    if item.get("old_title"):
        return f"{shorten(item['title'], width)} (was: {shorten(item['old_title'], width)})"
    return shorten(item["title"], width)


def changes_text(items: list[dict], since: str, show_outlet: bool = False) -> str:
    """Changes newest first: time, (outlet,) edition, id, version, kinds and title."""
    if not items:
        return f"No changes since {when(since)} {zone_name()}."
    head = (f"{len(items)} change{'s' if len(items) != 1 else ''} since {when(since)} "
            f"{zone_name()}, newest first:")
    outlet = (lambda i: [i.get("outlet") or ""]) if show_outlet else (lambda i: [])
    rows = [[when(i["at"]), *outlet(i), i["language"], i["article_id"],
             f"v{i['version']}" if i.get("version") else "", kinds_text(i), change_title(i)]
            for i in items]
    counts = Counter(kind for item in items for kind in item["kinds"])
    tally = ", ".join(f"{kind} {n}" for kind, n in counts.most_common())
    columns = [f"when ({zone_name()})", *(["outlet"] if show_outlet else []), "ed", "id", "ver",
               "change", "title"]
    lines = [head, table(columns, rows), f"by kind: {tally}"]
    if show_outlet:
        by_outlet = Counter(item["outlet"] for item in items if item.get("outlet"))
        lines.append("by outlet: " + ", ".join(f"{name} {n}" for name, n in
                                                by_outlet.most_common()))
    return "\n".join(lines)


def history_text(data: dict) -> str:
    """First seen, each version and event with its time and kind, and the revisit schedule."""
    a = data["article"]
    removed = f", removed {when(a['removed_at'])}" if a.get("removed_at") else ""
    lines = [
        f"{a['id']} [{a['language']}] {a['title']}",
        f"  {a['outlet_title']} ({a['outlet']}): {a['url']}",
        f"  status {a['status']}{removed}; {a['current_version']} version"
        f"{'s' if a['current_version'] != 1 else ''}; first seen {when(a['first_seen'])}, "
        f"last seen {when(a['last_seen'])} ({zone_name()})",
        f"  revisit step {a['revisit_step']} ({duration(a['revisit_delay_seconds'] or 0)} after "
        f"the last visit); next revisit {when(a['next_visit_at'])} {zone_name()}"
        + (f": {a['due_reason']}" if a.get("due_reason") else ""),
        "",
    ]
    rows = [[when(item["at"]), *history_row(item)] for item in data["history"]]
    lines.append(table([f"when ({zone_name()})", "what", "detail"], rows))
    return "\n".join(lines)


def history_row(item: dict) -> list[str]:
    if item["type"] == "version":
        if item["number"] == 1:
            kinds = "first version"
        elif item.get("artefact"):
            kinds = "extraction artefact, reads like the version before"
        else:
            kinds = ", ".join(item["changes"]) or "no change a reader can see"
        return [f"version {item['number']}", f"{kinds}: {shorten(item['title'], 60)}"]
    detail = {"new": "first seen", "restored": "answers again"}.get(item["kind"], "")
    if item.get("divergence"):
        detail = item["divergence"]
    if item["kind"] == "removed":
        detail = f"status {item.get('status')}" + (f" → {item['location']}" if item.get("location")
                                                    else "")
    return [item["kind"], detail]


def article_data(data: dict) -> dict:
    """One version of an article as JSON (the read side's article answer, flattened): the
    record plus the article's state and its story's other editions."""
    state, version = data["article"], data["version"]
    return {**version, "outlet": state["outlet"], "outlet_title": state["outlet_title"],
            "language": state["language"], "status": state["status"],
            "current_version": state["current_version"], "translations": data["editions"]}


def article_text(data: dict) -> str:
    """A version of an article, readable: heading, metadata, lead, paragraphs, other editions."""
    current = "current" if data["number"] == data["current_version"] else "not current"
    lines = [data["title"] or "(no title)", "=" * min(len(data["title"] or ""), TITLE_WIDTH),
             f"{data['article_id']} · {data['language']} · {data['section']} · version "
             f"{data['number']} of {data['current_version']} ({current}, first seen "
             f"{when(data['first_seen'])} {zone_name()})"]
    if data["status"] != "active":
        lines.append(f"This article is {data['status']}; the last archived version is shown.")
    lines.append(f"published {data.get('published') or '-'} · modified {data.get('modified') or '-'}")
    for label, key in (("by", "authors"), ("photo", "photo_credits"), ("tags", "tags")):
        if data.get(key):
            lines.append(f"{label}: {', '.join(data[key])}")
    lines.append(f"{data['outlet_title']}: {data['url']}")
    for block in [data.get("lead"), *data.get("body", [])]:
        if block:
            lines += ["", block]
    if data["translations"]:
        lines += ["", "other editions: " + editions_line(data["translations"])]
    return "\n".join(lines)


def editions_line(editions: list[dict]) -> str:
    return ", ".join(f"{e['language']} {e['article_id']}" for e in editions)


def translations_text(article: dict, editions: list[dict]) -> str:
    """The other editions of an article's story, with how each link was found."""
    head = f"{article['id']} [{article['language']}] {article['title']}"
    if not editions:
        return head + "\nNo other edition of this story is archived."
    rows = [[e["language"], e["article_id"], f"{e['method']} {e['confidence']:.2f}",
             shorten(e["title"], 60), e["url"]] for e in editions]
    return head + "\n" + table(["ed", "id", "found by", "title", "url"], rows)


def change_counts(items: list[dict]) -> dict[str, int]:
    return dict(Counter(kind for item in items for kind in item["kinds"]).most_common())


def stats_text(data: dict) -> str:
    """Per-edition counts, recent changes, the most revised articles and the last runs."""
    rows = [[lang, *(c[k] for k in ("articles", "active", "removed", "versions", "revised"))]
            for lang, c in data["editions"].items()]
    rows.append(["all", *(sum(c[k] for c in data["editions"].values())
                          for k in ("articles", "active", "removed", "versions", "revised"))])
    lines = [table(["edition", "articles", "active", "removed", "versions", "revised"], rows,
                   right=(1, 2, 3, 4, 5)), ""]
    for label, key in (("last day", "day"), ("last week", "week")):
        counts = data["changes"][key]
        tally = ", ".join(f"{kind} {n}" for kind, n in counts.items()) or "none"
        lines.append(f"changes in the {label}: {tally}")
    lines += ["", status_line(data["divergence"])]
    lines += ["", "most revised articles:"]
    lines += [f"  {a['versions']} versions  {a['language']}  {a['article_id']}  "
              f"{shorten(a['title'], 60)}" for a in data["most_revised"]] or ["  none yet"]
    lines += ["", "last crawl runs:"]
    lines += [f"  {run_line(run)}" for run in data["runs"]] or ["  none yet"]
    return "\n".join(lines)


def stats_data(archive, now: datetime | None = None) -> dict:
    """Everything `mediawatch stats` shows, as JSON."""
    now = now or datetime.now(UTC)
    day, week = (archive.changes(utc_iso(now - timedelta(days=n))) for n in (1, 7))
    return {
        "editions": archive.edition_counts(),
        "divergence": diverging_stories(archive.db),
        "changes": {"day": change_counts(day), "week": change_counts(week)},
        "most_revised": archive.most_revised(),
        "runs": archive.runs(5),
        "totals": archive.stats(),
    }


