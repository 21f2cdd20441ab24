"""What the reading commands print: archive data turned into text, JSON-ready dicts and exports."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import IO

from storage.inert import csv_safe

EDITIONS = ("ru", "kk", "en")
BOLD, YELLOW, RESET = "\x1b[1m", "\x1b[1;33m", "\x1b[0m"
TITLE_WIDTH = 72
RELATIVE = re.compile(r"^(\d+)\s*([mhdw])$")
UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
# Headers that describe the transfer, not the page: the capture holds the decoded body.
TRANSFER_HEADERS = ("content-encoding", "transfer-encoding", "content-length")


# ---- small pieces ------------------------------------------------------------------------------

def parse_moment(text: str, now: datetime | None = None) -> datetime:
    """A point in time from `2024-05-01`, `2024-05-01T10:00`, `today`, or `30m`/`12h`/`7d`/`2w` ago.

    Naive values count as UTC. Raises ValueError with a message the user can act on.
    """
    now = now or datetime.now(UTC)
    value = text.strip().lower()
    if value == "today":
        return now.replace(hour=0, minute=0, second=0, microsecond=0)
    relative = RELATIVE.match(value)
    if relative:
        try:
            return now - timedelta(**{UNITS[relative.group(2)]: int(relative.group(1))})
        except OverflowError:
            raise ValueError(f"{text!r} reaches back before the year 1") from None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a time: use YYYY-MM-DD, YYYY-MM-DDTHH:MM, today, "
                         "or an age such as 12h, 7d or 2w") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso(moment: datetime) -> str:
    """A datetime as the archive's UTC timestamp form (years before 1000 with four digits too)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def when(stamp: str | None) -> str:
    """A stored UTC timestamp for reading: `2024-05-01 10:00:00`."""
    return stamp.replace("T", " ").rstrip("Z") if stamp else "-"


def duration(seconds: float) -> str:
    """A delay for reading: `45 s`, `15 min`, `3 h`, `2 days`."""
    for size, unit in ((86400, "day"), (3600, "h"), (60, "min")):
        if seconds >= size:
            count = round(seconds / size, 1)
            count = int(count) if count == int(count) else count
            return f"{count} {unit}{'s' if unit == 'day' and count != 1 else ''}"
    return f"{seconds:g} s"


def shorten(text: str | None, width: int = TITLE_WIDTH) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def table(headers: list[str], rows: Iterable[list], right: tuple[int, ...] = ()) -> str:
    """Plain aligned columns; `right` holds the indexes of right-aligned (numeric) columns."""
    cells = [headers] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for row in cells:
        parts = [c.rjust(w) if i in right else c.ljust(w)
                 for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


def kinds_text(item: dict) -> str:
    """The kinds of one change, with the status of a removal."""
    text = ", ".join(item.get("kinds") or [])
    if "removed" in (item.get("kinds") or []) and item.get("status"):
        text += f" ({item['status']}{' → ' + item['location'] if item.get('location') else ''})"
    return text


# ---- crawl runs --------------------------------------------------------------------------------

RUN_COUNTS = (("fetched", "fetched"), ("new", "new"), ("version", "versions"),
              ("unchanged", "unchanged"), ("removed", "removed"), ("restored", "restored"),
              ("failed", "errors"))


def run_seconds(run: dict) -> float | None:
    if not (run.get("started_at") and run.get("finished_at")):
        return None
    started = datetime.fromisoformat(run["started_at"])
    return (datetime.fromisoformat(run["finished_at"]) - started).total_seconds()


def run_line(run: dict) -> str:
    """One line per crawl run: what it fetched and found (it starts with `run N`)."""
    stats = run.get("stats") or {}
    counts = ", ".join(f"{label} {stats.get(key, 0)}" for key, label in RUN_COUNTS)
    editions = ",".join(run.get("editions") or [])
    seconds = run_seconds(run)
    took = f" in {duration(seconds)}" if seconds is not None else f" since {when(run.get('started_at'))}"
    return f"run {run['id']} [{editions} {run.get('mode')}] {run.get('status')}{took}: {counts}"


def crawl_summary(runs: list[dict], seconds: float) -> str:
    """The closing line of a crawl: totals over its runs."""
    total: Counter = Counter()
    for run in runs:
        total.update({k: v for k, v in (run.get("stats") or {}).items() if isinstance(v, int)})
    return (f"crawl done in {duration(round(seconds, 1))}: {total['fetched']} pages fetched, "
            f"{total['new']} new articles, {total['version']} new versions, "
            f"{total['removed']} removals, {total['restored']} restored, {total['failed']} errors")


def status_text(runs: list[dict], errors_per_run: int = 5) -> str:
    """Recent runs, newest first, each followed by its first errors."""
    if not runs:
        return "No crawl runs yet: run `mediawatch crawl`."
    lines = []
    for run in runs:
        from_url = f" from {run['base_url']}" if run.get("base_url") else ""
        lines.append(f"{run_line(run)}  (started {when(run.get('started_at'))}{from_url})")
        errors = run.get("errors") or []
        for error in errors[:errors_per_run]:
            lines.append(f"    error: {error_text(error)}")
        if len(errors) > errors_per_run:
            lines.append(f"    … and {len(errors) - errors_per_run} more errors")
    return "\n".join(lines)


def error_text(error: object) -> str:
    if not isinstance(error, dict):
        return str(error)
    status = f" [{error['status']}]" if error.get("status") else ""
    return f"{error.get('url', '')}{status}: {error.get('error', '')}"


# ---- search ------------------------------------------------------------------------------------

def search_hit(hit: dict, editions: list[dict]) -> dict:
    """A search result as JSON: the hit and its story's other editions."""
    item = {key: value for key, value in hit.items() if key not in ("body", "lead")}
    item["translations"] = [{"article_id": e["article_id"], "language": e["language"]}
                            for e in editions]
    return item


def search_text(query: str, hits: list[dict], color: bool = False) -> str:
    """Ranked hits: date, edition, id and title, the snippet, other editions and the URL."""
    if not hits:
        return f"No articles match {query!r}."
    lines = [f"{len(hits)} result{'s' if len(hits) != 1 else ''} for {query!r}, best first:"]
    for rank, hit in enumerate(hits, 1):
        title = f"{BOLD}{hit['title']}{RESET}" if color else hit["title"]
        flags = "" if hit.get("status") == "active" else f" [{hit.get('status')}]"
        if hit.get("current") is False:
            flags += f" [found in version {hit['version']}]"
        lines.append(f"\n{rank:>2}. {(hit.get('published') or '')[:10]}  {hit['language']}  "
                     f"{hit['article_id']}  {title}{flags}")
        lines.append(f"    {hit['snippet']}")
        others = ", ".join(f"{e['language']} {e['article_id']}" for e in hit["translations"])
        if others:
            lines.append(f"    other editions: {others}")
        lines.append(f"    {hit['url']}")
    return "\n".join(lines)


# ---- changes -----------------------------------------------------------------------------------

def change_item(item: dict) -> dict:
    """One change as JSON."""
    keys = ("at", "article_id", "language", "kinds", "version", "status", "location", "title",
            "url")
    return {key: item[key] for key in keys if key in item}


def changes_text(items: list[dict], since: str) -> str:
    """Changes newest first: time, edition, id, version, kinds and title."""
    if not items:
        return f"No changes since {when(since)} UTC."
    head = f"{len(items)} change{'s' if len(items) != 1 else ''} since {when(since)} UTC, newest first:"
    rows = [[when(i["at"]), i["language"], i["article_id"],
             f"v{i['version']}" if i.get("version") else "", kinds_text(i), shorten(i["title"], 60)]
            for i in items]
    counts = Counter(kind for item in items for kind in item["kinds"])
    tally = ", ".join(f"{kind} {n}" for kind, n in counts.most_common())
    return "\n".join([head, table(["when (UTC)", "ed", "id", "ver", "change", "title"], rows),
                      f"by kind: {tally}"])


# ---- one article -------------------------------------------------------------------------------

def history_data(article: dict, items: list[dict], steps: list[int]) -> dict:
    """An article's history as JSON: its state, revisit schedule, versions and events."""
    step = article.get("revisit_step") or 0
    keys = ("id", "language", "url", "title", "status", "first_seen", "last_seen", "removed_at",
            "current_version", "revisit_step", "next_visit_at")
    state = {key: article.get(key) for key in keys}
    state["revisit_delay_seconds"] = steps[min(step, len(steps) - 1)] if steps else None
    return {"article": state, "history": items}


def history_text(data: dict) -> str:
    """First seen, each version and event with its time and kind, and the revisit schedule."""
    a = data["article"]
    removed = f", removed {when(a['removed_at'])}" if a.get("removed_at") else ""
    lines = [
        f"{a['id']} [{a['language']}] {a['title']}",
        f"  {a['url']}",
        f"  status {a['status']}{removed}; {a['current_version']} version"
        f"{'s' if a['current_version'] != 1 else ''}; first seen {when(a['first_seen'])}, "
        f"last seen {when(a['last_seen'])} (UTC)",
        f"  revisit step {a['revisit_step']} (every {duration(a['revisit_delay_seconds'] or 0)}); "
        f"next revisit {when(a['next_visit_at'])} UTC",
        "",
    ]
    rows = [[when(item["at"]), *history_row(item)] for item in data["history"]]
    lines.append(table(["when (UTC)", "what", "detail"], rows))
    return "\n".join(lines)


def history_row(item: dict) -> list[str]:
    if item["type"] == "version":
        kinds = ", ".join(item["changes"]) or "first version"
        return [f"version {item['number']}", f"{kinds}: {shorten(item['title'], 60)}"]
    detail = {"new": "first seen", "restored": "answers again"}.get(item["kind"], "")
    if item["kind"] == "removed":
        detail = f"status {item.get('status')}" + (f" → {item['location']}" if item.get("location")
                                                    else "")
    return [item["kind"], detail]


def article_data(article: dict, version: dict) -> dict:
    """One version of an article as JSON: the record plus the article's state."""
    return {**version, "language": article["language"], "status": article["status"],
            "current_version": article["current_version"],
            "translations": article.get("translations") or []}


def article_text(data: dict) -> str:
    """A version of an article, readable: heading, metadata, lead, paragraphs, other editions."""
    current = "current" if data["number"] == data["current_version"] else "not current"
    lines = [data["title"] or "(no title)", "=" * min(len(data["title"] or ""), TITLE_WIDTH),
             f"{data['article_id']} · {data['language']} · {data['section']} · version "
             f"{data['number']} of {data['current_version']} ({current}, first seen "
             f"{when(data['first_seen'])} UTC)"]
    if data["status"] != "active":
        lines.append(f"This article is {data['status']}; the last archived version is shown.")
    lines.append(f"published {data.get('published') or '-'} · modified {data.get('modified') or '-'}")
    for label, key in (("by", "authors"), ("photo", "photo_credits"), ("tags", "tags")):
        if data.get(key):
            lines.append(f"{label}: {', '.join(data[key])}")
    lines.append(data["url"])
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


def diff_heading(article: dict, old: dict, new: dict | None, removal: dict | None) -> str:
    """The line above a text diff: which article and which versions."""
    head = f"{article['id']} [{article['language']}] {article['title']}\n"
    if removal is not None:
        return head + (f"version {old['number']} ({when(old['first_seen'])}) → removed "
                       f"{when(removal['at'])} UTC\n")
    return head + (f"version {old['number']} ({when(old['first_seen'])}) → version "
                   f"{new['number']} ({when(new['first_seen'])}) UTC\n")


# ---- the whole archive -------------------------------------------------------------------------

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
    lines += ["", "most revised articles:"]
    lines += [f"  {a['versions']} versions  {a['language']}  {a['article_id']}  "
              f"{shorten(a['title'], 60)}" for a in data["most_revised"]] or ["  none yet"]
    lines += ["", "last crawl runs:"]
    lines += [f"  {run_line(run)}" for run in data["runs"]] or ["  none yet"]
    return "\n".join(lines)


# ---- export ------------------------------------------------------------------------------------

EXPORT_FIELDS = ("article_id", "language", "status", "version", "url", "section", "slug", "title",
                 "lead", "authors", "photo_credits", "tags", "published", "modified",
                 "cover_image", "cover_caption", "first_seen", "last_seen", "removed_at",
                 "word_count", "body", "translations")


def export_record(article: dict) -> dict:
    """The current version of an article as one flat export record."""
    record = article["record"]
    data = {**record, "article_id": article["id"], "language": article["language"],
            "status": article["status"], "version": article["current_version"],
            "first_seen": article["first_seen"], "last_seen": article["last_seen"],
            "removed_at": article["removed_at"],
            "translations": [e["article_id"] for e in article.get("translations") or []]}
    return {key: data.get(key) for key in EXPORT_FIELDS}


def write_jsonl(records: Iterable[dict], out: IO[str]) -> int:
    count = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def csv_cell(key: str, value: object) -> object:
    """Lists joined by `; `, body paragraphs by blank lines; never a formula (storage.inert)."""
    if isinstance(value, list):
        value = ("\n\n" if key == "body" else "; ").join(str(v) for v in value)
    return csv_safe(value)


def write_csv(records: Iterable[dict], out: IO[str]) -> int:
    """One row per article: lists joined by `; ` (body paragraphs by blank lines)."""
    writer = csv.writer(out)
    writer.writerow(EXPORT_FIELDS)
    count = 0
    for record in records:
        writer.writerow([csv_cell(key, record[key]) for key in EXPORT_FIELDS])
        count += 1
    return count


def http_headers(status: int, headers: dict[str, str], length: int):
    """The response's status line and headers as warcio wants them, sized for the stored body."""
    from warcio.statusandheaders import StatusAndHeaders

    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Unknown"
    kept = [(k, v) for k, v in headers.items() if k.lower() not in TRANSFER_HEADERS]
    kept.append(("Content-Length", str(length)))
    return StatusAndHeaders(f"{status} {reason}", kept, protocol="HTTP/1.1")


def write_warc(captures: Iterable[tuple[dict, dict, bytes]], out: IO[bytes], gzip: bool = True,
               filename: str = "mediawatch.warc.gz") -> int:
    """Write (capture info, headers, body) triples as WARC `response` records after a warcinfo."""
    from warcio.warcwriter import WARCWriter

    writer = WARCWriter(out, gzip=gzip, warc_version="1.1")
    writer.write_record(writer.create_warcinfo_record(filename, {
        "software": "mediawatch", "format": "WARC File Format 1.1",
        "description": "Raw captures of archived article versions"}))
    count = 0
    for info, headers, body in captures:
        record = writer.create_warc_record(
            info["url"], "response", payload=io.BytesIO(body), length=len(body),
            http_headers=http_headers(info["status"] or 200, headers, len(body)),
            warc_headers_dict={"WARC-Date": info["fetched_at"]})
        writer.write_record(record)
        count += 1
    return count


def stats_data(archive, now: datetime | None = None) -> dict:
    """Everything `mediawatch stats` shows, as JSON."""
    now = now or datetime.now(UTC)
    day, week = (archive.changes(iso(now - timedelta(days=n))) for n in (1, 7))
    return {
        "editions": archive.edition_counts(),
        "changes": {"day": change_counts(day), "week": change_counts(week)},
        "most_revised": archive.most_revised(),
        "runs": archive.runs(5),
        "totals": archive.stats(),
    }


def export_records(archive, language: str | None = None, since: str | None = None):
    """The current version of each article (of an edition, changed since a time), as dicts."""
    for article_id in archive.article_ids(language, since):
        yield export_record(archive.article(article_id))


def export_captures(archive, language: str | None = None, since: str | None = None):
    """(capture info, headers, body) of every archived version, oldest first."""
    for version_id in archive.version_ids(language, since):
        headers, body = archive.capture(version_id)
        yield archive.capture_info(version_id), headers, body


def diff_output(article: dict, old: dict, new: dict | None, removal: dict | None, fmt: str,
                color: bool = False) -> str:
    """A diff of two versions (or of the last one and its removal) in the chosen format."""
    from crawler.diff import diff_versions, render_html, render_text, render_unified, to_json

    event = {"status": removal["status"], "location": removal["location"]} if removal else None
    result = diff_versions(old, new, event=event)
    target = f"version {new['number']}" if new else "removed"
    if fmt == "json":
        data = {"article_id": article["id"], "from": old["number"],
                "to": new["number"] if new else None, **to_json(result)}
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if fmt == "html":
        return render_html(result, title=f"{article['title']}: version {old['number']} → {target}")
    if fmt == "unified":
        return render_unified(result)
    return diff_heading(article, old, new, removal) + render_text(result, color=color)
