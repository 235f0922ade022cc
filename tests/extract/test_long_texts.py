"""The overlap check that keeps a long list of names from costing quadratic time."""

from __future__ import annotations

import random

import pytest

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



# --- a text defining thousands of short forms -------------------------------------------
# Three steps compared every pair of names, or scanned the whole text once per short
# form: a 96 KB abstract of about 2,500 definitions took 22 s (2 s now; bench/RESULTS.md).
# The tests below hold each fast step to the slow one it replaced.

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _definitions_text(rng: random.Random, count: int) -> str:
    """An abstract of coined names, their short forms, and lineage cues between them;
    some long forms end with an earlier name ("Fast-Aeiol Bnrst" after "Aeiol Bnrst")."""
    parts, earlier = ["We propose"], []
    for i in range(count):
        short = "".join(rng.choice(_LETTERS[:6]) for _ in range(rng.randrange(2, 4)))
        words = " ".join(letter + "".join(rng.choice("aeiolnrst") for _ in range(4))
                         for letter in short)
        if earlier and rng.random() < 0.4:  # a variant of an earlier name
            words = rng.choice(["Fast", "Quantized", "Sparse Soft"]) + rng.choice(" -") + \
                rng.choice(earlier)
            short = "".join(word[0] for word in words.replace("-", " ").split()).upper()
        elif rng.random() < 0.3:  # a one-word name, later a long form's head
            words = short[0] + "".join(rng.choice("aeiolnrst") for _ in range(4)) + "Net"
            short = words[0] + "N"
        earlier.append(words)
        joint = rng.choice([", built on ", " and ", ", based on ", "; ", " of "])
        tail = rng.choice(["", f" {short}s", f" (v{i})", f" {words}"])
        parts.append(f"{words} ({short}){tail}{joint}")
    return "".join(parts) + " more."


def _old_occurrences(current, short):
    from paperkg.extract.acronyms import _occurrence

    return [m.span() for m in _occurrence(short).finditer(current.text)]


def _old_long_forms(self, current) -> None:
    from paperkg.extract.lineage import _compatible
    from paperkg.extract.text import name_key

    named = {name_key(c.text): c for c in current.candidates if c.kind == "named"}
    for candidate in current.candidates:
        long = candidate.text
        if candidate.rule != "acronym" or not candidate.aliases or " " not in long:
            continue
        child = named.get(name_key(candidate.aliases[0]))
        if child is None:
            continue
        for parent in named.values():
            head = len(long) - len(parent.text)
            if head > 0 and long.endswith(parent.text) and long[head - 1] in " -" and \
                    parent is not child and _compatible(child, parent):
                evidence = current.sentence_text(candidate.start)
                current.lineage.append((candidate.aliases[0], parent.text, evidence, "naming"))
                break


@pytest.mark.parametrize("scanned", [True, False], ids=["scanned", "indexed"])
def test_the_scan_and_the_word_index_find_each_short_form_where_the_expression_does(scanned):
    from paperkg.extract.acronyms import _SCANS_BEFORE_INDEX, _occurrences
    from paperkg.extract.candidates import DocState

    rng = random.Random(1)
    alphabet = "ABCs- -_.é(1)/٣"  # ٣: an Arabic-Indic digit, a \w that is not ASCII
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(60)))
        current = DocState(title_end=0, text=text)
        current.scans = -10**6 if scanned else _SCANS_BEFORE_INDEX
        for _ in range(20):
            short = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 4)))
            assert _occurrences(current, short) == _old_occurrences(current, short), \
                (text, short)
        assert (current.words is None) == scanned


def test_the_extraction_of_many_definitions_is_the_slow_steps_extraction(monkeypatch):
    from paperkg.extract import acronyms, lineage
    from paperkg.extract.pipeline import Extractor
    from paperkg.records import Paper

    rng = random.Random(2)
    papers = [Paper(key=f"id:{i}", title=f"Paper {i}", abstract=_definitions_text(rng, n))
              for i, n in enumerate([5, 20, 60, 150])]
    pairs = lineage.StatedLineage._pairs
    compared = []

    def in_text_order(self, current, members, evidence):
        # _pairs stops at the first name too far from ``first``: right only when the
        # names come in text order and apart, as finalize leaves them
        assert all(a.end <= b.start for a, b in zip(members, members[1:], strict=False))
        compared.append(len(members))
        pairs(self, current, members, evidence)

    monkeypatch.setattr(lineage.StatedLineage, "_pairs", in_text_order)
    fast = [(e.mentions, e.lineage) for e in Extractor().extract(papers)]
    assert max(compared) > 100
    monkeypatch.setattr(acronyms, "_occurrences", _old_occurrences)
    monkeypatch.setattr(lineage.StatedLineage, "_long_forms", _old_long_forms)
    slow = [(e.mentions, e.lineage) for e in Extractor().extract(papers)]
    assert fast == slow
    naming = [claim for _, claims in fast for claim in claims if claim.rule == "naming"]
    assert len(naming) > 20  # long forms that end with another name
