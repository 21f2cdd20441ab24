"""The tamper-evident log: every capture, version, re-reading and event chained by SHA-256.

Each entry holds the SHA-256 digest of one row's content (a capture: its bytes, address, fetch
time, status and headers; a version: its record; an event: what happened when) and a chain hash
over the previous entry's chain and this entry, so that the last entry's chain (the head) stands
for everything before it. Entries are appended in the same transaction as the row they log.
`verify` recomputes every digest and the chain from the rows as they stand and names the first
entry that no longer holds; an earlier head that is no longer a prefix of the log shows that
history was rewritten and the chain recomputed. docs/evidence.md describes the format.
"""

from __future__ import annotations

import hashlib
import heapq
import json
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlite_utils import Database

from storage.captures import CaptureCodec
from storage.db import rows
from storage.outlets import outlet_clause

SCHEME = 1  # how digests are computed; a later scheme would be added beside this one
GENESIS = "0" * 64  # the chain before the first entry
CAPTURE, VERSION, READING, EVENT = "capture", "version", "reading", "event"
TABLES = {CAPTURE: "captures", VERSION: "versions", READING: "versions", EVENT: "events"}

# The columns whose content each digest covers (scheme 1, frozen: a column added to a table
# later is not part of the digests of this scheme).
CAPTURE_COLUMNS = ("id", "article_id", "run_id", "url", "status", "headers", "fetched_at", "size")
VERSION_COLUMNS = ("id", "article_id", "number", "capture_id", "run_id", "first_seen",
                   "fingerprint")
RECORD_FIELDS = ("url", "section", "slug", "title", "lead", "authors", "photo_credits", "body",
                 "tags", "published", "modified", "cover_image", "cover_caption", "translations")
RECORD_LISTS = ("authors", "photo_credits", "body", "tags", "translations")
EVENT_COLUMNS = ("id", "article_id", "kind", "at", "run_id", "status", "location", "version_id")


# ---- digests ----------------------------------------------------------------------------------

def canonical(content: dict) -> bytes:
    """The bytes a digest is taken of: JSON with sorted keys, no spaces, UTF-8."""
    return json.dumps(content, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest(content: dict) -> str:
    """The SHA-256 (hex) of a row's content."""
    return sha256(canonical(content))


def link(previous: str, seq: int, kind: str, row_id: int, entry_digest: str) -> str:
    """The chain hash of entry `seq`: SHA-256 over the previous chain hash and this entry."""
    return sha256(f"{previous}|{seq}|{kind}|{row_id}|{entry_digest}".encode("ascii"))


def capture_content(row: dict, body: bytes) -> dict:
    """What a capture's digest covers: its columns as stored and the SHA-256 of its raw bytes."""
    return {"table": "captures", **{name: row[name] for name in CAPTURE_COLUMNS},
            "body_sha256": sha256(body)}


def version_content(row: dict, record: dict | None = None, fingerprint: str | None = None) -> dict:
    """What a version's digest covers: where it sits and its record. `record` and `fingerprint`
    replace the row's own when an earlier reading (kept in readings) is checked."""
    if record is None:
        record = {name: row[name] for name in RECORD_FIELDS}
        for name in RECORD_LISTS:
            record[name] = json.loads(record[name]) if record[name] is not None else None
    else:
        record = {name: record.get(name) for name in RECORD_FIELDS}
    identity = {name: row[name] for name in VERSION_COLUMNS}
    if fingerprint is not None:
        identity["fingerprint"] = fingerprint
    return {"table": "versions", **identity, "record": record}


def event_content(row: dict) -> dict:
    """What an event's digest covers: every column."""
    return {"table": "events", **{name: row[name] for name in EVENT_COLUMNS}}


# ---- appending ------------------------------------------------------------------------------

def _one(db: Database, sql: str, params: list) -> dict:
    found = rows(db.execute(sql, params))
    if not found:
        raise LookupError(f"nothing to log: {sql} {params}")
    return found[0]


def append(db: Database, kind: str, row_id: int, article_id: int | None, content: dict) -> int:
    """Add an entry for a row's content after the last one; returns its number. Must run in the
    transaction that wrote the row, so that no row is ever stored without its entry."""
    if not db.conn.in_transaction:
        raise RuntimeError("the evidence log is written only inside the row's own transaction")
    last = db.execute("SELECT seq, chain FROM evidence ORDER BY seq DESC LIMIT 1").fetchone()
    seq, previous = (last[0] + 1, last[1]) if last else (1, GENESIS)
    entry_digest = digest(content)
    db.execute("INSERT INTO evidence (seq, kind, row_id, article_id, scheme, digest, chain)"
               " VALUES (?, ?, ?, ?, ?, ?, ?)",
               [seq, kind, row_id, article_id, SCHEME, entry_digest,
                link(previous, seq, kind, row_id, entry_digest)])
    return seq


def log_capture(db: Database, capture_id: int, body: bytes) -> int:
    """Log a capture just stored; `body` is the page's raw bytes as fetched."""
    row = _one(db, f"SELECT {', '.join(CAPTURE_COLUMNS)} FROM captures WHERE id = ?", [capture_id])
    return append(db, CAPTURE, capture_id, row["article_id"], capture_content(row, body))


def log_version(db: Database, version_id: int, kind: str = VERSION) -> int:
    """Log a version just stored, or (kind `reading`) its record just replaced by a re-reading."""
    row = _one(db, "SELECT * FROM versions WHERE id = ?", [version_id])
    return append(db, kind, version_id, row["article_id"], version_content(row))


def log_event(db: Database, event_id: int) -> int:
    """Log an event just stored (new, removed, restored)."""
    row = _one(db, f"SELECT {', '.join(EVENT_COLUMNS)} FROM events WHERE id = ?", [event_id])
    return append(db, EVENT, event_id, row["article_id"], event_content(row))


def build_log(db: Database) -> int:
    """Log every row that has no entry yet, in the order the archive wrote them; returns how many
    entries were added.

    This is how an archive made before the log existed gets one. Captures, versions and events
    are merged by their time (each table kept in id order); a version re-read before then is
    logged with its first reading, and each later reading when it replaced the one before.
    """
    logged = {kind: {row[0] for row in db.execute(
        "SELECT DISTINCT row_id FROM evidence WHERE kind = ?", [kind]).fetchall()}
        for kind in (CAPTURE, VERSION, EVENT)}
    codec = CaptureCodec(db)
    earlier = _readings(db)
    captures = ((row["fetched_at"] or "", 0, CAPTURE, row) for row in _stream(
        db, f"SELECT {', '.join(CAPTURE_COLUMNS)}, body, compression FROM captures ORDER BY id"))
    versions = ((row["first_seen"] or "", 1, VERSION, row)
                for row in _stream(db, "SELECT * FROM versions ORDER BY id"))
    events = ((row["at"] or "", 2, EVENT, row) for row in _stream(
        db, f"SELECT {', '.join(EVENT_COLUMNS)} FROM events ORDER BY id"))
    rereadings = ((row["replaced_at"] or "", 3, READING, row) for row in _stream(
        db, "SELECT id, version_id, replaced_at FROM readings ORDER BY id"))
    added = 0
    for _, _, kind, row in heapq.merge(captures, versions, events, rereadings,
                                       key=lambda item: item[:2]):
        content = _content_to_log(db, codec, kind, row, logged, earlier)
        if content is not None:
            row_id = row["version_id"] if kind == READING else row["id"]
            append(db, kind, row_id, content["article_id"], content)
            added += 1
    return added


def _content_to_log(db: Database, codec: CaptureCodec, kind: str, row: dict, logged: dict,
                    earlier: dict[int, list[dict]]) -> dict | None:
    """The content of a row build_log is to log, or None when it is logged already."""
    if kind == READING:
        version_id = row["version_id"]
        if version_id in logged[VERSION]:
            return None
        readings = earlier[version_id]
        later = next(i for i, reading in enumerate(readings) if reading["id"] == row["id"]) + 1
        version = _one(db, "SELECT * FROM versions WHERE id = ?", [version_id])
        if later == len(readings):
            return version_content(version)
        return version_content(version, json.loads(readings[later]["record"]),
                               readings[later]["fingerprint"])
    if row["id"] in logged[kind]:
        return None
    if kind == CAPTURE:
        return capture_content(row, codec.decompress(row["body"], row["compression"]))
    if kind == EVENT:
        return event_content(row)
    first = earlier.get(row["id"])
    if first:
        return version_content(row, json.loads(first[0]["record"]), first[0]["fingerprint"])
    return version_content(row)


def _readings(db: Database) -> dict[int, list[dict]]:
    """The earlier readings kept for each re-read version (records as stored JSON), oldest first."""
    readings: dict[int, list[dict]] = defaultdict(list)
    for row in _stream(db, "SELECT id, version_id, fingerprint, record FROM readings ORDER BY id"):
        readings[row["version_id"]].append(row)
    return readings


def _stream(db: Database, sql: str, params: list | None = None) -> Iterator[dict]:
    cursor = db.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    for values in cursor:
        yield dict(zip(names, values, strict=True))


# ---- the head ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Head:
    """The log's last entry: how many entries and the chain hash that stands for all of them."""

    entries: int
    chain: str

    def __str__(self) -> str:
        return f"{self.entries}:{self.chain}"

    def as_dict(self) -> dict:
        return {"entries": self.entries, "head": str(self) if self.entries else None}


def head(db: Database) -> Head:
    """The log's head (0 entries and the genesis hash for an empty log)."""
    row = db.execute("SELECT seq, chain FROM evidence ORDER BY seq DESC LIMIT 1").fetchone()
    return Head(row[0], row[1]) if row else Head(0, GENESIS)


def parse_head(text: str) -> tuple[int | None, str]:
    """(entries, chain) from `N:HASH` or a bare HASH (64 hex digits); ValueError otherwise."""
    count, _, chain = text.strip().rpartition(":")
    chain = chain.lower()
    if len(chain) != 64 or any(c not in "0123456789abcdef" for c in chain):
        raise ValueError(f"{text!r} is not a head: give ENTRIES:HASH as `mediawatch status` "
                         "shows it (the hash is 64 hex digits)")
    if count and not (count.isdigit() and int(count) > 0):
        raise ValueError(f"{text!r} is not a head: the entry count before the colon must be a "
                         "whole number")
    return (int(count) if count else None), chain


def entry_of(db: Database, kind: str, row_id: int) -> dict | None:
    """The latest log entry of a row (seq, digest, chain), or None when it has none."""
    found = rows(db.execute("SELECT seq, kind, digest, chain FROM evidence"
                            " WHERE kind IN (?, ?) AND row_id = ? ORDER BY seq DESC LIMIT 1",
                            [kind, READING if kind == VERSION else kind, row_id]))
    return found[0] if found else None


# ---- verifying ------------------------------------------------------------------------------

@dataclass
class Problem:
    """One way the archive no longer matches its log. `seq` is the entry concerned (None for a
    row that has no entry)."""

    seq: int | None
    table: str | None
    row_id: int | None
    what: str

    def text(self) -> str:
        return f"entry {self.seq}: {self.what}" if self.seq is not None else self.what


@dataclass
class Report:
    """What `verify` found: counts of what it checked, the head, and every problem."""

    head: Head
    checked: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    since: str | None = None

    @property
    def held(self) -> bool:
        return not self.problems

    def first(self) -> Problem | None:
        return self.problems[0] if self.problems else None

    def as_dict(self) -> dict:
        return {"held": self.held, **self.head.as_dict(), "checked": self.checked,
                "since_head": self.since,
                "problems": [{"entry": p.seq, "table": p.table, "row": p.row_id, "what": p.what}
                             for p in self.problems]}


class _Expected:
    """The digests the rows as they stand give, table by table, for comparison with the log."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.codec = CaptureCodec(db)
        self.captures = {row["id"]: self._capture(row) for row in _stream(
            db, f"SELECT {', '.join(CAPTURE_COLUMNS)}, body, compression FROM captures")}
        self.events = {row["id"]: digest(event_content(row)) for row in _stream(
            db, f"SELECT {', '.join(EVENT_COLUMNS)} FROM events")}
        readings = _readings(db)
        # A version's digests in the order they were logged: each earlier reading, then its own.
        self.versions: dict[int, list[tuple[str, int | None]]] = {}
        self.version_rows: dict[int, tuple[int, int]] = {}
        for row in _stream(db, "SELECT * FROM versions"):
            self.versions[row["id"]] = self._version(row, readings.get(row["id"], []))
            self.version_rows[row["id"]] = (row["article_id"], row["number"])

    def _capture(self, row: dict) -> str:
        try:
            body = self.codec.decompress(row["body"], row["compression"])
        except Exception:  # a damaged blob or dictionary: zlib.error, ValueError
            return "unreadable"
        return digest(capture_content(row, body))

    @staticmethod
    def _version(row: dict, earlier: list[dict]) -> list[tuple[str, int | None]]:
        digests = []
        for reading in earlier:
            try:
                content = version_content(row, json.loads(reading["record"]), reading["fingerprint"])
                digests.append((digest(content), reading["id"]))
            except (ValueError, TypeError, AttributeError):
                digests.append(("unreadable", reading["id"]))
        try:
            digests.append((digest(version_content(row)), None))
        except (ValueError, TypeError):
            digests.append(("unreadable", None))
        return digests


@contextmanager
def snapshot(db: Database) -> Iterator[Database]:
    """One read transaction: every query inside sees the archive as one commit left it, while
    crawls go on writing (WAL). Nested use joins the transaction already open."""
    if db.conn.in_transaction:
        yield db
        return
    db.execute("BEGIN")
    try:
        yield db
    finally:
        db.conn.rollback()


def verify(db: Database, since_head: str | None = None) -> Report:
    """Re-read every capture, version, earlier reading and event, recompute every digest and the
    chain, and report what no longer matches the log, first failing entry first. Everything is
    read in one snapshot, so a crawl writing meanwhile is neither seen half-way nor blocked.

    With `since_head` (`N:HASH` from an earlier `status`), also check that the archive as it
    stands still extends that head: the chain recomputed from today's rows must pass through it.
    """
    since = parse_head(since_head) if since_head else None
    with snapshot(db):
        return _verify(db, since, since_head)


def _verify(db: Database, since: tuple[int | None, str] | None, since_head: str | None) -> Report:
    expected = _Expected(db)
    report = Report(head(db), since=since_head)
    problems = report.problems
    seen: dict[str, dict[int, int]] = {CAPTURE: {}, VERSION: {}, EVENT: {}}
    version_entries: dict[int, int] = defaultdict(int)
    last_row = {CAPTURE: 0, VERSION: 0, EVENT: 0}
    stored_previous = recomputed = GENESIS
    previous_seq = 0
    since_chain: str | None = None
    counts: dict[str, int] = defaultdict(int)
    for entry in _stream(db, "SELECT seq, kind, row_id, article_id, scheme, digest, chain"
                             " FROM evidence ORDER BY seq"):
        seq, kind, row_id = entry["seq"], entry["kind"], entry["row_id"]
        counts[kind] += 1
        if seq != previous_seq + 1:
            gap = (f"entry {previous_seq + 1} is" if seq == previous_seq + 2
                   else f"entries {previous_seq + 1} to {seq - 1} are")
            problems.append(Problem(previous_seq + 1, "evidence", None,
                                    f"{gap} missing from the log (deleted)"))
        if entry["chain"] != link(stored_previous, seq, kind, row_id, entry["digest"]):
            problems.append(Problem(seq, "evidence", seq, "its chain hash does not follow from "
                                    "the entry before it: the log itself was edited"))
        actual = _check_entry(expected, entry, seen, version_entries, last_row, problems)
        recomputed = link(recomputed, seq, kind, row_id, actual or entry["digest"])
        if since and since[0] == seq:
            since_chain = recomputed
        elif since and since[0] is None and recomputed == since[1] and since_chain is None:
            since_chain = recomputed
        stored_previous, previous_seq = entry["chain"], seq
    _check_unlogged(expected, seen, version_entries, problems)
    if since:
        _check_since(since, since_chain, previous_seq, problems)
    problems.sort(key=lambda p: (p.seq is None, p.seq or 0))
    report.checked = {"entries": previous_seq, "captures": len(expected.captures),
                      "versions": len(expected.versions), "events": len(expected.events),
                      "readings": sum(len(v) - 1 for v in expected.versions.values()),
                      **{f"{kind} entries": counts[kind] for kind in (CAPTURE, VERSION, READING,
                                                                     EVENT)}}
    return report


def _check_entry(expected: _Expected, entry: dict, seen: dict, version_entries: dict,
                 last_row: dict, problems: list[Problem]) -> str | None:
    """Compare one entry with the row it logs; returns the digest the row gives today (None
    when the row is gone or the entry names no known table)."""
    seq, kind, row_id = entry["seq"], entry["kind"], entry["row_id"]
    table = TABLES.get(kind)
    if table is None or entry["scheme"] != SCHEME:
        problems.append(Problem(seq, "evidence", seq, f"unknown kind {kind!r} or scheme "
                                f"{entry['scheme']!r}: the log itself was edited"))
        return None
    base = VERSION if kind == READING else kind
    if kind != READING:
        if row_id <= last_row[base]:
            problems.append(Problem(seq, table, row_id, f"logs {table} row {row_id} after row "
                                    f"{last_row[base]}: rows or entries were reordered or renumbered"))
        last_row[base] = max(last_row[base], row_id)
        if row_id in seen[base]:
            problems.append(Problem(seq, table, row_id, f"{table} row {row_id} is logged twice"))
        seen[base][row_id] = seq
    if kind == CAPTURE:
        actual = expected.captures.get(row_id)
        what = _capture_name(row_id, entry)
    elif kind == EVENT:
        actual = expected.events.get(row_id)
        what = f"event {row_id} of article {entry['article_id']}"
    else:
        position = version_entries[row_id]
        version_entries[row_id] += 1
        digests = expected.versions.get(row_id)
        what = _version_name(expected, row_id, entry)
        if digests is None:
            actual = None
        elif position >= len(digests):
            problems.append(Problem(seq, "readings", None, f"{what}: this re-reading has no "
                                    "earlier reading kept in readings (a readings row was deleted)"))
            return digests[-1][0]
        else:
            actual, reading_id = digests[position]
            if position < len(digests) - 1 and actual != entry["digest"]:
                problems.append(Problem(seq, "readings", reading_id,
                                        f"{what}: its earlier reading kept in readings row "
                                        f"{reading_id} was changed"))
                return actual
    if actual is None:
        problems.append(Problem(seq, table, row_id, f"{what} is gone: the row was deleted"))
    elif actual == "unreadable":
        problems.append(Problem(seq, table, row_id, f"{what} can no longer be read: its stored "
                                "bytes were damaged or changed"))
    elif actual != entry["digest"]:
        problems.append(Problem(seq, table, row_id, _changed(kind, what)))
    return actual


def _capture_name(row_id: int, entry: dict) -> str:
    return f"capture {row_id} (captures row {row_id}, article {entry['article_id']})"


def _version_name(expected: _Expected, row_id: int, entry: dict) -> str:
    article_id, number = expected.version_rows.get(row_id, (entry["article_id"], None))
    which = f"version {number} of article {article_id}" if number else f"a version of article {article_id}"
    return f"{which} (versions row {row_id})"


def _changed(kind: str, what: str) -> str:
    if kind == CAPTURE:
        return (f"{what} no longer matches its logged digest: its bytes, address, fetch time, "
                "status or headers were changed")
    if kind == EVENT:
        return f"{what} no longer matches its logged digest: what happened or when was changed"
    return f"{what} no longer matches its logged record: its text or metadata were changed"


def _check_unlogged(expected: _Expected, seen: dict, version_entries: dict,
                    problems: list[Problem]) -> None:
    """Rows with no entry at all, and versions re-read more often than the log says."""
    for kind, table, ids in ((CAPTURE, "captures", expected.captures),
                             (VERSION, "versions", expected.versions),
                             (EVENT, "events", expected.events)):
        for row_id in sorted(set(ids) - set(seen[kind])):
            problems.append(Problem(None, table, row_id, f"{table} row {row_id} is not in the log: "
                                    "it was added without an entry, or its entry was removed"))
    for version_id, digests in expected.versions.items():
        logged = version_entries.get(version_id, 0)
        if logged and logged < len(digests):
            problems.append(Problem(None, "readings", version_id,
                                    f"versions row {version_id} has {len(digests) - 1} earlier "
                                    f"reading(s) kept but only {logged - 1} re-reading(s) logged"))


def _check_since(since: tuple[int | None, str], chain: str | None, entries: int,
                 problems: list[Problem]) -> None:
    """Whether the chain recomputed from today's rows passes through an earlier head."""
    count, wanted = since
    if count is not None and count > entries:
        problems.append(Problem(None, "evidence", None,
                                f"the earlier head has {count} entries but the log now has only "
                                f"{entries}: entries were deleted"))
    elif chain != wanted:
        earlier = f"{count}:{wanted}" if count is not None else wanted
        where = f"at entry {count}" if count is not None else "anywhere"
        problems.append(Problem(count, "evidence", count,
                                f"the earlier head {earlier} is not a prefix of this archive: the "
                                f"chain recomputed from today's rows does not pass through it "
                                f"{where}, so what was logged up to there was rewritten (and the "
                                "log recomputed to hide it)"))


# ---- evidence packages (the WACZ export) ------------------------------------------------------

def exported_versions(db: Database, language: str | None = None, since: str | None = None,
                      until: str | None = None,
                      article_id: int | None = None,
                      outlets: tuple[str | None, ...] = ()) -> list[tuple[int, int]]:
    """(version id, article id) of the versions (each with its capture) an export selects,
    oldest first: an edition, captures fetched in [since, until), one article, outlets (as
    articles store them)."""
    where, params = ["1"], []
    for clause, value in (("a.language = ?", language), ("c.fetched_at >= ?", since),
                          ("c.fetched_at < ?", until), ("v.article_id = ?", article_id)):
        if value is not None:
            where.append(clause)
            params.append(value)
    clause, named = outlet_clause("a.outlet", outlets)
    where[-1] += clause
    params += named
    return [(row[0], row[1]) for row in db.execute(
        "SELECT v.id, v.article_id FROM versions v JOIN articles a ON a.id = v.article_id"
        " JOIN captures c ON c.id = v.capture_id"
        f" WHERE {' AND '.join(where)} ORDER BY v.id", params).fetchall()]


def _entries(db: Database, kinds: tuple[str, ...], row_id: int) -> list[dict]:
    marks = ", ".join("?" for _ in kinds)
    return rows(db.execute(f"SELECT seq, kind, row_id, digest FROM evidence WHERE kind IN ({marks})"
                           " AND row_id = ? ORDER BY seq", [*kinds, row_id]))


class NotLogged(Exception):
    """A row to export does not match its log entry; the message names the entry."""


def _paired(entries: list[dict], contents: list[dict], what: str) -> list[tuple[dict, dict]]:
    """Each log entry of a row with the content the row gives today; NotLogged unless they match."""
    if len(entries) != len(contents):
        raise NotLogged(f"{what} has {len(contents)} state(s) but {len(entries)} log entries: "
                        "run `mediawatch verify`")
    for entry, content in zip(entries, contents, strict=True):
        if digest(content) != entry["digest"]:
            raise NotLogged(f"{what} does not match log entry {entry['seq']}: "
                            "run `mediawatch verify`")
    return list(zip(entries, contents, strict=True))


def version_package(db: Database, codec: CaptureCodec, version_id: int) -> dict:
    """A version for an evidence package: its row and record, its capture (headers decoded, raw
    body) and every log entry of both with the content each digest was taken of."""
    version = _one(db, "SELECT * FROM versions WHERE id = ?", [version_id])
    capture = _one(db, f"SELECT {', '.join(CAPTURE_COLUMNS)}, body, compression FROM captures"
                       " WHERE id = ?", [version["capture_id"]])
    body = codec.decompress(capture.pop("body"), capture.pop("compression"))
    contents = [version_content(version, json.loads(r["record"]), r["fingerprint"])
                for r in _readings_of(db, version_id)] + [version_content(version)]
    items = _paired(_entries(db, (CAPTURE,), capture["id"]), [capture_content(capture, body)],
                    f"capture {capture['id']}")
    items += _paired(_entries(db, (VERSION, READING), version_id), contents,
                     f"versions row {version_id}")
    return {"version": version, "capture": capture, "headers": json.loads(capture["headers"] or "{}"),
            "body": body, "items": items}


def _readings_of(db: Database, version_id: int) -> list[dict]:
    return rows(db.execute("SELECT id, fingerprint, record FROM readings WHERE version_id = ?"
                           " ORDER BY id", [version_id]))


def event_items(db: Database, article_ids: set[int], since: str | None = None,
                until: str | None = None) -> list[tuple[dict, dict]]:
    """The events of some articles in [since, until) with their log entries and contents."""
    items = []
    for row in _stream(db, f"SELECT {', '.join(EVENT_COLUMNS)} FROM events ORDER BY id"):
        if row["article_id"] not in article_ids:
            continue
        if (since and (row["at"] or "") < since) or (until and (row["at"] or "") >= until):
            continue
        items += _paired(_entries(db, (EVENT,), row["id"]), [event_content(row)],
                         f"event {row['id']}")
    return items


def log_slice(db: Database, first: int) -> Iterator[tuple[int, str, int, str]]:
    """(seq, kind, row id, digest) of every entry from `first` to the head, in order."""
    yield from db.execute("SELECT seq, kind, row_id, digest FROM evidence WHERE seq >= ?"
                          " ORDER BY seq", [first])


def chain_before(db: Database, seq: int) -> str:
    """The chain hash of the entry before `seq` (the genesis hash before the first)."""
    row = db.execute("SELECT chain FROM evidence WHERE seq = ?", [seq - 1]).fetchone()
    return row[0] if row else GENESIS


def version_evidence(db: Database, version_id: int) -> dict:
    """The evidence line of a version: its record's latest log entry, its capture's entry and
    the SHA-256 of the capture's bytes (as logged), and the log's head now."""
    row = db.execute("SELECT capture_id FROM versions WHERE id = ?", [version_id]).fetchone()
    capture_entry = entry_of(db, CAPTURE, row[0]) if row and row[0] is not None else None
    return {"version_entry": entry_of(db, VERSION, version_id), "capture_entry": capture_entry,
            **head(db).as_dict()}
