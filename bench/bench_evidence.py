"""Benchmark: building and verifying the evidence log of a 100,000-article archive.

The archive is written in bulk (SQL inserts of generated replay articles with real-weight pages,
a second version for one article in ten, a removal for one in a thousand), the way an archive
made before the log looks; the log is then built as the migration builds it, and `verify`
re-reads everything. The baselines run in the same conditions: SQLite's `PRAGMA integrity_check`
of the same file (what a nightly check of the database costs anyway), and reading every capture
and version back (decompressing, decoding) without hashing. The cost the log adds to archiving
is the time spent in its three functions while 2,000 pages go through `Archive.record_page`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_search import ORIGIN, _record  # noqa: E402
from bench.common import print_result, row  # noqa: E402
from replay import pages, weight  # noqa: E402
from replay.corpus import Corpus  # noqa: E402
from storage import evidence  # noqa: E402
from storage.archive import Archive  # noqa: E402
from storage.captures import CaptureCodec  # noqa: E402
from storage.db import connect, write_transaction  # noqa: E402
from storage.records import version_columns  # noqa: E402

ARTICLES = 100_000
SEED = 13
DISTINCT_PAGES = 400  # rendered real-weight pages; each article's capture is one of them
REVISED_EVERY = 10
REMOVED_EVERY = 1_000
BATCH = 5_000
TARGET_SECONDS = 300  # a nightly job: well under the hour between two crawl bursts
OVERHEAD_PAGES = 2_000
FETCHED_AT = "2026-01-21T08:00:00Z"
LATER = "2026-01-22T08:00:00Z"


def _pages(state, live) -> list[bytes]:
    """Article pages with the real site's weight around them, as the replay serves them."""
    return [weight.full_weight(pages.article_page(state, article, ORIGIN, article.path, "ru",
                                                  1000 + n, []), state, article, "ru").encode()
            for n, article in enumerate(live[:DISTINCT_PAGES])]


def build(path: Path, articles: int = ARTICLES, seed: int = SEED) -> dict:
    """Write the archive in bulk, without a log (as one made before the log existed)."""
    Archive(path).close()
    db = connect(path)
    db.executescript("DROP TRIGGER captures_no_update; DROP TRIGGER captures_no_delete;")
    state = Corpus(articles, seed).state(0)
    live = list(reversed(state.live))
    templates = [(page, zlib.compress(page, 9)) for page in _pages(state, live)]
    counts = {"articles": 0, "versions": 0, "events": 0, "page_bytes": 0}
    capture_id = version_id = 0
    for start in range(0, len(live), BATCH):
        articles_rows, captures_rows, versions_rows, events_rows = [], [], [], []
        for number, article in enumerate(live[start:start + BATCH], start):
            record = _record(state, article).to_dict()
            numbers = (1, 2) if number % REVISED_EVERY == 0 else (1,)
            for version in numbers:
                at = FETCHED_AT if version == 1 else LATER
                body, stored = templates[number % len(templates)]
                capture_id += 1
                version_id += 1
                captures_rows.append((capture_id, article.id, 1, ORIGIN + article.path, 200,
                                      '{"Content-Type": "text/html; charset=utf-8"}',
                                      stored, "zlib", len(body), at))
                if version == 2:
                    record = {**record, "title": record["title"] + " (обновлено)"}
                columns = version_columns(record)
                versions_rows.append((version_id, article.id, version, record["fingerprint"],
                                      at, at, "[]", capture_id, 1, *columns.values()))
                counts["page_bytes"] += len(body)
            articles_rows.append((article.id, article.language, ORIGIN + article.path, "active",
                                  FETCHED_AT, at, len(numbers), version_id))
            events_rows.append((article.id, "new", FETCHED_AT, 1, None, None, version_id))
            if number % REMOVED_EVERY == 0:
                events_rows.append((article.id, "removed", LATER, 1, 404, None, None))
            counts["articles"] += 1
            counts["versions"] += len(numbers)
        columns = ", ".join(version_columns(_record(state, live[0]).to_dict()))
        with write_transaction(db):
            db.conn.executemany("INSERT INTO articles (id, language, url, status, first_seen,"
                                " last_seen, current_version, current_version_id)"
                                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", articles_rows)
            db.conn.executemany("INSERT INTO captures (id, article_id, run_id, url, status, headers,"
                                " body, compression, size, fetched_at)"
                                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", captures_rows)
            marks = ", ".join("?" for _ in range(9 + len(columns.split(", "))))
            db.conn.executemany("INSERT INTO versions (id, article_id, number, fingerprint,"
                                " first_seen, last_seen, changes, capture_id, run_id,"
                                f" {columns}) VALUES ({marks})", versions_rows)
            db.conn.executemany("INSERT INTO events (article_id, kind, at, run_id, status,"
                                " location, version_id) VALUES (?, ?, ?, ?, ?, ?, ?)", events_rows)
            counts["events"] += len(events_rows)
        print(f"  wrote {min(start + BATCH, len(live)):,} of {len(live):,} articles",
              file=sys.stderr, flush=True)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return counts


def timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


def read_everything(db) -> int:
    """The floor of any check: every capture decompressed, every record decoded, no hashing."""
    codec, total = CaptureCodec(db), 0
    for body, compression in db.execute("SELECT body, compression FROM captures"):
        total += len(codec.decompress(body, compression))
    for (text,) in db.execute("SELECT body FROM versions"):
        total += len(json.loads(text))
    return total


def archiving_overhead(folder: Path, count: int = OVERHEAD_PAGES) -> tuple[float, float]:
    """(seconds to archive `count` pages through record_page, seconds of it spent in the log's
    three functions). The log's share is timed inside the same run: on a shared machine two
    runs of the same work differ by more than the log costs."""
    state = Corpus(count, SEED + 1).state(0)
    live = list(reversed(state.live))[:count]
    bodies = _pages(state, live)
    saved = (evidence.log_capture, evidence.log_version, evidence.log_event)
    spent = [0.0]

    def timed_log(function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - started
        return wrapper

    evidence.log_capture, evidence.log_version, evidence.log_event = map(timed_log, saved)
    try:
        with Archive(folder / "overhead.db") as archive:
            started = time.perf_counter()
            with write_transaction(archive.db):
                for n, article in enumerate(live):
                    archive.record_page(None, ORIGIN + article.path, 200, {},
                                        bodies[n % len(bodies)], _record(state, article),
                                        FETCHED_AT)
            total = time.perf_counter() - started
    finally:
        evidence.log_capture, evidence.log_version, evidence.log_event = saved
    return total, spent[0]


def run(articles: int = ARTICLES, seed: int = SEED) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="mediawatch-bench-evidence-"))
    path = folder / "archive.db"
    try:
        build_seconds, counts = timed(build, path, articles, seed)
        db = connect(path)
        with write_transaction(db):
            log_seconds, entries = timed(evidence.build_log, db)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.conn.close()
        size = os.path.getsize(path)
        db = connect(path)
        verify_seconds, report = timed(evidence.verify, db)
        assert report.held, report.problems[:3]
        integrity_seconds, integrity = timed(lambda: db.execute("PRAGMA integrity_check").fetchall())
        read_seconds, _ = timed(read_everything, db)
        db.conn.close()
        archiving, logging = archiving_overhead(folder)
    finally:
        for name in folder.iterdir():
            name.unlink()
        folder.rmdir()
    share = logging / archiving
    rows = [
        row(f"verify, {counts['articles']:,} articles ({entries:,} log entries, "
            f"{size / 2**30:.1f} GiB)", f"{verify_seconds:.1f} s",
            f"PRAGMA integrity_check: {integrity_seconds:.1f} s",
            f"{verify_seconds / integrity_seconds:.2f}×", f"≤ {TARGET_SECONDS} s",
            verify_seconds <= TARGET_SECONDS),
        row(f"writing the log while archiving {OVERHEAD_PAGES:,} pages (record_page)",
            f"{logging:.2f} s ({logging / OVERHEAD_PAGES * 1000:.2f} ms a page)",
            f"archiving them: {archiving:.1f} s", f"{share:.1%} of it", "≤ 10%", share <= 0.10),
    ]
    details = {
        "archive": f"{counts['articles']:,} articles, {counts['versions']:,} versions and captures, "
                   f"{counts['events']:,} events; {counts['page_bytes'] / 2**30:.1f} GiB of pages",
        "bulk build (SQL, no log)": f"{build_seconds:.1f} s",
        "log built as the migration builds it": f"{log_seconds:.1f} s, {entries:,} entries",
        "verify": f"{verify_seconds:.1f} s ({entries / verify_seconds:,.0f} entries/s)",
        "reading every capture and record back, no hashing": f"{read_seconds:.1f} s",
        "PRAGMA integrity_check": f"{integrity_seconds:.1f} s ({integrity[0][0]})",
    }
    return {"rows": rows, "details": details}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=ARTICLES)
    args = parser.parse_args()
    print_result(run(args.articles))


if __name__ == "__main__":
    main()
