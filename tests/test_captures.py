"""Captures: zstd with a dictionary per outlet, retrained on a layout change, read back byte for
byte; the zlib captures of earlier versions rewritten, checked, and never half-way."""

from __future__ import annotations

import gzip
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from storage import evidence, recompress
from storage.archive import Archive
from storage.captures import (
    FIRST_PAGES,
    TRAIN_PAGES,
    WINDOW,
    WITH_DICTIONARY,
    ZSTD,
    CaptureCodec,
)
from storage.db import connect, write_transaction
from storage.migrations import MIGRATIONS
from storage.outlets import archive_id, mark_outlet
from storage.records import ArticleRecord

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://vlast.kz"
# An archive written by main at 0f16da9 (migrations to m018, zlib captures): pages of the default
# outlet in three editions (a second version of some) and of the added outlet `agency`
# (tests/fixtures/make_archive_main_0f16da9.py).
FIXTURE = Path(__file__).parent / "fixtures" / "archive-main-0f16da9.db.gz"


def frame(layout: str) -> str:
    """Markup every page of a layout shares (styles, menus, footer), as on a real site."""
    rules = "".join(f".{layout}-block-{n}{{margin:{n % 17}px;color:#{n * 7919 % 0xFFFFFF:06x}}}"
                    for n in range(600))
    menu = "".join(f'<li><a href="/{layout}/section-{n}/">Раздел {n}</a></li>' for n in range(80))
    return f"<style>{rules}</style><nav><ul>{menu}</ul></nav>"


def page(article_id: int, text: str, layout: str = "classic") -> bytes:
    shared = frame(layout)
    return (f"<html><head><title>Статья {article_id} | Vlast.kz</title>{shared[:len(shared) // 2]}"
            f"</head><body><article><h1>Статья {article_id}</h1><p>{text}</p></article>"
            f"{shared[len(shared) // 2:]}<footer>© Vlast.kz {layout}</footer></body></html>"
            ).encode()


def add(archive: Archive, article_id: int, body: bytes, outlet: str | None = None):
    url = f"{BASE}/politika/{article_id}-a.html"
    if outlet is not None:
        with write_transaction(archive.db):
            article_id = archive_id(archive.db, outlet, url)
    record = ArticleRecord(article_id=article_id, language="ru", url=url, section="politika",
                           slug="a", title=f"Статья {article_id}", lead="",
                           body=[f"Текст статьи {article_id} о митинге."])
    outcome = archive.record_page(None, url, 200, {}, body, record, "2024-02-01T00:00:00+00:00")
    if outlet is not None:
        with write_transaction(archive.db):
            mark_outlet(archive.db, article_id, outlet)
    return outcome


def text(n: int) -> str:
    return f"Участники митинга номер {n} вышли на площадь {n * 37 % 11} района."


def compressions(archive: Archive) -> list[str]:
    return [row[0] for row in archive.db.execute(
        "SELECT compression FROM captures ORDER BY id").fetchall()]


def dictionaries(db) -> list[tuple[int, str | None]]:
    return [tuple(row) for row in db.execute(
        "SELECT id, outlet FROM capture_zstd_dictionaries ORDER BY after_capture").fetchall()]


def test_captures_read_back_byte_identical_with_the_outlets_dictionary(tmp_path):
    bodies = [page(100 + n, text(n)) for n in range(TRAIN_PAGES + 8)]
    bodies[3] = bodies[3].decode().encode("cp1251")  # any bytes, not only UTF-8
    bodies[TRAIN_PAGES + 2] = b"\x00\xff" + bodies[TRAIN_PAGES + 2] + b"\x00"
    with Archive(tmp_path / "archive.db") as archive:
        outcomes = [add(archive, 100 + n, body) for n, body in enumerate(bodies)]
        stored = compressions(archive)
        (first, outlet), (trained, other) = dictionaries(archive.db)
        assert outlet is None and other is None
        assert stored[:FIRST_PAGES] == [ZSTD] * FIRST_PAGES
        assert stored[FIRST_PAGES:TRAIN_PAGES] == [f"{WITH_DICTIONARY}{first}"] * (
            TRAIN_PAGES - FIRST_PAGES)
        assert stored[TRAIN_PAGES:] == [f"{WITH_DICTIONARY}{trained}"] * 8
        for outcome, body in zip(outcomes, bodies, strict=True):
            assert archive.capture(outcome.version_id)[1] == body
        sizes = archive.db.execute("SELECT sum(size), sum(length(body)) FROM captures"
                                   " WHERE compression != ?", [ZSTD]).fetchone()
        plain = archive.db.execute("SELECT sum(size), sum(length(body)) FROM captures"
                                   " WHERE compression = ?", [ZSTD]).fetchone()
        assert sizes[0] / sizes[1] > 3 * plain[0] / plain[1]  # the shared markup is in the dictionary
    with Archive(tmp_path / "archive.db", readonly=True) as archive:  # a new process's codec
        assert archive.capture(outcomes[-1].version_id)[1] == bodies[-1]
        assert evidence.verify(archive.db).held


def test_each_outlet_has_its_own_dictionary(tmp_path):
    with Archive(tmp_path / "archive.db") as archive:
        for n in range(TRAIN_PAGES + 4):
            add(archive, 100 + n, page(100 + n, text(n), "classic"))
            add(archive, 500 + n, page(500 + n, text(n), "ledger"), outlet="ledger")
        found = dictionaries(archive.db)
        assert sorted(outlet or "" for _, outlet in found) == ["", "", "ledger", "ledger"]
        by_outlet = {None: set(), "ledger": set()}
        for number, outlet in found:
            by_outlet[outlet].add(f"{WITH_DICTIONARY}{number}")
        used = {None: set(), "ledger": set()}
        for article_id, compression in archive.db.execute(
                "SELECT article_id, compression FROM captures").fetchall():
            if compression != ZSTD:
                used["ledger" if article_id >= 10**12 else None].add(compression)
        assert used == by_outlet
        assert evidence.verify(archive.db).held


def test_a_layout_change_trains_a_new_dictionary_and_keeps_the_old(tmp_path):
    with Archive(tmp_path / "archive.db") as archive:
        before = TRAIN_PAGES + 2 * WINDOW
        bodies = [page(100 + n, text(n), "classic") for n in range(before)]
        bodies += [page(100 + n, text(n), "redesign") for n in range(before, before + 3 * WINDOW)]
        outcomes = [add(archive, 100 + n, body) for n, body in enumerate(bodies)]
        found = dictionaries(archive.db)
        assert len(found) == 3 and {outlet for _, outlet in found} == {None}
        old, new = (f"{WITH_DICTIONARY}{number}" for number, _ in found[1:])
        stored = compressions(archive)
        # a drop once most of a window is in the new layout
        changed = stored.index(new)
        assert stored[before:changed] == [old] * (changed - before)
        assert WINDOW // 2 <= changed - before <= WINDOW
        assert stored[changed:] == [new] * (len(stored) - changed)
        recent = archive.db.execute("SELECT sum(size) * 1.0 / sum(length(body)) FROM (SELECT size,"
                                    " body FROM captures ORDER BY id DESC LIMIT ?)",
                                    [WINDOW]).fetchone()[0]
        first = archive.db.execute("SELECT sum(size) * 1.0 / sum(length(body)) FROM captures"
                                   " WHERE compression = ?", [old]).fetchone()[0]
        assert recent > first  # the new layout is compressed at least as well as the old was
        for outcome, body in zip(outcomes, bodies, strict=True):
            assert archive.capture(outcome.version_id)[1] == body
        assert evidence.verify(archive.db).held


def test_the_same_layout_keeps_its_dictionary(tmp_path):
    with Archive(tmp_path / "archive.db") as archive:
        for n in range(TRAIN_PAGES + 5 * WINDOW):
            add(archive, 100 + n, page(100 + n, text(n) * (1 + n % 4)))
        assert len(dictionaries(archive.db)) == 2  # the first one, and the trained one


def test_dictionaries_never_change(tmp_path):
    with Archive(tmp_path / "archive.db") as archive:
        for n in range(FIRST_PAGES + 1):
            add(archive, 100 + n, page(100 + n, text(n)))
        for sql in ("UPDATE capture_zstd_dictionaries SET data = x'00'",
                    "DELETE FROM capture_zstd_dictionaries"):
            with pytest.raises(sqlite3.IntegrityError, match="captures depend on it"):
                archive.db.execute(sql)


def test_unchanged_refetch_adds_no_capture(tmp_path):
    with Archive(tmp_path / "archive.db") as archive:
        add(archive, 100, page(100, "Текст"))
        assert add(archive, 100, page(100, "Текст")).kind == "unchanged"
        assert archive.db.execute("SELECT count(*) FROM captures").fetchone()[0] == 1


# ---- the captures of an archive made by main (zlib) -------------------------------------------

def main_archive(tmp_path) -> Path:
    path = tmp_path / "archive.db"
    path.write_bytes(gzip.decompress(FIXTURE.read_bytes()))
    return path


def raw_captures(path: Path) -> dict[int, tuple[str, bytes]]:
    """Every capture's compression and raw bytes, as the archive reads now."""
    db = connect(path)
    codec = CaptureCodec(db)
    found = {row[0]: (row[2], codec.decompress(row[1], row[2])) for row in db.execute(
        "SELECT id, body, compression FROM captures").fetchall()}
    db.close()
    return found


def stored_bytes(path: Path) -> dict[int, tuple[str, bytes]]:
    db = sqlite3.connect(path)
    found = {row[0]: (row[1], row[2]) for row in db.execute(
        "SELECT id, compression, body FROM captures").fetchall()}
    db.close()
    return found


def cli(*args: str):
    return CliRunner().invoke(main, list(args))


def test_migrating_an_archive_of_main_recompresses_every_capture(tmp_path):
    path = main_archive(tmp_path)
    before = raw_captures(path)
    assert {compression.split(":")[0] for compression, _ in before.values()} == {
        "zlib", "zlib-dict"}
    zlib_bytes = sum(len(body) for _, body in stored_bytes(path).values())
    head = cli("status", "--json", "--db", str(path))
    assert head.exit_code == 2  # outdated: reading commands do not migrate
    done = cli("migrate", "--db", str(path))
    assert done.exit_code == 0 and done.output.endswith("m021_zstd_captures\n"), done.output
    after = raw_captures(path)
    assert {n: body for n, (_, body) in after.items()} == {n: body for n, (_, body) in
                                                          before.items()}
    assert all(compression.startswith(ZSTD) for compression, _ in after.values())
    outlets = {row[0] for row in connect(path).execute(
        "SELECT outlet FROM capture_zstd_dictionaries").fetchall()}
    assert outlets == {None, "agency"}
    stored = stored_bytes(path)
    assert all(compression.startswith(WITH_DICTIONARY) for compression, _ in stored.values())
    assert sum(len(body) for _, body in stored.values()) < 0.5 * zlib_bytes
    verified = cli("verify", "--json", "--db", str(path))
    assert verified.exit_code == 0 and json.loads(verified.output)["held"], verified.output
    assert json.loads(verified.output)["checked"]["captures"] == len(before)
    wacz = cli("export", "--format", "wacz", "--output", str(tmp_path / "out.wacz"),
               "--db", str(path))
    assert wacz.exit_code == 0, wacz.output
    checked = cli("verify", "--wacz", str(tmp_path / "out.wacz"))
    assert checked.exit_code == 0, checked.output
    backed = cli("backup", "--to", str(tmp_path / "copy.db"), "--db", str(path))
    assert backed.exit_code == 0 and "evidence log held" in backed.output, backed.output
    with Archive(tmp_path / "copy.db", readonly=True) as copy:
        assert raw_captures(tmp_path / "copy.db") == after and copy.stats()["captures"] == len(after)


def test_a_capture_that_would_not_read_back_rolls_the_migration_back(tmp_path, monkeypatch):
    path = main_archive(tmp_path)
    before = stored_bytes(path)
    real = CaptureCodec.compress

    def damaged(self, body, outlet, before=None):
        data, compression = real(self, body, outlet, before)
        return (data[:-1] + bytes([data[-1] ^ 1]) if before == 30 else data), compression

    monkeypatch.setattr(CaptureCodec, "compress", damaged)
    done = cli("migrate", "--db", str(path))
    assert done.exit_code == 2
    assert "capture 30" in done.output and "left as it was" in done.output
    assert "Traceback" not in done.output and len(done.output.strip().splitlines()) == 1
    assert stored_bytes(path) == before
    assert [m.name for m in MIGRATIONS.pending(connect(path))][-1] == "m021_zstd_captures"
    assert "m019_watch_outlets" in [m.name for m in MIGRATIONS.pending(connect(path))]


KILLER = """
import sys, time
from storage import recompress
from storage.archive import Archive
from storage.captures import CaptureCodec
real = CaptureCodec.compress
count = 0
def slow(self, body, outlet, before=None):
    global count
    count += 1
    if count == int(sys.argv[2]):
        open(sys.argv[3], "w").close()
        time.sleep(60)
    return real(self, body, outlet, before)
CaptureCodec.compress = slow
recompress.IN_MIGRATION = int(sys.argv[4])
if sys.argv[5] == "migrate":
    Archive(sys.argv[1]).close()
else:
    from storage.db import write_transaction
    with Archive(sys.argv[1]) as archive:
        recompress.recompress(archive.db, write_transaction, batch=10)
"""


def kill_midway(path: Path, tmp_path: Path, at: int, in_migration: int, what: str) -> None:
    """Run the migration or the recompression in a process of its own and kill it (SIGKILL)
    while it is rewriting its `at`-th capture."""
    mark = tmp_path / "midway"
    child = subprocess.Popen([sys.executable, "-c", KILLER, str(path), str(at), str(mark),
                              str(in_migration), what], cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 60
        while not mark.exists():
            assert child.poll() is None and time.monotonic() < deadline, "never got midway"
            time.sleep(0.05)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()


def test_a_migration_killed_midway_leaves_the_archive_as_it_was(tmp_path):
    path = main_archive(tmp_path)
    before = stored_bytes(path)
    kill_midway(path, tmp_path, 25, 5_000, "migrate")
    assert stored_bytes(path) == before
    db = connect(path)
    assert [m.name for m in MIGRATIONS.pending(db)][0] == "m019_watch_outlets"  # nothing applied
    assert "capture_zstd_dictionaries" not in db.table_names()
    assert db.execute("SELECT 1 FROM sqlite_master WHERE name = 'captures_no_update'").fetchone()
    db.close()
    assert cli("migrate", "--db", str(path)).exit_code == 0
    assert cli("verify", "--db", str(path)).exit_code == 0


def test_recompress_of_a_large_archive_goes_batch_by_batch_and_resumes(tmp_path, monkeypatch):
    path = main_archive(tmp_path)
    before = raw_captures(path)
    monkeypatch.setattr(recompress, "IN_MIGRATION", 10)  # the archive counts as large
    done = cli("migrate", "--db", str(path))
    assert done.exit_code == 0 and f"{len(before)} captures are still stored with zlib" in done.output
    assert stored_bytes(path).keys() == before.keys()
    assert all(c.startswith("zlib") for c, _ in stored_bytes(path).values())
    kill_midway(path, tmp_path, 25, 10, "recompress")  # batches of 10: two were committed
    kept = stored_bytes(path)
    assert sum(c.startswith(ZSTD) for c, _ in kept.values()) == 20
    assert cli("verify", "--db", str(path)).exit_code == 0
    resumed = cli("recompress", "--batch", "7", "--db", str(path))
    assert resumed.exit_code == 0, resumed.output
    assert f"recompressed {len(before) - 20} captures" in resumed.stdout
    assert "left" in resumed.stderr and resumed.stderr.count("\n") == -(-(len(before) - 20) // 7)
    assert {n: body for n, (_, body) in raw_captures(path).items()} == {
        n: body for n, (_, body) in before.items()}
    assert all(c.startswith(ZSTD) for c, _ in stored_bytes(path).values())
    assert cli("verify", "--db", str(path)).exit_code == 0
    again = cli("recompress", "--db", str(path))
    assert again.exit_code == 0 and "nothing to recompress" in again.output


def test_recompress_refuses_a_capture_that_no_longer_matches_its_log(tmp_path, monkeypatch):
    path = main_archive(tmp_path)
    monkeypatch.setattr(recompress, "IN_MIGRATION", 0)
    assert cli("migrate", "--db", str(path)).exit_code == 0
    db = connect(path)
    db.execute("DROP TRIGGER captures_no_update")
    body = db.execute("SELECT body, compression FROM captures WHERE id = 12").fetchone()
    raw = CaptureCodec(db).decompress(*body)
    db.execute("UPDATE captures SET body = ?, compression = 'zlib' WHERE id = 12",
               [zlib.compress(raw.replace(b"</html>", b"<p>added</p></html>"))])
    db.conn.commit()
    db.close()
    done = cli("recompress", "--batch", "5", "--db", str(path))
    assert done.exit_code == 2 and "capture 12 does not match its evidence log entry" in done.output
    stored = stored_bytes(path)
    assert sum(c.startswith(ZSTD) for c, _ in stored.values()) == 10  # the batches before it
