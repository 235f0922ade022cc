"""The overlap check that keeps a long list of names from costing quadratic time."""

from __future__ import annotations

import random

from paperkg.extract.finalize import _overlaps_taken


def test_the_overlap_check_answers_as_comparing_every_span_does():
    rng = random.Random(0)
    for _ in range(300):
        taken: list[tuple[int, int]] = []
        for _ in range(rng.randrange(12)):
            start = rng.randrange(40)
            span = (start, start + rng.randrange(4))
            if not any(span[0] < e and s < span[1] for s, e in taken):
                taken.append(span)
        taken.sort()
        for start in range(42):
            for end in range(start, start + 5):
                expected = any(start < e and s < end for s, e in taken)
                assert _overlaps_taken(taken, start, end) == expected, (taken, start, end)

