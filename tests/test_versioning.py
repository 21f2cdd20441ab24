"""What makes a version: an edit of any one field a reader sees, archived on a real SQLite file."""

from __future__ import annotations

import dataclasses

import pytest

from replay.corpus import Corpus
from storage.archive import Archive
from storage.records import VERSIONED_FIELDS, ArticleRecord

BASE = "https://vlast.kz"
ARTICLE = 57753
BODY = [
    "Сотни жителей Алматы вышли на митинг против повышения тарифов на коммунальные услуги.",
    "Полиция задержала несколько участников акции, сообщили правозащитники.",
    "Акимат города пообещал рассмотреть требования протестующих до конца месяца.",
]
# BODY[1] rewritten: other words, the same subject (the paragraphs pair by their words).
REWRITTEN = "Полиция задержала двух участников акции у акимата, сообщили журналисты."
NEW_PARAGRAPHS = [
    "Задержанных отпустили вечером без составления протоколов.",
    "Следующая акция назначена на субботу у здания акимата.",
    "Организаторы обещают подать новую заявку в понедельник.",
]

# One edit of each field, alone. Every versioned field must be here (checked below).
EDITS = {
    "title": "Митинг в Алматы завершился",
    "lead": "Жители снова вышли на площадь",
    "authors": ["Ольга Логинова", "Данияр Молдабеков"],
    "photo_credits": ["Жанара Каримова"],
    "body": [BODY[0], NEW_PARAGRAPHS[0], BODY[2]],
    "tags": ["протесты", "Алматы"],
    "published": "2023-11-27T15:05:00+06:00",
    "modified": "2023-11-28T10:00:00+06:00",
    "section": "obsshestvo",
    "slug": "miting-v-almaty-zavershilsya",
    "cover_image": f"{BASE}/media/{ARTICLE}-2.jpg",
    "cover_caption": "Площадь у акимата вечером",
}

# The kind of change each edit is reported as: the archive's vocabulary in one place. An edit of
# text a reader reads, with the modified date left where it was, is also a stealth edit.
STEALTH = "stealth"
TEXT = ("title", "lead", "authors", "photo_credits", "cover_caption", "body")
KIND = {
    "title": "headline",
    "lead": "lead",
    "authors": "byline",
    "photo_credits": "byline",
    "body": "rewrite",
    "tags": "tags",
    "published": "dates",
    "modified": "dates",
    "section": "moved",
    "slug": "moved",
    "cover_image": "cover",
    "cover_caption": "cover",
}

# Edits of the body and the kinds they are reported as, in the archive's order of kinds.
BODY_EDITS = {
    "one letter": ([BODY[0].replace("тарифов", "тарифав"), *BODY[1:]], ["typo"]),
    "a paragraph rewritten": ([BODY[0], NEW_PARAGRAPHS[0], BODY[2]], ["rewrite"]),
    "a paragraph added": ([*BODY, NEW_PARAGRAPHS[0]], ["paragraph_added"]),
    "a paragraph added first": ([NEW_PARAGRAPHS[0], *BODY], ["paragraph_added"]),
    "a paragraph removed": (BODY[:2], ["paragraph_removed"]),
    "the first paragraph removed": (BODY[1:], ["paragraph_removed"]),
    "one paragraph rewritten, one added after it": ([BODY[0], REWRITTEN, NEW_PARAGRAPHS[1], BODY[2]],
                                                    ["rewrite", "paragraph_added"]),
    "one paragraph rewritten, the one before removed": ([REWRITTEN, BODY[2]],
                                                        ["rewrite", "paragraph_removed"]),
    "all replaced by more": ([*NEW_PARAGRAPHS, "Ещё один новый абзац о другом."],
                             ["paragraph_added", "paragraph_removed"]),
}


def kinds(field: str) -> list[str]:
    return [KIND[field], *([STEALTH] if field in TEXT else [])]


def record(**fields) -> ArticleRecord:
    section = fields.get("section", "politika")
    slug = fields.get("slug", "miting-v-almaty")
    data = {
        "article_id": ARTICLE,
        "language": "ru",
        "url": f"{BASE}/{section}/{ARTICLE}-{slug}.html",
        "section": section,
        "slug": slug,
        "title": "Митинг в Алматы",
        "lead": "Жители вышли на площадь",
        "authors": ["Ольга Логинова"],
        "photo_credits": ["Тамара Вааль"],
        "published": "2023-11-27T14:05:00+06:00",
        "modified": None,
        "tags": ["протесты"],
        "cover_image": f"{BASE}/media/{ARTICLE}.jpg",
        "cover_caption": "Площадь",
        "body": list(BODY),
    }
    data.update(fields)
    return ArticleRecord(**data)


def fetched(archive: Archive, rec: ArticleRecord, minute: int):
    html = f"<html><h1>{rec.title}</h1>{''.join(rec.body)}</html>".encode()
    return archive.record_page(None, rec.url, 200, {}, html, rec,
                               f"2024-01-10T12:{minute:02d}:00+00:00")


@pytest.fixture
def archive(tmp_path):
    with Archive(tmp_path / "archive.db", revisit_steps=[900]) as opened:
        yield opened


def test_every_versioned_field_has_an_edit_and_a_kind():
    assert set(EDITS) == set(KIND) == set(VERSIONED_FIELDS)
    assert all(getattr(record(), name) != value for name, value in EDITS.items())


@pytest.mark.parametrize("field", list(EDITS))
def test_an_edit_of_one_field_alone_makes_a_version(archive, field):
    assert fetched(archive, record(), 0).kind == "new"
    edited = record(**{field: EDITS[field]})
    outcome = fetched(archive, edited, 30)
    assert (outcome.kind, outcome.version, outcome.changes) == ("version", 2, kinds(field))
    first, second = archive.versions(ARTICLE)
    assert (first[field], second[field]) == (getattr(record(), field), EDITS[field])
    assert first["fingerprint"] != second["fingerprint"]
    assert second["changes"] == kinds(field)
    [change] = archive.changes(kinds=[KIND[field]])
    assert (change["article_id"], change["version"]) == (ARTICLE, 2)
    assert archive.db.execute("SELECT count(*) FROM captures").fetchone()[0] == 2
    # The same edit fetched again is no further version.
    assert fetched(archive, edited, 45).kind == "unchanged"
    assert len(archive.versions(ARTICLE)) == 2


@pytest.mark.parametrize("field", [name for name in EDITS
                                   if isinstance(getattr(record(), name), str)])
def test_whitespace_around_a_field_is_no_version(archive, field):
    fetched(archive, record(), 0)
    spaced = f"  {getattr(record(), field)}\n "
    assert fetched(archive, record(**{field: spaced}), 30).kind == "unchanged"


@pytest.mark.parametrize("edit", list(BODY_EDITS))
def test_each_edit_of_the_body_is_a_version_of_its_kinds(archive, edit):
    body, kinds = BODY_EDITS[edit]
    fetched(archive, record(), 0)
    outcome = fetched(archive, record(body=body), 30)
    assert (outcome.kind, outcome.changes) == ("version", [*kinds, STEALTH])
    assert archive.version(ARTICLE, 2)["body"] == body


def test_edits_of_several_fields_report_each_kind(archive):
    fetched(archive, record(), 0)
    outcome = fetched(archive, record(title=EDITS["title"], tags=EDITS["tags"],
                                      modified=EDITS["modified"]), 30)
    assert sorted(outcome.changes) == sorted({KIND["title"], KIND["tags"]})  # stamped: no stealth


def test_the_replay_edits_every_versioned_field_alone():
    """Over three epochs the replay edits each versioned field on its own at least once."""
    corpus = Corpus(180, seed=1)
    alone: dict[str, set[str]] = {}
    for epoch in (1, 2, 3):
        before = {a["id"]: a for a in corpus.state(epoch - 1).manifest("", 1)["articles"]}
        after = {a["id"]: a for a in corpus.state(epoch).manifest("", 1)["articles"]}
        for change in corpus.state(epoch).changes:
            if change["kind"] in ("new", "removed", "restored"):
                continue
            old, new = before[change["id"]], after[change["id"]]
            changed = {name for name in VERSIONED_FIELDS if old[name] != new[name]}
            if len(changed) > 1:
                changed.discard("modified")  # stamped along with the edit
            if len(changed) == 1:
                alone.setdefault(changed.pop(), set()).add(change["kind"])
    assert set(alone) == set(VERSIONED_FIELDS)
    for name, kinds in alone.items():
        expected = {"typo", "rewrite", "paragraph_added", "paragraph_removed"} \
            if name == "body" else {KIND[name]}
        assert kinds <= expected, (name, kinds)


def test_a_record_round_trips_through_the_version_row(archive):
    rec = record(**{name: EDITS[name] for name in ("modified", "tags", "photo_credits")})
    fetched(archive, rec, 0)
    stored = archive.version(ARTICLE, 1)
    assert {name: stored[name] for name in VERSIONED_FIELDS} == \
        {name: getattr(rec, name) for name in VERSIONED_FIELDS}
    assert dataclasses.replace(rec).fingerprint == stored["fingerprint"]


def test_the_fingerprint_format_stays_as_archives_stored_it(archive):
    """Archives keep each version's fingerprint: were its format to change, every article
    fetched again would look edited. The value of a known record is pinned here."""
    assert record().fingerprint == \
        "0e1586ae3c622caa896f811b40dd2a65f993e365f3837f33a7f7b3af6bdec552"
    fetched(archive, record(), 0)
    row = archive.db.execute(
        "SELECT fingerprint, word_count, authors, body FROM versions").fetchone()
    assert row[:2] == (record().fingerprint, 28)
    assert "Ольга Логинова" in row[2] and "Сотни жителей" in row[3]  # readable in datasette


def test_the_articles_text_view_shows_the_current_record_as_readable_text(archive):
    rec = record(authors=["Ольга Логинова", "Данияр Молдабеков"], tags=["протесты", "Алматы"])
    fetched(archive, rec, 0)
    row = archive.db.execute(
        "SELECT title, lead, body, authors, tags FROM articles_text WHERE id = ?",
        [ARTICLE]).fetchone()
    assert row == (rec.title, rec.lead, "\n\n".join(BODY),
                   "Ольга Логинова, Данияр Молдабеков", "протесты, Алматы")
    assert archive.version(ARTICLE, 1)["tags"] == ["протесты", "Алматы"]
    fetched(archive, record(lead="", tags=[]), 30)
    assert archive.db.execute("SELECT lead, tags FROM articles_text").fetchone() == ("", "")
