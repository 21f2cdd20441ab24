"""The revision timeline: when each article is published, edited, removed and restored."""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import cached_property
from random import Random

from crawler.dates import kazakhstan_offset
from replay.corpus import (
    EDITION_SECTIONS,
    EPOCH_START,
    RU_SECTION_WEIGHTS,
    RU_SECTIONS,
    Article,
    State,
    _Builder,
    _edit,
    iso,
    local_time,
)

START = local_time(EPOCH_START).astimezone(UTC)  # the clock's first moment


def _almaty(moment: datetime) -> datetime:
    """The moment in Almaty time, as the site writes its dates."""
    return moment.astimezone(kazakhstan_offset(moment.astimezone(UTC).replace(tzinfo=None)))
BODY_KINDS = ("typo", "rewrite", "paragraph_added", "paragraph_removed", "byline")
BODY_WEIGHTS = (4, 3, 2, 1, 1)
HOUR = 3600.0
DAY = 86400.0


@dataclass(frozen=True)
class Process:
    """The assumptions of the revision process; every rate is an expected count per article.

    An article is edit-prone (a running story, a piece that draws complaints) with a share that
    depends on its section; an edit-prone article gets `prone_factor` times as many edits of
    every kind. Edits fall in three bands of age: hours (log-normal around
    `early_median_hours`, within 48 hours), days (log-uniform from 2 to 30 days) and months
    (log-uniform from 30 days to 5 years). Saves of one article less than `merge_minutes`
    apart count as one edit.
    """

    archive: int = 60_000
    days: float = 90
    new_per_day: tuple[tuple[str, float], ...] = (("ru", 40.0), ("kk", 12.0), ("en", 12.0))
    prone_share: tuple[tuple[str, float], ...] = (("novosti", 0.3), ("politika", 0.3))
    prone_default: float = 0.15
    prone_factor: float = 5.0
    early: float = 0.5
    days_later: float = 0.1
    late: float = 0.15
    early_median_hours: float = 1.5
    stealth_early: float = 0.5
    stealth_late: float = 0.7
    headline_share: float = 0.15
    removed_share: float = 0.005
    restored_share: float = 0.3
    merge_minutes: float = 20.0

    def prone(self, section: str) -> float:
        return dict(self.prone_share).get(section, self.prone_default)


@dataclass(frozen=True, slots=True)
class Entry:
    """One article of the timeline: id, edition, section and publication time (UTC)."""

    id: int
    language: str
    section: str
    published: datetime


@dataclass(frozen=True, slots=True)
class Revision:
    """One change on the site: an edit (`kind` a content kind), `removed` or `restored`.

    `stealth` edits leave `article:modified_time` and the sitemap's lastmod as they were.
    """

    id: int
    at: datetime
    kind: str
    stealth: bool = False
    published: datetime | None = None

    @property
    def age(self) -> float:
        """Seconds between the article's publication and this change."""
        return (self.at - self.published).total_seconds() if self.published else 0.0

    def to_dict(self) -> dict:
        return {"id": self.id, "at": iso(self.at), "kind": self.kind, "stealth": self.stealth,
                "published": iso(self.published)}


def _poisson(rng: Random, mean: float) -> int:
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _log_uniform(rng: Random, low: float, high: float) -> float:
    return math.exp(rng.uniform(math.log(low), math.log(high)))


def revisions_for(entry: Entry, seed: int, process: Process) -> list[Revision]:
    """Every change of the article's life, in time order, drawn from its own random stream."""
    rng = Random(f"mediawatch-timeline:{seed}:{entry.id}")
    factor = process.prone_factor if rng.random() < process.prone(entry.section) else 1.0
    ages: list[tuple[float, bool]] = []  # (seconds after publication, stealth)
    median = math.log(process.early_median_hours * HOUR)
    for _ in range(_poisson(rng, process.early * factor)):
        age = min(math.exp(rng.gauss(median, 1.0)), 47.9 * HOUR)
        ages.append((age, rng.random() < process.stealth_early))
    for _ in range(_poisson(rng, process.days_later * factor)):
        ages.append((_log_uniform(rng, 2 * DAY, 30 * DAY), rng.random() < process.stealth_early))
    for _ in range(_poisson(rng, process.late * factor)):
        ages.append((_log_uniform(rng, 30 * DAY, 5 * 365 * DAY),
                     rng.random() < process.stealth_late))
    removed_at = restored_at = None
    if rng.random() < process.removed_share:
        removed_at = math.exp(rng.gauss(math.log(12 * HOUR), 2.0))
        if rng.random() < process.restored_share:
            restored_at = removed_at + math.exp(rng.gauss(math.log(6 * HOUR), 1.0))
    kinds = [rng.random() < process.headline_share for _ in ages]
    picks = [rng.choices(BODY_KINDS, BODY_WEIGHTS)[0] for _ in ages]

    made: list[Revision] = []
    last = -math.inf
    ordered = sorted(zip(ages, kinds, picks, strict=True))
    for (age, stealth), headline, pick in ordered:
        if age - last < process.merge_minutes * 60:
            continue
        if removed_at is not None and removed_at <= age and (restored_at is None
                                                              or age < restored_at):
            continue
        last = age
        made.append(_revision(entry, age, "headline" if headline else pick, stealth))
    if removed_at is not None:
        made.append(_revision(entry, removed_at, "removed", False))
        if restored_at is not None:
            made.append(_revision(entry, restored_at, "restored", False))
    return sorted(made, key=lambda r: r.at)


def _revision(entry: Entry, age: float, kind: str, stealth: bool) -> Revision:
    return Revision(entry.id, entry.published + timedelta(seconds=round(age)), kind, stealth,
                    entry.published)


def plan_new(rng: Random, start: datetime, process: Process) -> list[tuple[datetime, str]]:
    """(publication time, edition) of every article published on the clock, in time order.

    Most appear in office hours, Almaty time (UTC+5); a tenth at any hour.
    """
    planned = []
    for day in range(math.ceil(process.days)):
        midnight = start.replace(hour=0, minute=0, second=0) + timedelta(days=day, hours=-5)
        for language, per_day in process.new_per_day:
            for _ in range(_poisson(rng, per_day)):
                hours = rng.uniform(0, 24) if rng.random() < 0.1 else rng.uniform(8, 21)
                moment = midnight + timedelta(hours=hours)
                if start < moment <= start + timedelta(days=process.days):
                    planned.append((moment.replace(microsecond=0), language))
    return sorted(planned)


def _section(rng: Random, language: str) -> str:
    if language == "ru":
        return rng.choices(RU_SECTIONS, RU_SECTION_WEIGHTS)[0]
    return EDITION_SECTIONS[language][0]


@dataclass
class Timeline:
    """Articles (those already archived and those published on the clock) and their changes."""

    entries: dict[int, Entry]
    revisions: list[Revision]
    start: datetime
    end: datetime
    # article id -> (edits before the clock started, when the last of them was)
    prior: dict[int, tuple[int, datetime]] = field(default_factory=dict)
    gone: set[int] = field(default_factory=set)  # removed before the clock started, for good
    by_article: dict[int, list[Revision]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.revisions.sort(key=lambda r: (r.at, r.id))
        for revision in self.revisions:
            self.by_article.setdefault(revision.id, []).append(revision)

    @cached_property
    def times(self) -> dict[int, list[datetime]]:
        """Article id -> the times of its changes, for bisecting."""
        return {key: [r.at for r in items] for key, items in self.by_article.items()}

    def count_at(self, article_id: int, moment: datetime) -> int:
        """How many of the article's changes have happened by `moment`."""
        return bisect_right(self.times.get(article_id, []), moment)

    def until(self, moment: datetime) -> list[Revision]:
        return self.revisions[: bisect_right([r.at for r in self.revisions], moment)]


def synthetic(seed: int = 1, process: Process | None = None) -> Timeline:
    """A timeline without page text, for the long simulation: `process.archive` articles
    published over the five years before the clock starts, then the new ones."""
    process = process or Process()
    rng = Random(f"mediawatch-timeline:{seed}:articles")
    entries: dict[int, Entry] = {}
    span = 5 * 365 * DAY
    next_id = 10_000
    shares = (("ru", 0.65), ("kk", 0.17), ("en", 0.18))
    for number in range(process.archive):
        published = START - timedelta(seconds=span * (1 - number / process.archive))
        language = rng.choices([s[0] for s in shares], [s[1] for s in shares])[0]
        entries[next_id] = Entry(next_id, language, _section(rng, language),
                                 published.replace(microsecond=0))
        next_id += rng.choice((1, 1, 2))
    for published, language in plan_new(rng, START, process):
        entries[next_id] = Entry(next_id, language, _section(rng, language), published)
        next_id += rng.choice((1, 1, 2))
    return _timeline(entries, seed, process)


def _timeline(entries: dict[int, Entry], seed: int, process: Process,
              excluded: frozenset[int] = frozenset()) -> Timeline:
    end = START + timedelta(days=process.days)
    revisions: list[Revision] = []
    prior: dict[int, tuple[int, datetime]] = {}
    gone: set[int] = set()
    for key, entry in entries.items():
        if key in excluded:
            continue
        for revision in revisions_for(entry, seed, process):
            if START < revision.at <= end and key not in gone:
                revisions.append(revision)
            elif revision.at <= START and revision.kind == "removed":
                gone.add(key)
            elif revision.at <= START and revision.kind == "restored":
                gone.discard(key)
            elif revision.at <= START:
                prior[key] = (prior.get(key, (0, None))[0] + 1, revision.at)
    return Timeline(entries, revisions, START, end, prior, gone)


class ClockedSite:
    """The replayed site on the simulated clock: the epoch-0 corpus, the articles published
    after it, each with the changes the timeline gives it up to the clock's time."""

    def __init__(self, initial: State, seed: int, process: Process) -> None:
        self.initial = initial
        self.seed = seed
        rng = Random(f"mediawatch-timeline:{seed}:articles")
        builder = _Builder(initial.next_id, initial.next_story)
        self.base: dict[int, Article] = dict(initial.articles)
        for published, language in plan_new(rng, START, process):
            article = builder.story(rng, (language,), _almaty(published),
                                    links=True)[0]
            self.base[article.id] = article
        entries = {a.id: Entry(a.id, a.language, a.section, a.published.astimezone(UTC))
                   for a in self.base.values()}
        gone = frozenset(key for key, a in initial.articles.items() if a.status != 200)
        self.timeline = _timeline(entries, seed, process, initial.protected | gone)
        self.timeline.gone |= gone
        self.next_id, self.next_story = builder.next_id, builder.next_story
        self._versions: dict[int, list[Article]] = {}
        self._states: dict[datetime, State] = {}

    def article_at(self, article_id: int, moment: datetime) -> Article:
        """The article after every change it had by `moment`."""
        count = self.timeline.count_at(article_id, moment)
        versions = self._versions.setdefault(article_id, [self.base[article_id]])
        changes = self.timeline.by_article.get(article_id, [])
        while len(versions) <= count:
            versions.append(self._apply(versions[-1], changes[len(versions) - 1],
                                        len(versions)))
        return versions[count]

    def _apply(self, article: Article, change: Revision, number: int) -> Article:
        if change.kind == "removed":
            return replace(article, status=(404, 410, 302)[number % 3])
        if change.kind == "restored":
            return replace(article, status=200)
        kind = change.kind
        if kind == "paragraph_removed" and len(article.body()) < 3:
            kind = "paragraph_added"
        edited = _edit(Random(f"mediawatch-timeline:{self.seed}:{article.id}:{number}"),
                       article, kind)
        if not change.stealth:
            edited = replace(edited, modified=_almaty(change.at))
        return edited

    def state_at(self, moment: datetime) -> State:
        """The whole site at `moment` (articles not yet published left out)."""
        if moment not in self._states:
            articles = {key: self.article_at(key, moment) for key, article in self.base.items()
                        if article.published <= moment}
            self._states = {moment: State(-1, articles, [], self.next_id, self.next_story,
                                          self.initial.protected)}
        return self._states[moment]

    def manifest(self, origin: str, moment: datetime) -> dict:
        """The manifest at `moment`, with every change of the timeline made by then."""
        data = self.state_at(moment).manifest(origin, self.seed)
        data["epoch"] = None
        data["clock"] = iso(moment)
        data["revisions"] = [r.to_dict() for r in self.timeline.until(moment)]
        return data
