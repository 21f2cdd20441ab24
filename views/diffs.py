"""A difference between two versions as terminal text, a unified diff, an HTML page or JSON.

Every format renders the one model of `storage.changes`; `diff_output` is what `mediawatch diff`
prints, `diff_dict` the model as JSON (views.reading.diff, the reading room's diff).
"""

from __future__ import annotations

import html
import json

from storage.changes import FieldChange, ParagraphChange, RecordDiff, WordOp, as_text, diff_records
from views.text import GREEN, RED, RESET, local, when, zone_name

FORMATS = ("text", "unified", "html", "json")  # json: views.reading.diff


def version_diff(old: dict, new: dict | None, removal: dict | None = None) -> RecordDiff:
    """The diff of two stored versions, or of the last version and the article's removal event."""
    removed = {"status": removal["status"], "location": removal.get("location")} if removal else None
    return diff_records(old, new, removed)


def diff_output(article: dict, old: dict, new: dict | None, removal: dict | None, fmt: str,
                color: bool = False) -> str:
    """A diff of two versions (or of the last one and its removal) as text, a unified diff or
    an HTML page (the JSON is the read side's answer, views.reading.diff)."""
    result = version_diff(old, new, removal)
    if fmt == "html":
        target = f"version {new['number']}" if new else "removed"
        return render_html(result, title=f"{article['title']}: version {old['number']} → {target}",
                           cite=citation(article, old, new, removal))
    if fmt == "unified":
        return render_unified(result, labels=unified_labels(article, old, new, removal))
    return diff_heading(article, old, new, removal) + render_text(result, color=color)


def capture_time(stamp: str) -> str:
    """A capture time as a citation gives it: Almaty time, and UTC exactly."""
    return f"{local(stamp)} Almaty ({stamp})"


def citation(article: dict, old: dict, new: dict | None, removal: dict | None) -> list[str]:
    """What a diff compares, so that it can be cited: the article, its edition and address,
    and each side's version, address and capture time (or the removal)."""
    outlet = article.get("outlet_title") or article.get("outlet") or "its outlet"
    lines = [f"Article {article['id']}, {article['language']} edition of {outlet}: "
             f"{article['url']}",
             f"From version {old['number']}, captured {capture_time(old['first_seen'])}: "
             f"{old['url']}"]
    if new is not None:
        lines.append(f"To version {new['number']}, captured {capture_time(new['first_seen'])}: "
                     f"{new['url']}")
    else:
        lines.append(f"To its removal, seen {capture_time(removal['at'])}: "
                     f"{removal_sentence(removal)}")
    return lines


def unified_labels(article: dict, old: dict, new: dict | None,
                   removal: dict | None) -> tuple[str, str]:
    """The `---` and `+++` lines of a unified diff: each side's address, version and capture."""
    before = f"{old['url']}\tversion {old['number']}, captured {old['first_seen']}"
    if new is None:
        return before, f"{article['url']}\tremoved, seen {removal['at']}"
    return before, f"{new['url']}\tversion {new['number']}, captured {new['first_seen']}"


def diff_heading(article: dict, old: dict, new: dict | None, removal: dict | None) -> str:
    """The line above a text diff: which article and which versions."""
    head = f"{article['id']} [{article['language']}] {article['title']}\n"
    if removal is not None:
        return head + (f"version {old['number']} ({when(old['first_seen'])}) → removed "
                       f"{when(removal['at'])} {zone_name()}\n")
    return head + (f"version {old['number']} ({when(old['first_seen'])}) → version "
                   f"{new['number']} ({when(new['first_seen'])}) {zone_name()}\n")


def _elided(count: int) -> str:
    noun = "paragraph" if count == 1 else "paragraphs"
    return f"… {count} unchanged {noun} …"


def _blocks(diff: RecordDiff) -> list[ParagraphChange | int]:
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


def _summary_lines(diff: RecordDiff) -> list[str]:
    if not diff.changed:
        return ["No changes."]
    lines = [f"Kinds: {', '.join(diff.kinds)}"]
    if diff.removed is not None:
        lines.append(removal_sentence(diff.removed))
    if diff.stealth:
        lines.append(f"Stealth edit: the text changed but `modified` did not ({_unchanged(diff)}).")
    return lines


def _unchanged(diff: RecordDiff) -> str:
    return f"still {diff.new_modified}" if diff.new_modified else "never set"


def render_text(diff: RecordDiff, color: bool = False) -> str:
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


def render_unified(diff: RecordDiff, context: int = 1,
                   labels: tuple[str, str] = ("old", "new")) -> str:
    """Unified diff of the paragraphs, metadata changes as ``#`` header lines; `labels` name the
    two sides (their address, version and capture time)."""
    lines = [f"--- {labels[0]}", f"+++ {labels[1]}"]
    lines += [f"# {line}" for line in _summary_lines(diff)]
    for f in diff.fields:
        lines.append(f"# {f.name} ({f.kind}): {_json(f.old)} -> {_json(f.new)}")
    lines += _hunks(_unified_lines(diff), context)
    return "\n".join(lines) + "\n"


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _unified_lines(diff: RecordDiff) -> list[tuple[str, str]]:
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
.cite{color:#555;font:13px sans-serif;margin:.2rem 0;overflow-wrap:anywhere}
.para{border-left:4px solid #ccc;padding-left:.7rem}
.para.typo{border-color:#9bd}.para.rewrite,.para.paragraph_removed{border-color:#c44}
.para.paragraph_added{border-color:#4a4}
table{border-collapse:collapse;margin:1rem 0}
td,th{border:1px solid #ddd;padding:.3rem;text-align:left;vertical-align:top}
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'"


def render_html(diff: RecordDiff, title: str = "Article diff", cite: list[str] = ()) -> str:
    """One self-contained HTML page (inline CSS, no scripts), with the `cite` lines under its
    heading; all archived text is escaped."""
    parts = [
        "<!DOCTYPE html>",
        '<html><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_esc(title)}</h1>",
        "".join(f'<p class="cite">{_esc(line)}</p>' for line in cite),
        _html_summary(diff),
        _html_fields(diff),
    ]
    parts += [_html_block(block) for block in _blocks(diff)]
    parts.append("</body></html>")
    return "\n".join(p for p in parts if p) + "\n"


def _esc(value: object) -> str:
    return html.escape(as_text(value), quote=True)


def _badges(kinds: list[str]) -> str:
    return "".join(f'<span class="kind">{_esc(k)}</span>' for k in kinds)


def _html_summary(diff: RecordDiff) -> str:
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


def _html_fields(diff: RecordDiff) -> str:
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


def diff_dict(diff: RecordDiff) -> dict:
    """A diff as a plain dict of lists, strings, numbers and booleans (`json.dumps`-ready)."""
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
