"""The replayed corpus: articles and stories at epoch 0 and the changes made at every epoch."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cached_property, lru_cache
from random import Random
from typing import NamedTuple, TypeVar

from crawler.dates import kazakhstan_offset
from replay import editions, text

T = TypeVar("T")

LANGUAGES = text.LANGUAGES
RU_SECTIONS = ("novosti", "politika", "obsshestvo", "gorod", "life", "regiony", "people", "explain")
RU_SECTION_WEIGHTS = (10, 3, 3, 2, 1, 1, 1, 1)
EDITION_SECTIONS = {"ru": RU_SECTIONS, "kk": ("vlast-qazaqsha",), "en": ("english",)}
ALL_SECTIONS = RU_SECTIONS + ("vlast-qazaqsha", "english")

FIRST_DAY = datetime(2021, 1, 11, 8, 0)
LAST_DAY = datetime(2026, 1, 20, 20, 0)
EPOCH_START = datetime(2026, 1, 21, 8, 0)  # epoch K publishes on day K-1 after this

CONTENT_KINDS = ("typo", "rewrite", "paragraph_added", "paragraph_removed", "headline", "byline")
TEXT_KINDS = ("typo", "rewrite", "paragraph_added", "paragraph_removed")
CHANGE_KINDS = ("new",) + CONTENT_KINDS + ("moved", "removed", "restored")
REMOVED_STATUSES = (404, 410, 302)
EXTRA_KINDS = ("typo", "rewrite", "paragraph_added", "paragraph_removed", "headline", "byline",
               "moved", "removed", "restored")
EXTRA_WEIGHTS = (5, 3, 2, 2, 2, 2, 1, 1, 1)
# Edits of one field a reader sees besides the body, headline and byline, made every epoch after
# the changes above (with a generator of their own, so those stay as they were): field -> kind.
FIELD_EDITS = {"lead": "lead", "tags": "tags", "cover_image": "cover", "cover_caption": "cover",
               "modified": "dates", "published": "dates", "photo_credits": "byline",
               "section": "moved", "slug": "moved", "authors": "byline"}
# Fields shared by the editions of a story (time and cover link unlinked editions): edited only
# on articles published in one edition.
STORY_FIELDS = ("cover_image", "published")
# Field edits that change text a reader reads: made without a new modified date, they are stealth.
STEALTH_FIELDS = ("lead", "cover_caption", "photo_credits", "authors")


def local_time(naive: datetime) -> datetime:
    """Almaty wall-clock time with the offset in force on that date."""
    return naive.replace(tzinfo=kazakhstan_offset(naive))


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 to the second with the UTC offset, as in `article:published_time`."""
    return moment.isoformat(timespec="seconds") if moment else None


class Image(NamedTuple):
    """A photo inside the body with its caption line."""

    src: str
    caption: str


Block = str | Image


@lru_cache(maxsize=4096)
def base_blocks(language: str, topic: str, seed: int, paragraphs: int,
                images: int, telling: editions.Telling | None = None) -> tuple[Block, ...]:
    """The body as first published: paragraphs with photos between them, built from a seed;
    an edition of a story told in several languages has its paragraphs from the story
    (replay.editions)."""
    rng = Random(seed)
    if telling is not None:
        blocks: list[Block] = list(editions.tell(telling)[1])
    else:
        blocks = [text.paragraph(rng, language, topic) for _ in range(paragraphs)]
    for number in range(1, images + 1):
        caption = text.caption(rng, language, topic)
        blocks.insert(rng.randint(1, len(blocks) - 1),
                      Image(f"/media/body-{seed:08x}-{number}.jpg", caption))
    return tuple(blocks)


@dataclass(frozen=True, slots=True)
class Article:
    """One article in one language as the site holds it at one epoch."""

    id: int
    language: str
    section: str
    slug: str
    story: int
    topic: str
    published: datetime
    title: str
    lead: str
    byline: str
    authors: tuple[str, ...]
    photo_credits: tuple[str, ...]
    tags: tuple[tuple[str, str], ...]
    cover: str
    cover_caption: str
    body_seed: int
    paragraphs: int
    images: int
    blocks: tuple[Block, ...] | None = None  # None: still the body built from body_seed
    modified: datetime | None = None
    status: int = 200
    translations: tuple[int, ...] = ()
    translation_links: bool = True
    duplicate_of: int | None = None
    # An edition of a story told in several languages: its lead and paragraphs are the story's
    # (replay.editions), faithful to the other editions or divergent as the story's truth says.
    telling: editions.Telling | None = None

    @property
    def path(self) -> str:
        return f"/{self.section}/{self.id}-{self.slug}.html"

    def content(self) -> tuple[Block, ...]:
        """Body blocks in page order: paragraph strings and photos."""
        if self.blocks is not None:
            return self.blocks
        return base_blocks(self.language, self.topic, self.body_seed, self.paragraphs, self.images,
                           self.telling)

    def body(self) -> list[str]:
        """The paragraphs of text, photo captions excluded."""
        return [block for block in self.content() if isinstance(block, str)]

    def manifest(self, origin: str) -> dict:
        """The ground truth for this article (design.md, manifest)."""
        return {
            "id": self.id, "url": origin + self.path, "path": self.path,
            "language": self.language, "section": self.section, "slug": self.slug,
            "status": self.status, "title": self.title, "authors": list(self.authors),
            "photo_credits": list(self.photo_credits), "published": iso(self.published),
            "modified": iso(self.modified), "lead": self.lead, "body": self.body(),
            "tags": [name for _, name in self.tags], "cover_image": origin + self.cover,
            "cover_caption": self.cover_caption, "translations": list(self.translations),
            "translation_links": self.translation_links, "story": self.story,
            "duplicate_of": self.duplicate_of,
            "telling": self.telling_truth(),
        }

    def telling_truth(self) -> dict | None:
        """How the story's editions differ, for the manifest (None: not a translated story)."""
        if self.telling is None:
            return None
        made = editions.design(self.telling.seed, self.telling.languages, self.telling.divergence)
        return {"divergence": made.truth.as_dict() if made.truth.kind else None,
                "shortened": self.language in made.shortened,
                "edits": [list(change) for change in self.telling.changes]}


def _newest_first(articles: list[Article]) -> list[Article]:
    return sorted(articles, key=lambda a: (a.published, a.id), reverse=True)


class State:
    """The whole site at one epoch, with lazily built indexes for listings and feeds."""

    def __init__(self, epoch: int, articles: dict[int, Article], changes: list[dict],
                 next_id: int, next_story: int, protected: frozenset[int],
                 carries: tuple[dict, ...] = ()) -> None:
        self.epoch = epoch
        # Edits of one edition of a told story that the others carry at the next epoch.
        self.carries = carries
        self.articles = articles
        self.changes = changes
        self.next_id = next_id
        self.next_story = next_story
        # Duplicates, their originals and pages gone before epoch 1: never edited or restored.
        self.protected = protected

    @cached_property
    def live(self) -> list[Article]:
        """Articles answering 200, newest first."""
        return _newest_first([a for a in self.articles.values() if a.status == 200])

    @cached_property
    def by_section(self) -> dict[str, list[Article]]:
        found: dict[str, list[Article]] = {section: [] for section in ALL_SECTIONS}
        for article in self.live:
            found[article.section].append(article)
        return found

    @cached_property
    def by_tag(self) -> dict[str, list[Article]]:
        found: dict[str, list[Article]] = {}
        for article in self.live:
            for slug, _ in article.tags:
                found.setdefault(slug, []).append(article)
        return found

    @cached_property
    def by_author(self) -> dict[str, tuple[str, list[Article]]]:
        """Author slug -> (name as first seen, articles)."""
        found: dict[str, tuple[str, list[Article]]] = {}
        for article in self.live:
            for name in article.authors:
                found.setdefault(text.slugify(name, words=4), (name, []))[1].append(article)
        return found

    @cached_property
    def by_month(self) -> dict[str, list[Article]]:
        """"YYYY-MM" of publication -> articles, oldest month first."""
        found: dict[str, list[Article]] = {}
        for article in reversed(self.live):
            found.setdefault(article.published.strftime("%Y-%m"), []).append(article)
        return found

    def manifest(self, origin: str, seed: int) -> dict:
        """The manifest of design.md: every article (removed ones too) and this epoch's changes."""
        return {
            "epoch": self.epoch, "seed": seed,
            "articles": [self.articles[key].manifest(origin) for key in sorted(self.articles)],
            "changes": [dict(change) for change in self.changes],
        }


class _Builder:
    """Makes new stories, drawing ids and story numbers from the shared sequences."""

    def __init__(self, next_id: int, next_story: int) -> None:
        self.next_id = next_id
        self.next_story = next_story

    def story(self, rng: Random, languages: tuple[str, ...], published: datetime,
              links: bool) -> list[Article]:
        number = self.next_story
        self.next_story += 1
        topic = rng.choice(text.TOPICS)
        ids = []
        for _ in languages:
            ids.append(self.next_id)
            self.next_id += rng.choice((1, 1, 2, 3))
        self.next_id += rng.choice((0, 1, 2, 4))
        cover = f"/media/{published:%Y/%m}/cover-{number:05d}.jpg"
        made = []
        for language, article_id in zip(languages, ids, strict=True):
            title = text.headline(rng, language, topic)
            if language == "ru":
                section = rng.choices(RU_SECTIONS, RU_SECTION_WEIGHTS)[0]
            else:
                section = EDITION_SECTIONS[language][0]
            line, authors, photos = text.byline(rng, language)
            made.append(Article(
                id=article_id, language=language, section=section, slug=text.slugify(title),
                story=number, topic=topic, published=published, title=title,
                lead=text.lead(rng, language, topic), byline=line, authors=authors,
                photo_credits=photos, tags=text.tags(rng, language, topic), cover=cover,
                cover_caption=text.caption(rng, language, topic), body_seed=rng.getrandbits(32),
                paragraphs=rng.randint(4, 12), images=rng.choice((0, 0, 1, 1, 2)),
                translations=tuple(i for i in ids if i != article_id),
                translation_links=links or len(languages) == 1,
            ))
        return _told(made) if len(languages) > 1 else made


DIVERGENT_SHARE = 0.3  # stories told in several languages with one divergence


def _told(made: list[Article]) -> list[Article]:
    """The editions of a story in several languages, told from one plan (replay.editions): the
    first edition's body seed is the story's, and a share of stories diverge."""
    seed = made[0].body_seed
    rng = Random(f"mediawatch-replay:editions:{seed}")
    divergence = rng.choice(editions.DIVERGENCES) if rng.random() < DIVERGENT_SHARE else None
    languages = tuple(article.language for article in made)
    told = []
    for article in made:
        telling = editions.Telling(seed, languages, article.language, divergence)
        told.append(replace(article, telling=telling, lead=editions.lead_of(telling)))
    return told


def _plan_stories(rng: Random, total: int) -> list[tuple[str, ...]]:
    """Editions of each story until `total` articles: some in three, some in two, some in one."""
    counts = dict.fromkeys(LANGUAGES, 0)
    plans: list[tuple[str, ...]] = []
    made = 0
    while made < total:
        draw = rng.random()
        size = min(3 if draw < 0.25 else 2 if draw < 0.55 else 1, total - made)
        fewest = sorted(LANGUAGES, key=lambda language: (counts[language], rng.random()))
        languages = tuple(rng.sample(fewest[:size], size))
        for language in languages:
            counts[language] += 1
        plans.append(languages)
        made += size
    return plans


def initial_state(size: int, seed: int) -> State:
    """Epoch 0: `size` articles published between 2021 and 2026."""
    rng = Random(f"mediawatch-replay:{seed}:0")
    builder = _Builder(next_id=40000 + rng.randrange(3000), next_story=1)
    duplicates = max(2, size // 200) if size >= 40 else (1 if size >= 10 else 0)
    plans = _plan_stories(rng, size - duplicates)
    multi = [i for i, plan in enumerate(plans) if len(plan) > 1]
    unlinked = set(rng.sample(multi, min(len(multi), max(2, round(len(multi) * 0.15)))))
    singles = [i for i, plan in enumerate(plans) if len(plan) == 1 and i < len(plans) * 0.8]
    copies_after: dict[int, list[int]] = {}
    for original in rng.sample(singles, min(duplicates, len(singles))):
        copies_after.setdefault(min(original + rng.randint(1, 4), len(plans) - 1), []).append(
            original)
    slots: list[tuple[str, int]] = []
    for index in range(len(plans)):
        slots.append(("story", index))
        slots.extend(("copy", original) for original in copies_after.get(index, []))

    articles: dict[int, Article] = {}
    story_articles: dict[int, list[Article]] = {}
    span = LAST_DAY - FIRST_DAY
    for position, (kind, index) in enumerate(slots):
        moment = FIRST_DAY + span * position / max(1, len(slots) - 1)
        if span / len(slots) >= timedelta(days=1):  # sparse corpus: office hours
            moment = moment.replace(hour=rng.randint(8, 21), minute=rng.randrange(60))
        published = local_time(moment.replace(second=0, microsecond=0)
                               + timedelta(minutes=rng.randrange(30)))
        if kind == "story":
            made = builder.story(rng, plans[index], published, links=index not in unlinked)
            story_articles[index] = made
        else:
            original = story_articles[index][0]
            made = [replace(original, id=builder.next_id, published=published,
                            story=builder.next_story, translations=(), duplicate_of=original.id)]
            builder.next_id += rng.choice((1, 2, 3))
            builder.next_story += 1
        for article in made:
            articles[article.id] = article

    protected = frozenset(
        [a.id for a in articles.values() if a.duplicate_of]
        + [a.duplicate_of for a in articles.values() if a.duplicate_of])
    ordered = list(articles.values())
    early_ru = [a for a in ordered[: max(1, len(ordered) * 15 // 100)]
                if a.language == "ru" and a.id not in protected]
    for article in rng.sample(early_ru, min(len(early_ru), max(2, size // 60))):
        old_slug = f"{text.slugify(article.title, old_style=True, words=5)}-{article.id}"
        articles[article.id] = replace(article, slug=old_slug)
    candidates = [a.id for a in ordered if a.id not in protected and "_" not in a.slug]
    gone = max(2, size // 90) if size >= 20 else 0
    for number, article_id in enumerate(rng.sample(candidates, min(gone, len(candidates)))):
        articles[article_id] = replace(articles[article_id],
                                       status=REMOVED_STATUSES[number % len(REMOVED_STATUSES)])
    # Taken down before anyone watched: never restored, so a watcher never sees them at all.
    protected |= {a.id for a in articles.values() if a.status != 200}
    return State(0, articles, [], builder.next_id, builder.next_story, protected)


def another(old: T, make: Callable[[], T]) -> T:
    """A value from `make` that differs from `old` (asked again until it does)."""
    new = old
    while new == old:
        new = make()
    return new


def writers(rng: Random, language: str) -> tuple[str, ...]:
    """One or two of the edition's writers."""
    return tuple(rng.sample(text.WRITERS[language], rng.choice((1, 2))))


def typo(rng: Random, paragraph: str, language: str) -> str:
    """One to three letters replaced by other letters."""
    chars = list(paragraph)
    letters = [i for i, char in enumerate(chars) if char.isalpha()]
    alphabet = text.ALPHABETS[language]
    for i in rng.sample(letters, min(len(letters), rng.randint(1, 3))):
        old = chars[i]
        new = rng.choice([c for c in alphabet if c != old.lower()])
        chars[i] = new.upper() if old.isupper() else new
    return "".join(chars)


def _text_positions(blocks: list[Block]) -> list[int]:
    return [i for i, block in enumerate(blocks) if isinstance(block, str)]


def _edit(rng: Random, article: Article, kind: str) -> Article:
    """The article after one content change of `kind`."""
    language, topic = article.language, article.topic
    if kind == "headline":
        return replace(article, title=another(article.title,
                                              lambda: text.headline(rng, language, topic)))
    if kind == "byline":
        line, authors, photos = article.byline, article.authors, article.photo_credits
        while (authors, photos) == (article.authors, article.photo_credits):
            line, authors, photos = text.byline(rng, language)
        return replace(article, byline=line, authors=authors, photo_credits=photos)
    blocks = list(article.content())
    edit_blocks(rng, blocks, _text_positions(blocks), kind, language,
                lambda: text.paragraph(rng, language, topic))
    return replace(article, blocks=tuple(blocks))


def edit_blocks(rng: Random, blocks: list, positions: list[int], kind: str, language: str,
                new_paragraph: Callable[[], str]) -> None:
    """Make one body edit of `kind` (typo, rewrite, paragraph_added, paragraph_removed) to
    `blocks` in place; `positions` are the indices of its text paragraphs."""
    if kind == "typo":
        at = rng.choice(positions)
        blocks[at] = typo(rng, blocks[at], language)
    elif kind == "rewrite":
        at = rng.choice(positions)
        blocks[at] = another(blocks[at], new_paragraph)
    elif kind == "paragraph_added":
        blocks.insert(rng.randint(1, len(blocks)), new_paragraph())
    elif kind == "paragraph_removed":
        del blocks[rng.choice(positions[1:])]


def _move(rng: Random, article: Article) -> Article:
    """The same id under a new section (Russian edition) or a new slug."""
    if article.language == "ru" and rng.random() < 0.5:
        section = rng.choice([s for s in RU_SECTIONS if s != article.section])
        return replace(article, section=section)
    return replace(article, slug=another(article.slug, lambda: text.slugify(
        text.headline(rng, article.language, article.topic))))


def _edit_field(rng: Random, article: Article, name: str, stamp_time: datetime) -> Article:
    """The article after an edit of one field: lead, tags, cover image or caption, the writers,
    or a date."""
    language, topic = article.language, article.topic
    if name == "lead":
        return replace(article, lead=another(article.lead,
                                             lambda: text.lead(rng, language, topic)))
    if name == "tags":
        return replace(article, tags=another(article.tags,
                                             lambda: text.tags(rng, language, topic)))
    if name == "cover_image":
        return replace(article, cover=article.cover.replace(".jpg", f"-{rng.randrange(1, 99)}.jpg"))
    if name == "cover_caption":
        return replace(article, cover_caption=another(
            article.cover_caption, lambda: text.caption(rng, language, topic)))
    if name == "photo_credits":
        line, photos = article.byline, article.photo_credits
        while photos == article.photo_credits:
            line, photos = text.credited_byline(rng, language, article.authors)
        return replace(article, byline=line, photo_credits=photos)
    if name == "authors":
        authors = another(article.authors, lambda: writers(rng, language))
        line = text.join_names(list(authors), "and") if language == "en" else ", ".join(authors)
        return replace(article, byline=line, authors=authors)
    if name == "section":
        return replace(article, section=rng.choice([s for s in RU_SECTIONS if s != article.section]))
    if name == "slug":
        return replace(article, slug=another(
            article.slug, lambda: text.slugify(text.headline(rng, language, topic))))
    if name == "modified":
        return replace(article, modified=stamp_time + timedelta(minutes=rng.randrange(120)))
    # published: the time corrected by a few minutes, with the offset in force then
    moment = article.published.replace(tzinfo=None) + timedelta(minutes=rng.choice((-20, -5, 5, 20)))
    return replace(article, published=local_time(moment))


def _field_edits(rng: Random, articles: dict[int, Article], eligible: list[int],
                 stamp_time: datetime) -> list[dict]:
    """One edit of each of FIELD_EDITS, on articles not changed otherwise this epoch.

    A move (section or slug) is reported as moves are, with the old and the new path. The
    modification date moves only with its own edit; edits of text are `stealth`.
    """
    def fits(article: Article, name: str) -> bool:
        if name in STORY_FIELDS:
            return not article.translations
        if name == "lead" and article.telling is not None:
            return False  # the lead of a told story is the story's (its edits: _story_edits)
        if name == "authors":
            return not article.photo_credits  # the writers alone, in a line of names only
        return article.language == "ru" if name == "section" else True

    changes = []
    for name, kind in FIELD_EDITS.items():
        chosen = next((i for i in eligible if fits(articles[i], name)), None)
        if chosen is None:
            continue
        eligible.remove(chosen)
        old = articles[chosen]
        article = _edit_field(rng, old, name, stamp_time)
        change = {"id": chosen, "kind": kind, "field": name}
        if kind == "moved":
            change.update(old_path=old.path, path=article.path)
        else:
            # Only the field itself changes (the date of modification stays where it was), so
            # that nothing but that field can tell the archive there is a new version; an edit
            # of text a reader reads is then a stealth edit.
            change["stealth"] = name in STEALTH_FIELDS
        articles[chosen] = article
        changes.append(change)
    return changes


STORY_EDITS = 2  # stories per epoch whose one edition changes a figure
CARRY_PLANS = ("same", "next", "never")  # when the other editions carry it


def _retold(article: Article, change: tuple[int, int], stamp_time: datetime,
            rng: Random) -> Article:
    """An edition of a told story after one more edit of a fact, with a new modified date."""
    telling = replace(article.telling, changes=(*article.telling.changes, change))
    return replace(article, telling=telling, lead=editions.lead_of(telling), blocks=None,
                   modified=stamp_time + timedelta(minutes=rng.randrange(120)))


def _story_edits(rng: Random, articles: dict[int, Article], eligible: list[int],
                 due: tuple[dict, ...], carries: list[dict], stamp_time: datetime,
                 epoch: int) -> list[dict]:
    """Edits of told stories: a figure changed in one edition, which the others carry in the
    same epoch, the next one, or never (STORY_EDITS stories an epoch); and the carries due
    from the epoch before. Each is a `rewrite` with what it is in `story_edit`. Only articles
    not changed otherwise this epoch are touched; a carry that cannot be made waits."""
    changes = []
    for carry in due:
        target = carry["id"]
        if target not in eligible:
            carries.append(carry)
            continue
        eligible.remove(target)
        articles[target] = _retold(articles[target], tuple(carry["change"]), stamp_time, rng)
        changes.append({"id": target, "kind": "rewrite", "stealth": False,
                        "story_edit": {"carried_from": carry["from"], "late": True}})
    stories: dict[int, list[int]] = {}
    for article_id in eligible:
        article = articles[article_id]
        if article.telling is not None and article.telling.divergence is None:
            stories.setdefault(article.story, []).append(article_id)
    complete = [ids for ids in stories.values()
                if len(ids) == len(articles[ids[0]].telling.languages)]
    complete.sort()
    for ids in rng.sample(complete, min(STORY_EDITS, len(complete))):
        telling = articles[ids[0]].telling
        facts = editions.editable_facts(telling.seed, telling.languages, None, in_digits=True)
        if not facts:
            continue
        fact = rng.choice(facts)
        edited = rng.choice(sorted(ids))
        plan = rng.choice(CARRY_PLANS)
        change = (fact, epoch)
        made = editions.design(telling.seed, telling.languages, None)
        value = editions.edited_value(telling.seed, fact, epoch, made.plan)
        others = [i for i in sorted(ids) if i != edited]
        for article_id in ids:
            eligible.remove(article_id)
        articles[edited] = _retold(articles[edited], change, stamp_time, rng)
        changes.append({"id": edited, "kind": "rewrite", "stealth": False, "story_edit": {
            "fact": fact, "old": made.plan.facts[fact].key, "new": value.key, "carry": plan,
            "others": others}})
        for other in others:
            if plan == "same":
                articles[other] = _retold(articles[other], change, stamp_time, rng)
                changes.append({"id": other, "kind": "rewrite", "stealth": False,
                                "story_edit": {"carried_from": edited, "late": False}})
            elif plan == "next":
                carries.append({"id": other, "change": list(change), "from": edited})
    return changes


def advance(previous: State, seed: int, size: int) -> State:
    """The site one epoch later: new articles and exactly one change for each changed article."""
    epoch = previous.epoch + 1
    rng = Random(f"mediawatch-replay:{seed}:{epoch}")
    articles = dict(previous.articles)
    changes: list[dict] = []
    day = EPOCH_START + timedelta(days=epoch - 1)

    builder = _Builder(previous.next_id, previous.next_story)
    per_edition = [rng.randint(1, 3) + size // 1000 for _ in LANGUAGES]
    plans = _plan_stories(rng, sum(per_edition))
    for position, languages in enumerate(plans):
        published = local_time(day + timedelta(minutes=480 * position // len(plans)))
        for article in builder.story(rng, languages, published, links=rng.random() > 0.15):
            articles[article.id] = article
            changes.append({"id": article.id, "kind": "new"})

    eligible = [a.id for a in previous.articles.values()
                if a.status == 200 and a.id not in previous.protected]
    rng.shuffle(eligible)
    removed = sorted(a.id for a in previous.articles.values()
                     if a.status != 200 and a.id not in previous.protected)
    rng.shuffle(removed)
    count = min(max(12, round(size * 0.06)), max(1, len(eligible) // 2))
    plan: list[str] = ["typo", "rewrite", "paragraph_added", "paragraph_removed", "headline",
                       "byline", "moved", "removed", "removed", "removed", "restored"]
    while len(plan) < count:
        plan.append(rng.choices(EXTRA_KINDS, EXTRA_WEIGHTS)[0])
    stamp_time = local_time(day + timedelta(hours=10))
    content_changes = 0
    removals = 0
    for kind in plan[:count]:
        if kind == "restored":
            if not removed:
                continue
            article_id = removed.pop()
            articles[article_id] = replace(articles[article_id], status=200)
            changes.append({"id": article_id, "kind": kind})
            continue
        needs_paragraphs = 3 if kind == "paragraph_removed" else 1
        # the text of a told story changes only through its story's edits (_story_edits)
        chosen = next((i for i in eligible if len(articles[i].body()) >= needs_paragraphs
                       and (kind not in TEXT_KINDS or articles[i].telling is None)), None)
        if chosen is None:
            continue
        eligible.remove(chosen)
        article = articles[chosen]
        change: dict = {"id": chosen, "kind": kind}
        if kind == "removed":
            status = REMOVED_STATUSES[removals % 3] if removals < 3 else rng.choice(
                REMOVED_STATUSES)
            removals += 1
            article = replace(article, status=status)
            change["status"] = status
        elif kind == "moved":
            change["old_path"] = article.path
            article = _move(rng, article)
            change["path"] = article.path
        else:
            article = _edit(rng, article, kind)
            stamped = content_changes == 1 or (content_changes > 1 and rng.random() < 0.5)
            content_changes += 1
            if stamped:
                article = replace(article, modified=stamp_time + timedelta(
                    minutes=rng.randrange(120)))
            change["stealth"] = not stamped
        articles[chosen] = article
        changes.append(change)
    changes += _field_edits(Random(f"mediawatch-replay:{seed}:{epoch}:fields"), articles,
                            eligible, stamp_time)
    carries: list[dict] = []
    changes += _story_edits(Random(f"mediawatch-replay:{seed}:{epoch}:stories"), articles,
                            eligible, previous.carries, carries, stamp_time, epoch)
    changes.sort(key=lambda change: change["id"])
    return State(epoch, articles, changes, builder.next_id, builder.next_story,
                 previous.protected, tuple(carries))


class Corpus:
    """All epochs of one generated site; epoch K is built from K-1 on first use and cached."""

    def __init__(self, articles: int = 180, seed: int = 1) -> None:
        self.size = articles
        self.seed = seed
        self._states = [initial_state(articles, seed)]
        self._lock = threading.Lock()

    def state(self, epoch: int) -> State:
        """The site after `epoch` steps."""
        if epoch < 0:
            raise ValueError("epoch must be 0 or more")
        with self._lock:
            while len(self._states) <= epoch:
                self._states.append(advance(self._states[-1], self.seed, self.size))
            return self._states[epoch]
