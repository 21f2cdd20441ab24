"""The reading commands, run against an archive made by real crawls of the replay at epochs 0 and 1."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from html import unescape
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from conftest import manifest_kinds, wait_for_a_later_second
from warcio.archiveiterator import ArchiveIterator

from cli import main
from replay.server import ReplayServer
from storage.access import mark_demo_archive
from storage.archive import Archive
from storage.records import ArticleRecord
from views.export import EXPORT_FIELDS
from views.text import local

EVENTS = ("new", "removed", "restored")
# Kind of change -> the paragraph operations its diff must show, and nothing else.
PARAGRAPH_OPS = {"typo": ["replace"], "rewrite": ["replace"], "paragraph_added": ["insert"],
                 "paragraph_removed": ["delete"], "headline": [], "byline": [], "moved": []}
DIFF_FIELDS = ("title", "authors", "photo_credits", "published", "modified", "tags", "url",
               "section", "slug", "lead", "cover_image", "cover_caption")


def crawl(base_url: str, db: str, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "cli", "crawl", *args, "--base-url", base_url,
                           "--db", db], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> SimpleNamespace:
    """An archive of the replay crawled at epoch 0, then at epoch 1 (new articles and a revisit
    of every archived one); `since` lies between the two."""
    db = str(tmp_path_factory.mktemp("commands") / "archive.db")
    with ReplayServer(articles=180, seed=1) as server:
        first = crawl(server.base_url, db)
        m0 = server.manifest()
        wait_for_a_later_second()
        since = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        server.set_epoch(1)
        crawl(server.base_url, db)
        crawl(server.base_url, db, "--mode", "revisit", "--everything")
        m1 = server.manifest()
    return SimpleNamespace(db=db, m0=m0, m1=m1, since=since, base_url=server.base_url,
                           first=first, before={a["id"]: a for a in m0["articles"]},
                           after={a["id"]: a for a in m1["articles"]})


def run(built, *args: str):
    result = CliRunner().invoke(main, [*args, "--db", built.db])
    assert result.exit_code == 0, result.output
    return result.stdout


def run_json(built, *args: str):
    return json.loads(run(built, *args, "--json"))


def change_of(built, kind: str) -> int:
    ids = [c["id"] for c in built.m1["changes"] if c["kind"] == kind]
    if not ids:
        pytest.skip(f"no {kind} change at epoch 1")
    return ids[0]


def expected_pairs(built) -> list[tuple[int, str]]:
    """The manifest's changes; a restoration of an article never archived is its first sighting."""
    archived = {a["id"] for a in built.m0["articles"] if a["status"] == 200}
    pairs = []
    for change in built.m1["changes"]:
        kind = change["kind"]
        if kind == "restored" and change["id"] not in archived:
            kind = "new"
        pairs += [(change["id"], kind) for kind in manifest_kinds({**change, "kind": kind})]
    return sorted(pairs)


# ---- crawl ----------------------------------------------------------------------------------------

def test_crawl_prints_run_lines_summary_and_progress(built):
    lines = built.first.stdout.splitlines()
    assert [line.split()[2] for line in lines[:3]] == ["[ru", "[kk", "[en"]
    archived = sum(1 for a in built.m0["articles"] if a["status"] == 200)
    assert lines[3].startswith("crawl done in ")
    assert f"{archived} pages fetched, {archived} new articles, 0 new versions" in lines[3]
    progress = [line for line in built.first.stderr.splitlines() if line.startswith("progress ")]
    assert sorted(line.split()[1] for line in progress if " finished: " in line) == \
        ["vlast_en", "vlast_kk", "vlast_ru"]


# ---- changes --------------------------------------------------------------------------------------

def test_changes_json_are_the_manifest_changes(built):
    items = run_json(built, "changes", "--since", built.since)
    pairs = sorted((item["article_id"], kind) for item in items for kind in item["kinds"])
    assert pairs == expected_pairs(built)
    stamps = [item["at"] for item in items]
    assert stamps == sorted(stamps, reverse=True)


def test_changes_text_and_filters(built):
    text = run(built, "changes", "--since", built.since)
    for article_id, kind in expected_pairs(built):
        assert any(str(article_id) in line and kind in line for line in text.splitlines())
    removed = run_json(built, "changes", "--since", built.since, "--kind", "removed")
    assert sorted(i["article_id"] for i in removed) == \
        sorted(c["id"] for c in built.m1["changes"] if c["kind"] == "removed")
    assert all(i["status"] for i in removed)
    english = run_json(built, "changes", "--since", built.since, "--edition", "en")
    assert english and {i["language"] for i in english} == {"en"}
    assert run_json(built, "changes", "--since", built.since, "--lang", "en") == english


def test_changes_default_period_is_the_last_day(built):
    items = run_json(built, "changes")
    news = [i for i in items if i["kinds"] == ["new"]]
    assert len(news) == Archive(built.db).stats()["articles"]
    assert run_json(built, "changes", "--since", "2099-01-01") == []
    assert "No changes since 2099-01-01" in run(built, "changes", "--since", "2099-01-01")


# ---- search ---------------------------------------------------------------------------------------

def test_search_json_hits_with_editions(built):
    hits = run_json(built, "search", "митинг", "--lang", "ru", "--limit", "5")
    assert len(hits) == 5
    archive = Archive(built.db)
    for hit in hits:
        assert hit["language"] == "ru" and "[" in hit["snippet"]
        assert hit["translations"] == [{"article_id": e["article_id"], "language": e["language"]}
                                       for e in archive.translations(hit["article_id"])]
    assert any(hit["translations"] for hit in
               run_json(built, "search", "митинг OR rally OR алаң", "--limit", "50"))


def test_search_text_shows_rank_date_id_snippet(built):
    hit = run_json(built, "search", "rally", "--lang", "en", "--limit", "1")[0]
    text = run(built, "search", "rally", "--lang", "en", "--limit", "1")
    assert f" 1. {hit['published'][:10]}  en  {hit['article_id']}  {hit['title']}" in text
    assert hit["snippet"] in text and hit["url"] in text
    every = len(run_json(built, "search", "rally", "--lang", "en", "--limit", "1000"))
    assert every > 1 and text.startswith(f"the best 1 of {every} results for 'rally'")
    assert run(built, "search", "rally", "--lang", "en", "--limit", "1000").startswith(
        f"{every} results for 'rally'")


def test_search_finds_a_misspelling_and_text_since_removed(built):
    typo = change_of(built, "typo")
    words = [w for p in diff_json(built, typo)["paragraphs"] for op, w in p["words"] if op == "insert"]
    hits = run_json(built, "search", words[0])
    assert [h["article_id"] for h in hits] == [typo]

    cut = change_of(built, "paragraph_removed")
    gone = next(p["old"] for p in diff_json(built, cut)["paragraphs"] if p["op"] == "delete")
    phrase = '"' + " ".join(gone.split()[:6]).strip(".,") + '"'
    assert cut not in [h["article_id"] for h in run_json(built, "search", phrase, "--limit", "200")]
    old = [h for h in run_json(built, "search", phrase, "--all-versions", "--limit", "200")
           if h["article_id"] == cut]
    assert old and old[0]["current"] is False and old[0]["version"] == 1


def test_search_filters(built):
    hits = run_json(built, "search", "митинг OR rally", "--section", "politika", "--limit", "50")
    assert hits and {h["section"] for h in hits} == {"politika"}
    hits = run_json(built, "search", "митинг", "--since", "2024-01-01", "--until", "2024-12-31")
    assert hits and all("2024-01-01" <= h["published"][:10] <= "2024-12-31" for h in hits)
    author = hits[0]["authors"][0]
    hits = run_json(built, "search", "митинг", "--author", author.split()[-1].lower())
    assert hits and all(any(author.split()[-1] in a for a in h["authors"]) for h in hits)
    assert "No articles match" in run(built, "search", "zzzqqqxx")


# ---- one article ----------------------------------------------------------------------------------

def diff_json(built, article_id: int, *args: str) -> dict:
    return json.loads(run(built, "diff", str(article_id), "--format", "json", *args))


@pytest.mark.parametrize("kind", list(PARAGRAPH_OPS))
def test_diff_shows_that_change_and_nothing_else(built, kind):
    article_id = change_of(built, kind)
    before, after = built.before[article_id], built.after[article_id]
    data = diff_json(built, article_id)
    assert (data["from"]["number"], data["to"]["number"]) == (1, 2)
    changed = {name for name in DIFF_FIELDS if before.get(name) != after.get(name)}
    assert {f["name"] for f in data["fields"]} == changed
    assert [p["op"] for p in data["paragraphs"] if p["op"] != "equal"] == PARAGRAPH_OPS[kind]
    if kind == "typo":
        edits = [w for p in data["paragraphs"] for op, w in p["words"] if op != "equal"]
        assert edits and all(" " not in w for w in edits)
    text = run(built, "diff", str(article_id))
    field_lines = [line.split(" (")[0] for line in text.splitlines()
                   if line.split(" (")[0] in DIFF_FIELDS]
    assert set(field_lines) == changed
    assert text.count("¶ ") == len(PARAGRAPH_OPS[kind])
    inserted = [w for part in data["fields"] + data["paragraphs"] for op, w in part["words"]
                if op == "insert"]
    assert all(f"{{+{w}+}}" in text for w in inserted)


def test_stored_kinds_are_the_kinds_of_the_diff(built):
    """For every revised article, `changes` and `diff` describe version N in the same words."""
    revised = [i for i in run_json(built, "changes", "--since", built.since) if i.get("version")]
    assert len(revised) == sum(c["kind"] not in EVENTS for c in built.m1["changes"])
    for item in revised:
        number = item["version"]
        data = diff_json(built, item["article_id"], "--from", str(number - 1), "--to", str(number))
        assert data["kinds"] == item["kinds"], item
        change = next(c for c in built.m1["changes"] if c["id"] == item["article_id"])
        assert sorted(data["kinds"]) == sorted(manifest_kinds(change))
    history = run_json(built, "history", str(revised[0]["article_id"]))["history"]
    assert [v["changes"] for v in history if v["type"] == "version"][-1] == revised[0]["kinds"]


def test_diff_formats_and_removal(built):
    article_id = change_of(built, "headline")
    title = built.after[article_id]["title"]
    page = run(built, "diff", str(article_id), "--format", "html")
    assert "<ins>" in page
    # it can be cited: the article, its edition and address, each version's capture time
    data = diff_json(built, article_id)
    cites = [unescape(c) for c in re.findall(r'<p class="cite">(.*?)</p>', page)]
    assert cites[0] == (f"Article {article_id}, {data['article']['language']} edition of "
                        f"Vlast.kz: {data['article']['url']}")
    for cite, side in zip(cites[1:], (data["from"], data["to"]), strict=True):
        assert f"version {side['number']}, captured {local(side['first_seen'])} Almaty " \
               f"({side['first_seen']}): {side['url']}" in cite
    unified = run(built, "diff", str(article_id), "--format", "unified")
    assert title in unified and "None" not in unified.splitlines()[0] + unified.splitlines()[1]
    assert unified.splitlines()[:2] == [
        f"--- {data['from']['url']}\tversion 1, captured {data['from']['first_seen']}",
        f"+++ {data['to']['url']}\tversion 2, captured {data['to']['first_seen']}"]
    assert "\x1b[" not in run(built, "diff", str(article_id))
    gone = next(c for c in built.m1["changes"] if c["kind"] == "removed")
    text = run(built, "diff", str(gone["id"]))
    assert f"Article removed (status {gone['status']})" in text
    assert diff_json(built, gone["id"])["removed"]["status"] == gone["status"]


def test_history_of_a_moved_article_by_its_old_url(built):
    moved = next(c for c in built.m1["changes"] if c["kind"] == "moved")
    data = run_json(built, "history", built.base_url + moved["old_path"])
    assert data["article"]["id"] == moved["id"]
    versions = [i for i in data["history"] if i["type"] == "version"]
    assert [(v["number"], v["changes"]) for v in versions] == [(1, []), (2, ["moved"])]
    assert [i["kind"] for i in data["history"] if i["type"] == "event"] == ["new"]
    assert data["article"]["next_visit_at"] and data["article"]["revisit_delay_seconds"]
    text = run(built, "history", str(moved["id"]))
    assert "next revisit" in text and "revisit step" in text and "moved" in text


def test_history_of_a_removed_article(built):
    gone = next(c for c in built.m1["changes"] if c["kind"] == "removed")
    data = run_json(built, "history", str(gone["id"]))
    assert data["article"]["status"] == "removed"
    # (divergences between the story's editions are events too: tests/test_editions.py)
    assert [(i["kind"], i["status"]) for i in data["history"] if i["type"] == "event"
            and i["kind"] != "divergence"] == [("new", None), ("removed", gone["status"])]
    assert f"status {gone['status']}" in run(built, "history", str(gone["id"]))


def test_show_current_and_earlier_version(built):
    article_id = change_of(built, "headline")
    old = run_json(built, "show", str(article_id), "--version", "1")
    new = run_json(built, "show", str(article_id))
    assert old["title"] == built.before[article_id]["title"]
    assert new["title"] == built.after[article_id]["title"]
    assert new["body"] == built.after[article_id]["body"] and new["number"] == 2
    text = run(built, "show", str(article_id))
    assert text.startswith(new["title"]) and new["body"][0] in text and new["lead"] in text


def test_translations(built):
    article = next(a for a in built.m1["articles"] if a["status"] == 200 and a["translations"])
    editions = run_json(built, "translations", str(article["id"]))
    assert editions == Archive(built.db).translations(article["id"])
    assert set(article["translations"]) <= {e["article_id"] for e in editions}
    text = run(built, "translations", str(article["id"]))
    assert all(str(other) in text for other in article["translations"])


# ---- the whole archive ----------------------------------------------------------------------------

def test_stats_per_edition(built):
    data = run_json(built, "stats")
    kinds = {c["id"]: c["kind"] for c in built.m1["changes"]}
    for lang in ("ru", "kk", "en"):
        archived = [a["id"] for a in built.m1["articles"] if a["language"] == lang
                    and (built.before.get(a["id"], {}).get("status") == 200 or kinds.get(a["id"]) == "new")]
        revised = [i for i in archived if kinds.get(i) not in (None, *EVENTS)]
        counts = data["editions"][lang]
        assert counts["articles"] == len(archived)
        assert counts["removed"] == sum(kinds.get(i) == "removed" for i in archived)
        assert counts["versions"] == len(archived) + len(revised)
        assert counts["revised"] == len(revised)
    day = Counter(kind for _, kind in expected_pairs(built) if kind != "new")
    # the manifest's changes are the outlet's; divergences between editions are the archive's
    # findings, checked against the story truth in tests/test_editions.py
    assert {k: v for k, v in data["changes"]["day"].items()
            if k not in ("new", "divergence")} == day
    assert data["most_revised"][0]["versions"] == 2 and len(data["runs"]) == 5
    text = run(built, "stats")
    assert "most revised articles" in text and "last crawl runs" in text and "run 9" in text


def test_status(built):
    data = run_json(built, "status")
    runs = data["runs"]
    assert [r["id"] for r in runs] == list(range(9, 0, -1))
    assert all(r["status"] == "ok" for r in runs)
    assert data["service"] is None and data["failed_deliveries"] == [] and data["watches"] == []
    text = run(built, "status", "--limit", "3")
    lines = text.splitlines()
    assert [line.split()[1] for line in lines if line.startswith("run ")] == ["9", "8", "7"]
    evidence = data["evidence"]
    assert f"evidence log: {evidence['entries']:,} entries, head {evidence['head']}" in lines
    assert any(line.startswith("editions: ") for line in lines)  # stories whose editions diverge
    assert data["editions"]["stories"] == Archive(built.db).db.execute(
        "SELECT count(DISTINCT story) FROM divergences WHERE closed_at IS NULL").fetchone()[0]
    assert lines[-1] == "crawl service: none has run against this archive (mediawatch schedule)"
    # under each run only its field coverage, one line per edition it archived pages of
    assert all(line.startswith("    coverage ") for line in lines if line.startswith("    "))
    assert "revisit] ok in" in text
    assert all("stats" in r and "coverage" in r["stats"] for r in runs)


def test_export_jsonl_and_csv(built):
    archive = Archive(built.db)
    lines = run(built, "export").splitlines()
    assert len(lines) == archive.stats()["articles"]
    for line in lines[:20]:
        record = json.loads(line)
        assert record["title"] == archive.article(record["article_id"])["record"]["title"]
    rows = list(csv.DictReader(io.StringIO(run(built, "export", "--format", "csv", "--lang", "en"))))
    assert list(rows[0]) == list(EXPORT_FIELDS)
    assert len(rows) == run_json(built, "stats")["editions"]["en"]["articles"]
    assert {row["language"] for row in rows} == {"en"}
    assert run(built, "export", "--since", "2099-01-01") == ""


def test_export_warc_reads_back_with_warcio(built, tmp_path):
    out = tmp_path / "archive.warc.gz"
    run(built, "export", "--format", "warc", "--output", str(out))
    archive = Archive(built.db)
    version_ids = [row[0] for row in archive.db.execute("SELECT id FROM versions ORDER BY id")]
    expected = []
    for version_id in version_ids:
        info = archive.capture_info(version_id)
        expected.append((info["url"], info["fetched_at"], archive.capture(version_id)[1]))
    with open(out, "rb") as stream:
        records = [(r.rec_headers.get_header("WARC-Target-URI"), r.rec_headers.get_header("WARC-Date"),
                    r.http_headers.get_statuscode(), r.content_stream().read())
                   for r in ArchiveIterator(stream) if r.rec_type == "response"]
    assert [(uri, date, body) for uri, date, _, body in records] == expected
    statuses = [str(archive.capture_info(version_id)["status"]) for version_id in version_ids]
    assert [status for _, _, status, _ in records] == statuses
    assert_warc_keeps_the_captures(out, archive, version_ids)


def assert_warc_keeps_the_captures(path, archive: Archive, version_ids: list[int]) -> None:
    """A warcinfo record first, then one response per capture with its own status line and
    every original header (those of the transfer aside), sized for the stored body."""
    with open(path, "rb") as stream:
        records = [(r.rec_type, r.rec_headers, r.http_headers, r.content_stream().read())
                   for r in ArchiveIterator(stream)]
    assert [kind for kind, *_ in records] == ["warcinfo"] + ["response"] * len(version_ids)
    info = records[0][3].decode()
    assert "software: mediawatch" in info and "format: WARC File Format 1.1" in info
    for version_id, (_, warc, http, body) in zip(version_ids, records[1:], strict=True):
        headers, stored = archive.capture(version_id)
        capture = archive.capture_info(version_id)
        assert warc.get_header("WARC-Target-URI") == capture["url"] and body == stored
        assert http.get_statuscode() == str(capture["status"])
        assert http.protocol == "HTTP/1.1"
        kept = {k.lower(): v for k, v in headers.items()
                if k.lower() not in ("content-length", "content-encoding", "transfer-encoding")}
        written = {k.lower(): v for k, v in http.headers}
        assert written == {**kept, "content-length": str(len(stored))}


def test_export_warc_keeps_statuses_and_original_headers(tmp_path):
    """Captures answered with other statuses and headers than the replay's come out as they were."""
    db = tmp_path / "archive.db"
    answers = [
        (200, {"Content-Type": "text/html; charset=utf-8", "ETag": '"v1"',
               "Last-Modified": "Wed, 10 Jan 2024 10:00:00 GMT", "X-Cache": "HIT"}),
        (203, {"Content-Type": "text/html", "Content-Encoding": "gzip",
               "Transfer-Encoding": "chunked", "Content-Length": "12", "Via": "1.1 proxy"}),
        (299, {"Content-Type": "text/html", "Set-Cookie": "session=abc; Path=/"}),
    ]
    with Archive(db) as archive:
        for number, (status, headers) in enumerate(answers, start=1):
            title = f"Заголовок {number}"
            record = ArticleRecord(
                article_id=57753, language="ru", url="https://vlast.kz/politika/57753-a.html",
                section="politika", slug="a", title=title, lead="", body=[f"Текст {number}."])
            archive.record_page(None, record.url, status, headers,
                                f"<html><h1>{title}</h1></html>".encode(), record,
                                f"2024-01-10T12:0{number}:00Z")
        version_ids = archive.version_ids()
        assert len(version_ids) == 3
    out = tmp_path / "out.warc.gz"
    result = CliRunner().invoke(main, ["export", "--format", "warc", "--output", str(out),
                                       "--db", str(db)])
    assert result.exit_code == 0, result.output
    with Archive(db) as archive:
        assert_warc_keeps_the_captures(out, archive, version_ids)
    assert result.stderr.strip() == f"wrote 3 captures to {out}"
    assert out.read_bytes()[:2] == b"\x1f\x8b"  # gzip, as the name says
    with open(out, "rb") as stream:
        records = list((r.rec_type, r.rec_headers, r.http_headers, r.content_stream().read())
                       for r in ArchiveIterator(stream))
    statuses = [http.statusline for kind, _, http, _ in records if kind == "response"]
    assert statuses == ["200 OK", "203 Non-Authoritative Information", "299 Unknown"]
    assert {warc.protocol for _, warc, _, _ in records} == {"WARC/1.1"}
    assert records[0][1].get_header("WARC-Filename") == "out.warc.gz"
    assert "description: Raw captures of archived article versions" in records[0][3].decode()
    dates = [warc.get_header("WARC-Date") for kind, warc, _, _ in records if kind == "response"]
    assert dates == ["2024-01-10T12:01:00Z", "2024-01-10T12:02:00Z", "2024-01-10T12:03:00Z"]
    for _, warc, http, body in records[1:]:
        assert ("Content-Length", str(len(body))) in http.headers
        assert warc.get_header("Content-Length") == str(len(warc_block(http, body)))

    plain = tmp_path / "out.warc"
    result = CliRunner().invoke(main, ["export", "--format", "warc", "--output", str(plain),
                                       "--db", str(db)])
    assert result.exit_code == 0 and plain.read_bytes().startswith(b"WARC/1.1\r\n")
    with open(plain, "rb") as stream:
        assert next(ArchiveIterator(stream)).rec_headers.get_header("WARC-Filename") == "out.warc"

    for options, count in ((["--since", "2024-01-10T12:02:00+00:00"], 2), (["--edition", "en"], 0),
                           (["--edition", "ru"], 3)):
        part = tmp_path / "part.warc"
        result = CliRunner().invoke(main, ["export", "--format", "warc", "--output", str(part),
                                           "--db", str(db), *options])
        assert result.exit_code == 0, result.output
        with open(part, "rb") as stream:
            assert sum(r.rec_type == "response" for r in ArchiveIterator(stream)) == count


def warc_block(http, body: bytes) -> bytes:
    """A response record's block: the HTTP status line and headers, then the body."""
    return http.to_bytes() + body


# ---- user errors and the demo ---------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["history", "999999"],
    ["diff", "https://vlast.kz/politika/1-nothing.html"],
    ["changes", "--since", "last tuesday"],
    ["search", "митинг", "--since", "2024-13-45"],
    ["search", '"unclosed phrase'],
    ["search", "AND"],
    ["show", "FIRST", "--version", "9"],
    ["diff", "FIRST", "--from", "7"],
])
def test_user_errors_are_one_line_and_status_2(built, args):
    first = str(min(built.before))
    result = CliRunner().invoke(main, [first if a == "FIRST" else a for a in args] + ["--db", built.db])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1


@pytest.mark.parametrize("command", ["search x", "changes", "history 1", "diff 1", "show 1",
                                     "translations 1", "stats", "status", "export"])
def test_a_missing_archive_is_a_user_error_and_is_not_created(tmp_path, command):
    db = tmp_path / "none.db"
    result = CliRunner().invoke(main, [*command.split(), "--db", str(db)])
    assert result.exit_code == 2 and result.stderr.startswith(f"error: no archive at {db}")
    assert not db.exists()


def test_a_file_that_is_not_an_archive_is_a_user_error(tmp_path):
    db = tmp_path / "notes.db"
    db.write_bytes(b"these are notes, not a database" * 100)
    result = CliRunner().invoke(main, ["stats", "--db", str(db)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {db} is not a mediawatch archive")
    assert result.stderr.count("\n") == 1


def test_demo(tmp_path):
    db = tmp_path / "demo.db"
    with Archive(db) as previous:  # an older demo archive: the demo replaces only its own
        mark_demo_archive(previous.db)
    done = subprocess.run([sys.executable, "-m", "cli", "demo", "--db", str(db)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert f"Replacing the previous demo archive {db}" in out
    for part in ("$ mediawatch crawl --base-url", "$ mediawatch crawl --mode revisit --everything",
                 "$ mediawatch stats", "most revised articles", "$ mediawatch search митинг --edition ru",
                 "$ mediawatch search алаң --edition kk", "$ mediawatch search rally --edition en",
                 "$ mediawatch changes --since", "$ mediawatch diff", "Kinds:",
                 f"The archive is in {db}"):
        assert part in out, part
    assert out.count("[митинг") + out.count("[алаң") + out.count("[rall") >= 3
    assert Archive(db).stats()["versions"] > Archive(db).stats()["articles"]
