"""The text of a paper as extraction reads it, and what resolution looks up in it,
with no spaCy: an update resolves without loading it when it has no paper to extract.

Its title and abstract joined (:func:`paper_text`), its sentences' bounds
(:func:`sentence_bounds`) and the words that may be names (:func:`name_words`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from paperkg.records import Paper

#: between the title and the abstract in the text extraction reads
TITLE_SEPARATOR = "\n\n"
#: a sentence ends at . ! or ? followed by space and a capital, digit, quote or bracket
#: (the mark is part of the match: an expression that starts with a character class
#: is searched for about three times faster than one that starts with a look-behind)
_END = re.compile(r"[.!?][\"')\]]*\s+(?=[A-Z0-9\"'(\[])")
#: words after which a period does not end a sentence
_ABBREVIATION = re.compile(
    r"(?:\b(?:e\.g|i\.e|et al|vs|etc|cf|Fig|Figs|Eq|Eqs|Sec|Tab|No|approx|resp|Dr|Mr|Ms|"
    r"Prof|St|Jr|Inc|Ltd|al)\.|\b[A-Z]\.)$"
)
#: what separates the words of :func:`name_words` besides white space
_NAME_SEPARATORS = str.maketrans(dict.fromkeys("/(),;[]{}\"'“”‘’", " "))
_NAME_LIKE = re.compile(r"[A-Z0-9]")
_NAME_EDGE = ",.;:!?"


def paper_text(paper: Paper) -> str:
    """The text extraction reads: the title, a blank line, the abstract."""
    return paper.title + TITLE_SEPARATOR + paper.abstract


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


def name_words(text: str) -> str:
    """The distinct words of ``text`` that may be names (have a capital or a digit),
    sorted and joined by spaces. A word is a run of characters between white space,
    slashes, brackets, semicolons, commas and quotes, without the punctuation that
    ends it. Resolution looks among them for the names other papers coined
    (:mod:`paperkg.resolve.spread`); extraction finds them, in its worker processes.

    >>> name_words('We use SPERO, (ExpertFlow) and "SPERO-2"; see ab: 7.')
    '7 ExpertFlow SPERO SPERO-2 We'
    """
    search = _NAME_LIKE.search
    words = set(text.translate(_NAME_SEPARATORS).split())
    return " ".join(sorted({word.rstrip(_NAME_EDGE) for word in words if search(word)}))


def words_among(text: str, wanted: set[str]) -> set[str]:
    """The words of ``text`` that are in ``wanted`` and may be names: those of
    :func:`name_words` in ``wanted``, for an extraction that did not keep them.

    >>> sorted(words_among('We use SPERO, (ExpertFlow) and "SPERO-2".', {"SPERO", "ExpertFlow"}))
    ['ExpertFlow', 'SPERO']
    """
    return wanted.intersection(name_words(text).split())
