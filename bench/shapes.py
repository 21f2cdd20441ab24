"""Revision timelines shaped unlike the replay's own: developing stories, quick corrections,
a section revised in one hour."""

from __future__ import annotations

import math
from datetime import timedelta
from random import Random

from replay.timeline import BODY_KINDS, BODY_WEIGHTS, DAY, HOUR, Process, Revision, Timeline, synthetic

MINUTE = 60.0
SHAPES = ("replay", "chains", "corrections", "purge")
DESCRIPTIONS = {
    "replay": "the replay's own process (saves under 20 min apart merged)",
    "chains": "plus developing stories: 8% of new articles (16% in novosti and politika) "
              "updated every 40-80 min for 3-24 h",
    "corrections": "plus corrections: 25% of new articles corrected 2-30 min after "
                   "publication, 60% of those again 2-20 min later",
    "purge": "plus a section revised in one hour every 10 days: 30% of its articles over "
             "30 days old edited, 70% stealth",
}


def shaped(shape: str, seed: int, process: Process) -> tuple[Timeline, set[tuple[int, float]]]:
    """The replay's timeline with the shape's edits added, and (article id, time) of the
    edits of a section revised all at once (empty but for `purge`)."""
    if shape not in SHAPES:
        raise ValueError(f"unknown timeline shape {shape!r}: one of {', '.join(SHAPES)}")
    base = synthetic(seed, process)
    if shape == "replay":
        return base, set()
    rng = Random(f"mediawatch-shape:{shape}:{seed}")
    removed = {r.id for r in base.revisions if r.kind in ("removed", "restored")} | base.gone
    added = {"chains": _chains, "corrections": _corrections, "purge": _purge}[shape](
        base, rng, removed, process)
    taken = {(r.id, r.at) for r in base.revisions}
    added = [r for r in added if (r.id, r.at) not in taken and r.at <= base.end]
    timeline = Timeline(base.entries, base.revisions + added, base.start, base.end,
                        base.prior, base.gone)
    bursts = {(r.id, r.at.timestamp()) for r in added} if shape == "purge" else set()
    return timeline, bursts


def _edit(rng: Random, entry, age: float, stealth: float, headline: float = 0.15) -> Revision:
    kind = "headline" if rng.random() < headline else rng.choices(BODY_KINDS, BODY_WEIGHTS)[0]
    return Revision(entry.id, entry.published + timedelta(seconds=round(age)), kind,
                    rng.random() < stealth, entry.published)


def _new_entries(base: Timeline, removed: set[int]):
    return [e for e in sorted(base.entries.values(), key=lambda e: e.id)
            if e.published > base.start and e.id not in removed]


def _chains(base: Timeline, rng: Random, removed: set[int], process: Process) -> list[Revision]:
    """Developing stories: an update every 40-80 minutes for 3 to 24 hours."""
    made = []
    for entry in _new_entries(base, removed):
        share = 0.16 if entry.section in ("novosti", "politika") else 0.08
        if rng.random() >= share:
            continue
        length = math.exp(rng.uniform(math.log(3 * HOUR), math.log(24 * HOUR)))
        age = rng.uniform(40, 80) * MINUTE
        while age <= length:
            made.append(_edit(rng, entry, age, process.stealth_early, headline=0.3))
            age += rng.uniform(40, 80) * MINUTE
    return made


def _corrections(base: Timeline, rng: Random, removed: set[int], process: Process
                 ) -> list[Revision]:
    """A correction minutes after publication, often followed by another minutes later."""
    made = []
    for entry in _new_entries(base, removed):
        if rng.random() >= 0.25:
            continue
        age = math.exp(rng.uniform(math.log(2 * MINUTE), math.log(30 * MINUTE)))
        made.append(_edit(rng, entry, age, process.stealth_early))
        if rng.random() < 0.6:
            age += math.exp(rng.uniform(math.log(2 * MINUTE), math.log(20 * MINUTE)))
            made.append(_edit(rng, entry, age, process.stealth_early))
    return made


def _purge(base: Timeline, rng: Random, removed: set[int], process: Process) -> list[Revision]:
    """Every 10 days (from day 5) one section, drawn at random, has 30% of its articles over
    30 days old edited within one hour."""
    made = []
    sections = sorted({e.section for e in base.entries.values()})
    day = 5
    while day < process.days:
        section = rng.choice(sections)
        start = base.start + timedelta(days=day, hours=rng.uniform(6, 18))
        for entry in sorted(base.entries.values(), key=lambda e: e.id):
            if (entry.section != section or entry.id in removed
                    or (start - entry.published).total_seconds() <= 30 * DAY
                    or rng.random() >= 0.3):
                continue
            at = start + timedelta(seconds=rng.uniform(0, HOUR))
            made.append(_edit(rng, entry, (at - entry.published).total_seconds(),
                              process.stealth_late, headline=0.0))
        day += 10
    return made
