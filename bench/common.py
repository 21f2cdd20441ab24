"""Shared pieces of the benchmarks: figure rows, the machine description, a replay subprocess."""

from __future__ import annotations

import json
import os
import platform
import resource
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
LIBRARIES = ("scrapy", "trafilatura", "lxml", "sqlite-utils", "PyStemmer", "APScheduler",
             "twisted")


def row(figure: str, value: str, baseline: str, ratio: str, target: str, met: bool) -> dict:
    """One line of the results table: what was measured against what, and whether it passed."""
    return {"figure": figure, "value": value, "baseline": baseline, "ratio": ratio,
            "target": target, "met": met}


def rows_table(rows: list[dict]) -> str:
    """Markdown table of figure rows."""
    lines = ["| figure | measured | baseline (same run) | ratio | target | met |",
             "| --- | --- | --- | --- | --- | --- |"]
    for item in rows:
        lines.append(f"| {item['figure']} | {item['value']} | {item['baseline']} | "
                     f"{item['ratio']} | {item['target']} | {'yes' if item['met'] else 'NO'} |")
    return "\n".join(lines)


def details_table(details: dict) -> str:
    """Markdown table of a benchmark's supporting measurements."""
    lines = ["| measure | value |", "| --- | --- |"]
    for name, value in details.items():
        if isinstance(value, float):
            value = f"{value:,.3f}"
        lines.append(f"| {name} | {value} |")
    return "\n".join(lines)


def print_result(result: dict) -> None:
    print(rows_table(result["rows"]))
    print()
    print(details_table(result["details"]))


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict:
    """What the benchmarks ran on."""
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "libraries": ", ".join(f"{name} {version}" for name, version in versions.items()),
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=60) as answer:
        return json.load(answer)


@contextmanager
def replay_process(articles: int, seed: int):
    """The replay served by its own process (`mediawatch replay`); yields (base URL, pid)."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [PYTHON, "-m", "cli", "replay", "--port", str(port), "--articles", str(articles),
         "--seed", str(seed)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                get_json(base_url + "/_replay/manifest.json")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the replay did not start") from None
                time.sleep(0.2)
        yield base_url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


def crawl(base_url: str, db: str, *extra: str) -> float:
    """Run `mediawatch crawl` in its own process and return its wall-clock seconds."""
    from crawler.child import run_crawl_process

    start = time.perf_counter()
    outcome = run_crawl_process(base_url, db, *extra)
    if not outcome.ok:
        raise RuntimeError(f"the benchmark's crawl failed: {outcome.error}")
    return time.perf_counter() - start


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    """User and system CPU time of this process's children that have ended (a crawl's process
    with the extraction workers it waited for), so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# The newsroom edits the benchmark archives' revisions make, in turn.
EDITS = ("rewrite", "headline", "typo", "paragraph_added", "byline")


def newsroom_edit(fields: dict, edit: str, number: int) -> dict:
    """A record's fields (title, authors, body) after one newsroom edit of EDITS."""
    new = {**fields, "body": list(fields["body"]), "authors": list(fields["authors"])}
    body, middle = new["body"], len(new["body"]) // 2
    if edit == "rewrite":
        body[middle] = (f"Update {number}: the ministry answered the request on Friday, and the "
                        f"figures were corrected. " + body[middle][: len(body[middle]) // 2])
    elif edit == "typo":
        body[middle] = body[middle].replace(" ", "  ", 1)[:-1] + "!"
    elif edit == "paragraph_added":
        body.insert(middle, f"Editor's note {number}: this article was updated after publication.")
    elif edit == "headline":
        new["title"] = f"{new['title']}: updated"
    else:
        new["authors"].append("Editorial staff")
    return new


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"
