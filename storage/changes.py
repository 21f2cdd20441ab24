"""Classify what changed between two versions of an article record."""

from __future__ import annotations

from difflib import SequenceMatcher

from crawler.items import normalise

# Every kind, in the order they are reported.
KINDS = (
    "headline",
    "byline",
    "moved",
    "lead",
    "typo",
    "rewrite",
    "paragraph_added",
    "paragraph_removed",
    "tags",
    "cover",
    "dates",
)
EVENT_KINDS = ("new", "removed", "restored")

FIELD_KINDS = {
    "title": "headline",
    "authors": "byline",
    "photo_credits": "byline",
    "section": "moved",
    "slug": "moved",
    "lead": "lead",
    "tags": "tags",
    "cover_image": "cover",
    "cover_caption": "cover",
    "published": "dates",
}

TYPO_MAX_CHARS = 3
TYPO_MIN_SIMILARITY = 0.97
LONG_PARAGRAPH = 5000  # characters; longer paragraphs are compared word by word



def _is_typo(old: str, new: str) -> bool:
    """A tiny edit: a few characters, or a very high similarity for a long paragraph."""
    if max(len(old), len(new)) > LONG_PARAGRAPH:
        a, b = old.split(), new.split()
    else:
        a, b = old, new
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    edited = sum(
        max(i2 - i1, j2 - j1)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    )
    return edited <= TYPO_MAX_CHARS or matcher.ratio() >= TYPO_MIN_SIMILARITY


def body_changes(old: list[str], new: list[str]) -> set[str]:
    """Kinds of change between two lists of paragraphs."""
    old, new = normalise(old), normalise(new)
    if old == new:
        return set()
    kinds: set[str] = set()
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "insert":
            kinds.add("paragraph_added")
        elif tag == "delete":
            kinds.add("paragraph_removed")
        elif tag == "replace":
            for a, b in zip(old[i1:i2], new[j1:j2], strict=False):
                kinds.add("typo" if _is_typo(a, b) else "rewrite")
            if i2 - i1 < j2 - j1:
                kinds.add("paragraph_added")
            elif i2 - i1 > j2 - j1:
                kinds.add("paragraph_removed")
    return kinds


def classify(previous: dict, new: dict) -> list[str]:
    """Kinds of change from one record dict to the next; empty when a reader sees no change.

    A change of the modification date alone is reported as `dates`; alongside another change
    it is only the consequence of that edit and is not reported.
    """
    kinds: set[str] = set()
    for name, kind in FIELD_KINDS.items():
        if normalise(previous.get(name)) != normalise(new.get(name)):
            kinds.add(kind)
    kinds |= body_changes(previous.get("body") or [], new.get("body") or [])
    if not kinds and normalise(previous.get("modified")) != normalise(new.get("modified")):
        kinds.add("dates")
    return [kind for kind in KINDS if kind in kinds]
