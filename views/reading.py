"""The read side's answers, one function per question: the changes, an article, its history, the
versions a diff compares and the diff, a story, search hits, the status.

The terminal (cli.py), the reading room (web/) and the feeds and messages (alerts/) render these
JSON-ready dicts; none of them reads the archive or decides anything of its own. A question that
cannot be answered as asked raises Missing (nothing of that name: 404, or a user error) or
Invalid (the request cannot be read: 400, or a user error), with a message that says why.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from storage import browse, evidence, notes
from storage.archive import Archive
from storage.changelog import FILTER_KINDS, ChangeFilter, change_log
from storage.clock import parse_stamp, utc_iso
from storage.divergence import diverging_stories
from storage.future import future_times, recent_corrections
from storage.records import EDITIONS
from storage.search import edition_counts, searching
from storage.watches import failing_watches, unconfirmed, undelivered, watch_schedule
from views.diffs import diff_dict, version_diff
from views.editions import compare_data, divergence_brief, divergence_line
from views.outlet_names import OutletBook

CHANGE_KINDS = FILTER_KINDS
CHANGES_PER_PAGE = 50
HITS_PER_PAGE = 20
RUNS_SHOWN = 20
ERRORS_PER_RUN = 5
MARK_START, MARK_END = "\ue000", "\ue001"  # around matching words in a snippet
MAX_ID = 2**63 - 1  # SQLite's largest integer: no article or version number is larger
REMOVED = "removed"  # what `to` names when a diff compares a version with the removal
DEFAULT_WEB_URL = "http://127.0.0.1:8000"  # where `mediawatch serve` answers by default


class Missing(LookupError):
    """No such article, version or capture (404)."""


class Invalid(ValueError):
    """A request that cannot be answered as asked (400); the message says why."""


# ---- addresses -----------------------------------------------------------------------------

def article_path(article_id: int, version: int | None = None) -> str:
    return f"/article/{article_id}" + (f"?version={version}" if version else "")


def diff_path(article_id: int, old: int | None = None, new: int | str | None = None) -> str:
    if old is None or new is None:
        return f"/article/{article_id}/diff"
    return f"/article/{article_id}/diff?from={old}&to={new}"


def story_path(article_id: int) -> str:
    return f"/story/{article_id}"


def change_link(item: dict) -> str:
    """Where a change leads in the reading room: the diff of a revision, or of the last version
    and a removal; the story's comparison for a divergence between editions; the article for
    `new` and `restored`; the status page for a degraded run."""
    if item["source"] == "run":
        return "/status"
    if item["source"] == "version":
        return diff_path(item["article_id"], item["version"] - 1, item["version"])
    if item["kinds"] == [REMOVED] and item.get("at_version"):
        return diff_path(item["article_id"], item["at_version"], REMOVED)
    if item.get("divergence_id"):
        return story_path(item["article_id"]) + "#compare"
    return article_path(item["article_id"])


def room_url(db, given: str | None = None) -> str:
    """Where links into the reading room point (messages, feeds): the address given (an option,
    or MEDIAWATCH_WEB_URL), else the one `mediawatch serve` last recorded in the archive, else
    the default."""
    return (given or notes.read_note(db, notes.WEB_URL) or DEFAULT_WEB_URL).rstrip("/")


# ---- finding an article --------------------------------------------------------------------

def find_article(archive: Archive, ref: str | int) -> int:
    """The id of the archived article `ref` names: its id, or any of its URLs (old, `/kz/`,
    moved) on the outlet's host. Raises Missing."""
    from crawler.canonical import article_reference, same_site

    if isinstance(ref, int):
        article_id, url = ref, None
    else:
        try:
            article_id, url = article_reference(ref)
        except ValueError:  # not a URL at all, e.g. `https://[example.kz/…`
            article_id, url = None, None
    found = archive.resolve(article_id, url) if article_id is None or article_id <= MAX_ID else None
    # an article URL names an article only on the host of its archived URL (the outlet's)
    if url is not None and found is not None and not same_site(ref, archive.article(found)["url"]):
        found = None
    if found is None:
        if isinstance(ref, int):
            raise Missing(f"no article {ref} is archived")
        raise Missing(f"no archived article matches {ref!r} (give its id or one of its URLs)")
    return found


# ---- changes -------------------------------------------------------------------------------

def change_filter(since: str | datetime | None = None, until: str | datetime | None = None,
                  language: str | None = None, kinds: list[str] | tuple[str, ...] = (),
                  article_id: int | None = None, query: str | None = None,
                  outlets: tuple[str | None, ...] = ()) -> ChangeFilter:
    """The filter of a list of changes, checked: an unknown edition or kind is Invalid.
    `outlets` are as articles store them (OutletBook.stored: None is the default outlet)."""
    if language not in (None, *EDITIONS):
        raise Invalid(f"edition must be one of {', '.join(EDITIONS)}, not {language!r}")
    unknown = [kind for kind in kinds if kind not in CHANGE_KINDS]
    if unknown:
        raise Invalid(f"no kind of change is called {unknown[0]!r}; the kinds are "
                      f"{', '.join(CHANGE_KINDS)}")
    return ChangeFilter(outlets=tuple(outlets), language=language,
                        kinds=tuple(dict.fromkeys(kinds)), article_id=article_id, query=query,
                        since=utc_iso(since) if since else None,
                        until=utc_iso(until) if until else None)


def changes(archive: Archive, wanted: ChangeFilter, page: int = 1,
            per_page: int = CHANGES_PER_PAGE, count: bool = False,
            book: OutletBook | None = None) -> dict:
    """One page of the changes a filter selects, newest first, each with the address of what
    shows it (`link`) and its outlet's name and title: the one list every reader shows
    (storage.changelog.change_log). With `count`, `total` is how many the filter selects in
    all; `outlets` names the outlets the filter asks for, `outlet_choices` every outlet."""
    book = book or OutletBook.of(archive.db)
    offset = (page - 1) * per_page
    items = change_log(archive.db, wanted, newest_first=True, limit=per_page + 1, offset=offset)
    more = len(items) > per_page
    items = book.label(items[:per_page])
    for item in items:
        item["link"] = change_link(item)
        # a divergence between editions: what it is in a line (terminal, feeds, messages) and
        # its kind and brief (the page)
        item["divergence"] = divergence_line(archive.db, item["divergence_id"]) or None
        item["divergence_brief"] = divergence_brief(archive.db, item["divergence_id"])
    total = len(change_log(archive.db, wanted)) if count and (more or page > 1) else None
    return {"since": wanted.since, "until": wanted.until, "edition": wanted.language,
            "kinds": list(wanted.kinds), "outlets": book.names_of(wanted.outlets),
            "outlet_choices": book.choices(), "page": page, "per_page": per_page, "has_more": more,
            "total": total if total is not None else (offset + len(items) if count else None),
            "items": items}


# ---- search --------------------------------------------------------------------------------

def search(archive: Archive, query: str, options: dict, page: int = 1,
           per_page: int = HITS_PER_PAGE, marks: tuple[str, str] = (MARK_START, MARK_END),
           book: OutletBook | None = None) -> dict:
    """Ranked hits with the matching words between `marks`, each hit's outlet, the other
    editions of its story, and the number of matching articles per edition (at least that many
    when `counts_complete` is false: see storage.search.edition_counts); `total` is the number
    that match in the edition asked for (or in all), as far as it is known. `options["outlets"]`
    names the outlets to search (all when empty; UnknownOutlet for a name no outlet has)."""
    book = book or OutletBook.of(archive.db)
    options = {**options, "outlets": list(dict.fromkeys(options.get("outlets") or ()))}
    filters = {key: options.get(key) for key in ("section", "author", "date_from", "date_to",
                                                 "all_versions")}
    filters["outlets"] = book.stored(options["outlets"])
    with searching(archive.db):  # one time limit for the hits and the counts together
        hits = archive.search(query, language=options.get("language"), **filters,
                              limit=per_page + 1, offset=(page - 1) * per_page, marks=marks)
        counts, complete = edition_counts(archive.db, query, **filters)
    more = len(hits) > per_page
    hits = book.label(hits[:per_page])
    for hit in hits:
        hit["editions"] = [{"article_id": e["article_id"], "language": e["language"]}
                           for e in archive.translations(hit["article_id"])]
        hit["link"] = article_path(hit["article_id"],
                                   None if hit.get("current", True) else hit["version"])
    language = options.get("language")
    total = counts.get(language, 0) if language else sum(counts.values())
    return {"query": query, **options, "page": page, "per_page": per_page, "has_more": more,
            "outlet_choices": book.choices(), "counts": counts, "counts_complete": complete,
            "total": total, "hits": hits}


# ---- one article ---------------------------------------------------------------------------

def _article_state(archive: Archive, article_id: int) -> dict:
    """The article's state with its outlet's name and title; Missing when it is not archived."""
    if article_id > MAX_ID:
        raise Missing(f"no article {article_id} is archived")
    state = archive.article(article_id)
    if state is None:
        raise Missing(f"no article {article_id} is archived")
    outlet = OutletBook.of(archive.db).get(state.get("outlet"))
    state["outlet"], state["outlet_title"] = outlet.name, outlet.title
    return state


def _version(archive: Archive, state: dict, number: int) -> dict:
    version = archive.version(state["id"], number) if 1 <= number <= MAX_ID else None
    if version is None:
        raise Missing(f"article {state['id']} has versions 1 to {state['current_version']}; "
                      f"there is no version {number}")
    return version


def timeline(archive: Archive, article_id: int) -> list[dict]:
    """The article's versions and events in time order, each with the addresses that show it;
    a version that reads like the one before it (after `reextract`) is marked an artefact."""
    items = archive.history(article_id)
    for item in items:
        if item["type"] == "version":
            item["link"] = article_path(article_id, item["number"])
            item["capture"] = f"/capture/{item['version_id']}"
            item["diff"] = diff_path(article_id, item["number"] - 1, item["number"]) \
                if item["number"] > 1 else None
        else:  # an event: a removal leads to the diff of the version before it and the removal
            before = [i["number"] for i in items
                      if i["type"] == "version" and i["at"] <= item["at"]]
            item["at_version"] = before[-1] if before else None
            item["diff"] = diff_path(article_id, before[-1], REMOVED) \
                if before and item["kind"] == REMOVED else None
            item["divergence"] = divergence_line(archive.db, item.get("divergence_id")) or None
    return items


def article(archive: Archive, article_id: int, number: int | None = None) -> dict:
    """An article's state, one version of it (the current by default), its timeline of versions
    and events, and its story's other editions."""
    state = _article_state(archive, article_id)
    state.pop("record")
    version = _version(archive, state, number or state["current_version"])
    return {"article": state, "version": version, "timeline": timeline(archive, article_id),
            "editions": state.pop("translations"),
            "capture": f"/capture/{version['version_id']}",
            "story": f"/story/{article_id}",
            "evidence": evidence.version_evidence(archive.db, version["version_id"])}


HISTORY_KEYS = ("id", "outlet", "outlet_title", "language", "url", "title", "status",
                "first_seen", "last_seen", "removed_at", "current_version", "revisit_step",
                "next_visit_at", "due_reason")


def history(archive: Archive, article_id: int) -> dict:
    """An article's state, its revisit schedule and its timeline."""
    found = _article_state(archive, article_id)
    state = {key: found.get(key) for key in HISTORY_KEYS}
    state["revisit_delay_seconds"] = None
    if found.get("next_visit_at") and found.get("last_seen"):
        state["revisit_delay_seconds"] = round((
            parse_stamp(found["next_visit_at"]) - parse_stamp(found["last_seen"])
        ).total_seconds())
    return {"article": state, "history": timeline(archive, article_id)}


# ---- diff ----------------------------------------------------------------------------------

@dataclass
class Comparison:
    """What a diff compares: two versions of an article, or its last version and its removal."""

    article: dict
    old: dict
    new: dict | None
    removal: dict | None


def _removal(archive: Archive, state: dict, after: dict | None) -> dict:
    """The removal that followed a version (the last removal when no version is given)."""
    found = [i for i in archive.history(state["id"]) if i.get("kind") == REMOVED
             and (after is None or i["at"] >= after["first_seen"])]
    if not found:
        raise Invalid(f"article {state['id']} was not removed after that version: compare it "
                      "with a version number")
    return found[0] if after else found[-1]


def compared(archive: Archive, article_id: int, old: int | None = None,
             new: int | str | None = None) -> Comparison:
    """The versions a diff compares, decided here once for every reader: by default the last
    two; for a removed article with no version asked for, or `new` given as `removed`, a
    version (the last by default) and the removal. Raises Missing or Invalid."""
    state = _article_state(archive, article_id)
    last = state["current_version"]
    if new == REMOVED or (old is None and new is None and state["status"] == REMOVED):
        before = _version(archive, state, old or last)
        return Comparison(state, before, None, _removal(archive, state, before if old else None))
    if isinstance(new, str):
        raise Invalid(f"to must be a version number or {REMOVED!r}, not {new!r}")
    if last == 1:
        raise Missing(f"article {article_id} has one version only: nothing to compare yet")
    new = last if new is None else new
    old = new - 1 if old is None else old
    for number in (new, old):
        _version(archive, state, number)
    if old == new:
        raise Invalid(f"from and to are both version {old}: nothing to compare")
    return Comparison(state, _version(archive, state, old), _version(archive, state, new), None)


def _version_ref(version: dict) -> dict:
    keys = ("number", "version_id", "first_seen", "last_seen", "url", "title", "modified",
            "published")
    return {key: version.get(key) for key in keys} | {
        "capture": f"/capture/{version['version_id']}"}


def diff(archive: Archive, article_id: int, old: int | None = None,
         new: int | str | None = None) -> dict:
    """The difference between two versions (see `compared`) in the one model of change: fields,
    then paragraphs with the words inserted and deleted, and its kinds; the versions' capture
    times, and the permalink that cites them. A removal also gives what readers can no longer
    read: the last version's headline, lead and text."""
    seen = compared(archive, article_id, old, new)
    state, before, after, removal = seen.article, seen.old, seen.new, seen.removal
    result = diff_dict(version_diff(before, after, removal))
    target = after["number"] if after else REMOVED
    return {
        "article": {key: state[key] for key in ("id", "outlet", "outlet_title", "language",
                                                "title", "url", "status", "current_version")},
        "from": _version_ref(before),
        "to": _version_ref(after) if after else None,
        "removal": removal,
        "gone": {key: before.get(key) for key in ("title", "lead", "body")} if removal else None,
        "permalink": diff_path(article_id, before["number"], target),
        **{key: result[key] for key in ("changed", "kinds", "fields", "paragraphs", "stats",
                                        "stealth", "old_modified", "new_modified", "removed")},
    }


# ---- story ---------------------------------------------------------------------------------

def story(archive: Archive, article_id: int) -> dict:
    """Every archived edition of the story the article belongs to, each with its versions."""
    state = _article_state(archive, article_id)
    members = [article_id] + [e["article_id"] for e in state["translations"]]
    editions = []
    for member in members:
        edition = _article_state(archive, member)
        record = edition.pop("record")
        editions.append({
            "article_id": member, "outlet": edition["outlet"],
            "outlet_title": edition["outlet_title"], "language": edition["language"],
            "status": edition["status"],
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
    return {"story": min(members), "article_id": article_id, "editions": editions,
            "compare": compare_data(archive, article_id)}


# ---- captures ------------------------------------------------------------------------------

def capture(archive: Archive, version_id: int) -> dict:
    """Where and when the page behind a version was fetched, its response headers and digest."""
    ref = browse.version_ref(archive.db, version_id) if version_id <= MAX_ID else None
    found = archive.capture(version_id) if ref else None
    if ref is None or found is None:
        raise Missing(f"no archived version has the id {version_id}")
    headers, body = found
    return {**ref, **archive.capture_info(version_id), "version_id": version_id,
            "headers": headers, "sha256": hashlib.sha256(body).hexdigest(),
            "raw": f"/capture/{version_id}/raw",
            "article": article_path(ref["article_id"], ref["number"]),
            "evidence": evidence.version_evidence(archive.db, version_id)}


def capture_body(archive: Archive, version_id: int) -> tuple[dict, bytes]:
    """(response headers, body) of a version's capture."""
    found = archive.capture(version_id) if version_id <= MAX_ID else None
    if found is None:
        raise Missing(f"no archived version has the id {version_id}")
    return found


# ---- status --------------------------------------------------------------------------------

def status(archive: Archive, limit: int = RUNS_SHOWN, now: datetime | None = None,
           errors_per_run: int | None = ERRORS_PER_RUN, outlets: tuple[str, ...] = (),
           book: OutletBook | None = None) -> dict:
    """Recent runs with their errors (the first `errors_per_run`, and how many) and field
    coverage; the head of the evidence log; the deliveries of notifications that failed or were
    left unconfirmed; each watch's deliveries and, for a digest, when the next one goes out, and
    the watches skipped at their last delivery run; times written while a clock was ahead and
    their corrections; the crawl service's settings and next runs as it recorded them; the
    revisits due; each outlet's articles and revisits due. `outlets` (names) narrows the
    runs, the outlets and the revisits to those outlets."""
    now = now or datetime.now(UTC)
    book = book or OutletBook.of(archive.db)
    stored = book.stored(outlets)
    per_outlet = [{**row, "outlet": book.get(row["outlet"]).name,
                   "outlet_title": book.get(row["outlet"]).title}
                  for row in browse.outlet_counts(archive.db, utc_iso(now), stored)]
    runs = archive.runs(limit, stored)
    for run in runs:
        errors = run.get("errors") or []
        run["error_count"] = len(errors)
        run["errors"] = errors[:errors_per_run]
        run["coverage"] = browse.run_coverage(archive.db, run["id"])
    service = notes.service_plan(archive.db)
    next_runs = sorted(service["next_runs"], key=lambda job: job["next_run"]) if service else []
    return {"now": utc_iso(now), "runs": runs, "service": service, "next_runs": next_runs,
            "failed_deliveries": undelivered(archive.db),
            "unconfirmed": unconfirmed(archive.db),
            "future_times": future_times(archive.db, now),
            "corrections": recent_corrections(archive.db, now),
            "watches": watch_schedule(archive.db),
            "skipped_watches": failing_watches(archive.db),
            "revisits": browse.revisits(archive.db, utc_iso(now), stored),
            "outlets": per_outlet, "outlets_asked": book.names_of(stored),
            "evidence": evidence.head(archive.db).as_dict(),
            "editions": diverging_stories(archive.db)}

