"""The crawl service: scheduled crawls of new articles, revisits and sweeps, each in a process."""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import subprocess
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler

import settings as project_settings
from crawler.child import CrawlOutcome, read_outcome, start_crawl
from storage import notes
from storage.clock import parse_stamp, utc_iso
from storage.locks import ArchiveLock, LockHeld
from storage.processes import this_process
from storage.records import EDITIONS
from views.runs import run_line

if TYPE_CHECKING:
    from alerts.delivery import DeliveryReport

logger = logging.getLogger("mediawatch.scheduler")

# Job kind -> the crawl mode it runs.
JOB_MODES = {"new": "new", "revisit": "revisit", "sweep": "backfill"}


class AlreadyRunning(RuntimeError):
    """Another scheduler holds the lock on this archive."""


@dataclass
class ServiceConfig:
    """What the service crawls, where it writes, and how often."""

    db: str = project_settings.MEDIAWATCH_DB
    base_url: str = project_settings.MEDIAWATCH_BASE_URL
    editions: tuple[str, ...] = EDITIONS
    new_interval: float = project_settings.MEDIAWATCH_NEW_INTERVAL
    revisit_interval: float = project_settings.MEDIAWATCH_REVISIT_INTERVAL
    sweep_interval: float = project_settings.MEDIAWATCH_SWEEP_INTERVAL
    time_limit: float = project_settings.MEDIAWATCH_CRAWL_TIME_LIMIT
    revisit_steps: tuple[int, ...] | None = None
    web_url: str | None = project_settings.MEDIAWATCH_WEB_URL or None  # None: views.reading.room_url
    notify_retry_steps: tuple[int, ...] = project_settings.MEDIAWATCH_NOTIFY_RETRY_STEPS
    notify_message_deadline: float = project_settings.MEDIAWATCH_NOTIFY_MESSAGE_DEADLINE
    notify_run_deadline: float = project_settings.MEDIAWATCH_NOTIFY_RUN_DEADLINE
    secrets: str = field(default_factory=lambda: project_settings.MEDIAWATCH_SECRETS)

    def interval(self, kind: str) -> float:
        return {"new": self.new_interval, "revisit": self.revisit_interval,
                "sweep": self.sweep_interval}[kind]


def job_id(kind: str, edition: str) -> str:
    return f"{kind}-{edition}"


def recorded_runs(db: str, readonly: bool = False) -> list[dict]:
    """The runs recorded in the archive; read-only, a missing archive has none."""
    from storage.archive import Archive

    if readonly and not os.path.exists(db):
        return []
    archive = Archive(db, readonly=readonly)
    try:
        return archive.runs(limit=10_000)
    finally:
        archive.close()


def next_run_times(config: ServiceConfig, now: datetime | None = None,
                   readonly: bool = False) -> dict[str, datetime]:
    """When each job is next due, from the runs recorded in the archive (survives restarts)."""
    return due_times(recorded_runs(config.db, readonly), config, now)


def due_times(runs: list[dict], config: ServiceConfig,
              now: datetime | None = None) -> dict[str, datetime]:
    """When each job is next due, given the archive's recorded runs (newest first)."""
    now = now or datetime.now(UTC)
    last: dict[str, datetime] = {}
    for run in runs:
        for edition in run.get("editions") or []:
            for kind, mode in JOB_MODES.items():
                if run.get("mode") != mode or run.get("status") == "running":
                    continue
                # A start later than now was written under a clock that was ahead: counted
                # as now, or the job would wait until that time comes round.
                started = min(parse_stamp(run["started_at"]), now)
                key = job_id(kind, edition)
                if key not in last or started > last[key]:
                    last[key] = started
    due = {}
    for kind in JOB_MODES:
        for edition in config.editions:
            key = job_id(kind, edition)
            previous = last.get(key)
            due[key] = now if previous is None else max(
                now, previous + timedelta(seconds=config.interval(kind)))
    return due


class Notifier:
    """Delivers notifications in a thread of its own, so that no crawl ever waits on a receiver:
    a crawl that ends asks for a delivery run and goes on; requests made while a run is going
    are served by one more run after it."""

    def __init__(self, config: ServiceConfig) -> None:
        from alerts.sending import Courier

        self.config = config
        self.courier = Courier(config.notify_message_deadline)
        self.state = threading.Condition()
        self.pending = self.busy = self.stopping = False
        self.thread: threading.Thread | None = None

    def request(self) -> None:
        """Ask for a delivery run (after a crawl); returns at once."""
        with self.state:
            if self.stopping:
                return
            self.pending = True
            self.state.notify_all()
            if self.thread is None:
                self.thread = threading.Thread(target=self._serve, name="notifier", daemon=True)
                self.thread.start()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every requested run is done; False when `timeout` passed first."""
        with self.state:
            return self.state.wait_for(lambda: not (self.pending or self.busy), timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """End the run in progress at once (the message in flight is ended) and the thread."""
        with self.state:
            self.stopping = True
            self.state.notify_all()
        self.courier.stop()
        if self.thread is not None:
            self.thread.join(timeout)

    def _serve(self) -> None:
        while True:
            with self.state:
                self.state.wait_for(lambda: self.pending or self.stopping)
                if self.stopping:
                    break
                self.pending, self.busy = False, True
            try:
                self.deliver()
            finally:
                with self.state:
                    self.busy = False
                    self.state.notify_all()
        self.courier.close()
        with self.state:
            self.pending = False
            self.state.notify_all()

    def deliver(self) -> None:
        """One delivery run: send every watch its new changes, retry failed sends."""
        from alerts.delivery import DeliveryBusy, DeliveryLimits, deliver
        from storage.archive import Archive
        from storage.secrets import SecretStore
        from views.reading import room_url

        limits = DeliveryLimits(self.config.notify_retry_steps,
                                self.config.notify_message_deadline,
                                self.config.notify_run_deadline)
        try:
            archive = Archive(self.config.db)
        except Exception:  # the service goes on; the next run tries again
            logger.exception("delivering notifications failed")
            return
        try:
            report = deliver(archive.db, self.config.db, SecretStore(self.config.secrets),
                             limits, room_url(archive.db, self.config.web_url),
                             courier=self.courier)
        except DeliveryBusy as exc:
            logger.info("notifications not sent now: %s", exc)
            return
        except Exception:  # the service goes on; the next run retries what is left
            logger.exception("delivering notifications failed")
            return
        finally:
            archive.close()
        log_delivery(report)


def log_delivery(report: DeliveryReport) -> None:
    """The log lines of one delivery run."""
    for correction in report.corrections:
        logger.warning("clock: %s was %s, later than this machine's clock: corrected to %s",
                       correction["what"], correction["stored"], correction["corrected"])
    if report.collected or report.sent or report.failed or report.unconfirmed:
        logger.info("notifications: %s new, %s sent, %s failed, %s unconfirmed",
                    report.collected, report.sent, report.failed, report.unconfirmed)
    if report.postponed:
        logger.warning("notifications: %s wait for the next run (the run's deadline passed)",
                       report.postponed)
    for error in report.errors:
        logger.warning("notification failed: %s", error)


class CrawlService:
    """Runs each crawl as a child process, one at a time, with a time limit; notifications are
    delivered by a Notifier beside it."""

    def __init__(self, config: ServiceConfig) -> None:
        self.config = config
        self.lock = ArchiveLock(config.db, "scheduler")
        self.stopping = threading.Event()
        self.child: subprocess.Popen | None = None
        self.child_lock = threading.Lock()
        self.started_at: str | None = None
        self.notifier = Notifier(config)
        self.scheduler = BlockingScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=UTC,
        )

    def crawl_options(self, kind: str, edition: str) -> list[str]:
        """The options of the crawl a job runs."""
        options = ["--edition", edition, "--mode", JOB_MODES[kind]]
        if self.config.revisit_steps:
            options += ["--revisit-steps", ",".join(str(s) for s in self.config.revisit_steps)]
        return options

    def run_job(self, kind: str, edition: str) -> None:
        """Run one crawl in its own process; end it if it outlives the time limit."""
        if self.stopping.is_set():
            return
        with self.child_lock:
            self.child = start_crawl(self.config.base_url, self.config.db,
                                     *self.crawl_options(kind, edition))
        outcome = "finished"
        try:
            out, err = self.child.communicate(timeout=self.config.time_limit)
        except subprocess.TimeoutExpired:
            outcome = "timeout"
            self.end_child()
            out, err = self.child.communicate()
        code, pid = self.child.returncode, self.child.pid
        with self.child_lock:
            self.child = None
        if self.stopping.is_set() and outcome == "finished" and code != 0:
            outcome = "stopped"
        self.close_unfinished_runs(outcome, pid)
        self.log_result(kind, edition, outcome, read_outcome(code, out, err))
        self.notifier.request()
        if not self.stopping.is_set():
            self.record_plan()

    def end_child(self, grace: float = 10.0) -> None:
        """Ask the running crawl to stop (Scrapy finishes in-flight work), then force it."""
        child = self.child
        if child is None or child.poll() is not None:
            return
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)

    def close_unfinished_runs(self, outcome: str, pid: int) -> None:
        """Close the runs the crawl process `pid` left open (never another process's)."""
        from storage.archive import Archive

        status = {"timeout": "timeout", "stopped": "stopped"}.get(outcome, "killed")
        archive = Archive(self.config.db)
        try:
            archive.close_unfinished_runs(status, pid=pid)
        finally:
            archive.close()

    def deliver_notifications(self) -> None:
        """Send every watch its new changes now, in this thread (the service's own runs go
        through the notifier's thread)."""
        self.notifier.deliver()

    def log_result(self, kind: str, edition: str, ending: str, crawl: CrawlOutcome) -> None:
        """One log line for a finished job: its runs, or why it ended without them."""
        code = crawl.returncode
        summary = "; ".join(run_line(run) for run in crawl.runs) or f"exit status {code}"
        for run in crawl.runs:
            for line in (run.get("stats") or {}).get("degraded") or []:
                logger.warning("%s-%s degraded: %s", kind, edition, line)
        if ending == "timeout":
            logger.error("%s-%s ended after the %ss time limit: %s", kind, edition,
                         self.config.time_limit, summary)
        elif code != 0:
            logger.error("%s-%s failed (exit %s): %s\n%s", kind, edition, code, summary,
                         crawl.log.strip())
        else:
            logger.info("%s-%s: %s", kind, edition, summary)

    def add_jobs(self) -> None:
        due = next_run_times(self.config)
        for kind in JOB_MODES:
            for edition in self.config.editions:
                key = job_id(kind, edition)
                self.scheduler.add_job(
                    self.run_job, "interval", seconds=self.config.interval(kind),
                    args=(kind, edition), id=key, name=key, next_run_time=due[key],
                )
        self.record_plan(due)

    def plan(self, due: dict[str, datetime], web_url: str, stopped: bool = False) -> dict:
        """The service's settings and each job's next run, as readers see them."""
        config = self.config
        return {
            "base_url": config.base_url, "editions": list(config.editions),
            "web_url": web_url, "time_limit": config.time_limit,
            "revisit_steps": list(config.revisit_steps) if config.revisit_steps else None,
            "started_at": self.started_at, "stopped_at": utc_iso() if stopped else None,
            "recorded_at": utc_iso(), **this_process(),
            "next_runs": [] if stopped else [
                {"job": key, "every_seconds": config.interval(key.split("-")[0]),
                 "next_run": utc_iso(when)} for key, when in sorted(due.items())],
        }

    def record_plan(self, due: dict[str, datetime] | None = None, stopped: bool = False) -> None:
        """Write the plan into the archive (storage.notes), where the status page and `status`
        read it; the service goes on when the archive cannot be written just now."""
        from storage.archive import Archive
        from views.reading import room_url

        if due is None:
            due = {job.id: job.next_run_time for job in self.scheduler.get_jobs()
                   if job.next_run_time is not None}
        try:
            with Archive(self.config.db) as archive:
                web_url = room_url(archive.db, self.config.web_url)
                notes.record_service_plan(archive.db, self.plan(due, web_url, stopped))
        except sqlite3.Error as exc:
            logger.warning("the service's plan was not recorded in the archive: %s", exc)

    def stop(self, signum=None, frame=None) -> None:
        """Stop cleanly: no new crawls, the running one asked to finish."""
        if self.stopping.is_set():
            return
        logger.info("stopping: %s", signal.Signals(signum).name if signum else "requested")
        self.stopping.set()
        threading.Thread(target=self._shutdown, daemon=True).start()

    def _shutdown(self) -> None:
        self.notifier.stop()
        with self.child_lock:
            self.end_child()
        self.scheduler.shutdown(wait=True)

    def run(self) -> None:
        """Run until SIGTERM or SIGINT."""
        # One line per crawl is the service's own (log_result): APScheduler's notes on adding,
        # starting and finishing each job would triple it.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        try:
            self.lock.acquire()
        except LockHeld as held:
            through = f" (through {held.name})" if held.name else ""
            raise AlreadyRunning(f"another scheduler (pid {held.pid or 'unknown'}) is already "
                                 f"running against the archive {self.config.db}{through}"
                                 ) from None
        try:
            self.started_at = utc_iso()
            self.add_jobs()
            signal.signal(signal.SIGTERM, self.stop)
            signal.signal(signal.SIGINT, self.stop)
            logger.info("scheduler started against %s for %s", self.config.db,
                        self.config.base_url)
            self.scheduler.start()
        finally:
            if self.started_at:
                self.record_plan({}, stopped=True)
            self.lock.release()
        logger.info("scheduler stopped")


def list_jobs(config: ServiceConfig) -> list[dict]:
    """The service's jobs and when each would next run (the archive is only read)."""
    due = next_run_times(config, readonly=True)
    return [
        {"job": key, "every_seconds": config.interval(key.split("-")[0]),
         "next_run": utc_iso(when)}
        for key, when in sorted(due.items(), key=lambda item: item[1])
    ]
