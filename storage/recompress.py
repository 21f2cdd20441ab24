"""Rewriting captures stored in an earlier format (zlib) with zstd, each proved byte-identical."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

import zstandard
from sqlite_utils import Database

from storage import evidence
from storage.access import ArchiveError
from storage.captures import ZSTD, CaptureCodec, outlet_of

OLD = f"(compression IS NULL OR compression NOT LIKE '{ZSTD}%')"
BATCH = 500  # captures a transaction: about half a second of CPU holding the write lock
# `migrate` rewrites the old captures itself up to this many (seconds); a larger archive is
# brought up to date at once and rewrites them with `mediawatch recompress`, batch by batch.
IN_MIGRATION = 5_000


class CaptureError(ArchiveError):
    """A capture cannot be rewritten without changing what it reads back as (the transaction
    that was rewriting it is rolled back)."""


@dataclass
class Recompressed:
    """What recompression did: captures rewritten, their stored bytes before and after, and
    how many old captures are left."""

    captures: int = 0
    before: int = 0
    after: int = 0
    left: int = 0

    def add(self, other: Recompressed) -> None:
        self.captures += other.captures
        self.before += other.before
        self.after += other.after
        self.left = other.left


def old_captures(db: Database) -> int:
    """How many captures are still in a format of an earlier version (zlib)."""
    return db.execute(f"SELECT count(*) FROM captures WHERE {OLD}").fetchone()[0]


def recompress_batch(db: Database, codec: CaptureCodec, limit: int = BATCH) -> Recompressed:
    """Rewrite the next `limit` old captures (oldest first) with zstd, inside the caller's
    transaction. Each must match its evidence log entry as read now, and read back
    byte-identical once rewritten, before it is written; otherwise CaptureError, and the caller
    rolls the whole transaction back.

    A capture is evidence, so a trigger forbids changing one: it is dropped and created again
    within this same transaction, so no other connection ever sees the archive without it. The
    log's digests are over the raw page, so rewriting the compressed bytes changes none.
    """
    if not db.conn.in_transaction:
        raise RuntimeError("captures are rewritten only inside a transaction")
    found = db.execute(
        f"SELECT {', '.join(evidence.CAPTURE_COLUMNS)}, body, compression FROM captures"
        f" WHERE {OLD} ORDER BY id LIMIT ?", [limit])
    names = [d[0] for d in found.description]
    rows = [dict(zip(names, values, strict=True)) for values in found.fetchall()]
    done = Recompressed()
    trigger = db.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger'"
                         " AND name = 'captures_no_update'").fetchone()
    if trigger:
        db.execute("DROP TRIGGER captures_no_update")
    for row in rows:
        raw = _read(codec, row)
        _check_logged(db, row, raw)
        data, compression = codec.compress(raw, outlet_of(db, row["article_id"]), row["id"])
        if _read(codec, {**row, "body": data, "compression": compression}, False) != raw:
            raise CaptureError(f"capture {row['id']} would not read back byte-identical with "
                               f"{compression}: nothing was rewritten")
        db.execute("UPDATE captures SET body = ?, compression = ? WHERE id = ?",
                   [data, compression, row["id"]])
        done.captures += 1
        done.before += len(row["body"] or b"")
        done.after += len(data)
    if trigger:
        db.execute(trigger[0])
    done.left = old_captures(db)
    return done


def _read(codec: CaptureCodec, row: dict, stored: bool = True) -> bytes | None:
    """A capture's raw bytes; one stored that cannot be read is a CaptureError, a rewritten one
    that cannot be read gives None."""
    try:
        return codec.decompress(row["body"] or b"", row["compression"])
    except (zlib.error, zstandard.ZstdError, ValueError) as exc:
        if not stored:
            return None
        raise CaptureError(f"capture {row['id']} cannot be read ({exc}): nothing was "
                           "rewritten; run `mediawatch verify`") from None


def _check_logged(db: Database, row: dict, raw: bytes) -> None:
    """The capture as read now is what the evidence log holds (when it has an entry)."""
    entry = evidence.entry_of(db, evidence.CAPTURE, row["id"])
    if entry is not None and entry["digest"] != evidence.digest(evidence.capture_content(row, raw)):
        raise CaptureError(f"capture {row['id']} does not match its evidence log entry "
                           f"{entry['seq']}: nothing was rewritten; run `mediawatch verify`")


def recompress(db: Database,
               transaction: Callable[[Database], AbstractContextManager] | None = None,
               progress: Callable[[Recompressed], None] | None = None,
               batch: int = BATCH) -> Recompressed:
    """Rewrite every old capture, `batch` at a time, oldest first. With `transaction` (e.g.
    storage.db.write_transaction) each batch commits on its own, so a pass that is stopped
    keeps the batches done, loses only the one under way, and the next pass goes on from
    there; without, everything runs in the caller's transaction. `progress` gets the running
    total after each batch."""
    codec = CaptureCodec(db)
    total = Recompressed(left=old_captures(db))
    while total.left:
        if transaction is None:
            done = recompress_batch(db, codec, batch)
        else:
            with transaction(db):
                done = recompress_batch(db, codec, batch)
        total.add(done)
        if progress is not None:
            progress(total)
        if not done.captures:
            break
    return total


def recompress_in_migration(db: Database) -> None:
    """The rebuild of the m019 migration: rewrite the old captures in the migration's own
    transaction when there are at most IN_MIGRATION of them (a larger archive is left for
    `mediawatch recompress`, which commits batch by batch; its zlib captures read as before)."""
    if old_captures(db) <= IN_MIGRATION:
        recompress(db)
