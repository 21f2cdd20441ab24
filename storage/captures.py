"""Raw page captures compressed with zlib and a preset dictionary learned from the archive's pages."""

from __future__ import annotations

import zlib

from sqlite_utils import Database

PLAIN = "zlib"
WITH_DICTIONARY = "zlib-dict:"  # followed by the dictionary's id
LEVEL = 9
# A language's dictionary is made from its first captures once there are this many: pages of
# one site share their markup and much of their wording, which zlib alone cannot exploit
# within a single page.
DICTIONARY_PAGES = 3
DICTIONARY_BYTES = 32 * 1024  # zlib's window: a longer preset dictionary would not be used


class CaptureCodec:
    """Compresses and decompresses capture bodies; dictionaries never change once stored."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.ids: dict[str, int] = {}
        self.dictionaries: dict[int, bytes] = {}

    def compress(self, body: bytes, language: str) -> tuple[bytes, str]:
        """(compressed body, compression) for a new capture of a page in `language`."""
        dictionary_id = self._dictionary_id(language)
        if dictionary_id is None:
            return zlib.compress(body, LEVEL), PLAIN
        compressor = zlib.compressobj(LEVEL, zdict=self._dictionary(dictionary_id))
        return compressor.compress(body) + compressor.flush(), f"{WITH_DICTIONARY}{dictionary_id}"

    def decompress(self, data: bytes, compression: str | None) -> bytes:
        """The raw body of a stored capture."""
        if compression == PLAIN:
            return zlib.decompress(data)
        if compression and compression.startswith(WITH_DICTIONARY):
            dictionary = self._dictionary(int(compression[len(WITH_DICTIONARY):]))
            decompressor = zlib.decompressobj(zdict=dictionary)
            return decompressor.decompress(data) + decompressor.flush()
        return data

    def _dictionary(self, dictionary_id: int) -> bytes:
        if dictionary_id not in self.dictionaries:
            row = self.db.execute(
                "SELECT data FROM capture_dictionaries WHERE id = ?", [dictionary_id]
            ).fetchone()
            if row is None:
                raise ValueError(f"capture dictionary {dictionary_id} is missing")
            self.dictionaries[dictionary_id] = row[0]
        return self.dictionaries[dictionary_id]

    def _dictionary_id(self, language: str) -> int | None:
        """The language's dictionary, made now if enough of its pages are archived, else None."""
        if language in self.ids:
            return self.ids[language]
        row = self.db.execute(
            "SELECT id FROM capture_dictionaries WHERE language = ?", [language]
        ).fetchone()
        if row is None:
            samples = self.db.execute(
                "SELECT c.body FROM captures c JOIN articles a ON a.id = c.article_id"
                " WHERE a.language = ? AND c.compression = ? ORDER BY c.id LIMIT ?",
                [language, PLAIN, DICTIONARY_PAGES],
            ).fetchall()
            if len(samples) < DICTIONARY_PAGES:
                return None
            data = b"".join(zlib.decompress(sample[0]) for sample in samples)
            row = [self.db["capture_dictionaries"].insert(
                {"language": language, "data": data[-DICTIONARY_BYTES:]}).last_pk]
        self.ids[language] = row[0]
        return row[0]
