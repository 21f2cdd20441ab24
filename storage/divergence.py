"""The comparison of a story's editions kept in the archive: computed when a version of any
edition is recorded, read back cheaply by the terminal, the reading room, feeds and watches.

When a version of an edition is archived (`on_version`, inside the same transaction):

1. an edit: the facts it changed against the edition's previous version
   (storage.comparison.edited_facts) are checked against every other edition; one whose
   counterpart paragraph still says what the edit took out gets an open edit (`edition_edits`);
2. a carried edit closes: open edits waiting for this edition that it now carries are closed
   (`carried`); edits this edition made and took back are closed (`withdrawn`);
3. an edit still open a window after it was made (CARRY_WINDOW, 6 hours) is reported as not
   carried: a `divergences` row of kind `edit`; one carried after the window too, closed;
4. the story's editions are compared (storage.comparison.compare_story): each pair's report is
   stored (`edition_pairs`), and each finding not explained by an open edit is a divergence
   (`figure`, `paragraph`, `quote`), found once and closed when it no longer holds.

Every divergence found is also an event of kind `divergence` (the change kind `changes`, feeds
and watches select), on the edition that says it. `sweep` reports the edits whose window ran
out while nothing was archived (the crawl calls it at the end of each run).
"""

from __future__ import annotations

import json
from datetime import timedelta

from sqlite_utils import Database

from storage import evidence, translations
from storage.clock import parse_stamp, utc_iso
from storage.comparison import (
    FIGURE,
    FINDING_KINDS,
    Edition,
    compare_story,
    edited_facts,
    edition_from_record,
    holds,
    holds_any,
    stale_counterpart,
)
from storage.db import insert_row, rows
from storage.records import record_from_row

DIVERGENCE = "divergence"  # the change kind
EDIT = "edit"
CARRY_WINDOW = timedelta(hours=6)
OPEN, CARRIED, WITHDRAWN = "open", "carried", "withdrawn"
REREAD = "reread"  # closed because a version read again from its capture no longer says it
# The change lists leave out the event of a divergence found in a misreading (SQL, events `e`).
NOT_MISREAD = ("NOT EXISTS (SELECT 1 FROM divergences d WHERE d.id = e.divergence_id"
               " AND d.closed_how = 'reread')")


# ---- reading the editions ---------------------------------------------------------------------

def members(db: Database, article_id: int) -> list[int]:
    """The article and the other archived editions of its story, by id."""
    return sorted([article_id, *(e["article_id"] for e in translations.editions(db, article_id))])


def _current(db: Database, article_ids: list[int]) -> tuple[dict[int, Edition], dict[int, str]]:
    """The current edition of each article, and when each current version was first seen."""
    marks = ", ".join("?" for _ in article_ids)
    found, seen = {}, {}
    for row in rows(db.execute(
            "SELECT a.language AS edition, v.* FROM articles a JOIN versions v"
            f" ON v.id = a.current_version_id WHERE a.id IN ({marks})", article_ids)):
        found[row["article_id"]] = edition_from_record(
            row["article_id"], row["edition"], record_from_row(row), row["id"])
        seen[row["article_id"]] = row["first_seen"]
    return found, seen


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


# ---- recording ----------------------------------------------------------------------------------

class _Story:
    """One story's editions while a version of one of them is recorded."""

    def __init__(self, db: Database, article_id: int, at: str, run_id: int | None,
                 window: timedelta, announce: bool = True, closing: str = "resolved") -> None:
        self.db, self.article_id, self.at, self.run_id = db, article_id, at, run_id
        self.window, self.announce, self.closing = window, announce, closing
        self.ids = members(db, article_id)
        self.story = self.ids[0]
        self.editions, self.seen = _current(db, self.ids)

    def event(self, article_id: int, divergence_id: int, at: str) -> None:
        if self.announce:
            _event(self.db, article_id, divergence_id, at, self.run_id)

    def report(self, kind: str, article_id: int, others: list[int], signature: str,
               detail: dict, at: str, closed: str | None = None, how: str | None = None) -> int:
        divergence_id = insert_row(self.db, "divergences", {
            "story": self.story, "kind": kind, "article_id": article_id,
            "others": _json(sorted(others)), "signature": signature, "detail": _json(detail),
            "found_at": at, "closed_at": closed, "closed_how": how})
        self.event(article_id, divergence_id, at)
        return divergence_id

    # -- edits ----------------------------------------------------------------------------------

    def register_edits(self, old: Edition, new: Edition, version_id: int,
                       carried: list[dict]) -> None:
        """Open an edit for every other edition that still says what this version took out,
        unless the change only carries another edition's edit (`carried`)."""
        changes = [change for change in edited_facts(old, new)
                   if not any(_same_change(change, other) for other in carried)]
        for other_id, other in self.editions.items():
            if other_id == self.article_id or other.language == new.language:
                continue
            stale = [(change, counterpart) for change in changes
                     if (counterpart := stale_counterpart(change, old, other)) is not None]
            if not stale:
                continue
            # one edit per version and edition: every change the other has not made yet
            detail = {"old_paragraph": stale[0][0]["old_paragraph"],
                      "new_paragraph": stale[0][0]["new_paragraph"],
                      "old_text": "\n\n".join(c["old_text"] for c, _ in stale),
                      "new_text": "\n\n".join(c["new_text"] for c, _ in stale),
                      "removed": _unique(f for c, _ in stale for f in c["removed"]),
                      "added": _unique(f for c, _ in stale for f in c["added"]),
                      "counterpart": "\n\n".join(dict.fromkeys(t for _, t in stale if t))}
            insert_row(self.db, "edition_edits", {
                "story": self.story, "article_id": self.article_id, "version_id": version_id,
                "other_id": other_id, "made_at": self.at, "status": OPEN, "detail": _json(detail)})

    def settle_edits(self, new: Edition) -> list[dict]:
        """Close the open edits this version carries (waiting for it) or takes back (its own);
        the changes it carried."""
        carried_changes = []
        for edit in rows(self.db.execute(
                "SELECT * FROM edition_edits WHERE status = ? AND (other_id = ? OR article_id = ?)",
                [OPEN, self.article_id, self.article_id])):
            detail = json.loads(edit["detail"])
            if edit["other_id"] == self.article_id:
                carried = (holds(new, detail["added"]) if detail["added"]
                           else not holds_any(new, detail["removed"]))
                if carried:
                    self.close_edit(edit, CARRIED)
                    carried_changes.append(detail)
            elif (detail["added"] and not holds(new, detail["added"])) or (
                    not detail["added"] and holds_any(new, detail["removed"])):
                self.close_edit(edit, WITHDRAWN)
        return carried_changes

    def close_edit(self, edit: dict, how: str) -> None:
        self.db.execute("UPDATE edition_edits SET status = ?, closed_at = ? WHERE id = ?",
                        [how, self.at, edit["id"]])
        late = parse_stamp(self.at) - parse_stamp(edit["made_at"]) > self.window
        if edit["divergence_id"]:
            self.db.execute("UPDATE divergences SET closed_at = ?, closed_how = ? WHERE id = ?",
                            [self.at, how, edit["divergence_id"]])
        elif how == CARRIED and late:  # carried, but after the window: not carried in time
            divergence_id = report_edit(self.db, edit, self.at, self.window, self)
            self.db.execute("UPDATE divergences SET closed_at = ?, closed_how = ? WHERE id = ?",
                            [self.at, how, divergence_id])

    # -- findings -------------------------------------------------------------------------------

    def waiting_for(self) -> list[int]:
        """Editions the story's pages link to that are not archived yet, while they have been
        linked for less than the window (two of three editions are compared without the
        third: what one lacks may be in it)."""
        marks = ", ".join("?" for _ in self.ids)
        linked = self.db.execute(
            f"SELECT CASE WHEN l.article_id IN ({marks}) THEN l.other_id ELSE l.article_id END,"
            f" min(l.found_at) FROM story_links l WHERE (l.article_id IN ({marks}) OR l.other_id"
            f" IN ({marks})) GROUP BY 1", [*self.ids, *self.ids, *self.ids]).fetchall()
        since = utc_iso(parse_stamp(self.at) - self.window)
        return sorted(other for other, found in linked
                      if other not in self.editions and found and found > since
                      and self._missing(other))

    def _missing(self, article_id: int) -> bool:
        return self.db.execute("SELECT 1 FROM articles WHERE id = ?",
                               [article_id]).fetchone() is None

    def compare(self) -> None:
        """Compare the editions, store each pair's report, open and close divergences (new
        ones only once no linked edition is still awaited: `waiting_for`)."""
        editions = list(self.editions.values())
        pairs, findings = compare_story(editions)
        waiting = self.waiting_for() if self.announce else []
        for pair in pairs:
            self.db.execute(
                "INSERT OR REPLACE INTO edition_pairs (article_id, other_id, versions,"
                " compared_at, report) VALUES (?, ?, ?, ?, ?)",
                [pair.left.article_id, pair.right.article_id,
                 _json([pair.left.version_id, pair.right.version_id]), self.at,
                 _json({**pair_report(pair), "waiting": waiting})])
        pending = self.pending_edits()
        wanted = {}
        for finding in findings:
            if not _explained(finding, pending):
                wanted[finding["signature"]] = finding
        marks = ", ".join("?" for _ in self.ids)
        kinds = ", ".join("?" for _ in FINDING_KINDS)
        current = {row["signature"]: row for row in rows(self.db.execute(
            f"SELECT id, signature, article_id FROM divergences WHERE closed_at IS NULL"
            f" AND kind IN ({kinds})"
            f" AND article_id IN ({marks})", [*FINDING_KINDS, *self.ids]))}
        for signature, row in current.items():
            if signature not in wanted:
                self.db.execute("UPDATE divergences SET closed_at = ?, closed_how = ? WHERE id = ?",
                                [self.at, self.closing, row["id"]])
        for signature, finding in wanted.items():
            says, others = _attribution(finding, self.seen)
            detail = _finding_detail(finding, self.editions)
            if signature in current:  # the same finding: kept, with what the editions say now
                others = [o for o in [*others, says] if o != current[signature]["article_id"]]
                self.db.execute("UPDATE divergences SET others = ?, detail = ? WHERE id = ?",
                                [_json(sorted(others)), _json(detail), current[signature]["id"]])
                continue
            if not waiting:
                self.report(finding["kind"], says, others, signature, detail, self.at)

    def pending_edits(self) -> list[dict]:
        marks = ", ".join("?" for _ in self.ids)
        found = rows(self.db.execute(
            f"SELECT * FROM edition_edits WHERE status = ? AND article_id IN ({marks})",
            [OPEN, *self.ids]))
        for edit in found:
            edit["detail"] = json.loads(edit["detail"])
        return found


def _unique(facts) -> list[dict]:
    """Facts without repeats of one value (a figure changed in the lead and the body)."""
    seen, made = set(), []
    for fact in facts:
        if (fact["kind"], fact["value"]) not in seen:
            seen.add((fact["kind"], fact["value"]))
            made.append(fact)
    return made


def _values(facts: list[dict]) -> set[tuple[str, str]]:
    return {("number" if fact["kind"] == "year" else fact["kind"], fact["value"]) for fact in facts}


def _same_change(change: dict, other: dict) -> bool:
    """Whether an edit states in its edition what another edit stated in another: the same
    figures added, or (adding none) the same taken out."""
    if change["added"] or other["added"]:
        return _values(change["added"]) == _values(other["added"])
    return _values(change["removed"]) == _values(other["removed"])


def _explained(finding: dict, edits: list[dict]) -> bool:
    """Whether a finding is what an open edit made: a new figure of the edit (in the edited
    edition, or one that carried it) against the old one, or against another figure while
    the editions are between two texts; a paragraph added to one (or taken out of one) only."""
    for edit in edits:
        added = {f["value"] for f in edit["detail"]["added"]}
        removed = {f["value"] for f in edit["detail"]["removed"]}
        if finding["kind"] == FIGURE:
            says = finding["says"]
            new = says.get(str(edit["article_id"]))
            old = says.get(str(edit["other_id"]))
            if new and new["value"] in added:
                return True
            if old and old["value"] in removed and any(
                    fact["value"] in added for fact in says.values()):
                return True
        elif finding["facts"]:
            values = {f["value"] for f in finding["facts"]}
            if finding["article_id"] == edit["article_id"] and values <= added:
                return True
            if finding["article_id"] == edit["other_id"] and values <= removed:
                return True
    return False


def _attribution(finding: dict, seen: dict[int, str]) -> tuple[int, list]:
    """(the edition that says it, those that say otherwise or lack it): for a figure, the odd
    one out, else the edition whose version was archived last."""
    if finding["kind"] != FIGURE:
        return finding["article_id"], finding["lacking"]
    says = [int(article) for article in finding["says"]]
    odd = finding["article_id"]
    if odd is None:
        odd = max(says, key=lambda article: (seen.get(article) or "", article))
    return odd, [article for article in says if article != odd]


def _finding_detail(finding: dict, editions: dict[int, Edition]) -> dict:
    """What a finding shows: the values or text, and each edition's paragraphs side by side."""
    if finding["kind"] == FIGURE:
        paragraphs = {}
        for article, (language, indices) in finding["paragraphs"].items():
            edition = editions.get(int(article))
            paragraphs[article] = {"language": language, "paragraphs": indices,
                                   "text": [edition.paragraphs[i] for i in indices
                                            if edition and i < len(edition.paragraphs)]}
        return {"class": finding["class"], "unit": finding["unit"], "says": finding["says"],
                "paragraphs": paragraphs}
    detail = {key: finding.get(key) for key in ("paragraph", "facts", "quotes", "quote", "text",
                                                "counterparts")}
    detail["language"] = finding["language"]
    counterparts = {}
    for other in finding["lacking"]:
        edition = editions.get(other)
        if edition and finding.get("counterparts"):
            counterparts[str(other)] = [edition.paragraphs[i] for i in finding["counterparts"]
                                        if i < len(edition.paragraphs)]
    detail["counterpart_text"] = counterparts
    return detail


def report_edit(db: Database, edit: dict, at: str, window: timedelta,
                story: _Story | None = None, run_id: int | None = None) -> int:
    """Report an edit not carried within the window: a divergence of kind `edit` and its
    event; the edit row points at it."""
    detail = json.loads(edit["detail"]) if isinstance(edit["detail"], str) else edit["detail"]
    signature = f"edit:{edit['id']}"
    row = {"story": edit["story"], "kind": EDIT, "article_id": edit["article_id"],
           "others": _json([edit["other_id"]]), "signature": signature,
           "detail": _json({**detail, "made_at": edit["made_at"], "edit_id": edit["id"],
                            "window_hours": window.total_seconds() / 3600}),
           "found_at": at}
    divergence_id = insert_row(db, "divergences", row)
    db.execute("UPDATE edition_edits SET divergence_id = ? WHERE id = ?",
               [divergence_id, edit["id"]])
    if story is None or story.announce:
        _event(db, edit["article_id"], divergence_id, at, story.run_id if story else run_id)
    return divergence_id


def _event(db: Database, article_id: int, divergence_id: int, at: str,
           run_id: int | None) -> None:
    """The event of a divergence found, entered in the evidence log like every event."""
    event_id = insert_row(db, "events", {"article_id": article_id, "kind": DIVERGENCE, "at": at,
                                        "run_id": run_id, "divergence_id": divergence_id})
    evidence.log_event(db, event_id)


def sweep(db: Database, now: str, window: timedelta = CARRY_WINDOW,
          run_id: int | None = None) -> int:
    """Report every open edit older than the window and not reported yet; the number."""
    now = utc_iso(now)
    limit = utc_iso(parse_stamp(now) - window)
    due = rows(db.execute(
        "SELECT * FROM edition_edits WHERE status = ? AND divergence_id IS NULL AND made_at <= ?"
        " ORDER BY id", [OPEN, limit]))
    for edit in due:
        report_edit(db, edit, now, window, run_id=run_id)
    # stories compared while an edition was awaited: compared again once the wait is over (the
    # time first: a pair compared within the window is passed over before its report is parsed)
    for (article_id,) in db.execute(
            "SELECT min(article_id) FROM edition_pairs WHERE compared_at <= ? AND"
            " json_array_length(report, '$.waiting') > 0 GROUP BY article_id", [limit]).fetchall():
        story = _Story(db, article_id, now, run_id, window)
        if len(story.editions) >= 2:
            story.compare()
    return len(due)


def on_version(db: Database, article_id: int, language: str, previous: dict | None,
               record: dict, version_id: int, at: str, run_id: int | None = None,
               window: timedelta = CARRY_WINDOW) -> None:
    """Everything a new version of an edition changes in its story's comparison (the module's
    docstring); `previous` is the edition's previous record (None for a first version).
    Call it inside the transaction that archives the version."""
    story = _Story(db, article_id, at, run_id, window)
    if len(story.editions) < 2:
        sweep(db, at, window, run_id)
        return
    new = story.editions[article_id]
    carried = story.settle_edits(new)
    if previous is not None:
        story.register_edits(edition_from_record(article_id, language, previous), new, version_id,
                             carried)
    sweep(db, at, window, run_id)
    story.compare()


def recompare(db: Database, article_id: int, at: str) -> None:
    """Compare a story's editions again after one was re-read from its capture. Not a change of
    the outlet's: what is found is kept without events, and a divergence that no longer holds
    was found in a misreading: it is closed `reread`, and the change lists leave its event out
    (as they leave out a version that reads like the one before it, storage.readings)."""
    story = _Story(db, article_id, at, None, CARRY_WINDOW, announce=False, closing=REREAD)
    if len(story.editions) >= 2:
        story.compare()


def rebuild(db: Database) -> None:
    """Compare every story's current editions again, as a migration does: the divergences
    found are kept without events (they are the archive's past, not news; those already
    found stay as they are), and edits are followed from the next version on."""
    done: set[int] = set()
    for (article_id, at) in db.execute(
            "SELECT a.id, v.first_seen FROM articles a JOIN versions v"
            " ON v.id = a.current_version_id ORDER BY a.id").fetchall():
        if article_id in done:
            continue
        story = _Story(db, article_id, at, None, CARRY_WINDOW, announce=False)
        done.update(story.ids)
        if len(story.editions) >= 2:
            story.compare()


# ---- reading ------------------------------------------------------------------------------------

def pair_report(pair) -> dict:
    """A pair's comparison as stored: its paragraph groups, findings and omissions."""
    alignment = pair.alignment
    return {
        "left": pair.left.article_id, "right": pair.right.article_id,
        "groups": [{"left": g.left, "right": g.right, "sure": g.sure, "how": g.how}
                   for g in alignment.groups],
        "left_only": alignment.left_only, "right_only": alignment.right_only,
        "findings": pair.findings, "omitted": pair.omitted,
        "shortened": [pair.side(side).article_id for side in pair.shortened],
    }


def divergence_rows(db: Database, article_ids: list[int]) -> list[dict]:
    """The divergences of a story's editions (open first, then closed), newest first."""
    marks = ", ".join("?" for _ in article_ids)
    found = rows(db.execute(
        f"SELECT d.*, a.language FROM divergences d JOIN articles a ON a.id = d.article_id"
        f" WHERE d.article_id IN ({marks}) ORDER BY d.closed_at IS NOT NULL, d.found_at DESC,"
        " d.id DESC", article_ids))
    for row in found:
        row["others"] = json.loads(row["others"] or "[]")
        row["detail"] = json.loads(row["detail"] or "{}")
    return found


def edit_rows(db: Database, article_ids: list[int]) -> list[dict]:
    """The edits of a story's editions and whether the others carried them, newest first."""
    marks = ", ".join("?" for _ in article_ids)
    found = rows(db.execute(
        f"SELECT e.*, a.language, o.language AS other_language FROM edition_edits e"
        " JOIN articles a ON a.id = e.article_id JOIN articles o ON o.id = e.other_id"
        f" WHERE e.article_id IN ({marks}) ORDER BY e.made_at DESC, e.id DESC", article_ids))
    for row in found:
        row["detail"] = json.loads(row["detail"] or "{}")
    return found


def pair_rows(db: Database, article_ids: list[int]) -> list[dict]:
    """The stored comparison of every pair of a story's editions."""
    marks = ", ".join("?" for _ in article_ids)
    found = rows(db.execute(
        f"SELECT * FROM edition_pairs WHERE article_id IN ({marks}) AND other_id IN ({marks})"
        " ORDER BY article_id, other_id", [*article_ids, *article_ids]))
    for row in found:
        row["versions"] = json.loads(row["versions"])
        row["report"] = json.loads(row["report"])
    return found


def diverging_stories(db: Database) -> dict:
    """How many stories have an open divergence, and how many divergences are open by kind."""
    counts = dict(db.execute(
        "SELECT kind, count(*) FROM divergences WHERE closed_at IS NULL GROUP BY kind").fetchall())
    stories = db.execute(
        "SELECT count(DISTINCT story) FROM divergences WHERE closed_at IS NULL").fetchone()[0]
    compared = db.execute(
        "SELECT count(*) FROM (SELECT article_id FROM edition_pairs UNION"
        " SELECT other_id FROM edition_pairs)").fetchone()[0]
    return {"stories": stories, "open": counts, "editions_compared": compared}


def divergence(db: Database, divergence_id: int) -> dict | None:
    """One divergence with the languages of the editions it names."""
    found = rows(db.execute(
        "SELECT d.*, a.language FROM divergences d JOIN articles a ON a.id = d.article_id"
        " WHERE d.id = ?", [divergence_id]))
    if not found:
        return None
    row = found[0]
    row["others"] = json.loads(row["others"] or "[]")
    row["detail"] = json.loads(row["detail"] or "{}")
    marks = ", ".join("?" for _ in row["others"])
    row["other_languages"] = dict(db.execute(
        f"SELECT id, language FROM articles WHERE id IN ({marks})", row["others"]).fetchall())
    return row
