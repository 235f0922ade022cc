"""Curation aids: near-duplicate entities that resolution did not merge."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from rapidfuzz import fuzz

from paperkg.extract.text import match_key, name_key
from paperkg.records import Entity

MIN_SIMILARITY = 90.0


def near_duplicates(entities: Sequence[Entity], limit: int = 500) -> tuple[tuple[str, str, float], ...]:
    """Pairs of same-typed entity labels that look alike but were kept apart.

    Version and size variants (GPT-4 / GPT-4o) are expected to look alike; they are
    listed too, so a curator can confirm them. Blocking on the first three
    characters of the key keeps this near-linear.
    """
    return near_duplicate_labels([(e.type.value, e.label) for e in entities], limit)


def near_duplicate_labels(typed: Sequence[tuple[str, str]],
                          limit: int = 500) -> tuple[tuple[str, str, float], ...]:
    """:func:`near_duplicates` of entities given as ``(type, label)`` pairs, in any
    order (a build sends them to its helper process: see :mod:`paperkg.helper`)."""
    return NearDuplicates.of(typed).top(limit)


Block = tuple[str, str]
Pair = tuple[str, str, float]


class NearDuplicates:
    """The labels of each block (an entity type and the first three characters of
    a label's match key) and the near-duplicate pairs found in it: kept, an update
    looks again at only the blocks whose labels changed."""

    def __init__(self, blocks: dict[Block, list[str]], pairs: dict[Block, list[Pair]]):
        self.blocks, self.pairs = blocks, pairs

    @classmethod
    def of(cls, typed: Sequence[tuple[str, str]]) -> NearDuplicates:
        blocks: dict[Block, list[str]] = defaultdict(list)
        for entity_type, label in typed:
            if (block := _block(entity_type, label)) is not None:
                blocks[block].append(label)
        return cls(dict(blocks), {block: _pairs(members) for block, members in blocks.items()})

    def changed(self, removed: Sequence[tuple[str, str]],
                added: Sequence[tuple[str, str]]) -> NearDuplicates:
        """The pairs once the entities ``removed`` (type, label) are gone and
        ``added`` are in (an entity whose label or type changed is in both); the
        other blocks' pairs are this one's."""
        blocks, pairs = dict(self.blocks), dict(self.pairs)
        touched: set[Block] = set()
        for entity_type, label in removed:
            if (block := _block(entity_type, label)) is not None:
                members = blocks[block] = list(blocks[block])
                members.remove(label)
                touched.add(block)
        for entity_type, label in added:
            if (block := _block(entity_type, label)) is not None:
                blocks[block] = [*blocks.get(block, ()), label]
                touched.add(block)
        for block in touched:
            if blocks[block]:
                pairs[block] = _pairs(blocks[block])
            else:
                del blocks[block], pairs[block]
        return NearDuplicates(blocks, pairs)

    def top(self, limit: int = 500) -> tuple[Pair, ...]:
        """The ``limit`` most alike pairs, most alike first, then by their labels."""
        found = [pair for block in self.pairs.values() for pair in block]
        found.sort(key=lambda p: (-p[2], p[0], p[1]))
        return tuple(found[:limit])


def _block(entity_type: str, label: str) -> Block | None:
    key = match_key(label)
    return (entity_type, key[:3]) if len(key) >= 4 else None


def _pairs(members: list[str]) -> list[Pair]:
    """The near-duplicate pairs of one block's labels: each label against the next
    49 in sorted order."""
    # name keys keep "+" and version dots: MBPP and MBPP+ are not identical
    labels = sorted(members)
    keys = [name_key(label) for label in labels]
    pairs = []
    for i, (first, first_key) in enumerate(zip(labels, keys, strict=True)):
        for j in range(i + 1, min(i + 50, len(labels))):
            # 0 below the cut-off, else the ratio itself
            score = fuzz.ratio(first_key, keys[j], score_cutoff=MIN_SIMILARITY)
            if score and first != labels[j]:
                pairs.append((first, labels[j], round(score, 1)))
    return pairs
