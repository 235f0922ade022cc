"""Sentence bounds: the expression that finds sentence ends, held to the plainer one it
replaced, and a few ends and non-ends spelled out."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from paperkg.extract.plaintext import _ABBREVIATION, TITLE_SEPARATOR, sentence_bounds

#: the expression before: the end starts after the mark (a look-behind)
_OLD_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z0-9\"'(\[])")


def _old_sentence_bounds(text: str) -> list[tuple[int, int]]:
    bounds: list[tuple[int, int]] = []
    boundary = text.find(TITLE_SEPARATOR)
    body_start = 0
    if boundary >= 0:
        bounds.append((0, boundary))
        body_start = boundary + len(TITLE_SEPARATOR)
    start = body_start
    for match in _OLD_END.finditer(text, body_start):
        if _ABBREVIATION.search(text, max(start, match.start() - 12), match.start()):
            continue
        bounds.append((start, match.start()))
        start = match.end()
    if start < len(text) or not bounds:
        bounds.append((start, len(text)))
    return [(s, e) for s, e in bounds if e > s] or [(0, len(text))]


# pieces of text the expressions look at (marks, closers, spaces, what may start a
# sentence, abbreviations), and some they do not
_PIECES = [".", "!", "?", '"', "'", ")", "]", " ", "\n", "\t", "A", "1", "(", "[", "e.g.",
           "Fig.", "ab", "-", "é", "Z."]
_TEXTS = st.lists(st.sampled_from(_PIECES), max_size=30).map("".join)


@settings(max_examples=600, deadline=None)
@given(_TEXTS, st.booleans())
def test_the_bounds_are_those_of_the_look_behind_expression(text, titled):
    if titled:
        text = "A Title" + TITLE_SEPARATOR + text
    assert sentence_bounds(text) == _old_sentence_bounds(text)


def test_ends_and_non_ends():
    # a sentence ends at its mark: a closing quote or bracket after it is between two
    text = 'T\n\nWe use LoRA (e.g. on MMLU). "It works!" (Fig. 2) shows it?! Yes... 3 more.'
    assert [text[s:e] for s, e in sentence_bounds(text)] == [
        "T", "We use LoRA (e.g. on MMLU).", '"It works!', "(Fig. 2) shows it?!", "Yes...",
        "3 more."]


@settings(max_examples=600, deadline=None)
@given(_TEXTS, st.booleans(), st.data())
def test_the_bounds_through_an_offset_are_the_first_up_to_the_one_past_it(text, titled, data):
    """Resolution asks for the sentences up to a name: the same bounds as the whole
    text's, cut after the first that ends past the offset."""
    if titled:
        text = "A Title" + TITLE_SEPARATOR + text
    whole = sentence_bounds(text)
    # any offset, often one where a sentence ends or starts
    through = data.draw(st.integers(min_value=0, max_value=len(text) + 1) |
                        st.sampled_from([offset for bound in whole for offset in bound]))
    past = next((i for i, (_, end) in enumerate(whole) if end > through), len(whole) - 1)
    assert sentence_bounds(text, through) == whole[: past + 1]
