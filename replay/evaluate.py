"""Scores an archive against the replay's manifest: what was found, and each field's accuracy."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from storage.archive import Archive
from storage.records import normalise

# Manifest field -> how the archived record spells it.
COMPARED_FIELDS = ("language", "section", "slug", "title", "lead", "authors", "photo_credits",
                   "published", "modified", "tags", "body", "cover_image", "cover_caption")


@dataclass
class Score:
    """The outcome of comparing an archive with the manifest."""

    expected: int = 0
    found: int = 0
    missing: list[int] = field(default_factory=list)
    extra: list[int] = field(default_factory=list)
    field_hits: Counter = field(default_factory=Counter)
    mismatches: list[tuple[int, str, object, object]] = field(default_factory=list)
    translations_missing: list[tuple[int, int]] = field(default_factory=list)

    def accuracy(self, name: str) -> float:
        return self.field_hits[name] / self.found if self.found else 0.0

    def table(self) -> str:
        lines = [f"articles expected {self.expected}, found {self.found}, "
                 f"missing {len(self.missing)}, extra {len(self.extra)}"]
        lines += [f"  {name:<14} {100 * self.accuracy(name):6.2f}%" for name in COMPARED_FIELDS]
        return "\n".join(lines)



def score_archive(db: str, manifest: dict, languages: tuple[str, ...] = ("ru", "kk", "en")) -> Score:
    """Compare every live article of the manifest with the archive's current version of it."""
    live = {a["id"]: a for a in manifest["articles"]
            if a["status"] == 200 and a["language"] in languages}
    score = Score(expected=len(live))
    with Archive(db) as archive:
        archived = {aid for lang in languages for aid in archive.known_ids(lang)}
        score.extra = sorted(archived - set(live))
        for article_id, expected in sorted(live.items()):
            article = archive.article(article_id)
            if article is None or article.get("record") is None:
                score.missing.append(article_id)
                continue
            score.found += 1
            record = {**article["record"], "language": article.get("language")}
            for name in COMPARED_FIELDS:
                if normalise(record.get(name)) == normalise(expected.get(name)):
                    score.field_hits[name] += 1
                else:
                    score.mismatches.append((article_id, name, expected.get(name),
                                             record.get(name)))
            linked = {t["article_id"] for t in article.get("translations") or []}
            for other in expected.get("translations") or []:
                if other in live and other not in linked:
                    score.translations_missing.append((article_id, other))
    return score
