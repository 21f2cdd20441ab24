"""Schema migrations, applied in order and recorded in the database (sqlite-utils Migrations).

Migrations are frozen: each carries the schema of its time as literals and calls none of
today's functions, so an archive of any older version migrates the same way a year from now.
Data computed from the records is rebuilt afterwards by storage.derived: NEEDS says which.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from storage.db import write_transaction
from storage.derived import rebuild

MIGRATIONS = Migrations("mediawatch")
# Derived data (storage.derived.REBUILDS) to rebuild once a migration has been applied.
NEEDS = {
    "m002_search": ("search",),
    "m003_near_duplicates": ("duplicates",),
    "m004_translations": ("editions",),
    "m006_change_kinds": ("kinds",),
    "m007_word_forms": ("search", "spellings"),
    "m015_evidence": ("evidence",),
    "m016_change_excerpts": ("kinds",),
    "m017_divergence": ("divergence",),
    "m021_zstd_captures": ("captures",),
}


@MIGRATIONS()
def m001_core(db: Database) -> None:
    """Crawl runs, articles, versions with their raw captures, the fetch log and events."""
    db["runs"].create(
        {
            "id": int,
            "mode": str,
            "editions": str,  # JSON list
            "base_url": str,
            "started_at": str,
            "finished_at": str,
            "status": str,  # running, ok, failed, killed, timeout
            "stats": str,  # JSON object
            "errors": str,  # JSON list
        },
        pk="id",
    )
    db["articles"].create(
        {
            "id": int,  # the outlet's article number
            "language": str,
            "url": str,  # canonical URL of the current version
            "section": str,
            "slug": str,
            "title": str,
            "published": str,
            "first_seen": str,
            "last_seen": str,
            "status": str,  # active, removed
            "removed_at": str,
            "current_version": int,
            "current_version_id": int,
            "fingerprint": str,
            "etag": str,
            "last_modified": str,
            "next_visit_at": str,
            "revisit_step": int,
        },
        pk="id",
        not_null={"language", "url", "status", "first_seen", "last_seen"},
    )
    db["articles"].create_index(["language", "status"])
    db["articles"].create_index(["next_visit_at"])
    db["articles"].create_index(["url"])
    db["captures"].create(
        {
            "id": int,
            "article_id": int,
            "run_id": int,
            "url": str,
            "status": int,
            "headers": str,  # JSON object
            "body": bytes,
            "compression": str,
            "size": int,  # uncompressed bytes
            "fetched_at": str,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["captures"].create_index(["article_id"])
    db["versions"].create(
        {
            "id": int,
            "article_id": int,
            "number": int,
            "fingerprint": str,
            "first_seen": str,
            "last_seen": str,
            "changes": str,  # JSON list of kinds against the previous version
            "capture_id": int,
            "run_id": int,
            "url": str,
            "section": str,
            "slug": str,
            "title": str,
            "lead": str,
            "authors": str,
            "photo_credits": str,
            "body": str,
            "tags": str,
            "published": str,
            "modified": str,
            "cover_image": str,
            "cover_caption": str,
            "translations": str,
            "word_count": int,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id"), ("capture_id", "captures", "id")],
    )
    db["versions"].create_index(["article_id", "number"], unique=True)
    db["versions"].create_index(["first_seen"])
    db["fetches"].create(
        {
            "id": int,
            "run_id": int,
            "article_id": int,
            "url": str,
            "status": int,
            "outcome": str,  # new, version, unchanged, not_modified, restored, gone, failed
            "error": str,
            "version_id": int,
            "fetched_at": str,
        },
        pk="id",
    )
    db["fetches"].create_index(["article_id"])
    db["fetches"].create_index(["run_id"])
    db["events"].create(
        {
            "id": int,
            "article_id": int,
            "kind": str,  # new, removed, restored
            "at": str,
            "run_id": int,
            "status": int,
            "location": str,
            "version_id": int,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["events"].create_index(["article_id"])
    db["events"].create_index(["at"])


# The searchable columns of articles and the tokenizer, as of m002.
M002_FTS_COLUMNS = ("title", "lead", "body", "authors", "tags", "title_stems", "lead_stems",
                    "body_stems", "authors_stems", "tags_stems")
M002_TOKENIZER = "unicode61 remove_diacritics 2"


def _fts_trigger_sql() -> str:
    columns = ", ".join(M002_FTS_COLUMNS)
    new = ", ".join(f"new.{c}" for c in M002_FTS_COLUMNS)
    old = ", ".join(f"old.{c}" for c in M002_FTS_COLUMNS)
    return f"""
        CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
          INSERT INTO articles_fts (rowid, {columns}) VALUES (new.id, {new});
        END;
        CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
          INSERT INTO articles_fts (articles_fts, rowid, {columns})
            VALUES ('delete', old.id, {old});
        END;
        CREATE TRIGGER articles_au AFTER UPDATE OF {columns} ON articles BEGIN
          INSERT INTO articles_fts (articles_fts, rowid, {columns})
            VALUES ('delete', old.id, {old});
          INSERT INTO articles_fts (rowid, {columns}) VALUES (new.id, {new});
        END;
    """


@MIGRATIONS()
def m002_search(db: Database) -> None:
    """Full-text search: current text on articles (datasette's articles_fts) and all versions."""
    articles = db["articles"]
    for column in M002_FTS_COLUMNS:
        if column not in articles.columns_dict:
            articles.add_column(column, str)
    # Only text changes re-index an article; revisit bookkeeping updates do not.
    articles.enable_fts(M002_FTS_COLUMNS, tokenize=M002_TOKENIZER)
    db.executescript(_fts_trigger_sql())
    db.execute(
        "CREATE VIRTUAL TABLE versions_fts USING fts5("
        f"title, lead, body, authors, tags, content='', tokenize='{M002_TOKENIZER}')"
    )


@MIGRATIONS()
def m003_near_duplicates(db: Database) -> None:
    """Simhash of each article, its bands for lookup, and near-duplicate links."""
    db["articles"].add_column("simhash", int)
    db["simhash_bands"].create({"band": int, "value": int, "article_id": int})
    db["simhash_bands"].create_index(["band", "value"])
    db["simhash_bands"].create_index(["article_id"])
    db["duplicates"].create(
        {"article_id": int, "original_id": int, "distance": int, "found_at": str},
        pk="article_id",
    )
    db["duplicates"].create_index(["original_id"])


@MIGRATIONS()
def m004_translations(db: Database) -> None:
    """Links between the editions of one story, from page links or inferred from evidence."""
    db["articles"].add_column("cover_image", str)
    db["articles"].create_index(["published"])
    db["articles"].create_index(["cover_image"])
    db["story_links"].create(
        {
            "article_id": int,  # the lower id of the pair
            "other_id": int,
            "method": str,  # link, inferred
            "confidence": float,
            "found_at": str,
        },
        pk=("article_id", "other_id"),
    )
    db["story_links"].create_index(["other_id"])
    db.execute("UPDATE articles SET cover_image ="
               " (SELECT cover_image FROM versions WHERE versions.id = articles.current_version_id)")


@MIGRATIONS()
def m005_capture_dictionaries(db: Database) -> None:
    """Preset zlib dictionaries, one per language, for compressing new captures."""
    db["capture_dictionaries"].create({"id": int, "language": str, "data": bytes}, pk="id")
    db["capture_dictionaries"].create_index(["language"], unique=True)


@MIGRATIONS()
def m006_change_kinds(db: Database) -> None:
    """Kinds of change in one vocabulary: every version's kinds are recomputed (NEEDS)."""


@MIGRATIONS()
def m007_word_forms(db: Database) -> None:
    """Kazakh words under their spelling without Kazakh letters; the search text rebuilt with
    Kazakh endings stripped and Russian names stemmed from their nominative (NEEDS)."""
    db["kazakh_spellings"].create({"flat": str, "form": str}, pk=("flat", "form"))


@MIGRATIONS()
def m008_readings(db: Database) -> None:
    """The extractor version of every version, and earlier readings replaced by re-extraction."""
    if "extractor" not in db["versions"].columns_dict:
        db["versions"].add_column("extractor", str)
    db["readings"].create({
        "id": int, "version_id": int, "extractor": str, "replaced_at": str,
        "replaced_by": str, "fingerprint": str, "record": str,
    }, pk="id")
    db["readings"].create_index(["version_id"])


@MIGRATIONS()
def m009_due_reason(db: Database) -> None:
    """Why an article's next visit is when it is (the schedule, or a signal that made it due)."""
    db["articles"].add_column("due_reason", str)


@MIGRATIONS()
def m010_run_processes(db: Database) -> None:
    """The host and process id of each crawl run, so that a run whose process died is told from
    a live one."""
    db["runs"].add_column("host", str)
    db["runs"].add_column("pid", int)


@MIGRATIONS()
def m011_archive_notes(db: Database) -> None:
    """Notes about the archive itself, e.g. that `mediawatch demo` made it."""
    db["archive_notes"].create({"key": str, "value": str}, pk="key")


@MIGRATIONS()
def m012_watches(db: Database) -> None:
    """Watches on the changes and the deliveries of their notifications."""
    db["watches"].create(
        {
            "id": int,
            "name": str,
            "notify_url": str,  # an Apprise URL
            "kinds": str,  # JSON list; empty: every kind of article change
            "language": str,
            "query": str,
            "digest": str,  # NULL, hourly or daily
            "created_at": str,
            "collected_at": str,
            "cursor": str,  # JSON: the highest version, event and run ids collected
        },
        pk="id",
        not_null={"name", "notify_url", "cursor"},
    )
    db["watches"].create_index(["name"], unique=True)
    db["deliveries"].create(
        {
            "id": int,
            "watch_id": int,
            "created_at": str,
            "status": str,  # pending, sending, sent, failed
            "attempts": int,
            "last_attempt_at": str,
            "next_attempt_at": str,
            "last_error": str,
            "sent_at": str,
            "title": str,
            "body": str,
            "changes": str,  # JSON list of change keys (version:ID, event:ID, run:ID)
            "count": int,
        },
        pk="id",
        foreign_keys=[("watch_id", "watches", "id")],
    )
    db["deliveries"].create_index(["status", "next_attempt_at"])
    db["deliveries"].create_index(["watch_id"])


@MIGRATIONS()
def m013_watch_errors(db: Database) -> None:
    """Why a watch was skipped at its last delivery run (its query failed), and since when."""
    db["watches"].add_column("error", str)
    db["watches"].add_column("error_at", str)


@MIGRATIONS()
def m014_watch_receivers(db: Database) -> None:
    """A watch's receiver kept outside the archive (only a reference and a redacted address
    here), whether it may be a private address, and corrections of times from the future."""
    db["watches"].add_column("secret_ref", str)  # key in the secrets file; NULL: not moved yet
    db["watches"].add_column("allow_private", int, not_null_default=0)
    db["clock_corrections"].create(
        {
            "id": int,
            "at": str,  # when the correction was made (this machine's clock)
            "what": str,  # e.g. "watch hourly: last collected"
            "stored": str,  # the time found, later than `at`
            "corrected": str,  # the time written instead
        },
        pk="id",
    )


@MIGRATIONS()
def m015_evidence(db: Database) -> None:
    """The tamper-evident log: an entry chaining SHA-256 digests for every capture, version,
    re-reading and event; the log and the evidence rows can no longer be deleted, nor the log or
    a capture changed. The log of an existing archive is built afterwards (NEEDS)."""
    db["evidence"].create(
        {
            "seq": int,  # 1, 2, 3, ... in the order the archive wrote the rows
            "kind": str,  # capture, version, reading (a version's record re-read), event
            "row_id": int,  # the row's id in captures, versions or events
            "article_id": int,
            "scheme": int,  # how the digest was computed (storage.evidence)
            "digest": str,  # SHA-256 of the row's content, hex
            "chain": str,  # SHA-256 of the previous entry's chain and this entry, hex
        },
        pk="seq",
        not_null={"kind", "row_id", "scheme", "digest", "chain"},
    )
    db["evidence"].create_index(["kind", "row_id"])
    db.executescript("""
        CREATE TRIGGER evidence_no_update BEFORE UPDATE ON evidence BEGIN
          SELECT RAISE(ABORT, 'the evidence log is append-only');
        END;
        CREATE TRIGGER evidence_no_delete BEFORE DELETE ON evidence BEGIN
          SELECT RAISE(ABORT, 'the evidence log is append-only');
        END;
        CREATE TRIGGER captures_no_update BEFORE UPDATE ON captures BEGIN
          SELECT RAISE(ABORT, 'a capture is evidence: it is never changed');
        END;
        CREATE TRIGGER captures_no_delete BEFORE DELETE ON captures BEGIN
          SELECT RAISE(ABORT, 'a capture is evidence: it is never deleted');
        END;
        CREATE TRIGGER versions_no_delete BEFORE DELETE ON versions BEGIN
          SELECT RAISE(ABORT, 'a version is evidence: it is never deleted');
        END;
        CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN
          SELECT RAISE(ABORT, 'an event is evidence: it is never deleted');
        END;
        CREATE TRIGGER readings_no_delete BEFORE DELETE ON readings BEGIN
          SELECT RAISE(ABORT, 'an earlier reading is evidence: it is never deleted');
        END;
    """)


@MIGRATIONS()
def m016_change_excerpts(db: Database) -> None:
    """The excerpt of each version's change from the one before, stored once so that feeds and
    notifications never diff again (NEEDS)."""
    db["versions"].add_column("excerpt", str)


@MIGRATIONS()
def m017_divergence(db: Database) -> None:
    """What one edition of a story says and another does not: the comparison of each pair of
    editions, the divergences found (figures, paragraphs, quotations, edits not carried), the
    edits of one edition waiting for the others, and divergence events (NEEDS)."""
    db["edition_pairs"].create(
        {
            "article_id": int,  # the lower id of the pair
            "other_id": int,
            "versions": str,  # JSON: the version ids compared, [article's, other's]
            "compared_at": str,
            "report": str,  # JSON: paragraph groups, findings, omissions
        },
        pk=("article_id", "other_id"),
    )
    db["edition_pairs"].create_index(["other_id"])
    db["divergences"].create(
        {
            "id": int,
            "story": int,  # the lowest article id of the story when found
            "kind": str,  # figure, paragraph, quote, edit
            "article_id": int,  # the edition that says it (an edit: the edited one)
            "others": str,  # JSON list: the editions that say otherwise, lack it or lag
            "signature": str,  # the same while the finding is the same
            "detail": str,  # JSON
            "found_at": str,
            "closed_at": str,
            "closed_how": str,  # resolved, carried, withdrawn
        },
        pk="id",
    )
    db["divergences"].create_index(["signature"])
    db["divergences"].create_index(["story"])
    db["divergences"].create_index(["closed_at"])
    db["edition_edits"].create(
        {
            "id": int,
            "story": int,
            "article_id": int,  # the edited edition
            "version_id": int,  # its version that made the edit
            "other_id": int,  # an edition that still had the old text then
            "made_at": str,
            "detail": str,  # JSON: facts removed and added, old and new text, counterpart
            "status": str,  # open, carried, withdrawn
            "closed_at": str,
            "divergence_id": int,  # set once reported as not carried in time
        },
        pk="id",
    )
    db["edition_edits"].create_index(["other_id", "status"])
    db["edition_edits"].create_index(["article_id", "status"])
    db["edition_edits"].create_index(["status", "made_at"])
    db["events"].add_column("divergence_id", int)


@MIGRATIONS()
def m018_outlets(db: Database) -> None:
    """Articles of outlets other than the default one: the outlet of each article (NULL for the
    default outlet, as every article archived before), and the archive's number for each
    article key of another outlet (its own id, or its canonical URL)."""
    db["articles"].add_column("outlet", str)
    db["articles"].create_index(["outlet"])
    db["outlet_keys"].create({"id": int, "outlet": str, "key": str, "created_at": str}, pk="id",
                             not_null={"outlet", "key"})
    db["outlet_keys"].create_index(["outlet", "key"], unique=True)


@MIGRATIONS()
def m019_watch_outlets(db: Database) -> None:
    """A watch bound to outlets: a JSON list of them as articles store them (null: the default
    outlet); NULL, as on every watch made before, is every outlet."""
    db["watches"].add_column("outlets", str)


@MIGRATIONS()
def m020_run_outlets(db: Database) -> None:
    """The outlet each crawl run crawled (NULL for the default outlet, as every run before), so
    that the service plans each outlet's jobs from its own runs."""
    db["runs"].add_column("outlet", str)


@MIGRATIONS()
def m021_zstd_captures(db: Database) -> None:
    """zstd dictionaries trained per outlet, which never change once stored; captures name the
    one they use (`zstd-dict:ID`). The zlib captures of earlier versions are rewritten with them
    afterwards (NEEDS), each proved to read back byte-identical."""
    db["capture_zstd_dictionaries"].create(
        {
            "id": int,  # from what it was trained on (storage.captures.dictionary_id)
            "outlet": str,  # NULL for the default outlet
            "made_at": str,
            "after_capture": int,  # the latest capture when it was made: used by later ones
            "samples": int,  # pages it was trained on
            "data": bytes,
        },
        pk="id",
        not_null={"data", "after_capture"},
    )
    db["capture_zstd_dictionaries"].create_index(["outlet", "after_capture"])
    # Which captures are left in an older format, and a dictionary's latest captures, without
    # reading the pages.
    db["captures"].create_index(["compression"])
    db.executescript("""
        CREATE TRIGGER capture_zstd_dictionaries_no_update
          BEFORE UPDATE ON capture_zstd_dictionaries BEGIN
          SELECT RAISE(ABORT, 'a capture dictionary is never changed: captures depend on it');
        END;
        CREATE TRIGGER capture_zstd_dictionaries_no_delete
          BEFORE DELETE ON capture_zstd_dictionaries BEGIN
          SELECT RAISE(ABORT, 'a capture dictionary is never deleted: captures depend on it');
        END;
    """)


def is_current(db: Database) -> bool:
    """Whether the archive has every migration applied (read-only: writes nothing)."""
    return "_sqlite_migrations" in db.table_names() and not MIGRATIONS.pending(db)


def migrate(db: Database, stop_before: str | None = None) -> None:
    """Apply every pending migration (or those before `stop_before`).

    Readers of an up-to-date archive take no lock. Otherwise the migrations run under the write
    lock, so that two processes opening a new archive at once wait for each other instead of
    both migrating (or one failing with "database is locked").
    """
    if is_current(db):
        return
    with write_transaction(db):
        pending = [migration.name for migration in MIGRATIONS.pending(db)]
        MIGRATIONS.apply(db, stop_before=stop_before)
        applied = {migration.name for migration in MIGRATIONS.applied(db)}
        rebuild(db, [need for name in pending if name in applied for need in NEEDS.get(name, ())])
