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
    hot: bool = False  # its section is being revised all at once (see `section_hot`)


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
# last seen changed, whichever is later. Newsrooms fix most in the first hours, and an edit is
# often followed by another minutes later (a correction of the correction, a developing story):
# while the article is young, or its last change came while it was young, visits are a minute
# apart for the first hour, then sparser.
FRESH_BANDS: tuple[tuple[int, int], ...] = (
    (HOUR, MINUTE),
    (3 * HOUR, 2 * MINUTE),
    (6 * HOUR, 5 * MINUTE),
    (24 * HOUR, 15 * MINUTE),
    (2 * DAY, HOUR),
    (7 * DAY, 12 * HOUR),
    (30 * DAY, 2 * DAY),
)
# An article changed after its first two days: a late edit is seldom followed by another within
# minutes, so the visits after it are sparser (the bands of the former adaptive policy).
BANDS: tuple[tuple[int, int], ...] = (
    (2 * HOUR, 10 * MINUTE),
    (6 * HOUR, 20 * MINUTE),
    (24 * HOUR, HOUR),
    (2 * DAY, 3 * HOUR),
    (7 * DAY, 12 * HOUR),
    (30 * DAY, 2 * DAY),
)
YOUNG = 2 * DAY  # a change that came this soon after publication counts as a young one
# Older articles: a late edit is seen within a week (a little less, for the revisit job's lag);
# one whose last change came when it was over a month old (revised late once: likelier again),
# sooner.
OLD = int(6.8 * DAY)
OLD_REVISED = 3 * DAY
LATE = 30 * DAY
GOLDEN = 0.6180339887

# A section being revised all at once (retagged, purged): when HEAT_CHANGES changes of its old
# articles (published over HEAT_AGE before) are seen within HEAT_WINDOW, the section is hot. Its
# other old articles are then looked at once each: the sweep starts HEAT_HOLD after the first
# change of the run of such changes that made it hot (`sweep_start`: a visit before an
# article's own edit would see nothing) and takes at most HEAT_RATE requests a second; an
# article seen since the sweep started is not brought forward again. The changed articles are
# not stories in progress, so they are next seen a day later instead of within minutes.
HEAT_AGE = 7 * DAY
HEAT_WINDOW = 2 * HOUR
HEAT_CHANGES = 5
HEAT_HOLD = HOUR
HEAT_RATE = 0.25
PULL_GUARD = DAY
HOT_NEXT = DAY


class AdaptivePolicy:
    """The service's policy: visits a minute apart while an article is fresh or was just
    changed young, sparser as it stays quiet, never less often than weekly; articles known to
    get revised late, more often; a section revised all at once, swept at once (`section_hot`).

    Cheap signals (a listing's or the feed's headline, the sitemap's lastmod) make an article
    due at once on top of this (`signal`).
    """

    name = "adaptive"

    def __init__(self, fresh: tuple[tuple[int, int], ...] = FRESH_BANDS,
                 late: tuple[tuple[int, int], ...] = BANDS, old: int = OLD,
                 old_revised: int = OLD_REVISED, heat: bool = True) -> None:
        self.fresh = fresh
        self.late = late
        self.old = old
        self.old_revised = old_revised
        self.heat = heat  # whether a hot section changes the schedule (see `section_hot`)

    @property
    def shortest(self) -> int:
        """The shortest interval the policy asks for: the revisit job must run at least as
        often for the policy to be followed."""
        return min(every for _, every in (*self.fresh, *self.late))

    def next_visit(self, facts: Facts, at: datetime, outcome: str) -> Visit:
        changed_at = at if outcome == CHANGED else facts.changed_at
        if outcome == NEW and facts.published:
            changed_at = min(facts.published, at)
        quiet = max(0.0, (at - changed_at).total_seconds())
        since = "changed" if facts.revisions or outcome == CHANGED else "published"
        age_at_change = ((changed_at - facts.published).total_seconds()
                         if facts.published else 0.0)
        if self.heat and facts.hot and outcome == CHANGED and age_at_change > HEAT_AGE:
            return Visit(len(self.late), at + timedelta(seconds=HOT_NEXT),
                         f"changed with many old articles of its section: next in "
                         f"{duration(HOT_NEXT)}")
        # Without a publication date an article cannot be told young (a backfill of undated
        # old articles would otherwise be followed minute by minute): the sparser bands.
        young = facts.published is not None and age_at_change <= YOUNG
        bands = self.fresh if young else self.late
        for step, (limit, every) in enumerate(bands):
            if quiet < limit:
                return Visit(step, at + timedelta(seconds=every),
                             f"{since} {duration(quiet)} ago: every {duration(every)}")
        step = len(bands)
        every, why = self.old, f"quiet {duration(quiet)}"
        if facts.published and age_at_change > LATE:
            every, why = self.old_revised, f"revised late, quiet {duration(quiet)}"
        delay = every
        if outcome == NEW:  # a backfilled archive: first visits spread over the interval
            delay = every * (0.05 + 0.95 * (facts.key * GOLDEN % 1))
        return Visit(step, at + timedelta(seconds=delay), f"{why}: every {duration(every)}")


def is_old_change(published: datetime | None, at: datetime) -> bool:
    """Whether a change seen at `at` counts towards its section's heat."""
    return published is not None and (at - published).total_seconds() > HEAT_AGE


def section_hot(recent_old_changes: int) -> bool:
    """Whether a section whose old articles changed this often within HEAT_WINDOW (the change
    just seen included) is being revised all at once."""
    return recent_old_changes >= HEAT_CHANGES


def sweep_start(changes: list[float]) -> float:
    """When a hot section's sweep starts, from the times (POSIX seconds, in order) of the
    changes of its old articles seen within PULL_GUARD: HEAT_HOLD after the first change of
    the latest run of changes less than HEAT_WINDOW apart (the sweep's own finds extend the
    run, so the start stays put while it lasts)."""
    first = len(changes) - 1
    while first > 0 and changes[first] - changes[first - 1] < HEAT_WINDOW:
        first -= 1
    return changes[first] + HEAT_HOLD


def sibling_delay(key: int, siblings: int) -> float:
    """Seconds from the start of a hot section's sweep until one of its old articles is looked
    at: the `siblings` swept together spread evenly (by id) at HEAT_RATE requests a second."""
    return (key * GOLDEN % 1) * siblings / HEAT_RATE


def signal(kind: str, detail: str) -> str:
    """The reason recorded when a cheap signal makes an article due at once."""
    return f"{kind}: {detail}"
