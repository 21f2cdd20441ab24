"""The article record that extraction produces and the archive stores."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

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
        return sum(len(p.split()) for p in self.body)

    @property
    def fingerprint(self) -> str:
        """Hash over what a reader sees, whitespace-normalised; never over counters or blocks."""
        return content_fingerprint(self.versioned_content())

    def versioned_content(self) -> dict:
        return {name: getattr(self, name) for name in VERSIONED_FIELDS}

    def to_dict(self) -> dict:
        data = asdict(self)
        data["word_count"] = self.word_count
        data["fingerprint"] = self.fingerprint
        return data

    @classmethod
    def from_dict(cls, data: dict) -> ArticleRecord:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})


def normalise(value):
    """Whitespace-normalised strings, also inside lists: what a reader sees is what compares."""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, list):
        return [normalise(v) for v in value]
    return value


def content_fingerprint(content: dict) -> str:
    """Stable SHA-256 of whitespace-normalised content fields."""
    canonical = json.dumps(
        {k: normalise(v) for k, v in sorted(content.items())},
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass
class FetchedPage:
    """What a spider hands to the pipelines: one fetch of one article URL and how it went.

    kind is "page" (a response to extract), "not_modified" (304 to a conditional request),
    "gone" (404, 410 or a redirect away from the article), "failure" (no usable response) or
    "signal" (no fetch of the article: a listing, the feed or the sitemap says it changed;
    `error` holds the reason).
    """

    kind: str
    url: str
    fetched_at: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    article_id: int | None = None
    location: str | None = None  # where a redirect away from the article led
    error: str | None = None
    record: ArticleRecord | None = None
