"""The revisit policy: when an archived article is next fetched, and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple, Protocol

from storage.clock import duration

MINUTE = 60
HOUR = 3600
DAY = 86400

# Outcomes of a visit, as the archive records them.
NEW = "new"
CHANGED = "changed"
UNCHANGED = "unchanged"
GONE = "gone"


@dataclass(frozen=True)
class Facts:
    """What the archive knows of an article when it plans the next visit."""

    published: datetime | None
    changed_at: datetime  # when a change (or the article itself) was last seen
    revisions: int = 0  # changes seen since the first version
    step: int = 0  # where the article stands on the policy's schedule
    key: int = 0  # the article id: spreads first visits of old articles over the week


class Visit(NamedTuple):
    """The next visit: its step on the schedule, its time and the reason, in words."""

    step: int
    due: datetime
    reason: str


class Policy(Protocol):
    name: str

    def next_visit(self, facts: Facts, at: datetime, outcome: str) -> Visit: ...


class StepPolicy:
    """Fixed steps: `steps[step]` after the last visit; a change goes back to step 0, any other
    visit one step on; after the last step the last delay repeats."""

    name = "steps"

    def __init__(self, steps: list[int]) -> None:
        if not steps:
            raise ValueError("the revisit steps are empty")
        self.steps = list(steps)

    def next_visit(self, facts: Facts, at: datetime, outcome: str) -> Visit:
        step = 0 if outcome in (NEW, CHANGED) else min(facts.step + 1, len(self.steps) - 1)
        start = facts.published if outcome == NEW and facts.published else at
        delay = self.steps[step]
        return Visit(step, start + timedelta(seconds=delay),
                     f"step {step} of the fixed steps: {duration(delay)} after the last visit")


# (quiet for less than, revisit every): quiet is the time since the article was published or
# last seen changed, whichever is later. Newsrooms fix most in the first hours; an edit is often
# followed by another.
BANDS: tuple[tuple[int, int], ...] = (
    (2 * HOUR, 10 * MINUTE),
    (6 * HOUR, 20 * MINUTE),
    (24 * HOUR, HOUR),
    (2 * DAY, 3 * HOUR),
    (7 * DAY, 12 * HOUR),
    (30 * DAY, 2 * DAY),
)
# Older articles: a late edit is seen within a week (a little less, for the revisit job's lag);
# one whose last change came when it was over a month old (revised late once: likelier again),
# sooner.
OLD = int(6.8 * DAY)
OLD_REVISED = 3 * DAY
LATE = 30 * DAY
GOLDEN = 0.6180339887


class AdaptivePolicy:
    """The service's policy: dense visits while an article is fresh or was just changed, then
    sparser, never less often than weekly; articles known to get revised more, more often.

    Cheap signals (a listing's or the feed's headline, the sitemap's lastmod) make an article
    due at once on top of this (`signal`).
    """

    name = "adaptive"

    def __init__(self, bands: tuple[tuple[int, int], ...] = BANDS, old: int = OLD,
                 old_revised: int = OLD_REVISED) -> None:
        self.bands = bands
        self.old = old
        self.old_revised = old_revised

    def next_visit(self, facts: Facts, at: datetime, outcome: str) -> Visit:
        changed_at = at if outcome == CHANGED else facts.changed_at
        if outcome == NEW and facts.published:
            changed_at = min(facts.published, at)
        quiet = max(0.0, (at - changed_at).total_seconds())
        since = "changed" if facts.revisions or outcome == CHANGED else "published"
        for step, (limit, every) in enumerate(self.bands):
            if quiet < limit:
                return Visit(step, at + timedelta(seconds=every),
                             f"{since} {duration(quiet)} ago: every {duration(every)}")
        step = len(self.bands)
        every, why = self.old, f"quiet {duration(quiet)}"
        if facts.published and (changed_at - facts.published).total_seconds() > LATE:
            every, why = self.old_revised, f"revised late, quiet {duration(quiet)}"
        delay = every
        if outcome == NEW:  # a backfilled archive: first visits spread over the interval
            delay = every * (0.05 + 0.95 * (facts.key * GOLDEN % 1))
        return Visit(step, at + timedelta(seconds=delay), f"{why}: every {duration(every)}")


def signal(kind: str, detail: str) -> str:
    """The reason recorded when a cheap signal makes an article due at once."""
    return f"{kind}: {detail}"
