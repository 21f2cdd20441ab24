"""Benchmark: full-text search over 100,000 archived articles against LIKE scans of the same queries."""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import ms, print_result, row  # noqa: E402
from replay import pages  # noqa: E402
from replay.corpus import Article, Corpus, State, iso  # noqa: E402
from storage.archive import Archive  # noqa: E402
from storage.db import write_transaction  # noqa: E402
from storage.records import ArticleRecord  # noqa: E402
from storage.search import search  # noqa: E402

ARTICLES = 100_000
SEED = 11
ORIGIN = "https://vlast.kz"
FETCHED_AT = "2026-01-21T08:00:00+00:00"
BATCH = 1_000
RUNS = 3
TARGET_P95_S = 0.050
# The cached archive is rebuilt when the schema or one of these files changes (how text is
# indexed, what the replay generates).
INDEX_SOURCES = ("storage/text.py", "storage/kazakh.py", "storage/russian.py", "storage/records.py",
                 "replay/corpus.py", "replay/text.py")

# (query, filters): common and rare words, phrases, prefixes and boolean queries in the three
# languages, with and without the language, section, author and date filters.
QUERIES: list[tuple[str, dict]] = [
    ("митинг", {}),
    ("митинга", {"language": "ru"}),
    ("депутаты", {}),
    ("Алматы", {}),
    ("власти", {"language": "ru"}),
    ("решение", {"date_from": "2025-01-01"}),
    ("Балхаше", {}),
    ("Конституцию", {"language": "ru"}),
    ("генплан", {}),
    ("Усть-Каменогорске", {}),
    ('"открытое письмо"', {}),
    ('"мирный митинг"', {"language": "ru"}),
    ('"уровень воды"', {"section": "obsshestvo"}),
    ("митинг*", {}),
    ("эколог*", {"language": "ru"}),
    ("митинг OR акция", {"language": "ru", "date_from": "2024-01-01"}),
    ("выборы AND партию", {}),
    ("тенге NOT ВВП", {"language": "ru"}),
    ("(митинг OR протесты) AND Алматы", {}),
    ("законопроект", {"author": "логинова"}),
    ("выборы", {"section": "politika", "date_from": "2023-01-01", "date_to": "2024-12-31"}),
    ("тұрғындары", {}),
    ("Алматыда", {"language": "kk"}),
    ("митингке", {}),
    ("сайлау", {}),
    ("депутаттары", {"language": "kk"}),
    ("Балқаш", {}),
    ("Конституцияға", {}),
    ("теңгенің", {"language": "kk"}),
    ('"ашық хат"', {}),
    ('"бейбіт митинг"', {"language": "kk"}),
    ("сайлау*", {}),
    ("қала*", {"language": "kk"}),
    ("шеру OR наразылық", {}),
    ("сайлау", {"author": "өмірзақ", "date_from": "2022-01-01"}),
    ("Оскеменде", {}),
    ("алаңға", {"language": "kk"}),
    ("Казахстане", {"language": "ru"}),
    ("residents", {}),
    ("Almaty", {"language": "en"}),
    ("rally", {}),
    ("election", {}),
    ("Balkhash", {}),
    ("Constitution", {"language": "en"}),
    ("tenge", {}),
    ('"open letter"', {}),
    ('"peaceful rally"', {"language": "en"}),
    ("elect*", {}),
    ("protest*", {"language": "en", "date_to": "2023-06-30"}),
    ("rally OR protest", {}),
    ("tenge AND forecast", {"language": "en"}),
    ("water", {"author": "sorbello"}),
    ("Vlast", {"date_from": "2025-06-01", "date_to": "2025-12-31"}),
]


def _source_key() -> str:
    digest = hashlib.sha256()
    with Archive(":memory:") as empty:
        schema = empty.db.execute("SELECT group_concat(sql, ';') FROM sqlite_master").fetchone()
    digest.update(schema[0].encode("utf-8"))
    for name in INDEX_SOURCES:
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()[:12]


def archive_path(articles: int = ARTICLES, seed: int = SEED) -> Path:
    """Where the built archive is cached: keyed by its size, seed and the storage code."""
    return Path(tempfile.gettempdir()) / f"mediawatch-bench-search-{articles}-{seed}-{_source_key()}.db"


def _record(state: State, article: Article) -> ArticleRecord:
    """The record extraction makes of the article's page, taken from the replay's ground truth."""
    truth = article.manifest(ORIGIN)
    return ArticleRecord(
        article_id=article.id, language=article.language, url=truth["url"],
        section=article.section, slug=article.slug, title=article.title, lead=article.lead,
        authors=list(article.authors), photo_credits=list(article.photo_credits),
        published=iso(article.published), modified=iso(article.modified), tags=truth["tags"],
        cover_image=truth["cover_image"], cover_caption=article.cover_caption,
        body=truth["body"],
        translations=[ORIGIN + state.articles[other].path for other in article.translations
                      if other in state.articles],
    )


def build_archive(path: Path, articles: int = ARTICLES, seed: int = SEED) -> None:
    """Archive every live article of a generated replay through Archive.record_page."""
    state = Corpus(articles, seed).state(0)
    live = list(reversed(state.live))  # oldest first, the order a backfill archives them
    partial = path.with_suffix(".partial")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    started = time.perf_counter()
    with Archive(partial) as archive:
        run_id = archive.start_run("backfill", ["ru", "kk", "en"], ORIGIN)
        for start in range(0, len(live), BATCH):
            with write_transaction(archive.db):
                for number, article in enumerate(live[start : start + BATCH], start):
                    html = pages.article_page(state, article, ORIGIN, article.path,
                                              "ru", 1000 + number, [])
                    archive.record_page(run_id, ORIGIN + article.path, 200,
                                        {"Content-Type": "text/html; charset=utf-8"},
                                        html.encode("utf-8"), _record(state, article),
                                        FETCHED_AT)
            done = min(start + BATCH, len(live))
            if done % 10_000 == 0 or done == len(live):
                print(f"  archived {done:,} of {len(live):,} articles "
                      f"({time.perf_counter() - started:,.0f} s)", file=sys.stderr, flush=True)
        archive.finish_run(run_id, "ok", {"new": len(live)}, [])
        archive.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        archive.db.execute("ANALYZE")
    partial.rename(path)


def cached_archive(articles: int = ARTICLES, seed: int = SEED) -> tuple[Path, float | None]:
    """The archive file, built unless cached; with the seconds the build took (None if cached)."""
    path = archive_path(articles, seed)
    if path.exists():
        return path, None
    print(f"building the search archive at {path} (cached for the next runs)", file=sys.stderr)
    start = time.perf_counter()
    build_archive(path, articles, seed)
    return path, time.perf_counter() - start


# ---- the LIKE baseline ---------------------------------------------------------------------

def _like_terms(query: str) -> list[str]:
    """The query's words and phrases, operators dropped, as LIKE patterns."""
    terms, rest = [], query.replace("(", " ").replace(")", " ")
    while '"' in rest:
        before, phrase, rest = rest.split('"', 2)
        terms.append(phrase)
        rest = before + " " + rest
    terms += [word for word in rest.split() if word not in ("AND", "OR", "NOT")]
    return [f"%{term.rstrip('*').lower()}%" for term in terms]


def like_sql(query: str, filters: dict) -> tuple[str, list]:
    """The query as a LIKE scan over the readable text: every term in title, lead or body.

    An approximation of the query's meaning (OR and NOT are read as AND, no stemming): it only
    stands for the cost of answering it without the full-text index.
    """
    clauses, params = [], []
    for pattern in _like_terms(query):
        clauses.append("(title LIKE ? OR lead LIKE ? OR body LIKE ?)")
        params += [pattern] * 3
    for name, column in (("language", "language"), ("section", "section")):
        if filters.get(name):
            clauses.append(f"{column} = ?")
            params.append(filters[name])
    if filters.get("author"):
        clauses.append("authors LIKE ?")
        params.append(f"%{filters['author']}%")
    if filters.get("date_from"):
        clauses.append("substr(published, 1, 10) >= ?")
        params.append(filters["date_from"])
    if filters.get("date_to"):
        clauses.append("substr(published, 1, 10) <= ?")
        params.append(filters["date_to"])
    sql = ("SELECT id, title FROM articles WHERE " + " AND ".join(clauses)
           + " ORDER BY published DESC LIMIT 20")
    return sql, params


# ---- timing ----------------------------------------------------------------------------------

def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def time_queries(archive: Archive, runs: int = RUNS) -> dict[int, list[float]]:
    """Seconds of each query (index into QUERIES), `runs` times after one warm-up pass."""
    times: dict[int, list[float]] = {i: [] for i in range(len(QUERIES))}
    for run_number in range(runs + 1):
        for i, (query, filters) in enumerate(QUERIES):
            start = time.perf_counter()
            search(archive.db, query, **filters)
            if run_number:
                times[i].append(time.perf_counter() - start)
    return times


def time_like(archive: Archive) -> list[float]:
    """Seconds of each query as a LIKE scan, once each."""
    times = []
    for query, filters in QUERIES:
        sql, params = like_sql(query, filters)
        start = time.perf_counter()
        archive.db.execute(sql, params).fetchall()
        times.append(time.perf_counter() - start)
    return times


def run(articles: int = ARTICLES, seed: int = SEED) -> dict:
    """Build (or reuse) the archive, time the query mix and the LIKE baseline."""
    path, build_s = cached_archive(articles, seed)
    with Archive(path) as archive:
        count = archive.db.execute("SELECT count(*) FROM articles").fetchone()[0]
        hits = [len(search(archive.db, q, **f)) for q, f in QUERIES]
        per_query = time_queries(archive)
        like = time_like(archive)
    pooled = [t for ts in per_query.values() for t in ts]
    p50, p95, worst = _percentile(pooled, 0.5), _percentile(pooled, 0.95), max(pooled)
    like_p50, like_p95 = _percentile(like, 0.5), _percentile(like, 0.95)
    slowest = sorted(per_query, key=lambda i: -statistics.median(per_query[i]))[:5]
    details = {
        "archive": f"{count:,} articles (ru/kk/en), {path.stat().st_size / 2**20:,.0f} MB",
        "archive build": "cached" if build_s is None else f"{build_s:,.0f} s",
        "queries": f"{len(QUERIES)} ({sum(1 for _, f in QUERIES if not f)} without filters), "
                   f"each run {RUNS} times after a warm-up",
        "queries with no hit": sum(1 for n in hits if n == 0),
        "search p50": ms(p50),
        "search p95": ms(p95),
        "search max": ms(worst),
        "LIKE scan p50": ms(like_p50),
        "LIKE scan p95": ms(like_p95),
        "slowest queries (median)": "; ".join(
            f"{QUERIES[i][0]} {QUERIES[i][1] or ''} {ms(statistics.median(per_query[i]))}"
            for i in slowest),
    }
    rows = [row(
        f"search, {count:,} articles, {len(QUERIES)} queries: p95 (p50 {ms(p50)}, max {ms(worst)})",
        ms(p95), f"LIKE scan p95 {ms(like_p95)} (p50 {ms(like_p50)})",
        f"{like_p95 / p95:,.0f}× faster at p95", f"p95 ≤ {ms(TARGET_P95_S)}",
        p95 <= TARGET_P95_S,
    )]
    return {"name": "search", "rows": rows, "details": details}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=ARTICLES)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--build-only", action="store_true", help="only build the cached archive")
    args = parser.parse_args()
    if args.build_only:
        print(cached_archive(args.articles, args.seed)[0])
        return
    print_result(run(args.articles, args.seed))


if __name__ == "__main__":
    main()
