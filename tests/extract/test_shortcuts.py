"""Faster steps of extraction, each held to the plainer step it replaced on texts
made of the pieces the step looks at: the same answers, and the cases where a
shortcut must not be taken spelt out."""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperkg.extract.acronyms import _tail_words
from paperkg.extract.candidates import _URL, _URL_HINTS, Candidate, DocState
from paperkg.extract.cues import PROPOSAL, proposal_spans
from paperkg.extract.pipeline import make_nlp
from paperkg.extract.resources import Resources, load_resources
from paperkg.extract.words import _CHUNK, glued_words
from paperkg.records import EntityType

# white space of every kind str.split and the expressions' \s know (a file separator,
# a next-line, a no-break and a line separator among them), and what is not
_SPACES = [" ", "  ", "\t", "\n", "\x1c", "\x85", "\u00a0", "\u2028"]


def _texts(pieces: list[str], size: int = 30) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(pieces), max_size=size).map("".join)


# -- the last words before a bracket ---------------------------------------------
_OLD_WORD = re.compile(r"\S+")


def _old_tail_words(text: str, limit: int) -> tuple[str, int]:
    words = list(_OLD_WORD.finditer(text))[-limit:]
    if not words:
        return "", len(text)
    start = words[0].start()
    return text[start:], start


@settings(max_examples=800, deadline=None)
@given(_texts(["a", "Bc", "(d)", ",", "é", "1", *_SPACES]), st.integers(1, 8))
def test_the_tail_words_are_the_last_matches_of_the_expression(text, limit):
    text = text.rstrip()  # as the caller gives it
    assert _tail_words(text, limit) == _old_tail_words(text, limit)


def test_tail_words_spelt_out():
    assert _tail_words("", 3) == ("", 0)
    assert _tail_words("one", 3) == ("one", 0)
    assert _tail_words("\u2028 one two", 5) == ("one two", 2)  # fewer words than asked
    assert _tail_words("zero\x85 one\t\ttwo", 2) == ("one\t\ttwo", 6)


# -- the proposal cues -------------------------------------------------------
_CUE_PIECES = ["we", "We", "WE", " ", "\n", "propose", "Presents", "introduced", "this paper",
               "This Work", "here, we", "in this work we", "by", "By first ", "introducing",
               " to", "s", "x", "-", "İ", "ſ", "\u212a", "é", ".", ","]


@settings(max_examples=800, deadline=None)
@given(_texts(_CUE_PIECES))
def test_the_proposal_spans_are_those_of_the_case_blind_expression(text):
    assert proposal_spans(text) == [m.span() for m in PROPOSAL.finditer(text)]


def test_the_ascii_shortcut_is_not_taken_where_case_folds_beyond_ascii():
    # the long s folds to "s" and the Kelvin sign to "k" when matching case-blind;
    # lower-casing leaves the first and the dotted I changes the text's length
    for text in ["we propoſe X", "\u0130 we present X", "in this wor\u212a, we build X"]:
        assert proposal_spans(text) == [m.span() for m in PROPOSAL.finditer(text)]
    assert proposal_spans("we propoſe X") == [(0, 10)]
    assert proposal_spans("in this wor\u212a, we build X") == [(0, 22)]


# -- glued words with a capital or a digit -------------------------------------
_WORD_PIECES = ["a", "B", "7", "-", "'s", "’", ".", ",", "/", "(", ")", ";", "[", "]", "{", "}",
                '"', "“", ":", "!", "é", "Ä", *_SPACES]
_NLP = make_nlp(components=False)


@settings(max_examples=300, deadline=None)
@given(_texts(_WORD_PIECES, 24))
def test_the_interesting_words_are_the_words_of_chunks_with_a_capital_or_digit(text):
    doc = _NLP(text)
    chunks = [m.span() for m in _CHUNK.finditer(text) if re.search("[A-Z0-9]", m.group())]
    expected = [w for w in glued_words(doc) if any(s <= w.start_char < e for s, e in chunks)]
    assert list(glued_words(doc, interesting_only=True)) == expected


# -- copies of candidates ------------------------------------------------------
_CANDIDATE = Candidate(3, 7, "LoRA", EntityType.TECHNIQUE, "named", "gazetteer", 0.9,
                       known="LoRA", aliases=("Low-Rank Adaptation",), parent="x")
_CHANGES = st.dictionaries(
    st.sampled_from([f.name for f in dataclasses.fields(Candidate)]),
    st.one_of(st.integers(0, 9), st.text(max_size=3), st.none(), st.booleans()))


@settings(max_examples=300, deadline=None)
@given(_CHANGES)
def test_a_candidate_copy_is_what_replace_makes(changes):
    assert _CANDIDATE.with_(**changes) == dataclasses.replace(_CANDIDATE, **changes)


def test_a_candidate_copy_refuses_an_unknown_field():
    with pytest.raises(TypeError, match="no field 'colour'"):
        _CANDIDATE.with_(colour="red")


# -- web addresses ---------------------------------------------------------------
_URL_PIECES = ["http", "HTTPS", "://", "www.", "WWW.", "github.", "GitHub.", "hf.", "co/", "com/",
               "io/", "x", " ", "\n", '"', "<", "İ", "ſ", ".", "/"]


@settings(max_examples=600, deadline=None)
@given(_texts(_URL_PIECES))
def test_the_addresses_are_those_the_expression_finds_after_the_cheap_test(text):
    current = DocState(title_end=0, text=text)
    current.in_url(0, 0)
    maybe = any(hint in text.lower() for hint in _URL_HINTS)
    assert current._urls == ([m.span() for m in _URL.finditer(text)] if maybe else [])


# -- the type a head noun signals -------------------------------------------------
def _old_cue_type(resources: Resources, head: str) -> EntityType | None:
    head = head.lower()
    for entity_type, words in resources.cues.items():
        if head in words:
            return entity_type
    return None


def test_a_cue_word_has_the_type_of_the_first_list_it_is_in():
    shared = Resources(entities=(), stoplist=frozenset(), cues={
        EntityType.BENCHMARK: ("suite", "benchmark"), EntityType.DATASET: ("suite", "corpus")})
    assert shared.cue_type("Suite") is EntityType.BENCHMARK
    assert shared.cue_type("corpus") is EntityType.DATASET
    assert shared.cue_type("model") is None
    curated = load_resources(())
    heads = {word for words in curated.cues.values() for word in words}
    for head in sorted(heads) + ["Benchmark", "MODEL", "unknown", ""]:
        assert curated.cue_type(head) is _old_cue_type(curated, head), head
