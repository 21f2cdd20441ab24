"""The article record: what extraction produces, what counts as a new version, how it is stored."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

# The outlet's editions, by language code.
EDITIONS = ("ru", "kk", "en")

# Fields a reader sees: a change in any of them is a new version of the article.
VERSIONED_FIELDS = (
    "title",
    "lead",
    "authors",
    "photo_credits",
    "body",
    "tags",
    "published",
    "modified",
    "section",
    "slug",
    "cover_image",
    "cover_caption",
)

# What a version row keeps: what a reader sees, plus where it was and the other editions.
RECORD_COLUMNS = ("url", *VERSIONED_FIELDS, "translations")
JSON_COLUMNS = ("authors", "photo_credits", "body", "tags", "translations")


@dataclass
class ArticleRecord:
    """One article in one language as it stood when fetched."""

    article_id: int
    language: str  # "ru", "kk" or "en"
    url: str  # canonical URL, absolute
    section: str
    slug: str
    title: str
    lead: str
    authors: list[str] = field(default_factory=list)
    photo_credits: list[str] = field(default_factory=list)
    published: str | None = None  # ISO 8601 with the UTC offset of that date
    modified: str | None = None
    tags: list[str] = field(default_factory=list)
    cover_image: str | None = None
    cover_caption: str | None = None
    body: list[str] = field(default_factory=list)  # paragraphs, photo captions excluded
    translations: list[str] = field(default_factory=list)  # URLs of the other editions
    fetched_at: str | None = None

    @property
    def word_count(self) -> int:
        """Words of the body."""
        return sum(len(p.split()) for p in self.body)

    @property
    def fingerprint(self) -> str:
        """Hash over what a reader sees, whitespace-normalised; never over counters or blocks."""
        return content_fingerprint(self.versioned_content())

    def versioned_content(self) -> dict:
        """The fields whose change makes a new version."""
        return {name: getattr(self, name) for name in VERSIONED_FIELDS}

    def to_dict(self) -> dict:
        """Every field, with the word count and the fingerprint."""
        data = asdict(self)
        data["word_count"] = self.word_count
        data["fingerprint"] = self.fingerprint
        return data


def normalise(value):
    """Whitespace-normalised strings, also inside lists: what a reader sees is what compares."""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, list | tuple):
        return [normalise(v) for v in value]
    return value


def content_fingerprint(content: dict) -> str:
    """Stable SHA-256 of whitespace-normalised content fields, whatever their order."""
    canonical = json.dumps(
        {k: normalise(v) for k, v in content.items()},
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def version_columns(record: dict) -> dict:
    """A record dict's fields as version columns, lists stored as JSON."""
    data = {name: record.get(name) for name in RECORD_COLUMNS}
    for name in JSON_COLUMNS:
        data[name] = json.dumps(data[name] or [], ensure_ascii=False)
    data["word_count"] = record["word_count"]
    return data


def record_from_row(row: dict) -> dict:
    """A version row's record fields as a plain dict, lists decoded."""
    data = {name: row.get(name) for name in RECORD_COLUMNS}
    for name in JSON_COLUMNS:
        data[name] = json.loads(data[name])  # written as JSON, `[]` at least
    return data


def display_columns(record: dict) -> dict:
    """Readable text of a record for the articles table: what datasette shows and searches."""
    return {
        "title": record["title"],  # every record has one: extraction refuses a page without
        "lead": record.get("lead") or "",
        "body": "\n\n".join(record.get("body") or []),
        "authors": ", ".join(record.get("authors") or []),
        "tags": ", ".join(record.get("tags") or []),
    }
