"""Benchmark: what a long query costs without and with the query limits, the time budget and the
stop for a reader who went away."""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import anyio  # noqa: E402
from starlette.requests import Request  # noqa: E402

from bench.bench_search import QUERIES, cached_archive  # noqa: E402
from bench.common import ms, print_result, row  # noqa: E402
from storage import budget, search  # noqa: E402
from storage.archive import Archive  # noqa: E402
from storage.budget import cancel_when  # noqa: E402
from web.app import while_connected  # noqa: E402

ARTICLES = 4_000
SEED = 11
LONG = " ".join(["п*"] * 300)  # 300 prefix terms, each walking every indexed word it begins
# The costliest kind of query the limits let through: four one-letter prefixes and 28 common
# words, all joined by OR.
WIDEST = " OR ".join(["п*", "с*", "к*", "н*", *("власти решение депутаты митинг акция выборы "
                                               "партию тенге закон суд город люди году страны "
                                               "жители Алматы").split() * 2][:32])
LEAVES_AFTER_S = 0.2


@contextmanager
def without_limits():
    """The search as it was before the limits: any number of terms, prefixes and levels, and
    no time limit."""
    saved = (search.MAX_TERMS, search.MAX_PREFIXES, search.MAX_DEPTH, search.TIME_LIMIT)
    search.MAX_TERMS = search.MAX_PREFIXES = search.MAX_DEPTH = 10**6
    search.TIME_LIMIT = 10**6
    try:
        yield
    finally:
        search.MAX_TERMS, search.MAX_PREFIXES, search.MAX_DEPTH, search.TIME_LIMIT = saved


def timed(function) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of this thread, outcome) of one call."""
    wall, cpu = time.perf_counter(), time.thread_time()
    try:
        function()
        outcome = "answered"
    except search.SearchQueryError as exc:
        outcome = str(exc)
    return time.perf_counter() - wall, time.thread_time() - cpu, outcome


def reader_leaves(db: str, query: str, stop: bool) -> tuple[float, float]:
    """(seconds until the work ended, CPU seconds it spent) for a reading-room request whose
    reader disconnects after LEAVES_AFTER_S; without `stop`, the work is not told."""
    spent: dict = {}

    def work(gone: threading.Event):
        cpu = time.thread_time()
        archive = Archive(db, readonly=True)
        if stop:
            cancel_when(archive.db, gone.is_set)
        try:
            archive.search(query)
        except budget.Cancelled:
            pass
        finally:
            archive.close()
            spent["cpu"] = time.thread_time() - cpu

    async def request():
        messages = [{"type": "http.request", "body": b"", "more_body": False}]

        async def receive():
            if messages:
                return messages.pop(0)
            await anyio.sleep(LEAVES_AFTER_S)
            return {"type": "http.disconnect"}

        scope = {"type": "http", "method": "GET", "path": "/search", "headers": [],
                 "query_string": b""}
        await while_connected(Request(scope, receive), work)

    started = time.perf_counter()
    with without_limits():
        anyio.run(request)
    return time.perf_counter() - started, spent["cpu"]


def query_mix(db: str, check_every: int) -> list[float]:
    """Seconds of each of the search benchmark's queries (3 runs after a warm-up), with the
    progress handler called every `check_every` steps (10**9: in effect never)."""
    saved = budget.CHECK_EVERY
    budget.CHECK_EVERY = check_every
    try:
        with Archive(db, readonly=True) as archive:
            for query, filters in QUERIES:
                archive.search(query, **filters)
            times = []
            for _ in range(3):
                for query, filters in QUERIES:
                    start = time.perf_counter()
                    archive.search(query, **filters)
                    times.append(time.perf_counter() - start)
    finally:
        budget.CHECK_EVERY = saved
    return times


def run(articles: int = ARTICLES, seed: int = SEED) -> dict:
    path, _ = cached_archive(articles, seed)
    db = str(path)
    with Archive(db, readonly=True) as archive:
        count = archive.db.execute("SELECT count(*) FROM articles").fetchone()[0]
        with without_limits():
            before_s, before_cpu, _ = timed(lambda: archive.search(LONG))
        refused_s, _, refusal = timed(lambda: archive.search(LONG))
        widest_s, _, widest = timed(lambda: archive.search(WIDEST))
        limit = search.TIME_LIMIT
        with without_limits():
            stopped_s, _, stopped = timed(lambda: archive.search(LONG, seconds=limit))
    gone_s, gone_cpu = reader_leaves(db, LONG, stop=True)
    kept_s, kept_cpu = reader_leaves(db, LONG, stop=False)
    # In turns, three times each (the first runs also warm the page cache); the fastest of each.
    rounds = [(query_mix(db, 10**9), query_mix(db, budget.CHECK_EVERY)) for _ in range(3)]
    bare = min((times for times, _ in rounds), key=sum)
    guarded = min((times for _, times in rounds), key=sum)
    overhead = sum(guarded) / sum(bare) - 1
    rows = [
        row(f"300 prefix terms (`п*` × 300), {count:,} articles", f"refused in {ms(refused_s)}",
            f"without the limits: answered in {before_s:,.1f} s ({before_cpu:,.1f} s CPU)",
            f"{before_s / refused_s:,.0f}× sooner", "refused, naming the limit, ≤ 10 ms",
            refusal.startswith("too many") and refused_s <= 0.010),
        row(f"the widest query the limits allow (4 one-letter prefixes and 28 words, OR), "
            f"{count:,} articles", f"{widest_s:,.2f} s", f"time limit {search.TIME_LIMIT:g} s",
            f"{widest_s / search.TIME_LIMIT:.0%} of it", "answered within the time limit",
            widest == "answered" and widest_s < search.TIME_LIMIT),
        row("reading room: reader leaves 0.2 s into the 300-prefix search (limits lifted)",
            f"work ends after {gone_s:,.2f} s ({gone_cpu:,.2f} s CPU)",
            f"not told: {kept_s:,.1f} s ({kept_cpu:,.1f} s CPU)", f"{kept_cpu / gone_cpu:,.0f}× "
            "less CPU", "ends within 1 s of the reader leaving", gone_s <= LEAVES_AFTER_S + 1),
        row(f"progress handler on {len(QUERIES)} queries × 3 (fastest of 3 rounds), "
            f"{count:,} articles",
            f"{sum(guarded):,.2f} s", f"without it: {sum(bare):,.2f} s", f"{overhead:+.1%}",
            "≤ +10%", overhead <= 0.10),
    ]
    details = {
        "archive": f"{count:,} articles (ru/kk/en), the search benchmark's generator, seed {seed}",
        "limits": f"{search.MAX_TERMS} words, {search.MAX_PREFIXES} prefix searches, "
                  f"{search.MAX_DEPTH} levels of parentheses, {search.TIME_LIMIT:g} s",
        "300 prefix terms, refused with": refusal,
        "300 prefix terms, limits lifted, default time limit": f"{stopped} ({stopped_s:,.2f} s)",
        "query mix p50 with / without the handler": f"{ms(statistics.median(guarded))} / "
                                                    f"{ms(statistics.median(bare))}",
    }
    return {"name": "queries", "rows": rows, "details": details}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=ARTICLES)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    print_result(run(args.articles, args.seed))


if __name__ == "__main__":
    main()
