"""What each page of the reading room shows: one JSON-ready dict per page, read from the archive
through the read side, the same for the HTML page and for /api/."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from scheduler import ServiceConfig, due_times
from storage import browse
from storage.archive import Archive
from storage.changes import EVENT_KINDS, KINDS
from storage.clock import utc_iso
from storage.records import EDITIONS
from storage.search import edition_counts
from views.diffs import diff_dict, version_diff

CHANGE_KINDS = (*EVENT_KINDS, *KINDS)
CHANGES_PER_PAGE = 50
HITS_PER_PAGE = 20
RUNS_SHOWN = 20
ERRORS_PER_RUN = 5
MARK_START, MARK_END = "\ue000", "\ue001"  # around matching words in a snippet


class Missing(LookupError):
    """No such article, version or capture (404)."""


class Invalid(ValueError):
    """A request the reading room cannot answer as asked (400); the message says why."""


# ---- addresses -----------------------------------------------------------------------------

def article_path(article_id: int, version: int | None = None) -> str:
    return f"/article/{article_id}" + (f"?version={version}" if version else "")


def diff_path(article_id: int, old: int | None = None, new: int | None = None) -> str:
    if old is None or new is None:
        return f"/article/{article_id}/diff"
    return f"/article/{article_id}/diff?from={old}&to={new}"


def change_link(item: dict) -> str:
    """Where a change leads: the diff of a revision or a removal, else the article."""
    if item.get("version"):
        return diff_path(item["article_id"], item["version"] - 1, item["version"])
    if "removed" in item["kinds"]:
        return diff_path(item["article_id"])
    return article_path(item["article_id"])


# ---- changes -------------------------------------------------------------------------------

def changes(archive: Archive, since: datetime, until: datetime | None, language: str | None,
            kinds: list[str], page: int) -> dict:
    """One page of changes in a time range, newest first, each with the address of its diff."""
    offset = (page - 1) * CHANGES_PER_PAGE
    items = browse.changes_page(archive.db, utc_iso(since), utc_iso(until) if until else None,
                                language, kinds or None, CHANGES_PER_PAGE + 1, offset)
    more = len(items) > CHANGES_PER_PAGE
    items = items[:CHANGES_PER_PAGE]
    for item in items:
        item["link"] = change_link(item)
    return {"since": utc_iso(since), "until": utc_iso(until) if until else None,
            "edition": language, "kinds": kinds, "page": page, "per_page": CHANGES_PER_PAGE,
            "has_more": more, "items": items}


# ---- search --------------------------------------------------------------------------------

def search(archive: Archive, query: str, options: dict, page: int) -> dict:
    """Ranked hits with the matching words between MARK_START and MARK_END, the other
    editions of each hit's story, and the number of matching articles per edition (at least
    that many when `counts_complete` is false: see storage.search.edition_counts)."""
    filters = {key: options.get(key) for key in ("section", "author", "date_from", "date_to",
                                                 "all_versions")}
    hits = archive.search(query, language=options.get("language"), **filters,
                          limit=HITS_PER_PAGE + 1, offset=(page - 1) * HITS_PER_PAGE,
                          marks=(MARK_START, MARK_END))
    counts, complete = edition_counts(archive.db, query, **filters)
    more = len(hits) > HITS_PER_PAGE
    hits = hits[:HITS_PER_PAGE]
    for hit in hits:
        hit["editions"] = [{"article_id": e["article_id"], "language": e["language"]}
                           for e in archive.translations(hit["article_id"])]
        hit["link"] = article_path(hit["article_id"],
                                   None if hit.get("current", True) else hit["version"])
    return {"query": query, **options, "page": page, "per_page": HITS_PER_PAGE,
            "has_more": more, "counts": counts, "counts_complete": complete, "hits": hits}


# ---- one article ---------------------------------------------------------------------------

def _article_state(archive: Archive, article_id: int) -> dict:
    state = archive.article(article_id)
    if state is None:
        raise Missing(f"no article {article_id} is archived")
    return state


def _version(archive: Archive, state: dict, number: int) -> dict:
    version = archive.version(state["id"], number)
    if version is None:
        raise Missing(f"article {state['id']} has versions 1 to {state['current_version']}; "
                      f"there is no version {number}")
    return version


def _timeline(archive: Archive, article_id: int) -> list[dict]:
    items = archive.history(article_id)
    for item in items:
        if item["type"] == "version":
            item["link"] = article_path(article_id, item["number"])
            item["capture"] = f"/capture/{item['version_id']}"
            item["diff"] = diff_path(article_id, item["number"] - 1, item["number"]) \
                if item["number"] > 1 else None
    return items


def article(archive: Archive, article_id: int, number: int | None = None) -> dict:
    """An article's state, one version of it (the current by default), its timeline of versions
    and events, and its story's other editions."""
    state = _article_state(archive, article_id)
    state.pop("record")
    version = _version(archive, state, number or state["current_version"])
    return {"article": state, "version": version, "timeline": _timeline(archive, article_id),
            "editions": state.pop("translations"),
            "capture": f"/capture/{version['version_id']}",
            "story": f"/story/{article_id}"}


# ---- diff ----------------------------------------------------------------------------------

def _version_ref(version: dict) -> dict:
    keys = ("number", "version_id", "first_seen", "last_seen", "url", "title", "modified")
    return {key: version.get(key) for key in keys} | {
        "capture": f"/capture/{version['version_id']}"}


def diff(archive: Archive, article_id: int, old: int | None, new: int | None) -> dict:
    """The difference between two versions (by default the last two; for a removed article with
    no version asked for, its last version and its removal) in the one model of change: fields,
    then paragraphs with the words inserted and deleted, and its kinds; and the versions'
    capture times."""
    state = _article_state(archive, article_id)
    last = state["current_version"]
    removal = None
    if old is None and new is None and state["status"] == "removed":
        removal = [i for i in archive.history(article_id) if i.get("kind") == "removed"][-1]
        old = last
    elif last == 1:
        raise Missing(f"article {article_id} has one version only: nothing to compare yet")
    else:
        new = new or last
        old = old or new - 1
        if old == new:
            raise Invalid(f"from and to are both version {old}: nothing to compare")
    before = _version(archive, state, old)
    after = _version(archive, state, new) if removal is None else None
    result = diff_dict(version_diff(before, after, removal))
    return {
        "article": {key: state[key] for key in ("id", "language", "title", "url", "status",
                                                "current_version")},
        "from": _version_ref(before),
        "to": _version_ref(after) if after else None,
        "removal": removal,
        "permalink": diff_path(article_id, old, new) if after else diff_path(article_id),
        **{key: result[key] for key in ("changed", "kinds", "fields", "paragraphs", "stats")},
    }


# ---- story ---------------------------------------------------------------------------------

def story(archive: Archive, article_id: int) -> dict:
    """Every archived edition of the story the article belongs to, each with its versions."""
    state = _article_state(archive, article_id)
    members = [article_id] + [e["article_id"] for e in state["translations"]]
    editions = []
    for member in members:
        edition = archive.article(member)
        record = edition.pop("record")
        editions.append({
            "article_id": member, "language": edition["language"], "status": edition["status"],
            "url": edition["url"], "title": record["title"], "lead": record["lead"],
            "published": record["published"], "authors": record["authors"],
            "current_version": edition["current_version"], "first_seen": edition["first_seen"],
            "link": article_path(member),
            "versions": [{"number": v["number"], "first_seen": v["first_seen"],
                          "changes": v["changes"], "title": v["title"],
                          "link": article_path(member, v["number"]),
                          "diff": diff_path(member, v["number"] - 1, v["number"])
                          if v["number"] > 1 else None}
                         for v in archive.versions(member)],
            "link_method": next((e["method"] for e in state["translations"]
                                 if e["article_id"] == member), None),
        })
    order = {language: index for index, language in enumerate(EDITIONS)}
    editions.sort(key=lambda e: (order.get(e["language"], len(order)), e["article_id"]))
    return {"story": min(members), "article_id": article_id, "editions": editions}


# ---- captures ------------------------------------------------------------------------------

def capture(archive: Archive, version_id: int) -> dict:
    """Where and when the page behind a version was fetched, its response headers and digest."""
    ref = browse.version_ref(archive.db, version_id)
    found = archive.capture(version_id)
    if ref is None or found is None:
        raise Missing(f"no archived version has the id {version_id}")
    headers, body = found
    return {**ref, **archive.capture_info(version_id), "version_id": version_id,
            "headers": headers, "sha256": hashlib.sha256(body).hexdigest(),
            "raw": f"/capture/{version_id}/raw",
            "article": article_path(ref["article_id"], ref["number"])}


def capture_body(archive: Archive, version_id: int) -> tuple[dict, bytes]:
    """(response headers, body) of a version's capture."""
    found = archive.capture(version_id)
    if found is None:
        raise Missing(f"no archived version has the id {version_id}")
    return found


# ---- status --------------------------------------------------------------------------------

def status(archive: Archive, now: datetime | None = None) -> dict:
    """Recent runs with their errors and field coverage, the next scheduled runs (at the
    service's default intervals) and the revisits due."""
    now = now or datetime.now(UTC)
    runs = archive.runs(RUNS_SHOWN)
    for run in runs:
        errors = run.get("errors") or []
        run["error_count"] = len(errors)
        run["errors"] = errors[:ERRORS_PER_RUN]
        run["coverage"] = browse.run_coverage(archive.db, run["id"])
    config = ServiceConfig()
    due = due_times(archive.runs(10_000), config, now)
    jobs = [{"job": key, "every_seconds": config.interval(key.split("-")[0]),
             "next_run": utc_iso(when)} for key, when in sorted(due.items(), key=lambda i: i[1])]
    return {"now": utc_iso(now), "runs": runs, "next_runs": jobs,
            "revisits": browse.revisits(archive.db, utc_iso(now))}
