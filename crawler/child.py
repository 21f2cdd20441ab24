"""A crawl in a child process (Scrapy's reactor runs once per process), its result read as JSON.

The scheduler, the demo and the benchmarks all run crawls this way: `mediawatch crawl --json`
prints the runs it recorded (id, status, counts, errors) and the totals as one JSON document.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field


def crawl_command(base_url: str, db: str, *options: str) -> list[str]:
    """The command line of `mediawatch crawl --json OPTIONS` against `base_url` into `db`."""
    return [sys.executable, "-m", "cli", "crawl", *options, "--base-url", base_url, "--db", db,
            "--json"]


@dataclass
class CrawlOutcome:
    """How a crawl in a child process ended: the runs it recorded, or its one-line error."""

    returncode: int
    runs: list[dict] = field(default_factory=list)
    totals: dict = field(default_factory=dict)
    seconds: float | None = None
    error: str | None = None
    log: str = ""  # the child's standard error: progress lines and warnings

    @property
    def ok(self) -> bool:
        """The crawl ran to its end and reported its runs."""
        return self.returncode == 0 and self.error is None


def read_outcome(returncode: int, stdout: str, stderr: str) -> CrawlOutcome:
    """The outcome of a finished child crawl from its exit status and its output."""
    try:
        data = json.loads(stdout) if stdout.strip() else {}
    except json.JSONDecodeError:
        data = {}
    error = None
    if returncode != 0 or not data:
        lines = stderr.strip().splitlines()
        error = lines[-1] if lines else f"exit status {returncode}"
    return CrawlOutcome(returncode, data.get("runs", []), data.get("totals", {}),
                        data.get("seconds"), error, stderr)


def start_crawl(base_url: str, db: str, *options: str,
                env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start `mediawatch crawl --json` in a process group of its own; read it with read_outcome."""
    return subprocess.Popen(crawl_command(base_url, db, *options), env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def run_crawl_process(base_url: str, db: str, *options: str,
                      env: dict[str, str] | None = None) -> CrawlOutcome:
    """Run `mediawatch crawl` in a child process to its end and return how it went."""
    child = start_crawl(base_url, db, *options, env=env)
    out, err = child.communicate()
    return read_outcome(child.returncode, out, err)
