"""The archive on a real SQLite file: versions, captures, events, schedule, duplicates, editions."""

from __future__ import annotations

import dataclasses
import random
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

import storage.archive as archive_module
from crawler.canonical import article_reference, edition_ids
from storage.archive import Archive
from storage.changes import kinds_between
from storage.neardup import distance, simhash
from storage.records import ArticleRecord

BASE = "https://vlast.kz"
STEPS = [900, 3600, 10800, 86400, 259200, 604800, 2592000]
BODY = [
    "Сотни жителей Алматы вышли на митинг против повышения тарифов на коммунальные услуги.",
    "Полиция задержала несколько участников акции, сообщили правозащитники.",
    "Акимат города пообещал рассмотреть требования протестующих до конца месяца.",
]
LONG_TEXT = (
    "Правительство объявило о новой программе поддержки фермеров в северных областях страны "
    "после засухи прошлого лета которая уничтожила значительную часть урожая пшеницы и ячменя "
    "по словам министра сельского хозяйства субсидии получат около двенадцати тысяч хозяйств "
    "а выплаты начнутся весной когда завершится проверка заявок в региональных управлениях "
    "эксперты считают что этих денег не хватит чтобы покрыть убытки и просят увеличить "
    "финансирование а также пересмотреть условия кредитования для малых хозяйств"
).split()


def record(article_id: int = 57753, **changes) -> ArticleRecord:
    language = changes.pop("language", "ru")
    section = changes.pop("section", "politika")
    slug = changes.pop("slug", "miting-v-almaty")
    data = {
        "article_id": article_id,
        "language": language,
        "url": f"{BASE}/{section}/{article_id}-{slug}.html",
        "section": section,
        "slug": slug,
        "title": "Митинг в Алматы",
        "lead": "Жители вышли на площадь",
        "authors": ["Ольга Логинова"],
        "photo_credits": ["Тамара Вааль"],
        "published": "2023-11-27T14:05:00+06:00",
        "tags": ["протесты"],
        "cover_image": f"{BASE}/media/{article_id}.jpg",
        "cover_caption": "Площадь",
        "body": list(BODY),
    }
    data.update(changes)
    return ArticleRecord(**data)


def at(minutes: int) -> str:
    return (datetime(2024, 1, 10, 12, 0, tzinfo=UTC) + timedelta(minutes=minutes)).isoformat()


def count(archive: Archive, table: str) -> int:
    return archive.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


@pytest.fixture
def archive(tmp_path):
    with Archive(tmp_path / "archive.db", revisit_steps=STEPS) as opened:
        yield opened


def page(archive: Archive, rec: ArticleRecord, minutes: int = 0, headers=None, url=None,
         run_id=None):
    html = f"<html><h1>{rec.title}</h1>{''.join(rec.body)}</html>".encode()
    return archive.record_page(run_id, url or rec.url, 200, headers or {}, html, rec, at(minutes),
                               edition_ids(rec.translations))


# ---- change classification (pure) ---------------------------------------------------------

def _edit(rec: ArticleRecord, **fields) -> ArticleRecord:
    return dataclasses.replace(rec, **fields)


MODIFIED = "2023-11-28T10:00:00+06:00"
CHANGES = {
    "headline": {"title": "Митинг в Алматы завершился"},
    "byline": {"authors": ["Ольга Логинова", "Данияр Молдабеков"]},
    "moved": {"section": "obsshestvo"},
    "lead": {"lead": "Жители снова вышли на площадь"},
    "typo": {"body": [BODY[0].replace("тарифов", "тарифав"), *BODY[1:]]},
    "rewrite": {"body": [BODY[0], "Задержанных отпустили вечером без составления протоколов.",
                         BODY[2]]},
    "paragraph_added": {"body": [*BODY, "Следующая акция назначена на субботу."]},
    "paragraph_removed": {"body": BODY[:2]},
    "tags": {"tags": ["протесты", "Алматы"]},
    "dates": {"published": "2023-11-27T15:05:00+06:00"},
    "cover": {"cover_image": f"{BASE}/media/other.jpg"},
}


@pytest.mark.parametrize("kind", sorted(CHANGES))
def test_each_change_has_exactly_one_kind(kind):
    old = record()
    new = _edit(old, modified=MODIFIED, **CHANGES[kind])
    assert kinds_between(old.to_dict(), new.to_dict()) == [kind]


TEXT_KINDS = ("byline", "headline", "lead", "paragraph_added", "paragraph_removed", "rewrite", "typo")


@pytest.mark.parametrize("kind", sorted(CHANGES))
def test_a_change_of_text_with_the_same_modified_date_is_stealth(kind):
    old = record()
    new = _edit(old, **CHANGES[kind])
    stealth = ["stealth"] if kind in TEXT_KINDS else []
    assert kinds_between(old.to_dict(), new.to_dict()) == [kind, *stealth]


def test_byline_covers_photo_credits_and_moved_covers_slug():
    old = record()
    moved = _edit(old, modified=MODIFIED)
    assert kinds_between(old.to_dict(), _edit(moved, photo_credits=["Жанара Каримова"]).to_dict()) == [
        "byline"
    ]
    assert kinds_between(old.to_dict(), _edit(old, slug="miting-2").to_dict()) == ["moved"]
    assert kinds_between(old.to_dict(), _edit(moved, cover_caption="Другая подпись").to_dict()) == [
        "cover"
    ]


def test_whitespace_is_not_a_change():
    old = record()
    new = _edit(old, title=" Митинг  в Алматы ", body=[p.replace(" ", "  ") for p in BODY])
    assert kinds_between(old.to_dict(), new.to_dict()) == []
    assert old.fingerprint == new.fingerprint


def test_modified_date_is_only_reported_alone():
    old = record()
    modified = _edit(old, modified="2023-11-28T10:00:00+06:00")
    assert kinds_between(old.to_dict(), modified.to_dict()) == ["dates"]
    typo_and_date = _edit(modified, **CHANGES["typo"])
    assert kinds_between(old.to_dict(), typo_and_date.to_dict()) == ["typo"]


# ---- versions and captures ----------------------------------------------------------------

def test_new_article_stores_version_capture_event_and_fetch(archive):
    run_id = archive.start_run("new", ["ru"], BASE)
    outcome = page(archive, record(), headers={"ETag": '"v1"'}, run_id=run_id)
    assert (outcome.kind, outcome.article_id, outcome.version) == ("new", 57753, 1)
    assert count(archive, "versions") == count(archive, "captures") == 1
    headers, html = archive.capture(outcome.version_id)
    assert headers == {"ETag": '"v1"'}
    assert html.startswith(b"<html><h1>")
    assert [e["kind"] for e in archive.history(57753) if e["type"] == "event"] == ["new"]
    assert [f["outcome"] for f in archive.fetches(57753)] == ["new"]
    assert archive.article(57753)["record"]["body"] == BODY


def test_unchanged_refetch_moves_last_seen_only(archive):
    page(archive, record(), 0)
    outcome = page(archive, record(title=" Митинг в  Алматы"), 30)
    assert outcome.kind == "unchanged"
    assert count(archive, "versions") == count(archive, "captures") == 1
    [version] = archive.versions(57753)
    assert version["last_seen"] == "2024-01-10T12:30:00Z"
    assert archive.article(57753)["last_seen"] == "2024-01-10T12:30:00Z"
    assert [f["outcome"] for f in archive.fetches(57753)] == ["new", "unchanged"]


def test_changed_content_makes_a_version_with_its_kinds(archive):
    page(archive, record(), 0)
    outcome = page(archive, record(**CHANGES["paragraph_added"]), 60)
    assert (outcome.kind, outcome.version, outcome.changes) == ("version", 2,
                                                                ["paragraph_added", "stealth"])
    assert [v["number"] for v in archive.versions(57753)] == [1, 2]
    assert archive.version(57753, 1)["body"] == BODY
    assert count(archive, "captures") == 2
    changes = archive.changes()
    assert [c["kinds"] for c in changes] == [["new"], ["paragraph_added", "stealth"]]
    assert archive.changes(kinds=["paragraph_added"])[0]["version"] == 2
    assert archive.changes(since=at(61)) == []
    assert archive.changes(language="kk") == []


def test_moved_article_is_one_row_with_new_url(archive):
    page(archive, record(), 0)
    moved = record(section="obsshestvo", slug="miting")
    outcome = page(archive, moved, 60, url=f"{BASE}/kz/politika/57753-miting-v-almaty.html")
    assert outcome.changes == ["moved"]
    assert archive.article(57753)["url"] == f"{BASE}/obsshestvo/57753-miting.html"
    for ref in (f"{BASE}/politika/57753-miting-v-almaty.html", "57753",
                f"{BASE}/kz/obsshestvo/57753-miting.html?utm_source=x"):
        assert archive.resolve(*article_reference(ref)) == 57753
    assert archive.resolve(None, f"{BASE}/politika/57753-miting-v-almaty.html") == 57753
    assert archive.resolve(*article_reference(f"{BASE}/politika/99999-nothing.html")) is None


def test_version_and_capture_are_written_atomically(archive, monkeypatch):
    page(archive, record(), 0)

    def fail(*args, **kwargs):
        raise RuntimeError("killed mid-write")

    monkeypatch.setattr(archive_module, "index_version", fail)
    with pytest.raises(RuntimeError):
        page(archive, record(title="Новый заголовок"), 60)
    assert count(archive, "versions") == count(archive, "captures") == 1
    assert count(archive, "fetches") == 1
    assert archive.article(57753)["current_version"] == 1
    assert archive.search("заголовок") == []
    monkeypatch.undo()
    assert page(archive, record(title="Новый заголовок"), 90).version == 2


def test_a_new_article_is_atomic_too(archive, monkeypatch):
    monkeypatch.setattr(archive_module, "index_version", lambda *a: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        page(archive, record(), 0)
    for table in ("articles", "versions", "captures", "events", "fetches"):
        assert count(archive, table) == 0


# ---- removal, restoration, conditional requests ------------------------------------------

def test_removed_once_then_restored(archive):
    page(archive, record(), 0)
    url = record().url
    assert archive.record_gone(None, 57753, url, 404, None, at(60)) is True
    assert archive.record_gone(None, 57753, url, 404, None, at(120)) is False
    assert archive.article(57753)["status"] == "removed"
    assert archive.known_ids() == set()
    outcome = page(archive, record(), 180)
    assert (outcome.kind, outcome.version, outcome.version_id) == ("restored", 1, None)
    events = [(e["kind"], e["status"]) for e in archive.history(57753) if e["type"] == "event"]
    assert events == [("new", None), ("removed", 404), ("restored", 200)]
    assert archive.known_ids() == {57753}
    assert count(archive, "versions") == 1


def test_restored_with_different_content_is_a_new_version(archive):
    page(archive, record(), 0)
    archive.record_gone(None, 57753, record().url, 302, BASE + "/", at(60))
    outcome = page(archive, record(title="Митинг в Алматы (исправлено)", modified=MODIFIED), 120)
    assert (outcome.kind, outcome.version, outcome.changes) == ("restored", 2, ["headline"])
    removed = archive.changes(kinds=["removed"])[0]
    assert removed["status"] == 302 and removed["location"] == BASE + "/"


def test_gone_for_unknown_article_is_only_logged(archive):
    assert archive.record_gone(None, None, f"{BASE}/politika/5-x.html", 410, None, at(0)) is False
    assert count(archive, "events") == 0
    assert count(archive, "fetches") == 1
    archive.record_failure(None, f"{BASE}/politika/6-y.html", 500, "server error", at(1), 6)
    row = archive.db.execute("SELECT article_id, outcome, error FROM fetches WHERE id = 2").fetchone()
    assert row == (6, "failed", "server error")


def test_validators_and_not_modified(archive):
    assert archive.validators(57753) == {}
    page(archive, record(), 0, headers={"ETag": '"abc"', "Last-Modified": "Wed, 10 Jan 2024"})
    assert archive.validators(57753) == {"If-None-Match": '"abc"',
                                         "If-Modified-Since": "Wed, 10 Jan 2024"}
    archive.record_not_modified(None, 57753, record().url, at(30))
    assert archive.article(57753)["last_seen"] == "2024-01-10T12:30:00Z"
    assert [f["outcome"] for f in archive.fetches(57753)] == ["new", "not_modified"]
    assert count(archive, "versions") == 1
    assert archive.validators(57753)["If-None-Match"] == '"abc"'
    page(archive, record(), 60, headers={"etag": ['"def"']})
    assert archive.validators(57753)["If-None-Match"] == '"def"'


# ---- revisit schedule ----------------------------------------------------------------------

def test_revisit_schedule_advances_and_resets(archive):
    published = datetime(2024, 1, 10, 12, 0, tzinfo=UTC)
    page(archive, record(published=published.isoformat()), 5)
    assert archive.due_for_revisit(published + timedelta(seconds=899)) == []
    assert archive.due_for_revisit(published + timedelta(seconds=900)) == [(57753, record().url)]

    def state():
        row = archive.article(57753)
        return row["revisit_step"], row["next_visit_at"]

    page(archive, record(published=published.isoformat()), 20)  # unchanged
    assert state() == (1, "2024-01-10T13:20:00Z")
    page(archive, record(published=published.isoformat()), 80)  # unchanged
    assert state() == (2, "2024-01-10T16:20:00Z")
    page(archive, record(published=published.isoformat(), title="Новое"), 200)  # changed
    assert state() == (0, "2024-01-10T15:35:00Z")
    for minutes in range(300, 1300, 100):
        page(archive, record(published=published.isoformat(), title="Новое"), minutes)
    assert state()[0] == len(STEPS) - 1
    assert archive.due_for_revisit("2024-01-10T15:00:00Z", language="kk") == []


def test_due_for_revisit_orders_and_limits(archive):
    for article_id in (3, 1, 2):
        page(archive, record(article_id, published=f"2024-01-0{article_id}T10:00:00+05:00"), 0)
    due = archive.due_for_revisit(datetime(2030, 1, 1, tzinfo=UTC), limit=2)
    assert [article_id for article_id, _ in due] == [1, 2]


# ---- runs, stats, connection -----------------------------------------------------------------

def test_runs_are_recorded(archive):
    run_id = archive.start_run("backfill", ["ru", "kk"], BASE)
    page(archive, record(), 0, run_id=run_id)
    archive.finish_run(run_id, "timeout", {"new": 1}, [{"url": "x", "error": "boom"}])
    [run] = archive.runs(5)
    assert run["editions"] == ["ru", "kk"] and run["status"] == "timeout"
    assert run["stats"] == {"new": 1} and run["errors"][0]["error"] == "boom"
    assert run["finished_at"] is not None
    with pytest.raises(ValueError):
        archive.finish_run(run_id, "great", {}, [])
    stats = archive.stats()
    assert stats["articles"] == 1 and stats["runs"] == 1 and stats["fetches"] == {"new": 1}


def test_wal_and_busy_timeout(archive):
    assert archive.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert archive.db.execute("PRAGMA busy_timeout").fetchone()[0] == 30000


def test_two_connections_write_in_turn(tmp_path):
    path = tmp_path / "shared.db"
    first, second = Archive(path), Archive(path)
    page(first, record(1), 0)
    page(second, record(2), 0)
    assert first.known_ids() == {1, 2}
    first.close()
    second.close()
    assert sqlite3.connect(path).execute("SELECT count(*) FROM articles").fetchone()[0] == 2


# ---- near-duplicates -------------------------------------------------------------------------

def test_simhash_is_close_for_small_edits_and_far_for_other_texts():
    words = [random.Random(7).choice(LONG_TEXT) for _ in range(800)]
    edited = [*words[:400], "ржи", *words[401:]]
    other = [random.Random(8).choice(LONG_TEXT) for _ in range(800)]
    assert distance(simhash(" ".join(words)), simhash(" ".join(edited))) <= 3
    assert distance(simhash(" ".join(words)), simhash(" ".join(other))) > 3
    assert simhash("слишком короткий текст") is None


def test_near_duplicates_link_to_the_earliest_original(archive):
    body = [" ".join(LONG_TEXT[:40]), " ".join(LONG_TEXT[40:])]
    page(archive, record(100, body=body), 0)
    page(archive, record(105, body=body, title="Перепечатка"), 10)
    page(archive, record(103, body=body, title="Ещё одна"), 20)
    page(archive, record(106, body=body, language="kk", section="vlast-qazaqsha"), 30)
    page(archive, record(107, body=["Совсем другой текст " * 20]), 40)
    page(archive, record(108, body=BODY), 50)
    links = {(d["article_id"], d["original_id"], d["distance"]) for d in archive.duplicates()}
    assert links == {(105, 100, 0), (103, 100, 0)}
    assert archive.article(105)["duplicate_of"] == {"article_id": 100, "distance": 0}
    assert archive.article(100)["duplicates"] == [103, 105]


def test_an_older_article_found_later_becomes_the_original(archive):
    body = [" ".join(LONG_TEXT)]
    page(archive, record(200, body=body), 0)
    page(archive, record(150, body=body), 10)
    assert [(d["article_id"], d["original_id"]) for d in archive.duplicates()] == [(200, 150)]


# ---- editions of one story -------------------------------------------------------------------

def test_editions_linked_from_pages(archive):
    en_url = f"{BASE}/english/57750-rally-in-almaty.html"
    page(archive, record(57753, translations=[en_url], cover_image=None), 0)
    assert archive.translations(57753) == []  # the English edition is not archived yet
    page(archive, record(57750, language="en", section="english", slug="rally-in-almaty",
                         title="Rally in Almaty", cover_image=None), 10)
    [edition] = archive.translations(57753)
    assert edition == {"article_id": 57750, "language": "en", "url": en_url,
                       "title": "Rally in Almaty", "method": "link", "confidence": 1.0}
    assert archive.translations(57750)[0]["article_id"] == 57753


def test_editions_inferred_from_cover_and_time(archive):
    cover = f"{BASE}/media/shared.jpg"
    page(archive, record(10, cover_image=cover), 0)
    page(archive, record(11, language="kk", section="vlast-qazaqsha", cover_image=cover), 10)
    page(archive, record(12, language="en", section="english",
                         published="2023-11-27T14:05:00+06:00", cover_image=None), 20)
    page(archive, record(13, published="2023-12-01T10:00:00+06:00", cover_image=None), 30)
    editions = {e["article_id"]: (e["method"], e["confidence"]) for e in archive.translations(10)}
    assert editions == {11: ("inferred", 0.9), 12: ("inferred", 0.5)}
    assert archive.translations(13) == []


def test_page_link_overrides_an_inferred_edition(archive):
    cover = f"{BASE}/media/shared.jpg"
    page(archive, record(20, cover_image=cover), 0)
    page(archive, record(21, language="en", section="english", cover_image=cover), 10)
    assert archive.translations(20)[0]["article_id"] == 21
    page(archive, record(22, language="en", section="english", cover_image=None,
                         published="2024-02-02T10:00:00+05:00",
                         translations=[f"{BASE}/politika/20-miting-v-almaty.html"]), 20)
    editions = {e["article_id"]: e["method"] for e in archive.translations(20)}
    assert editions == {22: "link"}


@pytest.mark.parametrize("wanted", [{}, {"kinds": ("removed",)}, {"kinds": ("headline",)},
                                    {"since": "2024-01-01T00:00:00Z", "language": "ru"}])
def test_a_page_of_the_change_list_is_read_in_its_order_not_sorted(tmp_path, wanted):
    """The change list's queries walk an index in their order (m023), so a page reads that page
    and no more, however many versions and events the archive holds."""
    from storage.changelog import ChangeFilter, change_log

    with Archive(tmp_path / "archive.db") as archive:
        db = archive.db
        plans, execute = [], db.execute

        def explained(sql, params=None):
            if sql.startswith("SELECT") and (" FROM versions v" in sql or " FROM events e" in sql):
                plans.append(" / ".join(row[3] for row in execute(f"EXPLAIN QUERY PLAN {sql}",
                                                                   params or []).fetchall()))
            return execute(sql, params) if params is not None else execute(sql)

        db.execute = explained
        for newest_first in (True, False):
            change_log(db, ChangeFilter(**wanted), newest_first=newest_first, limit=50)
    assert plans and not [plan for plan in plans if "B-TREE FOR ORDER BY" in plan]
