"""Diff two stored versions of an article: metadata, paragraphs, then words inside paragraphs."""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher

# Kinds in the order reports list them.
KINDS = ("headline", "byline", "substantive", "removal", "moved", "minor", "metadata", "stealth")

# Metadata fields in report order, with the kind a change to each one gets.
# None means "minor or substantive, decided like a paragraph edit".
FIELD_KINDS = {
    "title": "headline",
    "authors": "byline",
    "photo_credits": "byline",
    "published": "metadata",
    "modified": "metadata",
    "tags": "metadata",
    "url": "moved",
    "section": "moved",
    "slug": "moved",
    "lead": None,
    "cover_image": "metadata",
    "cover_caption": None,
}

# A change to any of these is a change of text (for the stealth flag).
TEXT_FIELDS = ("title", "lead", "authors", "photo_credits", "cover_caption")

MINOR_MAX_EDITS = 6  # characters deleted plus characters inserted
MINOR_MIN_SIMILARITY = 0.9
PAIR_MIN_SIMILARITY = 0.3  # below this, paragraphs of a replaced block are not paired
PAIR_MAX_CELLS = 10_000  # larger replaced blocks are paired by position

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
_WORD = re.compile(r"\w+")

RED, GREEN, BOLD, RESET = "\x1b[31m", "\x1b[32m", "\x1b[1m", "\x1b[0m"

WordOp = tuple[str, str]  # ("equal" | "delete" | "insert", text)


@dataclass
class FieldChange:
    """One metadata field that differs between the two versions."""

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
class VersionDiff:
    """Everything that differs between two versions of one article."""

    fields: list[FieldChange]
    paragraphs: list[ParagraphChange]
    kinds: list[str]
    stealth: bool
    old_modified: str | None = None
    new_modified: str | None = None
    removed: dict | None = None  # set when the article itself disappeared

    @property
    def changed(self) -> bool:
        return bool(self.fields or self.removed is not None or self.changed_paragraphs)

    @property
    def changed_paragraphs(self) -> list[ParagraphChange]:
        return [p for p in self.paragraphs if p.op != "equal"]

    @property
    def stats(self) -> dict:
        ops = Counter(p.op for p in self.paragraphs)
        return {op: ops.get(op, 0) for op in ("equal", "replace", "insert", "delete")}


# --- diffing -------------------------------------------------------------------------------


def diff_versions(
    old: dict,
    new: dict | None,
    old_modified: str | None = None,
    new_modified: str | None = None,
    event: dict | None = None,
) -> VersionDiff:
    """Compare two record dicts (``ArticleRecord.to_dict()`` shape).

    ``old_modified``/``new_modified`` override the records' ``modified`` values. When ``new`` is
    None or an ``event`` (e.g. ``{"status": 410}``) is given, the diff reports the article removed.
    """
    old_modified = old_modified if old_modified is not None else old.get("modified")
    if new is None or event is not None:
        return _removal_diff(old_modified, event)
    new_modified = new_modified if new_modified is not None else new.get("modified")
    fields = diff_fields(old, new)
    paragraphs = diff_paragraphs(old.get("body") or [], new.get("body") or [])
    text_changed = any(f.name in TEXT_FIELDS for f in fields) or any(
        p.op != "equal" for p in paragraphs
    )
    stealth = text_changed and old_modified == new_modified
    kinds = {f.kind for f in fields} | {p.kind for p in paragraphs if p.kind}
    if stealth:
        kinds.add("stealth")
    return VersionDiff(fields, paragraphs, _ordered(kinds), stealth, old_modified, new_modified)


def _removal_diff(old_modified: str | None, event: dict | None) -> VersionDiff:
    removed = dict(event) if event else {"status": None}
    return VersionDiff([], [], ["removal"], False, old_modified, None, removed)


def _ordered(kinds: set[str]) -> list[str]:
    return [k for k in KINDS if k in kinds]


def diff_fields(old: dict, new: dict) -> list[FieldChange]:
    """Metadata changes, in report order."""
    changes = []
    for name, kind in FIELD_KINDS.items():
        before, after = old.get(name), new.get(name)
        if before == after or not (before or after):
            continue
        words = diff_words(_as_text(before), _as_text(after))
        changes.append(FieldChange(name, before, after, kind or classify_edit(words), words))
    return changes


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def diff_paragraphs(old: list[str], new: list[str]) -> list[ParagraphChange]:
    """Paragraph-level diff; replaced blocks are paired by similarity and diffed word by word."""
    result: list[ParagraphChange] = []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            result += [ParagraphChange("equal", old[i], new[j], i, j) for i, j in
                       zip(range(i1, i2), range(j1, j2), strict=True)]
        elif op == "delete":
            result += [_deleted(old, i) for i in range(i1, i2)]
        elif op == "insert":
            result += [_inserted(new, j) for j in range(j1, j2)]
        else:
            result += _replace_block(old, new, i1, i2, j1, j2)
    return result


def _deleted(old: list[str], i: int) -> ParagraphChange:
    words = [("delete", old[i])]
    return ParagraphChange("delete", old[i], None, i, None, words, "removal", 0.0)


def _inserted(new: list[str], j: int) -> ParagraphChange:
    words = [("insert", new[j])]
    return ParagraphChange("insert", None, new[j], None, j, words, "substantive", 0.0)


def _edited(old: list[str], new: list[str], i: int, j: int) -> ParagraphChange:
    words = diff_words(old[i], new[j])
    similarity = word_similarity(words)
    kind = classify_edit(words)
    return ParagraphChange("replace", old[i], new[j], i, j, words, kind, similarity)


def _replace_block(
    old: list[str], new: list[str], i1: int, i2: int, j1: int, j2: int
) -> list[ParagraphChange]:
    """Emit a replaced block in order: paired paragraphs as edits, the rest as inserts/deletes.

    Between two pairs, one old and one new paragraph left over are paired too (rewritten).
    """
    pairs = _pair_paragraphs(old[i1:i2], new[j1:j2])
    result: list[ParagraphChange] = []
    i, j = i1, j1
    for pi, pj in pairs + [(i2 - i1, j2 - j1)]:
        if i1 + pi - i == 1 and j1 + pj - j == 1:
            result.append(_edited(old, new, i, j))  # a lone paragraph in place: rewritten
        else:
            result += [_deleted(old, k) for k in range(i, i1 + pi)]
            result += [_inserted(new, k) for k in range(j, j1 + pj)]
        if i1 + pi < i2:
            result.append(_edited(old, new, i1 + pi, j1 + pj))
        i, j = i1 + pi + 1, j1 + pj + 1
    return result


def _pair_paragraphs(old: list[str], new: list[str]) -> list[tuple[int, int]]:
    """Order-preserving pairs (old offset, new offset) maximising total word similarity."""
    n, m = len(old), len(new)
    if n * m > PAIR_MAX_CELLS:
        return [(k, k) for k in range(min(n, m))]
    bags_old = [Counter(_WORD.findall(p.lower())) for p in old]
    bags_new = [Counter(_WORD.findall(p.lower())) for p in new]
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    for a in range(n - 1, -1, -1):
        for b in range(m - 1, -1, -1):
            sim = _dice(bags_old[a], bags_new[b])
            paired = score[a + 1][b + 1] + sim if sim >= PAIR_MIN_SIMILARITY else -1.0
            score[a][b] = max(paired, score[a + 1][b], score[a][b + 1])
    return _backtrack(score, n, m)


def _backtrack(score: list[list[float]], n: int, m: int) -> list[tuple[int, int]]:
    pairs, a, b = [], 0, 0
    while a < n and b < m:
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


def tokenize(text: str) -> list[str]:
    """Words, whitespace runs and single punctuation marks; joined they give back the text."""
    return _TOKEN.findall(text)


def diff_words(old: str, new: str) -> list[WordOp]:
    """Word-level ops; equal+delete texts rebuild ``old``, equal+insert texts rebuild ``new``."""
    a, b = tokenize(old), tokenize(new)
    opcodes = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    ops: list[WordOp] = []
    pending_del, pending_ins = [], []
    for index, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op == "equal" and not _is_gap(opcodes, index, a):
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
    """Share of characters left unchanged, 0..1."""
    same = sum(len(t) for op, t in words if op == "equal")
    total = sum(len(t) * (2 if op == "equal" else 1) for op, t in words)
    return 2 * same / total if total else 1.0


def classify_edit(words: list[WordOp]) -> str:
    """``minor`` for a typo or punctuation fix, else ``substantive``.

    Minor means: at most MINOR_MAX_EDITS characters edited, character similarity at least
    MINOR_MIN_SIMILARITY, no digit touched, and each change either punctuation/spacing only or
    a respelling of the same word (not a word added, removed or swapped for another).
    """
    changes = _changes(words)
    # Each change edits at least one character; long changed runs cannot be a few edits either.
    if len(changes) > MINOR_MAX_EDITS or sum(len(d) + len(i) for d, i in changes) > 40 * MINOR_MAX_EDITS:
        return "substantive"  # too much changed to be a typo; skip the character diffs
    for deleted, inserted in changes:
        if any(c.isdigit() for c in deleted + inserted):
            return "substantive"
        if _WORD.search(deleted + inserted) and not _is_misspelling(deleted, inserted):
            return "substantive"
    edits = sum(_char_edits(d, i) for d, i in changes)
    total = sum(len(t) * (2 if op == "equal" else 1) for op, t in words)
    similarity = 1 - edits / total if total else 1.0
    if edits <= MINOR_MAX_EDITS and similarity >= MINOR_MIN_SIMILARITY:
        return "minor"
    return "substantive"


def _is_misspelling(deleted: str, inserted: str) -> bool:
    """Both sides present and sharing most of their characters."""
    if not (deleted and inserted):
        return False
    return 1 - _char_edits(deleted, inserted) / (len(deleted) + len(inserted)) >= 0.5


def _char_edits(deleted: str, inserted: str) -> int:
    blocks = SequenceMatcher(None, deleted, inserted, autojunk=False).get_matching_blocks()
    return len(deleted) + len(inserted) - 2 * sum(b.size for b in blocks)


def _changes(words: list[WordOp]) -> list[tuple[str, str]]:
    """(deleted, inserted) text of each change between two unchanged runs."""
    changes, deleted, inserted = [], "", ""
    for op, text in words + [("equal", "")]:
        if op == "delete":
            deleted += text
        elif op == "insert":
            inserted += text
        elif deleted or inserted:
            changes.append((deleted, inserted))
            deleted, inserted = "", ""
    return changes


# --- rendering -----------------------------------------------------------------------------


def _elided(count: int) -> str:
    noun = "paragraph" if count == 1 else "paragraphs"
    return f"… {count} unchanged {noun} …"


def _blocks(diff: VersionDiff) -> list[ParagraphChange | int]:
    """Changed paragraphs, with each run of unchanged ones collapsed to its length."""
    blocks: list[ParagraphChange | int] = []
    for p in diff.paragraphs:
        if p.op != "equal":
            blocks.append(p)
        elif blocks and isinstance(blocks[-1], int):
            blocks[-1] += 1
        else:
            blocks.append(1)
    return blocks


def _label(p: ParagraphChange) -> str:
    old = "-" if p.old_index is None else p.old_index + 1
    new = "-" if p.new_index is None else p.new_index + 1
    verb = {"replace": "edited", "insert": "added", "delete": "removed"}[p.op]
    return f"¶ {old}→{new} {verb}"


def removal_sentence(removed: dict) -> str:
    """How the article went: its status, and where a redirect away from it now leads."""
    location = removed.get("location")
    if location:
        return f"Article removed (status {removed.get('status')}): it now redirects to {location}."
    return f"Article removed (status {removed.get('status')})."


def _summary_lines(diff: VersionDiff) -> list[str]:
    if not diff.changed:
        return ["No changes."]
    lines = [f"Kinds: {', '.join(diff.kinds)}"]
    if diff.removed is not None:
        lines.append(removal_sentence(diff.removed))
    if diff.stealth:
        lines.append(f"Stealth edit: the text changed but `modified` did not ({_unchanged(diff)}).")
    return lines


def _unchanged(diff: VersionDiff) -> str:
    return f"still {diff.new_modified}" if diff.new_modified else "never set"


def render_text(diff: VersionDiff, color: bool = False) -> str:
    """Readable diff: ANSI red/green when ``color``, else ``[-deleted-]{+inserted+}`` markers."""
    lines = _summary_lines(diff)
    for f in diff.fields:
        lines.append(f"{f.name} ({f.kind}): {_words_text(f.words, color)}")
    for block in _blocks(diff):
        if isinstance(block, int):
            lines.append(_elided(block))
        else:
            lines.append(f"{_label(block)} ({block.kind}):")
            lines.append(_words_text(block.words, color))
    return "\n".join(lines) + "\n"


def _words_text(words: list[WordOp], color: bool) -> str:
    parts = []
    for op, text in words:
        if op == "equal":
            parts.append(text)
        elif color:
            parts.append(f"{RED if op == 'delete' else GREEN}{text}{RESET}")
        else:
            parts.append(f"[-{text}-]" if op == "delete" else f"{{+{text}+}}")
    return "".join(parts)


def render_unified(diff: VersionDiff, context: int = 1) -> str:
    """Unified diff of the paragraphs, metadata changes as ``#`` header lines."""
    lines = [f"--- old\tmodified {diff.old_modified}", f"+++ new\tmodified {diff.new_modified}"]
    lines += [f"# {line}" for line in _summary_lines(diff)]
    for f in diff.fields:
        lines.append(f"# {f.name} ({f.kind}): {_json(f.old)} -> {_json(f.new)}")
    lines += _hunks(_unified_lines(diff), context)
    return "\n".join(lines) + "\n"


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _unified_lines(diff: VersionDiff) -> list[tuple[str, str]]:
    lines = []
    for p in diff.paragraphs:
        if p.op == "equal":
            lines.append((" ", p.old))
        if p.op in ("delete", "replace"):
            lines.append(("-", p.old))
        if p.op in ("insert", "replace"):
            lines.append(("+", p.new))
    return lines


def _hunks(lines: list[tuple[str, str]], context: int) -> list[str]:
    changed = [k for k, (tag, _) in enumerate(lines) if tag != " "]
    out: list[str] = []
    start = 0
    while start < len(changed):
        end = start
        while end + 1 < len(changed) and changed[end + 1] - changed[end] <= 2 * context + 1:
            end += 1
        lo = max(0, changed[start] - context)
        hi = min(len(lines), changed[end] + context + 1)
        out.append(_hunk_header(lines, lo, hi))
        out += [tag + text for tag, text in lines[lo:hi]]
        start = end + 1
    return out


def _hunk_header(lines: list[tuple[str, str]], lo: int, hi: int) -> str:
    old_before = sum(1 for tag, _ in lines[:lo] if tag != "+")
    new_before = sum(1 for tag, _ in lines[:lo] if tag != "-")
    old_count = sum(1 for tag, _ in lines[lo:hi] if tag != "+")
    new_count = sum(1 for tag, _ in lines[lo:hi] if tag != "-")
    old_start = old_before + 1 if old_count else old_before
    new_start = new_before + 1 if new_count else new_before
    return f"@@ -{old_start},{old_count} +{new_start},{new_count} @@"


_CSS = """
body{font:16px/1.5 Georgia,serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}
del{background:#fdd;color:#900;text-decoration:line-through}
ins{background:#dfd;color:#060;text-decoration:none}
.kind{display:inline-block;padding:0 .4rem;margin-right:.3rem;border-radius:.3rem;
background:#eee;font:12px sans-serif;text-transform:uppercase}
.stealth{background:#fec;padding:.5rem;border-left:4px solid #c80}
.elided{color:#888;font-style:italic;text-align:center}
.para{border-left:4px solid #ccc;padding-left:.7rem}
.para.minor{border-color:#9bd}.para.substantive,.para.removal{border-color:#c44}
table{border-collapse:collapse;margin:1rem 0}
td,th{border:1px solid #ddd;padding:.3rem;text-align:left;vertical-align:top}
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'"


def render_html(diff: VersionDiff, title: str = "Article diff") -> str:
    """One self-contained HTML page (inline CSS, no scripts); all archived text is escaped."""
    parts = [
        "<!DOCTYPE html>",
        '<html><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_esc(title)}</h1>",
        _html_summary(diff),
        _html_fields(diff),
    ]
    parts += [_html_block(block) for block in _blocks(diff)]
    parts.append("</body></html>")
    return "\n".join(p for p in parts if p) + "\n"


def _esc(value: object) -> str:
    return html.escape(_as_text(value), quote=True)


def _badges(kinds: list[str]) -> str:
    return "".join(f'<span class="kind">{_esc(k)}</span>' for k in kinds)


def _html_summary(diff: VersionDiff) -> str:
    if not diff.changed:
        return "<p>No changes.</p>"
    parts = [f"<p>{_badges(diff.kinds)}</p>"]
    if diff.removed is not None:
        parts.append(f"<p>{_esc(removal_sentence(diff.removed))}</p>")
    if diff.stealth:
        parts.append(
            '<p class="stealth">Stealth edit: the text changed but <code>modified</code> did not '
            f"({_esc(_unchanged(diff))}).</p>"
        )
    return "\n".join(parts)


def _html_fields(diff: VersionDiff) -> str:
    if not diff.fields:
        return ""
    rows = [
        f"<tr><th>{_esc(f.name)}</th><td>{_badges([f.kind])}</td>"
        f"<td>{_html_words(f.words)}</td></tr>"
        for f in diff.fields
    ]
    return "<table>\n" + "\n".join(rows) + "\n</table>"


def _html_block(block: ParagraphChange | int) -> str:
    if isinstance(block, int):
        return f'<p class="elided">{_elided(block)}</p>'
    return (
        f'<div class="para {_esc(block.kind)}"><p>{_badges([block.kind])}{_esc(_label(block))}</p>'
        f"<p>{_html_words(block.words)}</p></div>"
    )


def _html_words(words: list[WordOp]) -> str:
    tags = {"delete": "del", "insert": "ins"}
    parts = []
    for op, text in words:
        tag = tags.get(op)
        parts.append(f"<{tag}>{_esc(text)}</{tag}>" if tag else _esc(text))
    return "".join(parts)


def to_json(diff: VersionDiff) -> dict:
    """Plain dict of lists, strings, numbers and booleans (``json.dumps``-ready)."""
    return {
        "changed": diff.changed,
        "kinds": list(diff.kinds),
        "stealth": diff.stealth,
        "old_modified": diff.old_modified,
        "new_modified": diff.new_modified,
        "removed": diff.removed,
        "stats": diff.stats,
        "fields": [_field_json(f) for f in diff.fields],
        "paragraphs": [_paragraph_json(p) for p in diff.paragraphs],
    }


def _field_json(f: FieldChange) -> dict:
    return {
        "name": f.name,
        "kind": f.kind,
        "old": f.old,
        "new": f.new,
        "words": [[op, text] for op, text in f.words],
    }


def _paragraph_json(p: ParagraphChange) -> dict:
    return {
        "op": p.op,
        "kind": p.kind,
        "old_index": p.old_index,
        "new_index": p.new_index,
        "old": p.old,
        "new": p.new,
        "similarity": round(p.similarity, 4),
        "words": [[op, text] for op, text in p.words],
    }
