"""Data derived from the stored records, rebuilt with today's code when a migration asks for it.

Migrations are frozen: each creates the schema of its time and calls none of today's functions.
What is computed from the records (search text and indexes, near-duplicates, editions of a story,
kinds of change, the comparison of a story's editions) is rebuilt here after the schema is up to
date, by the code that computes it for every new page, so an archive from any older version
ends the same as one written today.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlite_utils import Database

from storage import divergence, evidence, neardup, translations
from storage.changes import change_columns
from storage.db import rows
from storage.records import record_from_row
from storage.search import index_spellings, index_version, search_columns

# The outlet's article URLs, to read the ids of edition links back from stored records (when a
# page is archived, the crawler hands those ids over itself).
ARTICLE_PATH = re.compile(r"/[\w-]+/(?P<id>\d+)-[^/]+?\.html$")


def _rows(db: Database, sql: str) -> list[dict]:
    return rows(db.execute(sql))


def _current_records(db: Database) -> list[tuple[int, str, dict]]:
    """(article id, language, current record dict) of every archived article, by id."""
    return sorted(
        (row["article_id"], row["edition"], record_from_row(row))
        for row in _rows(db, "SELECT a.language AS edition, v.* FROM articles a"
                             " JOIN versions v ON v.id = a.current_version_id")
    )


def rebuild_search(db: Database) -> None:
    """Searchable text of every article and both full-text indexes, from the records."""
    for article_id, language, record in _current_records(db):
        db["articles"].update(article_id, search_columns(record, language))
    db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")
    db.execute("INSERT INTO versions_fts (versions_fts) VALUES ('delete-all')")
    for row in _rows(db, "SELECT v.*, a.language AS edition FROM versions v"
                         " JOIN articles a ON a.id = v.article_id"):
        index_version(db, row["id"], record_from_row(row), row["edition"])


def rebuild_spellings(db: Database) -> None:
    """The Kazakh words of every version under their spelling without Kazakh letters."""
    db.execute("DELETE FROM kazakh_spellings")
    for row in _rows(db, "SELECT v.*, a.language AS edition FROM versions v"
                         " JOIN articles a ON a.id = v.article_id WHERE a.language = 'kk'"):
        index_spellings(db, record_from_row(row), row["edition"])


def rebuild_duplicates(db: Database) -> None:
    """Simhashes and near-duplicate links of every article, oldest first."""
    db.execute("DELETE FROM simhash_bands")
    db.execute("DELETE FROM duplicates")
    for article_id, language, record in _current_records(db):
        neardup.link_duplicate(db, article_id, language, "\n".join(record["body"]), "migration")


def rebuild_editions(db: Database) -> None:
    """Links between the editions of each story, from the pages' links and inferred."""
    db.execute("DELETE FROM story_links")
    for article_id, _, record in _current_records(db):
        other_ids = [int(match["id"]) for url in record["translations"]
                     if (match := ARTICLE_PATH.search(url))]
        translations.update_editions(db, article_id, other_ids, "migration")


def rebuild_kinds(db: Database) -> None:
    """The kinds of change of every version against the one before, and their excerpts
    (storage.changes)."""
    previous: tuple[int, dict] | None = None
    for row in _rows(db, "SELECT * FROM versions ORDER BY article_id, number"):
        record = record_from_row(row)
        if previous is not None and previous[0] == row["article_id"]:
            db["versions"].update(row["id"], change_columns(previous[1], record))
        previous = (row["article_id"], record)


def rebuild_divergence(db: Database) -> None:
    """The comparison of each story's editions, from their current records
    (storage.divergence.rebuild)."""
    divergence.rebuild(db)


def rebuild_captures(db: Database) -> None:
    """The zlib captures of earlier versions rewritten with zstd, each checked against its log
    entry (so after the log is built) and read back byte-identical (storage.recompress)."""
    from storage.recompress import recompress_in_migration  # it imports storage.access

    recompress_in_migration(db)


# In the order they are rebuilt: editions are inferred from the search columns' neighbours;
# the editions of a story are compared once they are linked.
REBUILDS = {
    "search": rebuild_search,
    "spellings": rebuild_spellings,
    "duplicates": rebuild_duplicates,
    "editions": rebuild_editions,
    "kinds": rebuild_kinds,
    "evidence": evidence.build_log,  # appends entries for rows without one; never rewrites
    "divergence": rebuild_divergence,
    "captures": rebuild_captures,
}


def rebuild(db: Database, names: Iterable[str]) -> None:
    """Rebuild the named derived data (keys of REBUILDS), in REBUILDS order."""
    wanted = set(names)
    for name, function in REBUILDS.items():
        if name in wanted:
            function(db)
