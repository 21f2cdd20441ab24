"""What one edition of a story says and another does not, for readers: the comparison of a
story's editions as JSON and terminal text, and one line per divergence (changes, feeds,
messages)."""

from __future__ import annotations

from storage import divergence as store
from views.outlet_names import name_of
from views.text import shorten, table, when, zone_name

KIND_NAMES = {"figure": "figures differ", "paragraph": "a paragraph only in one edition",
              "quote": "a quotation only in one edition", "edit": "an edit not carried"}
TEXT_WIDTH = 70  # characters of a paragraph in the side-by-side text


def _languages(row: dict) -> tuple[str, str]:
    others = row.get("other_languages") or {}
    names = ", ".join(sorted({others.get(o) or others.get(str(o)) or str(o)
                              for o in row["others"]}))
    return row.get("language") or "", names


def _facts(facts: list[dict]) -> str:
    return ", ".join(f["text"] for f in facts)


def summary(row: dict) -> str:
    """One line saying what a divergence is (`row` from storage.divergence.divergence)."""
    detail, (mine, others) = row["detail"], _languages(row)
    if row["kind"] == "figure":
        says = detail["says"]
        own = says.get(str(row["article_id"])) or {}
        other_texts = sorted({fact["text"] for article, fact in says.items()
                              if article != str(row["article_id"])})
        return f"{mine} says {own.get('text', '?')}; {others} say{'s' if ',' not in others else ''} " \
               f"{' / '.join(other_texts)}"
    if row["kind"] == "paragraph":
        what = _facts(detail.get("facts") or []) or "a quotation"
        return f"a paragraph only in {mine} ({shorten(what, 80)}), not in {others}"
    if row["kind"] == "quote":
        return f"a quotation only in {mine}: «{shorten(detail.get('quote') or '', 80)}», not in {others}"
    removed, added = _facts(detail.get("removed") or []), _facts(detail.get("added") or [])
    change = f"{removed} → {added}" if removed and added else (
        f"added {added}" if added else f"took out {removed}")
    hours = detail.get("window_hours", 6)
    state = f"{others} still had the old text after {hours:g} h"
    if row.get("closed_how") == store.CARRIED:
        state = f"{others} carried it only at {when(row['closed_at'])}"
    elif row.get("closed_how") == store.WITHDRAWN:
        state = f"withdrawn by {mine} at {when(row['closed_at'])}"
    return f"{mine} changed {change} at {when(detail.get('made_at'))}; {state}"


def brief(row: dict) -> str:
    """What a divergence is in figures and edition codes only, for readers of any language:
    `en 10 · kk, ru 12`, `kk: 1,5 млрд теңге`, `en: «…»`, `ru 12 → 14 · en`."""
    detail, (mine, others) = row["detail"], _languages(row)
    if row["kind"] == "figure":
        says = detail["says"]
        own = (says.get(str(row["article_id"])) or {}).get("text", "?")
        texts = " / ".join(sorted({fact["text"] for article, fact in says.items()
                                   if article != str(row["article_id"])}))
        return f"{mine} {own} · {others} {texts}"
    if row["kind"] in ("paragraph", "quote"):
        what = _facts(detail.get("facts") or []) or f"«{shorten(detail.get('quote') or '', 60)}»"
        return f"{mine}: {shorten(what, 80)} · ≠ {others}"
    removed, added = _facts(detail.get("removed") or []), _facts(detail.get("added") or [])
    return f"{mine} {removed or '-'} → {added or '-'} · {others}"


def divergence_brief(db, divergence_id: int | None) -> dict | None:
    """The kind and brief of a stored divergence, by its id (None when there is none)."""
    row = store.divergence(db, divergence_id) if divergence_id else None
    return {"kind": row["kind"], "brief": brief(row), "closed_how": row["closed_how"]} \
        if row else None


def divergence_line(db, divergence_id: int | None) -> str:
    """The summary of a stored divergence, by its id ("" when there is none)."""
    row = store.divergence(db, divergence_id) if divergence_id else None
    return f"{KIND_NAMES[row['kind']]}: {summary(row)}" if row else ""


def divergence_item(row: dict) -> dict:
    """A divergence as JSON: what, who says it, who does not, when, and its summary."""
    languages = row.get("other_languages") or {}
    return {"id": row["id"], "kind": row["kind"], "article_id": row["article_id"],
            "language": row.get("language"),
            "others": [{"article_id": o, "language": languages.get(o) or languages.get(str(o))}
                       for o in row["others"]],
            "found_at": row["found_at"], "closed_at": row["closed_at"],
            "closed_how": row["closed_how"], "summary": summary(row), "brief": brief(row),
            "detail": row["detail"]}


def _side_by_side(pair: dict, texts: dict[int, list[str]], languages: dict[int, str]) -> dict:
    report = pair["report"]
    left, right = report["left"], report["right"]
    left_texts, right_texts = texts.get(left, []), texts.get(right, [])

    def pick(source: list[str], indices: list[int]) -> list[str]:
        return [source[i] for i in indices if i < len(source) and source[i]]

    rows = [{"left": pick(left_texts, g["left"]), "right": pick(right_texts, g["right"]),
             "paired": g["how"]} for g in report["groups"]]
    rows += [{"left": pick(left_texts, [i]), "right": [], "paired": "only"}
             for i in report["left_only"]]
    rows += [{"left": [], "right": pick(right_texts, [j]), "paired": "only"}
             for j in report["right_only"]]
    return {"left": {"article_id": left, "language": languages.get(left)},
            "right": {"article_id": right, "language": languages.get(right)},
            "compared_at": pair["compared_at"], "versions": pair["versions"],
            "shortened": [{"article_id": a, "language": languages.get(a)}
                          for a in report["shortened"]],
            "rows": [row for row in rows if row["left"] or row["right"]]}


def compare_data(archive, article_id: int) -> dict:
    """The stored comparison of the story an article belongs to: its editions, its divergences
    (open and closed), the edits of each edition and whether the others carried them, and
    each pair of editions' paragraphs side by side."""
    db = archive.db
    ids = store.members(db, article_id)
    editions, texts, languages = [], {}, {}
    for member in ids:
        state = archive.article(member)
        record = state["record"]
        languages[member] = state["language"]
        texts[member] = [record.get("lead") or "", *(record.get("body") or [])]
        editions.append({"article_id": member, "outlet": name_of(state.get("outlet")),
                         "language": state["language"], "title": record["title"],
                         "url": state["url"],
                         "version": state["current_version"], "status": state["status"]})
    findings = []
    for row in store.divergence_rows(db, ids):
        row["other_languages"] = {o: languages.get(o) for o in row["others"]}
        findings.append(divergence_item(row))
    edits = [{"id": e["id"], "article_id": e["article_id"], "language": e["language"],
              "made_at": e["made_at"], "other": {"article_id": e["other_id"],
                                                 "language": e["other_language"]},
              "status": e["status"], "closed_at": e["closed_at"],
              "reported": e["divergence_id"] is not None,
              "removed": e["detail"]["removed"], "added": e["detail"]["added"],
              "old_text": e["detail"]["old_text"], "new_text": e["detail"]["new_text"],
              "counterpart": e["detail"].get("counterpart")}
             for e in store.edit_rows(db, ids)]
    pairs = [_side_by_side(pair, texts, languages) for pair in store.pair_rows(db, ids)]
    open_findings = [f for f in findings if f["closed_at"] is None]
    return {"story": ids[0], "article_id": article_id, "editions": editions,
            "diverges": bool(open_findings), "open": len(open_findings),
            "findings": findings, "edits": edits, "pairs": pairs}


def compare_text(data: dict) -> str:
    """The comparison for the terminal: editions, what diverges (open, then closed), edits and
    whether they were carried, and each pair's paragraphs side by side."""
    lines = [f"story {data['story']}: " + ", ".join(
        f"{e['language']} {e['article_id']} (v{e['version']})" for e in data["editions"])]
    if len(data["editions"]) < 2:
        return lines[0] + "\nNo other edition of this story is archived: nothing to compare."
    open_ones = [f for f in data["findings"] if f["closed_at"] is None]
    closed = [f for f in data["findings"] if f["closed_at"] is not None]
    lines.append(f"{len(open_ones)} open divergence{'s' if len(open_ones) != 1 else ''}"
                 if open_ones else "The editions say the same: no open divergence.")
    for finding in open_ones:
        lines.append(f"  [{finding['kind']}] {finding['summary']}  (found {when(finding['found_at'])} "
                     f"{zone_name()})")
    if closed:
        lines += ["", "closed:"]
        lines += [f"  [{f['kind']}] {f['summary']}  ({f['closed_how']} {when(f['closed_at'])})"
                  for f in closed]
    if data["edits"]:
        lines += ["", "edits of one edition, and the others:"]
        rows = [[when(e["made_at"]), e["language"], e["other"]["language"], e["status"]
                 + (" (reported)" if e["reported"] else ""),
                 shorten(f"{_facts(e['removed']) or '-'} → {_facts(e['added']) or '-'}", 50)]
                for e in data["edits"]]
        lines.append(table([f"made ({zone_name()})", "ed", "other", "status", "facts"], rows))
    for pair in data["pairs"]:
        left, right = pair["left"], pair["right"]
        note = ""
        if pair["shortened"]:
            note = " (" + ", ".join(s["language"] for s in pair["shortened"]) + " shortened)"
        lines += ["", f"{left['language']} {left['article_id']} | {right['language']} "
                      f"{right['article_id']}{note}"]
        for row in pair["rows"]:
            mark = {"only": "≠", "order": "~"}.get(row["paired"], "=")
            lines.append(f"{mark} {shorten(' '.join(row['left']), TEXT_WIDTH) or '-':<{TEXT_WIDTH}}"
                         f" | {shorten(' '.join(row['right']), TEXT_WIDTH) or '-'}")
    return "\n".join(lines)


def status_line(counts: dict) -> str:
    """How many stories diverge, for `status`."""
    open_ones = ", ".join(f"{kind} {n}" for kind, n in sorted(counts["open"].items()))
    if not counts["stories"]:
        return (f"editions: {counts['editions_compared']} compared, no story whose editions "
                "diverge")
    return (f"editions: {counts['stories']} stor{'ies' if counts['stories'] != 1 else 'y'} whose "
            f"editions diverge ({open_ones}); {counts['editions_compared']} editions compared")
