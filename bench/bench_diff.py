"""Benchmark: paragraph-then-word diff of a long article against character-level difflib."""

from __future__ import annotations

import argparse
import multiprocessing
import random
import statistics
import sys
import time
from difflib import SequenceMatcher
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import row  # noqa: E402
from storage.changes import diff_records  # noqa: E402

SEED = 20231127
PARAGRAPHS = 200
TARGET_CHARS = 80_000
EDITS = 10
RUNS = 20
BASELINE_PREFIX = 8_000
BASELINE_CAP_S = 120.0
TARGET_S = 0.030

_SYLLABLES = "ка за ны ста ли ре ви про де мо на ти ра по ва ко ла ми си ту жа қа ұл ән".split()


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 4)))


def _sentence(rng: random.Random) -> str:
    words = [_word(rng) for _ in range(rng.randint(6, 14))]
    if rng.random() < 0.3:
        words.insert(rng.randrange(len(words)), str(rng.randint(1, 2024)))
    return words[0].capitalize() + " " + " ".join(words[1:]) + rng.choice([".", ".", "!", "?"])


def _paragraph(rng: random.Random, chars: int) -> str:
    text = ""
    while len(text) < chars:
        text += (" " if text else "") + _sentence(rng)
    return text


def _edit(rng: random.Random, body: list[str], number: int) -> None:
    """Apply one edit: a typo, a word swap, a new sentence, a new or a removed paragraph."""
    k = rng.randrange(len(body))
    kind = number % 5
    if kind == 0:
        pos = rng.randrange(len(body[k]) - 1)
        body[k] = body[k][:pos] + body[k][pos + 1] + body[k][pos] + body[k][pos + 2 :]
    elif kind == 1:
        words = body[k].split(" ")
        words[rng.randrange(len(words))] = _word(rng)
        body[k] = " ".join(words)
    elif kind == 2:
        body[k] = body[k] + " " + _sentence(rng)
    elif kind == 3:
        body.insert(k, _paragraph(rng, 300))
    else:
        del body[k]


def build_pair(seed: int = SEED) -> tuple[dict, dict]:
    """Two versions of an ~80,000-character article, with EDITS scattered edits."""
    rng = random.Random(seed)
    body = [_paragraph(rng, TARGET_CHARS // PARAGRAPHS - 30) for _ in range(PARAGRAPHS)]
    old = {"title": "Бенчмарк", "authors": ["Автор"], "modified": None, "body": body}
    new_body = list(body)
    for number in range(EDITS):
        _edit(rng, new_body, number)
    new = dict(old, body=new_body, modified="2023-11-28T10:00:00+06:00")
    return old, new


def time_diff(old: dict, new: dict, runs: int = RUNS) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        diff_records(old, new)
        times.append(time.perf_counter() - start)
    return times


def _char_baseline(a: str, b: str, conn) -> None:
    start = time.perf_counter()
    SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    conn.send(time.perf_counter() - start)


def time_baseline(a: str, b: str, cap_s: float = BASELINE_CAP_S) -> float | None:
    """Character-level difflib, run once in a child process; None if it exceeded ``cap_s``."""
    receiver, sender = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.Process(target=_char_baseline, args=(a, b, sender))
    process.start()
    elapsed = receiver.recv() if receiver.poll(cap_s) else None
    if process.is_alive():
        process.terminate()
    process.join()
    return elapsed


def run(full_baseline: bool = False) -> dict:
    """Time diff_records and the difflib baseline; return the figures in seconds."""
    old, new = build_pair()
    a, b = "\n".join(old["body"]), "\n".join(new["body"])
    times = time_diff(old, new)
    prefix = BASELINE_PREFIX
    baseline = time_baseline(a[:prefix], b[:prefix])
    figures = {
        "chars_old": len(a),
        "chars_new": len(b),
        "paragraphs": len(old["body"]),
        "edits": EDITS,
        "diff_runs": len(times),
        "diff_median_s": statistics.median(times),
        "diff_max_s": max(times),
        "baseline_prefix_chars": prefix,
        "baseline_prefix_s": baseline,
        "speedup_vs_prefix_baseline": baseline / statistics.median(times) if baseline else None,
    }
    if full_baseline:
        figures["baseline_full_s"] = time_baseline(a, b)
        figures["baseline_full_cap_s"] = BASELINE_CAP_S
    figures["rows"] = [_row(figures)]
    figures["details"] = {"article": f"{len(a):,} → {len(b):,} characters, "
                                     f"{len(old['body'])} paragraphs, {EDITS} scattered edits",
                          "diff_records, slowest of the runs": _ms(figures["diff_max_s"])}
    figures["name"] = "diff"
    return figures


def _row(figures: dict) -> dict:
    """The figure row: the median diff time against the character-level baseline."""
    median = figures["diff_median_s"]
    full = figures.get("baseline_full_s")
    if "baseline_full_s" in figures:
        baseline = (f"difflib chars, full text: {_ms(full)}" if full else
                    f"difflib chars, full text: over {figures['baseline_full_cap_s']:.0f} s")
        ratio = f"{full / median:,.0f}× faster" if full else \
            f"over {figures['baseline_full_cap_s'] / median:,.0f}× faster"
    else:
        baseline = (f"difflib chars on the first {figures['baseline_prefix_chars']:,} "
                    f"characters only: {_ms(figures['baseline_prefix_s'])}")
        speedup = figures["speedup_vs_prefix_baseline"]
        ratio = f"{speedup:,.0f}× faster than that prefix" if speedup else "baseline timed out"
    return row(f"diff of two versions, {figures['chars_old']:,} characters, {EDITS} edits",
               f"{_ms(median)} (median of {figures['diff_runs']})", baseline, ratio,
               f"≤ {_ms(TARGET_S)}", median <= TARGET_S)


def _ms(seconds: float | None) -> str:
    return "timed out" if seconds is None else f"{seconds * 1000:,.1f} ms"


def to_markdown(figures: dict) -> str:
    rows = [
        ("article", f"{figures['chars_old']:,} → {figures['chars_new']:,} chars, "
                    f"{figures['paragraphs']} paragraphs, {figures['edits']} edits"),
        (f"diff_records, median of {figures['diff_runs']}", _ms(figures["diff_median_s"])),
        ("diff_records, slowest run", _ms(figures["diff_max_s"])),
        (f"difflib chars, first {figures['baseline_prefix_chars']:,} chars only, 1 run",
         _ms(figures["baseline_prefix_s"])),
    ]
    speedup = figures["speedup_vs_prefix_baseline"]
    if speedup:
        rows.append(("speed-up vs that prefix baseline", f"{speedup:,.0f}×"))
    if "baseline_full_s" in figures:
        label = f"difflib chars, full text, 1 run (cap {figures['baseline_full_cap_s']:.0f} s)"
        rows.append((label, _ms(figures["baseline_full_s"])))
    lines = ["| measure | value |", "| --- | --- |"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full-baseline", action="store_true",
                        help="also time difflib on the full text (about 90 s, capped)")
    args = parser.parse_args()
    print(to_markdown(run(full_baseline=args.full_baseline)))


if __name__ == "__main__":
    main()
