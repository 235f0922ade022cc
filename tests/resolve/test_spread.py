"""Finding coined names again in other papers (paperkg.resolve.spread)."""

from __future__ import annotations

import re
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from paperkg.extract.words import name_words
from paperkg.resolve.spread import spread_names, words_among

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
    # what extraction keeps for resolution: the same words
    assert set(name_words(text).split()) == reference


def test_words_among_keeps_only_wanted_name_like_words():
    text = 'SPERO, (ExpertFlow) and "SPERO-2"; see Σnet/ab: 7.'
    assert words_among(text, {"SPERO", "ExpertFlow", "SPERO-2", "Σnet", "ab", "7", "and"}) == \
        {"SPERO", "ExpertFlow", "SPERO-2", "7"}


def test_kept_words_find_what_the_texts_find(extractor, resources):
    # the extractions of a few papers that share coined names, with the words the
    # extractor kept and without them
    from paperkg.records import Paper

    papers = [Paper("a", "Sparse routing", "We propose Sparse Expert Routing (SPERO)."),
              Paper("b", "routing at scale", "SPERO is compared with baselines."),
              Paper("c", "Other", 'On "SPERO-2", not SPERO; ExpertFlow.')]
    kept = extractor.extract(papers)
    assert all(e.words for e in kept)
    bare = [replace(e, words=None) for e in kept]
    spread = spread_names(kept, resources.is_stopped)
    assert spread == [replace(e, words=k.words) for e, k in
                      zip(spread_names(bare, resources.is_stopped), kept, strict=True)]
    for found in spread[1:]:
        assert "SPERO" in {m.text for m in found.mentions if m.rule == "corpus-name"}
