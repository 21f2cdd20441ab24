"""One list of changes: after a crawl, revisits, a re-extraction and removals, the terminal, the
home page, /api/changes, the Atom feeds and a watch show the same changes with the same kinds."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from collections import Counter
from dataclasses import replace
from html import unescape
from pathlib import Path
from types import SimpleNamespace

import feedparser
import pytest
from click.testing import CliRunner
from conftest import wait_for_a_later_second
from receivers import JsonReceiver
from starlette.testclient import TestClient

from cli import main
from crawler.extract import extract
from replay.server import ReplayServer
from storage.archive import Archive
from web.app import create_app

ROOM = "http://127.0.0.1:8000"  # the reading room's own address (create_app's default)

ROOT = Path(__file__).resolve().parent.parent
WEB = "http://room.test"
ROW = re.compile(r'<tr>\s*<td class="when">.*?</tr>', re.S)
MESSAGE_ENTRY = re.compile(r"Edition: (\w+) · Kinds: ([\w, ]+) · Seen: [^\n]+\n(?:[^\n]*\n)*?"
                           r"(?:Diff|Open): (\S+)")


def cli(db: Path, *args: str) -> str:
    result = CliRunner().invoke(main, [*args, "--db", str(db)])
    assert result.exit_code == 0, result.output
    return result.stdout


def crawl(base_url: str, db: Path, *args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "cli", "crawl", *args, "--base-url", base_url,
                           "--db", str(db)], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]


def misread(html: bytes, url: str, fetched_at: str):
    """An extractor that loses the lead and the last paragraph: what a bad release would read."""
    record = extract(html, url, fetched_at)
    return replace(record, lead="", body=record.body[:-1])


@pytest.fixture(scope="module")
def lived(tmp_path_factory) -> SimpleNamespace:
    """An archive with a watch on every change, through: a crawl at epoch 0; new articles and a
    revisit of all at epochs 1 and 2 (revisions, removals, a restoration); a version a bad
    extractor misread, then `reextract` (an artefact); one `notify` at the end."""
    db = tmp_path_factory.mktemp("one-list") / "archive.db"
    receiver = JsonReceiver().start()
    try:
        with ReplayServer(articles=60, seed=1) as server:
            Archive(db).close()
            cli(db, "watch", "add", "everything", "--notify", receiver.url("/all"),
                "--allow-private-target")
            crawl(server.base_url, db)
            for epoch in (1, 2):
                wait_for_a_later_second()
                server.set_epoch(epoch)
                crawl(server.base_url, db)
                crawl(server.base_url, db, "--mode", "revisit", "--everything")
            target = next(a for a in server.manifest()["articles"]
                          if a["status"] == 200 and a["language"] == "ru")
            with urllib.request.urlopen(server.url(target["path"])) as answer:
                page = answer.read()
        wait_for_a_later_second()
        with Archive(db) as archive:
            url = archive.article(target["id"])["url"]
            misreading = archive.record_page(None, url, 200, {}, page,
                                             misread(page, url, "2030-01-01T00:00:00Z"),
                                             "2030-01-01T00:00:00Z", extractor="bad")
        before = json.loads(cli(db, "changes", "--since", "2000-01-01", "--json"))
        report = json.loads(cli(db, "reextract", "--id", str(target["id"]), "--json"))
        notified = subprocess.run([sys.executable, "-m", "cli", "notify", "--web-url", WEB,
                                   "--db", str(db)], capture_output=True, text=True, timeout=300,
                                  cwd=ROOT)
        assert notified.returncode == 0, notified.stderr[-2000:]
        messages = list(receiver.at("/all"))
    finally:
        receiver.stop()
    return SimpleNamespace(db=db, before=before, report=report, messages=messages,
                           artefact=(target["id"], misreading.version))


def facts(link: str, kinds) -> tuple[str, tuple[str, ...]]:
    """What every view says of one change: where it leads (article, versions) and its kinds."""
    return link.removeprefix(WEB), tuple(kinds)


def test_every_view_lists_the_same_changes_with_the_same_kinds(lived):
    terminal = json.loads(cli(lived.db, "changes", "--since", "2000-01-01", "--json"))
    expected = [facts(item["link"], item["kinds"]) for item in terminal]
    kinds = Counter(kind for _, item_kinds in expected for kind in item_kinds)
    assert {"new", "removed", "restored", "headline", "dates"} <= set(kinds), kinds

    room = TestClient(create_app(str(lived.db)), base_url=ROOM)
    api, rows, page = [], [], 1
    while True:
        answer = room.get("/api/changes", params={"since": "2000-01-01", "page": page}).json()
        api += [facts(item["link"], item["kinds"]) for item in answer["items"]]
        html = room.get("/", params={"since": "2000-01-01", "page": page}).text
        for row in ROW.findall(html):
            link = unescape(re.search(r'<a class="change" href="([^"]+)"', row).group(1))
            rows.append(facts(link, re.findall(r'class="kind kind-([a-z_]+)"', row)))
        if not answer["has_more"]:
            break
        page += 1
    assert api == expected
    assert rows == expected

    whole = feedparser.parse(cli(lived.db, "feed", "--limit", "1000", "--web-url", WEB))
    served = feedparser.parse(room.get("/feeds/all.atom").content)
    for feed in (whole, served):
        entries = [facts(next(link.href for link in entry.links if link.rel == "alternate")
                         .removeprefix(ROOM),
                         [tag.term for tag in entry.tags if tag.scheme.endswith(":kind")])
                   for entry in feed.entries]
        assert entries == expected[:len(entries)] and len(entries) == min(len(expected), 1000
                                                                            if feed is whole else 50)

    [digest] = lived.messages  # every change at once: one digest, oldest first
    told = [facts(link, found.split(", "))
            for _, found, link in MESSAGE_ENTRY.findall(digest["message"])]
    assert told == list(reversed(expected))


def test_a_misreading_is_a_change_until_reextract_makes_it_an_artefact(lived):
    article_id, version = lived.artefact
    link = f"/article/{article_id}/diff?from={version - 1}&to={version}"
    assert link in {item["link"] for item in lived.before}  # it read as an edit at first
    assert lived.report["artefacts"] == [[article_id, version]]
    room = TestClient(create_app(str(lived.db)), base_url=ROOM)
    listed = room.get("/api/changes", params={"since": "2000-01-01", "page": 1}).json()["items"]
    assert link not in {item["link"] for item in listed}
    assert link not in cli(lived.db, "feed", "--limit", "1000", "--web-url", WEB)
    assert link not in json.dumps(lived.messages)
    assert "extraction artefact" in cli(lived.db, "history", str(article_id))
