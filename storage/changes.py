"""The one model of change: the difference between two records and the kinds derived from it.

Fields first, then paragraphs, then words inside paragraphs. Whatever shows a change (the kinds
stored on a version, `changes`, `history`, `diff` in every format, web pages, alerts) reads it
from `diff_records`. The vocabulary, its thresholds and why are in docs/changes.md.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from itertools import accumulate, groupby
from urllib.parse import urlsplit

from storage.records import normalise

# Kinds of change between two versions, in the order they are reported.
KINDS = (
    "headline",
    "byline",
    "moved",
    "lead",
    "typo",
    "rewrite",
    "paragraph_added",
    "paragraph_removed",
    "tags",
    "cover",
    "dates",
    "stealth",
)
# Events of an article as a whole; `removed` is also the kind of a diff against a removal;
# `divergence`: its story's editions say different things (storage.divergence).
EVENT_KINDS = ("new", "removed", "restored", "divergence")

# Fields in report order, with the kind a change to each one gets.
FIELD_KINDS = {
    "title": "headline",
    "authors": "byline",
    "photo_credits": "byline",
    "published": "dates",
    "modified": "dates",
    "tags": "tags",
    "url": "moved",
    "section": "moved",
    "slug": "moved",
    "lead": "lead",
    "cover_image": "cover",
    "cover_caption": "cover",
}
# Fields shown whole, old against new, rather than word by word.
WHOLE_FIELDS = ("title",)
# A change to any of these, or to a paragraph, is a change of text (for `stealth`).
TEXT_FIELDS = ("title", "lead", "authors", "photo_credits", "cover_caption")

TYPO_MAX_EDITS = 6  # characters deleted plus characters inserted: three letters swapped
TYPO_MAX_CHANGED = 240  # characters of the changed runs, both sides: more is not compared
TYPO_MIN_SIMILARITY = 0.9  # share of the paragraph's characters left as they were
RESPELLING_MIN_SHARED = 0.5  # a changed word keeps at least half of its letters
PAIR_MIN_SIMILARITY = 0.3  # below this, paragraphs of a replaced block are not paired
PAIR_MAX_CELLS = 10_000  # larger replaced blocks are paired by position
# difflib compares every pair of equal items it meets: with many repeated items (a paragraph said
# again and again, the spaces between words) its work grows with the square of the length, or
# faster. One alignment of paragraphs, and the word diffs of one body together, may each do
# this many comparisons (a few tenths of a second); past that, what is left is aligned on the
# items each side holds once, in time near-linear in the length (docs/changes.md).
MATCH_WORK = 3_000_000
ANCHOR_WORK_PER_ITEM = 8  # the near-linear alignment's steps per item, at most

# What the excerpt of a change stored with each version quotes (feeds and notifications show it):
# the headline, a few other fields, the first changed paragraphs, unchanged text cut to some
# context on each side of an edit and long edits cut, so that it stays small for any article.
EXCERPT_FIELDS = 3
DATE_FIELDS = ("published", "modified")  # an excerpt gives them as times, old and new
EXCERPT_PARAGRAPHS = 2
EXCERPT_CONTEXT = 60  # characters of unchanged text kept on each side of an edit
EXCERPT_EDIT = 300  # characters of one deleted or inserted run kept

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
_WORD = re.compile(r"\w+")

WordOp = tuple[str, str]  # ("equal" | "delete" | "insert", text)


@dataclass
class FieldChange:
    """One field that differs between the two versions."""

    name: str
    old: object
    new: object
    kind: str
    words: list[WordOp] = field(default_factory=list)


@dataclass
class ParagraphChange:
    """One body paragraph: unchanged, inserted, deleted or edited in place."""

    op: str  # "equal" | "insert" | "delete" | "replace"
    old: str | None
    new: str | None
    old_index: int | None  # 0-based position in the old body
    new_index: int | None
    words: list[WordOp] = field(default_factory=list)
    kind: str | None = None  # None for "equal"
    similarity: float = 1.0


@dataclass
class RecordDiff:
    """Everything that differs between two versions of one article, and its kinds."""

    fields: list[FieldChange]
    paragraphs: list[ParagraphChange]
    kinds: list[str]
    old_modified: str | None = None
    new_modified: str | None = None
    removed: dict | None = None  # set when the article itself disappeared

    @property
    def stealth(self) -> bool:
        """The text changed while the page's modified date did not move."""
        return "stealth" in self.kinds

    @property
    def changed(self) -> bool:
        """True when a reader sees any difference."""
        return bool(self.kinds)

    @property
    def changed_paragraphs(self) -> list[ParagraphChange]:
        """The paragraphs that are not equal."""
        return [p for p in self.paragraphs if p.op != "equal"]

    @property
    def stats(self) -> dict:
        """How many paragraphs are equal, replaced, inserted and deleted."""
        ops = Counter(p.op for p in self.paragraphs)
        return {op: ops.get(op, 0) for op in ("equal", "replace", "insert", "delete")}


# --- the difference and its kinds ------------------------------------------------------------


def diff_records(old: dict, new: dict | None, removed: dict | None = None) -> RecordDiff:
    """The difference from one record dict to the next, or to the article's removal.

    Values are compared whitespace-normalised, as the version fingerprint sees them. When `new` is
    None or `removed` is given (e.g. `{"status": 410}`), the diff is the removal of the article.
    """
    old_modified = normalise(old.get("modified"))
    if new is None or removed is not None:
        return RecordDiff([], [], ["removed"], old_modified, None, dict(removed or {"status": None}))
    new_modified = normalise(new.get("modified"))
    fields = diff_fields(old, new)
    paragraphs = diff_paragraphs(normalise(old.get("body") or []), normalise(new.get("body") or []))
    return RecordDiff(fields, paragraphs, derive_kinds(fields, paragraphs), old_modified,
                      new_modified)


def derive_kinds(fields: list[FieldChange], paragraphs: list[ParagraphChange]) -> list[str]:
    """The kinds of a difference, in report order.

    A moved modification date alongside another change is only its consequence and is not a
    kind; alone it is `dates`. `stealth` is a change of text while the modified date stayed.
    """
    kinds = {f.kind for f in fields if f.name != "modified"}
    kinds |= {p.kind for p in paragraphs if p.kind}
    modified_moved = any(f.name == "modified" for f in fields)
    text_changed = any(f.name in TEXT_FIELDS for f in fields) or any(
        p.op != "equal" for p in paragraphs)
    if modified_moved and not kinds:
        kinds.add("dates")
    if text_changed and not modified_moved:
        kinds.add("stealth")
    return [kind for kind in KINDS if kind in kinds]


def kinds_between(old: dict, new: dict) -> list[str]:
    """The kinds of change from one record dict to the next; empty when a reader sees none."""
    return diff_records(old, new).kinds


def change_columns(old: dict, new: dict) -> dict:
    """What a version stores of its change from the version before, computed once: its kinds
    (`changes`) and its excerpt (`excerpt`), as JSON."""
    diff = diff_records(old, new)
    return {"changes": json.dumps(diff.kinds),
            "excerpt": json.dumps(excerpt(diff), ensure_ascii=False)}


def excerpt(diff: RecordDiff) -> dict:
    """The change in brief, small whatever the article's size: the old and new headline, the
    old and new dates (the modified date only when it is the change, `dates`, not a consequence
    of another), the first EXCERPT_FIELDS other fields changed (not the URL), the first
    EXCERPT_PARAGRAPHS changed paragraphs by number, their words cut (`cut_words`), and how many
    paragraphs changed in all."""
    title = next(([f.old, f.new] for f in diff.fields if f.name == "title"), None)
    dates = [f for f in diff.fields if f.name in DATE_FIELDS
             and (f.name != "modified" or "dates" in diff.kinds)]
    others = [f for f in diff.fields if f.name not in ("title", "url", *DATE_FIELDS)]
    changed = diff.changed_paragraphs
    return {
        "headline": title,
        "dates": [[f.name, f.old, f.new] for f in dates],
        "fields": [[f.name, cut_words(f.words)] for f in others[:EXCERPT_FIELDS]],
        "paragraphs": [[1 + (p.new_index if p.new_index is not None else p.old_index),
                        cut_words(p.words)] for p in changed[:EXCERPT_PARAGRAPHS]],
        "changed_paragraphs": len(changed),
    }


def cut_words(words: list[WordOp]) -> list[list[str]]:
    """Word ops with long unchanged runs cut to EXCERPT_CONTEXT characters on each side of the
    edits (marked `…`) and edits longer than EXCERPT_EDIT cut."""
    last = len(words) - 1
    result = []
    for index, (op, text) in enumerate(words):
        if op == "equal" and len(text) > 2 * EXCERPT_CONTEXT:
            if index == 0:
                text = "…" + text[-EXCERPT_CONTEXT:]
            elif index == last:
                text = text[:EXCERPT_CONTEXT] + "…"
            else:
                text = text[:EXCERPT_CONTEXT] + " … " + text[-EXCERPT_CONTEXT:]
        elif op != "equal" and len(text) > EXCERPT_EDIT:
            text = text[:EXCERPT_EDIT] + "…"
        result.append([op, text])
    return result


def diff_fields(old: dict, new: dict) -> list[FieldChange]:
    """Field changes, in report order; the URL counts only when its path moved."""
    changes = []
    for name, kind in FIELD_KINDS.items():
        before, after = normalise(old.get(name)), normalise(new.get(name))
        if name == "url":
            if urlsplit(before).path == urlsplit(after).path:
                continue
        elif before == after or not (before or after):
            continue
        if name in WHOLE_FIELDS:
            words = [op for op in (("delete", as_text(before)), ("insert", as_text(after)))
                     if op[1]]
        else:
            words = diff_words(as_text(before), as_text(after))
        changes.append(FieldChange(name, before, after, kind, words))
    return changes


def as_text(value: object) -> str:
    """A field's value as text: lists joined by commas, None empty."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


# --- paragraphs ------------------------------------------------------------------------------


def diff_paragraphs(old: list[str], new: list[str]) -> list[ParagraphChange]:
    """Paragraph-level diff; replaced blocks are paired by similarity and diffed word by word."""
    result: list[ParagraphChange] = []
    words = Work()  # shared by the word diffs of every edited paragraph
    for op, i1, i2, j1, j2 in opcodes(old, new, Work()):
        if op == "equal":
            result += [ParagraphChange("equal", old[i1 + k], new[j1 + k], i1 + k, j1 + k)
                       for k in range(i2 - i1)]
        elif op == "replace":
            result += _replace_block(old, new, i1, i2, j1, j2, words)
        else:  # "delete" or "insert": one side of the block is empty
            result += [_deleted(old, i) for i in range(i1, i2)]
            result += [_inserted(new, j) for j in range(j1, j2)]
    return result


def _deleted(old: list[str], i: int) -> ParagraphChange:
    words = [("delete", old[i])]
    return ParagraphChange("delete", old[i], None, i, None, words, "paragraph_removed", 0.0)


def _inserted(new: list[str], j: int) -> ParagraphChange:
    words = [("insert", new[j])]
    return ParagraphChange("insert", None, new[j], None, j, words, "paragraph_added", 0.0)


def _edited(old: list[str], new: list[str], i: int, j: int, work: Work) -> ParagraphChange:
    words = diff_words(old[i], new[j], work)
    return ParagraphChange("replace", old[i], new[j], i, j, words, edit_kind(words),
                           word_similarity(words))


def _replace_block(
    old: list[str], new: list[str], i1: int, i2: int, j1: int, j2: int, work: Work
) -> list[ParagraphChange]:
    """Emit a replaced block in order: paired paragraphs as edits, the rest as inserts/deletes.

    Between two pairs, one old and one new paragraph left over are paired too (rewritten).
    """
    pairs = [(i1 + a, j1 + b) for a, b in _pair_paragraphs(old[i1:i2], new[j1:j2])]
    result: list[ParagraphChange] = []
    i, j = i1, j1
    for a, b in pairs + [(i2, j2)]:
        if a - i == 1 and b - j == 1:
            result.append(_edited(old, new, i, j, work))  # a lone paragraph in place: rewritten
        else:
            result += [_deleted(old, k) for k in range(i, a)]
            result += [_inserted(new, k) for k in range(j, b)]
        if a < i2:
            result.append(_edited(old, new, a, b, work))
        i, j = a + 1, b + 1
    return result


def _pair_paragraphs(old: list[str], new: list[str]) -> list[tuple[int, int]]:
    """Order-preserving pairs (old offset, new offset) maximising total word similarity."""
    n, m = len(old), len(new)
    if n * m > PAIR_MAX_CELLS:
        return [(k, k) for k in range(min(n, m))]
    bags_old = [Counter(_WORD.findall(p.lower())) for p in old]
    bags_new = [Counter(_WORD.findall(p.lower())) for p in new]
    # score[a][b]: the best total similarity of pairs among old[a:] and new[b:]; 0 past the end.
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    for a in range(n - 1, -1, -1):
        for b in range(m - 1, -1, -1):
            sim = _dice(bags_old[a], bags_new[b])
            paired = score[a + 1][b + 1] + sim if sim >= PAIR_MIN_SIMILARITY else 0.0
            score[a][b] = max(paired, score[a + 1][b], score[a][b + 1])
    return _backtrack(score)


def _backtrack(score: list[list[float]]) -> list[tuple[int, int]]:
    """The pairs of a best path through the table, from the start while pairs are left."""
    pairs, a, b = [], 0, 0
    while score[a][b] > 0:
        if score[a][b] == score[a + 1][b]:
            a += 1
        elif score[a][b] == score[a][b + 1]:
            b += 1
        else:
            pairs.append((a, b))
            a, b = a + 1, b + 1
    return pairs


def _dice(a: Counter, b: Counter) -> float:
    total = sum(a.values()) + sum(b.values())
    return 2 * sum((a & b).values()) / total if total else 1.0


# --- alignment within a bound ----------------------------------------------------------------


class _TooMuchWork(Exception):
    """difflib would compare more pairs than are left to spend."""


class Work:
    """The comparisons difflib may still make for one diff (MATCH_WORK to start with)."""

    def __init__(self, limit: int | None = None) -> None:
        self.left = MATCH_WORK if limit is None else limit

    def spend(self, units: int) -> None:
        self.left -= units
        if self.left < 0:
            raise _TooMuchWork


class _Matcher(SequenceMatcher):
    """difflib's matcher, each search for a longest match charged before it runs: one step per
    item of `a` in the range and one per place in `b` that item holds (an upper bound of its
    loops), so that its answer is difflib's own as long as the work allows."""

    def __init__(self, a: list, b: list, work: Work, counts: Counter) -> None:
        super().__init__(None, a, b, autojunk=False)
        self.work = work
        self.cost = list(accumulate(map(counts.__getitem__, a), initial=0))

    def find_longest_match(self, alo=0, ahi=None, blo=0, bhi=None):
        ahi = len(self.a) if ahi is None else ahi
        self.work.spend(self.cost[ahi] - self.cost[alo] + ahi - alo)
        return super().find_longest_match(alo, ahi, blo, bhi)


def opcodes(a: list, b: list, work: Work) -> list[tuple[str, int, int, int, int]]:
    """How to turn `a` into `b`, as difflib's get_opcodes: difflib's own answer while `work`
    lasts, else one found by anchoring (near-linear)."""
    counts = Counter(b)
    # difflib's first search alone reads every pair of equal items: is there room for it?
    first = len(a) + sum(map(counts.__getitem__, a))
    if first <= work.left:
        try:
            return _Matcher(a, b, work, counts).get_opcodes()
        except _TooMuchWork:
            pass
    return _opcodes_of(_anchored_blocks(a, b), len(a), len(b))


def _anchored_blocks(a: list, b: list) -> list[tuple[int, int, int]]:
    """Matching blocks (i, j, size), in order: the common start and end of each range, then the
    items the range holds once on each side, kept where they come in the same order (patience
    diff), the gaps between them refined the same way; a gap with no such item gets a shortest
    edit script (Myers). Past ANCHOR_WORK_PER_ITEM steps per item, gaps are only trimmed: what
    is left in them counts as replaced."""
    blocks: list[tuple[int, int, int]] = []
    work = Work(ANCHOR_WORK_PER_ITEM * (len(a) + len(b)))
    ranges = [(0, len(a), 0, len(b))]
    while ranges:
        alo, ahi, blo, bhi = ranges.pop()
        start = 0
        while alo + start < ahi and blo + start < bhi and a[alo + start] == b[blo + start]:
            start += 1
        end = 0
        while (alo + start < ahi - end and blo + start < bhi - end
               and a[ahi - end - 1] == b[bhi - end - 1]):
            end += 1
        blocks += [(alo, blo, start), (ahi - end, bhi - end, end)]
        alo, ahi, blo, bhi = alo + start, ahi - end, blo + start, bhi - end
        if alo == ahi or blo == bhi or work.left <= 0:
            continue
        try:
            work.spend((ahi - alo) + (bhi - blo))
            anchors = _anchors(a, b, alo, ahi, blo, bhi)
            if not anchors:
                blocks += _shortest_edit(a, b, alo, ahi, blo, bhi, work)
                continue
        except _TooMuchWork:
            continue  # the rest of this range counts as replaced
        blocks += [(i, j, 1) for i, j in anchors]
        for (i, j), (next_i, next_j) in zip([(alo - 1, blo - 1), *anchors],
                                            [*anchors, (ahi, bhi)], strict=True):
            if next_i > i + 1 and next_j > j + 1:
                ranges.append((i + 1, next_i, j + 1, next_j))
    return _merged(sorted(block for block in blocks if block[2]))


def _shortest_edit(a: list, b: list, alo: int, ahi: int, blo: int, bhi: int,
                   work: Work) -> list[tuple[int, int, int]]:
    """Matching blocks of a shortest edit script from a[alo:ahi] to b[blo:bhi] (Myers' greedy
    algorithm: time proportional to the length times the edits), each step charged to `work`."""
    n, m = ahi - alo, bhi - blo
    furthest = {1: 0}  # diagonal k (x - y) -> furthest x reached on it
    trace = []
    for edits in range(n + m + 1):
        trace.append(dict(furthest))
        steps = edits
        for k in range(-edits, edits + 1, 2):
            down = k == -edits or (k != edits and furthest[k - 1] < furthest[k + 1])
            x = furthest[k + 1] if down else furthest[k - 1] + 1
            y = x - k
            start = x
            while x < n and y < m and a[alo + x] == b[blo + y]:
                x, y = x + 1, y + 1
            steps += x - start + 1
            furthest[k] = x
            if x >= n and y >= m:
                return _trace_back(trace, n, m, alo, blo)
        work.spend(steps)
    raise AssertionError("unreachable: n + m edits always suffice")


def _trace_back(trace: list[dict[int, int]], x: int, y: int, alo: int,
                blo: int) -> list[tuple[int, int, int]]:
    """The matching blocks along the path a shortest edit script took, from its end back."""
    blocks = []
    for edits in range(len(trace) - 1, -1, -1):
        furthest, k = trace[edits], x - y
        down = k == -edits or (k != edits and furthest[k - 1] < furthest[k + 1])
        previous_k = k + 1 if down else k - 1
        previous_x = furthest[previous_k]
        run = min(x - previous_x, y - (previous_x - previous_k))
        if run > 0:
            blocks.append((alo + x - run, blo + y - run, run))
        x, y = previous_x, previous_x - previous_k
    return blocks


def _anchors(a: list, b: list, alo: int, ahi: int, blo: int, bhi: int) -> list[tuple[int, int]]:
    """(i, j) of the items found once in a[alo:ahi] and once in b[blo:bhi], the longest run
    of them in the same order on both sides."""
    count_a, count_b = Counter(a[alo:ahi]), Counter(b[blo:bhi])
    where = {item: j for j, item in enumerate(b[blo:bhi], blo)
             if count_b[item] == 1 and count_a[item] == 1}
    pairs = [(i, where[item]) for i, item in enumerate(a[alo:ahi], alo) if item in where]
    return _increasing(pairs)


def _increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest subsequence of pairs (increasing in i) whose j increase too."""
    tails: list[int] = []  # j of the last pair of the best run of each length
    ends: list[int] = []  # index in pairs of that last pair
    before = [-1] * len(pairs)
    for index, (_, j) in enumerate(pairs):
        length = bisect_left(tails, j)
        if length == len(tails):
            tails.append(j)
            ends.append(index)
        else:
            tails[length], ends[length] = j, index
        before[index] = ends[length - 1] if length else -1
    run, index = [], ends[-1] if ends else -1
    while index >= 0:
        run.append(pairs[index])
        index = before[index]
    return run[::-1]


def _merged(blocks: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Sorted matching blocks, those that touch joined."""
    joined: list[tuple[int, int, int]] = []
    for i, j, size in blocks:
        if joined and joined[-1][0] + joined[-1][2] == i and joined[-1][1] + joined[-1][2] == j:
            joined[-1] = (joined[-1][0], joined[-1][1], joined[-1][2] + size)
        else:
            joined.append((i, j, size))
    return joined


def _opcodes_of(blocks: list[tuple[int, int, int]], n: int, m: int) -> list[tuple]:
    """Matching blocks as difflib's opcodes (equal, replace, delete, insert)."""
    steps, i, j = [], 0, 0
    for block_i, block_j, size in [*blocks, (n, m, 0)]:
        if i < block_i or j < block_j:
            op = "replace" if i < block_i and j < block_j else "delete" if i < block_i else "insert"
            steps.append((op, i, block_i, j, block_j))
        if size:
            steps.append(("equal", block_i, block_i + size, block_j, block_j + size))
        i, j = block_i + size, block_j + size
    return steps


# --- words -----------------------------------------------------------------------------------


def tokenize(text: str) -> list[str]:
    """Words, whitespace runs and single punctuation marks; joined they give back the text."""
    return _TOKEN.findall(text)


def diff_words(old: str, new: str, work: Work | None = None) -> list[WordOp]:
    """Word-level ops; equal+delete texts rebuild `old`, equal+insert texts rebuild `new`."""
    a, b = tokenize(old), tokenize(new)
    steps = opcodes(a, b, work or Work())
    ops: list[WordOp] = []
    pending_del, pending_ins = [], []
    for index, (op, i1, i2, j1, j2) in enumerate(steps):
        if op == "equal" and not _is_gap(steps, index, a):
            _flush(ops, pending_del, pending_ins)
            ops.append(("equal", "".join(a[i1:i2])))
        else:
            pending_del += a[i1:i2]
            pending_ins += b[j1:j2]
    _flush(ops, pending_del, pending_ins)
    return ops


def _is_gap(opcodes, index: int, tokens: list[str]) -> bool:
    """A single space or mark between two changes: fold it in, so the change reads as one."""
    if index == 0 or index == len(opcodes) - 1:
        return False
    _, i1, i2, _, _ = opcodes[index]
    return i2 - i1 == 1 and not _WORD.match(tokens[i1])


def _flush(ops: list[WordOp], deleted: list[str], inserted: list[str]) -> None:
    if deleted:
        ops.append(("delete", "".join(deleted)))
    if inserted:
        ops.append(("insert", "".join(inserted)))
    deleted.clear()
    inserted.clear()


def word_similarity(words: list[WordOp]) -> float:
    """Share of characters left unchanged, 0..1, of an edit (old and new text not both empty)."""
    same = sum(len(t) for op, t in words if op == "equal")
    return 2 * same / _length(words)


def _length(words: list[WordOp]) -> int:
    """Characters of the old text plus characters of the new: unchanged runs count twice."""
    return sum(len(t) * (2 if op == "equal" else 1) for op, t in words)


def edit_kind(words: list[WordOp]) -> str:
    """`typo` for a misspelling or punctuation fix, else `rewrite`.

    A typo edits at most TYPO_MAX_EDITS characters, leaves at least TYPO_MIN_SIMILARITY of the
    paragraph as it was, touches no digit, and each change is punctuation or spacing only or a
    respelling of the same word (not a word added, removed or swapped for another).
    """
    changes = _changes(words)
    # Comparing long changed runs letter by letter would be slow: they are a rewrite.
    if sum(len(d) + len(i) for d, i in changes) > TYPO_MAX_CHANGED:
        return "rewrite"
    for deleted, inserted in changes:
        if any(c.isdigit() for c in deleted + inserted):
            return "rewrite"
        if _WORD.search(deleted + inserted) and not _is_respelling(deleted, inserted):
            return "rewrite"
    edits = sum(_char_edits(d, i) for d, i in changes)
    if edits <= TYPO_MAX_EDITS and 1 - edits / _length(words) >= TYPO_MIN_SIMILARITY:
        return "typo"
    return "rewrite"


def _is_respelling(deleted: str, inserted: str) -> bool:
    """Both sides present and sharing most of their letters, or one letter for another.

    A side left empty shares nothing: every character of the other is an edit.
    """
    if len(deleted) == len(inserted) == 1:
        return True
    shared = 1 - _char_edits(deleted, inserted) / (len(deleted) + len(inserted))
    return shared >= RESPELLING_MIN_SHARED


def _char_edits(deleted: str, inserted: str) -> int:
    # The junk heuristic acts only on an `inserted` of 200 characters or more; within
    # TYPO_MAX_CHANGED that leaves at most 40 deleted, so at least 160 edits with or without it.
    blocks = SequenceMatcher(None, deleted, inserted).get_matching_blocks()
    return len(deleted) + len(inserted) - 2 * sum(b.size for b in blocks)


def _changes(words: list[WordOp]) -> list[tuple[str, str]]:
    """(deleted, inserted) text of each change between two unchanged runs.

    `diff_words` writes a change as at most one delete followed by at most one insert.
    """
    changes = []
    for unchanged, run in groupby(words, key=lambda word: word[0] == "equal"):
        if not unchanged:
            change = dict(run)
            changes.append((change.get("delete", ""), change.get("insert", "")))
    return changes
