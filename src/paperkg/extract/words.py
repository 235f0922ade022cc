"""Glued words: what a reader sees as one written name ("Llama-2-7B", "MIDI-LLM")
even where the tokenizer split it on hyphens."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from spacy.tokens import Doc

_BREAK = {"/", "(", ")", ",", ";", "[", "]", "{", "}"}
_POSSESSIVE = ("'s", "’s")
_EDGE_PUNCT = set(",.;:!?()[]{}\"'`“”‘’")


@dataclass(frozen=True, slots=True)
class Word:
    """A run of tokens with no white space between them, edge punctuation dropped."""

    start: int  #: first token index
    end: int  #: one past the last token index
    start_char: int
    end_char: int
    text: str


def glued_words(doc: Doc) -> Iterator[Word]:
    """Every glued word of ``doc`` in order.

    >>> import spacy
    >>> from paperkg.extract.pipeline import make_nlp
    >>> doc = make_nlp(components=False)("We tune Llama-2-7B (MIDI-LLM).")
    >>> [w.text for w in glued_words(doc)]
    ['We', 'tune', 'Llama-2-7B', 'MIDI-LLM']
    """
    run: list[int] = []
    for token in doc:
        if token.is_space or token.text in _BREAK:
            yield from _flush(doc, run)
            run = []
            continue
        run.append(token.i)
        if token.whitespace_:
            yield from _flush(doc, run)
            run = []
    yield from _flush(doc, run)


def _flush(doc: Doc, run: list[int]) -> Iterator[Word]:
    if not run:
        return
    start, end = run[0], run[-1] + 1
    while start < end and doc[start].text in _EDGE_PUNCT:
        start += 1
    while end > start and (doc[end - 1].text in _EDGE_PUNCT or doc[end - 1].lower_ in _POSSESSIVE):
        end -= 1
    if end > start:
        span = doc[start:end]
        yield Word(start, end, span.start_char, span.end_char, span.text)
