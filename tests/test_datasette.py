"""The archive in Datasette with the shipped metadata: hidden columns, order, canned queries."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from storage.archive import Archive
from storage.clock import utc_iso
from storage.records import ArticleRecord

datasette_app = pytest.importorskip("datasette.app", reason="datasette is a dev dependency")
yaml = pytest.importorskip("yaml")

METADATA = Path(__file__).resolve().parent.parent / "datasette" / "metadata.yaml"
PLUGINS = METADATA.parent / "plugins"
BASE = "https://vlast.kz"


def record(article_id: int, title: str, published: str) -> ArticleRecord:
    return ArticleRecord(
        article_id=article_id, language="ru", url=f"{BASE}/politika/{article_id}-a.html",
        section="politika", slug="a", title=title, lead="", authors=["Ольга Логинова"],
        published=published, body=["Участники митинга собрались у акимата."])


def get_json(path: Path, url: str):
    datasette = datasette_app.Datasette([str(path)], metadata=yaml.safe_load(METADATA.read_text()),
                                        plugins_dir=str(PLUGINS))

    async def fetch():
        response = await datasette.client.get(url)
        assert response.status_code == 200, response.text
        return response.json() if ".json" in url else response.text

    return asyncio.run(fetch())


@pytest.fixture(params=["archive.db", "demo-archive.db"])
def archive_path(tmp_path, request):
    path = tmp_path / request.param
    with Archive(path) as archive:
        archive.record_page(None, f"{BASE}/politika/1-a.html", 200, {}, b"",
                            record(1, "Старая статья", "2023-01-10T10:00:00+06:00"),
                            "2024-01-01T00:00:00Z")
        archive.record_page(None, f"{BASE}/politika/2-a.html", 200, {}, b"",
                            record(2, "Новая статья", "2025-05-10T10:00:00+05:00"),
                            "2024-01-01T00:00:00Z")
        archive.record_page(None, f"{BASE}/politika/2-a.html", 200, {}, b"",
                            record(2, "Новая статья, исправленная", "2025-05-10T10:00:00+05:00"),
                            utc_iso())
    return path


def test_articles_sort_by_publication_and_hide_the_search_columns(archive_path):
    name = archive_path.stem
    rows = get_json(archive_path, f"/{name}/articles.json?_shape=array")
    assert [row["id"] for row in rows] == [2, 1]
    page = get_json(archive_path, f"/{name}/articles")
    assert ".col-title_stems" in page and ".col-simhash" in page and ".col-etag" in page
    assert 'class="col-title_stems' in page  # the column the style sheet hides


def test_canned_queries_list_todays_changes_and_the_most_revised(archive_path):
    name = archive_path.stem
    today = get_json(archive_path, f"/{name}/todays_changes.json?_shape=array")
    assert [(row["article_id"], row["version"]) for row in today] == [(2, 2)]
    revised = get_json(archive_path, f"/{name}/most_revised.json?_shape=array")
    assert [(row["id"], row["versions"]) for row in revised] == [(2, 2)]


def test_internal_tables_are_hidden(archive_path):
    name = archive_path.stem
    tables = {table["name"]: table for table in get_json(archive_path, f"/{name}.json")["tables"]}
    assert tables["simhash_bands"]["hidden"] and not tables["articles"]["hidden"]
    assert tables["capture_zstd_dictionaries"]["hidden"]


KAZAKH = {11: "Жұрт алаңға жиналды.", 12: "Алаңында жиын өтті.", 13: "Алаңда адам көп.",
          14: "Алаңдағы жиын аяқталды.", 15: "Жиын қалада өтті."}


@pytest.mark.parametrize("query", ["алаңға", "алаңында", "алаң OR жиын", '"жиын өтті"'])
def test_the_search_query_finds_every_form_the_command_line_finds(tmp_path, query):
    path = tmp_path / "archive.db"
    with Archive(path) as archive:
        for article_id, text in KAZAKH.items():
            archive.record_page(None, f"{BASE}/vlast-qazaqsha/{article_id}-a.html", 200, {}, b"",
                                ArticleRecord(article_id=article_id, language="kk",
                                              url=f"{BASE}/vlast-qazaqsha/{article_id}-a.html",
                                              section="vlast-qazaqsha", slug="a", title="Жаңалық",
                                              lead="", authors=[], published="2024-01-10",
                                              body=[text]), "2024-01-11T00:00:00Z")
        wanted = {hit["article_id"] for hit in archive.search(query, limit=1000)}
    found = get_json(path, f"/archive/search.json?_shape=array&q={query}")
    assert wanted and {row["id"] for row in found} == wanted


def test_receiver_secrets_are_not_served(tmp_path, monkeypatch):
    """A watch added now and one of an archive made before receivers were kept apart (moved
    out by `mediawatch migrate`): no password, token or path of theirs in any table."""
    import sqlite3

    from click.testing import CliRunner
    from sqlite_utils import Database

    import settings
    from cli import main
    from storage.migrations import migrate

    monkeypatch.setattr(settings, "MEDIAWATCH_SECRETS", str(tmp_path / "secrets.json"))
    path = tmp_path / "archive.db"
    with sqlite3.connect(path) as connection:
        migrate(Database(connection), stop_before="m014_watch_receivers")
        connection.execute(
            "INSERT INTO watches (name, notify_url, kinds, created_at, collected_at, cursor)"
            " VALUES ('old', 'tgram://123456789:AAHs3cretB0tT0ken/987654', '[]',"
            " '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', '{}')")
    runner = CliRunner()
    for args in (["migrate"], ["watch", "add", "new", "--notify",
                               "mailto://desk:Pa55w0rd@smtp.example.org?to=desk@example.org"]):
        result = runner.invoke(main, [*args, "--db", str(path)])
        assert result.exit_code == 0, result.output
    served = json.dumps([get_json(path, f"/archive/{table['name']}.json?_shape=array&_size=max")
                         for table in get_json(path, "/archive.json")["tables"]])
    assert "s3cret" not in served and "Pa55w0rd" not in served and "987654" not in served
    watches = get_json(path, "/archive/watches.json?_shape=array")
    assert {w["name"]: w["notify_url"] for w in watches} == {
        "old": "tgram://…", "new": "mailto://smtp.example.org/…"}
