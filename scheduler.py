"""The crawl service: scheduled crawls of new articles, revisits and sweeps of every outlet, each
crawl in a process of its own."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler

import settings as project_settings
from crawler.child import CrawlOutcome, read_outcome, start_crawl
from outlets import Outlet, default_outlet
from storage import notes
from storage.clock import parse_stamp, utc_iso
from storage.locks import ArchiveLock, LockHeld
from storage.processes import this_process
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
    """What the service crawls, where it writes, and how often.

    `outlets`: the outlets' definitions to crawl; None: the default outlet and every outlet in
    the outlets folder (`outlets_dir`, else MEDIAWATCH_OUTLETS_DIR, else beside the archive).
    `only` narrows them to these names, `editions` to these languages (empty: every edition of
    each). The service reads the outlets folder again every `reload_interval` seconds (0:
    never), taking up added, removed and edited definitions. The default outlet is crawled at
    `base_url` (its home page, or a replay of it); every other outlet at its own home page.
    """

    db: str = project_settings.MEDIAWATCH_DB
    base_url: str = project_settings.MEDIAWATCH_BASE_URL
    editions: tuple[str, ...] = ()
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
    outlets: tuple[Outlet, ...] | None = None
    outlets_dir: str | None = project_settings.MEDIAWATCH_OUTLETS_DIR or None
    only: tuple[str, ...] = ()
    max_crawls: int = project_settings.MEDIAWATCH_MAX_CRAWLS
    reload_interval: float = project_settings.MEDIAWATCH_OUTLETS_RELOAD_INTERVAL

    def interval(self, kind: str) -> float:
        return {"new": self.new_interval, "revisit": self.revisit_interval,
                "sweep": self.sweep_interval}[kind]


@dataclass(frozen=True)
class Target:
    """One outlet as the service crawls it: its definition, the editions its jobs crawl and the
    address they crawl; `default` for the default outlet (its runs record no outlet)."""

    outlet: Outlet
    editions: tuple[str, ...]
    base_url: str
    default: bool = False

    @property
    def name(self) -> str | None:
        """The outlet as runs and job ids name it: None for the default outlet."""
        return None if self.default else self.outlet.name

    def jobs(self) -> list[tuple[str, str]]:
        """(kind, edition) of each of its jobs."""
        return [(kind, edition) for kind in JOB_MODES for edition in self.editions]


def job_id(kind: str, edition: str, outlet: str | None = None) -> str:
    """`new-ru` for a job of the default outlet (as ever), `dala:new-kk` for another's."""
    return f"{outlet}:{kind}-{edition}" if outlet else f"{kind}-{edition}"


def service_outlets(config: ServiceConfig, previous: dict[str, Outlet] | None = None
                    ) -> tuple[list[Target], list[str]]:
    """The outlets the service crawls, and the lines of the definitions it cannot use (a file
    that does not read: the other outlets run all the same). ValueError for an `only` name that
    is not an outlet. `previous`: the definitions in use (when the folder is read again), of
    which one whose file no longer reads is kept, and no `only` name is an error."""
    default = default_outlet()
    problems: list[str] = []
    if config.outlets is not None:
        outlets = list(config.outlets)
    else:
        from outlets.store import OutletFolder, default_folder

        folder = OutletFolder(config.outlets_dir or default_folder(config.db))
        outlets = [default]
        for entry in folder.entries():
            if entry.name == default.name:
                continue
            if entry.error:
                problems.append(entry.error)
                if previous and entry.name in previous:
                    outlets.append(previous[entry.name])
            else:
                outlets.append(entry.outlet)
    names = [outlet.name for outlet in outlets]
    for name in config.only if previous is None else ():
        if name not in names:
            raise ValueError(f"no outlet named {name!r}; the outlets are {', '.join(names)}")
    targets = []
    for outlet in outlets:
        if config.only and outlet.name not in config.only:
            continue
        editions = tuple(language for language in outlet.languages
                         if not config.editions or language in config.editions)
        if not editions:
            continue
        is_default = outlet.name == default.name
        base_url = (config.base_url or outlet.home) if is_default else outlet.home
        targets.append(Target(outlet, editions, base_url.rstrip("/"), is_default))
    return targets, problems


def write_definition(target: Target, folder: str) -> None:
    """An added outlet's definition (and its outlet module) into a folder of definitions."""
    from outlets.files import copy_outlet_module, save

    if not target.default:
        save(target.outlet, os.path.join(folder, f"{target.outlet.name}.toml"))
        copy_outlet_module(target.outlet, folder)


def recorded_runs(db: str, readonly: bool = False) -> list[dict]:
    """The last start of each kind of run recorded in the archive (RunLog.last_starts);
    read-only, a missing archive has none."""
    from storage.archive import Archive

    if readonly and not os.path.exists(db):
        return []
    archive = Archive(db, readonly=readonly)
    try:
        return archive.last_starts()
    finally:
        archive.close()


def next_run_times(config: ServiceConfig, now: datetime | None = None,
                   readonly: bool = False) -> dict[str, datetime]:
    """When each job is next due, from the runs recorded in the archive (survives restarts)."""
    return due_times(recorded_runs(config.db, readonly), config, now)


def due_times(runs: list[dict], config: ServiceConfig, now: datetime | None = None,
              targets: list[Target] | None = None) -> dict[str, datetime]:
    """When each job is next due, given the archive's recorded runs (newest first): the last
    start of the same kind of run over the same edition of the same outlet, plus the interval."""
    now = now or datetime.now(UTC)
    if targets is None:
        targets = service_outlets(config)[0]
    last: dict[str, datetime] = {}
    for run in runs:
        if run.get("status") == "running":
            continue
        for edition in run.get("editions") or []:
            for kind, mode in JOB_MODES.items():
                if run.get("mode") != mode:
                    continue
                # A start later than now was written under a clock that was ahead: counted
                # as now, or the job would wait until that time comes round.
                started = min(parse_stamp(run["started_at"]), now)
                key = job_id(kind, edition, run.get("outlet"))
                if key not in last or started > last[key]:
                    last[key] = started
    due = {}
    for target in targets:
        for kind, edition in target.jobs():
            key = job_id(kind, edition, target.name)
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
    """Runs each crawl as a child process with a time limit: the jobs of one outlet one at a
    time, different outlets side by side (at most `max_crawls` crawls at once), so that an
    outlet whose crawls fail or hang holds up only its own jobs. Notifications are delivered
    by a Notifier beside it."""

    def __init__(self, config: ServiceConfig) -> None:
        self.config = config
        self.targets, self.problems = service_outlets(config)
        self.by_name = {target.name: target for target in self.targets}
        self.lock = ArchiveLock(config.db, "scheduler")
        self.stopping = threading.Event()
        self.children: set[subprocess.Popen] = set()
        self.child_lock = threading.Lock()
        self.crawl_slots = threading.BoundedSemaphore(max(1, config.max_crawls))
        self.plan_lock = threading.Lock()
        self.failing: dict[str, dict] = {}  # job id -> its last error, until it runs well again
        self.definitions: str | None = None  # the added outlets' definitions, for the crawls
        self.definitions_lock = threading.Lock()
        self.folder_error: str | None = None  # why the outlets folder could not be read again
        self.started_at: str | None = None
        self.notifier = Notifier(config)
        # One executor (of one thread) per outlet: its jobs queue behind each other, never
        # behind another outlet's; the readings of the outlets folder in one of their own.
        self.scheduler = BlockingScheduler(
            executors={RELOAD: ThreadPoolExecutor(1), **{
                lane(target): ThreadPoolExecutor(max_workers=1) for target in self.targets}},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=UTC,
        )

    @property
    def child(self) -> subprocess.Popen | None:
        """A running crawl (the only one when a single outlet is crawled), or None."""
        with self.child_lock:
            return next(iter(self.children), None)

    def target(self, outlet: str | None) -> Target:
        """The outlet of a job by its name in job ids (None: the default outlet)."""
        try:
            return self.by_name[outlet]
        except KeyError:
            raise ValueError(f"the service does not crawl the outlet {outlet or 'default'!r}"
                             ) from None

    def definitions_dir(self) -> str:
        """A folder of the service's own with the added outlets' definitions as it last read
        them, which its crawls read (`crawl --outlet NAME --outlets-dir`)."""
        with self.definitions_lock:
            if self.definitions is None:
                self.definitions = tempfile.mkdtemp(prefix="mediawatch-service-outlets-")
                for target in self.targets:
                    write_definition(target, self.definitions)
            return self.definitions

    def update_definition(self, target: Target) -> None:
        """Write an added or edited definition into the service's folder (once it has one); a
        crawl reads the old file whole or the new one whole."""
        with self.definitions_lock:
            if self.definitions is not None:
                write_definition(target, self.definitions)

    def crawl_options(self, kind: str, edition: str, outlet: str | None = None) -> list[str]:
        """The options of the crawl a job runs. An outlet whose definition sets its revisit
        policy keeps it; the others get the service's revisit steps, when it has any."""
        target = self.target(outlet)
        options = ["--edition", edition, "--mode", JOB_MODES[kind]]
        if not target.default:
            options += ["--outlet", target.outlet.name, "--outlets-dir", self.definitions_dir()]
        own = target.outlet.revisit
        if self.config.revisit_steps and not (own.policy or own.steps):
            options += ["--revisit-steps", ",".join(str(s) for s in self.config.revisit_steps)]
        return options

    def run_job(self, kind: str, edition: str, outlet: str | None = None) -> None:
        """Run one crawl in its own process; end it if it outlives the time limit."""
        if self.stopping.is_set():
            return
        target = self.by_name.get(outlet)
        if target is None or edition not in target.editions:
            return  # its outlet was removed, or its editions changed, while the job waited
        if kind == "revisit" and self.record_if_idle(edition, target):
            return
        with self.crawl_slots:
            if self.stopping.is_set():
                return
            with self.child_lock:
                child = start_crawl(target.base_url, self.config.db,
                                    *self.crawl_options(kind, edition, outlet))
                self.children.add(child)
            outcome = "finished"
            try:
                out, err = child.communicate(timeout=self.config.time_limit)
            except subprocess.TimeoutExpired:
                outcome = "timeout"
                self.end_children([child])
                out, err = child.communicate()
            with self.child_lock:
                self.children.discard(child)
        code, pid = child.returncode, child.pid
        if self.stopping.is_set() and outcome == "finished" and code != 0:
            outcome = "stopped"
        self.close_unfinished_runs(outcome, pid)
        crawl = read_outcome(code, out, err)
        now = self.by_name.get(outlet)
        if (outcome == "finished" and code != 0 and not crawl.runs
                and (now is None or edition not in now.editions)):
            # Its edition left the definition as the crawl started: no failure of the outlet.
            logger.info("%s ended (exit %s): the outlet's editions changed as it started: %s",
                        job_id(kind, edition, outlet), code, crawl.error or "")
        else:
            self.log_result(kind, edition, outcome, crawl, outlet)
            self.note_failure(job_id(kind, edition, outlet), outcome, crawl)
        self.notifier.request()
        if not self.stopping.is_set():
            self.record_plan()

    def record_if_idle(self, edition: str, target: Target) -> bool:
        """A revisit with no article of its edition due now is recorded as an empty run here,
        without starting a crawl process (most of a quiet outlet's minutes: a process costs
        more than a second of CPU before it asks anything). Whether one was."""
        from storage.archive import Archive

        now = project_settings.MEDIAWATCH_CLOCK or utc_iso()
        outlet = None if target.default else target.outlet.name
        archive = Archive(self.config.db)
        try:
            if archive.due_for_revisit(now, edition, limit=1, outlet=outlet):
                return False
            run = archive.start_run("revisit", [edition], target.base_url, outlet=outlet)
            archive.finish_run(run, "ok", {"requests": 0, "nothing_due": 1}, [])
            logger.info("%s: %s", job_id("revisit", edition, outlet), run_line(archive.run(run)))
        finally:
            archive.close()
        if not self.stopping.is_set():
            self.record_plan()
        return True

    def end_children(self, children: list[subprocess.Popen] | None = None,
                     grace: float = 10.0) -> None:
        """Ask running crawls to stop (Scrapy finishes in-flight work), then force them."""
        if children is None:
            with self.child_lock:
                children = list(self.children)
        running = [child for child in children if child.poll() is None]
        for child in running:
            child.send_signal(signal.SIGTERM)
        for child in running:
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

    def log_result(self, kind: str, edition: str, ending: str, crawl: CrawlOutcome,
                   outlet: str | None = None) -> None:
        """One log line for a finished job: its runs, or why it ended without them."""
        code = crawl.returncode
        job = job_id(kind, edition, outlet)
        summary = "; ".join(run_line(run) for run in crawl.runs) or f"exit status {code}"
        for run in crawl.runs:
            for line in (run.get("stats") or {}).get("degraded") or []:
                logger.warning("%s degraded: %s", job, line)
        if ending == "timeout":
            logger.error("%s ended after the %ss time limit: %s", job,
                         self.config.time_limit, summary)
        elif ending == "stopped":  # ended by the service's own stop: no failure of the job
            logger.info("%s: %s (ended as the service stopped)", job, summary)
        elif code != 0:
            logger.error("%s failed (exit %s): %s\n%s", job, code, summary, crawl.log.strip())
        else:
            logger.info("%s: %s", job, summary)

    def note_failure(self, job: str, ending: str, crawl: CrawlOutcome) -> None:
        """Remember a job's error until it runs well again (the plan shows it to readers)."""
        error = None
        if ending == "timeout":
            error = f"ended after the {self.config.time_limit:g} s time limit"
        elif ending == "stopped":
            return
        elif crawl.returncode != 0:
            error = crawl.error or f"exit status {crawl.returncode}"
        else:
            failed = [run for run in crawl.runs if run.get("status") == "failed"]
            if failed:
                errors = failed[0].get("errors") or []
                first = errors[0] if errors else {}
                error = (first.get("error") or first.get("message") or str(first)
                         if isinstance(first, dict) else str(first)) or "the run failed"
        with self.plan_lock:
            if error is None:
                self.failing.pop(job, None)
            else:
                since = self.failing.get(job, {}).get("since") or utc_iso()
                self.failing[job] = {"job": job, "since": since, "at": utc_iso(),
                                     "error": error}

    def add_jobs(self) -> None:
        due = due_times(recorded_runs(self.config.db), self.config, targets=self.targets)
        for target in self.targets:
            self.add_target_jobs(target, due)
        if self.config.outlets is None and self.config.reload_interval > 0:
            self.scheduler.add_job(self.reload_outlets, "interval", id=RELOAD, name=RELOAD,
                                   seconds=self.config.reload_interval, executor=RELOAD)
        self.record_plan(due)

    def add_target_jobs(self, target: Target, due: dict[str, datetime],
                        skip: frozenset[str] = frozenset()) -> None:
        """Schedule an outlet's jobs (but those in `skip`), each when `due` says."""
        for kind, edition in target.jobs():
            key = job_id(kind, edition, target.name)
            if key not in skip:
                self.scheduler.add_job(
                    self.run_job, "interval", seconds=self.config.interval(kind),
                    args=(kind, edition, target.name), id=key, name=key,
                    next_run_time=due[key], executor=lane(target),
                )

    def reload_outlets(self) -> None:
        """Read the outlets folder again and take up what changed: an added outlet's jobs
        scheduled, a removed one's unscheduled (a crawl of it going on finishes), an edited
        definition used from the next crawl on. A definition that no longer reads is logged
        once and the one read before kept. One log line per change; the plan recorded again."""
        from outlets.definition import DefinitionError

        if self.stopping.is_set():
            return
        old = {target.outlet.name: target for target in self.targets}
        try:
            targets, problems = service_outlets(
                self.config, {name: target.outlet for name, target in old.items()})
        except DefinitionError as exc:  # the folder itself cannot be read: nothing changes
            if str(exc) != self.folder_error:
                logger.error("outlets not read again: %s", exc)
            self.folder_error = str(exc)
            return
        new = {target.outlet.name: target for target in targets}
        removed = [target for name, target in old.items() if name not in new]
        changed = [target for name, target in new.items() if old.get(name) != target]
        for problem in problems:
            if problem not in self.problems:
                logger.error("outlet definition unusable (an outlet crawled already keeps the "
                             "definition read before): %s", problem)
        if not (removed or changed or problems != self.problems or self.folder_error):
            return
        self.folder_error = None
        # What can fail (the archive read, the definitions written) comes before any change,
        # so that a reading that fails is made whole again by the next one.
        due = due_times(recorded_runs(self.config.db), self.config, targets=changed
                        ) if changed else {}
        for target in changed:
            self.update_definition(target)
        for target in removed:
            for kind, edition in target.jobs():
                self.remove_job(job_id(kind, edition, target.name))
            self.scheduler.remove_executor(lane(target), shutdown=False)
            logger.info("outlet removed: %s", target.outlet.name)
        # The jobs' lookups see the new definitions before any new job can run.
        self.targets, self.problems = targets, problems
        self.by_name = {target.name: target for target in targets}
        for target in changed:
            before = old.get(target.outlet.name)
            if before is None:
                self.scheduler.add_executor(ThreadPoolExecutor(max_workers=1), lane(target))
                self.add_target_jobs(target, due)
            else:
                kept = {job_id(kind, edition, target.name) for kind, edition in before.jobs()}
                wanted = {job_id(kind, edition, target.name) for kind, edition in target.jobs()}
                for key in kept - wanted:
                    self.remove_job(key)
                self.add_target_jobs(target, due, skip=frozenset(kept & wanted))
            logger.info("outlet %s: %s (%s, editions %s)", "added" if before is None else
                        "changed", target.outlet.name, target.base_url, ", ".join(target.editions))
        if not self.stopping.is_set():
            self.record_plan()

    def remove_job(self, key: str) -> None:
        """Unschedule a job (a run of it going on finishes); its failure is forgotten."""
        from apscheduler.jobstores.base import JobLookupError

        try:
            self.scheduler.remove_job(key)
        except JobLookupError:
            pass
        with self.plan_lock:
            self.failing.pop(key, None)

    def plan(self, due: dict[str, datetime], web_url: str, stopped: bool = False) -> dict:
        """The service's settings, its outlets, each job's next run and the jobs failing now,
        as readers see them."""
        config = self.config
        jobs = {job_id(kind, edition, target.name): (target, kind, edition)
                for target in self.targets for kind, edition in target.jobs()}
        default = next((target for target in self.targets if target.default), None)
        with self.plan_lock:
            failing = sorted((item for item in self.failing.values() if item["job"] in jobs),
                             key=lambda item: item["job"])
        return {
            "base_url": default.base_url if default else config.base_url,
            "editions": list(default.editions if default else ()),
            "outlets": [{"name": target.outlet.name, "base_url": target.base_url,
                         "editions": list(target.editions), "default": target.default}
                        for target in self.targets],
            "unusable_outlets": list(self.problems),
            "web_url": web_url, "time_limit": config.time_limit,
            "max_crawls": config.max_crawls,
            "revisit_steps": list(config.revisit_steps) if config.revisit_steps else None,
            "started_at": self.started_at, "stopped_at": utc_iso() if stopped else None,
            "recorded_at": utc_iso(), **this_process(),
            "failing": [] if stopped else failing,
            "next_runs": [] if stopped else [
                {"job": key, "outlet": jobs[key][0].outlet.name, "kind": jobs[key][1],
                 "edition": jobs[key][2], "every_seconds": config.interval(jobs[key][1]),
                 "next_run": utc_iso(when)} for key, when in sorted(due.items()) if key in jobs],
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
        """Stop cleanly: no new crawls, the running ones asked to finish."""
        if self.stopping.is_set():
            return
        logger.info("stopping: %s", signal.Signals(signum).name if signum else "requested")
        self.stopping.set()
        threading.Thread(target=self._shutdown, daemon=True).start()

    def _shutdown(self) -> None:
        self.notifier.stop()
        self.end_children()
        self.scheduler.shutdown(wait=True)

    def run(self) -> None:
        """Run until SIGTERM or SIGINT."""
        # One line per crawl is the service's own (log_result): APScheduler's notes on adding,
        # starting and finishing each job would triple it, and a job due while it still runs
        # or waits its turn is skipped (coalesced) by design, not worth a warning.
        logging.getLogger("apscheduler").setLevel(logging.ERROR)
        try:
            self.lock.acquire()
        except LockHeld as held:
            through = f" (through {held.name})" if held.name else ""
            raise AlreadyRunning(f"another scheduler (pid {held.pid or 'unknown'}) is already "
                                 f"running against the archive {self.config.db}{through}"
                                 ) from None
        try:
            self.started_at = utc_iso()
            for problem in self.problems:
                logger.error("outlet not crawled: %s", problem)
            self.add_jobs()
            signal.signal(signal.SIGTERM, self.stop)
            signal.signal(signal.SIGINT, self.stop)
            logger.info("scheduler started against %s for %s", self.config.db,
                        ", ".join(f"{target.outlet.name} ({target.base_url})"
                                  for target in self.targets))
            self.scheduler.start()
        finally:
            if self.started_at:
                self.record_plan({}, stopped=True)
            self.lock.release()
            if self.definitions:
                shutil.rmtree(self.definitions, ignore_errors=True)
        logger.info("scheduler stopped")


RELOAD = "reload-outlets"  # the job (and its executor) that reads the outlets folder again


def lane(target: Target) -> str:
    """The executor of an outlet's jobs."""
    return f"outlet:{target.outlet.name}"


def list_jobs(config: ServiceConfig) -> list[dict]:
    """The service's jobs and when each would next run (the archive is only read)."""
    targets = service_outlets(config)[0]
    kinds = {job_id(kind, edition, target.name): (target, kind, edition)
             for target in targets for kind, edition in target.jobs()}
    due = due_times(recorded_runs(config.db, readonly=True), config, targets=targets)
    return [
        {"job": key, "outlet": kinds[key][0].outlet.name, "kind": kinds[key][1],
         "edition": kinds[key][2], "every_seconds": config.interval(kinds[key][1]),
         "next_run": utc_iso(when)}
        for key, when in sorted(due.items(), key=lambda item: (item[1], item[0]))
    ]
