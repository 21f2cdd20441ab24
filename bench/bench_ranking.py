"""Benchmark: the ranking of a search alone, on indexes of 10,000, 100,000 and 1,000,000 articles.

An index-only archive holds the articles' full-text index and nothing else: the stemmed text
of N articles of bench/build_archive.py's generated text (its pools of paragraphs, headlines
and leads), the columns as written left empty; it is built in minutes where a whole archive of
a million articles takes hours on a busy machine. Each of bench/bench_search.py's queries,
compiled as `storage.search.search` compiles it (filters left out: there is no articles table),
is timed in CPU: the window alone (the newest RANK_WINDOW matches), bm25 of one row (what
FTS5 reads before it scores the first row: every match of every phrase), the window ranked in
one pass (this code) and the two queries that ranked it before, fastest of 3.

    python bench/bench_ranking.py --articles 10000 100000 1000000
"""

from __future__ import annotations

import argparse
import math
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from random import Random

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_search import QUERIES  # noqa: E402
from bench.build_archive import LANGUAGE_SHARES, POOL, Texts  # noqa: E402
from replay import text as words  # noqa: E402
from storage.search import (  # noqa: E402
    ARTICLE_FTS_COLUMNS,
    ARTICLE_WEIGHTS,
    RANK_WINDOW,
    STEM_COLUMNS,
    compile_query,
)

BATCH = 20_000
PIECES = 500  # headlines and leads per language and topic
PIECES_SEED = 5


def build(path: Path, count: int, seed: int = 11) -> float:
    """Write an index-only archive of `count` articles; seconds it took."""
    started = time.perf_counter()
    texts = Texts(seed)
    rng = Random(PIECES_SEED)
    keys = [(language, topic) for language in ("ru", "kk", "en") for topic in words.TOPICS]
    heads = {key: [texts.stem(words.headline(rng, *key), key[0]) for _ in range(PIECES)]
             for key in keys}
    leads = {key: [texts.stem(words.lead(rng, *key), key[0]) for _ in range(PIECES)]
             for key in keys}
    bodies = {key: [texts.stem(paragraph, key[0]) for paragraph in texts.pool[key]]
              for key in keys}
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    columns = ", ".join(ARTICLE_FTS_COLUMNS)
    db.execute(f"CREATE VIRTUAL TABLE articles_fts USING fts5({columns}, content='',"
               " tokenize='unicode61 remove_diacritics 2')")
    db.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES ('automerge', 0)")
    insert = (f"INSERT INTO articles_fts (rowid, {columns})"
              f" VALUES ({', '.join('?' for _ in range(len(ARTICLE_FTS_COLUMNS) + 1))})")
    rows = []
    for number in range(count):
        pick = Random(number)
        key = (pick.choice(LANGUAGE_SHARES), pick.choice(words.TOPICS))
        body = " ".join(bodies[key][pick.randrange(POOL)] for _ in range(pick.randint(4, 12)))
        rows.append((number + 1, "", "", "", "", "", pick.choice(heads[key]),
                     pick.choice(leads[key]), body, "", ""))
        if len(rows) == BATCH:
            db.executemany(insert, rows)
            rows.clear()
    db.executemany(insert, rows)
    db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('optimize')")
    db.commit()
    db.close()
    return time.perf_counter() - started


def cached(count: int) -> Path:
    path = Path(tempfile.gettempdir()) / f"mediawatch-bench-ranking-{count}.db"
    if not path.exists():
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        print(f"building {path}", file=sys.stderr)
        build(partial, count)
        partial.rename(path)
    return path


def _cpu(db, sql: str, params: list, runs: int = 3) -> float:
    best = math.inf
    for _ in range(runs):
        started = time.process_time()
        db.execute(sql, params).fetchall()
        best = min(best, time.process_time() - started)
    return best * 1000


def _before(db, match: str, marks: str) -> None:
    """The ranking as it was: the window's cutoff, then bm25 of every match after it."""
    cutoff = db.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?"
                        " ORDER BY rowid DESC LIMIT 1 OFFSET ?", [match, RANK_WINDOW]).fetchall()
    extra, params = (" AND rowid > ?", [cutoff[0][0]]) if cutoff else ("", [])
    db.execute(f"SELECT rowid, bm25(articles_fts, {marks}) AS score FROM articles_fts"
               f" WHERE articles_fts MATCH ?{extra} ORDER BY score LIMIT 21",
               [*ARTICLE_WEIGHTS, match, *params]).fetchall()


def measure(path: Path) -> dict:
    db = sqlite3.connect(path)
    marks = ", ".join("?" for _ in ARTICLE_WEIGHTS)
    found: dict[str, list[float]] = {"window": [], "idf": [], "ranked": [], "before": []}
    for query, filters in QUERIES:
        match = f"{{{' '.join(STEM_COLUMNS)}}} : ({compile_query(query, filters.get('language')).expression})"
        newest = "FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rowid DESC LIMIT ?"
        found["window"].append(_cpu(db, f"SELECT rowid {newest}", [match, RANK_WINDOW]))
        scored = f"SELECT rowid, bm25(articles_fts, {marks}) {newest}"
        found["idf"].append(_cpu(db, scored, [*ARTICLE_WEIGHTS, match, 1]))
        found["ranked"].append(_cpu(db, scored, [*ARTICLE_WEIGHTS, match, RANK_WINDOW]))
        best = math.inf
        for _ in range(3):
            started = time.process_time()
            _before(db, match, marks)
            best = min(best, time.process_time() - started)
        found["before"].append(best * 1000)
    articles = db.execute("SELECT count(*) FROM articles_fts_docsize").fetchone()[0]
    db.close()
    return {"articles": articles, **found}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--index", type=Path, action="append", default=[],
                        help="measure this index-only archive instead (repeatable)")
    args = parser.parse_args()
    print("| articles | window p50 / p95 | bm25 of one row p50 / p95 / max | ranked window "
          "p50 / p95 / max | before: two queries p50 / p95 / max |")
    print("| --- | --- | --- | --- | --- |")
    for path in args.index or [cached(count) for count in args.articles]:
        result = measure(path)
        cells = [f"{result['articles']:,}"]
        for name in ("window", "idf", "ranked", "before"):
            values = result[name]
            shown = [statistics.median(values), percentile(values, 0.95)]
            if name != "window":
                shown.append(max(values))
            cells.append(" / ".join(f"{value:.1f}" for value in shown) + " ms")
        print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
