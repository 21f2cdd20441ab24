"""What one edition of a story says and another does not: the comparison of two editions, of a
whole story, and the facts an edit of one edition changed. Pure functions, no database.

What is reported (docs/changes.md, "Editions of a story"):

- `figure`: a figure (number, amount, percentage, date, time, year) of one edition whose
  counterpart in the other, in paragraphs aligned by what they share (storage.alignment), is
  of the same kind with another value, when neither value appears anywhere in the other
  edition. A figure a paragraph leaves out is not a divergence: a translation may shorten.
- `paragraph`: a paragraph of one edition, carrying figures none of which the other edition
  has anywhere (or quotations beyond the other edition's), with no counterpart in the other;
- `quote`: a quotation in one edition whose counterpart paragraphs in the other quote less.

A `paragraph` or `quote` only in one edition is not reported when the other edition is a
shortened one, taken for a selection (as the English edition often is): when it lacks three or
more of the first edition's paragraphs (wholly, or facts or quotations of them), two and its
body is under 0.85 of the first's length, or one and under 0.7 (translations between the three
languages run about as long). What it lacks is then listed as `omitted`, not as a divergence.
Nor is a finding between two editions reported when a third has it too (the one lacking it
left it out), or, for figures, when a third states both values.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

from storage.alignment import Alignment, align
from storage.changes import diff_records
from storage.facts import Fact, Reading, compatible, read
from storage.names import NameIndex, same_name

FIGURE, PARAGRAPH, QUOTE = "figure", "paragraph", "quote"
FINDING_KINDS = (FIGURE, PARAGRAPH, QUOTE)
SHORTENED_AT = 2  # paragraphs (wholly or in part) one edition lacks of another: a selection,
SHORTER_THAN = 0.85  # when it is also this much shorter (or lacks one paragraph more),
MUCH_SHORTER = 0.7  # or lacks one paragraph and is this much shorter
EDITION_ORDER = {"ru": 0, "kk": 1, "en": 2}


@dataclass
class Edition:
    """One edition of a story as compared: its paragraphs, the lead first (empty if none)."""

    article_id: int
    language: str
    paragraphs: list[str]
    version_id: int | None = None
    title: str = ""

    @cached_property  # read once: a comparison asks for them again and again
    def readings(self) -> list[Reading]:
        return [read(text, self.language) for text in self.paragraphs]

    @cached_property
    def facts(self) -> list[Fact]:
        """Every fact the edition states, in paragraph order."""
        return [fact for reading in self.readings for fact in reading.facts]

    def has(self, fact: Fact) -> bool:
        """Whether the edition states this fact anywhere."""
        return any(compatible(fact, mine) for mine in self.facts)


def edition_from_record(article_id: int, language: str, record: dict,
                        version_id: int | None = None) -> Edition:
    """An edition from an archived record: its lead, then its body paragraphs."""
    return Edition(article_id, language, [record.get("lead") or "", *(record.get("body") or [])],
                   version_id, record.get("title") or "")


def fact_dict(fact: Fact) -> dict:
    return {"kind": fact.kind, "value": fact.value, "unit": fact.unit, "text": fact.text}


@dataclass
class PairReport:
    """Two editions compared: their aligned paragraphs, what differs, what one leaves out."""

    left: Edition
    right: Edition
    alignment: Alignment
    findings: list[dict] = field(default_factory=list)
    omitted: list[dict] = field(default_factory=list)
    shortened: list[str] = field(default_factory=list)  # sides taken for a selection

    def side(self, name: str) -> Edition:
        return self.left if name == "left" else self.right


def _match(lefts: list[Fact], rights: list[Fact]) -> tuple[list[Fact], list[Fact]]:
    """The facts of each side with no compatible fact on the other (each fact used once)."""
    rest = list(rights)
    unmatched = []
    for fact in lefts:
        found = next((i for i, other in enumerate(rest) if compatible(fact, other)), None)
        if found is None:
            unmatched.append(fact)
        else:
            del rest[found]
    return unmatched, rest


def _group_facts(edition: Edition, indices: list[int]) -> list[tuple[int, Fact]]:
    readings = edition.readings
    return [(i, fact) for i in indices for fact in readings[i].facts]


class _Pair:
    """The comparison of two editions (left and right)."""

    def __init__(self, left: Edition, right: Edition, names: NameIndex) -> None:
        self.report = PairReport(left, right, align(left.readings, right.readings, names))
        self.missing = {"left": 0, "right": 0}  # paragraphs of a side the other lacks
        self.candidates: list[tuple[str, dict]] = []  # (side that says it, finding)
        self.figures: list[tuple[bool, dict]] = []  # (paired by position only, finding)
        # quotations beyond the other side's: (paragraph, which, counterpart paragraphs or None)
        self.extra_quotes: dict[str, list[tuple[int, int, list[int] | None]]] = {
            "left": [], "right": []}
        self.names = names

    def run(self) -> PairReport:
        for group in self.report.alignment.groups:
            self.group(group)
        for side in ("left", "right"):
            for index in getattr(self.report.alignment, f"{side}_only"):
                self.alone(side, index)
        self.settle_quotes()
        # plain paragraphs (no figure, no quotation) missing on one side: as many as the other
        # side has without a counterpart were moved, not left out
        plain = {side: sum(1 for i in getattr(self.report.alignment, f"{side}_only")
                           if not self.report.side(side).readings[i].anchored)
                 for side in ("left", "right")}
        for side, other in (("left", "right"), ("right", "left")):
            self.missing[side] += max(0, plain[side] - plain[other])
        report = self.report
        # two selections of a longer text (each lacks some of the other): paragraphs paired
        # by their place alone may be different paragraphs
        selections = self.missing["left"] > 0 and self.missing["right"] > 0
        report.findings += [finding for by_place, finding in self.figures
                            if not (by_place and selections)]
        for side, finding in self.candidates:
            other = "right" if side == "left" else "left"
            if self.missing[side] >= SHORTENED_AT + 1 or (
                    self.missing[side] >= SHORTENED_AT and self.shorter(other)) or (
                    self.missing[side] >= 1 and self.shorter(other, MUCH_SHORTER)):
                if other not in report.shortened:
                    report.shortened.append(other)
                report.omitted.append(finding)
            else:
                report.findings.append(finding)
        return report

    def shorter(self, side: str, than: float = 0.0) -> bool:
        """Whether an edition's body is clearly shorter than the other's (translations between
        the three languages run about as long: within a tenth either way)."""
        left = sum(len(text) for text in self.report.left.paragraphs[1:]) or 1
        right = sum(len(text) for text in self.report.right.paragraphs[1:]) or 1
        return (right / left if side == "right" else left / right) < (than or SHORTER_THAN)

    def group(self, group) -> None:
        left, right = self.report.left, self.report.right
        lefts = _group_facts(left, group.left)
        rights = _group_facts(right, group.right)
        left_rest, right_rest = _match([f for _, f in lefts], [f for _, f in rights])
        if group.sure:
            self.contradictions(group, lefts, rights, left_rest, right_rest)
        for side, rest in (("left", left_rest), ("right", right_rest)):
            if rest:
                self.missing[side] += 1
        self.quotes(group)

    def contradictions(self, group, lefts, rights, left_rest, right_rest) -> None:
        left, right = self.report.left, self.report.right
        where = {id(f): i for i, f in lefts} | {id(f): j for j, f in rights}
        found = []
        for kind in dict.fromkeys(f.comparable for f in left_rest):
            mine = [f for f in left_rest if f.comparable == kind]
            theirs = [f for f in right_rest if f.comparable == kind]
            if len(mine) != len(theirs):
                continue  # one side also leaves figures of this kind out: which is which?
            for a, b in zip(mine, theirs, strict=True):
                if right.has(a) or left.has(b):
                    continue  # the value is elsewhere in the other edition: not this pair's
                found.append((a, b))
        matched = len(lefts) - len(left_rest)
        if len(found) > 1 and not matched:
            return  # every figure of the group differs: more likely two other paragraphs
        if not group.shares and Counter(f.comparable for _, f in lefts) != Counter(
                f.comparable for _, f in rights):
            return  # paired by place only, and not the same kinds of figures: other paragraphs
        for a, b in found:
            left_rest.remove(a)
            right_rest.remove(b)
            self.figures.append((not group.shares, {
                "kind": FIGURE, "class": a.comparable[0], "unit": a.unit,
                "left": {**fact_dict(a), "paragraph": where[id(a)]},
                "right": {**fact_dict(b), "paragraph": where[id(b)]},
                "left_paragraphs": group.left, "right_paragraphs": group.right,
            }))

    def quotes(self, group) -> None:
        """Quotations of a group beyond those of its counterpart: the last ones of each side."""
        for side, other in (("left", "right"), ("right", "left")):
            mine = self.report.side(side).readings
            theirs = self.report.side(other).readings
            quoted = [(i, n) for i in getattr(group, side) for n in range(len(mine[i].quotes))]
            surplus = len(quoted) - sum(len(theirs[j].quotes) for j in getattr(group, other))
            if surplus > 0:
                self.extra_quotes[side] += [(i, n, getattr(group, other)) for i, n in quoted[-surplus:]]

    def settle_quotes(self) -> None:
        """Extra quotations of one side and of the other by the same person were moved, not
        added; the rest are candidates (a paragraph of its own if it has no figure)."""
        speakers = {side: [self.speaker_ids(side, i, n) for i, n, _ in self.extra_quotes[side]]
                    for side in ("left", "right")}
        cancelled: dict[str, set[int]] = {"left": set(), "right": set()}
        for a, left_ids in enumerate(speakers["left"]):
            for b, right_ids in enumerate(speakers["right"]):
                if b not in cancelled["right"] and left_ids & right_ids:
                    cancelled["left"].add(a)
                    cancelled["right"].add(b)
                    break
        for side in ("left", "right"):
            edition = self.report.side(side)
            for number, (index, n, counterparts) in enumerate(self.extra_quotes[side]):
                reading = edition.readings[index]
                if number in cancelled[side] or (counterparts is None and reading.facts):
                    continue  # moved; or in a paragraph with figures, judged by its figures
                self.missing[side] += 1
                self.candidates.append((side, {
                    "kind": QUOTE if counterparts is not None else PARAGRAPH, "side": side,
                    "paragraph": index, "quote": reading.quotes[n],
                    "counterparts": counterparts or [], "facts": [], "quotes": [reading.quotes[n]],
                    "speakers": [list(reading.speakers[n])]}))

    def speaker_ids(self, side: str, index: int, number: int) -> set[int]:
        reading = self.report.side(side).readings[index]
        keys = reading.speakers[number] if number < len(reading.speakers) else ()
        return {self.names.id(key) for key in keys}

    def alone(self, side: str, index: int) -> None:
        """A paragraph with no counterpart: reported when it carries figures the other lacks;
        its quotations count as extra ones."""
        mine = self.report.side(side)
        other = self.report.side("right" if side == "left" else "left")
        reading = mine.readings[index]
        self.extra_quotes[side] += [(index, n, None) for n in range(len(reading.quotes))]
        if not reading.facts:
            return
        self.missing[side] += 1
        if any(other.has(fact) for fact in reading.facts):
            return  # its figures are in the other edition: split or moved, not missing
        self.candidates.append((side, {
            "kind": PARAGRAPH, "side": side, "paragraph": index,
            "facts": [fact_dict(f) for f in reading.facts], "quotes": list(reading.quotes),
            "speakers": [list(keys) for keys in reading.speakers]}))


def compare_pair(left: Edition, right: Edition, names: NameIndex | None = None) -> PairReport:
    """Compare two editions of one story (see the module's docstring for what is reported)."""
    return _Pair(left, right, names or NameIndex()).run()


# ---- a whole story ---------------------------------------------------------------------------

def _values_key(finding: dict) -> tuple:
    return (finding["class"], finding["unit"],
            tuple(sorted({finding["left"]["value"], finding["right"]["value"]})))


def _digest(text: str) -> str:
    return hashlib.sha1(" ".join(text.split()).encode()).hexdigest()[:12]


def story_findings(pairs: list[PairReport]) -> list[dict]:
    """The findings of every pair of a story's editions, one per fact: a figure that differs
    is named by the edition that says it against the editions that say otherwise (the odd one
    out when two editions agree), a paragraph or quotation by the edition that carries it and
    those that lack it. Each has a `signature` that stays the same while the finding does."""
    figures: dict[tuple, dict] = {}
    alone: dict[tuple, dict] = {}
    for pair in pairs:
        for finding in pair.findings:
            if finding["kind"] == FIGURE:
                entry = figures.setdefault(_values_key(finding), {"says": {}, "paragraphs": {}})
                for side in ("left", "right"):
                    edition = pair.side(side)
                    entry["says"][edition.article_id] = finding[side]
                    entry["paragraphs"][edition.article_id] = (
                        edition.language, finding[f"{side}_paragraphs"])
                entry.setdefault("pairs", []).append((pair.left.article_id, pair.right.article_id))
                entry["class"], entry["unit"] = finding["class"], finding["unit"]
                continue
            edition = pair.side(finding["side"])
            other = pair.side("right" if finding["side"] == "left" else "left")
            content = "|".join(sorted(f["value"] for f in finding["facts"])) or finding.get(
                "quote") or "|".join(finding["quotes"])
            key = (finding["kind"], edition.article_id, _digest(content))
            entry = alone.setdefault(key, {**finding, "article_id": edition.article_id,
                                           "language": edition.language, "lacking": []})
            entry["lacking"].append(other.article_id)
            entry["text"] = edition.paragraphs[finding["paragraph"]]
            entry["signature"] = f"{finding['kind']}:{edition.article_id}:{key[2]}"
    editions = {e.article_id: e for pair in pairs for e in (pair.left, pair.right)}
    made = []
    for key, entry in figures.items():
        says = entry["says"]
        third = [e for article, e in editions.items() if article not in says]
        if any(all(e.has(_fact(fact)) for fact in says.values()) for e in third):
            continue  # another edition states both values: they are two facts, not one
        made.append(_figure_finding(key, entry))
    for entry in alone.values():
        entry.pop("side", None)
        entry["lacking"] = sorted(set(entry["lacking"]))
        others = [e for article, e in editions.items() if article != entry["article_id"]]
        entry["carrier"] = editions[entry["article_id"]]
        carried = any(_carries(e, entry) for e in others)
        del entry["carrier"]
        if not carried:  # another edition has it too: the one lacking it left it out
            made.append(entry)
    return made


def _carries(edition: Edition, finding: dict) -> bool:
    """Whether an edition states a paragraph's figures, or quotes the same person."""
    if finding["facts"]:
        return any(edition.has(_fact(fact)) for fact in finding["facts"])
    def count(speakers: list) -> int:
        return sum(1 for keys in speakers
                   if any(same_name(key, theirs) for key in wanted for theirs in keys))

    wanted = [key for keys in finding.get("speakers", []) for key in keys]
    if not wanted:
        return False
    carrier = finding["carrier"]
    mine = count([keys for reading in carrier.readings for keys in reading.speakers])
    theirs = count([keys for reading in edition.readings for keys in reading.speakers])
    return theirs >= mine  # as many quotations of that person: it has this one too


def _figure_finding(key: tuple, entry: dict) -> dict:
    says = entry["says"]
    counts = Counter(fact["value"] for fact in says.values())
    odd = [article for article, fact in says.items()
           if counts[fact["value"]] == 1 and len(says) > 2 and max(counts.values()) > 1]
    article = odd[0] if odd else None
    return {
        "kind": FIGURE, "class": entry["class"], "unit": entry["unit"], "article_id": article,
        "says": {str(article_id): fact for article_id, fact in says.items()},
        "paragraphs": {str(article_id): where for article_id, where in entry["paragraphs"].items()},
        "values": list(key[2]),
        "signature": f"figure:{key[0]}:{key[1]}:{'|'.join(key[2])}",
    }


def compare_story(editions: list[Edition]) -> tuple[list[PairReport], list[dict]]:
    """Every pair of a story's editions compared, and the story's findings (story_findings)."""
    ordered = sorted(editions, key=lambda e: (EDITION_ORDER.get(e.language, 9), e.article_id))
    names = NameIndex()
    pairs = [compare_pair(a, b, names) for n, a in enumerate(ordered) for b in ordered[n + 1:]
             if a.language != b.language]
    return pairs, story_findings(pairs)


# ---- an edit of one edition ------------------------------------------------------------------

def edited_facts(old: Edition, new: Edition) -> list[dict]:
    """The facts one version of an edition changed against the one before: per changed
    paragraph (the lead is paragraph 0), the facts it no longer states and those it now
    states, with the paragraph's old and new text. Paragraphs are paired as `diff` pairs them
    (storage.changes)."""
    diff = diff_records({"lead": old.paragraphs[0], "body": old.paragraphs[1:]},
                        {"lead": new.paragraphs[0], "body": new.paragraphs[1:]})
    changes = []
    lead = next((f for f in diff.fields if f.name == "lead"), None)
    if lead is not None:
        changes.append((0, 0, lead.old or "", lead.new or ""))
    for paragraph in diff.changed_paragraphs:
        changes.append((None if paragraph.old_index is None else paragraph.old_index + 1,
                        None if paragraph.new_index is None else paragraph.new_index + 1,
                        paragraph.old or "", paragraph.new or ""))
    edits = []
    for old_index, new_index, old_text, new_text in changes:
        removed, added = _match(list(read(old_text, old.language).facts),
                                list(read(new_text, new.language).facts))
        removed = [f for f in removed if not new.has(f)]  # moved elsewhere is not removed
        added = [f for f in added if not old.has(f)]
        if not removed and not added:
            continue
        edits.append({"old_paragraph": old_index, "new_paragraph": new_index,
                      "old_text": old_text, "new_text": new_text,
                      "removed": [fact_dict(f) for f in removed],
                      "added": [fact_dict(f) for f in added]})
    return edits


def _fact(data: dict) -> Fact:
    return Fact(data["kind"], data["value"], data.get("text", ""), 0, data.get("unit", ""))


def holds(edition: Edition, facts: list[dict]) -> bool:
    """Whether the edition states every one of these facts."""
    return all(edition.has(_fact(f)) for f in facts)


def holds_any(edition: Edition, facts: list[dict]) -> bool:
    """Whether the edition states at least one of these facts."""
    return any(edition.has(_fact(f)) for f in facts)


def stale_counterpart(edit: dict, old: Edition, other: Edition) -> str | None:
    """The paragraph of `other` that still says what an edit of `old` (an edition's previous
    version) took out, or None when `other` does not say it (or already says the new).

    A change of figures is stale when the counterpart of the edited paragraph (or, with no sure
    counterpart, the other edition anywhere) states a figure the edit removed and `other` states
    none of the added ones; a removed paragraph when its counterpart still states its figures;
    an added paragraph when `other` states none of its figures and is not a shortened edition
    of `old`."""
    pair = compare_pair(old, other)
    removed, added = edit["removed"], edit["added"]
    if added and holds_any(other, added):
        return None
    if edit["old_paragraph"] is None:
        if "right" in pair.shortened:
            return None
        return ""
    group = pair.alignment.partner("left", edit["old_paragraph"])
    if group is None or not group.sure:
        # no sure counterpart: the other edition still states a figure taken out, and none put in
        if removed and holds_any(other, removed):
            return ""
        return None
    counterpart = Edition(other.article_id, other.language,
                          [""] + [other.paragraphs[j] for j in group.right])
    if removed and holds_any(counterpart, removed):
        return "\n\n".join(other.paragraphs[j] for j in group.right)
    return None
