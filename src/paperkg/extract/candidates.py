"""The per-document candidate list that extraction components fill in turn."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, fields
from operator import attrgetter

from spacy.tokens import Doc

from paperkg.records import EntityType

#: priority of the rules when candidates overlap (higher wins at equal length)
RULE_PRIORITY = {
    "gazetteer": 5,
    "acronym": 4,
    "title-prefix": 3,
    "proposal": 3,
    "name-cue": 2,
    "name-shape": 1,
}


@dataclass(frozen=True, slots=True)
class Candidate:
    """A span that may name a research entity, with what a rule knows of it."""

    start: int  #: character offset in the document text
    end: int
    text: str
    type: EntityType | None  #: None until a later component types it
    kind: str
    rule: str
    confidence: float
    #: canonical name in the curated resource, if known
    known: str | None = None
    proposed: bool = False
    aliases: tuple[str, ...] = ()
    #: name this one is a sized or variant checkpoint of (Llama-2-7B -> Llama-2)
    parent: str | None = None
    #: the paper uses it to evaluate (benchmarks and datasets)
    evaluated: bool = False

    def with_(self, **changes) -> Candidate:
        """A copy with ``changes``, as :func:`dataclasses.replace` makes it, in about
        two thirds of its time (every candidate is copied at least once)."""
        values = list(_FIELD_VALUES(self))
        for name, value in changes.items():
            try:
                values[_FIELD_INDEX[name]] = value
            except KeyError:
                raise TypeError(f"Candidate has no field {name!r}") from None
        return Candidate(*values)


_FIELD_INDEX = {f.name: i for i, f in enumerate(fields(Candidate))}
_FIELD_VALUES = attrgetter(*_FIELD_INDEX)


@dataclass
class DocState:
    """Mutable extraction state kept on each document (``doc._.paperkg``) while the
    pipeline runs.

    ``text`` and the sentence bounds are computed once: ``doc.text`` and
    ``span.sent`` rebuild their answer on every call.
    """

    title_end: int
    text: str = ""
    #: (start, end) character offsets of each sentence, in order
    sentences: list[tuple[int, int]] = field(default_factory=list)
    #: character offset of each token, and of its end
    token_starts: list[int] = field(default_factory=list)
    token_ends: list[int] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    #: name keys the paper proposes
    proposed: set[str] = field(default_factory=set)
    #: name keys ruled out (stoplisted acronyms and their long forms)
    blocked: set[str] = field(default_factory=set)
    #: (child text, parent text, evidence, rule) stated in the text
    lineage: list[tuple[str, str, str, str]] = field(default_factory=list)
    #: name keys of curated short forms this text defines with another meaning
    #: ("Large Concept Models (LCMs)" where the resource knows LCM as another model)
    redefined: set[str] = field(default_factory=set)
    _sentence_starts: list[int] | None = field(default=None, repr=False)
    _urls: list[tuple[int, int]] | None = field(default=None, repr=False)
    _sentence_texts: dict[int, str] = field(default_factory=dict, repr=False)
    #: candidates by their end and by their start offset, and how many are indexed
    _edges: tuple[list, dict[int, list[int]], dict[int, list[int]]] | None = field(
        default=None, repr=False)
    _edges_done: int = field(default=0, repr=False)
    #: where each word (a run of ``[\w-]``) stands, once the acronym detector needs it
    words: dict[str, list[tuple[int, int]]] | None = field(default=None, repr=False)
    #: how many short forms the acronym detector looked for by scanning the text
    scans: int = field(default=0, repr=False)

    def candidates_near(self, start: int, end: int, reach: int) -> list[Candidate]:
        """The candidates that end at most ``reach`` characters before ``start`` or begin
        at most ``reach`` after ``end``, in the order they were found.

        Candidates are only ever appended while the pipeline runs, so the index
        grows with them; a list replaced or shortened is indexed again. (A scan of
        every candidate for every word made a long list of names cubic.)
        """
        if self._edges is None or self._edges[0] is not self.candidates \
                or self._edges_done > len(self.candidates):
            self._edges, self._edges_done = (self.candidates, {}, {}), 0
        candidates, ends, starts = self._edges
        for i in range(self._edges_done, len(candidates)):
            ends.setdefault(candidates[i].end, []).append(i)
            starts.setdefault(candidates[i].start, []).append(i)
        self._edges_done = len(candidates)
        found: set[int] = set()
        for distance in range(reach + 1):
            found.update(ends.get(start - distance, ()))
            found.update(starts.get(end + distance, ()))
        return [candidates[i] for i in sorted(found)]

    def in_url(self, start: int, end: int) -> bool:
        """Does the span ``start:end`` lie in a web address (a repository, a model page)?"""
        if self._urls is None:
            lowered = self.text.lower()
            found = [at for hint in _URL_HINTS if (at := lowered.find(hint)) >= 0]
            # every address starts with a hint: the search starts at the first (where
            # lower-casing kept the offsets)
            first = min(found, default=0) if len(lowered) == len(self.text) else 0
            self._urls = [m.span() for m in _URL.finditer(self.text, first)] if found else []
        return any(s <= start and end <= e for s, e in self._urls)

    def sentence_index(self, char: int) -> int:
        """Index of the sentence that holds character offset ``char``."""
        return max(0, bisect_right(self._starts, char) - 1)

    def token_at(self, char: int) -> int:
        """Index of the first token that starts at or after ``char``."""
        return bisect_left(self.token_starts, char)

    def sentence(self, char: int) -> tuple[int, int]:
        """(start, end) of the sentence that holds ``char``."""
        return self.sentences[self.sentence_index(char)] if self.sentences else (0, len(self.text))

    def sentence_text(self, char: int) -> str:
        """The sentence that holds ``char``, stripped; the same string object for every
        mention in the sentence, so the evidence of a paper is held (and pickled) once."""
        index = self.sentence_index(char) if self.sentences else -1
        text = self._sentence_texts.get(index)
        if text is None:
            start, end = self.sentence(char)
            text = self._sentence_texts[index] = self.text[start:end].strip()
        return text

    @property
    def _starts(self) -> list[int]:
        if self._sentence_starts is None:
            self._sentence_starts = [start for start, _ in self.sentences]
        return self._sentence_starts

#: a web address: scheme or www, or a bare host of a code or model hub, to the next space
_URL = re.compile(
    r"(?:https?://|www\.|\b(?:github|gitlab|huggingface|hf)\.(?:com|co|io)/)[^\s<>\"]*",
    re.IGNORECASE,
)
#: one of these is in every web address ``_URL`` finds (a cheap test before the search)
_URL_HINTS = ("http", "www.", "github.", "gitlab.", "huggingface.", "hf.")


#: where a document's extraction state is kept in ``doc.user_data`` (read
#: directly: ``doc._`` costs a few microseconds per use, tens of thousands of uses
#: per thousand papers)
STATE_KEY = "paperkg_state"


def register_extensions() -> None:
    """Register the ``Doc._.paperkg`` extension, the state read-only (idempotent)."""
    if not Doc.has_extension("paperkg"):
        Doc.set_extension("paperkg", getter=_state_or_none)


def _state_or_none(doc: Doc) -> DocState | None:
    return doc.user_data.get(STATE_KEY)


def state(doc: Doc) -> DocState:
    """The extraction state of ``doc`` (set up by the ``paperkg_sentences`` component)."""
    current = doc.user_data.get(STATE_KEY)
    if current is None:
        raise ValueError("the paperkg_sentences component must run before the others")
    return current
