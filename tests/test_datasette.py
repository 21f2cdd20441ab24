"""The archive in Datasette with the shipped metadata: hidden columns, order, canned queries."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from storage.archive import Archive
from storage.clock import utc_iso
from storage.records import ArticleRecord

datasette_app = pytest.importorskip("datasette.app", reason="datasette is a dev dependency")
yaml = pytest.importorskip("yaml")

METADATA = Path(__file__).resolve().parent.parent / "datasette" / "metadata.yaml"
BASE = "https://vlast.kz"


def record(article_id: int, title: str, published: str) -> ArticleRecord:
    return ArticleRecord(
        article_id=article_id, language="ru", url=f"{BASE}/politika/{article_id}-a.html",
        section="politika", slug="a", title=title, lead="", authors=["Ольга Логинова"],
        published=published, body=["Участники митинга собрались у акимата."])


def get_json(path: Path, url: str):
    datasette = datasette_app.Datasette([str(path)], metadata=yaml.safe_load(METADATA.read_text()))

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
