"""The project's tokenizer is built once with its extra rules; held here to spaCy's
English tokenizer with the same rules set on it afterwards (how it was made before)."""

from __future__ import annotations


import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.util import compile_infix_regex, compile_suffix_regex

from paperkg.extract.pipeline import make_nlp
from paperkg.extract.tokenizer import EXTRA_INFIXES, EXTRA_SUFFIXES, pattern_tokenizer
from paperkg.ingest import read_inputs

_PIECES = ["-", "\u2010", "\u2011", "\u2013", " ", "  ", "\n", "\t", "GPT", "4", "72B", ".",
           "(", ")", "[", "]", "LLMs", "have", "can't", "e.g.", "U.S.", "'s", "’", "\"", ",",
           "http://x.org/a-b", "a@b.io", ":)", "Ω", "7B-Instruct", "BERT-", "%", "$", "1.5",
           "Mr.", "vs.", "don't", "—", "/", "…", "LoRA"]


@pytest.fixture(scope="module")
def reference():
    """spaCy's English tokenizer with the extra infixes and suffixes set on it."""
    nlp = spacy.blank("en")
    nlp.tokenizer.infix_finditer = compile_infix_regex(
        [*nlp.Defaults.infixes, *EXTRA_INFIXES]).finditer
    nlp.tokenizer.suffix_search = compile_suffix_regex(
        [*nlp.Defaults.suffixes, *EXTRA_SUFFIXES]).search
    return nlp


@pytest.fixture(scope="module")
def tokenizers():
    return make_nlp(components=False), pattern_tokenizer()


def _tokens(doc):
    return [(t.text, t.whitespace_, t.lower_, t.norm_, t.idx) for t in doc]


@settings(max_examples=300, deadline=None)
@given(text=st.lists(st.sampled_from(_PIECES), min_size=1, max_size=25).map("".join))
def test_both_tokenizers_split_like_spacys_with_the_rules_set_on_it(reference, tokenizers, text):
    expected = _tokens(reference.make_doc(text))
    for nlp in tokenizers:
        assert _tokens(nlp.make_doc(text)) == expected


def test_the_sample_corpus_is_split_like_spacys_with_the_rules_set_on_it(reference, tokenizers):
    papers = read_inputs([]).papers  # the bundled corpus
    main, patterns = tokenizers
    for paper in papers:
        for text in (paper.title, paper.abstract):
            expected = _tokens(reference.make_doc(text))
            assert _tokens(main.make_doc(text)) == expected
            assert _tokens(patterns.make_doc(text)) == expected


def test_the_rules_are_those_of_spacys_english_tokenizer_and_the_extra_ones(reference):
    main = make_nlp(components=False).tokenizer
    assert main.rules == reference.tokenizer.rules
    assert main.token_match == reference.tokenizer.token_match
    assert main.url_match == reference.tokenizer.url_match
    assert main.suffix_search("72B.").group() == "."
    assert main.suffix_search("GPT-").group() == "-"
