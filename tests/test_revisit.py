"""The revisit policy, its reasons in the archive, and the cheap signals seen by real crawls."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from replay.server import ReplayServer
from replay.timeline import START, Process
from storage.archive import Archive
from storage.revisit import (
    CHANGED,
    GONE,
    NEW,
    UNCHANGED,
    AdaptivePolicy,
    Facts,
    StepPolicy,
)

ROOT = Path(__file__).resolve().parent.parent
T = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)


def test_the_reasons_give_ages_in_words_a_reader_can_take_in():
    policy = AdaptivePolicy()
    just = Facts(published=T - timedelta(seconds=4), changed_at=T - timedelta(seconds=4))
    assert policy.next_visit(just, T, NEW).reason == "published 4 s ago: every 1 min"
    odd = Facts(published=T - timedelta(seconds=100), changed_at=T - timedelta(seconds=100))
    assert policy.next_visit(odd, T, NEW).reason == "published 1.7 min ago: every 1 min"
    old = Facts(published=T - timedelta(days=400), changed_at=T - timedelta(days=400))
    assert policy.next_visit(old, T, UNCHANGED).reason == "quiet 400 days: every 6.8 days"


def test_adaptive_policy_is_dense_while_fresh_and_weekly_at_most():
    policy = AdaptivePolicy()
    fresh = Facts(published=T - timedelta(minutes=5), changed_at=T - timedelta(minutes=5))
    visit = policy.next_visit(fresh, T, NEW)
    assert visit.due == T + timedelta(minutes=1)
    assert "published 5 min ago" in visit.reason and "every 1 min" in visit.reason
    hours = Facts(published=T - timedelta(hours=2), changed_at=T - timedelta(hours=2))
    assert policy.next_visit(hours, T, UNCHANGED).due == T + timedelta(minutes=2)
    day_old = Facts(published=T - timedelta(hours=30), changed_at=T - timedelta(hours=30))
    assert policy.next_visit(day_old, T, UNCHANGED).due == T + timedelta(hours=1)
    # a change while young: a minute apart again (a correction is often corrected again)
    young = Facts(published=T - timedelta(hours=20), changed_at=T - timedelta(hours=20))
    again = policy.next_visit(young, T, CHANGED)
    assert again.due == T + timedelta(minutes=1) and again.reason.startswith("changed")
    # without a publication date nothing says the article is young
    undated = Facts(published=None, changed_at=T)
    assert policy.next_visit(undated, T, NEW).due == T + timedelta(minutes=10)
    # a late change: back to the former dense visits, every 10 minutes
    old = Facts(published=T - timedelta(days=400), changed_at=T - timedelta(days=400),
                revisions=0)
    changed = policy.next_visit(old, T, CHANGED)
    assert changed.due == T + timedelta(minutes=10) and changed.reason.startswith("changed")
    quiet = policy.next_visit(old, T, UNCHANGED)
    assert quiet.due == T + timedelta(days=6.8) and "quiet" in quiet.reason
    revised = Facts(published=T - timedelta(days=400), changed_at=T - timedelta(days=90),
                    revisions=2)
    assert policy.next_visit(revised, T, UNCHANGED).due == T + timedelta(days=3)
    assert policy.next_visit(revised, T, GONE).due == T + timedelta(days=3)
    # first visits of a backfilled archive spread over the week instead of all at once
    dues = {policy.next_visit(Facts(old.published, old.changed_at, key=key), T, NEW).due
            for key in range(50)}
    assert len(dues) == 50 and max(dues) <= T + timedelta(days=6.8)
    assert min(dues) < T + timedelta(days=2) < T + timedelta(days=5) < max(dues)


def test_a_change_in_a_hot_section_is_not_followed_minute_by_minute():
    policy = AdaptivePolicy()
    old = Facts(published=T - timedelta(days=400), changed_at=T - timedelta(days=400),
                hot=True)
    visit = policy.next_visit(old, T, CHANGED)
    assert visit.due == T + timedelta(days=1) and "many old articles" in visit.reason
    young = Facts(published=T - timedelta(hours=3), changed_at=T - timedelta(hours=3), hot=True)
    assert policy.next_visit(young, T, CHANGED).due == T + timedelta(minutes=1)
    assert AdaptivePolicy(heat=False).next_visit(old, T, CHANGED).due == T + timedelta(minutes=10)


def test_a_hot_sections_sweep_starts_after_the_run_of_changes_began():
    from storage.revisit import HEAT_HOLD, HEAT_WINDOW, sweep_start

    run = [1000.0, 1600.0, 2000.0, 2300.0, 2400.0]
    assert sweep_start(run) == 1000.0 + HEAT_HOLD
    # a change long before the run is not its beginning; the sweep's own finds extend the run
    assert sweep_start([1000.0 - HEAT_WINDOW - 1, *run]) == 1000.0 + HEAT_HOLD
    assert sweep_start([*run, 2400.0 + HEAT_WINDOW - 1]) == 1000.0 + HEAT_HOLD
    assert sweep_start([*run, 2400.0 + HEAT_WINDOW]) == 2400.0 + HEAT_WINDOW + HEAT_HOLD


def test_step_policy_keeps_the_fixed_steps():
    policy = StepPolicy([900, 3600, 86400])
    facts = Facts(published=T, changed_at=T, step=1)
    assert policy.next_visit(facts, T, UNCHANGED) == (2, T + timedelta(days=1),
                                                      policy.next_visit(facts, T, UNCHANGED)[2])
    assert policy.next_visit(Facts(T, T, step=2), T, UNCHANGED).step == 2
    assert policy.next_visit(facts, T, CHANGED).due == T + timedelta(seconds=900)


def crawl(base_url: str, db: Path, clock: datetime, *options: str) -> str:
    env = dict(os.environ, MEDIAWATCH_CLOCK=clock.isoformat(timespec="seconds"))
    env.pop("MEDIAWATCH_REVISIT_STEPS", None)
    done = subprocess.run(
        [sys.executable, "-m", "cli", "crawl", "--base-url", base_url, "--db", str(db),
         *options], capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_a_changed_headline_on_a_listing_makes_the_article_due_and_history_says_why(tmp_path):
    server = ReplayServer(articles=60, seed=3, process=Process(days=2)).start()
    try:
        timeline = server.app.clocked.timeline
        revision = next(
            r for r in timeline.revisions
            if r.kind == "headline" and r.published > START and r.age < 6 * 3600
            and timeline.entries[r.id].language == "en")
        db = tmp_path / "archive.db"
        first = revision.published + timedelta(minutes=1)
        server.set_clock(first)
        crawl(server.base_url, db, first, "--edition", "en")
        with Archive(db) as archive:
            row = archive.article(revision.id)
            assert row["current_version"] == 1
            assert "published 1 min ago: every 1 min" in row["due_reason"]
        after = revision.at + timedelta(seconds=30)
        server.set_clock(after)
        crawl(server.base_url, db, after, "--edition", "en")
        with Archive(db) as archive:
            row = archive.article(revision.id)
            assert row["next_visit_at"] <= after.strftime("%Y-%m-%dT%H:%M:%SZ")
            assert "headline in the" in row["due_reason"]
        history = subprocess.run(
            [sys.executable, "-m", "cli", "history", str(revision.id), "--db", str(db)],
            capture_output=True, text=True, cwd=ROOT, timeout=60)
        assert "differs from the archived" in history.stdout, history.stdout
        revisit = after + timedelta(minutes=1)
        crawl(server.base_url, db, revisit, "--edition", "en", "--mode", "revisit")
        with Archive(db) as archive:
            row = archive.article(revision.id)
            assert row["current_version"] == 2
            assert "headline" in archive.versions(revision.id)[-1]["changes"]
            assert "changed" in row["due_reason"]
    finally:
        server.stop()


def test_mark_due_never_moves_a_visit_later(tmp_path):
    with Archive(tmp_path / "a.db") as archive:
        archive.db["articles"].insert({"id": 1, "language": "en", "url": "u", "status": "active",
                                       "first_seen": "x", "last_seen": "x",
                                       "next_visit_at": "2026-02-01T00:00:00Z"})
        assert archive.mark_due(1, "2026-01-31T00:00:00Z", "feed: headline")
        assert archive.article(1)["next_visit_at"] == "2026-01-31T00:00:00Z"
        assert archive.mark_due(1, "2026-02-05T00:00:00Z", "sitemap: later")
        row = archive.article(1)
        assert row["next_visit_at"] == "2026-01-31T00:00:00Z"
        assert row["due_reason"] == "sitemap: later"
        assert not archive.mark_due(2, "2026-02-05T00:00:00Z", "no such article")


def test_the_real_spiders_over_http_agree_with_the_in_process_simulation():
    from bench.bench_revisit import http_agreement

    result = http_agreement(hours=1.0, every_minutes=30, seed=3)
    assert result["changes"] >= 1, result
    assert result["same_versions"] == result["articles"], result
    assert result["http_versions"] == result["sim_versions"] > result["articles"], result
    assert result["http_fetches"] == result["sim_fetches"], result


def test_a_newer_sitemap_lastmod_makes_the_article_due_and_a_stealth_edit_does_not(tmp_path):
    server = ReplayServer(articles=60, seed=3, process=Process(days=2)).start()
    try:
        timeline = server.app.clocked.timeline
        english = [r for r in timeline.revisions
                   if timeline.entries[r.id].language == "en" and r.published > START
                   and r.kind not in ("headline", "removed", "restored")
                   and timeline.by_article[r.id][0] is r]
        stamped = next(r for r in english if not r.stealth)
        db = tmp_path / "archive.db"
        first = stamped.published + timedelta(minutes=1)
        server.set_clock(first)
        crawl(server.base_url, db, first, "--edition", "en")
        after = stamped.at + timedelta(seconds=30)
        server.set_clock(after)
        crawl(server.base_url, db, after, "--edition", "en")
        with Archive(db) as archive:
            row = archive.article(stamped.id)
            assert row["due_reason"].startswith("sitemap lastmod"), row["due_reason"]
            assert row["next_visit_at"] <= after.strftime("%Y-%m-%dT%H:%M:%SZ")
            others = {r.id for r in english if r.stealth and first < r.at <= after
                      and r.published <= first}
            for article_id in others:
                reason = archive.article(article_id)["due_reason"] or ""
                assert not reason.startswith("sitemap"), (article_id, reason)
    finally:
        server.stop()


def _gorod(article_id: int, body: str, published: str = "2025-01-01T10:00:00+05:00",
           section: str = "gorod"):
    from storage.records import ArticleRecord

    return ArticleRecord(article_id=article_id, language="ru",
                         url=f"https://vlast.kz/{section}/{article_id}-a.html", section=section,
                         slug="a", title=f"Заголовок {article_id}", lead="", authors=[],
                         published=published, body=[body])


def test_a_section_revised_all_at_once_is_swept_once_within_the_rate(tmp_path):
    from storage.clock import parse_stamp
    from storage.revisit import HEAT_CHANGES, HEAT_HOLD, HEAT_RATE, sibling_delay

    def page(archive, record, at):
        archive.record_page(None, record.url, 200, {}, b"<html></html>", record,
                            at.strftime("%Y-%m-%dT%H:%M:%SZ"))

    with Archive(tmp_path / "a.db") as archive:
        for seen in (T - timedelta(days=40), T - timedelta(hours=2)):  # next visits a week off
            for key in range(1, 41):
                page(archive, _gorod(key, f"Текст статьи номер {key}."), seen)
            page(archive, _gorod(100, "Текст другой статьи.", section="politika"), seen)
            page(archive, _gorod(101, "Текст свежей статьи.", published="2026-01-30T10:00:00Z"),
                 seen)
        # an old article changed hours before: not part of the section's revision
        page(archive, _gorod(2, "Текст статьи номер 2, дополненный."), T - timedelta(hours=10))
        before = {row["id"]: row["next_visit_at"] for row in archive.db["articles"].rows}
        for n, key in enumerate(range(1, HEAT_CHANGES + 1)):
            if n == HEAT_CHANGES - 1:  # one change short: nothing brought forward yet
                assert archive.article(40)["next_visit_at"] == before[40]
            page(archive, _gorod(key, f"Исправленный текст статьи {key}."),
                 T + timedelta(minutes=n))
        hot = archive.article(HEAT_CHANGES)
        assert hot["next_visit_at"] == "2026-02-02T12:04:00Z", hot["due_reason"]
        assert "many old articles of its section" in hot["due_reason"]
        start = T + timedelta(seconds=HEAT_HOLD)
        siblings = 40 - 1  # every old article of the section but the one just changed
        for key in range(HEAT_CHANGES + 1, 41):
            row = archive.article(key)
            due = start + timedelta(seconds=sibling_delay(key, siblings))
            assert abs((parse_stamp(row["next_visit_at"]) - due).total_seconds()) <= 1, key
            assert row["due_reason"].startswith("section gorod: 5 old articles changed")
        spread = sorted(parse_stamp(archive.article(k)["next_visit_at"]) for k in range(6, 41))
        window = siblings / HEAT_RATE  # the sweep takes at most HEAT_RATE requests a second
        assert start <= spread[0] and spread[-1] <= start + timedelta(seconds=window)
        assert (spread[-1] - spread[0]).total_seconds() > 0.6 * window
        # another section and a young article of this one are left alone
        assert archive.article(100)["next_visit_at"] == before[100]
        assert archive.article(101)["next_visit_at"] == before[101]
        # a sibling seen by the sweep is not brought forward again by a later change
        page(archive, _gorod(40, "Текст статьи номер 40."), start + timedelta(minutes=5))
        after_sweep = archive.article(40)["next_visit_at"]
        assert parse_stamp(after_sweep) > start + timedelta(days=2)
        page(archive, _gorod(39, "Исправленный текст статьи 39."), start + timedelta(minutes=6))
        assert archive.article(40)["next_visit_at"] == after_sweep
