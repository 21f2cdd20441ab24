"""Command-line options: modes refuse what they ignore, changes --limit, CSV for spreadsheets."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from cli import main
from demo import command_name
from storage.archive import Archive
from storage.records import ArticleRecord

BASE = "https://vlast.kz"


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "archive.db"
    with Archive(path) as archive:
        for article_id in range(1, 6):
            record = ArticleRecord(
                article_id=article_id, language="ru", url=f"{BASE}/politika/{article_id}-a.html",
                section="politika", slug="a", title=f"Статья {article_id} о митинге", lead="",
                authors=["Ольга Логинова"], published="2024-01-15T10:00:00+05:00",
                body=["Участники митинга собрались у акимата."])
            archive.record_page(None, record.url, 200, {}, b"<html></html>", record,
                                f"2024-02-01T00:00:0{article_id}+00:00")
    return str(path)


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize(("args", "message"), [
    (("--mode", "new", "--since", "2024-01-01"), "--since only applies to --mode backfill"),
    (("--mode", "revisit", "--since", "2024-01-01"), "--since only applies to --mode backfill"),
    (("--mode", "new", "--everything"), "--everything only applies to --mode revisit"),
    (("--mode", "backfill", "--everything"), "--everything only applies to --mode revisit"),
])
def test_crawl_refuses_an_option_its_mode_ignores(tmp_path, args, message):
    result = run("crawl", *args, "--base-url", "http://127.0.0.1:9", "--db",
                 str(tmp_path / "a.db"))
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "a.db").exists()


def test_changes_limit_keeps_the_newest(db):
    everything = json.loads(run("changes", "--since", "2024-01-01", "--json", "--db", db).output)
    assert len(everything) == 5
    newest = json.loads(run("changes", "--since", "2024-01-01", "--limit", "2", "--json",
                            "--db", db).output)
    assert newest == everything[:2]
    assert [item["article_id"] for item in newest] == [5, 4]
    text = run("changes", "--since", "2024-01-01", "--limit", "2", "--db", db).output
    assert "(the newest 2 of 5 changes; --limit shows more)" in text


def test_export_csv_for_excel_starts_with_a_byte_order_mark(db, tmp_path):
    plain, excel = tmp_path / "plain.csv", tmp_path / "excel.csv"
    assert run("export", "--format", "csv", "--output", str(plain), "--db", db).exit_code == 0
    assert run("export", "--format", "csv", "--excel", "--output", str(excel),
               "--db", db).exit_code == 0
    assert not plain.read_bytes().startswith(b"\xef\xbb\xbf")
    assert excel.read_bytes() == b"\xef\xbb\xbf" + plain.read_bytes()
    assert "Статья 1 о митинге" in excel.read_text("utf-8-sig")


def test_excel_needs_the_csv_format(db):
    result = run("export", "--format", "jsonl", "--excel", "--db", db)
    assert result.exit_code == 2
    assert "--excel only applies to --format csv" in result.output


def test_times_show_in_almaty_time_or_in_utc_and_json_keeps_the_offset(db):
    almaty = run("changes", "--since", "2024-01-01", "--db", db).output
    assert "when (Almaty)" in almaty
    assert "2024-02-01 06:00:05" in almaty  # UTC+6 until March 2024
    utc = run("changes", "--since", "2024-01-01", "--utc", "--db", db).output
    assert "when (UTC)" in utc and "2024-02-01 00:00:05" in utc
    [item] = json.loads(run("changes", "--since", "2024-01-01", "--limit", "1", "--json",
                            "--db", db).output)
    assert item["at"] == "2024-02-01T00:00:05Z"


def test_times_typed_without_an_offset_are_read_in_the_zone_shown(db):
    # 06:00:03 in Almaty was 00:00:03 UTC: articles 3 to 5 were archived from then on.
    local = json.loads(run("changes", "--since", "2024-02-01T06:00:03", "--json",
                           "--db", db).output)
    assert [item["article_id"] for item in local] == [5, 4, 3]
    utc = json.loads(run("changes", "--since", "2024-02-01T00:00:03", "--utc", "--json",
                         "--db", db).output)
    assert [item["article_id"] for item in utc] == [5, 4, 3]


def test_demo_suggests_commands_that_run_as_printed(monkeypatch):
    bin_dir = os.path.dirname(sys.executable)
    if not os.path.exists(os.path.join(bin_dir, "mediawatch")):
        pytest.skip("mediawatch is not installed beside this Python")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    name = command_name()
    assert name != "mediawatch" and name.endswith("mediawatch")
    done = subprocess.run(f"{name} --version", shell=True, capture_output=True, text=True,
                          env={**os.environ, "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    assert command_name() == "mediawatch"
