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
    blocks: dict[tuple[str, str], list[Entity]] = defaultdict(list)
    for entity in entities:
        key = match_key(entity.label)
        if len(key) >= 4:
            blocks[(entity.type.value, key[:3])].append(entity)
    pairs: list[tuple[str, str, float]] = []
    for members in blocks.values():
        members = sorted(members, key=lambda e: e.label)
        for i, first in enumerate(members):
            for second in members[i + 1 : i + 50]:
                # name keys keep "+" and version dots: MBPP and MBPP+ are not identical
                score = fuzz.ratio(name_key(first.label), name_key(second.label))
                if score >= MIN_SIMILARITY and first.label != second.label:
                    pairs.append((first.label, second.label, round(score, 1)))
    pairs.sort(key=lambda p: (-p[2], p[0], p[1]))
    return tuple(pairs[:limit])
