"""The project's tokenizer is built once with its extra rules; held here to spaCy's
English tokenizer with the same rules set on it afterwards (how it was made before),
and the curated names' patterns to being made once per process and resources."""

from __future__ import annotations

import functools
import json

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.util import compile_infix_regex, compile_suffix_regex

from paperkg.extract.gazetteer import patterns_of
from paperkg.extract.pipeline import Extractor, Settings, make_nlp
from paperkg.extract.resources import load_resources
from paperkg.extract.tokenizer import EXTRA_INFIXES, EXTRA_SUFFIXES, pattern_tokenizer
from paperkg.ingest import read_inputs
from paperkg.records import Paper

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


def _pattern_tokens(doc):
    """What a pattern is made of: the pattern vocabulary works out only LOWER."""
    return [(t.text, t.whitespace_, t.lower_, t.lower, t.orth, t.idx) for t in doc]


@settings(max_examples=300, deadline=None)
@given(text=st.lists(st.sampled_from(_PIECES), min_size=1, max_size=25).map("".join))
def test_both_tokenizers_split_like_spacys_with_the_rules_set_on_it(reference, tokenizers, text):
    main, patterns = tokenizers
    expected = reference.make_doc(text)
    assert _tokens(main.make_doc(text)) == _tokens(expected)
    assert _pattern_tokens(patterns(text)) == _pattern_tokens(expected)


def test_the_sample_corpus_is_split_like_spacys_with_the_rules_set_on_it(reference, tokenizers):
    papers = read_inputs([]).papers  # the bundled corpus
    main, patterns = tokenizers
    for paper in papers:
        for text in (paper.title, paper.abstract):
            expected = reference.make_doc(text)
            assert _tokens(main.make_doc(text)) == _tokens(expected)
            assert _pattern_tokens(patterns(text)) == _pattern_tokens(expected)


def test_the_rules_are_those_of_spacys_english_tokenizer_and_the_extra_ones(reference):
    main = make_nlp(components=False).tokenizer
    assert main.rules == reference.tokenizer.rules
    assert main.token_match == reference.tokenizer.token_match
    assert main.url_match == reference.tokenizer.url_match
    assert main.suffix_search("72B.").group() == "."
    assert main.suffix_search("GPT-").group() == "-"


def test_pipelines_of_one_process_share_the_patterns_and_find_the_same_names():
    paper = Paper("id:1", "QLoRA: Efficient Finetuning of Quantized LLMs",
                  "We fine-tune LLaMA-2 and GPT-4 with Low-Rank Adaptation (LoRA); on ARC, "
                  "MMLU and GSM8K it beats full fine-tuning and knowledge distillation.")
    first, second = Extractor(), Extractor()
    assert first.nlp.vocab is not second.nlp.vocab
    assert patterns_of(load_resources(())) is patterns_of(load_resources(()))
    found = [sorted((m.text, m.rule, m.resource_id) for m in e.extract([paper])[0].mentions)
             for e in (first, second)]
    assert found[0] == found[1]
    assert {"LLaMA-2", "GPT-4", "ARC", "MMLU", "GSM8K"} <= {text for text, _, _ in found[0]}


def test_a_pipeline_with_more_resources_gets_patterns_of_its_own(tmp_path):
    (tmp_path / "entities.jsonl").write_text(json.dumps(
        {"name": "Zorblax", "type": "Model", "aliases": ["Zorblax-XL"]}) + "\n",
        encoding="utf-8")
    paper = Paper("id:1", "A study", "We compare Zorblax-XL with GPT-4 on MMLU.")
    plain = Extractor()
    extended = Extractor(Settings(resource_dirs=(str(tmp_path),)))
    assert patterns_of(load_resources(())) is not patterns_of(load_resources((str(tmp_path),)))

    def known(extractor):
        return {m.text: m.resource_id for m in extractor.extract([paper])[0].mentions
                if m.rule == "gazetteer"}

    assert known(extended)["Zorblax-XL"] == "Zorblax"
    assert "Zorblax-XL" not in known(plain)
    assert known(plain)["GPT-4"] == known(extended)["GPT-4"]


def _old_patterns(resources):
    """The matchers' patterns as made before: a document per variant, by a blank
    English pipeline."""
    from spacy.matcher import PhraseMatcher

    from paperkg.extract.gazetteer import case_sensitive, exact_forms, surface_variants
    from paperkg.extract.text import name_key
    from paperkg.extract.tokenizer import blank_english

    tokenizer = blank_english()
    exact = PhraseMatcher(tokenizer.vocab, attr="ORTH")
    loose = PhraseMatcher(tokenizer.vocab, attr="LOWER")
    for entity in resources.entities:
        for surface in entity.names:
            matcher, forms = (exact, exact_forms(surface)) if case_sensitive(surface) \
                else (loose, surface_variants(surface))
            matcher.add(name_key(entity.name), [tokenizer.make_doc(v) for v in sorted(forms)])
    return exact, loose


def _state(matcher):
    """A matcher's patterns: match id -> the set of its token hash sequences (what
    spaCy pickles)."""
    return matcher.__reduce__()[1][1]


def test_the_bundled_names_patterns_are_those_made_a_document_a_variant():
    resources = load_resources(())
    exact, loose = _old_patterns(resources)
    made = patterns_of(resources)
    assert _state(made.exact_case) == _state(exact)
    assert _state(made.any_case) == _state(loose)
    assert len(_state(loose)) > 2000


_pattern_tokenizer = functools.cache(pattern_tokenizer)


def _alone(tokenizer, text):
    """The ORTH and LOWER hashes of ``text`` tokenized on its own."""
    rows = tokenizer(text).to_array(["ORTH", "LOWER"]).tolist()
    return tuple(r[0] for r in rows), tuple(r[1] for r in rows)

_NAME_PIECES = ["GPT", "-", "4", " ", "  ", "\t", "\n", "LLaMA", "72B", ".", "(", ")", "'s",
                "can't", "e.g.", "Mr.", "U.S.", "/", "Ω", "ε", "—", "x", "'", "\u2011", ":)"]


@settings(max_examples=200, deadline=None)
@given(texts=st.lists(st.lists(st.sampled_from(_NAME_PIECES), min_size=1, max_size=6)
                      .map("".join), min_size=1, max_size=30))
def test_names_tokenized_together_give_the_hashes_of_each_alone(texts):
    from paperkg.extract.gazetteer import token_hashes

    tokenizer = _pattern_tokenizer()
    found = token_hashes(tokenizer, texts)
    assert set(found) == set(texts)
    for text in texts:
        assert found[text] == _alone(tokenizer, text), text


def test_many_names_are_tokenized_in_several_documents(monkeypatch):
    from paperkg.extract import gazetteer

    monkeypatch.setattr(gazetteer, "_JOINED_CHARS", 50)
    tokenizer = pattern_tokenizer()
    texts = [f"Model-{i} v{i}.5" for i in range(200)]
    found = gazetteer.token_hashes(tokenizer, texts)
    for text in texts[::37]:
        assert found[text] == _alone(tokenizer, text)


def test_a_text_not_cut_where_expected_is_tokenized_alone():
    """Texts that begin or end with white space run into the line breaks around them
    ("\\n " is one token): the check of each text's first and next token sends them
    to be tokenized alone."""
    from paperkg.extract.gazetteer import _tokenize_joined

    tokenizer = _pattern_tokenizer()
    texts = ["GPT-4", " LLaMA", "BERT ", "T5", "\tX", "Y\n", "Z"]
    found: dict = {}
    _tokenize_joined(tokenizer, texts, found)
    for text in texts:
        assert found[text] == _alone(tokenizer, text), text


def test_only_the_most_recently_used_patterns_are_kept(tmp_path, monkeypatch):
    from paperkg.extract import gazetteer

    monkeypatch.setattr(gazetteer, "_PATTERNS", {})
    folders = []
    for name in ("Zorblax", "Quintor", "Vexlim"):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "entities.jsonl").write_text(
            json.dumps({"name": name, "type": "Model"}) + "\n", encoding="utf-8")
        folders.append((str(folder),))
    first, second = (patterns_of(load_resources(f)) for f in folders[:2])
    assert patterns_of(load_resources(folders[0])) is first  # used again: kept
    patterns_of(load_resources(folders[2]))  # a third: the least recently used goes
    assert len(gazetteer._PATTERNS) == 2
    assert patterns_of(load_resources(folders[0])) is first
    assert patterns_of(load_resources(folders[1])) is not second
