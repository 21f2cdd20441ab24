"""Benchmark: capacity of one machine: the service's crawl jobs for 10, 50 and 100 replayed
outlets, priced on the revisit simulation's day, as outlets per core and the limit met first.

The outlets are generated (replay/fleet.py: seeded variants of the Ledger and the Dala agency,
real-weight pages, each on an address of its own), served by one replay process. Their
definitions are what `outlet add` finds for the first outlet of each model, copied to the others
with their own name and address. The archive grows by stages: each stage adds outlets until
there are N and crawls each new one back to its first article (epoch 0, one process per
outlet); then a sample of the stage's new outlets lives one simulated day (epoch 1,
MEDIAWATCH_CLOCK a day later) through the jobs the service runs for each outlet and edition,
each a `mediawatch crawl` process as the scheduler starts them: the crawl for new articles, one
more 15 minutes later (nothing new), the revisit of what fell due, one more 5 minutes later
(nothing due), a revisit of every article (conditional requests) and the daily sweep. CPU and
peak memory are each crawl process's own (wait4), requests and bytes are counted by the replay.

Those jobs give the costs: a crawl process that has nothing to do, a request, a new article,
archive bytes per version and per request. The day of an outlet is the revisit simulation's
(bench/simulate.py: the service's jobs and policy on a simulated clock, in this process) for
two outlets: a small one (3,000 articles, 12 new a day) and one the size of Vlast (60,000, 64 a
day); its requests priced with the costs measured at each stage. The first stage is the
baseline of the others.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import settings as project_settings  # noqa: E402
from bench.bench_search import time_queries  # noqa: E402
from bench.common import PYTHON, cpu_seconds, get_json, print_result, row  # noqa: E402
from bench.simulate import EDITIONS, Prepared, Simulation  # noqa: E402
from crawler.child import read_outcome  # noqa: E402
from outlets import files  # noqa: E402
from replay.evaluate import score_outlet  # noqa: E402
from replay.timeline import Process, synthetic  # noqa: E402
from storage.archive import Archive  # noqa: E402
from storage.revisit import AdaptivePolicy  # noqa: E402

STAGES = (10, 50, 100)
QUICK_STAGES = (2, 4)
ARTICLES = 30  # each outlet's articles at epoch 0
SAMPLE = 6  # outlets of each stage that live the simulated day
PROBE = 999  # the number of the large outlet whose revisits price a request
PROBE_ARTICLES = 400
SEED = 7
DAY = 86_400
SIM_DAYS = 7
CLOCK0 = datetime(2026, 1, 20, 16, 0, tzinfo=UTC)  # after epoch 0's last article
# The service's jobs a day for one edition (settings.py; scheduler.py's kinds).
JOBS_A_DAY = (DAY / project_settings.MEDIAWATCH_NEW_INTERVAL
              + DAY / project_settings.MEDIAWATCH_REVISIT_INTERVAL
              + DAY / project_settings.MEDIAWATCH_SWEEP_INTERVAL)
POLITE_DELAY = project_settings.DOWNLOAD_DELAY  # seconds between two requests to one host
MAX_CRAWLS = project_settings.MEDIAWATCH_MAX_CRAWLS  # the service's crawls at once (lanes)
# (kind, mode, minutes after the day's clock, options): the jobs of a sampled outlet-edition.
DAY_JOBS = (("new", "new", 0), ("new, nothing new", "new", 15), ("revisit", "revisit", 0),
            ("revisit, nothing due", "revisit", 5), ("sweep", "backfill", 20))
# Tables and indexes of what every request adds to the archive (the fetch log, the evidence log).
FETCH_OBJECTS = ("fetches", "idx_fetches_", "evidence", "idx_evidence_")
# Outlets priced on the revisit simulation's day: (name, its process).
PROFILES = (
    ("small outlet (3,000 articles, 12 new a day)",
     Process(archive=3_000, days=SIM_DAYS, new_per_day=(("ru", 6.0), ("kk", 3.0), ("en", 3.0)))),
    ("Vlast-size outlet (60,000 articles, 64 new a day)", Process(days=SIM_DAYS)),
)
# Archiving one page (record_page: the version, its capture, the index) and writing one fetch
# to the evidence log: docs/benchmarks.md, "Evidence log" (18.7 s and 0.88 s for 2,000 pages).
WRITE_PAGE_S = 18.7 / 2000
WRITE_FETCH_S = 0.88 / 2000
SCHEDULER_RSS_MIB = 47.5  # docs/benchmarks.md, "Scheduler memory"


@dataclass
class Job:
    """One crawl process: what it ran and what it cost."""

    outlet: str
    edition: str
    kind: str
    wall: float
    cpu: float
    maxrss_kib: int
    requests: int  # answered by the replay
    served_bytes: int
    new: int = 0
    ok: bool = True
    error: str | None = None


@dataclass
class Stage:
    """What was measured with N outlets in the archive and the replay."""

    outlets: int
    articles: int = 0
    first_crawls: list[Job] = field(default_factory=list)
    day: list[Job] = field(default_factory=list)
    probe: Job | None = None  # the large outlet's revisit of every article
    day_outlets: int = 0
    archive_bytes: int = 0
    fetch_bytes: float = 0.0  # archive bytes per fetch logged
    version_bytes: float = 0.0  # archive bytes per version, the fetch log left out
    search: dict = field(default_factory=dict)
    scores: list = field(default_factory=list)  # (outlet, found, expected, mean body F1)


class Fleet:
    """The replay of the generated outlets in its own process (python -m replay.fleet)."""

    def __init__(self, count: int, articles: int, seed: int, first: int = 1) -> None:
        self.process = subprocess.Popen(
            [PYTHON, "-m", "replay.fleet", "--outlets", str(count), "--articles", str(articles),
             "--seed", str(seed), "--first", str(first), "--spread"], cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True)
        self.urls: dict[str, str] = {}
        self.models: dict[str, str] = {}
        for line in self.process.stdout:
            item = json.loads(line)
            if "ready" in item:
                break
            self.urls[item["name"]] = item["base_url"]
            self.models[item["name"]] = item["model"]
        if len(self.urls) != count:
            self.stop()
            raise RuntimeError("the replay of the generated outlets did not start")

    def served(self, name: str) -> dict:
        return get_json(self.urls[name] + "/_replay/served")

    def set_epoch(self, name: str, epoch: int) -> None:
        request = urllib.request.Request(f"{self.urls[name]}/_replay/epoch/{epoch}",
                                         method="POST")
        urllib.request.urlopen(request, timeout=60).read()

    def manifest(self, name: str) -> dict:
        return get_json(self.urls[name] + "/_replay/manifest.json")

    def cpu(self) -> float:
        return cpu_seconds(self.process.pid)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


class Bench:
    """The archive, the outlets' definitions and the crawl processes of one run."""

    def __init__(self, folder: Path, fleet: Fleet, probe: Fleet | None = None) -> None:
        self.db = str(folder / "archive.db")
        self.outlets_dir = folder / "outlets"
        self.fleets = {name: f for f in (fleet, probe) if f for name in f.urls}
        self.languages: dict[str, tuple[str, ...]] = {}
        self.templates: dict[str, tuple[str, str, str]] = {}  # model -> (TOML, name, origin)

    def define(self, name: str) -> None:
        """The outlet's definition: `outlet add` for the first of its model, a copy after."""
        model, url = self.fleets[name].models[name], self.fleets[name].urls[name]
        path = self.outlets_dir / f"{name}.toml"
        if model not in self.templates:
            done = subprocess.run(
                [PYTHON, "-m", "cli", "outlet", "add", url, "--name", name, "--db", self.db,
                 "--outlets-dir", str(self.outlets_dir)], cwd=ROOT, capture_output=True,
                text=True, timeout=600)
            if done.returncode != 0:
                raise RuntimeError(f"outlet add {url}: {done.stderr.strip()[-500:]}")
            self.templates[model] = (path.read_text(encoding="utf-8"), name, url)
        else:
            text, first, origin = self.templates[model]
            old, new = origin.split("//")[1].split(":")[0], url.split("//")[1].split(":")[0]
            copy = text.replace(f'"{origin}"', f'"{url}"').replace(f'"{old}"', f'"{new}"')
            copy = copy.replace(f'"{first}"', f'"{name}"')
            files.save(files.loads(copy, path.name), path)
        self.languages[name] = files.load(path).languages

    def crawl(self, name: str, mode: str, clock: datetime, kind: str, edition: str = "all",
              options: tuple[str, ...] = ()) -> Job:
        """One `mediawatch crawl` process, timed, its CPU and peak memory read by wait4."""
        before = self.fleets[name].served(name)
        command = [PYTHON, "-m", "cli", "crawl", "--outlet", name, "--edition", edition,
                   "--mode", mode, *options, "--db", self.db, "--outlets-dir",
                   str(self.outlets_dir), "--json"]
        env = dict(os.environ, MEDIAWATCH_CLOCK=clock.isoformat(timespec="seconds"))
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            start = time.perf_counter()
            child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err,
                                     text=True)
            _, status, usage = os.wait4(child.pid, 0)
            wall = time.perf_counter() - start
            child.returncode = os.waitstatus_to_exitcode(status)
            out.seek(0)
            err.seek(0)
            outcome = read_outcome(child.returncode, out.read(), err.read())
        after = self.fleets[name].served(name)
        new = sum((run.get("stats") or {}).get("new", 0) for run in outcome.runs)
        return Job(name, edition, kind, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss,
                   after["requests"] - before["requests"], after["bytes"] - before["bytes"],
                   new, outcome.ok, outcome.error)

    def measure_archive(self, stage: Stage) -> None:
        """The archive's size once its journal is written back, its articles, and its bytes
        per fetch logged and per version."""
        with Archive(self.db) as archive:
            db = archive.db
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            sizes = db.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall()
            fetches = db.execute("SELECT COUNT(*) FROM fetches").fetchone()[0]
            versions = db.execute("SELECT COUNT(*) FROM versions").fetchone()[0]
            stage.articles = db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        logged = sum(size for name, size in sizes if name.startswith(FETCH_OBJECTS))
        stage.archive_bytes = os.path.getsize(self.db)
        stage.fetch_bytes = logged / max(1, fetches)
        stage.version_bytes = (sum(size for _, size in sizes) - logged) / max(1, versions)


def sampled(names: list[str], models: dict[str, str], count: int) -> list[str]:
    """`count` of the names, spread evenly over them, as many of each model as can be."""
    chosen: list[str] = []
    groups = [[n for n in names if models[n] == model] for model in sorted(set(models.values()))]
    for number, group in enumerate(groups):
        wanted = count // len(groups) + (number < count % len(groups))
        chosen += group[::max(1, len(group) // max(1, wanted))][:wanted]
    return sorted(chosen)


def run_stage(bench: Bench, stage: Stage, names: list[str], sample: int, probe: str) -> None:
    """Add the stage's outlets, crawl each back to its first article, live a day on a sample;
    then the large outlet's revisit of every article, and the searches."""
    if probe not in bench.languages:
        bench.define(probe)
        bench.crawl(probe, "backfill", CLOCK0, "first crawl")
    for name in names:
        bench.define(name)
        job = bench.crawl(name, "backfill", CLOCK0, "first crawl")
        stage.first_crawls.append(job)
        print(f"   {name}: first crawl {job.wall:.1f} s, {job.cpu:.1f} s CPU", file=sys.stderr,
              flush=True)
    day = CLOCK0 + timedelta(days=1)
    chosen = sampled(names, {name: bench.fleets[name].models[name] for name in names}, sample)
    for name in chosen:
        bench.fleets[name].set_epoch(name, 1)
        for edition in bench.languages[name]:
            for kind, mode, minutes in DAY_JOBS:
                stage.day.append(bench.crawl(name, mode, day + timedelta(minutes=minutes), kind,
                                             edition))
        score = score_outlet(bench.db, bench.fleets[name].manifest(name), name)
        stage.scores.append((name, score.found, score.expected, score.mean_f1))
        print(f"   {name}: a day, {score.found}/{score.expected} archived", file=sys.stderr,
              flush=True)
    stage.day_outlets = len(chosen)
    stage.probe = bench.crawl(probe, "revisit", CLOCK0 + timedelta(hours=stage.outlets),
                              "revisit everything", options=("--everything",))
    bench.measure_archive(stage)
    with Archive(bench.db) as archive:
        times = sorted(t for values in time_queries(archive).values() for t in values)
    stage.search = {"p50": statistics.median(times),
                    "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]}


# ---- figures -------------------------------------------------------------------------------

def total(jobs: list[Job], kind: str, name: str) -> float:
    return sum(getattr(job, name) for job in jobs if job.kind == kind)


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def costs(stage: Stage) -> dict:
    """What the stage's jobs cost: a crawl process that asks nothing (its start and end), a
    request answered 304 (the large outlet's revisit of every article against the revisits
    with nothing due), an article page archived (the first crawls, their other requests priced
    as the 304s), archive bytes per version and per fetch, and the largest crawl process."""
    quiet = [j for j in stage.day if j.kind == "revisit, nothing due"]
    cpu_q, asked_q = mean(j.cpu for j in quiet), mean(j.requests for j in quiet)
    probe = stage.probe
    request = max(0.0, probe.cpu - cpu_q) / max(1.0, probe.requests - asked_q)
    job = max(0.0, cpu_q - asked_q * request)
    first = stage.first_crawls
    pages = sum(j.new for j in first)
    others = sum(j.requests for j in first) - pages
    page = max(0.0, sum(j.cpu for j in first) - len(first) * job - others * request) / max(
        1, pages)
    quiet_new = [j for j in stage.day if j.kind == "new, nothing new"]
    return {
        "job": job, "request": request, "page": page,
        "job_wall": mean(j.wall - j.requests * request for j in quiet),
        "quiet_new": mean(j.cpu for j in quiet_new),
        "quiet_new_requests": mean(j.requests for j in quiet_new),
        "probe_requests": probe.requests,
        "throughput": sum(j.requests for j in first) / max(1e-9, sum(j.wall for j in first)),
        "maxrss": max(j.maxrss_kib for j in stage.day + first + [probe]) / 1024,
        "page_bytes": sum(j.served_bytes for j in first) / max(1, sum(j.requests for j in first)),
        "version_bytes": stage.version_bytes, "fetch_bytes": stage.fetch_bytes,
    }


def simulated_days() -> list[tuple[str, dict]]:
    """Each profile's requests a day by kind, from the revisit simulation of its outlet."""
    days = []
    for name, process in PROFILES:
        data = Prepared(synthetic(SEED, process))
        outcome = Simulation(data, AdaptivePolicy(), True).run(name)
        requests = {kind: count / outcome.days for kind, count in outcome.requests.items()}
        days.append((name, requests))
    return days


def priced(requests: dict, cost: dict) -> dict:
    """One outlet's day (three editions, the real schedule) at the measured costs."""
    jobs = len(EDITIONS) * JOBS_A_DAY
    pages = requests.get("article", 0.0)  # answered 200: a new article or a new version
    fetched = pages + requests.get("article_304", 0.0)  # article fetches, each logged
    count = sum(requests.values())
    cpu = jobs * cost["job"] + (count - pages) * cost["request"] + pages * cost["page"]
    return {
        "jobs": jobs, "requests": count, "cpu": cpu, "start_share": jobs * cost["job"] / cpu,
        "work": cpu - jobs * cost["job"],  # the same day with no process started per job
        # an outlet's lane runs its crawls one at a time: each starts, then asks one request a
        # second of its host (the work on the answers overlaps the waits)
        "queue": jobs * cost["job"] + count * POLITE_DELAY,
        "writer": pages * WRITE_PAGE_S + fetched * WRITE_FETCH_S,
        "growth": pages * cost["version_bytes"] + fetched * cost["fetch_bytes"],
    }


def report(stages: list[Stage], profiles: list[tuple[str, dict]], replay_cpu: float,
           elapsed: float, articles: int, probe_articles: int) -> dict:
    base, last = stages[0], stages[-1]
    base_cost = costs(base)
    rows: list[dict] = []
    extra = ["| outlets | articles | archive | first crawl per outlet: CPU, wall | a crawl "
             "process that asks nothing: CPU | CPU per request (304) | CPU per article page "
             "archived | archive per version / per fetch logged | peak RSS of a crawl | "
             "search p50 / p95 |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- | "
             "--- |"]
    for stage in stages:
        cost = costs(stage)
        extra.append(
            f"| {stage.outlets} | {stage.articles:,} | {stage.archive_bytes / 2**20:,.1f} MiB | "
            f"{mean(j.cpu for j in stage.first_crawls):.1f} s, "
            f"{mean(j.wall for j in stage.first_crawls):.1f} s | {cost['job']:.2f} s | "
            f"{cost['request'] * 1000:,.1f} ms | {cost['page'] * 1000:,.0f} ms | "
            f"{cost['version_bytes'] / 1024:,.1f} KiB / {cost['fetch_bytes']:,.0f} B | "
            f"{cost['maxrss']:,.0f} MiB | {stage.search['p50'] * 1000:,.1f} / "
            f"{stage.search['p95'] * 1000:,.1f} ms |")
    extra += ["", "| outlet (its day from the revisit simulation) | outlets in the archive | "
              "crawl processes a day | requests a day (share of one host's 1 request/s) | CPU a "
              "day (process start-up share) | CPU share per outlet | outlets per core | "
              "outlets per core, no process per job | outlets one crawl at a time holds (1 "
              "request/s a host) | SQLite writer a day | archive growth a day |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, requests in profiles:
        for stage in stages:
            day = priced(requests, costs(stage))
            extra.append(
                f"| {name} | {stage.outlets} | {day['jobs']:,.0f} | {day['requests']:,.0f} "
                f"({day['requests'] / DAY:.1%}) | {day['cpu']:,.0f} s "
                f"({day['start_share']:.0%}) | {day['cpu'] / DAY:.2%} | {DAY / day['cpu']:,.0f} "
                f"| {DAY / day['work']:,.0f} | {DAY / day['queue']:,.1f} | "
                f"{day['writer']:,.0f} s | "
                f"{day['growth'] / 2**20:,.1f} MiB |")
        for stage in stages[1:]:
            day, first = priced(requests, costs(stage)), priced(requests, base_cost)
            rows.append(row(
                f"{name}: CPU a day, priced at {stage.outlets} outlets",
                f"{day['cpu']:,.0f} s ({DAY / day['cpu']:,.0f} outlets per core)",
                f"at {base.outlets} outlets: {first['cpu']:,.0f} s "
                f"({DAY / first['cpu']:,.0f} per core)", f"{day['cpu'] / first['cpu']:.2f}x",
                "within 1.5x of the baseline", day["cpu"] <= 1.5 * first["cpu"]))
    for stage in stages[1:]:
        rows.append(row(f"search p95, {stage.articles:,} articles ({stage.outlets} outlets)",
                        f"{stage.search['p95'] * 1000:,.1f} ms",
                        f"{base.articles:,} articles: {base.search['p95'] * 1000:,.1f} ms",
                        f"{stage.search['p95'] / base.search['p95']:.2f}x", "<= 100 ms",
                        stage.search["p95"] <= 0.1))
        cost = costs(stage)
        rows.append(row(f"a crawl process that asks nothing, {stage.outlets} outlets",
                        f"{cost['job']:.2f} s CPU", f"{base.outlets} outlets: "
                        f"{base_cost['job']:.2f} s", f"{cost['job'] / base_cost['job']:.2f}x",
                        "-", True))
    cost = costs(last)
    cores = os.cpu_count() or 1
    for name, requests in profiles:
        day = priced(requests, cost)
        rows.append(row(f"{name}: the first limit, outlets the service's {MAX_CRAWLS} crawls at "
                        "once hold at 1 request/s a host",
                        f"{MAX_CRAWLS * DAY / day['queue']:,.0f} (one crawl at a time: "
                        f"{DAY / day['queue']:,.1f})",
                        f"CPU of {cores} cores: {cores * DAY / day['cpu']:,.0f}",
                        f"{MAX_CRAWLS * day['cpu'] / day['queue'] / cores:.2f}x", "-", True))
    scores = [s for stage in stages for s in stage.scores]
    found, expected = sum(s[1] for s in scores), sum(s[2] for s in scores)
    rows.append(row("sampled outlets' articles archived after their day (replay truth)",
                    f"{found / max(1, expected):.1%} of {expected:,}, body F1 "
                    f"{mean(s[3] for s in scores):.3f}", "the replay's manifests", "-",
                    ">= 98%", found >= 0.98 * expected))
    failed = [j for stage in stages for j in stage.first_crawls + stage.day if not j.ok]
    details = {
        "stages": f"{', '.join(str(s.outlets) for s in stages)} outlets ({articles} articles "
                  "each at epoch 0); the day lived by "
                  f"{', '.join(str(s.day_outlets) for s in stages)} new outlets of each stage",
        "crawl processes": f"{sum(len(s.first_crawls) + len(s.day) for s in stages)} "
                           f"({len(failed)} failed)",
        "a crawl for new articles that finds none, last stage: measured, priced":
            f"{cost['quiet_new']:.2f} s CPU for {cost['quiet_new_requests']:.1f} requests; "
            f"{cost['job'] + cost['quiet_new_requests'] * cost['request']:.2f} s",
        "a crawl process that asks nothing, last stage: wall on this machine":
            f"{cost['job_wall']:.2f} s",
        "the large outlet's revisit of every article (prices a request)":
            f"{probe_articles} articles, {cost['probe_requests']} requests",
        "requests a second while crawling (first crawls, no delays), last stage":
            f"{cost['throughput']:,.1f}",
        "mean answer served (first crawls)": f"{cost['page_bytes'] / 1024:,.1f} KiB",
        "replay process CPU (not counted above)": f"{replay_cpu:,.0f} s",
        "memory": f"one crawl at a time: the scheduler ({SCHEDULER_RSS_MIB} MiB) and one crawl "
                  f"process (peak {cost['maxrss']:,.0f} MiB), whatever the number of outlets",
        "elapsed": f"{elapsed / 60:,.1f} min",
    }
    for name, requests in profiles:
        day = priced(requests, cost)
        details[f"{name}: requests a day by kind"] = ", ".join(
            f"{kind} {count:,.0f}" for kind, count in sorted(requests.items()))
        crawls = math.ceil(day["queue"] * last.outlets / DAY)
        details[f"{name}: {last.outlets} outlets"] = (
            f"{day['requests'] * last.outlets / DAY:,.1f} requests/s, "
            f"{day['cpu'] * last.outlets / DAY:,.2f} cores "
            f"({day['work'] * last.outlets / DAY:,.2f} with no process per job), "
            f"{crawls} crawls at a time to keep up at 1 request/s per host "
            f"({crawls * cost['maxrss']:,.0f} MiB of crawl processes), "
            f"{day['growth'] * 365 * last.outlets / 2**30:,.0f} GiB a year, SQLite writer busy "
            f"{day['writer'] * last.outlets / DAY:.1%} of the time")
    if failed:
        details["failures"] = "; ".join(f"{j.outlet} {j.kind}: {j.error}" for j in failed[:5])
    return {"name": "capacity", "rows": rows, "details": details, "extra": extra}


def run(stages: tuple[int, ...] = STAGES, articles: int = ARTICLES, sample: int = SAMPLE,
        probe_articles: int = PROBE_ARTICLES, seed: int = SEED) -> dict:
    started = time.perf_counter()
    profiles = simulated_days()
    results: list[Stage] = []
    with tempfile.TemporaryDirectory(prefix="mediawatch-bench-capacity-") as tmp:
        fleet = Fleet(max(stages), articles, seed)
        try:
            probe = Fleet(1, probe_articles, seed, first=PROBE)
        except BaseException:
            fleet.stop()
            raise
        try:
            bench = Bench(Path(tmp), fleet, probe)
            names = list(fleet.urls)
            done = 0
            for count in stages:
                stage = Stage(count)
                print(f"stage: {count} outlets", file=sys.stderr, flush=True)
                run_stage(bench, stage, names[done:count], min(sample, count - done),
                          next(iter(probe.urls)))
                done = count
                results.append(stage)
            replay_cpu = fleet.cpu() + probe.cpu()
        finally:
            fleet.stop()
            probe.stop()
    return report(results, profiles, replay_cpu, time.perf_counter() - started, articles,
                  probe_articles)


# ---- the real service ------------------------------------------------------------------------

SERVICE_SCALE = 30  # the service's intervals divided by this in its short run


def measure_service(db: str, outlets_dir: str, seconds: float, max_crawls: int) -> dict:
    """Run scheduler.CrawlService over the outlets folder for `seconds` (in this process, whose
    children are its crawls) and return what its crawls cost and how many ran at once."""
    import logging
    import resource
    import threading

    from scheduler import CrawlService, ServiceConfig

    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    names = tuple(path.stem for path in Path(outlets_dir).glob("*.toml"))
    config = ServiceConfig(
        db=db, outlets_dir=outlets_dir, only=names, max_crawls=max_crawls, time_limit=600,
        new_interval=project_settings.MEDIAWATCH_NEW_INTERVAL / SERVICE_SCALE,
        revisit_interval=project_settings.MEDIAWATCH_REVISIT_INTERVAL / SERVICE_SCALE,
        sweep_interval=project_settings.MEDIAWATCH_SWEEP_INTERVAL / SERVICE_SCALE)
    service = CrawlService(config)
    at_once: list[int] = []

    def watch() -> None:
        while not service.stopping.wait(0.2):
            with service.child_lock:
                at_once.append(len(service.children))

    threading.Thread(target=watch, daemon=True).start()
    threading.Timer(seconds, service.stop).start()
    start = time.perf_counter()
    service.run()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"wall": time.perf_counter() - start, "cpu": usage.ru_utime + usage.ru_stime,
            "maxrss_kib": usage.ru_maxrss, "at_once_max": max(at_once, default=0),
            "at_once_mean": mean(at_once)}


def service_run(fleet: Fleet, folder: Path, seconds: float, max_crawls: int) -> dict:
    """The real service over the fleet's outlets into a fresh archive, in a process of its own,
    with one request a second to each host (MEDIAWATCH_HOST_DELAY) as on real sites."""
    bench = Bench(folder, fleet)
    for name in fleet.urls:
        bench.define(name)
    before = sum(fleet.served(name)["requests"] for name in fleet.urls)
    locks = folder / "locks"
    locks.mkdir()
    env = dict(os.environ, MEDIAWATCH_HOST_DELAY=str(POLITE_DELAY), MEDIAWATCH_LOCK_DIR=str(locks))
    done = subprocess.run(
        [PYTHON, __file__, "--measure-service", "--db", bench.db, "--outlets-dir",
         str(bench.outlets_dir), "--seconds", str(seconds), "--max-crawls", str(max_crawls)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    measured["requests"] = sum(fleet.served(name)["requests"] for name in fleet.urls) - before
    with Archive(bench.db) as archive:
        measured["runs"] = dict(archive.db.execute(
            "SELECT mode || ' ' || status, COUNT(*) FROM runs GROUP BY 1").fetchall())
        measured["articles"] = archive.db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    measured["crawls"] = sum(measured["runs"].values())
    return measured


def service_check(count: int, seconds: float, articles: int, seed: int = SEED) -> dict:
    """The real service over `count` outlets with its crawls side by side (MEDIAWATCH_MAX_CRAWLS)
    against the same service one crawl at a time, each for `seconds` from an empty archive."""
    results = {}
    with tempfile.TemporaryDirectory(prefix="mediawatch-bench-service-") as tmp:
        fleet = Fleet(count, articles, seed)
        try:
            for crawls in (1, MAX_CRAWLS):
                folder = Path(tmp) / f"crawls-{crawls}"
                folder.mkdir()
                print(f"service: {count} outlets, {crawls} crawls at once", file=sys.stderr,
                      flush=True)
                results[crawls] = service_run(fleet, folder, seconds, crawls)
        finally:
            fleet.stop()
    one, many = results[1], results[MAX_CRAWLS]
    rows = [row(f"the service, {count} outlets for {seconds:g} s, intervals / {SERVICE_SCALE}, 1 "
                f"request/s a host: crawls finished with {MAX_CRAWLS} at once",
                f"{many['crawls']} ({many['requests']:,} requests, {many['articles']:,} "
                "articles)", f"one at a time: {one['crawls']} ({one['requests']:,} requests, "
                f"{one['articles']:,} articles)", f"{many['crawls'] / max(1, one['crawls']):.2f}x",
                "more than one at a time", many["crawls"] > one["crawls"]),
            row("CPU per crawl under the service", f"{many['cpu'] / max(1, many['crawls']):.2f} s",
                f"one at a time: {one['cpu'] / max(1, one['crawls']):.2f} s",
                f"{many['cpu'] / max(1, many['crawls']) / (one['cpu'] / max(1, one['crawls'])):.2f}x",
                "-", True)]
    details = {f"{crawls} at once: {name}": value for crawls, result in results.items()
               for name, value in result.items()}
    return {"name": "capacity", "rows": rows, "details": details, "extra": []}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"a check: stages {QUICK_STAGES}, 12 articles, 2 outlets' day, "
                             "a large outlet of 80")
    parser.add_argument("--stages", help="outlets at each stage, e.g. 10,50,100")
    parser.add_argument("--articles", type=int, default=None)
    parser.add_argument("--sample", type=int, default=None)
    parser.add_argument("--probe-articles", type=int, default=None)
    parser.add_argument("--service", type=int, metavar="N",
                        help="instead: the real service over N outlets, its crawls side by side "
                             "against one at a time")
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--measure-service", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--outlets-dir", help=argparse.SUPPRESS)
    parser.add_argument("--max-crawls", type=int, default=MAX_CRAWLS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_service:
        print(json.dumps(measure_service(args.db, args.outlets_dir, args.seconds,
                                         args.max_crawls)))
        return
    if args.service:
        print_result(service_check(args.service, args.seconds, args.articles or ARTICLES))
        return
    stages = QUICK_STAGES if args.quick else STAGES
    if args.stages:
        stages = tuple(int(part) for part in args.stages.split(","))
    articles = args.articles or (12 if args.quick else ARTICLES)
    sample = args.sample or (2 if args.quick else SAMPLE)
    probe = args.probe_articles or (80 if args.quick else PROBE_ARTICLES)
    result = run(stages, articles, sample, probe)
    print_result(result)
    print()
    print("\n".join(result["extra"]))


if __name__ == "__main__":
    main()
