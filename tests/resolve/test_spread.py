"""Finding coined names again in other papers (paperkg.resolve.spread)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperkg.extract.plaintext import name_words
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


def _papers_coining_names():
    """Earlier papers, where one coins SPERO and another only writes Zorblax and
    ExpertFlow; new papers, one of which coins Zorblax."""
    from paperkg.records import Paper

    earlier = [Paper("a", "Sparse routing", "We propose Sparse Expert Routing (SPERO)."),
               Paper("b", "Routing at scale", "SPERO is compared with Zorblax and ExpertFlow."),
               Paper("c", "Other things", "Nothing coined here; Zorblax is fast.")]
    new = [Paper("d", "Zorblax: fast routing", "We propose Zorblax, a router."),
           Paper("e", "More routing", "Zorblax and SPERO beat ExpertFlow.")]
    return earlier, new


def _spread_of(extractions, text):
    return [(e.paper.key, m.text, m.start, m.sentence) for e in extractions
            for m in e.mentions if m.rule == "corpus-name" and m.text == text]


def test_an_update_spreads_only_the_new_names_in_earlier_papers_and_equals_a_full_spread(
        extractor, resources):
    earlier_papers, new_papers = _papers_coining_names()
    earlier = spread_names(extractor.extract(earlier_papers), resources.is_stopped)
    new = extractor.extract(new_papers)
    full = spread_names(extractor.extract(earlier_papers + new_papers), resources.is_stopped)
    # the earlier build's spread: SPERO found in b; Zorblax not coined yet
    assert [key for key, *_ in _spread_of(earlier, "SPERO")] == ["b"]
    assert not _spread_of(earlier, "Zorblax")

    updated = spread_names(earlier + new, resources.is_stopped, earlier=len(earlier))
    assert updated == full
    # Zorblax, coined by d, is found in the earlier b and c and in the new e
    assert [key for key, *_ in _spread_of(updated, "Zorblax")] == ["b", "c", "e"]
    # in b the new mention stands among the earlier spread's, in the order of the text
    b = next(e for e in updated if e.paper.key == "b")
    spread = [m for m in b.mentions if m.rule == "corpus-name"]
    assert [m.text for m in spread] == ["SPERO", "Zorblax"]
    assert b.mentions[-len(spread):] == tuple(spread)


def test_an_updates_earlier_papers_are_not_looked_at_again_for_old_names(extractor, resources):
    earlier_papers, new_papers = _papers_coining_names()
    earlier = spread_names(extractor.extract(earlier_papers), resources.is_stopped)
    # a spread mention the earlier build found stays as it was: it is not found again
    b = earlier[1]
    marked = replace(b, mentions=tuple(
        replace(m, sentence="as the earlier build found it") if m.rule == "corpus-name" else m
        for m in b.mentions))
    new = extractor.extract(new_papers[1:])  # no new name
    updated = spread_names([earlier[0], marked, earlier[2], *new], resources.is_stopped,
                           earlier=3)
    assert updated[1] is marked


def test_spread_mentions_of_papers_not_counted_as_earlier_are_found_again(extractor, resources):
    earlier_papers, new_papers = _papers_coining_names()
    earlier = spread_names(extractor.extract(earlier_papers), resources.is_stopped)
    new = extractor.extract(new_papers)
    full = spread_names(extractor.extract(earlier_papers + new_papers), resources.is_stopped)
    assert spread_names(earlier + new, resources.is_stopped) == full
    # the paper that coined SPERO is gone: b's SPERO goes too
    without_a = spread_names(earlier[1:] + new, resources.is_stopped)
    assert not _spread_of(without_a, "SPERO")
    assert without_a == spread_names(extractor.extract(earlier_papers[1:] + new_papers),
                                     resources.is_stopped)


#: papers that coin names (defined, proposed, title prefixes) and use each other's
POOL = [
    ("p0", "Sparse routing", "We propose Sparse Expert Routing (SPERO)."),
    ("p1", "Zorblax: fast routing", "We propose Zorblax, a router built on SPERO."),
    ("p2", "Routing at scale", "SPERO is compared with Zorblax and Quenda."),
    ("p3", "Quenda: tiny experts", "We introduce Quenda, which beats Zorblax."),
    ("p4", "Other things", "Nothing coined here; Quenda and SPERO are fast."),
    ("p5", "Mixed Expert Tuning (MET)", "MET tunes experts; SPERO-2 and Zorblax-XL follow."),
    ("p6", "Plain text", "A study of routers, with MET and Quenda in the title of none."),
]


@pytest.fixture(scope="module")
def pool(extractor):
    from paperkg.records import Paper

    return {key: extraction for (key, *_), extraction in
            zip(POOL, extractor.extract([Paper(*row) for row in POOL]), strict=True)}


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations([key for key, *_ in POOL]), cut=st.integers(0, len(POOL)))
def test_any_update_of_any_earlier_build_spreads_as_a_full_build(pool, resources, order, cut):
    extractions = [pool[key] for key in order]
    earlier = spread_names(extractions[:cut], resources.is_stopped)
    updated = spread_names(earlier + extractions[cut:], resources.is_stopped, earlier=cut)
    assert updated == spread_names(extractions, resources.is_stopped)


def test_resolution_loads_no_spacy():
    """An update whose papers are all extracted (elsewhere, or earlier) resolves without
    spaCy: its import takes most of a second."""
    import subprocess
    import sys

    code = "import sys, paperkg.resolve, paperkg.resolve.spread; print('spacy' in sys.modules)"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True)
    assert found.stdout.strip() == "False"
