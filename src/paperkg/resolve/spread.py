"""Names one paper coins, found again in the other papers of the corpus.

A paper defines "Sparse Expert Routing (SPERO)" or proposes "ExpertFlow"; a
later paper that only writes "SPERO" names the same thing, with no definition
or cue of its own for extraction to go on. After extraction, every coined
single-word name that some paper defined or proposed is looked up, exactly as
written, among the words of every other paper (the words that may be names,
which extraction found: :func:`paperkg.extract.words.name_words`).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import ChainMap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from paperkg.extract.plaintext import TITLE_SEPARATOR, paper_text, sentence_bounds, words_among
from paperkg.extract.text import whole_name_starts
from paperkg.records import Extraction, Mention

#: rules whose names are solid enough to look for elsewhere
SOURCE_RULES = {"acronym", "proposal", "title-prefix"}
#: the rule of the mentions a spread adds
SPREAD_RULE = "corpus-name"
MIN_LENGTH = 3


def coined_names(
    extractions: Sequence[Extraction], generic: Callable[[str], bool] = lambda _name: False
) -> dict[str, Mention]:
    """Single-word names defined or proposed somewhere, each with a mention to copy.

    ``generic`` tells the names that are only names where a paper defines them
    ("SLM" proposed by one paper is still a generic "small language model" in
    the others): the stoplist.
    """
    names: dict[str, Mention] = {}
    for extraction in extractions:
        for mention in extraction.mentions:
            text = mention.text
            if mention.rule not in SOURCE_RULES or mention.resource_id is not None:
                continue
            if " " in text or len(text) < MIN_LENGTH or text.islower() or generic(text):
                continue
            names.setdefault(text, mention)
    return names


def spread_names(
    extractions: Sequence[Extraction], generic: Callable[[str], bool] = lambda _name: False,
    earlier: int = 0,
) -> list[Extraction]:
    """The extractions with a ``corpus-name`` mention added wherever a coined name
    stands in a paper that did not already name it (``generic``: see :func:`coined_names`).

    ``earlier``: the first ``earlier`` extractions are an earlier build's, in its
    order and unchanged, spread then (an update): a name they coined was looked
    for everywhere among them already, so in them only the names the others coin
    are looked for. The names are the same as a spread of all of them would use,
    since a name's first coining paper is the one it is copied from. Any other
    extraction's ``corpus-name`` mentions are dropped and found again.
    """
    names = coined_names(extractions[:earlier], generic)
    new_names = {name: mention for name, mention in coined_names(extractions[earlier:],
                                                                 generic).items()
                 if name not in names}
    names.update(new_names)
    every, new = set(names), set(new_names)
    result = []
    for number, extraction in enumerate(extractions):
        if number < earlier:
            result.append(_spread(extraction, names, new) if new else extraction)
        else:
            result.append(_spread(_without_spread(extraction), names, every))
    return result


def _without_spread(extraction: Extraction) -> Extraction:
    """``extraction`` without the mentions an earlier spread added."""
    if not any(m.rule == SPREAD_RULE for m in extraction.mentions):
        return extraction
    return replace(extraction, mentions=tuple(m for m in extraction.mentions
                                              if m.rule != SPREAD_RULE))


def _spread(extraction: Extraction, names: Mapping[str, Mention], wanted: set[str],
            ) -> Extraction:
    """``extraction`` with a mention of each of the ``wanted`` ``names`` that stands
    in its paper and that it does not name already; the mentions an earlier spread
    added stay, in order with the new ones after the paper's own."""
    if not wanted:
        return extraction
    if extraction.words is not None:
        hits = wanted.intersection(extraction.words.split())
    else:
        hits = words_among(paper_text(extraction.paper), wanted)
    if not hits:
        return extraction
    own = tuple(m for m in extraction.mentions if m.rule != SPREAD_RULE)
    spread = [m for m in extraction.mentions if m.rule == SPREAD_RULE]
    hits -= {m.text for m in own}
    if not hits:
        return extraction
    text = paper_text(extraction.paper)
    title_end = len(extraction.paper.title)
    starts = [(word, start) for word in sorted(hits)
              if (start := _first_whole_word(text, word)) is not None]
    # the sentences up to the last of them, not the whole text's
    bounds = sentence_bounds(text, max((start for _, start in starts), default=0))
    found = [_mention(extraction, names[word], start, word, text, title_end, bounds)
             for word, start in starts]
    found.extend(spread)  # a name inside another at the same start: in order of names
    found.sort(key=lambda m: (m.field != "title", m.start, m.text))
    return replace(extraction, mentions=own + tuple(found))


def _first_whole_word(text: str, word: str) -> int | None:
    """Offset of the first occurrence of ``word`` not inside a longer word."""
    return next(whole_name_starts(word, text), None)


def _mention(extraction: Extraction, source: Mention, start: int, word: str, text: str,
             title_end: int, bounds: list[tuple[int, int]]) -> Mention:
    sentence = next((text[s:e].strip() for s, e in bounds if s <= start < e), word)
    in_title = start < title_end
    offset = 0 if in_title else title_end + len(TITLE_SEPARATOR)
    return Mention(
        paper_key=extraction.paper.key, text=word, type=source.type, kind=source.kind,
        field="title" if in_title else "abstract", start=start - offset,
        end=start - offset + len(word), sentence=sentence, rule=SPREAD_RULE, confidence=0.6,
        aliases=tuple(a for a in source.aliases if a != word),
    )


class SpreadState:
    """What an update's spread reads of the earlier papers: the names they coined
    (each with the mention it is copied from) and their words, one paper per line in
    their order, where a name a new paper coins is looked for."""

    def __init__(self, coined: Mapping[str, Mention], words: str) -> None:
        self.coined, self.words = coined, words
        self._starts: list[int] | None = None

    @classmethod
    def of(cls, extractions: Sequence[Extraction],
           generic: Callable[[str], bool] = lambda _name: False) -> SpreadState:
        """The state of a build's extractions (spread)."""
        if any(e.words is None or "\n" in e.words for e in extractions):
            raise ValueError("a paper without its words")
        return cls(coined_names(extractions, generic), "\n".join(e.words for e in extractions))

    def papers_with(self, names: set[str]) -> list[int]:
        """The earlier papers (by place in order) whose words hold one of ``names``."""
        if self._starts is None:
            self._starts = [0] + [m.end() for m in re.finditer("\n", self.words)]
        words, size, found = self.words, len(self.words), set()
        for name in names:  # str.find: a fast search of the text, no regular expression
            start = words.find(name)
            while start >= 0:
                end = start + len(name)
                if (start == 0 or words[start - 1] in " \n") and \
                        (end == size or words[end] in " \n"):
                    found.add(bisect_right(self._starts, start) - 1)
                start = words.find(name, start + 1)
        return sorted(found)


def spread_update(state: SpreadState, new: Sequence[Extraction],
                  read: Callable[[list[int]], list[Extraction]],
                  generic: Callable[[str], bool] = lambda _name: False,
                  ) -> tuple[list[Extraction], list[tuple[Extraction, Extraction]]]:
    """:func:`spread_names` of an update from ``state`` (the earlier papers') and the
    new papers' extractions: the new papers spread, and each earlier paper the names
    they coin are found in, spread and as it was (``read``: the earlier extractions
    at these places in order)."""
    new_names = {name: mention for name, mention in coined_names(new, generic).items()
                 if name not in state.coined}
    # the earlier names' mentions are looked up only where a paper holds the name
    names = ChainMap(new_names, state.coined)
    every, added = set(names), set(new_names)
    spread = [_spread(_without_spread(extraction), names, every) for extraction in new]
    changed = []
    if added:
        for before in read(state.papers_with(added)):
            now = _spread(before, names, added)
            if now is not before:
                changed.append((now, before))
    return spread, changed
