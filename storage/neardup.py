"""Near-duplicate articles: 64-bit simhash of body shingles and a banded index to find them."""

from __future__ import annotations

import hashlib

from sqlite_utils import Database

from storage.text import words

BITS = 64
BANDS = 4  # with a distance of at most 3, at least one 16-bit band is identical
BAND_BITS = BITS // BANDS
MAX_DISTANCE = 3
MIN_WORDS = 50  # shorter texts share too many shingles by chance
SHINGLE = 3


def _feature_hash(shingle: str) -> bytes:
    """The 64-bit hash of one shingle, as 8 bytes (highest first)."""
    return hashlib.blake2b(shingle.encode("utf-8"), digest_size=8).digest()


# Each byte of a hash spread into eight 32-bit counters (one per bit, highest first): the sum
# of the spread hashes holds, per bit position, how many hashes have that bit set.
_COUNTER_BYTES = 4
_SPREAD = [
    b"".join((byte >> (7 - bit) & 1).to_bytes(_COUNTER_BYTES, "big") for bit in range(8))
    for byte in range(256)
]


def simhash(text: str) -> int | None:
    """Simhash of a text's word shingles, or None when the text is too short to compare."""
    tokens = words(text)
    if len(tokens) < MIN_WORDS:
        return None
    shingles = len(tokens) - SHINGLE + 1
    total = 0
    for i in range(shingles):
        digest = _feature_hash(" ".join(tokens[i : i + SHINGLE]))
        total += int.from_bytes(b"".join([_SPREAD[byte] for byte in digest]), "big")
    counts = total.to_bytes(BITS * _COUNTER_BYTES, "big")
    # A bit is set when more than half of the feature hashes have it set.
    value = 0
    for position in range(BITS):
        start = position * _COUNTER_BYTES
        if 2 * int.from_bytes(counts[start : start + _COUNTER_BYTES], "big") > shingles:
            value |= 1 << (BITS - 1 - position)
    return value


def distance(a: int, b: int) -> int:
    """Hamming distance between two hashes."""
    return (a ^ b).bit_count()


def bands(value: int) -> list[int]:
    """The hash cut into BANDS integers of BAND_BITS bits each."""
    mask = (1 << BAND_BITS) - 1
    return [value >> (band * BAND_BITS) & mask for band in range(BANDS)]


def to_sql(value: int) -> int:
    """An unsigned 64-bit hash as SQLite's signed integer."""
    return value - (1 << BITS) if value >= 1 << (BITS - 1) else value


def from_sql(value: int) -> int:
    return value + (1 << BITS) if value < 0 else value


def index_hash(db: Database, article_id: int, value: int | None) -> None:
    """Store (or clear) an article's hash and its bands."""
    db.execute("DELETE FROM simhash_bands WHERE article_id = ?", [article_id])
    db.execute(
        "UPDATE articles SET simhash = ? WHERE id = ?",
        [None if value is None else to_sql(value), article_id],
    )
    if value is None:
        return
    for band, band_value in enumerate(bands(value)):
        db.execute(
            "INSERT INTO simhash_bands (band, value, article_id) VALUES (?, ?, ?)",
            [band, band_value, article_id],
        )


def near_matches(db: Database, article_id: int, language: str, value: int) -> list[tuple[int, int]]:
    """Articles of the same language within MAX_DISTANCE, as (id, distance), lowest id first."""
    clauses = " OR ".join("(b.band = ? AND b.value = ?)" for _ in range(BANDS))
    params: list = []
    for band, band_value in enumerate(bands(value)):
        params += [band, band_value]
    # CROSS JOIN keeps the band lookup as the outer loop: left to itself the planner may walk
    # every article of the language instead.
    rows = db.execute(
        "SELECT DISTINCT a.id, a.simhash FROM simhash_bands b CROSS JOIN articles a"
        " ON a.id = b.article_id"
        f" WHERE ({clauses}) AND a.id != ? AND a.language = ? ORDER BY a.id",
        [*params, article_id, language],
    ).fetchall()
    matches = [(other, distance(value, from_sql(other_hash))) for other, other_hash in rows]
    return [(other, gap) for other, gap in matches if gap <= MAX_DISTANCE]


def _original_of(db: Database, article_id: int) -> int:
    row = db.execute(
        "SELECT original_id FROM duplicates WHERE article_id = ?", [article_id]
    ).fetchone()
    return row[0] if row else article_id


def _link(db: Database, article_id: int, original_id: int, gap: int, found_at: str) -> None:
    db.execute(
        "INSERT OR REPLACE INTO duplicates (article_id, original_id, distance, found_at)"
        " VALUES (?, ?, ?, ?)",
        [article_id, original_id, gap, found_at],
    )


def link_duplicate(db: Database, article_id: int, language: str, text: str, found_at: str) -> None:
    """Hash a new article's text and link near-duplicates to the earliest (lowest id) one."""
    value = simhash(text)
    index_hash(db, article_id, value)
    if value is None:
        return
    matches = near_matches(db, article_id, language, value)
    if not matches:
        return
    originals = sorted((_original_of(db, other), gap) for other, gap in matches)
    earliest, gap = originals[0]
    if earliest < article_id:
        _link(db, article_id, earliest, gap, found_at)
        return
    # This article is older than everything it matches: it becomes their original.
    for other, other_gap in matches:
        db.execute(
            "UPDATE duplicates SET original_id = ? WHERE original_id = ?", [article_id, other]
        )
        _link(db, other, article_id, other_gap, found_at)
