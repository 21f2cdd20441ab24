"""The crawl service's jobs and revisit policy run in process against the revision timeline."""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left, bisect_right
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from replay.pages import FEED_SIZE, PER_PAGE
from replay.timeline import DAY, HOUR, Timeline
from storage.clock import duration
from storage.revisit import (
    BANDS,
    CHANGED,
    GONE,
    HEAT_AGE,
    HEAT_WINDOW,
    NEW,
    PULL_GUARD,
    UNCHANGED,
    AdaptivePolicy,
    Facts,
    Policy,
    StepPolicy,
    Visit,
    section_hot,
    sibling_delay,
    sweep_start,
)

REVISIT_EVERY = 60.0  # the revisit job's interval (settings.MEDIAWATCH_REVISIT_INTERVAL)
NEW_EVERY = 300.0  # the new-article job's interval (settings.MEDIAWATCH_NEW_INTERVAL)
FORMER_REVISIT_EVERY = 300.0  # the intervals before the policy looked every minute
FORMER_NEW_EVERY = 900.0
EARLY_AGE = 2 * DAY  # an edit this soon after publication is early...
FOLLOW_UP = 2 * HOUR  # ...and so is one this soon after the article's previous edit
PULL_THROTTLE = 600.0  # the simulation re-reads a hot section's articles at most this often
SWEEP_AT = 22 * HOUR  # the daily sweep starts at 22:00 UTC (03:00 in Almaty)
SWEEP_SHARE = 0.5  # share of the polite budget the sweep takes while it runs
BUDGET = 1.0  # requests a second for the whole host (the three editions share it)
EDITIONS = ("ru", "kk", "en")
GOLDEN = 0.6180339887
STEPS = [900, 3600, 10800, 86400, 259200, 604800, 2592000]


class FixedPolicy:
    """Baseline: every article at the same interval, whatever happens."""

    def __init__(self, every: float, name: str) -> None:
        self.every = every
        self.name = name

    def next_visit(self, facts: Facts, at: datetime, outcome: str) -> Visit:
        return Visit(0, at + timedelta(seconds=self.every), f"every {duration(self.every)}")


class NewsDiffsPolicy:
    """Baseline: NewsDiffs' schedule by the time since the article last changed: every 15 min
    for 3 h, every 30 min for a day, every 2 h for a week, daily for a month, then weekly."""

    name = "newsdiffs"
    BANDS = ((3 * HOUR, 900), (DAY, 1800), (7 * DAY, 7200), (30 * DAY, DAY))

    def next_visit(self, facts: Facts, at: datetime, outcome: str) -> Visit:
        changed = at if outcome == CHANGED else facts.changed_at
        quiet = (at - changed).total_seconds()
        every = next((e for limit, e in self.BANDS if quiet < limit), 7 * DAY)
        return Visit(0, at + timedelta(seconds=every), f"every {duration(every)}")


def former_policy() -> AdaptivePolicy:
    """The adaptive policy before it looked every minute: every 10 min for the first 2 hours,
    however young the article, and no hot sections."""
    return AdaptivePolicy(fresh=BANDS, late=BANDS, heat=False)


@dataclass(frozen=True)
class Contender:
    """A policy with the signals it uses and how often the service's jobs run."""

    label: str
    policy: Policy
    signals: bool
    revisit_every: float = REVISIT_EVERY
    new_every: float = NEW_EVERY


def policies() -> list[Contender]:
    """The service's policy, the former one, without signals, and the baselines, each with
    the intervals it ran with."""
    former = dict(revisit_every=FORMER_REVISIT_EVERY, new_every=FORMER_NEW_EVERY)
    return [Contender("service (adaptive + signals)", AdaptivePolicy(), True),
            Contender("former service (10 min while fresh)", former_policy(), True, **former),
            Contender("adaptive, no signals", AdaptivePolicy(), False),
            Contender("NewsDiffs' schedule", NewsDiffsPolicy(), False, **former),
            Contender("the fixed steps", StepPolicy(STEPS), False, **former),
            Contender("everything daily", FixedPolicy(DAY, "daily"), False, **former)]


class Prepared:
    """The timeline as flat arrays, shared by every policy's run."""

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self.start = timeline.start.timestamp()
        self.end = timeline.end.timestamp()
        entries = sorted((e for e in timeline.entries.values() if e.id not in timeline.gone),
                         key=lambda e: (e.published, e.id))
        self.ids = [e.id for e in entries]
        self.pub = [e.published.timestamp() for e in entries]
        self.pub_dt = [_dt(at) for at in self.pub]
        self.edition = [e.language for e in entries]
        self.section = [e.section for e in entries]
        self.month = [e.published.strftime("%Y-%m") for e in entries]
        self.prior = [timeline.prior.get(e.id, (0, e.published)) for e in entries]
        index = {key: i for i, key in enumerate(self.ids)}
        n = len(entries)
        self.rev_at: list[list[float]] = [[] for _ in range(n)]
        self.revs: list[list] = [[] for _ in range(n)]
        self.heads: list[list[int]] = [[0] for _ in range(n)]
        self.gone: list[list[bool]] = [[False] for _ in range(n)]
        lastmods: list[tuple[float, int]] = []
        for revision in timeline.revisions:
            i = index.get(revision.id)
            if i is None:
                continue
            at = revision.at.timestamp()
            self.rev_at[i].append(at)
            self.revs[i].append(revision)
            self.heads[i].append(self.heads[i][-1] + (revision.kind == "headline"))
            self.gone[i].append(revision.kind == "removed" or (
                self.gone[i][-1] and revision.kind != "restored"))
            if not revision.stealth:
                lastmods.append((at, i))
        self.first_new = bisect_right(self.pub, self.start)
        for i in range(self.first_new, n):
            lastmods.append((self.pub[i], i))
        self.lastmods = sorted(lastmods)
        self.by_section: dict[str, list[int]] = {}
        for i in range(n):
            self.by_section.setdefault(self.section[i], []).append(i)
        self.section_pub = {s: [self.pub[i] for i in items]
                            for s, items in self.by_section.items()}
        self.edition_sections = {ed: sorted({self.section[i] for i in range(n)
                                             if self.edition[i] == ed}) for ed in EDITIONS}
        self.months = len(set(self.month))


@dataclass
class Change:
    """One change of the timeline and when a policy's fetch first showed it."""

    article: int
    kind: str
    age: float  # seconds after publication
    at: float
    gap: float  # seconds since the article's previous edit (inf: none)
    delay: float | None  # None: never seen (the next change replaced it first)

    @property
    def edit(self) -> bool:
        return self.kind not in ("removed", "restored")

    @property
    def early(self) -> bool:
        """Within EARLY_AGE of publication or FOLLOW_UP of the article's previous edit."""
        return self.edit and (self.age <= EARLY_AGE or self.gap <= FOLLOW_UP)


def changes_of(data: Prepared, delays: dict[tuple[int, int], float]) -> list[Change]:
    """Every change of the timeline with its delay (keyed by article index and change)."""
    changes = []
    for i, revisions in enumerate(data.revs):
        previous = -math.inf
        for j, revision in enumerate(revisions):
            at = revision.at.timestamp()
            edit = revision.kind not in ("removed", "restored")
            changes.append(Change(data.ids[i], revision.kind, revision.age, at,
                                  at - previous if edit else math.inf, delays.get((i, j))))
            if edit:
                previous = at
    return changes


@dataclass
class Outcome:
    """One policy's run: requests by kind, and each change's delay (None: never captured)."""

    label: str
    days: float
    end: float  # edits after end - 7 days are left out of the figures: they had no week
    requests: Counter = field(default_factory=Counter)
    changes: list[Change] = field(default_factory=list)
    waited: float = 0.0  # longest time an article stayed overdue for lack of budget
    requests_day: float | None = None  # set for schedules that are computed, not simulated

    def per_day(self) -> float:
        if self.requests_day is not None:
            return self.requests_day
        return sum(self.requests.values()) / self.days

    def figures(self, bursts: set[tuple[int, float]] = frozenset()) -> dict:
        """Caught shares and delays of early, late and burst edits (`bursts`: (article id,
        time) of the edits of a section revised all at once), requests a day, budget share."""

        def pct(values: list[float], q: float) -> float | None:
            if not values:
                return None
            values = sorted(values)
            return values[min(len(values) - 1, int(q * len(values)))]

        counted = [c for c in self.changes if c.at <= self.end - 7 * DAY]
        edits = [c for c in counted if c.edit]
        early = [c.delay for c in edits if c.early]
        late = [c.delay for c in edits if c.age > 30 * DAY and not c.early]
        burst = [c.delay for c in edits if (c.article, c.at) in bursts]
        early_delays = [d for d in early if d is not None]
        late_delays = [d for d in late if d is not None]
        burst_delays = [d for d in burst if d is not None]
        removals = [c.delay for c in counted if c.kind == "removed"]
        fetches = self.requests["article"] + self.requests["article_304"]
        return {
            "edits": len(edits),
            "caught": sum(c.delay is not None for c in edits) / max(1, len(edits)),
            "early": len(early),
            "early_caught": len(early_delays) / max(1, len(early)),
            "early_median_min": (pct(early_delays, 0.5) or 0) / 60,
            "early_p90_min": (pct(early_delays, 0.9) or 0) / 60,
            "late": len(late),
            "late_caught": len(late_delays) / max(1, len(late)),
            "late_within_7d": sum(d <= 7 * DAY for d in late_delays) / max(1, len(late)),
            "late_median_h": (pct(late_delays, 0.5) or 0) / 3600,
            "late_p90_h": (pct(late_delays, 0.9) or 0) / 3600,
            "burst": len(burst),
            "burst_within_6h": sum(d <= 6 * HOUR for d in burst_delays) / max(1, len(burst)),
            "burst_median_h": (pct(burst_delays, 0.5) or 0) / 3600,
            "burst_p90_h": (pct(burst_delays, 0.9) or 0) / 3600,
            "removals_caught": sum(d is not None for d in removals) / max(1, len(removals)),
            "requests_day": self.per_day(),
            "article_fetches_day": fetches / self.days,
            "not_modified_share": self.requests["article_304"] / max(1, fetches),
            "budget_share": self.per_day() / (BUDGET * DAY),
            "longest_wait_min": self.waited / 60,
        }


def looking_every(data: Prepared, every: float, label: str) -> Outcome:
    """Every article looked at every `every` seconds from its publication (or the clock's
    start), at a phase of its own, whatever the budget: computed from the change times, not
    simulated. Discovery and the other jobs are not counted."""
    delays: dict[tuple[int, int], float] = {}
    looks = 0.0
    for i, times in enumerate(data.rev_at):
        origin = max(data.pub[i], data.start) + (data.ids[i] * GOLDEN % 1) * every
        looks += max(0.0, data.end - origin) / every
        for j, at in enumerate(times):
            look = origin + max(0, math.ceil((at - origin) / every)) * every
            following = times[j + 1] if j + 1 < len(times) else math.inf
            if look < following and look <= data.end:
                delays[(i, j)] = look - at
    days = (data.end - data.start) / DAY
    return Outcome(label, days, data.end, changes=changes_of(data, delays),
                   requests_day=looks / days)


class Simulation:
    """The service's three jobs on a simulated clock, fetches answered from the timeline.

    Every `new_every` seconds each edition's crawl for new articles reads robots.txt, the
    home page, the feed and the first page of each of its section listings (more pages while
    they hold new articles) and fetches the new articles; with signals it also reads the
    sitemap index and the monthly sitemaps whose lastmod moved. Every `revisit_every` seconds
    (the clock's tick) the revisit crawl fetches the due articles, most overdue first, within
    what is left of one request a second. Once a day the sweep reads every sitemap and listing
    page; it takes half the budget while it runs. A change of an old article may make its
    section hot (storage.revisit.section_hot) when the policy uses that.
    """

    def __init__(self, data: Prepared, policy: Policy, signals: bool,
                 revisit_every: float = REVISIT_EVERY, new_every: float = NEW_EVERY,
                 budget: float = BUDGET, fresh: bool = False) -> None:
        self.data = data
        self.policy = policy
        self.signals = signals
        self.revisit_every = revisit_every
        self.new_every = new_every
        self.budget = budget  # requests a second; inf: no limit, every request at the tick
        self.fresh = fresh  # an empty archive that crawls everything when the clock starts
        n = len(data.ids)
        self.known = [False] * n
        self.k = [0] * n
        self.last_seen = [0.0] * n
        self.changed_at = [at.astimezone(UTC) for _, at in data.prior]
        self.revisions = [count for count, _ in data.prior]
        self.versions = [0] * n
        self.step = [len(STEPS)] * n
        self.due = [math.inf] * n
        self.heap: list[tuple[float, int]] = []
        self.delays: dict[tuple[int, int], float] = {}
        self.requests: Counter = Counter()
        self.waited = 0.0
        self.heat = bool(getattr(policy, "heat", False))
        self.old_changes: dict[str, deque[float]] = {}  # section -> when old articles changed
        self.pulled: dict[str, float] = {}  # section -> when its old articles were last pulled

    # -- the archive -------------------------------------------------------------------------

    def schedule(self, i: int, visit: Visit) -> None:
        self.step[i] = visit.step
        self.set_due(i, visit.due.timestamp())

    def set_due(self, i: int, due: float) -> None:
        self.due[i] = due
        heapq.heappush(self.heap, (due, i))

    def facts(self, i: int, hot: bool = False) -> Facts:
        return Facts(self.data.pub_dt[i], self.changed_at[i], self.revisions[i], self.step[i],
                     self.data.ids[i], hot)

    def heat_after_change(self, i: int, at: float) -> bool:
        """storage.visits.heat_after_change on the simulated archive: whether the article's
        section is hot, and if so its other old articles swept.
        The archive re-runs the pull on every change; here it is re-run at most every
        PULL_THROTTLE seconds (a re-run within the guard moves next to nothing)."""
        data = self.data
        if at - data.pub[i] <= HEAT_AGE:
            return False
        section = data.section[i]
        changes = self.old_changes.setdefault(section, deque())
        changes.append(at)
        while changes[0] < at - PULL_GUARD:
            changes.popleft()
        if not section_hot(len(changes) - bisect_left(changes, at - HEAT_WINDOW)):
            return False
        if at - self.pulled.get(section, -math.inf) >= PULL_THROTTLE:
            self.pulled[section] = at
            sweep = sweep_start(list(changes))
            start = max(at, sweep)
            siblings = [j for j in data.by_section[section]
                        if j != i and self.known[j] and not data.gone[j][self.k[j]]
                        and at - data.pub[j] > HEAT_AGE and self.last_seen[j] < sweep]
            for j in siblings:
                due = start + sibling_delay(data.ids[j], len(siblings))
                if due < self.due[j]:
                    self.set_due(j, due)
        return True

    def fetch(self, i: int, at: float) -> None:
        """One request for the article at `at`: what the archive then records and plans."""
        data = self.data
        k = bisect_right(data.rev_at[i], at)
        first = not self.known[i]
        if k > self.k[i]:
            self.delays[(i, k - 1)] = at - data.rev_at[i][k - 1]
        changed = k > self.k[i] and not first
        gone = data.gone[i][k]
        if first:
            outcome = NEW
        elif gone:
            outcome = GONE
        elif changed and data.heads[i][k] == data.heads[i][self.k[i]] and all(
                r.kind in ("removed", "restored") for r in data.revs[i][self.k[i]:k]):
            outcome = UNCHANGED  # removed and restored again between two visits
        else:
            outcome = CHANGED if changed else UNCHANGED
        self.requests["article" if outcome != UNCHANGED else "article_304"] += 1
        self.known[i] = True
        self.k[i] = k
        self.last_seen[i] = at
        moment = _dt(at)
        hot = outcome == CHANGED and self.heat and self.heat_after_change(i, at)
        self.schedule(i, self.policy.next_visit(self.facts(i, hot), moment, outcome))
        if outcome == CHANGED:
            self.changed_at[i] = moment
            self.revisions[i] += 1
            self.versions[i] += 1
        elif outcome == NEW:
            self.versions[i] = 1

    def mark_due(self, i: int, at: float) -> None:
        if self.known[i] and self.due[i] > at:
            self.set_due(i, at)

    def headline_differs(self, i: int, at: float) -> bool:
        data = self.data
        return data.heads[i][bisect_right(data.rev_at[i], at)] != data.heads[i][self.k[i]]

    # -- the jobs ----------------------------------------------------------------------------

    def start(self) -> None:
        """The archive as the running service has it when the clock starts: every article
        published before, each with a next visit somewhere within its current interval (or,
        `fresh`, each fetched for the first time at the start)."""
        data = self.data
        at = _dt(data.start)
        for i in range(data.first_new):
            if self.fresh:
                self.fetch(i, data.start)
                continue
            self.known[i] = True
            self.last_seen[i] = data.start
            visit = self.policy.next_visit(self.facts(i), at, UNCHANGED)
            spread = (data.ids[i] * GOLDEN) % 1
            self.step[i] = visit.step
            self.set_due(i, data.start + (visit.due - at).total_seconds() * spread)

    def new_job(self, at: float, since: float, lastmod_from: int) -> tuple[float, int]:
        """Every edition's crawl for new articles; returns the seconds used and the next
        position in the lastmod events."""
        data = self.data
        used = 0
        spacing = 0.0 if math.isinf(self.budget) else 1 / self.budget
        for edition in EDITIONS:
            sections = data.edition_sections[edition]
            used += 3  # robots.txt, home page, feed
            for section in sections:
                pubs = data.section_pub[section]
                fresh = bisect_right(pubs, at) - bisect_right(pubs, since)
                used += max(1, math.ceil((fresh + 1) / PER_PAGE))
            for i in self.published_between(since, at, edition):
                self.fetch(i, at + used * spacing)
                used += 1
        if self.signals:
            lastmod_to = bisect_right(data.lastmods, (at, math.inf))
            months = set()
            for moment, i in data.lastmods[lastmod_from:lastmod_to]:
                months.add((data.edition[i], data.month[i]))
                if moment > self.last_seen[i]:
                    self.mark_due(i, at)
            used += 3 + len(months)  # each edition's sitemap index, the months that moved
            lastmod_from = lastmod_to
            for edition in EDITIONS:
                for section in data.edition_sections[edition]:
                    items = data.by_section[section]
                    top = bisect_right(data.section_pub[section], at)
                    for i in items[max(0, top - PER_PAGE):top]:
                        if self.headline_differs(i, at):
                            self.mark_due(i, at)
            newest = bisect_right(data.pub, at)
            for i in range(max(0, newest - FEED_SIZE), newest):
                if self.headline_differs(i, at):
                    self.mark_due(i, at)
        self.requests["discovery"] += used - (bisect_right(data.pub, at)
                                              - bisect_right(data.pub, since))
        return used, lastmod_from

    def published_between(self, since: float, at: float, edition: str) -> list[int]:
        data = self.data
        return [i for i in range(bisect_right(data.pub, since), bisect_right(data.pub, at))
                if data.edition[i] == edition]

    def sweep(self, at: float) -> int:
        """The daily sweep's requests; with signals, every headline and lastmod it shows."""
        data = self.data
        pages = sum(math.ceil(bisect_right(data.section_pub[s], at) / PER_PAGE)
                    for s in data.by_section)
        if self.signals:
            top = bisect_right(data.pub, at)
            for i in range(top):
                if not self.known[i]:
                    continue
                k = bisect_right(data.rev_at[i], at)
                if data.heads[i][k] != data.heads[i][self.k[i]]:
                    self.mark_due(i, at)
                elif k > self.k[i] and any(not r.stealth for r in data.revs[i][self.k[i]:k]):
                    self.mark_due(i, at)
        return 3 * (2 + data.months) + pages

    def revisit_job(self, at: float, budget: float) -> int:
        """Fetch due articles, most overdue first, while the budget lasts."""
        used = 0
        spacing = 0.0 if math.isinf(self.budget) else 1 / self.budget
        while self.heap and self.heap[0][0] <= at and used < budget:
            due, i = heapq.heappop(self.heap)
            if due != self.due[i]:
                continue
            self.due[i] = math.inf
            self.waited = max(self.waited, at - due)
            self.fetch(i, at + used * spacing)
            used += 1
        if used:
            self.requests["robots"] += 3
        return used

    def run(self, label: str) -> Outcome:
        data = self.data
        self.start()
        at = data.start
        last_new = data.start
        lastmod_from = bisect_right(data.lastmods, (data.start, math.inf))
        sweep_left = 0
        next_sweep = data.start - data.start % DAY + SWEEP_AT
        while at < data.end:
            at += self.revisit_every
            budget = self.revisit_every * self.budget
            if at - last_new >= self.new_every:
                used, lastmod_from = self.new_job(at, last_new, lastmod_from)
                budget -= used
                last_new = at
            if at >= next_sweep:
                sweep_left += self.sweep(at)
                next_sweep += DAY
            if sweep_left:
                taken = min(sweep_left, int(min(budget, self.revisit_every * SWEEP_SHARE)))
                self.requests["sweep"] += taken
                sweep_left -= taken
                budget -= taken
            self.revisit_job(at, budget)
        return Outcome(label, (data.end - data.start) / DAY, data.end, self.requests,
                       changes_of(data, self.delays), waited=self.waited)


def _dt(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def simulate(timeline: Timeline, chosen: list[Contender] | None = None) -> list[Outcome]:
    """Every policy over the same timeline."""
    data = Prepared(timeline)
    return [Simulation(data, c.policy, c.signals, c.revisit_every, c.new_every).run(c.label)
            for c in (chosen or policies())]
