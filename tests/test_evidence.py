"""The tamper-evident log: an untouched archive holds; every kind of tampering is named."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from replay.server import ReplayServer
from storage import evidence
from storage.archive import Archive
from storage.records import ArticleRecord
from tests.commands import crawl

TRIGGERS = ("evidence_no_update", "evidence_no_delete", "captures_no_update", "captures_no_delete",
            "versions_no_delete", "events_no_delete", "readings_no_delete")


def cli(*args: str):
    """A mediawatch command run in this process (the crawls run as child processes)."""
    return CliRunner().invoke(main, list(args))


def verify_json(db: Path, *options: str) -> tuple[int, dict]:
    done = cli("verify", "--json", "--db", str(db), *options)
    assert done.exit_code in (0, 1), done.output
    return done.exit_code, json.loads(done.stdout)


def weaken(db: Path, count: int) -> list[int]:
    """Give `count` versions an older extractor's reading (no lead, the last paragraph lost),
    the way an archive read by an earlier version looks; returns their ids."""
    with Archive(db) as archive:
        ids = [row[0] for row in archive.db.execute(
            "SELECT id FROM versions ORDER BY id LIMIT ?", [count]).fetchall()]
        for version_id in ids:
            article_id = archive.db.execute("SELECT article_id FROM versions WHERE id = ?",
                                            [version_id]).fetchone()[0]
            record = archive.stored_record(version_id)
            weak = ArticleRecord(**{**record, "lead": "", "body": record["body"][:-1]},
                                 article_id=article_id,
                                 language=archive.article(article_id)["language"])
            archive.replace_reading(version_id, weak, "weak")
    return ids


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> dict:
    """An archive after crawls, a revisit crawl of the next epoch, a re-extraction that replaced
    readings, and the head noted after the first crawl."""
    folder = tmp_path_factory.mktemp("evidence")
    db = folder / "archive.db"
    with ReplayServer(articles=24, seed=4) as server:
        crawl(server.base_url, db)
        first_head = cli("status", "--json", "--db", str(db))
        server.set_epoch(1)
        crawl(server.base_url, db, "--mode", "revisit", "--everything")
    weakened = weaken(db, 3)
    done = cli("reextract", "--db", str(db))
    assert done.exit_code == 0, done.stderr
    return {"db": db, "folder": folder, "first_head": json.loads(first_head.stdout)["evidence"],
            "weakened": weakened}


def copy_of(archive: dict, folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    target = folder / "copy.db"
    with closing(sqlite3.connect(archive["db"])) as source, closing(sqlite3.connect(target)) as out:
        source.backup(out)
    return target


def tamper(db: Path, *statements: tuple[str, list]) -> None:
    """Change the archive behind mediawatch's back, as someone with the file would: the
    triggers that guard the evidence are dropped first."""
    with closing(sqlite3.connect(db)) as conn, conn:
        for name in TRIGGERS:
            conn.execute(f"DROP TRIGGER IF EXISTS {name}")
        for sql, params in statements:
            conn.execute(sql, params)


def flipped(value):
    """The value with one byte changed: the low bit of a blob's middle byte; in text, of a letter
    (an ASCII one, or the last byte of a Cyrillic one: the text stays valid UTF-8)."""
    if isinstance(value, int):
        return value ^ 0x01
    data = value if isinstance(value, bytes) else value.encode("utf-8")
    position = next(i for i in range(len(data) // 2, len(data))
                    if isinstance(value, bytes) or 0x80 <= data[i] <= 0xBF
                    or chr(data[i]).isalnum())
    data = data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1:]
    return data if isinstance(value, bytes) else data.decode("utf-8")


def flip(db: Path, table: str, column: str, row_id: int, key: str = "id") -> None:
    with closing(sqlite3.connect(db)) as conn:
        (value,) = conn.execute(f"SELECT {column} FROM {table} WHERE {key} = ?", [row_id]).fetchone()
    tamper(db, (f"UPDATE {table} SET {column} = ? WHERE {key} = ?", [flipped(value), row_id]))


def entry_of(db: Path, kind: str, row_id: int) -> int:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute("SELECT max(seq) FROM evidence WHERE kind = ? AND row_id = ?",
                            [kind, row_id]).fetchone()[0]


def test_an_untouched_archive_holds_after_crawls_revisits_and_reextract(archive):
    db = archive["db"]
    with closing(sqlite3.connect(db)) as conn:
        readings = conn.execute("SELECT count(*) FROM readings").fetchone()[0]
        versions = conn.execute("SELECT count(*) FROM versions WHERE number > 1").fetchone()[0]
        removed = conn.execute("SELECT count(*) FROM events WHERE kind = 'removed'").fetchone()[0]
    assert readings >= 2 * len(archive["weakened"]) and versions and removed
    status, report = verify_json(db)
    assert status == 0 and report["held"] and report["problems"] == []
    assert report["checked"]["reading entries"] == readings
    assert report["checked"]["entries"] == report["entries"] > archive["first_head"]["entries"]
    status, report = verify_json(db, "--since-head", archive["first_head"]["head"])
    assert status == 0 and report["held"]
    bare = archive["first_head"]["head"].split(":")[1]
    assert verify_json(db, "--since-head", bare)[0] == 0
    text = cli("verify", "--db", str(db))
    assert text.exit_code == 0 and "held" in text.stdout and report["head"] in text.stdout
    assert report["head"] in cli("status", "--db", str(db)).stdout


def test_an_archive_made_before_the_log_gets_one_on_migrate_and_holds(archive, tmp_path):
    db = copy_of(archive, tmp_path)
    tamper(db, ("DROP TABLE evidence", []),
           ("DELETE FROM _sqlite_migrations WHERE name = 'm015_evidence'", []))
    assert "m015_evidence" in cli("migrate", "--db", str(db)).stdout
    status, report = verify_json(db)
    assert status == 0, report["problems"][:3]
    with closing(sqlite3.connect(db)) as conn, closing(sqlite3.connect(archive["db"])) as old:
        counts = "SELECT kind, count(*) FROM evidence GROUP BY kind ORDER BY kind"
        assert conn.execute(counts).fetchall() == old.execute(counts).fetchall()
        first = conn.execute("SELECT kind, row_id FROM evidence ORDER BY seq LIMIT 1").fetchone()
    assert first == ("capture", 1)  # archive order: the first page fetched comes first


@pytest.mark.parametrize(("table", "column"), [
    ("captures", "body"), ("captures", "url"), ("captures", "headers"), ("captures", "status"),
    ("captures", "fetched_at"), ("versions", "title"), ("versions", "body"),
    ("versions", "first_seen"), ("events", "at"), ("events", "kind"),
])
def test_one_byte_changed_in_a_row_is_named_by_its_entry(archive, tmp_path, table, column):
    db = copy_of(archive, tmp_path)
    kind = {"captures": "capture", "versions": "version", "events": "event"}[table]
    with closing(sqlite3.connect(db)) as conn:
        row_id = conn.execute(f"SELECT id FROM {table} WHERE {column} IS NOT NULL"
                              " ORDER BY id DESC LIMIT 1").fetchone()[0]
        if kind == "version":  # a version never re-read: its only entry names it
            row_id = conn.execute("SELECT id FROM versions WHERE id NOT IN"
                                  " (SELECT version_id FROM readings) ORDER BY id DESC"
                                  " LIMIT 1").fetchone()[0]
    flip(db, table, column, row_id)
    status, report = verify_json(db)
    first = report["problems"][0]
    assert status == 1 and not report["held"]
    assert (first["entry"], first["table"], first["row"]) == (entry_of(db, kind, row_id), table,
                                                               row_id)
    assert len(report["problems"]) == 1
    text = cli("verify", "--db", str(db)).stdout
    assert f"first failing: entry {first['entry']}:" in text and "FAILED" in text


def test_a_changed_earlier_reading_is_named(archive, tmp_path):
    db = copy_of(archive, tmp_path)
    version_id = archive["weakened"][0]
    with closing(sqlite3.connect(db)) as conn:
        reading_id = conn.execute("SELECT min(id) FROM readings WHERE version_id = ?",
                                  [version_id]).fetchone()[0]
        first_entry = conn.execute("SELECT min(seq) FROM evidence WHERE kind = 'version'"
                                   " AND row_id = ?", [version_id]).fetchone()[0]
    flip(db, "readings", "record", reading_id)
    status, report = verify_json(db)
    first = report["problems"][0]
    assert status == 1 and (first["entry"], first["table"], first["row"]) == (
        first_entry, "readings", reading_id)


def test_a_deleted_version_is_named(archive, tmp_path):
    db = copy_of(archive, tmp_path)
    with closing(sqlite3.connect(db)) as conn:
        version_id, article_id = conn.execute(
            "SELECT id, article_id FROM versions WHERE number > 1 ORDER BY id LIMIT 1").fetchone()
    tamper(db, ("DELETE FROM versions WHERE id = ?", [version_id]))
    status, report = verify_json(db)
    first = report["problems"][0]
    assert status == 1 and first["entry"] == entry_of(db, "version", version_id)
    assert first["table"] == "versions" and first["row"] == version_id
    assert "deleted" in first["what"] and f"article {article_id}" in first["what"]


def test_reordered_versions_and_a_deleted_entry_are_named(archive, tmp_path):
    db = copy_of(archive, tmp_path)
    with closing(sqlite3.connect(db)) as conn:
        a, b = conn.execute("SELECT v.id, w.id FROM versions v JOIN versions w ON"
                            " w.article_id = v.article_id AND w.number = v.number + 1"
                            " WHERE v.id NOT IN (SELECT version_id FROM readings)"
                            " AND w.id NOT IN (SELECT version_id FROM readings)"
                            " LIMIT 1").fetchone()
    tamper(db, ("UPDATE versions SET number = -number WHERE id IN (?, ?)", [a, b]),
           ("UPDATE versions SET number = CASE id WHEN ? THEN -number + 1"
            " ELSE -number - 1 END WHERE id IN (?, ?)", [a, a, b]))
    report = verify_json(db)[1]
    assert [p["entry"] for p in report["problems"]] == [entry_of(db, "version", a),
                                                        entry_of(db, "version", b)]

    db = copy_of(archive, tmp_path / "second")
    tamper(db, ("DELETE FROM evidence WHERE seq = 7", []))
    first = verify_json(db)[1]["problems"][0]
    assert first["entry"] == 7 and "missing" in first["what"]


def test_an_edited_log_entry_breaks_the_chain_at_that_entry(archive, tmp_path):
    db = copy_of(archive, tmp_path)
    flip(db, "evidence", "digest", 12, key="seq")
    first = verify_json(db)[1]["problems"][0]
    assert first["entry"] == 12 and "chain" in first["what"]


def test_a_row_added_without_an_entry_is_named(archive, tmp_path):
    db = copy_of(archive, tmp_path)
    tamper(db, ("INSERT INTO events (article_id, kind, at) SELECT article_id, 'removed',"
                " '2030-01-01T00:00:00Z' FROM events LIMIT 1", []))
    report = verify_json(db)[1]
    assert report["problems"][0]["entry"] is None and "not in the log" in report["problems"][0]["what"]


def rechain(db: Path, seq: int, content: dict) -> None:
    """Give entry `seq` the digest of new content and recompute every chain hash from there, as
    someone hiding an edit with the log's own rules would."""
    with closing(sqlite3.connect(db)) as conn:
        entries = conn.execute("SELECT seq, kind, row_id, digest FROM evidence WHERE seq >= ?"
                               " ORDER BY seq", [seq]).fetchall()
        previous = conn.execute("SELECT chain FROM evidence WHERE seq = ?", [seq - 1]).fetchone()[0]
    updates = []
    for number, kind, row_id, entry_digest in entries:
        entry_digest = evidence.digest(content) if number == seq else entry_digest
        previous = evidence.link(previous, number, kind, row_id, entry_digest)
        updates.append(("UPDATE evidence SET digest = ?, chain = ? WHERE seq = ?",
                        [entry_digest, previous, number]))
    tamper(db, *updates)


def test_a_chain_recomputed_after_tampering_is_refused_against_an_earlier_head(archive, tmp_path):
    db = copy_of(archive, tmp_path)
    earlier = archive["first_head"]["head"]
    with closing(sqlite3.connect(db)) as conn:
        version_id = conn.execute("SELECT id FROM versions WHERE id NOT IN (SELECT version_id"
                                  " FROM readings) ORDER BY id LIMIT 1 OFFSET 2").fetchone()[0]
    target = entry_of(db, "version", version_id)
    assert target < int(earlier.split(":")[0])
    tamper(db, ("UPDATE versions SET title = 'A headline the outlet never wrote' WHERE id = ?",
                [version_id]))
    assert verify_json(db)[1]["problems"][0]["entry"] == target
    with Archive(db, readonly=True) as opened:
        row = opened.db.execute("SELECT * FROM versions WHERE id = ?", [version_id])
        names = [d[0] for d in row.description]
        content = evidence.version_content(dict(zip(names, row.fetchone(), strict=True)))
    rechain(db, target, content)
    status, report = verify_json(db)
    assert status == 0, "the recomputed log is consistent on its own"
    status, report = verify_json(db, "--since-head", earlier)
    assert status == 1
    (problem,) = report["problems"]
    assert problem["entry"] == int(earlier.split(":")[0]) and "rewritten" in problem["what"]
    assert verify_json(db, "--since-head", earlier.split(":")[1])[0] == 1
    text = cli("verify", "--db", str(db), "--since-head", earlier)
    assert text.exit_code == 1 and "not a prefix" in text.stdout


def test_a_shortened_log_is_refused_against_an_earlier_head(archive, tmp_path):
    db = copy_of(archive, tmp_path)
    entries = verify_json(db)[1]["entries"]
    head = verify_json(db)[1]["head"]
    tamper(db, ("DELETE FROM evidence WHERE seq = ?", [entries]))
    report = verify_json(db, "--since-head", head)[1]
    assert any("only" in p["what"] for p in report["problems"])


def test_the_archive_refuses_to_delete_or_change_evidence(archive, tmp_path):
    db = copy_of(archive, tmp_path)
    with closing(sqlite3.connect(db)) as conn:
        for sql in ("DELETE FROM evidence WHERE seq = 1", "UPDATE evidence SET digest = 'x'",
                    "DELETE FROM versions WHERE id = 1", "UPDATE captures SET url = 'x'",
                    "DELETE FROM events WHERE id = 1", "DELETE FROM readings"):
            with pytest.raises(sqlite3.IntegrityError):
                conn.execute(sql)


def test_a_head_that_is_not_one_is_a_user_error(archive):
    for given in ("abc", "12:xyz", "-3:" + "a" * 64, "x:" + "a" * 64):
        done = cli("verify", "--db", str(archive["db"]), "--since-head", given)
        assert done.exit_code == 2 and done.stderr.startswith("error:"), done.output
        assert isinstance(done.exception, SystemExit)


def test_every_page_and_feed_shows_the_evidence(archive):
    from starlette.testclient import TestClient

    from alerts.feeds import EVIDENCE, feed_xml
    from web.app import create_app

    db = str(archive["db"])
    with Archive(db, readonly=True) as opened:
        head = str(evidence.head(opened.db))
        version_id = opened.db.execute("SELECT max(id) FROM versions").fetchone()[0]
        article_id, number, capture_id = opened.db.execute(
            "SELECT article_id, number, capture_id FROM versions WHERE id = ?", [version_id]).fetchone()
        document = feed_xml(opened.db)
    client = TestClient(create_app(db), base_url="http://127.0.0.1:8000")
    version_entry = entry_of(Path(db), "version", version_id)
    for path in (f"/article/{article_id}?version={number}", f"/capture/{version_id}"):
        page = client.get(path).text
        assert head in page and f"entry <b>{version_entry}</b>" in page
        assert f"entry <b>{entry_of(Path(db), 'capture', capture_id)}</b>" in page
    assert head in client.get("/status").text
    assert client.get(f"/api/capture/{version_id}").json()["evidence"]["head"] == head
    from lxml import etree

    feed = etree.fromstring(document)
    assert feed.find(f"{{{EVIDENCE}}}log").get("head") == head
    entries = feed.findall(f"{{http://www.w3.org/2005/Atom}}entry/{{{EVIDENCE}}}entry")
    assert entries and all(len(e.get("digest")) == 64 for e in entries)
    import feedparser

    assert not feedparser.parse(document).bozo


def test_verify_reads_one_snapshot_while_a_crawl_writes(archive, tmp_path, monkeypatch):
    db = copy_of(archive, tmp_path)
    read_readings = evidence._readings

    def a_page_archived_meanwhile(conn):
        """A crawl commits a page after verify read the captures, before it reads the log."""
        with Archive(db) as writer:
            writer.record_page(None, "https://vlast.kz/english/999999-x.html", 200, {},
                               b"<html><p>Written meanwhile.</p></html>",
                               ArticleRecord(999999, "en", "https://vlast.kz/english/999999-x.html",
                                             "english", "x", "Written meanwhile", "",
                                             body=["Written while verify was reading."]),
                               "2030-01-01T00:00:00Z")
        return read_readings(conn)

    monkeypatch.setattr(evidence, "_readings", a_page_archived_meanwhile)
    with Archive(db, readonly=True) as reader:
        report = evidence.verify(reader.db)
    assert report.held, [p.text() for p in report.problems]
    monkeypatch.undo()
    assert verify_json(db)[1]["entries"] == report.head.entries + 3
