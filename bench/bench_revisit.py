"""Benchmark: revisit policies on revision timelines of several shapes, against looking at
every article every minute."""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import PYTHON, print_result, row  # noqa: E402
from bench.shapes import DESCRIPTIONS, SHAPES, shaped  # noqa: E402
from bench.simulate import (  # noqa: E402
    Contender,
    Prepared,
    Simulation,
    looking_every,
    policies,
)
from replay.server import ReplayServer  # noqa: E402
from replay.timeline import Process  # noqa: E402
from storage.archive import Archive  # noqa: E402
from storage.revisit import AdaptivePolicy  # noqa: E402

SEED = 1
SERVICE = "service (adaptive + signals)"
FORMER = "former service (10 min while fresh)"
NEWSDIFFS = "NewsDiffs' schedule"
CEILING = "every minute (ceiling)"
EVERY_10 = "every 10 min"
# Each shape runs over a smaller archive than the replay's five years, for a month.
SHAPE_PROCESS = Process(archive=20_000, days=30)


def chosen(full: bool) -> list[Contender]:
    """The policies run on every shape (`full`: every one the simulation knows)."""
    every = policies()
    return every if full else [c for c in every if c.label in (SERVICE, FORMER, NEWSDIFFS)]


def run_shape(shape: str, process: Process, contenders: list[Contender]
              ) -> tuple[dict[str, dict], dict]:
    """Figures of each policy (and of looking every minute and every 10 minutes, computed)
    over one timeline shape."""
    started = time.perf_counter()
    timeline, bursts = shaped(shape, SEED, process)
    data = Prepared(timeline)
    results = {label: looking_every(data, every, label).figures(bursts)
               for label, every in ((CEILING, 60.0), (EVERY_10, 600.0))}
    for c in contenders:
        outcome = Simulation(data, c.policy, c.signals, c.revisit_every, c.new_every).run(c.label)
        results[c.label] = outcome.figures(bursts)
        print(f"   {shape}: {c.label}: {time.perf_counter() - started:,.0f} s", file=sys.stderr,
              flush=True)
    counts = {"articles": len(timeline.entries),
              "new articles": len(timeline.entries) - data.first_new,
              "changes": len(timeline.revisions), "burst edits": len(bursts)}
    return results, counts


def ahead(ours: dict, news: dict) -> list[str]:
    """The axes on which the service is not ahead of NewsDiffs (empty: ahead on every one)."""
    behind = []
    if ours["early_caught"] < news["early_caught"]:
        behind.append("early caught")
    for name in ("early_median_min", "early_p90_min"):
        if ours[name] > news[name]:
            behind.append(name)
    if ours["late_within_7d"] < news["late_within_7d"]:
        behind.append("late in 7 d")
    if ours["burst"] and ours["burst_median_h"] > news["burst_median_h"]:
        behind.append("burst median")
    if ours["removals_caught"] < news["removals_caught"]:
        behind.append("removals caught")
    return behind


def shape_rows(shape: str, results: dict[str, dict]) -> list[dict]:
    """The targets on one shape: early edits caught and their delay against the ceiling, and
    the service against NewsDiffs' schedule in the same run."""
    ours, news, top = results[SERVICE], results[NEWSDIFFS], results[CEILING]
    behind = ahead(ours, news)
    rows = [
        row(f"{shape}: early edits caught (service)", f"{ours['early_caught']:.2%}",
            f"{news['early_caught']:.2%} NewsDiffs, {top['early_caught']:.2%} every minute",
            f"{ours['early_caught'] / max(top['early_caught'], 1e-9):.3f} of the ceiling",
            ">= 97%", ours["early_caught"] >= 0.97),
        row(f"{shape}: early edits, median / p90 delay", fmt(ours["early_median_min"], "")
            + " / " + fmt(ours["early_p90_min"], " min"),
            fmt(news["early_median_min"], "") + " / " + fmt(news["early_p90_min"], " min")
            + " NewsDiffs", f"{ours['early_median_min'] / max(news['early_median_min'], 1e-9):.2f}x",
            "median <= 5 min", ours["early_median_min"] <= 5),
        row(f"{shape}: ahead of NewsDiffs (early caught, median, p90, late in 7 d, removals"
            + (", burst median" if ours["burst"] else "") + ")",
            "every axis" if not behind else "behind: " + ", ".join(behind), NEWSDIFFS, "",
            "every axis", not behind),
        row(f"{shape}: share of the polite budget (1 request/s)", f"{ours['budget_share']:.1%}",
            f"{news['budget_share']:.1%} NewsDiffs", "", "<= 100%", ours["budget_share"] <= 1),
    ]
    if ours["burst"]:
        rows.append(row(f"{shape}: edits of the section revised in one hour, seen within 6 h",
                        f"{ours['burst_within_6h']:.1%}",
                        f"{news['burst_within_6h']:.1%} NewsDiffs", "",
                        "more than NewsDiffs", ours["burst_within_6h"] > news["burst_within_6h"]))
    return rows


def fmt(value: float, unit: str = "") -> str:
    return f"{value:,.1f}{unit}"


def table(results: dict[str, dict]) -> list[str]:
    """One line per policy, all figures side by side (markdown)."""
    lines = ["| policy | early edits caught | early median / p90 | late caught in 7 d | "
             "section revised in 1 h: seen in 6 h, median / p90 | requests/day | "
             "article fetches/day (304 share) | budget |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for label, f in results.items():
        burst = (f"{f['burst_within_6h']:.1%}, {f['burst_median_h']:.1f} / "
                 f"{f['burst_p90_h']:.1f} h" if f["burst"] else "")
        fetches = (f"{f['article_fetches_day']:,.0f} ({f['not_modified_share']:.0%})"
                   if f["article_fetches_day"] else "")
        lines.append(
            f"| {label} | {f['early_caught']:.2%} | {f['early_median_min']:.1f} / "
            f"{f['early_p90_min']:.1f} min | {f['late_within_7d']:.2%} | {burst} | "
            f"{f['requests_day']:,.0f} | {fetches} | {f['budget_share']:.1%} |")
    return lines


# ---- the short run over HTTP through the real spiders ---------------------------------------

AGREEMENT_PROCESS = Process(days=1, new_per_day=(("ru", 120.0), ("kk", 36.0), ("en", 36.0)))


def http_agreement(hours: float = 4.0, every_minutes: int = 30, articles: int = 60,
                   seed: int = 3) -> dict:
    """The replay on its clock, crawled by the real spiders every `every_minutes` (new, then
    revisit), against the in-process simulation of the same timeline and ticks: versions per
    article and article requests must agree. Three times the usual new articles, for edits."""
    process = replace(AGREEMENT_PROCESS, days=math.ceil(hours / 24))
    server = ReplayServer(articles=articles, seed=seed, process=process).start()
    try:
        site = server.app.clocked
        timeline = site.timeline
        with tempfile.TemporaryDirectory() as tmp:
            db = str(Path(tmp) / "archive.db")
            ticks = int(hours * 60 / every_minutes)
            for tick in range(ticks + 1):
                moment = timeline.start + timedelta(minutes=every_minutes * tick)
                server.set_clock(moment)
                modes = ["backfill"] if tick == 0 else ["new", "revisit"]
                for mode in modes:
                    _crawl(server.base_url, db, moment, mode)
            with Archive(db) as archive:
                versions = dict(archive.db.execute(
                    "SELECT id, current_version FROM articles").fetchall())
                fetched = archive.db.execute(
                    "SELECT count(*) FROM fetches WHERE outcome != 'failed'").fetchone()[0]
        timeline.end = timeline.start + timedelta(minutes=every_minutes * ticks)
        data = Prepared(timeline)
        simulation = Simulation(data, AdaptivePolicy(), True, revisit_every=every_minutes * 60,
                                new_every=every_minutes * 60, budget=math.inf, fresh=True)
        simulation.run("in process")
        simulated = {key: simulation.versions[i] for i, key in enumerate(data.ids)
                     if simulation.known[i]}
        sim_fetches = sum(simulation.requests[k] for k in ("article", "article_304"))
    finally:
        server.stop()
    same = sum(versions.get(key) == count for key, count in simulated.items())
    changes = sum(1 for r in timeline.revisions if r.at <= timeline.end)
    return {"hours": hours, "articles": len(simulated), "changes": changes,
            "same_versions": same,
            "http_versions": sum(versions.values()), "sim_versions": sum(simulated.values()),
            "http_fetches": fetched, "sim_fetches": sim_fetches}


def _crawl(base_url: str, db: str, moment, mode: str) -> None:
    env = dict(os.environ, MEDIAWATCH_CLOCK=moment.isoformat(timespec="seconds"))
    env.pop("MEDIAWATCH_REVISIT_STEPS", None)
    env.pop("MEDIAWATCH_REVISIT_POLICY", None)
    subprocess.run([PYTHON, "-m", "cli", "crawl", "--mode", mode, "--base-url", base_url,
                    "--db", db], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def run(process: Process | None = None, shapes: tuple[str, ...] = SHAPES, full: bool = False,
        http_hours: float = 4.0) -> dict:
    process = process or SHAPE_PROCESS
    rows, details, extra = [], {}, []
    for shape in shapes:
        results, counts = run_shape(shape, process, chosen(full))
        rows += shape_rows(shape, results)
        details.update({f"{shape}: {name}": f"{value:,}" for name, value in counts.items()})
        details.update({f"{shape}: early edits": results[SERVICE]["early"],
                        f"{shape}: longest wait for budget, service (min)":
                            f"{results[SERVICE]['longest_wait_min']:.1f}"})
        extra += ["", f"Shape `{shape}`: {DESCRIPTIONS[shape]}.", ""] + table(results)
    agreement = http_agreement(http_hours) if http_hours else None
    if agreement:
        share = agreement["same_versions"] / max(1, agreement["articles"])
        ratio = agreement["http_fetches"] / max(1, agreement["sim_fetches"])
        rows.append(row(f"HTTP run ({agreement['hours']:g} h, real spiders) vs in process: "
                        "articles with the same versions", f"{share:.1%}",
                        f"{agreement['articles']} articles", f"fetches {ratio:.2f}x",
                        ">= 95%, fetches within 10%", share >= 0.95 and abs(ratio - 1) <= 0.1))
        details.update({f"HTTP agreement: {k}": v for k, v in agreement.items()})
    return {"name": "revisit", "rows": rows, "details": details, "extra": extra}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--archive", type=int, default=SHAPE_PROCESS.archive)
    parser.add_argument("--days", type=float, default=SHAPE_PROCESS.days)
    parser.add_argument("--shape", action="append", choices=SHAPES,
                        help="only this timeline shape (again for more); default all")
    parser.add_argument("--full", action="store_true",
                        help="every policy the simulation knows, not only the service, its "
                             "former policy and NewsDiffs' schedule")
    parser.add_argument("--http-hours", type=float, default=4.0,
                        help="simulated hours of the HTTP agreement run (0: skip it)")
    args = parser.parse_args()
    result = run(Process(archive=args.archive, days=args.days), tuple(args.shape or SHAPES),
                 args.full, args.http_hours)
    print_result(result)
    print("\n".join(result["extra"]))


if __name__ == "__main__":
    main()
