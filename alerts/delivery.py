"""Delivering notifications through Apprise: collect each watch's new changes, send, retry.

What is guaranteed (see docs/alerts.md): every change a watch selects is put into exactly one
delivery, in the same transaction that moves the watch's cursor; a delivery is marked `sending`
before its message goes out and `sent` once the receiver accepted it. A process killed between
those two marks leaves the delivery `sending`; the next run sends it again, with the same text
and reference. So nothing is lost, nothing is sent twice unless the process died in the moment
between the receiver accepting a message and the archive recording it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import apprise
from sqlite_utils import Database

from alerts.messages import build_messages
from storage import watches as store
from storage.clock import parse_stamp, utc_iso
from storage.locks import ArchiveLock, LockHeld
from storage.search import SearchQueryError
from views.reading import DEFAULT_WEB_URL

Sender = Callable[[str, str, str], "str | None"]


class DeliveryBusy(RuntimeError):
    """Another process is delivering notifications for this archive."""


@dataclass
class DeliveryReport:
    """What one delivery run did."""

    collected: int = 0  # deliveries made from new changes
    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def valid_url(url: str) -> bool:
    """Whether Apprise knows how to send to this URL."""
    return apprise.Apprise().add(url)


def private_url(url: str) -> str:
    """The URL with passwords and tokens hidden, for listings."""
    services = apprise.Apprise()
    services.add(url)
    return next((service.url(privacy=True) for service in services), url)


def send(url: str, title: str, body: str) -> str | None:
    """Send one plain-text message; None when the receiver accepted it, else why not."""
    services = apprise.Apprise()
    if not services.add(url):
        return f"Apprise cannot send to {private_url(url)}"
    with apprise.LogCapture(level=logging.WARNING) as logs:
        accepted = services.notify(body=body, title=title, body_format=apprise.NotifyFormat.TEXT)
    if accepted:
        return None
    lines = [line.split(" - ", 2)[-1] for line in logs.getvalue().splitlines() if line.strip()]
    return lines[-1] if lines else "the receiver did not accept the message"


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


def deliver(db: Database, db_path: str, retry_steps: tuple[int, ...],
            web_url: str = DEFAULT_WEB_URL, sender: Sender = send) -> DeliveryReport:
    """Collect every watch's new changes into deliveries, then send what is due.

    A watch's messages go out in order: after a failed send, or while a failed one waits for
    its retry, the watch's later deliveries wait too. Raises DeliveryBusy when another process
    is delivering.
    """
    report = DeliveryReport()
    if not store.list_watches(db):
        return report
    with DeliveryLock(db_path):
        store.recover_interrupted(db, utc_iso())
        for watch in store.list_watches(db):
            if not collection_due(watch, datetime.now(UTC)):
                continue
            try:
                report.collected += store.collect(
                    db, watch, lambda w, items: build_messages(db, w, items, web_url), utc_iso())
            except SearchQueryError as exc:  # the watch stays where it was; the others go on
                error = f"its query failed: {exc}"
                store.set_watch_error(db, watch["id"], error, utc_iso())
                report.errors.append(f"watch {watch['name']}: {error}")  # said by the caller
                continue
            if watch.get("error"):
                store.set_watch_error(db, watch["id"], None, utc_iso())
        blocked: set[int] = set()
        for delivery in store.unsent_deliveries(db):
            if delivery["watch_id"] in blocked or delivery["next_attempt_at"] > utc_iso():
                blocked.add(delivery["watch_id"])
                continue
            store.mark_sending(db, delivery["id"], utc_iso())
            try:
                error = sender(delivery["notify_url"], delivery["title"], delivery["body"])
            except Exception as exc:  # one broken receiver must not stop the others
                error = f"{type(exc).__name__}: {exc}"
            if error is None:
                store.mark_sent(db, delivery["id"], utc_iso())
                report.sent += 1
                continue
            blocked.add(delivery["watch_id"])
            when = retry_at(delivery["attempts"] + 1, retry_steps, datetime.now(UTC))
            store.mark_failed(db, delivery["id"], error, when)
            report.failed += 1
            report.errors.append(f"watch {delivery['watch']}: {error} (retry at {when})")
    return report
