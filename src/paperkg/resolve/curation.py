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
    blocks: dict[tuple[str, str], list[str]] = defaultdict(list)
    for entity_type, label in typed:
        key = match_key(label)
        if len(key) >= 4:
            blocks[(entity_type, key[:3])].append(label)
    pairs: list[tuple[str, str, float]] = []
    for members in blocks.values():
        # name keys keep "+" and version dots: MBPP and MBPP+ are not identical
        labels = sorted(members)
        keys = [name_key(label) for label in labels]
        for i, (first, first_key) in enumerate(zip(labels, keys, strict=True)):
            for j in range(i + 1, min(i + 50, len(labels))):
                # 0 below the cut-off, else the ratio itself
                score = fuzz.ratio(first_key, keys[j], score_cutoff=MIN_SIMILARITY)
                if score and first != labels[j]:
                    pairs.append((first, labels[j], round(score, 1)))
    pairs.sort(key=lambda p: (-p[2], p[0], p[1]))
    return tuple(pairs[:limit])
