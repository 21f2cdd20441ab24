"""Crawl runs as text: one line per run, a crawl's closing summary, the status report."""

from __future__ import annotations

from collections import Counter

from storage.clock import duration, parse_stamp
from storage.evidence import Head
from views.editions import status_line
from views.evidence import head_line
from views.text import when, zone_name

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
    if run.get("outlet"):  # another outlet than the default one
        editions = f"{run['outlet']} {editions}"
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


def status_text(data: dict, errors_per_run: int = 5) -> str:
    """The read side's status: recent runs, newest first, each followed by its coverage and
    first errors; then the notifications not delivered, the watches and the crawl service."""
    runs = data["runs"]
    lines = [] if runs else ["No crawl runs yet: run `mediawatch crawl`."]
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
    if len(data.get("outlets") or []) > 1 or data.get("outlets_asked"):
        lines += [outlet_line(row) for row in data["outlets"]] or [
            f"no article of {', '.join(data['outlets_asked'])} is archived yet"]
    lines.append(status_line(data["editions"]))
    lines.append(evidence_line(data["evidence"]))
    lines += [f"watch {watch['name']} skipped since {watch['error_at']}: {watch['error']}"
              for watch in data["skipped_watches"]]
    lines += [delivery_line(delivery) for delivery in data["failed_deliveries"]]
    lines += [f"watch {row['watch']}: {row['deliveries']} notification(s) unconfirmed (the "
              "receiver took the whole message but gave no answer in time; not sent again), "
              f"the latest {row['latest']}" for row in data["unconfirmed"]]
    lines += [f"clock: {row['what']} {row['stored']}, later than this machine's clock "
              f"({data['now']}): written while a clock was ahead" for row in data["future_times"]]
    lines += [f"clock: {row['what']} was {row['stored']}, from the future: corrected to "
              f"{row['corrected']}" for row in data["corrections"]]
    lines += [watch_line(watch) for watch in data["watches"]]
    lines += service_lines(data["service"], data["next_runs"])
    return "\n".join(lines)


def outlet_line(row: dict) -> str:
    """One outlet's articles in the archive and its revisits due."""
    return (f"outlet {row['outlet']} ({row['outlet_title']}): {row['articles']} articles, "
            f"{row['active']} active, {row['removed']} removed; {row['revisits_due']} revisits "
            f"due; last seen {when(row['last_seen'])}")


def evidence_line(evidence: dict) -> str:
    """The head of the evidence log, as views.evidence writes it."""
    chain = (evidence.get("head") or ":").split(":", 1)[1]
    return head_line(Head(evidence["entries"], chain))


def delivery_line(delivery: dict) -> str:
    changes = f"{delivery['count']} change{'s' if delivery['count'] != 1 else ''}"
    return (f"notification {delivery['id']} for watch {delivery['watch']} ({changes}) "
            f"{delivery['status']} after {delivery['attempts']} tries: {delivery['last_error']}; "
            f"next try {when(delivery['next_attempt_at'])} {zone_name()}")


def watch_sending(watch: dict) -> str:
    """A watch's last delivery and, for a digest, when the next one goes out."""
    sent = watch["last_sent"]
    last = (f"last sent {when(sent['sent_at'])} ({sent['count']} change"
            f"{'s' if sent['count'] != 1 else ''})" if sent else "nothing sent yet")
    digest = (f"; next {watch['digest']} digest {when(watch['next_digest'])}"
              if watch.get("next_digest") else "")
    return f"{last}{digest} ({zone_name()})"


def watch_line(watch: dict) -> str:
    return f"watch {watch['name']}: {watch_sending(watch)}"


def watch_list_text(rows: list[dict]) -> str:
    """Each watch: what it sends, where, its deliveries by status, the last sent and the next
    digest."""
    if not rows:
        return "No watches: add one with mediawatch watch add NAME --notify URL."
    lines = []
    for row in rows:
        what = ", ".join(row["kinds"]) or "every kind"
        extra = f"; outlets {', '.join(row['outlets'])}" if row.get("outlets") else ""
        extra += "".join(f"; {label} {row[key]}" for key, label in
                         (("lang", "edition"), ("query", "query"), ("digest", "digest"))
                         if row[key])
        extra += "; private target allowed" if row.get("private_target_allowed") else ""
        counts = ", ".join(f"{n} {status}" for status, n in sorted(row["deliveries"].items()))
        skipped = f"  [skipped: {row['error']}]" if row.get("error") else ""
        lines.append(f"{row['name']}: {what}{extra} → {row['notify']}"
                     f"{f'  ({counts})' if counts else ''}{skipped}")
        lines.append(f"  {watch_sending(row)}")
    return "\n".join(lines)


def schedule_text(jobs: list[dict]) -> str:
    """The service's jobs, each with its interval in words and its next run in local time."""
    width = max([12, *(len(job["job"]) for job in jobs)])
    lines = [f"{'job':<{width}} interval  next run ({zone_name()})"]
    lines += [f"{job['job']:<{width}} {duration(job['every_seconds']):<9} "
              f"{when(job['next_run'])}" for job in jobs]
    return "\n".join(lines)


def service_lines(service: dict | None, next_runs: list[dict]) -> list[str]:
    """The crawl service as it recorded itself: running or not, and its next runs."""
    if service is None:
        return ["crawl service: none has run against this archive (mediawatch schedule)"]
    if not service["running"]:
        return [f"crawl service: not running (last ran {when(service['started_at'])} to "
                f"{when(service.get('stopped_at') or service['recorded_at'])} {zone_name()})"]
    outlets = service.get("outlets") or []
    crawled = ", ".join(f"{outlet['name']} ({outlet['base_url']})" for outlet in outlets
                        ) if len(outlets) > 1 else service["base_url"]
    lines = [f"crawl service: running since {when(service['started_at'])} {zone_name()}, "
             f"crawling {crawled}; next runs:"]
    width = max([12, *(len(job["job"]) for job in next_runs)])
    lines += [f"  {job['job']:<{width}} every {duration(job['every_seconds']):<8} next "
              f"{when(job['next_run'])}" for job in next_runs]
    for failing in service.get("failing") or []:
        lines.append(f"  failing: {failing['job']} since {when(failing['since'])}, last at "
                     f"{when(failing['at'])}: {failing['error']}")
    for problem in service.get("unusable_outlets") or []:
        lines.append(f"  not crawled: {problem}")
    return lines


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
