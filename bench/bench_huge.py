"""Benchmark: a huge article (60,000 paragraphs) crawled, diffed and served in a feed."""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from random import Random

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import print_result, row  # noqa: E402
from crawler.child import start_crawl  # noqa: E402

PARAGRAPHS = 60_000
SEED = 26
DIFF_SIZES = (15_000, 30_000, 60_000)
REPEATED_SIZES = (2_000, 4_000, 8_000)  # one paragraph said again and again: difflib's worst
DIFF_CAP_S = 120.0
TARGET_CRAWL_MIB = 600  # a 14 MB page is 150 outlet pages: the page, its record, its search text
TARGET_SCALING = 3.0  # doubling the article: at most this many times the diff's time
TARGET_FEED_S = 1.0


def paragraphs(count: int, seed: int = SEED) -> list[str]:
    """Paragraphs of one or two of the replay's Russian sentences; about half say the same as
    another paragraph, as a long page of generated or repeated text does."""
    from replay import text

    rng = Random(seed)
    body = []
    for _ in range(count):
        words = text.sentence(rng, "ru", "politics")
        if rng.random() < 0.45:
            words += " " + text.sentence(rng, "ru", "politics")
        body.append(words)
    return body


def edited(body: list[str]) -> list[str]:
    """The next version: a typo near the start, a paragraph added half-way, one removed at
    three quarters, a sentence added near the end."""
    new = list(body)
    new[10] = new[10].replace("о", "а", 1)
    new.insert(len(new) // 2, "Редакция дополнила материал новым абзацем о решении суда.")
    del new[3 * len(new) // 4]
    new[-20] = new[-20] + " Позже ведомство опровергло эти данные."
    return new


def _tree(root: int) -> list[int]:
    """The process and its descendants (Linux /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += parents.get(pid, [])
    return found


def _memory_kib(pid: int) -> int:
    """A process's proportional resident memory (PSS: pages shared with its forked children
    counted once over them all), else its resident memory."""
    for name, field in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            for line in Path(name).read_text().splitlines():
                if line.startswith(field):
                    return int(line.split()[1])
        except OSError:
            continue
    return 0


def measured_crawl(base_url: str, db: str, *options: str) -> tuple[float, float, dict]:
    """Run a crawl in its own process: (seconds, peak memory in MiB of it and its children
    together, its outcome's totals)."""
    from crawler.child import read_outcome

    start = time.perf_counter()
    child = start_crawl(base_url, db, *options)
    peak = [0]
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], sum(_memory_kib(pid) for pid in _tree(child.pid)))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out, err = child.communicate()
    done.set()
    watcher.join()
    seconds = time.perf_counter() - start
    outcome = read_outcome(child.returncode, out, err)
    if not outcome.ok:
        raise RuntimeError(f"the benchmark's crawl failed: {outcome.error}")
    return seconds, peak[0] / 1024, outcome.totals


def _timed_diff(old: list[str], new: list[str], conn) -> None:
    from storage.changes import diff_records

    start = time.perf_counter()
    diff_records({"title": "t", "body": old}, {"title": "t", "body": new})
    conn.send(time.perf_counter() - start)


def diff_seconds(old: list[str], new: list[str], cap_s: float = DIFF_CAP_S) -> float | None:
    """diff_records of two bodies, once, in a child process; None past `cap_s`."""
    receiver, sender = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.Process(target=_timed_diff, args=(old, new, sender))
    process.start()
    elapsed = receiver.recv() if receiver.poll(cap_s) else None
    if process.is_alive():
        process.kill()
    process.join()
    return elapsed


def crawl_and_feed(count: int) -> dict:
    """Crawl the replay with one article made huge, then its next version; time the feed."""
    from html import escape

    from alerts.feeds import feed_xml
    from replay.server import ReplayServer
    from storage.archive import Archive
    from storage.changelog import ChangeFilter

    old = paragraphs(count)
    versions = {"body": old}
    served = {"bytes": 0}
    figures: dict = {}
    with tempfile.TemporaryDirectory() as folder, ReplayServer(articles=30, seed=2) as server:
        db = str(Path(folder) / "huge.db")
        target = next(a for a in server.manifest()["articles"]
                      if a["language"] == "ru" and a["status"] == 200)
        marker = 'js-mediator-article font-edit">\n'

        def transform(path: str, page: str) -> str:
            if path != target["path"]:
                return page
            text = "".join(f"<p>{escape(p)}</p>\n" for p in versions["body"])
            page = page.replace(marker, marker + text, 1)
            served["bytes"] = max(served["bytes"], len(page.encode()))
            return page

        server.app.transform = transform
        seconds, peak, totals = measured_crawl(server.base_url, db, "--edition", "ru")
        figures["page_mib"] = served["bytes"] / 2**20
        figures.update(first_crawl_s=seconds, first_crawl_mib=peak, first_totals=totals)
        versions["body"] = edited(old)
        with Archive(db) as archive:  # whole pages again: the replay's ETag ignores the change
            archive.db.execute("UPDATE articles SET etag = NULL, last_modified = NULL")
        seconds, peak, totals = measured_crawl(server.base_url, db, "--edition", "ru",
                                               "--mode", "revisit", "--everything")
        figures.update(second_crawl_s=seconds, second_crawl_mib=peak, second_totals=totals)
        with Archive(db, readonly=True) as archive:
            numbers = [row[0] for row in archive.db.execute(
                "SELECT number FROM versions WHERE article_id = ?", [target["id"]])]
            figures["versions"] = len(numbers)
            wanted = ChangeFilter(article_id=target["id"])
            feed_times = []
            for _ in range(3):
                start = time.perf_counter()
                feed_xml(archive.db, wanted)
                feed_times.append(time.perf_counter() - start)
        figures["feed_s"] = feed_times
    return figures


def run(count: int = PARAGRAPHS) -> dict:
    """Crawl, diff and feed figures for a huge article; the diff's growth with its size."""
    figures = crawl_and_feed(count)
    scaling = {}
    for size in DIFF_SIZES:
        body = paragraphs(size)
        scaling[size] = diff_seconds(body, edited(body))
    repeated = {}
    for size in REPEATED_SIZES:
        body = ["Один и тот же абзац, повторённый много раз."] * size
        repeated[size] = diff_seconds(body, edited(body))
    figures.update(diff_s=scaling, repeated_s=repeated)
    figures["rows"] = _rows(figures, count)
    figures["details"] = _details(figures, count)
    figures["name"] = "huge"
    return figures


def _ratio(times: dict) -> float | None:
    """The largest growth of the time from one size to the next (each size twice the last)."""
    values = list(times.values())
    if any(value is None for value in values):
        return None
    return max(later / max(earlier, 1e-6) for earlier, later in zip(values, values[1:], strict=False))


def _seconds(value: float | None) -> str:
    return f"> {DIFF_CAP_S:.0f} s" if value is None else f"{value:,.2f} s"


def _rows(figures: dict, count: int) -> list[dict]:
    feed = figures["feed_s"]
    scaling, repeated = _ratio(figures["diff_s"]), _ratio(figures["repeated_s"])
    biggest = max(figures["first_crawl_mib"], figures["second_crawl_mib"])
    return [
        row(f"crawl of an article of {count:,} paragraphs ({figures['page_mib']:.1f} MiB), "
            "peak memory of the crawl's processes",
            f"{biggest:,.0f} MiB", "", "", f"≤ {TARGET_CRAWL_MIB} MiB",
            biggest <= TARGET_CRAWL_MIB),
        row(f"diff of its two versions ({count:,} paragraphs), time when doubling the size",
            f"{_seconds(figures['diff_s'][max(figures['diff_s'])])}, ×"
            + (f"{scaling:.1f}" if scaling else "?"),
            f"repeated paragraphs ({max(REPEATED_SIZES):,}): "
            f"{_seconds(figures['repeated_s'][max(REPEATED_SIZES)])}, ×"
            + (f"{repeated:.1f}" if repeated else "?"),
            "", f"≤ {TARGET_SCALING:.0f}× per doubling",
            bool(scaling and repeated and max(scaling, repeated) <= TARGET_SCALING)),
        row("Atom feed of that article's changes, second request", f"{feed[1]:,.2f} s",
            f"first request {feed[0]:,.2f} s", "", f"≤ {TARGET_FEED_S:.0f} s",
            feed[1] <= TARGET_FEED_S),
    ]


def _details(figures: dict, count: int) -> dict:
    first, second = figures["first_totals"], figures["second_totals"]
    return {
        "page": f"{count:,} paragraphs, {figures['page_mib']:.1f} MiB",
        "first crawl (ru edition, new)": f"{figures['first_crawl_s']:,.1f} s, "
                                         f"peak {figures['first_crawl_mib']:,.0f} MiB, {first}",
        "second crawl (revisit, the edited version)":
            f"{figures['second_crawl_s']:,.1f} s, peak {figures['second_crawl_mib']:,.0f} MiB, "
            f"{second}",
        "versions of the huge article": figures["versions"],
        "diff_records by size": ", ".join(f"{size:,}: {_seconds(value)}"
                                          for size, value in figures["diff_s"].items()),
        "diff_records, one paragraph repeated, by size":
            ", ".join(f"{size:,}: {_seconds(value)}" for size, value in figures["repeated_s"].items()),
        "feed requests": ", ".join(f"{value:,.2f} s" for value in figures["feed_s"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--paragraphs", type=int, default=PARAGRAPHS)
    args = parser.parse_args()
    print_result(run(args.paragraphs))


if __name__ == "__main__":
    main()
