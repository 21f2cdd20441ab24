"""Bulk builder of benchmark archives: N articles with versions, written straight into the schema.

The articles read like the replay's (its headline, lead, paragraph, byline and tag generators
in Russian, Kazakh and English), and every row the archive keeps for a crawled page is written
as `Archive.record_page` would write it (article, version with its record, the evidence log,
the event `new`, the fetch, the search columns, the Kazakh spellings, the simhash), but with
`executemany` in one transaction; the full-text indexes take their rows a batch at a time and
are merged into one segment each at the end ('optimize'). One article in REVISED_EVERY gets a
second version (one newsroom edit, its kinds and excerpt computed as a crawl would) and one in
REMOVED_EVERY is removed afterwards, as in bench/bench_web.py. Captures are left out (their
compression is measured elsewhere).

    python bench/build_archive.py --articles 100000 OUT.db
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlite_utils import Database  # noqa: E402

from bench.common import EDITS, newsroom_edit  # noqa: E402
from replay import text as words  # noqa: E402
from replay.corpus import ALL_SECTIONS, RU_SECTION_WEIGHTS, RU_SECTIONS  # noqa: E402
from storage import evidence, neardup  # noqa: E402
from storage.archive import Archive  # noqa: E402
from storage.changes import change_columns  # noqa: E402
from storage.records import (  # noqa: E402
    VERSIONED_FIELDS,
    ArticleRecord,
    content_fingerprint,
    display_columns,
    version_columns,
)
from storage.search import (  # noqa: E402
    ARTICLE_FTS_COLUMNS,
    STEM_COLUMNS,
    index_spellings,
    search_columns,
    stem_columns,
)
from storage.text import index_text  # noqa: E402

ORIGIN = "https://vlast.kz"
FIRST = datetime(2021, 1, 11, 8, 0, tzinfo=UTC)
LAST = datetime(2026, 1, 20, 20, 0, tzinfo=UTC)
FETCHED_AT = "2026-01-21T08:00:00+00:00"
REVISIONS_FROM = datetime(2026, 1, 22, tzinfo=UTC)
REVISIONS_DAYS = 7
REVISED_EVERY = 50
REMOVED_EVERY = 1_000
BATCH = 20_000
FIRST_ID = 40_000
LANGUAGE_SHARES = ("ru", "ru", "ru", "kk", "en")
SECTIONS = {"kk": "vlast-qazaqsha", "en": "english"}
assert set(SECTIONS.values()) <= set(ALL_SECTIONS)


POOL = 3_000  # paragraphs drawn per language and topic; an article picks 4 to 12 of them
FRONTS = 1_000  # headlines (with lead, byline, tags, caption) per language and topic, lean


class Texts:
    """The replay's text generators behind caches: paragraphs from a pool per language and
    topic, and the stemmed text and Kazakh spellings of each piece computed once."""

    def __init__(self, seed: int) -> None:
        self.pool: dict[tuple[str, str], list[str]] = {}
        for language in ("ru", "kk", "en"):
            for topic in words.TOPICS:
                rng = Random(f"{seed}:{language}:{topic}")
                self.pool[language, topic] = [words.paragraph(rng, language, topic)
                                              for _ in range(POOL)]
        self.stems: dict[tuple[str, str], str] = {}
        self.spellings: dict[str, list[tuple]] = {}
        self.fronts: dict[tuple[str, str], list[tuple]] = {}

    def front(self, rng: Random, language: str, topic: str) -> tuple:
        """(headline, lead, authors, photo credits, tags, caption) drawn from a pool of FRONTS
        the generators made for the language and topic (a lean archive's articles)."""
        if (language, topic) not in self.fronts:
            made = Random(f"fronts:{language}:{topic}")
            self.fronts[language, topic] = [
                (words.headline(made, language, topic), words.lead(made, language, topic),
                 *words.byline(made, language)[1:],
                 tuple(name for _, name in words.tags(made, language, topic)),
                 words.caption(made, language, topic)) for _ in range(FRONTS)]
        return self.fronts[language, topic][rng.randrange(FRONTS)]

    def stem(self, text: str, language: str) -> str:
        key = (text, language)
        if key not in self.stems:
            self.stems[key] = index_text(text, language)
        return self.stems[key]

    def stem_columns(self, data: dict, language: str) -> dict:
        """storage.search.stem_columns, a paragraph or a name at a time."""
        pieces = {"title": [data["title"]], "lead": [data["lead"] or ""], "body": data["body"],
                  "authors": data["authors"], "tags": data["tags"]}
        return {f"{name}_stems": " ".join(stems for piece in texts
                                          if (stems := self.stem(piece, language)))
                for name, texts in pieces.items()}

    def spelling_rows(self, data: dict, language: str) -> list[tuple]:
        """The kazakh_spellings rows storage.search.index_spellings writes for a record."""
        if language != "kk":
            return []
        rows: set[tuple] = set()
        for piece in [data["title"], data["lead"] or "", *data["body"], *data["authors"],
                      *data["tags"]]:
            if piece not in self.spellings:
                sink = _Spellings()
                one = {"title": piece, "lead": "", "body": [], "authors": [], "tags": []}
                index_spellings(sink, one, "kk")
                self.spellings[piece] = sink.rows
            rows.update(self.spellings[piece])
        return sorted(rows)


def _share(span: timedelta, number: int, parts: int) -> timedelta:
    """span * number / parts as timedelta computes it (microseconds, rounded half to even),
    without its limit of a billion days on span * number (reached past 545,000 articles)."""
    quotient, rest = divmod((span // timedelta(microseconds=1)) * number, parts)
    if rest * 2 > parts or (rest * 2 == parts and quotient % 2):
        quotient += 1
    return timedelta(microseconds=quotient)


def record(texts: Texts, number: int, count: int, seed: int, lean: bool = False) -> dict:
    """The record of article `number` (0 the oldest) of `count`, as extraction makes it; a lean
    one has its headline, lead, byline, tags and caption from pools, and no fingerprint."""
    rng = Random(seed * 1_000_003 + number)
    language = rng.choice(LANGUAGE_SHARES)
    topic = rng.choice(words.TOPICS)
    section = (rng.choices(RU_SECTIONS, RU_SECTION_WEIGHTS)[0] if language == "ru"
               else SECTIONS[language])
    if lean:
        title, lead, authors, photos, tags, caption = texts.front(rng, language, topic)
    else:
        title = words.headline(rng, language, topic)
        _, authors, photos = words.byline(rng, language)
        lead = words.lead(rng, language, topic)
        tags = tuple(name for _, name in words.tags(rng, language, topic))
        caption = words.caption(rng, language, topic)
    published = FIRST + _share(LAST - FIRST, number, max(1, count - 1))
    published = published.replace(second=0, microsecond=0)
    article_id = FIRST_ID + number
    slug = words.slugify(title)
    pool = texts.pool[language, topic]
    body = [pool[rng.randrange(POOL)] for _ in range(rng.randint(4, 12))]
    data = {
        "article_id": article_id, "language": language,
        "url": f"{ORIGIN}/{section}/{article_id}-{slug}.html", "section": section,
        "slug": slug, "title": title, "lead": lead, "authors": list(authors),
        "photo_credits": list(photos), "published": published.isoformat(timespec="seconds"),
        "modified": None, "tags": list(tags),
        "cover_image": f"{ORIGIN}/media/{published:%Y/%m}/cover-{number:07d}.jpg",
        "cover_caption": caption, "body": body, "translations": [], "fetched_at": FETCHED_AT,
    }
    data["word_count"] = sum(len(paragraph.split()) for paragraph in body)
    data["fingerprint"] = (f"lean-{number}" if lean else
                           content_fingerprint({name: data[name] for name in VERSIONED_FIELDS}))
    return data


def edited(data: dict, number: int) -> dict:
    """The record after one newsroom edit (the kinds bench/bench_web.py makes)."""
    new = newsroom_edit(data, EDITS[number % len(EDITS)], number)
    fields = {name: new[name] for name in ArticleRecord.__dataclass_fields__ if name in new}
    return ArticleRecord(**fields).to_dict()


class Writer:
    """Rows gathered per table and written with executemany; the evidence chain kept in step."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.rows: dict[str, list[tuple]] = {}
        self.sql: dict[str, str] = {}
        last = db.execute("SELECT seq, chain FROM evidence ORDER BY seq DESC LIMIT 1").fetchone()
        self.seq, self.chain = last if last else (0, evidence.GENESIS)
        self.columns = {name: set(db[name].columns_dict) for name in db.table_names()}
        self.lean = False

    def add(self, table: str, row: dict) -> None:
        if self.lean and table in ("fetches", "evidence", "simhash_bands"):
            return
        row = {name: value for name, value in row.items() if name in self.columns[table]}
        names = tuple(row)
        key = f"{table}:{','.join(names)}"
        if key not in self.sql:
            self.sql[key] = (f"INSERT INTO [{table}] ({', '.join(names)})"
                             f" VALUES ({', '.join('?' for _ in names)})")
        self.rows.setdefault(key, []).append(tuple(row.values()))

    def log(self, kind: str, row_id: int, article_id: int, content: dict) -> None:
        if self.lean:
            return
        self.seq += 1
        entry = evidence.digest(content)
        self.chain = evidence.link(self.chain, self.seq, kind, row_id, entry)
        self.add("evidence", {"seq": self.seq, "kind": kind, "row_id": row_id,
                              "article_id": article_id, "scheme": evidence.SCHEME,
                              "digest": entry, "chain": self.chain})

    def index_version(self, version_id: int, stems: dict) -> None:
        """The version's stemmed text into the all-versions index (storage.search.index_version)."""
        self.sql["versions_fts"] = ("INSERT INTO versions_fts (rowid, title, lead, body, authors,"
                                    " tags) VALUES (?, ?, ?, ?, ?, ?)")
        self.rows.setdefault("versions_fts", []).append(
            (version_id, *(stems[column] for column in STEM_COLUMNS)))

    def index_article(self, article_id: int, columns: dict, delete: bool = False) -> None:
        """The article's text into the current-text index (storage.search.index_article)."""
        key = "articles_fts delete" if delete else "articles_fts"
        names = ", ".join(ARTICLE_FTS_COLUMNS)
        marks = ", ".join("?" for _ in ARTICLE_FTS_COLUMNS)
        self.sql[key] = (f"INSERT INTO articles_fts (articles_fts, rowid, {names})"
                         f" VALUES ('delete', ?, {marks})" if delete else
                         f"INSERT INTO articles_fts (rowid, {names}) VALUES (?, {marks})")
        self.rows.setdefault(key, []).append(
            (article_id, *(columns[name] for name in ARTICLE_FTS_COLUMNS)))

    def spellings(self, rows: list[tuple]) -> None:
        self.sql["spellings"] = "INSERT OR IGNORE INTO kazakh_spellings (flat, form) VALUES (?, ?)"
        self.rows.setdefault("spellings", []).extend(rows)

    def flush(self) -> None:
        for key, values in self.rows.items():
            self.db.conn.executemany(self.sql[key], values)
        self.rows.clear()


def _version_row(version_id: int, article_id: int, number: int, data: dict, at: str,
                 run_id: int, change: dict) -> dict:
    return {"id": version_id, "article_id": article_id, "number": number,
            "fingerprint": data["fingerprint"], "first_seen": at, "last_seen": at,
            **change, "capture_id": None, "run_id": run_id, "extractor": None,
            **version_columns(data)}


def _simhash(writer: Writer, article_id: int, data: dict) -> int:
    """A stand-in for the body's simhash (as many bytes, its bands stored the same way): the
    real one costs more than the rest of the row, and near-duplicates are not measured here."""
    value = int(data["fingerprint"][:16], 16)
    for band, band_value in enumerate(neardup.bands(value)):
        writer.add("simhash_bands", {"band": band, "value": band_value, "article_id": article_id})
    return neardup.to_sql(value)


def _check(texts: Texts, data: dict) -> None:
    """The cached stems and spellings are those the storage code computes."""
    language = data["language"]
    assert texts.stem_columns(data, language) == stem_columns(data, language)
    sink = _Spellings()
    index_spellings(sink, data, language)
    assert sorted(set(sink.rows)) == texts.spelling_rows(data, language)


def build(path: Path, count: int, seed: int = 11, progress: bool = True,
          lean: bool = False) -> dict:
    """Write an archive of `count` articles at `path` (a new file); returns what it took.

    A lean archive has what the reading side reads (articles, versions, events, both full-text
    indexes, the Kazakh spellings) and no evidence log, fetches or simhashes: it is built
    several times faster, for timing search and the change list, and `verify` fails on it."""
    started = time.perf_counter()
    texts = Texts(seed)
    with Archive(path) as archive:
        run_id = archive.start_run("backfill", ["ru", "kk", "en"], ORIGIN)
        archive.finish_run(run_id, "ok", {"new": count}, [])
        revisit_id = archive.start_run("revisit", ["ru", "kk", "en"], ORIGIN)
        archive.finish_run(revisit_id, "ok", {}, [])
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = OFF")  # a new file: nothing to protect if it fails
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -262144")
    db = Database(conn)
    conn.execute("BEGIN")
    # Secondary indexes are made again after the rows, and the full-text indexes merge their
    # segments once at the end rather than as rows come in: both much faster in bulk.
    indexes = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'"
                           " AND sql IS NOT NULL").fetchall()
    for name, _ in indexes:
        conn.execute(f"DROP INDEX [{name}]")
    for table in ("articles_fts", "versions_fts"):
        conn.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('automerge', 0)")
    writer = Writer(db)
    writer.lean = lean
    version_id = event_id = fetch_id = 0
    revised: list[dict] = []
    for number in range(count):
        data = record(texts, number, count, seed, lean)
        if number < 50:
            _check(texts, data)
        article_id, language = data["article_id"], data["language"]
        version_id += 1
        event_id += 1
        fetch_id += 1
        stems = texts.stem_columns(data, language)
        version = _version_row(version_id, article_id, 1, data, FETCHED_AT, run_id,
                               {"changes": "[]", "excerpt": None})
        writer.add("articles", {
            "id": article_id, "language": language, "url": data["url"],
            "section": data["section"], "slug": data["slug"], "published": data["published"],
            "cover_image": data["cover_image"], "first_seen": FETCHED_AT,
            "last_seen": FETCHED_AT, "status": "active", "revisit_step": 0,
            "next_visit_at": FETCHED_AT, "due_reason": "schedule", "current_version": 1,
            "current_version_id": version_id, "fingerprint": data["fingerprint"],
            "simhash": None if lean else _simhash(writer, article_id, data),
            "title": data["title"],
        })
        writer.index_article(article_id, {**display_columns(data), **stems})
        writer.add("versions", version)
        writer.log(evidence.VERSION, version_id, article_id, evidence.version_content(version))
        event = {"id": event_id, "article_id": article_id, "kind": "new", "at": FETCHED_AT,
                 "run_id": run_id, "status": None, "location": None, "version_id": version_id}
        writer.add("events", event)
        writer.log(evidence.EVENT, event_id, article_id, evidence.event_content(event))
        writer.add("fetches", {"id": fetch_id, "run_id": run_id, "article_id": article_id,
                               "url": data["url"], "status": 200, "outcome": "new",
                               "version_id": version_id, "fetched_at": FETCHED_AT})
        writer.index_version(version_id, stems)
        writer.spellings(texts.spelling_rows(data, language))
        if number % REVISED_EVERY == REVISED_EVERY - 1:
            revised.append(data)
        if number % BATCH == BATCH - 1:
            writer.flush()
            if progress:
                print(f"  {number + 1:,} articles ({time.perf_counter() - started:,.0f} s)",
                      file=sys.stderr, flush=True)
    writer.flush()
    step = timedelta(days=REVISIONS_DAYS) / max(1, len(revised))
    for index, old in enumerate(revised):
        article_id, language = old["article_id"], old["language"]
        new = edited(old, index)
        at = (REVISIONS_FROM + step * index).isoformat()
        version_id += 1
        fetch_id += 1
        stems = stem_columns(new, language)
        version = _version_row(version_id, article_id, 2, new, at, revisit_id,
                               change_columns(old, new))
        writer.add("versions", version)
        writer.log(evidence.VERSION, version_id, article_id, evidence.version_content(version))
        writer.add("fetches", {"id": fetch_id, "run_id": revisit_id, "article_id": article_id,
                               "url": new["url"], "status": 200, "outcome": "version",
                               "version_id": version_id, "fetched_at": at})
        writer.index_version(version_id, stems)
        writer.spellings(texts.spelling_rows(new, language))
        gone_at = None
        if index % (REMOVED_EVERY // REVISED_EVERY) == 0:
            event_id += 1
            gone_at = (REVISIONS_FROM + step * index + step / 2).isoformat()
            event = {"id": event_id, "article_id": article_id, "kind": "removed", "at": gone_at,
                     "run_id": revisit_id, "status": 410, "location": None, "version_id": None}
            writer.add("events", event)
            writer.log(evidence.EVENT, event_id, article_id, evidence.event_content(event))
        writer.index_article(article_id, search_columns(old, language), delete=True)
        writer.flush()
        writer.index_article(article_id, {**display_columns(new), **stems})
        writer.flush()
        columns = {"title": new["title"], "current_version": 2,
                   "current_version_id": version_id, "fingerprint": new["fingerprint"],
                   "last_seen": at}
        if gone_at:
            columns.update(status="removed", removed_at=gone_at)
        db["articles"].update(article_id, columns)
    rows_s = time.perf_counter() - started
    for _, sql in indexes:
        conn.execute(sql)
    for table in ("articles_fts", "versions_fts"):
        conn.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")
        conn.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('automerge', 4)")
    conn.execute("COMMIT")
    index_s = time.perf_counter() - started - rows_s
    conn.execute("ANALYZE")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    return {"articles": count, "versions": version_id, "rows_s": round(rows_s, 1),
            "index_s": round(index_s, 1), "total_s": round(time.perf_counter() - started, 1)}


class _Spellings:
    """Stands for the database in storage.search.index_spellings: keeps the rows it writes."""

    def __init__(self) -> None:
        self.conn = self
        self.rows: list[tuple] = []

    def executemany(self, sql: str, rows: list[tuple]) -> None:
        self.rows.extend(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the archive file to write (must not exist)")
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--lean", action="store_true",
                        help="only what search and the change list read (no evidence log)")
    args = parser.parse_args()
    if args.out.exists():
        parser.error(f"{args.out} exists: give a new file")
    took = build(args.out, args.articles, args.seed, lean=args.lean)
    print(json.dumps(took))


if __name__ == "__main__":
    main()
