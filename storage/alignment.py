"""Paragraphs of two editions paired by the facts and names they share, and by their order.

Translations keep their facts but not always their paragraphs: the English edition may split
one Russian paragraph in two, merge two, move a quotation up, or leave half of the text out.
`align` pairs the paragraphs of two editions (each a list of `storage.facts.Reading`, the
lead first) into groups of one or more paragraphs on each side:

1. the leads are a group of their own;
2. paragraphs sharing a figure that each edition's body holds once (or two names that each
   holds once) are paired wherever they stand: connected pairs form one group, so a split
   or a merge is one group; moved paragraphs are found this way too;
3. the longest run of those groups in the same order on both sides is the spine; between two
   spine groups (and before the first, after the last) the paragraphs left are paired in
   order by dynamic programming (one to one, two to one, one to two, or none) on the anchors
   they share (figures, names, quotations), figures of one kind, their place in the gap and
   their lengths (in the ratio the paragraphs paired in step 2 have);
4. paragraphs still alone on both sides that share enough are one moved paragraph; one alone
   next to a group joins it when it adds to what the group shares, or brings the group's
   lengths nearer the usual ratio (a split or merge the order missed).

A group is `sure` when its paragraphs share an anchor, or hold the only figures (or the only
figures of a kind) between two sure neighbours: only a sure group's facts are compared value for value, so a
figure is compared with its counterpart and never with any number of the other edition.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from itertools import chain

from storage.facts import Reading
from storage.names import NameIndex

FACT_WEIGHT = 3.0  # a figure shared
NAME_WEIGHT = 1.0  # a person or place shared, divided by how often it recurs
QUOTE_WEIGHT = 0.5  # a quotation of the same person on both sides
CLASS_WEIGHT = 1.0  # figures of one kind on both sides, with other values
POSITION_WEIGHT = 0.6  # the same place in the text
LENGTH_WEIGHT = 0.6  # lengths in the ratio the editions' paired paragraphs usually have
PAIR_COST = 0.7  # what a pairing must earn to be made
MERGE_COST = 0.3  # extra cost of a two-to-one pairing
MOVED_MIN = 1.0  # what two paragraphs left on both sides share to be one moved paragraph
ABSORB_MIN = 0.4  # what a paragraph left alone adds to a neighbouring group to join it


@dataclass
class Group:
    """Paragraphs of the left edition paired with paragraphs of the right one."""

    left: list[int]
    right: list[int]
    sure: bool = False
    how: str = "order"  # "lead", "anchor" (shared unique anchors), "order" or "moved"
    shares: bool = True  # the paragraphs share an anchor (else they are paired by place)


@dataclass
class Alignment:
    """The groups in left order, and the paragraphs of each side left without a counterpart."""

    groups: list[Group]
    left_only: list[int] = field(default_factory=list)
    right_only: list[int] = field(default_factory=list)

    def partner(self, side: str, index: int) -> Group | None:
        """The group holding paragraph `index` of `side` ("left" or "right")."""
        for group in self.groups:
            if index in getattr(group, side):
                return group
        return None


def fact_anchor(fact) -> str:
    """A fact as an anchor: dates by the parts they give (`03-12`, `2024-03`)."""
    kind, unit, value = fact.key
    if fact.kind == "date":
        year, month, day = value.split("-")
        value = f"{month}-{day}" if day != "??" else f"{year}-{month}"
    return f"{kind}:{unit}:{value}"


class _Side:
    """One edition's paragraphs as sets of anchors."""

    def __init__(self, readings: list[Reading], names: NameIndex) -> None:
        self.readings = readings
        self.facts = [{fact_anchor(f) for f in r.facts} for r in readings]
        self.kind_of = {fact_anchor(f): f.comparable for r in readings for f in r.facts}
        self.stated = set(chain.from_iterable(self.facts))
        self.names = [{names.id(key) for key in r.names} for r in readings]
        self.classes = [{f.comparable for f in r.facts} for r in readings]
        self.speakers = [[frozenset(names.id(key) for key in keys) for keys in r.speakers]
                         for r in readings]
        self.sizes = [max(1, r.size) for r in readings]
        body = range(1, len(readings))
        self.fact_count = Counter(chain.from_iterable(self.facts[i] for i in body))
        self.name_count = Counter(chain.from_iterable(self.names[i] for i in body))

    def kinds(self, indices: list[int]) -> Counter:
        """The kinds of figures some paragraphs hold, with how many of each."""
        return Counter(self.kind_of[a] for i in indices for a in self.facts[i])

    def signature(self, index: int) -> tuple:
        """The kinds of figures a paragraph holds, with how many of each."""
        return tuple(sorted(Counter(self.kind_of[a] for a in self.facts[index]).items()))

    def union(self, indices: list[int]) -> tuple[set, set, set]:
        """The figures, names and kinds of figures some paragraphs hold together."""
        facts, names, classes = set(), set(), set()
        for i in indices:
            facts |= self.facts[i]
            names |= self.names[i]
            classes |= self.classes[i]
        return facts, names, classes


class _Aligner:
    def __init__(self, left: list[Reading], right: list[Reading], names: NameIndex) -> None:
        self.left = _Side(left, names)
        self.right = _Side(right, names)

    def shared(self, lefts: list[int], rights: list[int]) -> float:
        """What two sets of paragraphs share: figures, names (rarer weigh more), quotations."""
        lf, ln, _ = self.left.union(lefts)
        rf, rn, _ = self.right.union(rights)
        score = sum(FACT_WEIGHT / max(self.left.fact_count[a], self.right.fact_count[a], 1)
                    for a in lf & rf)
        score += sum(NAME_WEIGHT / max(self.left.name_count[n], self.right.name_count[n], 1)
                     for n in ln & rn)
        score += QUOTE_WEIGHT * _same_speakers(
            [who for i in lefts for who in self.left.speakers[i]],
            [who for j in rights for who in self.right.speakers[j]])
        return score

    def ratio(self, lefts: list[int], rights: list[int]) -> float:
        """Characters of the right paragraphs per character of the left ones."""
        return sum(self.right.sizes[j] for j in rights) / sum(self.left.sizes[i] for i in lefts)

    def fit(self, lefts: list[int], rights: list[int]) -> float:
        """How far a pairing's length ratio is from the editions' usual one (0: the same)."""
        return abs(math.log(self.ratio(lefts, rights) / self.typical))

    def score(self, lefts: list[int], rights: list[int], gap: tuple[list[int], list[int]]) -> float:
        """What pairing these paragraphs of a gap earns: what they share, figures of one kind
        on both sides, the same place in the gap, and lengths in the editions' usual ratio."""
        lf = self.left.union(lefts)[0]
        rf = self.right.union(rights)[0]
        score = self.shared(lefts, rights)
        if lf and rf and not (lf & rf):
            if self.left.kinds(lefts) == self.right.kinds(rights):
                score += CLASS_WEIGHT  # the same kinds of figures, other values
            else:
                score -= CLASS_WEIGHT  # figures on both sides, none alike: other paragraphs
        elif bool(lf) != bool(rf):
            score -= CLASS_WEIGHT / 2  # figures on one side only
        distance = abs(_place(lefts, gap[0]) - _place(rights, gap[1]))
        score += LENGTH_WEIGHT * max(0.0, 1.0 - self.fit(lefts, rights))
        return score + POSITION_WEIGHT * max(0.0, 1.0 - 2 * distance)

    def kind_alone(self, pair_left: list[int], pair_right: list[int], lefts: list[int],
                   rights: list[int]) -> bool:
        """Whether the pair holds a kind of figure that no other paragraph of the gap holds."""
        lc = self.left.union(pair_left)[2]
        rc = self.right.union(pair_right)[2]
        for kind in lc & rc:
            elsewhere = any(kind in self.left.classes[i] for i in lefts if i not in pair_left) or any(
                kind in self.right.classes[j] for j in rights if j not in pair_right)
            if not elsewhere:
                return True
        return False

    def anchor_groups(self) -> list[Group]:
        """Groups joined by anchors each body holds once: connected pairs make one group."""
        edges: list[tuple[int, int]] = []
        unique_left = {a for a, n in self.left.fact_count.items() if n == 1}
        unique_right = {a for a, n in self.right.fact_count.items() if n == 1}
        rare_left = {a for a, n in self.left.name_count.items() if n == 1}
        rare_right = {a for a, n in self.right.name_count.items() if n == 1}
        for i in range(1, len(self.left.readings)):
            for j in range(1, len(self.right.readings)):
                facts = self.left.facts[i] & self.right.facts[j] & unique_left & unique_right
                names = self.left.names[i] & self.right.names[j] & rare_left & rare_right
                if facts or len(names) >= 2:
                    edges.append((i, j))
        return _components(edges)

    def align(self) -> Alignment:
        groups = [Group([0], [0], sure=True, how="lead")] if self.left.readings and \
            self.right.readings else []
        anchored = self.anchor_groups()
        ratios = sorted(self.ratio(g.left, g.right) for g in anchored)
        self.typical = ratios[len(ratios) // 2] if ratios else 1.0
        spine = _spine(anchored)
        taken_left = {i for g in anchored for i in g.left}
        taken_right = {j for g in anchored for j in g.right}
        bounds = [(0, 0)] + [(max(g.left), max(g.right)) for g in spine]
        ends = [(min(g.left), min(g.right)) for g in spine] + [
            (len(self.left.readings), len(self.right.readings))]
        for (after_left, after_right), (before_left, before_right) in zip(bounds, ends,
                                                                           strict=True):
            lefts = [i for i in range(after_left + 1, before_left) if i not in taken_left]
            rights = [j for j in range(after_right + 1, before_right) if j not in taken_right]
            groups += self.fill(lefts, rights)
        groups += anchored
        left_only, right_only = self.unpaired(groups)
        groups += self.moved(left_only, right_only)
        left_only, right_only = self.unpaired(groups)
        self.absorb(groups, left_only, "left")
        self.absorb(groups, right_only, "right")
        groups.sort(key=lambda g: (min(g.left), min(g.right)))
        return Alignment(groups, *self.unpaired(groups))

    def unpaired(self, groups: list[Group]) -> tuple[list[int], list[int]]:
        paired_left = {i for g in groups for i in g.left}
        paired_right = {j for g in groups for j in g.right}
        return ([i for i in range(len(self.left.readings)) if i not in paired_left],
                [j for j in range(len(self.right.readings)) if j not in paired_right])

    def moved(self, lefts: list[int], rights: list[int]) -> list[Group]:
        """Paragraphs left on both sides that are one paragraph moved: they share enough, or
        they share a name and hold figures of the same kinds (moved, and a figure changed)."""
        scored = []
        left_kinds = Counter(self.left.signature(i) for i in lefts if i and self.left.classes[i])
        right_kinds = Counter(self.right.signature(j) for j in rights if j and self.right.classes[j])
        for i in lefts:
            for j in rights:
                if not (i and j):
                    continue
                shared = self.shared([i], [j])
                # figures of the same kinds, none of them stated by the other edition
                alike = bool(self.left.classes[i]) and (
                    self.left.signature(i) == self.right.signature(j)) and not (
                    self.left.facts[i] & self.right.stated or self.right.facts[j] & self.left.stated)
                only = alike and left_kinds[self.left.signature(i)] == 1 == right_kinds[
                    self.right.signature(j)]
                disjoint = bool(self.left.facts[i] and self.right.facts[j]) and not (
                    self.left.facts[i] & self.right.facts[j])
                if (shared >= MOVED_MIN and (alike or not disjoint)) or (alike and (shared > 0 or only)):
                    scored.append((shared + (CLASS_WEIGHT if alike else 0.0), alike, i, j))
        made, used_left, used_right = [], set(), set()
        for _, alike, i, j in sorted(scored, reverse=True):
            if i in used_left or j in used_right:
                continue
            used_left.add(i)
            used_right.add(j)
            same = bool(self.left.facts[i] & self.right.facts[j])
            made.append(Group([i], [j], sure=same or alike, how="moved", shares=same))
        return made

    def absorb(self, groups: list[Group], alone: list[int], side: str) -> None:
        """A paragraph left alone next to a group joins it when it shares more with the
        group's other side than the group does without it (a merge the order missed)."""
        other = "right" if side == "left" else "left"
        mine, theirs = (self.left, self.right) if side == "left" else (self.right, self.left)
        for index in alone:
            best, gain_best = None, ABSORB_MIN
            for group in groups:
                members = getattr(group, side)
                if group.how == "lead" or (index - 1 not in members and index + 1 not in members):
                    continue
                with_it = members + [index]
                pair = (with_it, getattr(group, other)) if side == "left" else (
                    getattr(group, other), with_it)
                before = (members, getattr(group, other)) if side == "left" else (
                    getattr(group, other), members)
                gain = self.shared(*pair) - self.shared(*before)
                gain += LENGTH_WEIGHT * (self.fit(*before) - self.fit(*pair))
                their_facts = set().union(*(theirs.facts[k] for k in getattr(group, other)))
                our_facts = set().union(*(mine.facts[k] for k in members))
                # figures of the other side with no counterpart of their kind in the group yet
                wanting = {theirs.kind_of[a] for a in their_facts - our_facts} - {
                    mine.kind_of[a] for a in our_facts - their_facts}
                if wanting & {mine.kind_of[a] for a in mine.facts[index]}:
                    gain += CLASS_WEIGHT
                elif mine.facts[index] and not mine.facts[index] & their_facts:
                    continue  # figures the group's other side lacks: a paragraph of its own
                if gain > gain_best:
                    best, gain_best = group, gain
            if best is not None:
                getattr(best, side).append(index)
                getattr(best, side).sort()

    def fill(self, lefts: list[int], rights: list[int]) -> list[Group]:
        """Pair the paragraphs of a gap in order (dynamic programming)."""
        if not lefts or not rights:
            return []
        m, n = len(lefts), len(rights)
        best = [[0.0] * (n + 1) for _ in range(m + 1)]
        move: list[list[tuple | None]] = [[None] * (n + 1) for _ in range(m + 1)]
        for i in range(m + 1):
            for j in range(n + 1):
                if i == 0 and j == 0:
                    continue
                options = []
                if i:
                    options.append((best[i - 1][j], (1, 0)))
                if j:
                    options.append((best[i][j - 1], (0, 1)))
                for di, dj in ((1, 1), (2, 1), (1, 2)):
                    if i >= di and j >= dj and _adjacent(lefts[i - di:i]) and _adjacent(
                            rights[j - dj:j]):
                        cost = PAIR_COST + (MERGE_COST if di + dj == 3 else 0.0)
                        gain = self.score(lefts[i - di:i], rights[j - dj:j], (lefts, rights)) - cost
                        options.append((best[i - di][j - dj] + gain, (di, dj)))
                best[i][j], move[i][j] = max(options, key=lambda option: option[0])
        made, i, j = [], m, n
        anchored_left = {k for k in lefts if self.left.readings[k].anchored}
        anchored_right = {k for k in rights if self.right.readings[k].anchored}
        while i or j:
            di, dj = move[i][j]
            if di and dj:
                pair_left, pair_right = lefts[i - di:i], rights[j - dj:j]
                # the only figures of the gap on both sides (or the only ones of a kind): they
                # can only be each other's
                only = bool(anchored_left and anchored_right) and anchored_left <= set(
                    pair_left) and anchored_right <= set(pair_right)
                shares = self.shared(pair_left, pair_right) > 0
                made.append(Group(pair_left, pair_right,
                                  sure=shares or only or (m == 1 and n == 1)
                                  or self.kind_alone(pair_left, pair_right, lefts, rights),
                                  shares=shares))
            i, j = i - di, j - dj
        return made[::-1]


def _same_speakers(left: list[frozenset], right: list[frozenset]) -> int:
    """How many quotations of one side have one of the other's by the same person."""
    rest = list(right)
    count = 0
    for who in left:
        found = next((k for k, other in enumerate(rest) if who & other or not (who or other)), None)
        if found is not None:
            del rest[found]
            count += 1
    return count


def _adjacent(indices: list[int]) -> bool:
    """Whether paragraphs follow each other in the text (only neighbours merge)."""
    return all(b == a + 1 for a, b in zip(indices, indices[1:], strict=False))


def _place(indices: list[int], gap: list[int]) -> float:
    """Where paragraphs stand in their gap, from 0 (first) to 1 (last)."""
    middle = sum(gap.index(i) for i in indices) / len(indices)
    return middle / (len(gap) - 1) if len(gap) > 1 else 0.5


def _components(edges: list[tuple[int, int]]) -> list[Group]:
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(node):
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for i, j in edges:
        parent[find(("l", i))] = find(("r", j))
    members: dict = {}
    for node in list(parent):
        members.setdefault(find(node), []).append(node)
    groups = []
    for nodes in members.values():
        lefts = sorted(index for side, index in nodes if side == "l")
        rights = sorted(index for side, index in nodes if side == "r")
        groups.append(Group(lefts, rights, sure=True, how="anchor"))
    return sorted(groups, key=lambda g: min(g.left))


def _spine(groups: list[Group]) -> list[Group]:
    """The longest run of groups in the same order on both sides (the rest were moved)."""
    if not groups:
        return []
    ordered = sorted(groups, key=lambda g: min(g.left))
    lengths = [1] * len(ordered)
    previous = [-1] * len(ordered)
    for b in range(len(ordered)):
        for a in range(b):
            if (max(ordered[a].left) < min(ordered[b].left)
                    and max(ordered[a].right) < min(ordered[b].right)
                    and lengths[a] + 1 > lengths[b]):
                lengths[b], previous[b] = lengths[a] + 1, a
    at = max(range(len(ordered)), key=lambda k: lengths[k])
    chain_ = []
    while at != -1:
        chain_.append(ordered[at])
        at = previous[at]
    return chain_[::-1]


def align(left: list[Reading], right: list[Reading], names: NameIndex | None = None) -> Alignment:
    """Pair the paragraphs (lead first) of two editions; `names` groups the story's names."""
    return _Aligner(left, right, names or NameIndex()).align()
