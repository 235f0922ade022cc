"""Sentence bounds for extraction, found over the text with one regular expression
(:func:`paperkg.extract.plaintext.sentence_bounds`).

spaCy's sentencizer, then ``doc.sents``, walk every token in Python twice per
document; extraction only needs the sentences' character offsets, for evidence
and for grouping names, so ``paperkg_sentences`` computes those directly and
keeps them on the document's extraction state. The title is always a sentence
of its own.
"""

from __future__ import annotations

from spacy.attrs import IDX, LENGTH
from spacy.language import Language
from spacy.tokens import Doc

from paperkg.extract.candidates import STATE_KEY, DocState
from paperkg.extract.plaintext import TITLE_SEPARATOR, sentence_bounds

#: ``doc.user_data`` key under which the pipeline runner passes the text it
#: tokenized (rebuilding ``doc.text`` from tokens costs as much as the rules)
TEXT_KEY = "paperkg_text"

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
