"""`reextract` over an archive of 2,000 versions: time, and records changed (0 when nothing changed).

The replay's pages are rendered in this process (no sockets) and archived through
`Archive.record_page` with today's extractor; `crawler.reextract.reextract` then reads every stored
capture again. A second archive is built with a weakened reading (no authors, no lead, the last
paragraph lost) and re-extracted too: every record must change back. The baseline is the time
the first archiving spent extracting the same pages.

Usage: `python bench/bench_reextract.py [--articles N]`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import print_result, row  # noqa: E402

ORIGIN = "http://127.0.0.1:8765"
FETCHED_AT = "2026-01-21T08:00:00+00:00"


def rendered_pages(articles: int, seed: int = 3) -> list[tuple[str, bytes]]:
    from replay.server import ReplayApp

    app = ReplayApp(articles=articles, seed=seed)
    pages = []
    for article in app.state.live:
        response = app.page("GET", article.path, ORIGIN)
        pages.append((ORIGIN + article.path, response.body.encode("utf-8")))
    return pages


def build(db: Path, pages, weaken: bool) -> float:
    """Archive every page; the seconds spent extracting."""
    from crawler.extract import EXTRACTOR_VERSION, extract
    from storage.archive import Archive

    spent = 0.0
    with Archive(db) as archive:
        for url, body in pages:
            started = time.perf_counter()
            record = extract(body, url, FETCHED_AT)
            spent += time.perf_counter() - started
            if weaken:
                record = replace(record, authors=[], lead="", body=record.body[:-1])
            archive.record_page(None, url, 200, {}, body, record, FETCHED_AT,
                                extractor="weak" if weaken else EXTRACTOR_VERSION)
    return spent


def run(articles: int = 2000) -> dict:
    from crawler.reextract import reextract
    from storage.archive import Archive

    pages = rendered_pages(articles)
    with tempfile.TemporaryDirectory() as folder:
        same, weak = Path(folder) / "same.db", Path(folder) / "weak.db"
        extracting = build(same, pages, weaken=False)
        build(weak, pages, weaken=True)
        with Archive(same) as archive:
            unchanged = reextract(archive)
        with Archive(weak) as archive:
            healed = reextract(archive)
    per_page = 1000 * unchanged.seconds / max(1, unchanged.pages_read)
    return {
        "name": "reextract",
        "rows": [
            row(f"reextract over {unchanged.pages_read:,} archived versions, nothing changed",
                f"{unchanged.seconds:.1f} s ({per_page:.1f} ms/version), "
                f"{unchanged.records_changed} records changed",
                f"extraction alone while archiving: {extracting:.1f} s",
                f"{unchanged.seconds / extracting:.2f}×", "0 records changed",
                unchanged.records_changed == 0),
            row(f"reextract over {healed.pages_read:,} versions read by a weakened extractor",
                f"{healed.seconds:.1f} s, {healed.records_changed:,} records changed",
                f"{len(pages):,} versions", "-", "every record changed back",
                healed.records_changed == len(pages)),
        ],
        "details": {
            "versions (one per article)": f"{len(pages):,}",
            "unchanged archive: fields changed": dict(unchanged.fields_changed) or "none",
            "weakened archive: fields changed": dict(healed.fields_changed),
            "artefacts found": len(healed.artefacts),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000, help="replay articles")
    print_result(run(parser.parse_args().articles))


if __name__ == "__main__":
    main()
