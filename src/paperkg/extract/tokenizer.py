"""The tokenizer every extraction pipeline and pattern list shares."""

from __future__ import annotations

import spacy
from spacy.language import Language
from spacy.util import compile_infix_regex, compile_suffix_regex


def customise_tokenizer(nlp: Language) -> None:
    """Split hyphens inside names (``GPT-4`` -> ``GPT - 4``) so that names and their
    hyphen variants tokenize alike; split a sentence-final period off ``72B.``, a
    hanging hyphen off ``GPT-`` and a bracket off the word before it."""
    infixes = [*nlp.Defaults.infixes, r"(?<=[A-Za-z0-9])[-\u2010\u2011\u2013](?=[A-Za-z0-9])",
               # a bracket with no space before it: "ChatGPT(close-source model)",
               # "Large Language Models(LLMs)have"
               r"(?<=[A-Za-z0-9])[(\[](?=[A-Za-z0-9])", r"(?<=[A-Za-z0-9])[)\]](?=[A-Za-z])"]
    # a final period ("72B."); the hyphen of a word whose compound is completed
    # later ("GPT- and BERT-style models")
    suffixes = [*nlp.Defaults.suffixes, r"(?<=[A-Za-z0-9])\.", r"(?<=[A-Za-z0-9])[-\u2010\u2011]"]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    nlp.tokenizer.suffix_search = compile_suffix_regex(suffixes).search


def pattern_tokenizer() -> Language:
    """A tokenizer-only pipeline for building match patterns.

    Patterns are tokenized with their own vocabulary: thousands of pattern
    words would push the main vocabulary past spaCy's 10,000-lexeme mark, after
    which the main tokenizer stops caching the corpus's words and runs about
    four times slower. PhraseMatcher compares attribute hashes, which do not
    depend on the vocabulary.
    """
    nlp = spacy.blank("en")
    customise_tokenizer(nlp)
    return nlp
