"""The corpus of a replayed outlet other than Vlast: its stories in one or more languages at
epoch 0, and the edits, removals, restorations and new stories of every later epoch.

The outlet's own module (replay/ledger.py, replay/agency.py) gives the profile (languages,
sections, id sequence, whether edits get a new modified date) and renders the pages; this
module only keeps the truth.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cached_property
from random import Random

from replay import text
from replay.corpus import Image, another, edit_blocks, iso, local_time, writers

Block = str | Image

FIRST_DAY = datetime(2025, 3, 3, 8, 0)
LAST_DAY = datetime(2026, 1, 20, 20, 0)
EPOCH_START = datetime(2026, 1, 21, 8, 0)  # epoch K publishes on day K-1 after this
EDIT_KINDS = ("typo", "rewrite", "paragraph_added", "paragraph_removed", "headline", "byline",
              "lead", "tags", "removed", "restored")
TEXT_KINDS = ("typo", "rewrite", "paragraph_added", "paragraph_removed", "headline", "byline",
              "lead")
GONE_STATUSES = (404, 410)


@dataclass(frozen=True)
class Profile:
    """What makes one replayed outlet's corpus its own."""

    name: str
    languages: tuple[str, ...]
    sections: dict[str, tuple[str, ...]]  # language -> sections (topic categories)
    first_number: int = 1  # the outlet's own ids start here (a running number otherwise)
    stamps_edits: bool = True  # a new modified date on some edits; False: never (all stealth)
    bylines: float = 1.0  # share of articles with authors
    # Words the shared text generator uses for Vlast, and this outlet's own instead.
    rebrand: tuple[tuple[str, str], ...] = ()
    # Share of stories told in every language (the rest in one), and of those not linked.
    shared_stories: float = 0.0
    unlinked: float = 0.15


@dataclass(frozen=True)
class Piece:
    """One article in one language as the outlet holds it at one epoch."""

    number: int
    language: str
    story: int
    topic: str
    section: str
    slug: str
    published: datetime
    title: str
    lead: str
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    cover: str
    cover_caption: str
    blocks: tuple[Block, ...]
    modified: datetime | None = None
    status: int = 200
    translations: tuple[int, ...] = ()  # numbers of the story's other editions
    linked: bool = True  # the page links its other editions

    def body(self) -> list[str]:
        """The paragraphs of text, photo captions left out."""
        return [block for block in self.blocks if isinstance(block, str)]

    def truth(self, url: str, urls: dict[int, str]) -> dict:
        """The ground truth of this article: what a crawl should archive."""
        return {
            "number": self.number, "url": url, "language": self.language, "status": self.status,
            "section": self.section, "title": self.title, "lead": self.lead,
            "authors": list(self.authors), "published": iso(self.published),
            "modified": iso(self.modified), "tags": list(self.tags), "body": self.body(),
            "cover_image": self.cover, "cover_caption": self.cover_caption, "story": self.story,
            "translations": [urls[other] for other in self.translations if other in urls],
            "translations_linked": self.linked,
        }


class State:
    """The whole outlet at one epoch, with its live articles newest first."""

    def __init__(self, epoch: int, pieces: dict[int, Piece], changes: list[dict],
                 next_number: int, next_story: int, protected: frozenset[int]) -> None:
        self.epoch = epoch
        self.pieces = pieces
        self.changes = changes
        self.next_number = next_number
        self.next_story = next_story
        self.protected = protected  # gone before epoch 1: never restored

    @cached_property
    def live(self) -> list[Piece]:
        return sorted((p for p in self.pieces.values() if p.status == 200),
                      key=lambda p: (p.published, p.number), reverse=True)

    def live_in(self, language: str) -> list[Piece]:
        return [piece for piece in self.live if piece.language == language]


class Writer:
    """Generates the text of one outlet: the shared generator, rebranded."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile

    def own(self, words: str) -> str:
        for old, new in self.profile.rebrand:
            words = words.replace(old, new)
        return words

    def headline(self, rng: Random, language: str, topic: str) -> str:
        return self.own(text.headline(rng, language, topic))

    def paragraph(self, rng: Random, language: str, topic: str) -> str:
        return self.own(text.paragraph(rng, language, topic))

    def lead(self, rng: Random, language: str, topic: str) -> str:
        return self.own(text.lead(rng, language, topic))

    def caption(self, rng: Random, language: str, topic: str) -> str:
        return self.own(text.caption(rng, language, topic))

    def authors(self, rng: Random, language: str) -> tuple[str, ...]:
        if rng.random() >= self.profile.bylines:
            return ()
        return tuple(rng.sample(text.WRITERS[language], rng.choice((1, 1, 1, 2))))

    def tags(self, rng: Random, language: str, topic: str) -> tuple[str, ...]:
        return tuple(name for _, name in text.tags(rng, language, topic))

    def blocks(self, rng: Random, language: str, topic: str) -> tuple[Block, ...]:
        blocks: list[Block] = [self.paragraph(rng, language, topic)
                               for _ in range(rng.randint(4, 11))]
        for number in range(rng.choice((0, 0, 1, 1, 2))):
            blocks.insert(rng.randint(1, len(blocks) - 1), Image(
                f"/uploads/body-{rng.getrandbits(32):08x}-{number}.jpg",
                self.caption(rng, language, topic)))
        return tuple(blocks)


class _Builder:
    """Makes the stories, drawing numbers from the outlet's sequence."""

    def __init__(self, profile: Profile, next_number: int, next_story: int) -> None:
        self.profile = profile
        self.writer = Writer(profile)
        self.next_number = next_number
        self.next_story = next_story

    def languages(self, rng: Random) -> tuple[str, ...]:
        languages = self.profile.languages
        if len(languages) > 1 and rng.random() < self.profile.shared_stories:
            return languages
        return (rng.choice(languages),)

    def story(self, rng: Random, published: datetime, taken: set[str],
              languages: tuple[str, ...]) -> list[Piece]:
        story = self.next_story
        self.next_story += 1
        topic = rng.choice(text.TOPICS)
        numbers = []
        for _ in languages:
            numbers.append(self.next_number)
            self.next_number += rng.choice((1, 1, 2))
        linked = rng.random() >= self.profile.unlinked
        cover = f"/uploads/{published:%Y/%m}/cover-{story:05d}.jpg"
        made = []
        for language, number in zip(languages, numbers, strict=True):
            title = self.writer.headline(rng, language, topic)
            slug = text.slugify(title, words=7)
            while slug in taken:
                slug += "-2"
            taken.add(slug)
            made.append(Piece(
                number=number, language=language, story=story, topic=topic,
                section=rng.choice(self.profile.sections[language]), slug=slug,
                published=published, title=title, lead=self.writer.lead(rng, language, topic),
                authors=self.writer.authors(rng, language),
                tags=self.writer.tags(rng, language, topic), cover=cover,
                cover_caption=self.writer.caption(rng, language, topic),
                blocks=self.writer.blocks(rng, language, topic),
                translations=tuple(n for n in numbers if n != number),
                linked=linked or len(languages) == 1))
        return made


def initial_state(profile: Profile, size: int, seed: int) -> State:
    """Epoch 0: about `size` articles published between FIRST_DAY and LAST_DAY, a few of them
    taken down already (before anyone watched: never restored)."""
    rng = Random(f"mediawatch-replay:{profile.name}:{seed}:0")
    builder = _Builder(profile, profile.first_number + rng.randrange(1000), 1)
    plans: list[tuple[str, ...]] = []
    while sum(len(plan) for plan in plans) < size:
        plans.append(builder.languages(rng))
    pieces: dict[int, Piece] = {}
    taken: set[str] = set()
    span = LAST_DAY - FIRST_DAY
    for position, languages in enumerate(plans):
        moment = FIRST_DAY + span * position / max(1, len(plans) - 1)
        moment = moment.replace(hour=rng.randint(8, 21), minute=rng.randrange(60), second=0,
                                microsecond=0)
        for piece in builder.story(rng, local_time(moment), taken, languages):
            pieces[piece.number] = piece
    gone = rng.sample(sorted(pieces), min(len(pieces) // 2, max(1, size // 60)))
    for number, key in enumerate(sorted(gone)):
        pieces[key] = replace(pieces[key], status=GONE_STATUSES[number % 2])
    return State(0, pieces, [], builder.next_number, builder.next_story, frozenset(gone))


def _edit(writer: Writer, rng: Random, piece: Piece, kind: str) -> Piece:
    """The article after one change of `kind` to what a reader reads."""
    language, topic = piece.language, piece.topic
    if kind == "headline":
        title = another(piece.title, lambda: writer.headline(rng, language, topic))
        return replace(piece, title=title)  # the URL stays: only the headline changes
    if kind == "byline":
        return replace(piece, authors=another(piece.authors, lambda: writers(rng, language)))
    if kind == "lead":
        return replace(piece, lead=another(piece.lead, lambda: writer.lead(rng, language, topic)))
    if kind == "tags":
        return replace(piece, tags=another(piece.tags, lambda: writer.tags(rng, language, topic)))
    blocks = list(piece.blocks)
    positions = [i for i, block in enumerate(blocks) if isinstance(block, str)]
    edit_blocks(rng, blocks, positions, kind, language,
                lambda: writer.paragraph(rng, language, topic))
    return replace(piece, blocks=tuple(blocks))


def _fits(piece: Piece, kind: str) -> bool:
    if kind == "paragraph_removed":
        return len(piece.body()) >= 3
    if kind == "byline":
        return bool(piece.authors)
    return True


def advance(profile: Profile, previous: State, seed: int, size: int) -> State:
    """The outlet one epoch later: new stories, and exactly one change of each changed article,
    each recorded in the epoch's changes with its kind and whether a reader could tell (a new
    modified date) or not (`stealth`)."""
    epoch = previous.epoch + 1
    rng = Random(f"mediawatch-replay:{profile.name}:{seed}:{epoch}")
    writer = Writer(profile)
    pieces = dict(previous.pieces)
    changes: list[dict] = []
    day = EPOCH_START + timedelta(days=epoch - 1)
    builder = _Builder(profile, previous.next_number, previous.next_story)
    taken = {piece.slug for piece in pieces.values()}
    for position in range(rng.randint(2, 4) + size // 200):
        published = local_time(day + timedelta(minutes=45 * position + rng.randrange(30)))
        for piece in builder.story(rng, published, taken, builder.languages(rng)):
            pieces[piece.number] = piece
            changes.append({"number": piece.number, "kind": "new"})

    eligible = [p.number for p in previous.live]
    rng.shuffle(eligible)
    gone = sorted(p.number for p in previous.pieces.values()
                  if p.status != 200 and p.number not in previous.protected)
    plan = list(EDIT_KINDS) + ["removed"]
    while len(plan) < round(size * 0.07):
        plan.append(rng.choice(EDIT_KINDS[:6]))
    stamp = local_time(day + timedelta(hours=10))
    for count, kind in enumerate(plan):
        if kind == "restored":
            if gone:
                number = gone.pop(rng.randrange(len(gone)))
                pieces[number] = replace(pieces[number], status=200)
                changes.append({"number": number, "kind": kind})
            continue
        number = next((n for n in eligible if _fits(pieces[n], kind)), None)
        if number is None:
            continue
        eligible.remove(number)
        if kind == "removed":
            status = GONE_STATUSES[count % 2]
            pieces[number] = replace(pieces[number], status=status)
            changes.append({"number": number, "kind": kind, "status": status})
            continue
        piece = _edit(writer, rng, pieces[number], kind)
        stamped = profile.stamps_edits and (count % 2 == 0)
        if stamped:
            piece = replace(piece, modified=stamp + timedelta(minutes=rng.randrange(120)))
        pieces[number] = piece
        changes.append({"number": number, "kind": kind,
                        "stealth": kind in TEXT_KINDS and not stamped})
    changes.sort(key=lambda change: change["number"])
    return State(epoch, pieces, changes, builder.next_number, builder.next_story,
                 previous.protected)


class Corpus:
    """All epochs of one replayed outlet; epoch K is built from K-1 on first use and cached."""

    def __init__(self, profile: Profile, size: int, seed: int) -> None:
        self.profile = profile
        self.size = size
        self.seed = seed
        self._states = [initial_state(profile, size, seed)]
        self._lock = threading.Lock()

    def state(self, epoch: int) -> State:
        if epoch < 0:
            raise ValueError("epoch must be 0 or more")
        with self._lock:
            while len(self._states) <= epoch:
                self._states.append(advance(self.profile, self._states[-1], self.seed, self.size))
            return self._states[epoch]
