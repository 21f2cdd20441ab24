"""Raw page captures compressed with zstd and a dictionary trained on each outlet's own pages."""

from __future__ import annotations

import hashlib
import zlib

import zstandard
from sqlite_utils import Database

from storage.clock import utc_iso

ZSTD = "zstd"  # zstd alone: an outlet's first FIRST_PAGES pages, before it has a dictionary
WITH_DICTIONARY = "zstd-dict:"  # followed by the dictionary's id in capture_zstd_dictionaries
# Formats of earlier versions, still read: zlib alone, and zlib with a 32 KiB preset dictionary
# (capture_dictionaries); storage.recompress rewrites them.
ZLIB = "zlib"
ZLIB_DICTIONARY = "zlib-dict:"
LEVEL = 6  # with a dictionary, higher levels gain little and cost ten times the time
# An outlet's pages share most of their markup (styles, scripts, menus, footer: 60-70 KiB of a
# 95 KiB page), more than a single page or zlib's 32 KiB window can refer back to. A dictionary
# trained on the outlet's own recent pages holds it once.
FIRST_PAGES = 4  # an outlet's first dictionary is made from its first pages, as soon as these
TRAIN_PAGES = 16  # then trained again on this many, and on this many at each retraining
DICTIONARY_BYTES = 160 * 1024
TRAIN_K, TRAIN_D = 8192, 8  # fastCOVER's segment and d-mer sizes (no search: 0.1 s a training)
# A layout change shows as a drop in the ratio: when a dictionary's last WINDOW captures are
# compressed less than RETRAIN_BELOW times as well as its first WINDOW (median ratios), a new one
# is trained on the outlet's latest pages. Dictionaries never change once stored; old ones stay
# for the pages compressed with them.
WINDOW = 16
RETRAIN_BELOW = 0.75
CHECK_EVERY = 4  # captures between two looks at the ratio (in one process)


def dictionary_id(outlet: str | None, samples: list[bytes]) -> int:
    """A dictionary's id, from what it is trained on: a dictionary trained again from the same
    pages gets the same id, different pages a different one, so an id never names two
    dictionaries (not even after a rolled-back transaction). In zstd's public range."""
    digest = hashlib.sha256((outlet or "").encode() + b"\0")
    for sample in samples:
        digest.update(len(sample).to_bytes(8, "big") + sample)
    return 32768 + int.from_bytes(digest.digest()[:4], "big") % (2**31 - 32768)


def train(outlet: str | None, samples: list[bytes]) -> tuple[int, bytes]:
    """(id, dictionary) trained on sample pages; pages too few or small to train on give their
    own bytes as a raw-content dictionary."""
    number = dictionary_id(outlet, samples)
    try:
        trained = zstandard.train_dictionary(DICTIONARY_BYTES, samples, k=TRAIN_K, d=TRAIN_D,
                                             dict_id=number, threads=1)
        return number, trained.as_bytes()
    except zstandard.ZstdError:
        return number, b"".join(samples)[-DICTIONARY_BYTES:]


def _median_ratio(rows: list[tuple[int, int, int]]) -> float:
    """The median of raw over stored size of (id, size, stored size) rows."""
    ratios = sorted(size / max(stored, 1) for _, size, stored in rows)
    return ratios[len(ratios) // 2]


def outlet_of(db: Database, article_id: int) -> str | None:
    """The outlet an article belongs to (None: the default outlet). An article of another
    outlet is numbered in outlet_keys before its first page is stored, and marked after."""
    row = db.execute("SELECT outlet FROM outlet_keys WHERE id = ?", [article_id]).fetchone()
    if row is not None:
        return row[0]
    row = db.execute("SELECT outlet FROM articles WHERE id = ?", [article_id]).fetchone()
    return row[0] if row else None


class CaptureCodec:
    """Compresses and decompresses capture bodies; dictionaries never change once stored, and
    compressors and decompressors are kept per dictionary (ids are never reused)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.plain = zstandard.ZstdCompressor(level=LEVEL)
        self.reader = zstandard.ZstdDecompressor()
        self.compressors: dict[int, zstandard.ZstdCompressor] = {}
        self.decompressors: dict[int, zstandard.ZstdDecompressor] = {}
        self.zlib_dictionaries: dict[int, bytes] = {}
        # A dictionary's ratio over its first WINDOW captures, and the last of them.
        self.first_windows: dict[int, tuple[float, int]] = {}
        self.checks: dict[int, int] = {}  # captures compressed with each dictionary here

    # ---- writing ----------------------------------------------------------------------------

    def compress(self, body: bytes, outlet: str | None,
                 before: int | None = None) -> tuple[bytes, str]:
        """(compressed body, compression) for a capture of a page of `outlet`. `before`: the
        capture's id when an existing capture is rewritten (only captures before it count)."""
        number = self._dictionary_for(outlet, before)
        if number is None:
            return self.plain.compress(body), ZSTD
        return self._compressor(number).compress(body), f"{WITH_DICTIONARY}{number}"

    def _dictionary_for(self, outlet: str | None, before: int | None) -> int | None:
        """The outlet's dictionary now: a first one from its first FIRST_PAGES pages, then one
        trained on TRAIN_PAGES, and a new one when the ratio of its latest captures dropped;
        None while it has fewer pages."""
        limit = before if before is not None else 2**63 - 1
        row = self.db.execute(
            "SELECT id, after_capture, samples FROM capture_zstd_dictionaries WHERE outlet IS ?"
            " AND after_capture < ? ORDER BY after_capture DESC LIMIT 1", [outlet, limit]
        ).fetchone()
        if row is not None and row[2] >= TRAIN_PAGES and not self._ratio_dropped(*row[:2], limit):
            return row[0]
        if row is None and before is not None:
            # Rewriting an outlet's first captures: its first pages, known already, train the
            # dictionary they would have had, so that none of them is left without one.
            samples = self._pages(outlet, "c.id >= 0", [], "ASC")
        else:
            samples = self._pages(outlet, "c.id < ?", [limit], "DESC")
        if len(samples) < (FIRST_PAGES if row is None else TRAIN_PAGES):
            return row[0] if row else None
        return self._store(outlet, samples, limit)

    def _ratio_dropped(self, number: int, after: int, limit: int) -> bool:
        """Whether the dictionary's last WINDOW captures (before `limit`) were compressed less
        than RETRAIN_BELOW times as well as its first WINDOW (medians: one odd page is no
        layout change, most pages of a window are)."""
        self.checks[number] = self.checks.get(number, 0) + 1
        if self.checks[number] % CHECK_EVERY:
            return False
        compression = f"{WITH_DICTIONARY}{number}"
        if number not in self.first_windows:
            first = self.db.execute(
                "SELECT id, size, length(body) FROM captures WHERE id > ? AND compression = ?"
                " ORDER BY id LIMIT ?", [after, compression, WINDOW]).fetchall()
            if len(first) < WINDOW:
                return False
            self.first_windows[number] = (_median_ratio(first), first[-1][0])
        ratio, first_end = self.first_windows[number]
        last = self.db.execute(
            "SELECT id, size, length(body) FROM captures WHERE id > ? AND id < ?"
            " AND compression = ? ORDER BY id DESC LIMIT ?",
            [first_end, limit, compression, WINDOW]).fetchall()
        if len(last) < WINDOW:
            return False  # not yet a whole window after the first
        return _median_ratio(last) < RETRAIN_BELOW * ratio

    def _pages(self, outlet: str | None, where: str, params: list, order: str) -> list[bytes]:
        """The raw bytes of TRAIN_PAGES captures of the outlet (the latest before a capture, or
        its first), oldest first."""
        found = self.db.execute(
            "SELECT c.body, c.compression FROM captures c JOIN articles a ON a.id = c.article_id"
            " LEFT JOIN outlet_keys k ON k.id = c.article_id"
            f" WHERE coalesce(a.outlet, k.outlet) IS ? AND {where} ORDER BY c.id {order} LIMIT ?",
            [outlet, *params, TRAIN_PAGES]).fetchall()
        pages = [self.decompress(body, compression) for body, compression in found]
        return pages[::-1] if order == "DESC" else pages

    def _store(self, outlet: str | None, samples: list[bytes], limit: int) -> int:
        number, data = train(outlet, samples)
        after = self.db.execute("SELECT coalesce(max(id), 0) FROM captures WHERE id < ?",
                                [limit]).fetchone()[0]
        stored = self.db.execute("SELECT data FROM capture_zstd_dictionaries WHERE id = ?",
                                 [number]).fetchone()
        if stored is None:
            self.db.execute(
                "INSERT INTO capture_zstd_dictionaries (id, outlet, made_at, after_capture,"
                " samples, data) VALUES (?, ?, ?, ?, ?, ?)",
                [number, outlet, utc_iso(None), after, len(samples), data])
        elif stored[0] != data:
            raise ValueError(f"capture dictionary {number} is stored with other content")
        return number

    def _compressor(self, number: int) -> zstandard.ZstdCompressor:
        if number not in self.compressors:
            dictionary = zstandard.ZstdCompressionDict(self._zstd_dictionary(number))
            self.compressors[number] = zstandard.ZstdCompressor(level=LEVEL,
                                                                dict_data=dictionary)
        return self.compressors[number]

    # ---- reading ----------------------------------------------------------------------------

    def decompress(self, data: bytes, compression: str | None) -> bytes:
        """The raw body of a stored capture, in any format the archive has used."""
        if compression == ZSTD:
            return self.reader.decompress(data)
        if compression and compression.startswith(WITH_DICTIONARY):
            return self._decompressor(int(compression[len(WITH_DICTIONARY):])).decompress(data)
        if compression == ZLIB:
            return zlib.decompress(data)
        if compression and compression.startswith(ZLIB_DICTIONARY):
            dictionary = self._zlib_dictionary(int(compression[len(ZLIB_DICTIONARY):]))
            decompressor = zlib.decompressobj(zdict=dictionary)
            return decompressor.decompress(data) + decompressor.flush()
        return data

    def _decompressor(self, number: int) -> zstandard.ZstdDecompressor:
        if number not in self.decompressors:
            dictionary = zstandard.ZstdCompressionDict(self._zstd_dictionary(number))
            self.decompressors[number] = zstandard.ZstdDecompressor(dict_data=dictionary)
        return self.decompressors[number]

    def _zstd_dictionary(self, number: int) -> bytes:
        row = self.db.execute("SELECT data FROM capture_zstd_dictionaries WHERE id = ?",
                              [number]).fetchone()
        if row is None:
            raise ValueError(f"capture dictionary {number} is missing")
        return row[0]

    def _zlib_dictionary(self, number: int) -> bytes:
        if number not in self.zlib_dictionaries:
            row = self.db.execute(
                "SELECT data FROM capture_dictionaries WHERE id = ?", [number]
            ).fetchone()
            if row is None:
                raise ValueError(f"capture dictionary {number} is missing")
            self.zlib_dictionaries[number] = row[0]
        return self.zlib_dictionaries[number]
