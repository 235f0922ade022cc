"""Typed records passed between pipeline stages.

Every stage takes and returns these frozen dataclasses, never dicts of dicts:
``ingest`` makes :class:`Paper` and :class:`Skip`, ``extract`` makes
:class:`Mention` and :class:`LineageClaim`, ``resolve`` makes :class:`Entity`
and :class:`Lineage`.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from enum import Enum


def _quick(cls: type) -> type:
    """``cls``, a frozen dataclass with slots, with a quicker ``__init__`` and
    ``__setstate__`` (what unpickling calls).

    A frozen dataclass's own ``__init__`` sets each field through
    ``object.__setattr__``, and its ``__setstate__`` also looks its fields up for
    every object: a build makes or unpickles millions of mentions and links, and
    these two took most of the time of reading an earlier build's state. The ones
    made here set each slot through its descriptor (the same way of writing code
    as :mod:`dataclasses` itself), and take the same arguments, defaults included.
    The records stay frozen: assigning to a field still raises.
    """
    if any(f.default_factory is not MISSING or not f.init for f in fields(cls)):
        raise TypeError(f"{cls.__name__}: a quicker __init__ is made only for fields that "
                        "are all arguments, with plain defaults")
    names = [f.name for f in fields(cls)]
    defaults = {f.name: f.default for f in fields(cls) if f.default is not MISSING}
    namespace = {f"_set_{name}": getattr(cls, name).__set__ for name in names}
    namespace.update({f"_default_{name}": value for name, value in defaults.items()})
    params = ", ".join(f"{n}=_default_{n}" if n in defaults else n for n in names)
    sets = "".join(f"    _set_{name}(self, {name})\n" for name in names)
    exec(f"def __init__(self, {params}):\n{sets}"  # the code is made of field names only
         f"def __setstate__(self, state):\n    {', '.join(names)}, = state\n{sets}", namespace)
    for method in ("__init__", "__setstate__"):
        function = namespace[method]
        function.__qualname__ = f"{cls.__qualname__}.{method}"
        setattr(cls, method, function)
    return cls


class EntityType(str, Enum):
    """The four research-entity classes of the ontology."""

    MODEL = "Model"
    DATASET = "Dataset"
    BENCHMARK = "Benchmark"
    TECHNIQUE = "Technique"


class Relation(str, Enum):
    """Edge relations of the graph; their RDF terms live in :mod:`paperkg.vocab`."""

    MENTIONS = "mentions"
    PROPOSES = "proposes"
    EVALUATES_ON = "evaluatesOn"
    DERIVED_FROM = "derivedFrom"


@_quick
@dataclass(frozen=True, slots=True)
class Paper:
    """One paper as read from an input record."""

    #: identity key: ``arxiv:<id>``, ``doi:<doi>``, ``id:<record id>`` or ``title:<hash>``
    key: str
    title: str
    abstract: str
    arxiv_id: str | None = None
    doi: str | None = None
    record_id: str | None = None
    url: str | None = None
    authors: tuple[str, ...] = ()
    #: ISO date (``YYYY-MM-DD``) or the record's own date text
    date: str | None = None
    categories: tuple[str, ...] = ()
    #: where the record was read: ``path:line``
    source: str = ""


@_quick
@dataclass(frozen=True, slots=True)
class Skip:
    """An input record that was not read, with the reason."""

    path: str
    line: int | None
    reason: str


@_quick
@dataclass(frozen=True, slots=True)
class Mention:
    """One surface mention of a research entity in a paper."""

    paper_key: str
    #: the surface text as written
    text: str
    type: EntityType
    #: ``named`` (coined name or acronym) or ``concept`` (established technique term)
    kind: str
    #: ``title`` or ``abstract``
    field: str
    #: character offsets of ``text`` inside that field
    start: int
    end: int
    #: the sentence the mention stands in (its evidence)
    sentence: str
    #: which rule or component produced it, e.g. ``gazetteer``, ``acronym``, ``proposal``
    rule: str
    confidence: float
    #: the paper introduces this entity
    proposed: bool = False
    #: other names the text gives for it (long form of an acronym, ...)
    aliases: tuple[str, ...] = ()
    #: id of the curated resource entry it matched, if any
    resource_id: str | None = None
    #: the name this one is a sized or variant checkpoint of (``Llama-2-7B`` -> ``Llama-2``)
    parent: str | None = None
    #: the paper uses it to evaluate (benchmarks and datasets)
    evaluated_on: bool = False


@_quick
@dataclass(frozen=True, slots=True)
class LineageClaim:
    """A derivation stated or implied in one paper, between two surface names."""

    paper_key: str
    child: str
    parent: str
    evidence: str
    rule: str


@_quick
@dataclass(frozen=True, slots=True)
class Extraction:
    """What extraction found in one paper."""

    paper: Paper
    mentions: tuple[Mention, ...]
    lineage: tuple[LineageClaim, ...] = ()
    #: the paper's words that may be names, sorted and joined by spaces
    #: (:func:`paperkg.extract.words.name_words`): where resolution looks for the
    #: names other papers coined; None where not found yet
    words: str | None = None


@_quick
@dataclass(frozen=True, slots=True)
class Entity:
    """A canonical research entity, after resolution."""

    #: stable slug used in the entity IRI
    key: str
    label: str
    type: EntityType
    kind: str
    aliases: tuple[str, ...] = ()
    #: number of papers that mention it
    support: int = 0


@_quick
@dataclass(frozen=True, slots=True)
class Link:
    """A paper's link to an entity, with its provenance."""

    paper_key: str
    entity_key: str
    relation: Relation
    evidence: str
    field: str
    start: int
    end: int
    rule: str
    confidence: float


@_quick
@dataclass(frozen=True, slots=True)
class Lineage:
    """``child`` derives from ``parent`` (both entity keys), with the papers behind it."""

    child: str
    parent: str
    rule: str
    evidence: str
    papers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Resolution:
    """The resolved corpus: entities, paper links, lineage and curation notes."""

    entities: dict[str, Entity]
    links: tuple[Link, ...]
    lineage: tuple[Lineage, ...]
    #: names that were not merged but look alike, for curation
    near_duplicates: tuple[tuple[str, str, float], ...] = ()
    #: short forms defined with different long forms
    ambiguous: tuple[tuple[str, tuple[str, ...]], ...] = ()
    notes: dict[str, int] = field(default_factory=dict)
