"""Sentence bounds for extraction, found over the text with one regular expression.

spaCy's sentencizer, then ``doc.sents``, walk every token in Python twice per
document; extraction only needs the sentences' character offsets, for evidence
and for grouping names, so ``paperkg_sentences`` computes those directly and
keeps them on the document's extraction state. The title is always a sentence
of its own.
"""

from __future__ import annotations

import re

from spacy.attrs import IDX, LENGTH
from spacy.language import Language
from spacy.tokens import Doc

from paperkg.extract.candidates import STATE_KEY, TITLE_SEPARATOR, DocState

#: ``doc.user_data`` key under which the pipeline runner passes the text it
#: tokenized (rebuilding ``doc.text`` from tokens costs as much as the rules)
TEXT_KEY = "paperkg_text"

#: a sentence ends at . ! or ? followed by space and a capital, digit, quote or bracket
#: (the mark is part of the match: an expression that starts with a character class
#: is searched for about three times faster than one that starts with a look-behind)
_END = re.compile(r"[.!?][\"')\]]*\s+(?=[A-Z0-9\"'(\[])")
#: words after which a period does not end a sentence
_ABBREVIATION = re.compile(
    r"(?:\b(?:e\.g|i\.e|et al|vs|etc|cf|Fig|Figs|Eq|Eqs|Sec|Tab|No|approx|resp|Dr|Mr|Ms|"
    r"Prof|St|Jr|Inc|Ltd|al)\.|\b[A-Z]\.)$"
)


def sentence_bounds(text: str, through: int | None = None) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of ``text``; the title is one. With
    ``through``, only the first of them, up to the one that ends after that offset
    (the sentences around a few names, without the rest of the text).

    >>> text = "A Title\\n\\nWe use LoRA, e.g. on MMLU. It works! Fig. 2 shows it."
    >>> [text[s:e] for s, e in sentence_bounds(text)]
    ['A Title', 'We use LoRA, e.g. on MMLU.', 'It works!', 'Fig. 2 shows it.']
    >>> [text[s:e] for s, e in sentence_bounds(text, through=text.find("LoRA"))]
    ['A Title', 'We use LoRA, e.g. on MMLU.']
    """
    bounds: list[tuple[int, int]] = []
    boundary = text.find(TITLE_SEPARATOR)
    body_start = 0
    last = len(text) if through is None else through
    if boundary >= 0:
        bounds.append((0, boundary))
        body_start = boundary + len(TITLE_SEPARATOR)
        if boundary > last:
            return bounds
    start = body_start
    for match in _END.finditer(text, body_start):
        end = match.start() + 1  # after the mark
        if _ABBREVIATION.search(text, max(start, end - 12), end):
            continue
        bounds.append((start, end))
        start = match.end()
        if end > last:
            break
    else:
        if start < len(text) or not bounds:
            bounds.append((start, len(text)))
    return [(s, e) for s, e in bounds if e > s] or [(0, len(text))]


@Language.component("paperkg_sentences")
def sentences(doc: Doc) -> Doc:
    """``Doc -> Doc``: start the extraction state with the text and its sentences."""
    text = doc.user_data.get(TEXT_KEY) or doc.text
    boundary = text.find(TITLE_SEPARATOR)
    offsets = doc.to_array([IDX, LENGTH])
    doc.user_data[STATE_KEY] = DocState(
        title_end=boundary if boundary >= 0 else len(text),
        text=text,
        sentences=sentence_bounds(text),
        token_starts=offsets[:, 0].tolist(),
        token_ends=(offsets[:, 0] + offsets[:, 1]).tolist(),
    )
    return doc
