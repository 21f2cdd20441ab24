"""Benchmark: the crawl service's memory after 200 crawl cycles against its memory after 10."""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED  # noqa: E402

from bench.common import PYTHON, print_result, replay_process, row  # noqa: E402
from scheduler import CrawlService, ServiceConfig  # noqa: E402

CYCLES = 200
EARLY = 10
ARTICLES = 30
SEED = 4
INTERVAL_S = 0.1
EPOCH_EVERY = 25  # cycles between moves of the replay to its next epoch
TARGET_GROWTH = 0.10


def rss_kib() -> int:
    """This process's resident set size (VmRSS) in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


class _Counter:
    """Counts finished crawl jobs, samples memory, moves the replay on and stops the service."""

    def __init__(self, service: CrawlService, base_url: str, cycles: int) -> None:
        self.service = service
        self.base_url = base_url
        self.cycles = cycles
        self.done = 0
        self.errors = 0
        self.samples: dict[int, int] = {}
        self.lock = threading.Lock()

    def __call__(self, event) -> None:
        with self.lock:
            self.done += 1
            self.errors += event.code == EVENT_JOB_ERROR
            done = self.done
        if done == EARLY or done % 50 == 0 or done == self.cycles:
            self.samples[done] = rss_kib()
        if done % EPOCH_EVERY == 0:
            request = urllib.request.Request(f"{self.base_url}/_replay/epoch/{done // EPOCH_EVERY}",
                                             method="POST")
            urllib.request.urlopen(request, timeout=30).read()
        if done == self.cycles:
            self.service.stop()


def measure(cycles: int = CYCLES) -> dict:
    """Run the crawl service in this process until `cycles` crawl jobs have finished."""
    logging.getLogger("apscheduler").setLevel(logging.ERROR)  # "skipped: already running"
    with tempfile.TemporaryDirectory(prefix="mediawatch-bench-scheduler-") as tmp, \
            replay_process(ARTICLES, SEED) as (base_url, _):
        config = ServiceConfig(db=str(Path(tmp) / "archive.db"), base_url=base_url,
                               new_interval=INTERVAL_S, revisit_interval=INTERVAL_S,
                               sweep_interval=INTERVAL_S, time_limit=120)
        service = CrawlService(config)
        counter = _Counter(service, base_url, cycles)
        service.scheduler.add_listener(counter, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        start = time.perf_counter()
        service.run()
        elapsed = time.perf_counter() - start
    return {"samples": counter.samples, "done": counter.done, "errors": counter.errors,
            "elapsed": elapsed}


def run(cycles: int = CYCLES) -> dict:
    """Measure the service in a fresh process (only the scheduler's own modules loaded)."""
    answer = subprocess.run([PYTHON, __file__, "--measure", "--cycles", str(cycles)], cwd=ROOT,
                            check=True, capture_output=True, text=True)
    measured = json.loads(answer.stdout)
    samples = {int(done): kib for done, kib in measured["samples"].items()}
    early, late = samples[EARLY], samples[cycles]
    growth = late / early - 1
    rows = [row(f"scheduler memory after {cycles} crawl cycles",
                f"{late / 1024:,.1f} MiB RSS", f"after {EARLY} cycles: {early / 1024:,.1f} MiB",
                f"{growth:+.1%}", f"growth ≤ {TARGET_GROWTH:.0%}", growth <= TARGET_GROWTH)]
    details = {
        "service": f"CrawlService with its APScheduler jobs (3 kinds × 3 editions) every "
                   f"{INTERVAL_S} s, each crawl a child process, one at a time; replay of "
                   f"{ARTICLES} articles moved to its next epoch every {EPOCH_EVERY} crawls",
        "crawl jobs": f"{measured['done']} finished in {measured['elapsed']:,.0f} s "
                      f"({measured['errors']} failed; jobs queued when the count was reached "
                      "still finish)",
        "RSS by finished crawl jobs": ", ".join(
            f"{done}: {kib / 1024:,.1f} MiB" for done, kib in sorted(samples.items())),
    }
    return {"name": "scheduler", "rows": rows, "details": details}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cycles", type=int, default=CYCLES)
    parser.add_argument("--measure", action="store_true",
                        help="run the service in this process and print the samples as JSON")
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.cycles)))
    else:
        print_result(run(args.cycles))


if __name__ == "__main__":
    main()
