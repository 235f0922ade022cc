"""The per-document candidate list that extraction components fill in turn."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

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
        return replace(self, **changes)


@dataclass
class DocState:
    """Mutable extraction state kept on ``doc._.paperkg`` while the pipeline runs."""

    title_end: int
    candidates: list[Candidate] = field(default_factory=list)
    #: name keys the paper proposes
    proposed: set[str] = field(default_factory=set)
    #: name keys ruled out (stoplisted acronyms and their long forms)
    blocked: set[str] = field(default_factory=set)
    #: (child text, parent text, evidence, rule) stated in the text
    lineage: list[tuple[str, str, str, str]] = field(default_factory=list)


TITLE_SEPARATOR = "\n\n"


def register_extensions() -> None:
    """Register the ``Doc._.paperkg`` extension (idempotent)."""
    if not Doc.has_extension("paperkg"):
        Doc.set_extension("paperkg", default=None)


def state(doc: Doc) -> DocState:
    """The extraction state of ``doc``, created on first use."""
    current = doc._.paperkg
    if current is None:
        boundary = doc.text.find(TITLE_SEPARATOR)
        current = DocState(title_end=boundary if boundary >= 0 else len(doc.text))
        doc._.paperkg = current
    return current
