"""The tokenizer every extraction pipeline and pattern list shares.

It is spaCy's English tokenizer with three more infixes and two more suffixes,
registered as ``paperkg.tokenizer.v1`` and built with them from the start: setting
them on a built tokenizer loads its 1,300 special cases again each time, which
was a fifth of making an extraction pipeline.
"""

from __future__ import annotations

from collections.abc import Callable

import spacy
from spacy.attrs import LOWER
from spacy.lang.en import English
from spacy.lang.lex_attrs import lower
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex
from spacy.vocab import Vocab

#: the registry name of :func:`paperkg_tokenizer`
TOKENIZER = "paperkg.tokenizer.v1"

#: hyphens inside names (``GPT-4`` -> ``GPT - 4``), so that names and their hyphen
#: variants tokenize alike; a bracket with no space before it ("ChatGPT(close-source
#: model)", "Large Language Models(LLMs)have")
EXTRA_INFIXES = (r"(?<=[A-Za-z0-9])[-\u2010\u2011\u2013](?=[A-Za-z0-9])",
                 r"(?<=[A-Za-z0-9])[(\[](?=[A-Za-z0-9])", r"(?<=[A-Za-z0-9])[)\]](?=[A-Za-z])")
#: a final period ("72B."); the hyphen of a word whose compound is completed later
#: ("GPT- and BERT-style models")
EXTRA_SUFFIXES = (r"(?<=[A-Za-z0-9])\.", r"(?<=[A-Za-z0-9])[-\u2010\u2011]")


@spacy.registry.tokenizers(TOKENIZER)
def paperkg_tokenizer() -> Callable[[Language], Tokenizer]:
    """spaCy's tokenizer factory for a language's defaults, with the extra infixes
    and suffixes."""

    def make(nlp: Language) -> Tokenizer:
        return _tokenizer(nlp.vocab, nlp.Defaults)

    return make


def _tokenizer(vocab: Vocab, defaults: type[Language.Defaults]) -> Tokenizer:
    return Tokenizer(
        vocab,
        rules=defaults.tokenizer_exceptions,
        prefix_search=compile_prefix_regex(defaults.prefixes).search,
        suffix_search=compile_suffix_regex([*defaults.suffixes, *EXTRA_SUFFIXES]).search,
        infix_finditer=compile_infix_regex([*defaults.infixes, *EXTRA_INFIXES]).finditer,
        token_match=defaults.token_match,
        url_match=defaults.url_match,
    )


def blank_english() -> Language:
    """A blank English pipeline with the project's tokenizer."""
    return spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER}}})


def pattern_tokenizer() -> Tokenizer:
    """The English tokenizer with the extra rules, for building match patterns
    (``tokenizer(text)`` is the text's document).

    Patterns are tokenized with their own vocabulary: thousands of pattern
    words would push the main vocabulary past spaCy's 10,000-lexeme mark, after
    which the main tokenizer stops caching the corpus's words and runs about
    four times slower. PhraseMatcher compares attribute hashes, which do not
    depend on the vocabulary. Of a new word's attributes this vocabulary works
    out only the lower-case form, with spaCy's own function: a pattern matches
    on ORTH (the text itself) or LOWER, and the dozen others English computes
    were a quarter of tokenizing the curated names.
    """
    return _tokenizer(Vocab(lex_attr_getters={LOWER: lower}), English.Defaults)
