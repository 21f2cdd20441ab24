"""Field coverage of a crawl run: the share of its archived pages that have each field, per edition,
and the fields that fell far below the archive's recent runs (a silent extraction failure)."""

from __future__ import annotations

from collections import Counter

from storage.records import ArticleRecord

FIELDS = ("title", "lead", "authors", "published", "tags", "cover", "body")
# A body of fewer words than this is taken for a lost body (a header, a caption), not a story.
BODY_WORDS = 30
# Below this many pages a run's shares say too little to be compared.
MIN_PAGES = 5
# A field whose share falls under this fraction of its recent share has silently failed...
FALL_RATIO = 0.5
# ...provided it was common enough in recent runs to be expected.
MIN_USUAL_SHARE = 0.3
HISTORY_RUNS = 10


def fields_present(record: ArticleRecord) -> set[str]:
    """The coverage fields a record has."""
    present = {
        "title": bool(record.title),
        "lead": bool(record.lead),
        "authors": bool(record.authors),
        "published": bool(record.published),
        "tags": bool(record.tags),
        "cover": bool(record.cover_image),
        "body": record.word_count >= BODY_WORDS,
    }
    return {name for name, has in present.items() if has}


class Coverage:
    """Counts, per edition, of the archived pages and of those having each field."""

    def __init__(self) -> None:
        self.pages: Counter[str] = Counter()
        self.hits: dict[str, Counter[str]] = {}

    def add(self, record: ArticleRecord) -> None:
        self.pages[record.language] += 1
        self.hits.setdefault(record.language, Counter()).update(fields_present(record))

    def as_dict(self) -> dict[str, dict]:
        """`{edition: {"pages": N, "fields": {field: share}}}`, shares rounded to 0.001."""
        return {
            edition: {"pages": pages,
                      "fields": {name: round(self.hits[edition][name] / pages, 3)
                                 for name in FIELDS}}
            for edition, pages in sorted(self.pages.items())
        }


def usual_shares(runs: list[dict], edition: str) -> dict[str, float]:
    """The mean share of each field over the recent runs that archived enough pages."""
    samples = []
    for run in runs:
        found = ((run.get("stats") or {}).get("coverage") or {}).get(edition)
        if found and found.get("pages", 0) >= MIN_PAGES:
            samples.append(found["fields"])
        if len(samples) == HISTORY_RUNS:
            break
    if not samples:
        return {}
    return {name: sum(sample.get(name, 0.0) for sample in samples) / len(samples)
            for name in FIELDS}


def fallen_fields(coverage: dict[str, dict], history: list[dict]) -> list[str]:
    """One line per field and edition whose share fell far below the recent runs'."""
    lines = []
    for edition, current in coverage.items():
        if current["pages"] < MIN_PAGES:
            continue
        usual = usual_shares(history, edition)
        for name in FIELDS:
            before, now = usual.get(name), current["fields"][name]
            if before is not None and before >= MIN_USUAL_SHARE and now < FALL_RATIO * before:
                lines.append(f"{name} on {edition}: {now:.0%} of {current['pages']} pages, "
                             f"against {before:.0%} in recent runs")
    return lines
