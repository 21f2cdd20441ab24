"""Exports of the archive: JSON lines and CSV of current versions, WARC of raw captures."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from http import HTTPStatus
from typing import IO

from views.inert import csv_safe
from views.outlet_names import OutletBook

# Headers that describe the transfer, not the page: the capture holds the decoded body.
TRANSFER_HEADERS = ("content-encoding", "transfer-encoding", "content-length")

EXPORT_FIELDS = ("article_id", "outlet", "language", "status", "version", "url", "section", "slug", "title",
                 "lead", "authors", "photo_credits", "tags", "published", "modified",
                 "cover_image", "cover_caption", "first_seen", "last_seen", "removed_at",
                 "word_count", "body", "translations")


def export_record(article: dict) -> dict:
    """The current version of an article as one flat export record."""
    record = article["record"]
    data = {**record, "article_id": article["id"], "outlet": article.get("outlet"),
            "language": article["language"],
            "status": article["status"], "version": article["current_version"],
            "first_seen": article["first_seen"], "last_seen": article["last_seen"],
            "removed_at": article["removed_at"],
            "translations": [e["article_id"] for e in article.get("translations") or []]}
    return {key: data.get(key) for key in EXPORT_FIELDS}


def write_jsonl(records: Iterable[dict], out: IO[str]) -> int:
    count = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def csv_cell(key: str, value: object) -> object:
    """Lists joined by `; `, body paragraphs by blank lines; never a formula (views.inert)."""
    if isinstance(value, list):
        value = ("\n\n" if key == "body" else "; ").join(str(v) for v in value)
    return csv_safe(value)


def write_csv(records: Iterable[dict], out: IO[str]) -> int:
    """One row per article: lists joined by `; ` (body paragraphs by blank lines)."""
    writer = csv.writer(out)
    writer.writerow(EXPORT_FIELDS)
    count = 0
    for record in records:
        writer.writerow([csv_cell(key, record[key]) for key in EXPORT_FIELDS])
        count += 1
    return count


def http_headers(status: int, headers: dict[str, str], length: int):
    """The response's status line and headers as warcio wants them, sized for the stored body."""
    from warcio.statusandheaders import StatusAndHeaders

    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Unknown"
    kept = [(k, v) for k, v in headers.items() if k.lower() not in TRANSFER_HEADERS]
    kept.append(("Content-Length", str(length)))
    return StatusAndHeaders(f"{status} {reason}", kept, protocol="HTTP/1.1")


def write_warc(captures: Iterable[tuple[dict, dict, bytes]], out: IO[bytes], *, gzip: bool,
               filename: str) -> int:
    """Write (capture info, headers, body) triples as WARC `response` records after a warcinfo
    naming the file."""
    from warcio.warcwriter import WARCWriter

    writer = WARCWriter(out, gzip=gzip, warc_version="1.1")
    writer.write_record(writer.create_warcinfo_record(filename, {
        "software": "mediawatch", "format": "WARC File Format 1.1",
        "description": "Raw captures of archived article versions"}))
    count = 0
    for info, headers, body in captures:
        record = writer.create_warc_record(
            info["url"], "response", payload=io.BytesIO(body),  # warcio measures it
            http_headers=http_headers(info["status"], headers, len(body)),
            warc_headers_dict={"WARC-Date": info["fetched_at"]})
        writer.write_record(record)
        count += 1
    return count


def export_archive(archive, fmt: str, out: IO, language: str | None = None,
                   since: str | None = None, excel: bool = False, name: str | None = None,
                   book: OutletBook | None = None, outlets: tuple[str, ...] = ()) -> int:
    """Write the archive (an edition, what was archived since a time, the outlets named) as
    `jsonl` or `csv` (the current version of each article, with its outlet's name; `excel`:
    with a byte-order mark first) or `warc` (every capture; gzipped unless `name` ends in
    .warc); the number of records written. UnknownOutlet for an outlet the book does not know."""
    book = book or OutletBook.of(archive.db)
    stored = book.stored(outlets)
    if fmt == "warc":
        gzip = not (name or "").endswith(".warc")
        return write_warc(export_captures(archive, language, since, stored), out, gzip=gzip,
                          filename=name or "mediawatch.warc.gz")
    if excel:
        out.write("\ufeff")
    writer = write_csv if fmt == "csv" else write_jsonl
    return writer(export_records(archive, language, since, book, stored), out)


def export_records(archive, language: str | None = None, since: str | None = None,
                   book: OutletBook | None = None, outlets: tuple[str | None, ...] = ()):
    """The current version of each article (of an edition, changed since a time, of outlets
    as stored), as dicts."""
    book = book or OutletBook.of(archive.db)
    for article_id in archive.article_ids(language, since, outlets):
        article = archive.article(article_id)
        article["outlet"] = book.get(article.get("outlet")).name
        yield export_record(article)


def export_captures(archive, language: str | None = None, since: str | None = None,
                    outlets: tuple[str | None, ...] = ()):
    """(capture info, headers, body) of every archived version, oldest first."""
    for version_id in archive.version_ids(language, since, outlets):
        headers, body = archive.capture(version_id)
        yield archive.capture_info(version_id), headers, body


