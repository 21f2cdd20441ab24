"""Benchmark: the reading room's server time per kind of page on the 100,000-article archive,
beside the command line answering the same questions."""

from __future__ import annotations

import argparse
import math
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote_plus, urlencode

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from click.testing import CliRunner  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from bench import bench_search  # noqa: E402
from bench.common import EDITS, PYTHON, ms, newsroom_edit, print_result, row  # noqa: E402
from cli import main as cli_main  # noqa: E402
from storage.archive import Archive  # noqa: E402
from storage.db import write_transaction  # noqa: E402
from storage.records import ArticleRecord  # noqa: E402
from web.app import create_app  # noqa: E402

REVISED_EVERY = 50  # one article in this many gets a second version
REMOVED_EVERY = 1_000  # and one in this many is removed afterwards
REVISIONS_FROM = datetime(2026, 1, 22, tzinfo=UTC)
REVISIONS_DAYS = 7
RUNS = 3
TARGET_P95_S = 0.100
SAMPLE = 50  # articles and diffs asked for


def _edited(version: dict, language: str, edit: str, number: int) -> ArticleRecord:
    """The record of a version after one newsroom edit."""
    fields = {name: version[name] for name in ArticleRecord.__dataclass_fields__
              if name in version}
    return ArticleRecord(**{**newsroom_edit(fields, edit, number),
                            "article_id": version["article_id"], "language": language,
                            "fetched_at": None})


def add_revisions(path: Path) -> dict:
    """Give every REVISED_EVERY-th article a second version (one edit of EDITS, spread over
    REVISIONS_DAYS), through Archive.record_page, and remove every REMOVED_EVERY-th after."""
    with Archive(path) as archive:
        ids = archive.article_ids()[::REVISED_EVERY]
        run_id = archive.start_run("revisit", ["ru", "kk", "en"], bench_search.ORIGIN)
        step = timedelta(days=REVISIONS_DAYS) / len(ids)
        with write_transaction(archive.db):
            for index, article_id in enumerate(ids):
                state = archive.article(article_id)
                record = _edited(state["record"], state["language"], EDITS[index % len(EDITS)],
                                 index)
                at = (REVISIONS_FROM + step * index).isoformat()
                html = f"<html><body><h1>{record.title}</h1></body></html>".encode()
                archive.record_page(run_id, record.url, 200, {"Content-Type": "text/html"},
                                    html, record, at)
                if index % (REMOVED_EVERY // REVISED_EVERY) == 0:
                    archive.record_gone(run_id, article_id, record.url, 410, None,
                                        (REVISIONS_FROM + step * index + step / 2).isoformat())
        archive.finish_run(run_id, "ok", {"version": len(ids)}, [])
        archive.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        archive.db.execute("ANALYZE")
    return {"revised": len(ids)}


def archive_path(articles: int) -> Path:
    return Path(tempfile.gettempdir()) / f"mediawatch-bench-web-{articles}-{bench_search.SEED}.db"


def cached_archive(articles: int) -> tuple[Path, float | None]:
    """The search benchmark's archive with revisions added; built once, then migrated in place
    if the schema moved on."""
    path = archive_path(articles)
    if path.exists():
        Archive(path).close()
        return path, None
    start = time.perf_counter()
    base, _ = bench_search.cached_archive(articles)
    partial = path.with_suffix(".partial")
    shutil.copyfile(base, partial)
    add_revisions(partial)
    partial.rename(path)
    return path, time.perf_counter() - start


# ---- the questions ---------------------------------------------------------------------------

def questions(archive: Archive) -> dict[str, list[tuple[str, list[str]]]]:
    """Per kind of page: (web address, the CLI's arguments for the same question)."""
    since = REVISIONS_FROM.strftime("%Y-%m-%d")
    day = (REVISIONS_FROM + timedelta(days=REVISIONS_DAYS - 1)).strftime("%Y-%m-%d")
    changes = [(f"/?since={since}", ["changes", "--since", since]),
               (f"/?since={day}", ["changes", "--since", day]),
               (f"/?since={since}&edition=kk", ["changes", "--since", since, "--lang", "kk"]),
               (f"/?since={since}&kind=headline&kind=removed",
                ["changes", "--since", since, "--kind", "headline", "--kind", "removed"]),
               (f"/?since={since}&edition=en&kind=rewrite",
                ["changes", "--since", since, "--lang", "en", "--kind", "rewrite"]),
               (f"/?since={since}&page=5", ["changes", "--since", since])]
    search = []
    for query, filters in bench_search.QUERIES:
        params = {"q": query, "edition": filters.get("language"), "section": filters.get("section"),
                  "author": filters.get("author"), "since": filters.get("date_from"),
                  "until": filters.get("date_to")}
        address = "/search?" + urlencode({k: v for k, v in params.items() if v})
        args = ["search", query]
        for option, key in (("--lang", "edition"), ("--section", "section"),
                            ("--author", "author"), ("--since", "since"), ("--until", "until")):
            if params[key]:
                args += [option, params[key]]
        search.append((address, args))
    ids = archive.article_ids()
    sample = ids[:: max(1, len(ids) // SAMPLE)][:SAMPLE]
    revised = [item["article_id"] for item in archive.changes(since)
               if item.get("version") == 2][:SAMPLE]
    return {
        "changes": changes,
        "search": search,
        "article": [(f"/article/{i}", ["show", str(i)]) for i in sample],
        "diff": [(f"/article/{i}/diff?from=1&to=2", ["diff", str(i), "--from", "1", "--to", "2"])
                 for i in revised],
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def server_times(client: TestClient, addresses: list[str]) -> tuple[list[float], list[float]]:
    """For each address, RUNS times after one warm-up pass: the seconds the app took (its
    Server-Timing header) and the CPU seconds the whole request used in this process (apart
    from what other processes on a shared machine take)."""
    for address in addresses:
        assert client.get(address).status_code == 200, address
    wall, cpu = [], []
    for _ in range(RUNS):
        for address in addresses:
            started = time.process_time()
            answer = client.get(address)
            cpu.append(time.process_time() - started)
            wall.append(float(answer.headers["server-timing"].split("dur=")[1]) / 1000)
    return wall, cpu


def cli_times(db: Path, commands: list[list[str]]) -> list[float]:
    """Seconds the command took in this process (no start-up), once each after a warm-up."""
    runner = CliRunner()
    runner.invoke(cli_main, [*commands[0], "--db", str(db)])
    times = []
    for command in commands:
        start = time.perf_counter()
        result = runner.invoke(cli_main, [*command, "--db", str(db)])
        times.append(time.perf_counter() - start)
        assert result.exit_code == 0, (command, result.output[-500:])
    return times


def process_start(db: Path, article_id: int) -> float:
    """Wall-clock seconds of one `mediawatch show` in its own process, start-up included."""
    start = time.perf_counter()
    subprocess.run([PYTHON, "-m", "cli", "show", str(article_id), "--db", str(db)], cwd=ROOT,
                   check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def run(articles: int = bench_search.ARTICLES) -> dict:
    path, built = cached_archive(articles)
    with Archive(path, readonly=True) as archive:
        asked = questions(archive)
        counts = archive.stats()
        first_id = archive.article_ids()[0]
    client = TestClient(create_app(str(path)), base_url="http://127.0.0.1:8000")
    rows, details = [], {
        "archive": f"{counts['articles']:,} articles, {counts['versions']:,} versions "
                   f"({counts['changed_articles']:,} revised), {path.stat().st_size / 2**20:,.0f} MiB",
        "archive build": "cached" if built is None else f"{built:,.0f} s",
        "one `mediawatch show` as its own process (start-up included)":
            f"{process_start(path, first_id):.2f} s",
    }
    for kind, pairs in asked.items():
        web, cpu = server_times(client, [address for address, _ in pairs])
        cli = cli_times(path, [args for _, args in pairs])
        p95, cli_p95 = percentile(web, 0.95), percentile(cli, 0.95)
        rows.append(row(
            f"reading room, {kind} page, {len(pairs)} questions × {RUNS}: server time p95 "
            f"(p50 {ms(statistics.median(web))}, max {ms(max(web))}; CPU p95 "
            f"{ms(percentile(cpu, 0.95))})",
            ms(p95), f"CLI, same questions, in process: p95 {ms(cli_p95)}",
            f"{cli_p95 / p95:,.1f}× the CLI's speed" if p95 else "-",
            f"p95 ≤ {ms(TARGET_P95_S)}", p95 <= TARGET_P95_S))
        slowest = sorted(zip(web[-len(pairs):], (a for a, _ in pairs), strict=True),
                         reverse=True)[:3]
        details[f"{kind}: slowest addresses (last run)"] = "; ".join(
            f"{unquote_plus(address)} {ms(seconds)}" for seconds, address in slowest)
    return {"name": "web", "rows": rows, "details": details}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=bench_search.ARTICLES,
                        help="size of the generated archive")
    args = parser.parse_args()
    print_result(run(args.articles))


if __name__ == "__main__":
    main()
