"""How an article record maps to a stored version row and back."""

from __future__ import annotations

import json

from crawler.items import VERSIONED_FIELDS, ArticleRecord

# What a version row keeps: what a reader sees, plus where it was and the other editions.
RECORD_COLUMNS = ("url", *VERSIONED_FIELDS, "translations")
JSON_COLUMNS = ("authors", "photo_credits", "body", "tags", "translations")


def version_columns(record: ArticleRecord) -> dict:
    """The record's fields as version columns, lists stored as JSON."""
    data = {name: getattr(record, name) for name in RECORD_COLUMNS}
    for name in JSON_COLUMNS:
        data[name] = json.dumps(data[name] or [], ensure_ascii=False)
    data["word_count"] = record.word_count
    return data


def record_from_row(row: dict) -> dict:
    """A version row's record fields as a plain dict, lists decoded."""
    data = {name: row.get(name) for name in RECORD_COLUMNS}
    for name in JSON_COLUMNS:
        data[name] = json.loads(data[name]) if data[name] else []
    return data


def display_columns(record: dict) -> dict:
    """Readable text of a record for the articles table: what datasette shows and searches."""
    return {
        "title": record.get("title") or "",
        "lead": record.get("lead") or "",
        "body": "\n\n".join(record.get("body") or []),
        "authors": ", ".join(record.get("authors") or []),
        "tags": ", ".join(record.get("tags") or []),
    }
