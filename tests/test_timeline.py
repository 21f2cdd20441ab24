"""The revision timeline and the replay's simulated clock, over real HTTP."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections import Counter
from datetime import datetime, timedelta

import pytest

from replay.server import ReplayServer
from replay.timeline import DAY, START, Process, synthetic

PROCESS = Process(days=3)


def fetch(url: str, method: str = "GET") -> tuple[int, str]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def set_clock(server: ReplayServer, moment) -> dict:
    status, body = fetch(server.url(f"/_replay/clock/{moment.isoformat()}"), "POST")
    assert status == 200, body
    status, body = fetch(server.url("/_replay/manifest.json"))
    return json.loads(body)


@pytest.fixture(scope="module")
def clocked():
    server = ReplayServer(articles=120, seed=5, process=PROCESS).start()
    yield server
    server.stop()


def test_same_seed_same_timeline_and_the_shape_of_the_process():
    small = Process(archive=3000, days=30)
    first, second = synthetic(7, small), synthetic(7, small)
    assert first.revisions == second.revisions
    assert synthetic(8, small).revisions != first.revisions
    ages = [r.age for r in first.revisions if r.kind not in ("removed", "restored")]
    early = sum(age <= 2 * DAY for age in ages)
    late = sum(age > 30 * DAY for age in ages)
    assert early > len(ages) / 2, "most edits come within hours of publication"
    assert late > 0
    hours = sorted(age for age in ages if age <= 2 * DAY)
    assert hours[len(hours) // 2] < 6 * 3600
    new = [e for e in first.entries.values() if e.published > START]
    per_day = Counter(e.language for e in new)
    assert 30 * 30 < per_day["ru"] < 30 * 50 and 30 * 8 < per_day["en"] < 30 * 16
    for article_id, items in first.by_article.items():
        edits = [r.at for r in items if r.kind not in ("removed", "restored")]
        gaps = [(b - a).total_seconds() for a, b in zip(edits, edits[1:], strict=False)]
        assert all(gap >= small.merge_minutes * 60 for gap in gaps), article_id
    assert any(r.stealth for r in first.revisions) and not all(r.stealth for r in first.revisions)


def test_clock_serves_each_revision_when_it_happened(clocked):
    manifest = set_clock(clocked, START + timedelta(days=2))
    assert manifest["clock"].startswith((START + timedelta(days=2)).date().isoformat())
    edits = [r for r in manifest["revisions"] if r["kind"] not in ("removed", "restored")]
    assert edits, "two days of the timeline hold edits"
    revision = edits[-1]
    article_id = revision["id"]
    moment = revision["at"]
    # just before the edit, and at it
    at = datetime.fromisoformat(moment)
    earlier = set_clock(clocked, at - timedelta(seconds=1))
    later = set_clock(clocked, at)
    old = next(a for a in earlier["articles"] if a["id"] == article_id)
    new = next(a for a in later["articles"] if a["id"] == article_id)
    fields = ("title", "body", "authors", "photo_credits")
    assert [old[f] for f in fields] != [new[f] for f in fields]
    status, page = fetch(clocked.url(new["path"]))
    assert status == 200
    if new["title"] != old["title"]:
        assert new["title"].split()[0] in page
    modified = re.search(r'article:modified_time" content="([^"]+)"', page)
    if revision["stealth"]:
        assert new["modified"] == old["modified"]
    else:
        assert modified and datetime.fromisoformat(modified[1]) == at
    # articles not yet published are not served
    assert all(datetime.fromisoformat(a["published"]) <= at for a in later["articles"])


def test_new_articles_appear_on_the_clock_and_epochs_leave_it(clocked):
    first = set_clock(clocked, START + timedelta(hours=1))
    second = set_clock(clocked, START + timedelta(days=1, hours=1))
    assert len(second["articles"]) - len(first["articles"]) >= 40
    newest = max(second["articles"], key=lambda a: a["published"])
    status, listing = fetch(clocked.url(f"/{newest['section']}/?archive=1"))
    assert status == 200 and newest["path"] in listing
    status, body = fetch(clocked.url("/_replay/clock/not-a-time"), "POST")
    assert status == 400 and "ISO 8601" in body
    clocked.set_epoch(0)
    status, body = fetch(clocked.url("/_replay/clock"))
    assert json.loads(body)["clock"] is None
    assert clocked.manifest()["epoch"] == 0
