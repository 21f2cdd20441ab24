"""Benchmark: crawl, re-crawl and capture size of 2,000 replay articles against trafilatura alone."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from bench.common import (  # noqa: E402
    children_cpu_seconds,
    cpu_seconds,
    crawl,
    get_json,
    print_result,
    replay_process,
    row,
)
from crawler.extract import extract  # noqa: E402
from storage.archive import Archive  # noqa: E402

ARTICLES = 2_000
SEED = 3
TARGET_RATIO = 1.3
TARGET_RECRAWL_SPEEDUP = 10.0
TARGET_COMPRESSION = 5.0
UNCHANGED_SAMPLE = 200


def fetch_all(urls: list[str]) -> list[bytes]:
    """The pages' bodies, fetched into memory."""
    def fetch(url: str) -> bytes:
        with urllib.request.urlopen(url, timeout=60) as answer:
            return answer.read()

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(fetch, urls))


def time_trafilatura(pages: list[bytes]) -> float:
    """Seconds for trafilatura.extract with its default options over every page."""
    start = time.perf_counter()
    for page in pages:
        trafilatura.extract(page)
    return time.perf_counter() - start


def counts(db: str) -> dict[str, int]:
    """What the archive holds, from its own statistics."""
    with Archive(db) as archive:
        stats = archive.stats()
    return {
        "articles": stats["articles"],
        "versions": stats["versions"],
        "captures": stats["captures"],
        "raw_bytes": stats["capture_raw_bytes"],
        "stored_bytes": stats["capture_bytes"],
        "not_modified": stats["fetches"].get("not_modified", 0),
    }


def refetch_unchanged(db: str, urls: list[str]) -> dict[str, int]:
    """Fetch pages again without validators (so they answer 200) and archive them.

    Every fetch differs from the archived capture in its view counter and its list of popular
    articles, not in its content: none should add a version or a capture.
    """
    pages = fetch_all(urls)
    before = counts(db)
    outcomes: dict[str, int] = {}
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with Archive(db) as archive:
        for url, page in zip(urls, pages, strict=True):
            record = extract(page, url, now)
            outcome = archive.record_page(None, url, 200, {}, page, record, now)
            outcomes[outcome.kind] = outcomes.get(outcome.kind, 0) + 1
    after = counts(db)
    return {"refetched": len(urls), "unchanged": outcomes.get("unchanged", 0),
            "new_versions": after["versions"] - before["versions"],
            "new_captures": after["captures"] - before["captures"]}


def run(articles: int = ARTICLES, seed: int = SEED) -> dict:
    """Crawl a replay of `articles` articles twice and measure the archive it leaves."""
    with tempfile.TemporaryDirectory(prefix="mediawatch-bench-crawl-") as tmp, \
            replay_process(articles, seed) as (base_url, replay_pid):
        db = str(Path(tmp) / "archive.db")
        manifest = get_json(base_url + "/_replay/manifest.json")
        urls = [item["url"] for item in manifest["articles"] if item["status"] == 200]
        pages = fetch_all(urls)
        extract_cpu = time.process_time()
        extract_s = time_trafilatura(pages)
        extract_cpu = time.process_time() - extract_cpu
        baseline_rate = len(pages) / extract_s

        replay_cpu = cpu_seconds(replay_pid)
        crawl_cpu = children_cpu_seconds()
        crawl_s = crawl(base_url, db)
        crawl_cpu = children_cpu_seconds() - crawl_cpu
        replay_crawl_cpu = cpu_seconds(replay_pid) - replay_cpu
        first = counts(db)
        crawl_rate = first["articles"] / crawl_s

        recrawl_s = crawl(base_url, db, "--mode", "revisit", "--everything")
        second = counts(db)
        # What the service runs when nothing changed: the crawl for new articles (the revisits
        # are not due yet), which stops at the first listing pages.
        scheduled_s = crawl(base_url, db)
        third = counts(db)
        unchanged = refetch_unchanged(db, urls[:UNCHANGED_SAMPLE])

    ratio = crawl_rate / baseline_rate
    speedup = crawl_s / recrawl_s
    scheduled_speedup = crawl_s / scheduled_s
    new_versions = second["versions"] - first["versions"]
    scheduled_versions = third["versions"] - second["versions"]
    compression = first["raw_bytes"] / first["stored_bytes"]
    added_captures = second["captures"] - first["captures"] + unchanged["new_captures"]
    rows = [
        row(f"crawl + extract + archive, {first['articles']:,} replay articles",
            f"{crawl_rate:,.1f} articles/s ({crawl_s:,.1f} s)",
            f"trafilatura.extract alone: {baseline_rate:,.1f} pages/s ({extract_s:,.1f} s)",
            f"{ratio:.2f}", f"≥ {TARGET_RATIO}", ratio >= TARGET_RATIO),
        row("re-crawl fetching every article again (conditional requests), nothing changed",
            f"{recrawl_s:,.1f} s, {new_versions} new versions",
            f"first crawl {crawl_s:,.1f} s", f"{speedup:,.1f}× faster",
            f"≥ {TARGET_RECRAWL_SPEEDUP:.0f}× faster, 0 new versions",
            speedup >= TARGET_RECRAWL_SPEEDUP and new_versions == 0),
        row("scheduled re-crawl, nothing changed (new-article crawl; no revisit due yet)",
            f"{scheduled_s:,.1f} s, {scheduled_versions} new versions",
            f"first crawl {crawl_s:,.1f} s", f"{scheduled_speedup:,.1f}× faster",
            f"≥ {TARGET_RECRAWL_SPEEDUP:.0f}× faster, 0 new versions",
            scheduled_speedup >= TARGET_RECRAWL_SPEEDUP and scheduled_versions == 0),
        row("archive size per version (capture)",
            f"{first['stored_bytes'] / first['captures'] / 1024:,.1f} KiB stored, "
            f"{added_captures} captures added by unchanged re-fetches",
            f"raw HTML {first['raw_bytes'] / first['captures'] / 1024:,.1f} KiB",
            f"{compression:,.1f}× smaller", "≥ 5× smaller; unchanged re-fetch adds 0 captures",
            compression >= TARGET_COMPRESSION and added_captures == 0),
    ]
    details = {
        "replay": f"{articles:,} articles (seed {seed}), {len(urls):,} answering 200, served by "
                  "its own process on the same 2-core machine",
        "page size (mean raw HTML)": f"{sum(map(len, pages)) / len(pages) / 1024:,.1f} KiB",
        "first crawl": f"{crawl_s:,.1f} s wall clock for `mediawatch crawl` (process start "
                       f"included): {first['articles']:,} articles, {first['versions']:,} versions",
        "replay CPU during the first crawl": f"{replay_crawl_cpu:,.1f} s",
        # CPU time is what a busy machine leaves a process; wall time depends on the others
        "CPU time of the first crawl (its process and extraction workers) against "
        "trafilatura.extract alone": f"{crawl_cpu:,.1f} s against {extract_cpu:,.1f} s: "
            f"{crawl_cpu / first['articles'] * 1000:,.1f} against "
            f"{extract_cpu / len(pages) * 1000:,.1f} ms a page, ratio "
            f"{extract_cpu / len(pages) / (crawl_cpu / first['articles']):.2f}",
        "re-crawl (--mode revisit --everything)":
            f"{recrawl_s:,.1f} s: {second['not_modified'] - first['not_modified']:,} answered 304, "
            f"{new_versions} new versions, {second['captures'] - first['captures']} new captures",
        "unchanged re-fetch answered 200": f"{unchanged['refetched']} pages: "
            f"{unchanged['unchanged']} unchanged, {unchanged['new_versions']} new versions, "
            f"{unchanged['new_captures']} new captures",
        "captures": f"{first['captures']:,}: {first['raw_bytes'] / 2**20:,.1f} MiB raw, "
                    f"{first['stored_bytes'] / 2**20:,.2f} MiB stored",
    }
    return {"name": "crawl", "rows": rows, "details": details}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=ARTICLES)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    print_result(run(args.articles, args.seed))


if __name__ == "__main__":
    main()
