"""Delivering notifications through Apprise: collect each watch's new changes, send, retry.

What is guaranteed (see docs/alerts.md): every change a watch selects is put into exactly one
delivery, in the same transaction that moves the watch's cursor; a delivery is marked `sending`
before its message goes out and `sent` once the receiver accepted it. A process killed between
those two marks leaves the delivery `sending`; the next run sends it again, with the same text
and reference. So nothing is lost, nothing is sent twice unless the process died in the moment
between the receiver taking a message and the archive recording it. A receiver that took the
whole message and gave no answer within the message's deadline is recorded `unconfirmed` and
not sent it again. Sending happens in a worker process under deadlines (alerts.sending).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from alerts.messages import build_messages
from alerts.receivers import redacted_url
from alerts.sending import FAILED, SENT, STOPPED, UNCONFIRMED, Courier, Outcome
from alerts.watches import receiver_address
from storage import watches as store
from storage.clock import parse_stamp, utc_iso
from storage.future import correct_future_times
from storage.locks import ArchiveLock, LockHeld
from storage.search import SearchQueryError
from storage.secrets import SecretsError, SecretStore
from views.reading import DEFAULT_WEB_URL

logger = logging.getLogger("mediawatch.alerts")

STOPPED_NOTE = ("interrupted by a signal before the message was sent whole: sent again on the "
                "next run")


class DeliveryBusy(RuntimeError):
    """Another process is delivering notifications for this archive."""


@dataclass(frozen=True)
class DeliveryLimits:
    """When a failed message is tried again, and how long sending may take: one message at
    most `message_deadline` seconds, one run's sending at most `run_deadline` (a message is
    started only when its whole deadline fits in what is left; the others wait for the next
    run)."""

    retry_steps: tuple[int, ...] = (60, 300, 1800, 7200, 21600)
    message_deadline: float = 30.0
    run_deadline: float = 300.0


@dataclass
class DeliveryReport:
    """What one delivery run did."""

    collected: int = 0  # deliveries made from new changes
    sent: int = 0
    failed: int = 0
    unconfirmed: int = 0
    postponed: int = 0  # due, but the run's deadline left no room for them
    stopped: bool = False  # stop() was called: the rest waits for the next run
    errors: list[str] = field(default_factory=list)
    corrections: list[dict] = field(default_factory=list)  # times from the future set to now


def send(url: str, title: str, body: str, allow_private: bool = False,
         deadline: float = DeliveryLimits.message_deadline,
         courier: Courier | None = None) -> Outcome:
    """Send one message now (e.g. a test message) under `deadline`, through `courier` or a
    worker of its own."""
    own_courier = courier is None
    courier = courier or Courier(deadline)
    try:
        return courier.send(url, title, body, allow_private, deadline)
    finally:
        if own_courier:
            courier.close()


class DeliveryLock(ArchiveLock):
    """Only one process delivers for an archive at a time, whatever name each opened it by: a
    `sending` delivery found by the holder of this lock was left by a process that died."""

    def __init__(self, db_path: str) -> None:
        super().__init__(db_path, "notify")

    def acquire(self) -> None:
        try:
            super().acquire()
        except LockHeld as held:
            raise DeliveryBusy(f"another process (pid {held.pid or 'unknown'}) is delivering "
                               f"notifications for {self.path}") from None


def retry_at(attempts: int, steps: tuple[int, ...], now: datetime) -> str:
    """When to try again after `attempts` (one or more) failed tries: the steps in turn, then
    the last step again and again."""
    return utc_iso(now + timedelta(seconds=steps[min(attempts, len(steps)) - 1]))


def collection_due(watch: dict, now: datetime) -> bool:
    """A digest watch collects once per period; any other watch every time."""
    due = store.next_digest(watch)
    return due is None or now >= parse_stamp(due)


def deliver(db: Database, db_path: str, secrets: SecretStore,
            limits: DeliveryLimits = DeliveryLimits(), web_url: str = DEFAULT_WEB_URL,
            courier: Courier | None = None) -> DeliveryReport:
    """Collect every watch's new changes into deliveries, then send what is due.

    A watch's messages go out in order: after a failed send, or while a failed one waits for
    its retry, the watch's later deliveries wait too. Raises DeliveryBusy when another process
    is delivering. `courier.stop()`, from another thread or a signal handler, ends the run
    promptly: the message in flight is ended and the rest waits for the next run.
    """
    report = DeliveryReport()
    if not store.list_watches(db):
        return report
    own_courier = courier is None
    courier = courier or Courier(limits.message_deadline)
    courier.start()  # while the changes are collected
    try:
        with DeliveryLock(db_path):
            try:
                store.move_secrets_out(db, secrets, redacted_url)
            except SecretsError as exc:  # the addresses stay where they are, and still work
                report.errors.append(f"receivers' addresses not moved out of the archive: {exc}")
            report.corrections = correct_future_times(db, datetime.now(UTC),
                                                      max(limits.retry_steps))
            store.recover_interrupted(db, utc_iso())
            for watch in store.list_watches(db):
                if not collection_due(watch, datetime.now(UTC)):
                    continue
                try:
                    report.collected += store.collect(
                        db, watch, lambda w, items: build_messages(db, w, items, web_url),
                        utc_iso())
                except SearchQueryError as exc:  # the watch stays where it was; the others go on
                    error = f"its query failed: {exc}"
                    store.set_watch_error(db, watch["id"], error, utc_iso())
                    report.errors.append(f"watch {watch['name']}: {error}")  # said by the caller
                    continue
                if watch.get("error"):
                    store.set_watch_error(db, watch["id"], None, utc_iso())
            send_due(db, secrets, limits, courier, report)
    finally:
        if own_courier:
            courier.close()
    return report


def send_due(db: Database, secrets: SecretStore, limits: DeliveryLimits, courier: Courier,
             report: DeliveryReport) -> None:
    """Send the deliveries that are due, oldest first, within the run's deadline."""
    run_ends = time.monotonic() + limits.run_deadline
    blocked: set[int] = set()
    for delivery in store.unsent_deliveries(db):
        if courier.stopped:
            break
        if delivery["watch_id"] in blocked or delivery["next_attempt_at"] > utc_iso():
            blocked.add(delivery["watch_id"])
            continue
        if time.monotonic() + limits.message_deadline > run_ends:
            blocked.add(delivery["watch_id"])
            report.postponed += 1
            continue
        tried = datetime.now(UTC)  # the retry is counted from the try, however long it took
        store.mark_sending(db, delivery["id"], utc_iso(tried))
        outcome = send_one(delivery, secrets, courier)
        if outcome.status == SENT:
            store.mark_sent(db, delivery["id"], utc_iso())
            report.sent += 1
        elif outcome.status == UNCONFIRMED:
            store.mark_unconfirmed(db, delivery["id"], outcome.error, utc_iso())
            report.unconfirmed += 1
            logger.warning("watch %s: delivery %s unconfirmed: %s", delivery["watch"],
                           delivery["id"], outcome.error)
        elif outcome.status == STOPPED:
            store.mark_failed(db, delivery["id"], STOPPED_NOTE, utc_iso())
        else:
            blocked.add(delivery["watch_id"])
            when = retry_at(delivery["attempts"] + 1, limits.retry_steps, tried)
            store.mark_failed(db, delivery["id"], outcome.error, when)
            report.failed += 1
            report.errors.append(f"watch {delivery['watch']}: {outcome.error} (retry at {when})")
    report.stopped = courier.stopped


def send_one(delivery: dict, secrets: SecretStore, courier: Courier) -> Outcome:
    """Send one delivery to its watch's receiver, whose full address is in the secrets file."""
    try:
        address = receiver_address(secrets, delivery)
    except SecretsError as exc:
        return Outcome(FAILED, str(exc))
    if address is None:
        return Outcome(FAILED, f"the receiver's address ({delivery['notify_url']}) is not in "
                               f"the secrets file {secrets.path}: remove the watch and add it again")
    try:
        return courier.send(address, delivery["title"], delivery["body"],
                            bool(delivery["allow_private"]))
    except Exception as exc:  # one broken receiver must not stop the others
        return Outcome(FAILED, f"{type(exc).__name__}: {exc}")
