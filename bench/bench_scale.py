"""Benchmark: search, the search page and the change list as the archive grows (10,000, 100,000
and 1,000,000 articles), wall and CPU time, and the archive's size per 100,000 articles.

Archives come from bench/build_archive.py (cached in the temp directory, keyed by their size
and the storage code), or are named with --archive. Each of bench/bench_search.py's queries
runs through `storage.search.search` RUNS times after a warm-up; the reading room's search page
(the same queries) and change list (bench/bench_web.py's questions) are asked through
Starlette's TestClient, their time read from the Server-Timing header and their CPU time
measured in this process. With --profile, where `storage.search` spends its CPU time, query by
query (fastest of 3): the whole search, its ranked window (bm25 included), the window alone
(the newest matches that pass the filters, not ranked) and the search page's counts per edition.

    python bench/bench_scale.py --archive F [--profile]
"""

from __future__ import annotations

import argparse
import hashlib
import math
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from starlette.testclient import TestClient  # noqa: E402

from bench import build_archive  # noqa: E402
from bench.bench_search import QUERIES  # noqa: E402
from bench.common import ms  # noqa: E402
from storage import search as searching  # noqa: E402
from storage.archive import Archive  # noqa: E402
from storage.search import search  # noqa: E402
from web.app import create_app  # noqa: E402

RUNS = 3
SIZES = (10_000, 100_000, 1_000_000)
TARGETS = {"search": 0.050, "search page": 0.100, "change list": 0.100}
SOURCES = ("bench/build_archive.py", "storage/migrations.py", "storage/search.py",
           "storage/text.py", "storage/kazakh.py", "storage/russian.py", "replay/text.py")


def archive_path(articles: int) -> Path:
    """Where the built archive is cached: keyed by its size and the code that writes it."""
    digest = hashlib.sha256()
    for name in SOURCES:
        digest.update((ROOT / name).read_bytes())
    return Path(tempfile.gettempdir()) / f"mediawatch-bench-scale-{articles}-{digest.hexdigest()[:10]}.db"


def cached_archive(articles: int) -> tuple[Path, dict | None]:
    path = archive_path(articles)
    if path.exists():
        return path, None
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    print(f"building {path} ({articles:,} articles)", file=sys.stderr)
    took = build_archive.build(partial, articles)
    partial.rename(path)
    return path, took


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def spread(wall: list[float], cpu: list[float]) -> dict:
    return {"p50": statistics.median(wall), "p95": percentile(wall, 0.95), "max": max(wall),
            "cpu_p50": statistics.median(cpu), "cpu_p95": percentile(cpu, 0.95)}


def time_search(db) -> tuple[dict, list[tuple[float, str]]]:
    """storage.search over every query, RUNS times after one warm-up pass."""
    wall, cpu, slowest = [], [], {}
    for run in range(RUNS + 1):
        for query, filters in QUERIES:
            started, started_cpu = time.perf_counter(), time.process_time()
            search(db, query, **filters)
            took = time.perf_counter() - started
            if run:
                wall.append(took)
                cpu.append(time.process_time() - started_cpu)
                name = f"{query} {filters or ''}".strip()
                slowest[name] = max(took, slowest.get(name, 0))
    return spread(wall, cpu), sorted(((s, q) for q, s in slowest.items()), reverse=True)[:3]


def addresses() -> dict[str, list[str]]:
    since = build_archive.REVISIONS_FROM.strftime("%Y-%m-%d")
    day = (build_archive.REVISIONS_FROM
           + timedelta(days=build_archive.REVISIONS_DAYS - 1)).strftime("%Y-%m-%d")
    changes = [f"/?since={since}", f"/?since={day}", f"/?since={since}&edition=kk",
               f"/?since={since}&kind=headline&kind=removed",
               f"/?since={since}&edition=en&kind=rewrite", f"/?since={since}&page=5", "/",
               "/?page=20", "/?kind=removed", "/?edition=en&kind=rewrite"]
    pages = []
    for query, filters in QUERIES:
        params = {"q": query, "edition": filters.get("language"), "section": filters.get("section"),
                  "author": filters.get("author"), "since": filters.get("date_from"),
                  "until": filters.get("date_to")}
        pages.append("/search?" + urlencode({k: v for k, v in params.items() if v}))
    return {"search page": pages, "change list": changes}


def time_pages(client: TestClient, pages: list[str]) -> tuple[dict, list[tuple[float, str]]]:
    """Server time (Server-Timing) and this process's CPU time per request, RUNS times after a
    warm-up pass."""
    for address in pages:
        assert client.get(address).status_code == 200, address
    wall, cpu, slowest = [], [], {}
    for _ in range(RUNS):
        for address in pages:
            started = time.process_time()
            answer = client.get(address)
            cpu.append(time.process_time() - started)
            took = float(answer.headers["server-timing"].split("dur=")[1]) / 1000
            wall.append(took)
            slowest[address] = max(took, slowest.get(address, 0))
    return spread(wall, cpu), sorted(((s, a) for a, s in slowest.items()), reverse=True)[:3]


def size(path: Path) -> dict:
    """Bytes of the archive by table, with and without the captures."""
    db = sqlite3.connect(path)
    total = db.execute("SELECT sum(pgsize) FROM dbstat").fetchone()[0]
    captures = db.execute("SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = 'captures'"
                          ).fetchone()[0]
    db.close()
    return {"bytes": total, "without_captures": total - captures}


def measure(path: Path) -> dict:
    with Archive(path) as archive:  # migrated in place if the schema moved on
        articles = archive.db.execute("SELECT count(*) FROM articles").fetchone()[0]
        versions = archive.db.execute("SELECT count(*) FROM versions").fetchone()[0]
    result = {"path": str(path), "articles": articles, "versions": versions, **size(path)}
    with Archive(path, readonly=True) as archive:
        result["search"], result["search slowest"] = time_search(archive.db)
    client = TestClient(create_app(str(path)), base_url="http://127.0.0.1:8000")
    for kind, pages in addresses().items():
        result[kind], result[f"{kind} slowest"] = time_pages(client, pages)
    return result


def _fastest(work, runs: int = RUNS) -> float:
    """CPU seconds of the fastest of `runs` calls."""
    best = math.inf
    for _ in range(runs):
        started = time.process_time()
        work()
        best = min(best, time.process_time() - started)
    return best


def _parts(db, query: str, filters: dict) -> tuple[float, float, float, float]:
    """CPU seconds of one query: search, its ranked window, the window alone, the counts."""
    compiled = searching.compile_query(query, filters.get("language"))
    joins, clauses, params = searching._current_filters(
        filters.get("language"), filters.get("section"), filters.get("author"),
        filters.get("date_from"), filters.get("date_to"))
    joins = " CROSS JOIN articles a ON a.id = articles_fts.rowid" + joins
    match = f"{{{' '.join(searching.STEM_COLUMNS)}}} : ({compiled.expression})"
    window = (f"SELECT articles_fts.rowid FROM articles_fts{joins if clauses else ''}"
              f" WHERE articles_fts MATCH ?{clauses} ORDER BY articles_fts.rowid DESC LIMIT ?")
    counted = {key: value for key, value in filters.items() if key != "language"}
    search(db, query, **filters)
    return (_fastest(lambda: search(db, query, **filters)),
            _fastest(lambda: searching._ranked(db, "articles_fts", joins,
                                               searching.ARTICLE_WEIGHTS, match, clauses,
                                               params, 20, 0)),
            _fastest(lambda: db.execute(window, [match, *params, searching.RANK_WINDOW]
                                        ).fetchall()),
            _fastest(lambda: searching.edition_counts(db, query, **counted)))


def profile(path: Path) -> str:
    """Per query, slowest first, CPU: search, its ranked window, the window alone, counts."""
    lines = ["| query | `storage.search` | ranked window (bm25) | window alone | counts per "
             "edition |", "| --- | --- | --- | --- | --- |"]
    with Archive(path, readonly=True) as archive:
        archive.db.register_function(searching.fold, name="mw_fold", deterministic=True)
        timed = sorted(((*_parts(archive.db, query, filters),
                         f"{query} {filters or ''}".strip()) for query, filters in QUERIES),
                       reverse=True)
    for total, ranked, window, counts, name in timed:
        lines.append(f"| {name} | {ms(total)} | {ms(ranked)} | {ms(window)} | {ms(counts)} |")
    return "\n".join(lines)


def report(results: list[dict]) -> str:
    lines = ["| articles | versions | size (no captures) | per 100,000 articles | search p50 / p95 / "
             "max (CPU p95) | search page p50 / p95 / max (CPU p95) | change list p50 / p95 / "
             "max (CPU p95) |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in results:
        cells = [f"{r['articles']:,}", f"{r['versions']:,}", f"{r['bytes'] / 1e9:,.2f} GB",
                 f"{r['bytes'] / r['articles'] * 1e5 / 1e9:,.2f} GB"]
        for kind in ("search", "search page", "change list"):
            t = r[kind]
            cells.append(f"{ms(t['p50'])} / {ms(t['p95'])} / {ms(t['max'])} "
                         f"({ms(t['cpu_p95'])})")
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for r in results:
        for kind, target in TARGETS.items():
            met = "met" if r[kind]["p95"] <= target else "MISSED"
            slow = "; ".join(f"{what} {ms(s)}" for s, what in r[f"{kind} slowest"])
            lines.append(f"- {r['articles']:,} articles, {kind}: p95 {ms(r[kind]['p95'])} "
                         f"(target {ms(target)}: {met}); slowest: {slow}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--archive", type=Path, action="append", default=[],
                        help="measure this archive instead of building one (repeatable)")
    parser.add_argument("--profile", action="store_true",
                        help="also where storage.search spends its time, query by query")
    args = parser.parse_args()
    paths = args.archive or [cached_archive(n)[0] for n in args.articles]
    results = []
    for path in paths:
        results.append(measure(path))
        print(report(results[-1:]), file=sys.stderr, flush=True)
    print(report(results))
    if args.profile:
        for path, result in zip(paths, results, strict=True):
            print(f"\n{result['articles']:,} articles, CPU time per query (fastest of {RUNS}):")
            print(profile(path))


if __name__ == "__main__":
    main()
