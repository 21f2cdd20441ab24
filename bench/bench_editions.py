"""What one edition says and another does not, scored on the replay's truth.

Stories told in Russian, Kazakh and English by `replay/editions.py` are archived through
`Archive.record_page` (the path a crawl takes after extraction), their editions in a random
order, and what the archive reports (`storage.divergence`) is scored against each story's
truth:

- divergent facts: stories with a figure changed in one edition, a paragraph only in one, or a
  quotation only in one; every divergence ever reported (open or closed since) counts, so a
  false alarm later withdrawn still costs precision;
- faithful stories (split, merged, moved or shortened editions): a story is reported as
  divergent when any divergence is ever reported on it;
- edits not carried: one edition changes a figure some hours after publication; each other
  edition carries it soon (within the window), late (after it) or never; an (edit, edition)
  pair not carried within the window must be reported, no other;
- cost: the comparison per story (`compare_story`), and archiving a version with and without it.

Usage: `python bench/bench_editions.py [--faithful N] [--divergent N] [--edits N]`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import print_result, row  # noqa: E402

LANGUAGE_SETS = (("ru", "kk", "en"), ("ru", "kk", "en"), ("ru", "en"), ("ru", "kk"), ("kk", "en"))
START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
WINDOW = timedelta(hours=6)
SOON = (timedelta(minutes=5), timedelta(hours=4))  # carried within the window
LATE = (timedelta(hours=7), timedelta(hours=40))  # carried after it
TARGETS = {"precision": 0.95, "recall": 0.90, "faithful": 0.01}


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _record(article_id: int, language: str, lead: str, body: list[str], others: list[int],
            published: str):
    from storage.records import ArticleRecord

    return ArticleRecord(
        article_id=article_id, language=language, url=f"https://vlast.kz/story/{article_id}-a.html",
        section="english" if language == "en" else "novosti", slug="a", title=f"Story {article_id}",
        lead=lead, body=body, published=published,
        translations=[f"https://vlast.kz/story/{other}-a.html" for other in others])


class Bench:
    """An archive the stories are written into, one version at a time."""

    def __init__(self, folder: str, name: str) -> None:
        from storage.archive import Archive

        self.archive = Archive(Path(folder) / f"{name}.db", carry_window=WINDOW)
        self.next_id = 100_000
        self.seconds = 0.0
        self.versions = 0
        self.published: dict[int, str] = {}  # each story its own time: editions are linked by it

    def ids(self, count: int) -> list[int]:
        made = list(range(self.next_id, self.next_id + count))
        moment = _stamp(START + timedelta(minutes=self.next_id)).replace("Z", "+00:00")
        self.published.update(dict.fromkeys(made, moment))
        self.next_id += count + 7
        return made

    def write(self, article_id: int, language: str, told: tuple[str, list[str]],
              others: list[int], at: datetime) -> None:
        lead, body = told
        started = time.perf_counter()
        self.archive.record_page(None, f"https://vlast.kz/story/{article_id}-a.html", 200, {},
                                 b"<html></html>",
                                 _record(article_id, language, lead, body, others,
                                         self.published[article_id]),
                                 _stamp(at), edition_ids=others)
        self.seconds += time.perf_counter() - started
        self.versions += 1

    def divergences(self, ids: list[int], kinds: tuple[str, ...]) -> list[dict]:
        from storage.divergence import divergence_rows

        return [row for row in divergence_rows(self.archive.db, ids) if row["kind"] in kinds]


# ---- divergent facts ----------------------------------------------------------------------------

def _key(kind: str, value: str, unit: str) -> str:
    if kind == "year":
        kind = "number"
    if kind == "date":
        value = value.replace("-??", "")
    return f"{kind}:{value}" + (f":{unit}" if unit else "")


def _truth_key(key: str) -> str:
    kind, rest = key.split(":", 1)
    return f"number:{rest}" if kind == "year" else key


def matches(found: dict, truth, extra: str, language_of: dict[int, str]) -> bool:
    """Whether a reported divergence (a storage.divergence row) is the story's truth: the two
    values of a changed figure; a paragraph (its figures, or its text) or quotation in the
    edition that carries it."""
    if truth.kind is None:
        return False
    detail = found["detail"]
    if found["kind"] == "figure":
        values = {_key(fact["kind"], fact["value"], fact["unit"]) for fact in detail["says"].values()}
        return truth.kind == "figure" and values == {_truth_key(k) for k in truth.values}
    if language_of.get(found["article_id"]) != truth.language:
        return False
    facts = {_key(f["kind"], f["value"], f["unit"]) for f in detail.get("facts") or []}
    if truth.kind == "paragraph":
        return bool(facts) and facts <= {_truth_key(k) for k in truth.values} or (
            bool(extra) and extra in (detail.get("text") or ""))
    return not facts and truth.quote in (detail.get("text") or detail.get("quote") or "")


def score_facts(faithful: int, divergent: int, seed: int = 1) -> dict:
    """Archive faithful and divergent stories; precision and recall of what is reported."""
    from replay.editions import DIVERGENCES, Telling, design, tell

    rng = Random(f"bench-editions:{seed}")
    counts = {kind: {"stories": 0, "found": 0, "reported": 0, "right": 0} for kind in DIVERGENCES}
    diverging_faithful, examples = 0, []
    with tempfile.TemporaryDirectory() as folder:
        bench = Bench(folder, "facts")
        plan = [None] * faithful + [kind for kind in DIVERGENCES for _ in range(divergent)]
        for number, kind in enumerate(plan):
            languages = rng.choice(LANGUAGE_SETS)
            story_seed = seed * 1_000_003 + number
            ids = bench.ids(len(languages))
            order = list(range(len(languages)))
            rng.shuffle(order)
            at = START + timedelta(minutes=number)
            for index in order:
                others = [ids[i] for i in range(len(languages)) if i != index]
                bench.write(ids[index], languages[index],
                            tell(Telling(story_seed, languages, languages[index], kind)), others,
                            at + timedelta(seconds=index))
            found = bench.divergences(ids, ("figure", "paragraph", "quote"))
            made = design(story_seed, languages, kind)
            if kind is None:
                diverging_faithful += bool(found)
                if found and len(examples) < 5:
                    examples.append((story_seed, languages, [f["kind"] for f in found]))
                continue
            language_of = dict(zip(ids, languages, strict=True))
            right = [f for f in found if matches(f, made.truth, made.extra_text(), language_of)]
            entry = counts[kind]
            entry["stories"] += 1
            entry["found"] += bool(right)
            entry["reported"] += len(found)
            entry["right"] += len(right)
        archived = bench.seconds / max(1, bench.versions)
        bench.archive.close()
    return {"counts": counts, "faithful": faithful, "diverging_faithful": diverging_faithful,
            "examples": examples, "seconds_per_version": archived}


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


# ---- edits not carried --------------------------------------------------------------------------

def score_edits(stories: int, seed: int = 2) -> dict:
    """Edits of one edition carried soon, late or never: what is reported as not carried."""
    from replay.editions import Telling, editable_facts, tell
    from storage.divergence import edit_rows

    rng = Random(f"bench-editions-edits:{seed}")
    truth: dict[tuple[int, int], str] = {}  # (edited, other) -> soon | late | never
    events: list[tuple[datetime, int, int, str, Telling, list[int]]] = []
    with tempfile.TemporaryDirectory() as folder:
        bench = Bench(folder, "edits")
        made_stories = []
        for number in range(stories):
            languages = rng.choice(LANGUAGE_SETS)
            story_seed = seed * 2_000_003 + number
            facts = editable_facts(story_seed, languages, None)
            if not facts:
                continue
            ids = bench.ids(len(languages))
            published = START + timedelta(minutes=7 * number)
            for index, language in enumerate(languages):
                others = [i for i in ids if i != ids[index]]
                events.append((published, 0, ids[index], language,
                               Telling(story_seed, languages, language), others))
            edited = rng.randrange(len(languages))
            fact = rng.choice(facts)
            made_at = published + timedelta(minutes=rng.randint(30, 600))
            change = ((fact, 1),)
            others = [i for i in ids if i != ids[edited]]
            events.append((made_at, 1, ids[edited], languages[edited],
                           Telling(story_seed, languages, languages[edited], None, change), others))
            for index, language in enumerate(languages):
                if index == edited:
                    continue
                fate = rng.choice(("soon", "late", "never"))
                truth[(ids[edited], ids[index])] = fate
                if fate == "never":
                    continue
                low, high = SOON if fate == "soon" else LATE
                delay = low + (high - low) * rng.random()
                events.append((made_at + delay, 2, ids[index], language,
                               Telling(story_seed, languages, language, None, change),
                               [i for i in ids if i != ids[index]]))
            made_stories.append(ids)
        end = max(event[0] for event in events)
        for at, _, article_id, language, telling, others in sorted(events, key=lambda e: e[:3]):
            bench.write(article_id, language, tell(telling), others, at)
        bench.archive.sweep_edits(_stamp(end + timedelta(days=3)))
        reported = set()
        false_facts = 0
        for ids in made_stories:
            for edit in edit_rows(bench.archive.db, ids):
                if edit["divergence_id"] is not None:
                    reported.add((edit["article_id"], edit["other_id"]))
            false_facts += len(bench.divergences(ids, ("figure", "paragraph", "quote")))
        bench.archive.close()
    wanted = {pair for pair, fate in truth.items() if fate != "soon"}
    return {"pairs": len(truth), "wanted": len(wanted), "reported": len(reported),
            "right": len(reported & wanted), "fates": {f: list(truth.values()).count(f)
                                                       for f in ("soon", "late", "never")},
            "stories": len(made_stories), "fact_divergences_in_edited_stories": false_facts}


# ---- cost ---------------------------------------------------------------------------------------

def comparison_cost(stories: int = 300, seed: int = 3) -> dict:
    """Median and 95th percentile of comparing a story's editions (three of them)."""
    from replay.editions import tell_story
    from storage.comparison import Edition, compare_story
    from storage.facts import read

    times = []
    for number in range(stories):
        story = tell_story(seed * 3_000_017 + number, ("ru", "kk", "en"), None)
        editions = [Edition(i, language, [lead, *body])
                    for i, (language, (lead, body)) in enumerate(story.editions.items())]
        read.cache_clear()  # each story's text read afresh, as a new version is
        started = time.perf_counter()
        compare_story(editions)
        times.append(time.perf_counter() - started)
    times.sort()
    return {"median": statistics.median(times), "p95": times[int(0.95 * (len(times) - 1))]}


def archiving_cost(stories: int = 150, seed: int = 4) -> dict:
    """Seconds per version archived with the comparison and with it left out."""
    from replay.editions import Telling, tell
    from storage import archive as archive_module

    result = {}
    for label in ("with", "without"):
        original = archive_module.divergence.on_version
        if label == "without":
            archive_module.divergence.on_version = lambda *args, **kwargs: None
        try:
            with tempfile.TemporaryDirectory() as folder:
                bench = Bench(folder, label)
                for number in range(stories):
                    languages = ("ru", "kk", "en")
                    ids = bench.ids(3)
                    for index, language in enumerate(languages):
                        bench.write(ids[index], language,
                                    tell(Telling(seed * 4_000_037 + number, languages, language)),
                                    [i for i in ids if i != ids[index]],
                                    START + timedelta(minutes=number))
                result[label] = bench.seconds / bench.versions
                bench.archive.close()
        finally:
            archive_module.divergence.on_version = original
    return result


# ---- the figures --------------------------------------------------------------------------------

def figures(facts: dict, edits: dict) -> dict:
    """Precision and recall per kind of divergence, and the faithful stories reported."""
    counts = facts["counts"]
    total = {key: sum(c[key] for c in counts.values()) for key in ("stories", "found", "reported", "right")}
    only = {key: counts["paragraph"][key] + counts["quote"][key] for key in total}
    return {
        "figure": (_ratio(counts["figure"]["right"], counts["figure"]["reported"]),
                   _ratio(counts["figure"]["found"], counts["figure"]["stories"])),
        "only_in_one": (_ratio(only["right"], only["reported"]),
                        _ratio(only["found"], only["stories"])),
        "facts": (_ratio(total["right"], total["reported"]), _ratio(total["found"], total["stories"])),
        "edits": (_ratio(edits["right"], edits["reported"]), _ratio(edits["right"], edits["wanted"])),
        "faithful": _ratio(facts["diverging_faithful"], facts["faithful"]),
    }


def met(result: dict) -> bool:
    """Whether every target is met: precision and recall of facts and edits, faithful stories."""
    return all(p >= TARGETS["precision"] and r >= TARGETS["recall"]
               for p, r in (result["facts"], result["edits"])) and \
        result["faithful"] <= TARGETS["faithful"]


def run(faithful: int = 1000, divergent: int = 300, edits: int = 400) -> dict:
    facts = score_facts(faithful, divergent)
    edit_scores = score_edits(edits)
    cost = comparison_cost()
    archiving = archiving_cost()
    result = figures(facts, edit_scores)

    def pr(pair: tuple[float, float]) -> str:
        return f"precision {pair[0]:.3f}, recall {pair[1]:.3f}"

    ok = lambda pair: pair[0] >= TARGETS["precision"] and pair[1] >= TARGETS["recall"]  # noqa: E731
    target = f"precision ≥ {TARGETS['precision']}, recall ≥ {TARGETS['recall']}"
    rows = [
        row(f"divergent facts, {3 * divergent:,} divergent stories (figures, paragraphs, "
            "quotations)", pr(result["facts"]), "the replay's truth", "-", target,
            ok(result["facts"])),
        row("edits not carried within 6 h, "
            f"{edit_scores['pairs']:,} (edit, edition) pairs", pr(result["edits"]),
            "the replay's truth", "-", target, ok(result["edits"])),
        row(f"faithful stories reported as divergent ({faithful:,}: split, merged, moved, "
            "shortened editions)", f"{facts['diverging_faithful']} ({result['faithful']:.1%})",
            "-", "-", f"≤ {TARGETS['faithful']:.0%}", result["faithful"] <= TARGETS["faithful"]),
        row("comparison of a story's three editions: median (p95)",
            f"{cost['median'] * 1000:.1f} ms ({cost['p95'] * 1000:.1f} ms)",
            f"archiving a version without it: {archiving['without'] * 1000:.1f} ms",
            f"{archiving['with'] / archiving['without']:.2f}× per version",
            "reading costs nothing (stored)", True),
    ]
    details = {
        "figures that differ": pr(result["figure"]),
        "paragraphs and quotations only in one edition": pr(result["only_in_one"]),
        "stories per kind of divergence": divergent,
        "divergences reported in divergent stories": sum(
            c["reported"] for c in facts["counts"].values()),
        "edits: fates of (edit, edition) pairs": ", ".join(
            f"{fate} {n}" for fate, n in edit_scores["fates"].items()),
        "edits: reported as not carried": f"{edit_scores['reported']} "
                                          f"({edit_scores['right']} right of {edit_scores['wanted']})",
        "divergent facts reported in the stories with edits": edit_scores[
            "fact_divergences_in_edited_stories"],
        "archiving a version with the comparison": f"{archiving['with'] * 1000:.1f} ms",
        "archiving a version, facts run": f"{facts['seconds_per_version'] * 1000:.1f} ms",
    }
    if facts["examples"]:
        details["faithful stories reported (seed, editions, kinds)"] = json.dumps(facts["examples"])
    return {"name": "editions", "rows": rows, "details": details, "figures": result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faithful", type=int, default=1000)
    parser.add_argument("--divergent", type=int, default=300)
    parser.add_argument("--edits", type=int, default=400)
    args = parser.parse_args()
    print_result(run(args.faithful, args.divergent, args.edits))


if __name__ == "__main__":
    main()
