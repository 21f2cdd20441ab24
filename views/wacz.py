"""The WACZ export: captures as WARC with a CDXJ index, pages, the evidence behind them, signed.

Layout (WACZ 1.1.1, specs.webrecorder.net/wacz/1.1.1):

    archive/data.warc.gz      a warcinfo record, then one `response` record per capture
    indexes/index.cdx         CDXJ: SURT key, 14-digit time, JSON with offset and length
    pages/pages.jsonl         one page per capture, with its article, version and log entries
    evidence/records.jsonl    every logged row exported, with the content its digest was taken of
    evidence/log.jsonl        the log from the first exported entry to the head (seq, kind, row,
                              digest), so that a reader can recompute the chain to the head
    datapackage.json          every file's SHA-256 and size; the head under "mediawatch"
    datapackage-digest.json   the SHA-256 of datapackage.json, signed (views.signing)

A capture's WARC-Payload-Digest is `sha256:` and the hex SHA-256 of its bytes: the digest that
docs/evidence.md tells a journalist to cite.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from typing import IO

from views.export import http_headers
from views.signing import fingerprint, public_key_text, sign, signature_holds

WACZ_VERSION = "1.1.1"
WARC_NAME = "data.warc.gz"
STORED = (f"archive/{WARC_NAME}",)  # replay tools read records by range: never compressed


def software() -> str:
    try:
        return f"mediawatch {metadata.version('mediawatch')}"
    except metadata.PackageNotFoundError:
        return "mediawatch"


def surt_key(url: str) -> str:
    """The SURT form of a URL that CDXJ indexes sort and look up by (as pywb and py-wacz)."""
    import surt

    return surt.surt(url)


def timestamp14(stamp: str) -> str:
    """`2024-05-01T10:00:00Z` as the 14 digits of a CDXJ line."""
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(UTC)
    return moment.strftime("%Y%m%d%H%M%S")


def _content_type(headers: dict[str, str]) -> str:
    value = next((v for k, v in headers.items() if k.lower() == "content-type"), "text/html")
    return value.split(";")[0].strip().lower() or "text/html"


@dataclass
class Package:
    """What went into a WACZ: counts, the head it was cut at, the key that signed it."""

    captures: int = 0
    records: int = 0
    head: str | None = None
    first_entry: int | None = None
    public_key: str = ""
    created: str = ""
    pages: list[dict] = field(default_factory=list)

    @property
    def key_fingerprint(self) -> str:
        return fingerprint(self.public_key) if self.public_key else ""


def _write_warc(versions: Iterable[dict], out: IO[bytes], package: Package,
                cdx: list[str], pages: IO[str], records: IO[str]) -> None:
    from warcio.warcwriter import WARCWriter

    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    writer.write_record(writer.create_warcinfo_record(WARC_NAME, {
        "software": software(), "format": "WARC File Format 1.1",
        "description": "Raw captures of archived article versions, with their evidence log"}))
    for item in versions:
        capture, version, body = item["capture"], item["version"], item["body"]
        body_sha256 = hashlib.sha256(body).hexdigest()
        record = writer.create_warc_record(
            capture["url"], "response", payload=io.BytesIO(body), length=len(body),
            http_headers=http_headers(capture["status"], item["headers"], len(body)),
            warc_headers_dict={"WARC-Date": capture["fetched_at"],
                               "WARC-Payload-Digest": f"sha256:{body_sha256}"})
        offset = out.tell()
        writer.write_record(record)
        length = out.tell() - offset
        cdx.append(f"{surt_key(capture['url'])} {timestamp14(capture['fetched_at'])} " + json.dumps({
            "url": capture["url"], "mime": _content_type(item["headers"]),
            "status": str(capture["status"]), "digest": f"sha256:{body_sha256}",
            "length": str(length), "offset": str(offset), "filename": WARC_NAME}))
        entries = {entry["kind"]: entry["seq"] for entry, _ in item["items"]}
        pages.write(json.dumps({
            "id": f"version-{version['id']}", "url": capture["url"], "ts": capture["fetched_at"],
            "title": version["title"] or capture["url"],
            "mediawatch": {"article": version["article_id"], "version": version["number"],
                           "capture_sha256": body_sha256, "capture_entry": entries.get("capture"),
                           "version_entry": entries.get("reading") or entries.get("version")},
        }, ensure_ascii=False) + "\n")
        _write_items(item["items"], records, package)
        package.captures += 1


def _write_items(items: Iterable[tuple[dict, dict]], records: IO[str], package: Package) -> None:
    for entry, content in items:
        records.write(json.dumps({"entry": entry["seq"], "kind": entry["kind"],
                                  "digest": entry["digest"], "content": content},
                                 ensure_ascii=False, sort_keys=True) + "\n")
        package.records += 1
        if package.first_entry is None or entry["seq"] < package.first_entry:
            package.first_entry = entry["seq"]


class _Hashed:
    """A zip member's bytes and SHA-256, for datapackage.json."""

    def __init__(self) -> None:
        self.resources: list[dict] = []

    def add(self, archive: zipfile.ZipFile, path: str, data: bytes | None = None,
            source: str | None = None) -> None:
        compress = zipfile.ZIP_STORED if path in STORED else zipfile.ZIP_DEFLATED
        hasher, size = hashlib.sha256(), 0
        if source is not None:
            with open(source, "rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    hasher.update(chunk)
                    size += len(chunk)
            archive.write(source, path, compress_type=compress)
        else:
            hasher.update(data or b"")
            size = len(data or b"")
            archive.writestr(zipfile.ZipInfo(path, _zip_time()), data or b"", compress_type=compress)
        self.resources.append({"name": os.path.basename(path).lower(), "path": path,
                               "hash": f"sha256:{hasher.hexdigest()}", "bytes": size})


def _zip_time() -> tuple[int, int, int, int, int, int]:
    return tuple(datetime.now(UTC).timetuple()[:6])  # type: ignore[return-value]


def write_wacz(out: IO[bytes], versions: Iterable[dict], events: Iterable[tuple[dict, dict]],
               log_from: Callable[[int], Iterable[tuple[int, str, int, str]]],
               chain_before: Callable[[int], str], head: str, key, title: str,
               selection: dict) -> Package:
    """Write a signed WACZ to `out` (a binary file). `versions` are storage.evidence
    version_package dicts, `events` (entry, content) pairs; `log_from(n)` gives the log's
    entries from entry n to the head and `chain_before(n)` the chain hash before entry n."""
    package = Package(head=head, public_key=public_key_text(key))
    with tempfile.TemporaryDirectory(prefix="mediawatch-wacz-") as folder:
        paths = {name: os.path.join(folder, name) for name in
                 (WARC_NAME, "pages.jsonl", "records.jsonl", "log.jsonl")}
        cdx: list[str] = []
        with open(paths[WARC_NAME], "wb") as warc, \
                open(paths["pages.jsonl"], "w", encoding="utf-8") as pages, \
                open(paths["records.jsonl"], "w", encoding="utf-8") as records:
            pages.write(json.dumps({"format": "json-pages-1.0", "id": "pages", "title": title},
                                   ensure_ascii=False) + "\n")
            _write_warc(versions, warc, package, cdx, pages, records)
            _write_items(events, records, package)
        first = package.first_entry
        with open(paths["log.jsonl"], "w", encoding="ascii") as log:
            for seq, kind, row_id, entry_digest in (log_from(first) if first else ()):
                log.write(json.dumps({"seq": seq, "kind": kind, "row": row_id,
                                      "digest": entry_digest}) + "\n")
        package.created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        hashed = _Hashed()
        with zipfile.ZipFile(out, "w", allowZip64=True) as archive:
            hashed.add(archive, f"archive/{WARC_NAME}", source=paths[WARC_NAME])
            hashed.add(archive, "indexes/index.cdx",
                       "".join(f"{line}\n" for line in sorted(cdx)).encode("utf-8"))
            for name, folder_name in (("pages.jsonl", "pages"), ("records.jsonl", "evidence"),
                                      ("log.jsonl", "evidence")):
                hashed.add(archive, f"{folder_name}/{name}", source=paths[name])
            datapackage = json.dumps({
                "profile": "data-package", "resources": hashed.resources,
                "wacz_version": WACZ_VERSION, "title": title,
                "description": "Article captures archived by mediawatch, with the tamper-evident "
                               "log entries of every capture, version and event they hold.",
                "created": package.created, "software": software(),
                "mediawatch": {"head": head, "first_entry": first,
                               "chain_before_first_entry": chain_before(first) if first else None,
                               "selection": selection,
                               "public_key_sha256": package.key_fingerprint},
            }, ensure_ascii=False, indent=2).encode("utf-8")
            archive.writestr(zipfile.ZipInfo("datapackage.json", _zip_time()), datapackage,
                             compress_type=zipfile.ZIP_DEFLATED)
            package_hash = f"sha256:{hashlib.sha256(datapackage).hexdigest()}"
            digest_file = {"path": "datapackage.json", "hash": package_hash, "signedData": {
                "hash": package_hash, "created": package.created, "software": software(),
                "signature": sign(key, package_hash), "publicKey": package.public_key}}
            archive.writestr(zipfile.ZipInfo("datapackage-digest.json", _zip_time()),
                             json.dumps(digest_file, indent=2).encode("utf-8"),
                             compress_type=zipfile.ZIP_DEFLATED)
    return package


# ---- checking a WACZ (what a reader of the package runs) --------------------------------------

def check_wacz(path: str, public_key: str | None = None) -> tuple[dict, list[str]]:
    """Check a WACZ made by write_wacz: (its datapackage metadata, the problems found).

    The signature and the SHA-256 of every file; each capture's bytes in the WARC against the
    digest its log entry covers; each record's digest; the chain from the first exported entry
    to the head the package names. `public_key` (base64, or its SHA-256 fingerprint) is the key
    the reader expects: the signature must be by it.
    """
    from storage.evidence import digest, link

    problems: list[str] = []
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        datapackage_bytes = archive.read("datapackage.json")
        datapackage = json.loads(datapackage_bytes)
        signed = json.loads(archive.read("datapackage-digest.json"))
        package_hash = f"sha256:{hashlib.sha256(datapackage_bytes).hexdigest()}"
        data = signed.get("signedData") or {}
        if signed.get("hash") != package_hash or data.get("hash") != package_hash:
            problems.append("datapackage.json does not match the hash in datapackage-digest.json")
        if not signature_holds(data.get("publicKey", ""), data.get("hash", ""),
                               data.get("signature", "")):
            problems.append("the signature of datapackage-digest.json does not hold")
        if public_key and public_key not in (data.get("publicKey"),
                                             fingerprint(data.get("publicKey", "") or "")):
            problems.append("the package is signed by another key than the one expected")
        for resource in datapackage.get("resources", []):
            if resource["path"] not in names or (
                    f"sha256:{hashlib.sha256(archive.read(resource['path'])).hexdigest()}"
                    != resource["hash"]):
                problems.append(f"{resource['path']} does not match its hash in datapackage.json")
        payloads = _payload_digests(archive)
        entries = {}
        for line in archive.read("evidence/records.jsonl").decode("utf-8").splitlines():
            record = json.loads(line)
            entries[record["entry"]] = record["digest"]
            if digest(record["content"]) != record["digest"]:
                problems.append(f"record of entry {record['entry']} does not give its digest")
            body = record["content"].get("body_sha256")
            if record["kind"] == "capture" and body not in payloads:
                problems.append(f"the capture of entry {record['entry']} is not in the WARC")
        meta = datapackage.get("mediawatch", {})
        chain, last = meta.get("chain_before_first_entry") or "", None
        for line in archive.read("evidence/log.jsonl").decode("ascii").splitlines():
            logged = json.loads(line)
            seq, kind, row_id, entry_digest = (logged["seq"], logged["kind"], logged["row"],
                                               logged["digest"])
            if entries.pop(seq, entry_digest) != entry_digest:
                problems.append(f"entry {seq} in the log differs from its record")
            chain, last = link(chain, seq, kind, row_id, entry_digest), seq
        if entries:
            problems.append(f"entry {min(entries)} of the records is not in the log")
        if last is not None and meta.get("head") != f"{last}:{chain}":
            problems.append(f"the log does not lead to the head {meta.get('head')}")
    return datapackage, problems


def _payload_digests(archive: zipfile.ZipFile) -> set[str]:
    """The SHA-256 (hex) of every response payload in the package's WARC, read with warcio."""
    from warcio.archiveiterator import ArchiveIterator

    found = set()
    with archive.open(f"archive/{WARC_NAME}") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type == "response":
                found.add(hashlib.sha256(record.content_stream().read()).hexdigest())
    return found
