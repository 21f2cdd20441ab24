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


# Fields of an added outlet's article compared with the replay's truth: what the generic path
# reads (the body is scored by F1).
OUTLET_FIELDS = ("language", "title", "published", "lead", "authors")


def body_f1(expected: list[str], found: list[str]) -> float:
    """Word-bag F1 of an extracted body against the true one."""
    truth, read = Counter(" ".join(expected).split()), Counter(" ".join(found).split())
    common = sum((truth & read).values())
    if not common:
        return 0.0
    precision, recall = common / sum(read.values()), common / sum(truth.values())
    return 2 * precision * recall / (precision + recall)


@dataclass
class OutletScore:
    """An added outlet's archive against the manifest of its replay."""

    expected: int = 0
    found: int = 0
    missing: list = field(default_factory=list)
    field_hits: Counter = field(default_factory=Counter)
    mismatches: list = field(default_factory=list)
    f1: list[float] = field(default_factory=list)
    links_expected: int = 0
    links_found: int = 0

    def accuracy(self, name: str) -> float:
        return self.field_hits[name] / self.found if self.found else 0.0

    @property
    def mean_f1(self) -> float:
        return sum(self.f1) / len(self.f1) if self.f1 else 0.0


def score_outlet(db: str, manifest: dict, outlet: str) -> OutletScore:
    """Compare every live article of an outlet's manifest (keys: ids or URLs) with the
    archive's current version of it, found through the outlet's keys."""
    from storage.outlets import known_id

    live = {str(a["key"]): a for a in manifest["articles"] if a["status"] == 200}
    score = OutletScore(expected=len(live))
    ids: dict[str, int] = {}
    with Archive(db) as archive:
        for key, expected in sorted(live.items()):
            article_id = known_id(archive.db, outlet, key)
            article = archive.article(article_id) if article_id else None
            if article is None or article.get("record") is None:
                score.missing.append(key)
                continue
            ids[expected["url"]] = article_id
            score.found += 1
            record = {**article["record"], "language": article.get("language")}
            for name in OUTLET_FIELDS:
                if normalise(record.get(name)) == normalise(expected.get(name)):
                    score.field_hits[name] += 1
                else:
                    score.mismatches.append((key, name, expected.get(name), record.get(name)))
            score.f1.append(body_f1(expected["body"], record.get("body") or []))
        for expected in live.values():
            if not expected.get("translations_linked") or expected["url"] not in ids:
                continue
            linked = {t["article_id"] for t in archive.translations(ids[expected["url"]])}
            for other in expected["translations"]:
                if other in ids:
                    score.links_expected += 1
                    score.links_found += ids[other] in linked
    return score
