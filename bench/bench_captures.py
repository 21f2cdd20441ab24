"""Benchmark: capture size and read time, zstd with a dictionary per outlet against zlib with a
preset dictionary per language (the previous format), on the replay's real-weight pages.

Pages of three replayed outlets (Vlast, the Steppe Ledger, the Dala agency), as their servers
send them, go through `Archive.record_page` into a real archive in the order a crawl of the three
would store them (Vlast as the default outlet, the other two as added outlets). The baseline is
the previous format on the same pages in the same order: zlib level 9, alone for a language's
first 3 pages, then with the last 32 KiB of them as preset dictionary. Reading is timed per
capture, every capture read once after a warm-up: `Archive.capture` (the row fetched and
decompressed) for the new format, and decompression alone for both. Then a redesign: Vlast's
old articles, archived in the classic layout, are served again in today's layout (the replay's
redesign epoch); their new captures are compressed with retraining (the archive as it is) and
without it (the first dictionary kept), side by side. Last, the zlib captures of an archive of
the previous format (bench_evidence's bulk build) are rewritten as `mediawatch recompress` does
and the archive verified: the rate tells how long a 100,000-capture archive takes.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_evidence import build  # noqa: E402
from bench.common import print_result, row  # noqa: E402
from replay import layouts  # noqa: E402
from replay.server import ReplayApp  # noqa: E402
from replay.sites import make_app  # noqa: E402
from storage import captures, evidence  # noqa: E402
from storage.archive import Archive  # noqa: E402
from storage.captures import CaptureCodec  # noqa: E402
from storage.db import connect, write_transaction  # noqa: E402
from storage.outlets import archive_id, mark_outlet  # noqa: E402
from storage.recompress import BATCH, recompress  # noqa: E402
from storage.records import ArticleRecord  # noqa: E402

PAGES = 240  # per outlet
RECOMPRESS_ARTICLES = 2_000  # an archive of the previous format, rewritten by recompress
SEED = 7
ORIGIN = "https://outlet.example"
FETCHED_AT = "2026-01-21T08:00:00Z"
TARGET_RATIO = 10.0
TARGET_READ_MS = 1.0
# The previous format (storage/captures.py before zstd).
ZLIB_LEVEL, ZLIB_PAGES, ZLIB_BYTES = 9, 3, 32 * 1024


def _bytes(body) -> bytes:
    return body.encode() if isinstance(body, str) else body


def outlet_pages(count: int, seed: int) -> dict[str, list[tuple[str, bytes]]]:
    """(language, page) of `count` article pages of each replayed outlet, as served."""
    found: dict[str, list[tuple[str, bytes]]] = {}
    vlast = ReplayApp(count * 2, seed, 0)
    found["vlast"] = [(a.language, _bytes(vlast.page("GET", a.path, ORIGIN).body))
                      for a in list(vlast.state.live)[:count]]
    for name in ("ledger", "agency"):
        app = make_app(name, count, seed)
        found[name] = [(piece.language, _bytes(app.page("GET", app.path_of(piece), ORIGIN).body))
                       for piece in list(app.state.pieces.values())[:count]]
        found[name] = [(language, body) for language, body in found[name] if body][:count]
    return found


def redesign_pages(count: int, seed: int) -> tuple[list[bytes], list[bytes]]:
    """Vlast's old articles in the classic layout, then the same articles after the redesign."""
    app = ReplayApp(count * 8, seed, 0, None, 1)
    old = [a for a in app.state.live if layouts.layout_of(a, 0, 1) == layouts.CLASSIC][:count]
    before = [_bytes(app.page("GET", a.path, ORIGIN).body) for a in old]
    app.set_epoch(1)
    after = [_bytes(app.page("GET", a.path, ORIGIN).body) for a in old
             if app.state.articles.get(a.id) and app.state.articles[a.id].status == 200]
    return before, after


def interleaved(found: dict[str, list[tuple[str, bytes]]]) -> list[tuple[str, str, bytes]]:
    """(outlet, language, page) in the order a crawl of all three would store them."""
    order = []
    for n in range(max(len(pages) for pages in found.values())):
        for outlet, pages in found.items():
            if n < len(pages):
                order.append((outlet, *pages[n]))
    return order


def zlib_dict(order: list[tuple[str, str, bytes]]) -> tuple[list[int], list[float], list[float]]:
    """Stored sizes, compression and decompression times (s) of the previous format."""
    samples: dict[str, list[bytes]] = {}
    sizes, stored, packing = [], [], []
    for _, language, body in order:
        started = time.perf_counter()
        seen = samples.setdefault(language, [])
        if len(seen) < ZLIB_PAGES:
            data, zdict = zlib.compress(body, ZLIB_LEVEL), None
            seen.append(body)
        else:
            zdict = b"".join(seen)[-ZLIB_BYTES:]
            packer = zlib.compressobj(ZLIB_LEVEL, zdict=zdict)
            data = packer.compress(body) + packer.flush()
        packing.append(time.perf_counter() - started)
        sizes.append(len(data))
        stored.append((data, zdict))
    times = []
    for data, zdict in stored:
        started = time.perf_counter()
        if zdict is None:
            zlib.decompress(data)
        else:
            unpacker = zlib.decompressobj(zdict=zdict)
            unpacker.decompress(data) + unpacker.flush()
        times.append(time.perf_counter() - started)
    return sizes, packing, times


def record(archive: Archive, outlet: str, number: int, body: bytes, marker: str = "") -> int:
    """Store one page as the crawl would (an added outlet's article numbered first); its
    version id."""
    url = f"{ORIGIN}/{outlet}/{number}"
    article_id = 1000 + number
    if outlet != "vlast":
        with write_transaction(archive.db):
            article_id = archive_id(archive.db, outlet, url, FETCHED_AT)
    page = ArticleRecord(article_id=article_id, language="ru", url=url, section="news",
                         slug=str(number), title=f"{outlet} {number}", lead="",
                         body=[f"{outlet} {number} {marker}"])
    outcome = archive.record_page(None, url, 200, {}, body, page, FETCHED_AT)
    if outlet != "vlast":
        with write_transaction(archive.db):
            mark_outlet(archive.db, article_id, outlet)
    return outcome.version_id


def zstd_archive(path: Path, order: list[tuple[str, str, bytes]]) -> dict:
    """Archive the pages; per outlet the stored sizes, and the read times of every capture."""
    packing: list[float] = []
    compress = CaptureCodec.compress

    def timed(self, *args):
        started = time.perf_counter()
        try:
            return compress(self, *args)
        finally:
            packing.append(time.perf_counter() - started)

    CaptureCodec.compress = timed
    try:
        with Archive(path) as archive:
            versions = [record(archive, outlet, n, body)
                        for n, (outlet, _, body) in enumerate(order)]
    finally:
        CaptureCodec.compress = compress
    with Archive(path, readonly=True) as archive:
        rows = archive.db.execute(
            "SELECT c.size, length(c.body), c.compression, c.body FROM versions v"
            " JOIN captures c ON c.id = v.capture_id ORDER BY v.id").fetchall()
        archive.capture(versions[-1])  # warm-up
        codec = CaptureCodec(archive.db)
        cold = []
        for number in {compression for _, _, compression, _ in rows}:
            started = time.perf_counter()
            codec.decompress(next(b for _, _, c, b in rows if c == number), number)
            cold.append(time.perf_counter() - started)
        reads, decompress = [], []
        for version_id, (_, _, compression, body) in zip(versions, rows, strict=True):
            started = time.perf_counter()
            archive.capture(version_id)
            reads.append(time.perf_counter() - started)
            started = time.perf_counter()
            codec.decompress(body, compression)
            decompress.append(time.perf_counter() - started)
        dictionaries = archive.db.execute(
            "SELECT coalesce(outlet, 'vlast'), count(*) FROM capture_zstd_dictionaries"
            " GROUP BY 1").fetchall()
    return {"sizes": [length for _, length, _, _ in rows],
            "plain": [compression == captures.ZSTD for _, _, compression, _ in rows],
            "reads": reads, "decompress": decompress, "cold": cold, "packing": packing,
            "dictionaries": dict(dictionaries)}


def redesign(folder: Path, before: list[bytes], after: list[bytes], retrain: bool) -> dict:
    """Archive the classic pages, then the redesigned ones; sizes of the redesigned captures."""
    saved = captures.RETRAIN_BELOW
    captures.RETRAIN_BELOW = saved if retrain else 0.0
    try:
        with Archive(folder / f"redesign-{retrain}.db") as archive:
            for n, body in enumerate(before):
                record(archive, "vlast", n, body)
            first = archive.db.execute("SELECT max(id) FROM captures").fetchone()[0]
            for n, body in enumerate(after):
                record(archive, "vlast", n, body, "redesigned")
            raw, stored = archive.db.execute(
                "SELECT sum(size), sum(length(body)) FROM captures WHERE id > ?",
                [first]).fetchone()
            dictionaries = archive.db.execute(
                "SELECT count(*) FROM capture_zstd_dictionaries").fetchone()[0]
    finally:
        captures.RETRAIN_BELOW = saved
    return {"ratio": raw / stored, "dictionaries": dictionaries, "pages": len(after)}


def recompress_speed(folder: Path, articles: int) -> dict:
    """Rewrite the zlib captures of an archive of the previous format (bench_evidence's bulk
    build: real-weight pages, its log built), batch by batch as `mediawatch recompress` does;
    then verify it."""
    path = folder / "previous.db"
    build(path, articles)
    db = connect(path)
    with write_transaction(db):
        evidence.build_log(db)
    before = db.execute("SELECT count(*), sum(length(body)) FROM captures").fetchone()
    started, cpu = time.perf_counter(), time.process_time()
    done = recompress(db, write_transaction, batch=BATCH)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    started = time.perf_counter()
    report = evidence.verify(db)
    verify_seconds = time.perf_counter() - started
    db.conn.close()
    return {"captures": done.captures, "seconds": seconds, "cpu": cpu, "stored_before": before[1],
            "stored_after": done.after, "held": report.held, "verify": verify_seconds,
            "left": done.left, "all": before[0]}


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(pages: int = PAGES, seed: int = SEED, articles: int = RECOMPRESS_ARTICLES) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="mediawatch-bench-captures-"))
    try:
        found = outlet_pages(pages, seed)
        order = interleaved(found)
        old_sizes, old_packing, old_times = zlib_dict(order)
        new = zstd_archive(folder / "archive.db", order)
        before, after = redesign_pages(pages, seed)
        kept = redesign(folder, before, after, retrain=False)
        retrained = redesign(folder, before, after, retrain=True)
        rewritten = recompress_speed(folder, articles) if articles else None
    finally:
        shutil.rmtree(folder)
    raw = [len(body) for _, _, body in order]
    rows, details = [], {}
    for outlet in found:
        mine = [n for n, (name, _, _) in enumerate(order) if name == outlet]
        size = sum(raw[n] for n in mine)
        new_ratio = size / sum(new["sizes"][n] for n in mine)
        old_ratio = size / sum(old_sizes[n] for n in mine)
        rows.append(row(f"capture size, {outlet} ({len(mine)} real-weight pages, mean "
                        f"{size / len(mine) / 1024:.1f} KiB)", f"{new_ratio:.1f}× smaller",
                        f"zlib-dict: {old_ratio:.1f}× smaller",
                        f"{new_ratio / old_ratio:.1f}× smaller than zlib-dict",
                        f"≥ {TARGET_RATIO:.0f}× smaller than the page", new_ratio >= TARGET_RATIO))
        details[f"{outlet}: zstd dictionaries / captures without one (its first pages)"] = (
            f"{new['dictionaries'].get(outlet, 0)} / {sum(new['plain'][n] for n in mine)}")
    p50, p95 = quantile(new["reads"], 0.5) * 1000, quantile(new["reads"], 0.95) * 1000
    old_p95 = quantile(old_times, 0.95) * 1000
    new_p95 = quantile(new["decompress"], 0.95) * 1000
    rows.append(row(f"reading a capture (Archive.capture: row and decompression, {len(order)} "
                    f"captures): p95 (p50 {p50:.3f} ms, max {max(new['reads']) * 1000:.3f} ms)",
                    f"{p95:.3f} ms", f"zlib-dict, decompression alone: p95 {old_p95:.3f} ms "
                    f"(zstd-dict alone: {new_p95:.3f} ms)",
                    f"decompression {old_p95 / new_p95:.0f}× faster", f"≤ {TARGET_READ_MS:.0f} ms",
                    p95 <= TARGET_READ_MS))
    rows.append(row(f"Vlast redesign: {retrained['pages']} old articles served again in today's "
                    "layout, their new captures", f"{retrained['ratio']:.1f}× smaller "
                    f"(retrained: {retrained['dictionaries']} dictionaries)",
                    f"first dictionary kept: {kept['ratio']:.1f}× smaller",
                    f"{retrained['ratio'] / kept['ratio']:.2f}×", "retrained, smaller",
                    retrained["dictionaries"] > kept["dictionaries"]
                    and retrained["ratio"] > kept["ratio"]))
    if rewritten:
        rate = rewritten["captures"] / rewritten["seconds"]
        rows.append(row(f"recompress: {rewritten['captures']:,} zlib captures of real-weight pages"
                        f" rewritten ({BATCH} a transaction), then verify",
                        f"{rate:,.0f} captures/s ({rewritten['captures'] / rewritten['cpu']:,.0f}"
                        f" a CPU second); {rewritten['stored_before'] / 2**20:.1f} -> "
                        f"{rewritten['stored_after'] / 2**20:.1f} MiB; verify "
                        f"{'held' if rewritten['held'] else 'FAILED'}",
                        f"verify of the same archive: {rewritten['verify']:.1f} s",
                        f"{rewritten['seconds'] / rewritten['verify']:.2f}× verify's time",
                        "every capture rewritten, verify holds", rewritten["held"]
                        and not rewritten["left"] and rewritten["captures"] == rewritten["all"]))
        cpu_minutes = 100_000 / rewritten["captures"] * rewritten["cpu"] / 60
        details["recompress of 100,000 captures at that rate"] = (
            f"{100_000 / rate / 60:.1f} min wall clock, {cpu_minutes:.1f} min of CPU "
            f"(one batch: {BATCH / rate:.2f} s)")
    details.update({
        "pages": f"{len(order)} ({pages} per outlet, seed {seed}), "
                 f"{sum(raw) / 2**20:.1f} MiB raw",
        "stored, all outlets": f"zstd-dict {sum(new['sizes']) / 2**20:.2f} MiB, zlib-dict "
                               f"{sum(old_sizes) / 2**20:.2f} MiB",
        "decompression alone p50 / p95": f"zstd-dict {quantile(new['decompress'], 0.5) * 1000:.3f}"
                                         f" / {quantile(new['decompress'], 0.95) * 1000:.3f} ms; "
                                         f"zlib-dict {quantile(old_times, 0.5) * 1000:.3f} / "
                                         f"{old_p95:.3f} ms",
        "first read with a dictionary (loading it)": f"max {max(new['cold']) * 1000:.2f} ms",
        "compression per page, p50 / p95 (while archiving; zstd-dict includes choosing and "
        "training dictionaries)": f"zstd-dict {quantile(new['packing'], 0.5) * 1000:.2f} / "
                                  f"{quantile(new['packing'], 0.95) * 1000:.2f} ms, total "
                                  f"{sum(new['packing']):.2f} s; zlib-dict "
                                  f"{quantile(old_packing, 0.5) * 1000:.2f} / "
                                  f"{quantile(old_packing, 0.95) * 1000:.2f} ms, total "
                                  f"{sum(old_packing):.2f} s",
    })
    return {"name": "captures", "rows": rows, "details": details}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=PAGES, help="pages per outlet")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--articles", type=int, default=RECOMPRESS_ARTICLES,
                        help="articles of the previous format's archive to recompress (0: none)")
    options = parser.parse_args()
    print_result(run(options.pages, options.seed, options.articles))


if __name__ == "__main__":
    main()
