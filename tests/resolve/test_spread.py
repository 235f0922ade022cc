"""Finding coined names again in other papers (paperkg.resolve.spread)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from paperkg.resolve.spread import words_among

#: the pattern spread_names used before words_among (kept here as the reference):
#: a run of characters between separators, with a capital letter or a digit
REFERENCE = re.compile(
    r"(?<![^\s/(),;\[\]{}\"'“”‘’])[^\s/(),;\[\]{}\"'“”‘’]*[A-Z0-9][^\s/(),;\[\]{}\"'“”‘’]*")

PIECES = st.sampled_from(["SPERO", "Flow2", "x", "ab", "Σnet", "É", "7", "-", ".", ",", ":", "!",
                          "?", " ", "\n", "\t", "\u00a0", "\u2003", "/", "(", ")", "[", "]", "{",
                          "}", ";", '"', "'", "“", "”", "‘", "’", "_", "+"])


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=25).map("".join))
def test_words_among_finds_the_words_the_reference_pattern_finds(text):
    reference = {word.rstrip(",.;:!?") for word in REFERENCE.findall(text)}
    # every piece of the text is wanted, so what is found or left out is the rule's doing
    everything = {text[i:j] for i in range(len(text)) for j in range(i + 1, len(text) + 1)}
    assert words_among(text, everything) == reference


def test_words_among_keeps_only_wanted_name_like_words():
    text = 'SPERO, (ExpertFlow) and "SPERO-2"; see Σnet/ab: 7.'
    assert words_among(text, {"SPERO", "ExpertFlow", "SPERO-2", "Σnet", "ab", "7", "and"}) == \
        {"SPERO", "ExpertFlow", "SPERO-2", "7"}
