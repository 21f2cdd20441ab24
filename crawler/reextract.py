"""Re-extraction: today's extractor run over the archive's stored captures, nothing fetched."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from crawler.extract import EXTRACTOR_VERSION, ExtractionError, extract
from crawler.outlet_pages import extract_outlet
from outlets import Outlet
from outlets.definition import DefinitionError
from storage.records import RECORD_COLUMNS, VERSIONED_FIELDS, normalise

COMPARED = tuple(dict.fromkeys((*RECORD_COLUMNS, *VERSIONED_FIELDS)))


@dataclass
class Report:
    """What one re-extraction read and changed."""

    pages_read: int = 0
    records_changed: int = 0
    fields_changed: Counter = field(default_factory=Counter)
    unreadable: list[dict] = field(default_factory=list)
    artefacts: list[list[int]] = field(default_factory=list)
    seconds: float = 0.0
    dry_run: bool = False
    extractor: str = EXTRACTOR_VERSION

    def as_dict(self) -> dict:
        data = asdict(self)
        data["fields_changed"] = dict(sorted(self.fields_changed.items()))
        return data

    def text(self) -> str:
        fields = ", ".join(f"{name} {count}" for name, count in sorted(self.fields_changed.items()))
        verb = "would change" if self.dry_run else "changed"
        lines = [f"re-extracted {self.pages_read} stored captures with extractor "
                 f"{self.extractor} in {self.seconds:.1f} s: {self.records_changed} records "
                 f"{verb}" + (f" ({fields})" if fields else ""),
                 f"extraction artefacts (a version reading like the one before it): "
                 f"{len(self.artefacts)}"]
        lines += [f"  article {article_id} version {number}" for article_id, number in
                  self.artefacts[:20]]
        lines += [f"unreadable: version {item['version_id']}: {item['error']}"
                  for item in self.unreadable]
        return "\n".join(lines)


def _read(body: bytes, version: dict, outlets: Callable[[str], Outlet]):
    """A capture read as its outlet's page: the default outlet's, or an added one's."""
    if not version.get("outlet"):
        return extract(body, version["url"], version["fetched_at"])
    return extract_outlet(outlets(version["outlet"]), body, version["url"], version["fetched_at"])


def changed_fields(stored: dict, record: dict) -> list[str]:
    """The record fields whose new reading differs from the stored one."""
    return [name for name in COMPARED if normalise(stored.get(name)) != normalise(record.get(name))]


def reextract(archive, since: str | None = None, article_id: int | None = None,
              dry_run: bool = False, outlets: Callable[[str], Outlet] | None = None) -> Report:
    """Read every stored capture again (those first seen since `since`, or of one article) and
    replace the readings that differ; the old readings stay in the archive with their extractor.
    An added outlet's captures are read by its definition, which `outlets` gives by name (by
    default from the folder beside the archive, `archive.outlets/`).
    """
    started = time.monotonic()
    report = Report(dry_run=dry_run)
    if outlets is None:
        from outlets.store import OutletFolder, default_folder

        outlets = OutletFolder(default_folder(archive.path)).get
    for version in archive.captured_versions(since, article_id):
        capture = archive.capture(version["version_id"])
        if capture is None:
            continue
        report.pages_read += 1
        try:
            record = _read(capture[1], version, outlets)
        except (ExtractionError, DefinitionError) as error:
            report.unreadable.append({"version_id": version["version_id"], "error": str(error)})
            continue
        record.article_id = version["article_id"]
        stored = archive.stored_record(version["version_id"])
        changed = changed_fields(stored, asdict(record))
        if changed:
            report.records_changed += 1
            report.fields_changed.update(changed)
            if not dry_run:
                archive.replace_reading(version["version_id"], record, EXTRACTOR_VERSION)
        elif not dry_run and version["extractor"] != EXTRACTOR_VERSION:
            archive.set_extractor(version["version_id"], EXTRACTOR_VERSION)
    report.artefacts = [list(pair) for pair in archive.artefacts()]
    report.seconds = round(time.monotonic() - started, 3)
    return report
