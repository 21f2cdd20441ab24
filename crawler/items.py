"""What a spider hands to the pipelines: one fetch of one article URL."""

from __future__ import annotations

from dataclasses import dataclass, field

from storage.records import ArticleRecord


@dataclass
class FetchedPage:
    """What a spider hands to the pipelines: one fetch of one article URL and how it went.

    kind is "page" (a response to extract), "not_modified" (304 to a conditional request),
    "gone" (404, 410 or a redirect away from the article), "failure" (no usable response),
    "suspect" (a page the parser could not read to its end: never archived) or "signal" (no
    fetch of the article: a listing, the feed or the sitemap says it changed; `error` holds the
    reason).
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
