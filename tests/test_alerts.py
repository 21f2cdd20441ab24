"""Watches and notifications delivered to real receivers on 127.0.0.1 after an epoch change of the
replay: exact selection, kills during delivery, a receiver that is down, digests, the scheduler."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from types import SimpleNamespace

import feedparser
import pytest
from click.testing import CliRunner
from conftest import manifest_kinds, wait_for_a_later_second, wait_for_the_clock
from receivers import ACCEPT, DROP, JsonReceiver, SmtpReceiver
from starlette.testclient import TestClient

import alerts.watches
import settings
from alerts.delivery import DeliveryLimits
from cli import main
from replay.server import ReplayServer
from scheduler import CrawlService, ServiceConfig
from storage.archive import Archive
from storage.secrets import SecretStore
from storage.watches import deliveries
from views.text import local
from web.app import create_app

ROOM = "http://127.0.0.1:8000"  # the reading room's own address (create_app's default)

WEB = "http://reading-room.test"
ENTRY = re.compile(r"Edition: (\w+) · Kinds: ([\w, ]+) · Seen: [^\n]+\n(?:[^\n]*\n)*?"
                   r"(?:Diff|Open): \S+/article/(\d+)")
RETRY_SECONDS = 15  # long enough for a second run to start before the retry is due, even under load


def crawl(base_url: str, db: str, *args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "cli", "crawl", *args, "--base-url", base_url,
                           "--db", db], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def cli(db: str, *args: str) -> str:
    result = CliRunner().invoke(main, [*args, "--db", db])
    assert result.exit_code == 0, result.output
    return result.output


def notify_command(db: str) -> list[str]:
    return [sys.executable, "-m", "cli", "notify", "--web-url", WEB, "--db", db]


def notify_env() -> dict[str, str]:
    return {**os.environ, "MEDIAWATCH_NOTIFY_RETRY_STEPS": str(RETRY_SECONDS)}


def notify(db: str) -> subprocess.CompletedProcess:
    """`mediawatch notify`: its exit status is 1 when a send failed, else 0."""
    done = subprocess.run(notify_command(db), capture_output=True, text=True, timeout=120,
                          env=notify_env())
    failed = not re.search(r" 0 failed", done.stdout)
    assert done.returncode == (1 if failed else 0), done.stderr[-2000:]
    return done


# Watch name -> (options, where it sends); `late` sends to a receiver that is not up yet.
WATCHES = {
    "all": ([], "/all"),
    "gone-ru": (["--kind", "removed", "--kind", "restored", "--lang", "ru"], "/gone"),
    "headlines": (["--kind", "headline"], "smtp"),
    "kazakh": (["--lang", "kk"], "/kk"),
    "hourly": (["--lang", "ru", "--digest", "hourly"], "/hourly"),
    "degraded": (["--kind", "degraded"], "/degraded"),
    "late": (["--lang", "en"], "late"),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> SimpleNamespace:
    """Receivers, and an archive of the replay at epoch 0 with the watches added, then crawled
    at epoch 1 (new articles, then a revisit of every archived one); nothing notified yet."""
    folder = tmp_path_factory.mktemp("alerts")
    db = str(folder / "base.db")
    http, smtp = JsonReceiver().start(), SmtpReceiver().start()
    late = JsonReceiver()
    with ReplayServer(articles=180, seed=1) as server:
        crawl(server.base_url, db)
        m0 = server.manifest()
        cli(db, "feed", "--limit", "1000", "--web-url", WEB, "--output", str(folder / "epoch0.xml"))
        for name, (options, where) in WATCHES.items():
            url = {"smtp": smtp.url(), "late": late.url("/late")}.get(where) or http.url(where)
            cli(db, "watch", "add", name, "--notify", url, "--allow-private-target", *options)
        wait_for_a_later_second()
        server.set_epoch(1)
        crawl(server.base_url, db)
        crawl(server.base_url, db, "--mode", "revisit", "--everything")
        m1 = server.manifest()
    yield SimpleNamespace(db=db, folder=folder, http=http, smtp=smtp, late=late, m0=m0, m1=m1)
    http.stop()
    smtp.stop()
    late.stop()


@pytest.fixture
def copy(world, tmp_path) -> str:
    """A fresh copy of the archive, receivers emptied."""
    target = str(tmp_path / "archive.db")
    with sqlite3.connect(world.db) as source, sqlite3.connect(target) as destination:
        source.backup(destination)
    world.http.clear()
    world.smtp.messages.clear()
    world.late.clear()
    return target


def language_of(world) -> dict[int, str]:
    return {a["id"]: a["language"] for a in world.m0["articles"] + world.m1["articles"]}


def expected(world, kinds: tuple[str, ...] = (), language: str | None = None) -> list[tuple]:
    """(article id, kind) of every kind the archive records for the epoch's changes that a
    filter selects, from the manifest; a restoration of an article never archived is its first
    sighting."""
    archived = {a["id"] for a in world.m0["articles"] if a["status"] == 200}
    languages = language_of(world)
    pairs = []
    for change in world.m1["changes"]:
        kind = change["kind"]
        if kind == "restored" and change["id"] not in archived:
            kind = "new"
        recorded = manifest_kinds({**change, "kind": kind})
        if (not kinds or set(kinds) & set(recorded)) and language in (None, languages[change["id"]]):
            pairs += [(change["id"], one) for one in recorded]
    return sorted(pairs)


def received(messages: list[dict], languages: dict[int, str]) -> list[tuple]:
    """(article id, kind) of every change in the messages, with its edition checked."""
    pairs = []
    for message in messages:
        for edition, kinds, article in ENTRY.findall(message["message"]):
            assert languages[int(article)] == edition
            pairs += [(int(article), kind) for kind in kinds.split(", ")]
    return sorted(pairs)


def references(messages: list[dict]) -> list[str]:
    return [re.search(r"· ref (\S+)$", m["message"]).group(1) for m in messages]


def assert_each_watch_got_its_changes(world) -> None:
    languages = language_of(world)
    assert received(world.http.at("/all"), languages) == expected(world)
    assert received(world.http.at("/gone"), languages) == expected(world, ("removed", "restored"), "ru")
    assert received(world.smtp.messages, languages) == expected(world, ("headline",))
    assert received(world.http.at("/kk"), languages) == expected(world, language="kk")
    assert world.http.at("/hourly") == [] and world.http.at("/degraded") == []


def test_each_watch_receives_exactly_the_changes_its_filter_selects(world, copy):
    assert expected(world, ("headline",)) and expected(world, ("removed",), "ru")
    done = notify(copy)
    assert_each_watch_got_its_changes(world)
    # 15 changes: more than a flood's worth, so one digest; 5 in Kazakh: one message each.
    assert len(world.http.at("/all")) == 1
    assert world.http.at("/all")[0]["title"].startswith(f"{len(world.m1['changes'])} changes")
    kazakh = {article for article, _ in expected(world, language="kk")}
    assert len(world.http.at("/kk")) == len(kazakh) <= 10
    message = world.smtp.messages[0]
    assert message["to"] == ["b@example.org"] and "headline: " in message["title"]
    assert "Headline was: " in message["message"] and "Headline now: " in message["message"]
    assert f"Diff: {WEB}/article/" in message["message"] and "Live: http://127.0.0.1:" in message["message"]
    assert re.search(r"Seen: \d{4}-\d\d-\d\d \d\d:\d\d Almaty\n", message["message"])
    # a failed send is said once, and the exit status says that something failed
    assert "1 failed" in done.stdout and done.stderr.count("watch late") == 1
    assert done.returncode == 1
    # Run again: nothing new, nothing sent twice.
    notify(copy)
    assert_each_watch_got_its_changes(world)


def test_a_digest_watch_waits_for_its_period_then_sends_one_digest(world, copy):
    notify(copy)
    assert world.http.at("/hourly") == []
    with sqlite3.connect(copy) as db:
        db.execute("UPDATE watches SET collected_at = '2000-01-01T00:00:00Z' WHERE name = 'hourly'")
    notify(copy)
    [digest] = world.http.at("/hourly")
    assert received([digest], language_of(world)) == expected(world, language="ru")
    russian = {article for article, _ in expected(world, language="ru")}
    assert digest["title"] == f"{len(russian)} changes on Vlast.kz for watch hourly"
    # when it went, what it sent and when the next goes out: in watch list, status, the room
    [hourly] = [w for w in json.loads(cli(copy, "watch", "list", "--json")) if w["name"] == "hourly"]
    assert hourly["last_sent"]["title"] == digest["title"]
    assert hourly["last_sent"]["count"] == len(russian)
    sent = datetime.fromisoformat(hourly["last_sent"]["sent_at"]).timestamp()
    assert 3500 < datetime.fromisoformat(hourly["next_digest"]).timestamp() - sent < 3700
    assert f"next hourly digest {local(hourly['next_digest'])}" in cli(copy, "status")
    page = TestClient(create_app(copy), base_url=ROOM).get("/status").text
    assert digest["title"] in page and local(hourly["next_digest"]) in page


def test_a_run_that_ended_degraded_reaches_the_watches_that_ask_for_it(world, copy):
    with sqlite3.connect(copy) as db:
        run_id = db.execute("SELECT max(id) FROM runs").fetchone()[0]
        db.execute("UPDATE runs SET status = 'degraded', errors = ? WHERE id = ?",
                   [json.dumps(["authors coverage fell from 95% to 0% (ru)"]), run_id])
    notify(copy)
    [message] = world.http.at("/degraded")
    assert f"Crawl run {run_id} (" in message["message"] and "ended degraded" in message["message"]
    assert "authors coverage fell" in message["message"] and f"Open: {WEB}/status" in message["message"]
    assert "degraded" not in json.dumps(world.http.at("/all") + world.http.at("/kk"))


@pytest.mark.parametrize("accepted_before_kill", [False, True])
def test_killed_while_delivering_then_run_again(world, copy, accepted_before_kill):
    """SIGKILL while the third JSON message is in flight. If the receiver had not accepted it,
    the next run sends everything exactly once. If it had (the one window no sender can close),
    the next run sends that one message again with the same reference, and only that one."""
    process = subprocess.Popen(notify_command(copy), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=notify_env())
    state = {"count": 0}

    def kill_on_third(payload: dict, path: str) -> str:
        state["count"] += 1
        if state["count"] != 3:
            return ACCEPT
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        return ACCEPT if accepted_before_kill else DROP

    world.http.decide = kill_on_third
    process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL
    first = list(world.http.messages)
    assert len(first) == (3 if accepted_before_kill else 2)
    world.http.decide = None
    notify(copy)
    refs = references(world.http.messages)
    repeated = sorted({ref for ref in refs if refs.count(ref) > 1})
    if accepted_before_kill:
        assert repeated == [references(first)[2]]
        world.http.messages.pop(2)  # a receiver that drops repeats by reference
    else:
        assert repeated == []
    assert_each_watch_got_its_changes(world)
    with Archive(copy) as archive:
        states = {d["status"] for d in deliveries(archive.db) if d["watch"] != "late"}
    assert states == {"sent"}


def test_a_receiver_that_is_down_gets_its_messages_once_it_is_up(world, copy):
    languages = language_of(world)
    notify(copy)
    status = cli(copy, "status")
    assert re.search(r"notification \d+ for watch late \(1 change\) failed after 1 tries: "
                     r"A Connection error occurred", status)
    room = TestClient(create_app(copy), base_url=ROOM)
    [shown] = room.get("/api/status").json()["failed_deliveries"]
    assert (shown["watch"], shown["status"], shown["attempts"]) == ("late", "failed", 1)
    page = room.get("/status").text
    assert "Notifications not delivered" in page and "A Connection error occurred" in page
    with Archive(copy) as archive:
        [failed] = [d for d in deliveries(archive.db, "late") if d["status"] == "failed"]
    due = datetime.fromisoformat(failed["next_attempt_at"]).timestamp()
    assert due - datetime.fromisoformat(failed["last_attempt_at"]).timestamp() == RETRY_SECONDS
    world.late.start()
    try:
        notify(copy)  # the retry is not due yet
        assert world.late.messages == [] and time.time() < due
        wait_for_the_clock(due + 1)  # due, and in the next whole second
        notify(copy)
        assert received(world.late.messages, languages) == expected(world, language="en")
        assert len(world.late.messages) == len({a for a, _ in expected(world, language="en")})
        notify(copy)
        assert len(world.late.messages) == len({a for a, _ in expected(world, language="en")})
        assert "for watch late" not in cli(copy, "status")
    finally:
        world.late.stop()
    with Archive(copy) as archive:
        tried = [d["attempts"] for d in deliveries(archive.db, "late")]
    assert tried[0] == 2 and set(tried[1:]) == {1}


def secrets() -> SecretStore:
    """The secrets file of the test session (see conftest.py)."""
    return SecretStore(settings.MEDIAWATCH_SECRETS)


def add_watch(db, name: str, url: str, kinds: list[str], language: str | None = None,
              query: str | None = None, digest: str | None = None) -> None:
    """A watch on a receiver of this machine (so allowed explicitly)."""
    alerts.watches.add_watch(db, secrets(), name, url, kinds, language, query, digest,
                             allow_private=True)


def test_the_scheduler_delivers_after_each_crawl(tmp_path):
    receiver = JsonReceiver().start()
    db = str(tmp_path / "archive.db")
    try:
        with Archive(db) as archive:
            add_watch(archive.db, "ru", receiver.url("/ru"), [], "ru")
        with ReplayServer(articles=60, seed=2) as server:
            service = CrawlService(ServiceConfig(db=db, base_url=server.base_url, web_url=WEB))
            service.run_job("new", "ru")
            assert service.notifier.wait_idle(60)
            service.notifier.stop()
            manifest = server.manifest()
    finally:
        receiver.stop()
    live_ru = sorted(a["id"] for a in manifest["articles"]
                     if a["language"] == "ru" and a["status"] == 200)
    assert len(live_ru) > 10
    [digest] = receiver.messages
    assert received([digest], {i: "ru" for i in live_ru}) == [(i, "new") for i in live_ru]


# ---- the watch commands --------------------------------------------------------------------------

def test_watch_commands(world, copy):
    runner = CliRunner()
    listing = json.loads(cli(copy, "watch", "list", "--json"))
    assert [w["name"] for w in listing] == sorted(WATCHES)
    assert next(w for w in listing if w["name"] == "gone-ru")["kinds"] == ["removed", "restored"]
    secret = "json://user:s3cret@127.0.0.1:9/x"
    cli(copy, "watch", "add", "secret", "--notify", secret, "--allow-private-target")
    assert "s3cret" not in cli(copy, "watch", "list")
    cli(copy, "watch", "test", "kazakh", "--web-url", WEB)
    [sample] = world.http.at("/kk")
    assert sample["title"].startswith("[test] [kk] ") and "Edition: kk" in sample["message"]
    assert "removed" in cli(copy, "watch", "remove", "secret")
    for args, message in [
        (["watch", "add", "x", "--notify", "nonsense://"], "not a notification URL"),
        (["watch", "add", "all", "--notify", world.http.url(), "--allow-private-target"],
         "already a watch named 'all'"),
        (["watch", "add", "q", "--notify", world.http.url(), "--allow-private-target",
          "--query", '"unbalanced'], "cannot search"),
        (["watch", "remove", "nope"], "no watch named 'nope'"),
        (["watch", "test", "late"], "the test message to json://127.0.0.1"),
        (["feed", "--watch", "nope"], "no watch named 'nope'"),
    ]:
        result = runner.invoke(main, [*args, "--db", copy])
        assert result.exit_code == 2, result.output
        assert result.output.count("\n") == 1 and message in result.output, result.output


# ---- feeds ---------------------------------------------------------------------------------------

def parse_feed(document: bytes) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(document)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def feed_of(db: str, *args: str) -> feedparser.FeedParserDict:
    return parse_feed(cli(db, "feed", "--limit", "1000", "--web-url", WEB, *args).encode())


def link(entry, rel: str) -> str | None:
    return next((item["href"] for item in entry.links if item["rel"] == rel), None)


def terms(entry, scheme: str) -> list[str]:
    return [tag.term for tag in entry.tags if tag.scheme == f"tag:mediawatch,2024:{scheme}"]


def moment(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def entry_facts(entry) -> tuple:
    # a divergence between editions links to the story's comparison, any other change to the
    # article or its diff
    article = int(re.search(r"/(?:article|story)/(\d+)", link(entry, "alternate")).group(1))
    return (article, tuple(terms(entry, "kind")), terms(entry, "edition")[0], moment(entry.updated))


def test_feed_of_every_change_matches_the_archive(world, copy, tmp_path):
    output = tmp_path / "all.atom"
    cli(copy, "feed", "--limit", "1000", "--web-url", WEB, "--output", str(output))
    document = output.read_bytes()
    cli(copy, "feed", "--limit", "1000", "--web-url", WEB, "--output", str(output))
    assert output.read_bytes() == document  # stable across runs
    assert sorted(p.name for p in tmp_path.iterdir() if "atom" in p.name) == ["all.atom"]
    feed = parse_feed(document)
    assert feed.feed.id == "tag:mediawatch,2024:feed/all.atom"
    assert link(feed.feed, "self") == f"{WEB}/feeds/all.atom"
    changes = json.loads(cli(copy, "changes", "--since", "2000-01-01", "--json"))
    assert sorted(entry_facts(e) for e in feed.entries) == sorted(
        (c["article_id"], tuple(c["kinds"]), c["language"], moment(c["at"])) for c in changes)
    ids = [entry.id for entry in feed.entries]
    assert len(set(ids)) == len(ids) and all(i.startswith("tag:mediawatch,2024:") for i in ids)
    stamps = [moment(entry.updated) for entry in feed.entries]
    assert stamps == sorted(stamps, reverse=True)
    by_article = {}
    for change in changes:
        by_article.setdefault(change["article_id"], []).append(change)
    for entry in feed.entries:
        article, kinds, _, seen = entry_facts(entry)
        matching = [c for c in by_article[article] if moment(c["at"]) == seen
                    and tuple(c["kinds"]) == kinds]
        # two divergences found at once on one article read alike here (their ids differ)
        assert len(matching) == 1 or kinds == ("divergence",), matching
        change = matching[0]
        assert link(entry, "related") == change["url"]
        if kinds == ("divergence",):
            assert link(entry, "alternate") == f"{WEB}/story/{article}#compare"
            assert "/divergence/" in entry.id
            assert any(c["divergence"] in entry.summary for c in matching)
        elif change.get("version"):
            number = change["version"]
            assert link(entry, "alternate") == f"{WEB}/article/{article}/diff?from={number - 1}&to={number}"
            assert entry.id.endswith(f"/article/{article}/v{number}")
        elif kinds == ("removed",):  # the last version against the removal
            assert link(entry, "alternate") == f"{WEB}{change['link']}"
            assert change["link"].endswith(f"diff?from={change['at_version']}&to=removed")
        else:
            assert link(entry, "alternate") == f"{WEB}/article/{article}"
        assert entry.summary_detail.type == "text/html"
    # The entries of the feed written before epoch 1 keep their ids and dates.
    before = {e.id: e.updated for e in parse_feed((world.folder / "epoch0.xml").read_bytes()).entries}
    now = {e.id: e.updated for e in feed.entries}
    new = [i for i in before if "/divergence/" not in i]  # and the divergences of epoch 0
    assert len(new) == len(world.m0["articles"]) - sum(a["status"] != 200 for a in world.m0["articles"])
    assert {i: now[i] for i in before} == before


def test_feeds_per_edition_kind_article_search_and_watch(world, copy):
    for entry in (kk := feed_of(copy, "--lang", "kk")).entries:
        assert terms(entry, "edition") == ["kk"]
    assert len(kk.entries) == len(json.loads(cli(copy, "changes", "--since", "2000-01-01",
                                                 "--lang", "kk", "--json")))
    assert link(kk.feed, "self") == f"{WEB}/feeds/edition/kk.atom"
    gone = feed_of(copy, "--kind", "headline", "--kind", "removed")
    assert sorted((a, k[0]) for a, k, _, _ in map(entry_facts, gone.entries)) == \
        expected(world, ("headline", "removed"))
    [headline] = expected(world, ("headline",))
    article = feed_of(copy, "--article", str(headline[0]))
    assert [(a, k) for a, k, _, _ in map(entry_facts, article.entries)] == \
        [(headline[0], ("headline",)), (headline[0], ("new",))]
    assert "Headline: <del>" in article.entries[0].summary
    watch = feed_of(copy, "--watch", "gone-ru")
    assert watch.feed.id == "tag:mediawatch,2024:feed/watch/gone-ru.atom"
    assert [e.id for e in watch.entries] == \
        [e.id for e in feed_of(copy, "--lang", "ru", "--kind", "removed", "--kind", "restored").entries]
    title = next(a["title"] for a in world.m1["articles"] if a["id"] == headline[0])
    found = feed_of(copy, "--query", f'"{title}"')
    hits = {hit["article_id"] for hit in json.loads(cli(copy, "search", f'"{title}"', "--all-versions",
                                                        "--limit", "1000", "--json"))}
    articles = {entry_facts(e)[0] for e in found.entries}
    assert headline[0] in articles and articles <= hits


def test_feed_escapes_markup_from_the_site(tmp_path):
    from lxml import etree

    from alerts.feeds import feed_xml
    from storage.records import ArticleRecord

    hostile = '<script>alert("x")</script> Митинг'
    base = {"article_id": 57753, "language": "ru", "section": "politika", "slug": "miting",
            "url": "https://vlast.kz/politika/57753-miting.html", "lead": "Лид",
            "published": "2023-11-27T14:05:00+06:00",
            "body": ["Первый абзац.", 'Жители <img src=x onerror="alert(1)"> вышли на площадь.']}
    with Archive(tmp_path / "a.db") as archive:
        archive.record_page(None, base["url"], 200, {}, b"<html></html>",
                            ArticleRecord(title="Митинг", **base), "2024-01-01T10:00:00Z")
        base["body"] = ["Первый абзац.",
                        'Жители <img src=x onerror="alert(1)"> вышли на площадь <b>днём</b>.']
        archive.record_page(None, base["url"], 200, {}, b"<html></html>",
                            ArticleRecord(title=hostile, **base), "2024-01-02T10:00:00Z")
        document = feed_xml(archive.db, web_url=WEB)
    assert b"<script" not in document and b"<img" not in document and b"<b>" not in document
    root = etree.fromstring(document)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    summary = root.find("a:entry/a:summary", ns).text
    assert "<del>Митинг</del>" in summary and "<ins>&lt;script&gt;" in summary
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in summary
    assert "<script" not in summary and "<img" not in summary
    assert root.find("a:entry/a:title", ns).text == \
        f"[Vlast.kz ru] {hostile} (headline, rewrite, stealth)"
    parsed = parse_feed(document)
    assert parsed.entries[0].updated == "2024-01-02T10:00:00+00:00"
    assert parsed.entries[1].id == "tag:mediawatch,2024:vlast.kz/article/57753/v1"


def test_feed_errors_are_one_line(world, copy, tmp_path):
    for args, message in [(["feed", "--query", '"open'], "cannot search"),
                          (["feed", "--article", "999999999"], "no archived article"),
                          (["feed", "--watch", "all", "--lang", "ru"], "give no other filter"),
                          (["feed", "--output", str(tmp_path / "no" / "f.atom")], "cannot write")]:
        result = CliRunner().invoke(main, [*args, "--db", copy])
        assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
        assert message in result.output


def test_a_receiver_that_raises_or_a_query_that_breaks_does_not_stop_the_others(tmp_path):
    from alerts.delivery import deliver
    from alerts.sending import Courier
    from storage.records import ArticleRecord

    receiver = JsonReceiver().start()
    record = {"article_id": 57753, "language": "ru", "section": "politika", "slug": "miting",
              "url": "https://vlast.kz/politika/57753-miting.html", "lead": "Лид",
              "body": ["Первый абзац."]}

    class Breaking(Courier):
        def send(self, url: str, *args, **options):
            if url.endswith("/broken"):
                raise RuntimeError("the plugin broke")
            return super().send(url, *args, **options)

    courier = Breaking(30)
    try:
        with Archive(tmp_path / "a.db") as archive:
            for name in ("a-broken", "b-working"):
                add_watch(archive.db, name, receiver.url(f"/{name.split('-')[1]}"), [])
            add_watch(archive.db, "c-unreadable", receiver.url("/c"), [], None, '"open')
            archive.record_page(None, record["url"], 200, {}, b"<html></html>",
                                ArticleRecord(title="Митинг", **record), "2024-01-01T10:00:00Z")
            report = deliver(archive.db, str(tmp_path / "a.db"), secrets(),
                             DeliveryLimits(retry_steps=(60,)), WEB, courier)
            states = {d["watch"]: (d["status"], d["last_error"]) for d in deliveries(archive.db)}
    finally:
        courier.close()
        receiver.stop()
    assert (report.sent, report.failed) == (1, 1)
    assert report.errors[0].startswith("watch c-unreadable: its query failed")
    assert states == {"a-broken": ("failed", "RuntimeError: the plugin broke"),
                      "b-working": ("sent", None)}
    [message] = receiver.at("/working")
    assert message["title"] == "[ru] new: Митинг" and "Лид" in message["message"]


def test_each_feed_path_gives_back_its_filter(world, copy):
    from urllib.parse import parse_qs

    from alerts.feeds import UnknownFeed, feed_path, filter_for_path
    from storage.changelog import ChangeFilter
    from storage.watches import get_watch, watch_filter

    filters = [ChangeFilter(), ChangeFilter(language="kk"), ChangeFilter(kinds=("headline",)),
               ChangeFilter(article_id=57753), ChangeFilter(query='"открытое письмо" OR митинг'),
               ChangeFilter(language="ru", kinds=("removed", "restored"), query="акция")]
    with Archive(copy) as archive:
        for wanted in filters:
            path, _, query = feed_path(wanted).partition("?")
            assert filter_for_path(archive.db, path, parse_qs(query)) == (wanted, None)
        assert filter_for_path(archive.db, "watch/gone-ru.atom", {}) == \
            (watch_filter(get_watch(archive.db, "gone-ru")), "gone-ru")
        for path, params in [("edition/xx.atom", {}), ("kind/nothing.atom", {}), ("x.atom", {}),
                             ("watch/nope.atom", {}), ("all", {}), ("a/b/c.atom", {}),
                             ("changes.atom", {"article": ["1; DROP"]})]:
            with pytest.raises(UnknownFeed):
                filter_for_path(archive.db, path, params)


def test_a_change_of_dates_says_the_dates_in_feeds_and_messages(tmp_path):
    from alerts.feeds import feed_xml
    from alerts.messages import single_message
    from storage.records import ArticleRecord

    db = tmp_path / "dates.db"
    url = "https://vlast.kz/politika/7-a.html"

    def record(modified: str) -> ArticleRecord:
        return ArticleRecord(article_id=7, language="ru", url=url, section="politika", slug="a",
                             title="Заголовок", lead="", authors=["Ольга Логинова"],
                             published="2024-05-01T10:00:00+05:00", modified=modified,
                             body=["Текст статьи, который не менялся."])

    with Archive(db) as archive:
        for at, modified in (("2024-05-01T06:00:00Z", "2024-05-01T11:00:00+05:00"),
                             ("2024-05-03T06:00:00Z", "2024-05-03T09:30:00+05:00")):
            archive.record_page(None, url, 200, {}, b"<html></html>", record(modified), at)
        [change] = [c for c in archive.changes() if c["source"] == "version"]
        assert change["kinds"] == ["dates"]
        feed = feedparser.parse(feed_xml(archive.db, web_url=WEB))
        message = single_message(archive.db, {"name": "w"}, change, WEB)
    said = "Modified: 2024-05-01 11:00 → 2024-05-03 09:30 (Almaty time)"
    [entry] = [e for e in feed.entries if e.id.endswith("/v2")]
    assert said in entry.summary and "no text changed" not in entry.summary
    assert said in message.body


def test_feed_summaries_come_from_the_archive_not_from_a_new_diff(tmp_path, monkeypatch):
    """The excerpt of a change is stored when its version is recorded: serving a feed (or a
    message) diffs nothing, however long the article."""
    import storage.changes
    from alerts.feeds import feed_xml
    from alerts.messages import entry_text
    from storage.changelog import change_log
    from storage.records import ArticleRecord

    body = [f"Абзац номер {k} о заседании суда по делу активистов." for k in range(3000)]
    base = {"article_id": 57753, "language": "ru", "section": "politika", "slug": "miting",
            "url": "https://vlast.kz/politika/57753-miting.html", "lead": "Лид", "title": "Суд"}
    with Archive(tmp_path / "a.db") as archive:
        archive.record_page(None, base["url"], 200, {}, b"<html></html>",
                            ArticleRecord(body=body, **base), "2024-01-01T10:00:00Z")
        edited = [*body[:1500], "Суд отложил заседание.", *body[1500:]]
        edited[10] = edited[10].replace("заседании", "засeдании")
        archive.record_page(None, base["url"], 200, {}, b"<html></html>",
                            ArticleRecord(body=edited, **base), "2024-01-02T10:00:00Z")
        diffs = []
        diff_paragraphs = storage.changes.diff_paragraphs
        monkeypatch.setattr(storage.changes, "diff_paragraphs",
                            lambda *args: diffs.append(args) or diff_paragraphs(*args))
        documents = [feed_xml(archive.db, web_url=WEB) for _ in range(2)]
        item = change_log(archive.db, newest_first=True, limit=1)[0]
        message = entry_text(archive.db, item, WEB)
    assert diffs == []
    summary = parse_feed(documents[1]).entries[0].summary
    assert summary == ("<p>¶11: Абзац номер 10 о <del>заседании</del><ins>засeдании</ins> суда "
                       "по делу активистов.</p><p>¶1501: <ins>Суд отложил заседание.</ins></p>")
    assert documents[0] == documents[1]
    assert "¶11: Абзац номер 10 о [-заседании-]{+засeдании+} суда по делу активистов." in message
