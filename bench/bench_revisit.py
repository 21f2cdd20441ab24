"""Benchmark: revisit policies over 90 simulated days of edits to a 60,000-article archive."""

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
from bench.simulate import (  # noqa: E402
    NewsDiffsPolicy,
    Prepared,
    Simulation,
    policies,
    policy_label,
)
from replay.server import ReplayServer  # noqa: E402
from replay.timeline import Process, synthetic  # noqa: E402
from storage.archive import Archive  # noqa: E402
from storage.revisit import AdaptivePolicy  # noqa: E402

SEED = 1
# How the figures move when the assumptions change: each variant runs the service's policy and
# NewsDiffs' schedule over a smaller archive for a shorter time.
VARIANT_BASE = Process(archive=20_000, days=45)
VARIANTS = {
    "as assumed (20,000 articles, 45 days)": {},
    "no edit-prone articles (every article alike)": {"prone_factor": 1.0, "early": 1.1,
                                                     "days_later": 0.22, "late": 0.33},
    "every late edit stealth": {"stealth_late": 1.0},
    "early edits later (median 6 h, not 1.5 h)": {"early_median_hours": 6.0},
    "three times as many late edits": {"late": 0.45},
    "no headline edits": {"headline_share": 0.0},
}


def fmt(value: float, unit: str = "") -> str:
    return f"{value:,.1f}{unit}"


def policy_rows(results: dict[str, dict]) -> list[dict]:
    """The goals of the service's policy against NewsDiffs' schedule in the same run."""
    ours = results[policy_label(AdaptivePolicy(), True)]
    news = results[policy_label(NewsDiffsPolicy(), False)]
    return [
        row("early edits caught (service)", f"{ours['early_caught']:.2%}",
            f"{news['early_caught']:.2%} NewsDiffs", "", ">= 99%", ours["early_caught"] >= 0.99),
        row("early edits: median delay", fmt(ours["early_median_min"], " min"),
            fmt(news["early_median_min"], " min") + " NewsDiffs",
            f"{ours['early_median_min'] / max(news['early_median_min'], 1e-9):.2f}x",
            "<= NewsDiffs and <= 15 min",
            ours["early_median_min"] <= min(news["early_median_min"], 15)),
        row("late edits caught within 7 days", f"{ours['late_within_7d']:.2%}",
            f"{news['late_within_7d']:.2%} NewsDiffs", "",
            ">= 95% and more than NewsDiffs",
            ours["late_within_7d"] >= 0.95 and ours["late_within_7d"] > news["late_within_7d"]),
        row("requests a day", fmt(ours["requests_day"]), fmt(news["requests_day"]) + " NewsDiffs",
            f"{ours['requests_day'] / news['requests_day']:.2f}x", "fewer than NewsDiffs",
            ours["requests_day"] < news["requests_day"]),
        row("share of the polite budget (1 request/s)", f"{ours['budget_share']:.1%}",
            f"{news['budget_share']:.1%} NewsDiffs", "", "<= 100%", ours["budget_share"] <= 1),
    ]


def table(results: dict[str, dict]) -> list[str]:
    """One line per policy, all figures side by side (markdown)."""
    lines = ["| policy | early caught | early median / p90 | late caught in 7 d | "
             "late median / p90 | all edits caught | requests/day | article fetches/day "
             "(304 share) | budget |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for label, f in results.items():
        lines.append(
            f"| {label} | {f['early_caught']:.2%} | {f['early_median_min']:.1f} / "
            f"{f['early_p90_min']:.1f} min | {f['late_within_7d']:.2%} | "
            f"{f['late_median_h']:.1f} / {f['late_p90_h']:.1f} h | {f['caught']:.2%} | "
            f"{f['requests_day']:,.0f} | {f['article_fetches_day']:,.0f} "
            f"({f['not_modified_share']:.0%}) | {f['budget_share']:.1%} |")
    return lines


def run_policies(process: Process, chosen=None) -> tuple[dict[str, dict], dict]:
    started = time.perf_counter()
    timeline = synthetic(SEED, process)
    data = Prepared(timeline)
    results = {}
    for policy, signals in chosen or policies():
        outcome = Simulation(data, policy, signals).run(policy_label(policy, signals))
        results[outcome.label] = outcome.figures()
        print(f"   {outcome.label}: {time.perf_counter() - started:,.0f} s", file=sys.stderr,
              flush=True)
    counts = {"articles": len(timeline.entries),
              "new articles": len(timeline.entries) - data.first_new,
              "changes": len(timeline.revisions)}
    return results, counts


def variants() -> list[str]:
    """The service's policy and NewsDiffs' schedule under other assumptions."""
    lines = ["| assumption | service: early caught, median | NewsDiffs: early caught, median | "
             "service: late in 7 d | NewsDiffs: late in 7 d | requests/day service / "
             "NewsDiffs |", "| --- | --- | --- | --- | --- | --- |"]
    chosen = [(AdaptivePolicy(), True), (NewsDiffsPolicy(), False)]
    for name, change in VARIANTS.items():
        results, _ = run_policies(replace(VARIANT_BASE, **change), chosen)
        ours, news = results.values()
        lines.append(
            f"| {name} | {ours['early_caught']:.2%}, {ours['early_median_min']:.1f} min | "
            f"{news['early_caught']:.2%}, {news['early_median_min']:.1f} min | "
            f"{ours['late_within_7d']:.1%} | {news['late_within_7d']:.1%} | "
            f"{ours['requests_day']:,.0f} / {news['requests_day']:,.0f} |")
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


def run(process: Process | None = None, with_variants: bool = True,
        http_hours: float = 4.0) -> dict:
    process = process or Process()
    results, counts = run_policies(process)
    rows = policy_rows(results)
    agreement = http_agreement(http_hours) if http_hours else None
    if agreement:
        share = agreement["same_versions"] / max(1, agreement["articles"])
        ratio = agreement["http_fetches"] / max(1, agreement["sim_fetches"])
        rows.append(row(f"HTTP run ({agreement['hours']:g} h, real spiders) vs in process: "
                        "articles with the same versions", f"{share:.1%}",
                        f"{agreement['articles']} articles", f"fetches {ratio:.2f}x",
                        ">= 95%, fetches within 10%", share >= 0.95 and abs(ratio - 1) <= 0.1))
    details = {f"timeline: {name}": f"{value:,}" for name, value in counts.items()}
    for label, figures in results.items():
        for name in ("early", "late", "caught", "removals_caught", "longest_wait_min"):
            value = figures[name]
            details[f"{label}: {name}"] = f"{value:.3f}" if isinstance(value, float) else value
    if agreement:
        details.update({f"HTTP agreement: {k}": v for k, v in agreement.items()})
    extra = table(results)
    if with_variants:
        extra += ["", "How the figures move when the assumptions change:", ""] + variants()
    return {"name": "revisit", "rows": rows, "details": details, "extra": extra}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--archive", type=int, default=60_000)
    parser.add_argument("--days", type=float, default=90)
    parser.add_argument("--no-variants", action="store_true")
    parser.add_argument("--http-hours", type=float, default=4.0,
                        help="simulated hours of the HTTP agreement run (0: skip it)")
    args = parser.parse_args()
    result = run(Process(archive=args.archive, days=args.days), not args.no_variants,
                 args.http_hours)
    print_result(result)
    print("\n".join(result["extra"]))


if __name__ == "__main__":
    main()
