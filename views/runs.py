"""Crawl runs as text: one line per run, a crawl's closing summary, the status report."""

from __future__ import annotations

from collections import Counter

from storage.clock import duration, parse_stamp
from views.text import when

RUN_COUNTS = (("fetched", "fetched"), ("new", "new"), ("version", "versions"),
              ("unchanged", "unchanged"), ("removed", "removed"), ("restored", "restored"),
              ("failed", "errors"))


def run_seconds(run: dict) -> float | None:
    """How long a finished run took, or None while it runs."""
    if not (run.get("started_at") and run.get("finished_at")):
        return None
    return (parse_stamp(run["finished_at"]) - parse_stamp(run["started_at"])).total_seconds()


def run_line(run: dict) -> str:
    """One line per crawl run: what it fetched and found (it starts with `run N`)."""
    stats = run.get("stats") or {}
    counts = ", ".join(f"{label} {stats.get(key, 0)}" for key, label in RUN_COUNTS)
    editions = ",".join(run.get("editions") or [])
    seconds = run_seconds(run)
    took = f" in {duration(seconds)}" if seconds is not None else f" since {when(run.get('started_at'))}"
    return f"run {run['id']} [{editions} {run.get('mode')}] {run.get('status')}{took}: {counts}"


def crawl_totals(runs: list[dict]) -> dict[str, int]:
    """The counts of a crawl's runs added up."""
    total: Counter = Counter()
    for run in runs:
        total.update({k: v for k, v in (run.get("stats") or {}).items() if isinstance(v, int)})
    return dict(total)


def crawl_result(runs: list[dict], seconds: float) -> dict:
    """A crawl's result as JSON: its runs (id, status, counts, errors), totals and duration."""
    return {"runs": runs, "totals": crawl_totals(runs), "seconds": round(seconds, 3)}


def crawl_summary(runs: list[dict], seconds: float) -> str:
    """The closing line of a crawl: totals over its runs."""
    total = Counter(crawl_totals(runs))
    return (f"crawl done in {duration(round(seconds, 1))}: {total['fetched']} pages fetched, "
            f"{total['new']} new articles, {total['version']} new versions, "
            f"{total['removed']} removals, {total['restored']} restored, {total['failed']} errors")


def status_text(runs: list[dict], errors_per_run: int = 5) -> str:
    """Recent runs, newest first, each followed by its first errors."""
    if not runs:
        return "No crawl runs yet: run `mediawatch crawl`."
    lines = []
    for run in runs:
        from_url = f" from {run['base_url']}" if run.get("base_url") else ""
        lines.append(f"{run_line(run)}  (started {when(run.get('started_at'))}{from_url})")
        lines += [f"    coverage {line}"
                  for line in coverage_text((run.get("stats") or {}).get("coverage") or {})]
        errors = run.get("errors") or []
        for error in errors[:errors_per_run]:
            lines.append(f"    error: {error_text(error)}")
        if len(errors) > errors_per_run:
            lines.append(f"    … and {len(errors) - errors_per_run} more errors")
    return "\n".join(lines)


def coverage_text(coverage: dict[str, dict]) -> list[str]:
    """A run's field coverage, one line per edition: `ru 40 pages: title 100%, lead 98%, …`."""
    return [f"{edition} {data['pages']} pages: "
            + ", ".join(f"{name} {share:.0%}" for name, share in data["fields"].items())
            for edition, data in coverage.items()]


def error_text(error: object) -> str:
    """One recorded error of a run as a line."""
    if not isinstance(error, dict):
        return str(error)
    status = f" [{error['status']}]" if error.get("status") else ""
    return f"{error.get('url', '')}{status}: {error.get('error', '')}"
