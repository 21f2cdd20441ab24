"""Benchmark: from the end of a crawl to the last notification delivered; a flood as one digest;
writing an Atom feed of 1,000 changes."""

from __future__ import annotations

import dataclasses
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import apprise  # noqa: E402

import alerts.watches  # noqa: E402
from alerts.delivery import DeliveryLimits, deliver  # noqa: E402
from alerts.feeds import feed_xml  # noqa: E402
from bench.bench_search import _record  # noqa: E402
from bench.common import PYTHON, crawl, ms, print_result, replay_process, row  # noqa: E402
from replay.corpus import Corpus  # noqa: E402
from scheduler import CrawlService, ServiceConfig  # noqa: E402
from storage.archive import Archive  # noqa: E402
from storage.changelog import ChangeFilter, change_log  # noqa: E402
from storage.db import write_transaction  # noqa: E402
from storage.secrets import SecretStore  # noqa: E402
from storage.watches import deliveries  # noqa: E402
from tests.receivers import JsonReceiver, SmtpReceiver  # noqa: E402

REPLAY_ARTICLES = 600
REPLAY_SEED = 5
FEED_CHANGES = 1_000
FLOOD_CHANGES = 300
WEB = "http://127.0.0.1:8000"
RETRY = (60,)
TARGET_DELIVERY_S = 2.0
TARGET_FEED_S = 5.0  # a static feed rebuilt after each crawl run (every 15 minutes)
TARGET_FLOOD_S = 2.0


def secrets(folder: Path) -> SecretStore:
    """The receivers' addresses of the benchmark's watches, beside its archives."""
    return SecretStore(folder / "secrets.json")


def add_watch(folder: Path, db, name: str, url: str, kinds: list[str],
              language: str | None) -> None:
    """A watch on a receiver of this machine (so allowed explicitly)."""
    alerts.watches.add_watch(db, secrets(folder), name, url, kinds, language, None, None,
                             allow_private=True)


def send_bare(url: str, title: str, body: str) -> None:
    """One message through Apprise alone, in this process: the floor."""
    services = apprise.Apprise()
    services.add(url)
    services.notify(body=body, title=title, body_format=apprise.NotifyFormat.TEXT)


def revised_archive(path: Path, count: int, watch_url: str | None = None) -> None:
    """`count` articles of a generated replay archived, then each revised once: every third
    headline rewritten, the others with a paragraph edited. A watch added in between sees the
    revisions only."""
    state = Corpus(count + count // 5, 9).state(0)
    records = [_record(state, article) for article in state.live[:count]]
    with Archive(path) as archive:
        with write_transaction(archive.db):
            for record in records:
                archive.record_page(None, record.url, 200, {}, b"<html></html>", record,
                                    "2026-01-01T08:00:00Z")
        if watch_url:
            add_watch(path.parent, archive.db, "flood", watch_url, [], None)
        with write_transaction(archive.db):
            for number, record in enumerate(records):
                body = list(record.body)
                body[1] = body[1].replace(" ", " не ", 1) + " Редакция дополнила текст."
                changed = {"body": body}
                if number % 3 == 0:
                    changed["title"] = record.title + " (обновлено)"
                revised = dataclasses.replace(record, **changed)
                archive.record_page(None, record.url, 200, {}, b"<html></html>", revised,
                                    "2026-01-02T08:00:00Z")


def feed_figures(folder: Path) -> tuple[list[dict], dict]:
    path = folder / "feed.db"
    revised_archive(path, FEED_CHANGES)
    with Archive(path) as archive:
        wanted = ChangeFilter(kinds=())
        times, query_times = [], []
        for _ in range(3):
            start = time.perf_counter()
            document = feed_xml(archive.db, wanted, WEB, limit=FEED_CHANGES)
            times.append(time.perf_counter() - start)
            start = time.perf_counter()
            items = change_log(archive.db, wanted, newest_first=True, limit=FEED_CHANGES)
            query_times.append(time.perf_counter() - start)
    output = folder / "changes.atom"
    start = time.perf_counter()
    subprocess.run([PYTHON, "-m", "cli", "feed", "--limit", str(FEED_CHANGES), "--output",
                    str(output), "--db", str(path)], cwd=ROOT, check=True,
                   capture_output=True)
    command = time.perf_counter() - start
    feed, query = statistics.median(times), statistics.median(query_times)
    rows = [row(f"Atom feed of {FEED_CHANGES:,} changes (summaries: the excerpts stored with them)",
                f"{feed:,.2f} s (median of 3)", f"reading the changes alone: {ms(query)}",
                f"{feed / query:,.0f}× the query", f"≤ {TARGET_FEED_S:g} s",
                feed <= TARGET_FEED_S)]
    details = {
        "feed archive": f"{FEED_CHANGES:,} generated articles, each revised once "
                        f"(a third with a new headline): {FEED_CHANGES:,} revisions",
        "feed entries": document.count(b"<entry>"),
        "feed size": f"{len(document) / 1024:,.0f} KiB",
        "changes read": len(items),
        "feed_xml (in process), median of 3": f"{feed:,.2f} s",
        "`mediawatch feed --limit 1000 --output` (process start included)": f"{command:,.2f} s",
    }
    return rows, details


def flood_figures(folder: Path) -> tuple[list[dict], dict]:
    receiver = JsonReceiver().start()
    try:
        path = folder / "flood.db"
        revised_archive(path, FLOOD_CHANGES, receiver.url("/flood"))
        with Archive(path) as archive:
            start = time.perf_counter()
            report = deliver(archive.db, str(path), secrets(folder),
                             DeliveryLimits(retry_steps=RETRY), WEB)
            seconds = time.perf_counter() - start
            [delivery] = deliveries(archive.db)
    finally:
        receiver.stop()
    [message] = receiver.messages
    rows = [row(f"flood of {FLOOD_CHANGES} changes delivered to a watch",
                f"1 digest in {seconds:,.2f} s", f"{FLOOD_CHANGES} changes would be "
                f"{FLOOD_CHANGES} messages", f"{FLOOD_CHANGES}× fewer messages",
                f"one message, ≤ {TARGET_FLOOD_S:g} s",
                report.sent == 1 and delivery["count"] == FLOOD_CHANGES and seconds <= TARGET_FLOOD_S)]
    details = {"flood digest": f"{delivery['count']} changes, {len(message['message']) / 1024:,.0f} KiB "
                               f"of text, sent in {seconds:,.2f} s (collect, build, send)"}
    return rows, details


def delivery_figures(folder: Path) -> tuple[list[dict], dict]:
    http, smtp = JsonReceiver().start(), SmtpReceiver().start()
    db = str(folder / "crawl.db")
    try:
        with replay_process(REPLAY_ARTICLES, REPLAY_SEED) as (base_url, _):
            crawl(base_url, db)
            with Archive(db) as archive:
                for language in ("ru", "kk", "en"):
                    add_watch(folder, archive.db, language, http.url(f"/{language}"), [],
                              language)
                for kind in ("removed", "paragraph_added", "typo", "byline", "new"):
                    add_watch(folder, archive.db, kind, http.url(f"/{kind}"), [kind], None)
                add_watch(folder, archive.db, "headlines", smtp.url(), ["headline"], None)
            urllib.request.urlopen(urllib.request.Request(f"{base_url}/_replay/epoch/1",
                                                          method="POST"), timeout=60).read()
            crawl(base_url, db)
            crawl(base_url, db, "--mode", "revisit", "--everything")
        ended = time.perf_counter()
        service = CrawlService(ServiceConfig(db=db, base_url=base_url, web_url=WEB,
                                             notify_retry_steps=RETRY,
                                             secrets=str(secrets(folder).path)))
        service.deliver_notifications()
        delivered = time.perf_counter()
        with Archive(db) as archive:
            made = deliveries(archive.db)
    finally:
        http.stop()
        smtp.stop()
    seconds = delivered - ended  # delivery is synchronous: every message was accepted by then
    sent = [d for d in made if d["status"] == "sent"]
    bare_start = time.perf_counter()
    floor = JsonReceiver().start()
    try:
        for delivery in made:
            send_bare(floor.url("/floor"), delivery["title"], delivery["body"])
    finally:
        floor.stop()
    bare = time.perf_counter() - bare_start
    rows = [row("end of a crawl run → last notification delivered "
                f"({len(made)} messages to {len({d['watch'] for d in made})} watches)",
                f"{seconds:,.2f} s", f"the same messages sent bare with Apprise: {bare:,.2f} s",
                f"{seconds / bare:,.1f}×", f"≤ {TARGET_DELIVERY_S:g} s",
                seconds <= TARGET_DELIVERY_S and len(sent) == len(made))]
    details = {
        "delivery replay": f"{REPLAY_ARTICLES} articles (seed {REPLAY_SEED}) crawled at epoch 0, "
                           "then at epoch 1 (new articles, then every archived one revisited)",
        "watches": "3 per edition (json://), 5 per kind (json://), headlines (mailto:// to "
                   "a local SMTP server)",
        "messages": f"{len(made)} ({sum(d['count'] for d in made)} changes; "
                    f"{sum(d['count'] > 1 for d in made)} digests), all sent: {len(sent) == len(made)}",
        "what is timed": "from the revisit crawl's process exiting to the last message accepted: "
                         "the scheduler's own delivery step (collect, build messages, send)",
    }
    return rows, details


def run() -> dict:
    rows, details = [], {}
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        for figures in (delivery_figures, flood_figures, feed_figures):
            more_rows, more_details = figures(folder)
            rows += more_rows
            details.update(more_details)
    return {"name": "alerts", "rows": rows, "details": details}


if __name__ == "__main__":
    print_result(run())
