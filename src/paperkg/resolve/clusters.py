"""Which surface names denote the same entity: a union-find over name keys."""

from __future__ import annotations

from collections import ChainMap, Counter, defaultdict
from collections.abc import Iterable

from rapidfuzz import fuzz

from paperkg.extract.text import name_key
from paperkg.records import Extraction, Mention


class UnionFind:
    """Disjoint sets of string keys. A set's root is its smallest curated key
    (``known:...``), else its smallest key: a set holding a curated entity is found
    under that entity's key, whatever else it holds ("Facebook LLaMA" merged into
    LLaMA must not move LLaMA's lineage to another key)."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        self.parent.setdefault(key, key)
        root = key
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[key] != root:
            self.parent[key], key = root, self.parent[key]
        return root

    def union(self, a: str, b: str) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            low, high = sorted((root_a, root_b), key=_root_order)
            self.parent[high] = low


def _root_order(key: str) -> tuple[bool, str]:
    return (not key.startswith("known:"), key)


def mention_key(mention: Mention, senses: dict[tuple[str, str], str]) -> str:
    """The node a mention starts from: its curated entity, or its own name key
    (qualified by its long form when the short form is ambiguous in the corpus)."""
    if mention.resource_id is not None:
        return "known:" + name_key(mention.resource_id)
    key = name_key(mention.text)
    sense = senses.get((mention.paper_key, key))
    return f"{key}|{sense}" if sense else key


def acronym_senses(
    extractions: Iterable[Extraction],
) -> tuple[dict[tuple[str, str], str], dict[str, tuple[str, ...]]]:
    """Short forms defined with different long forms across the corpus.

    Returns the sense to use per (paper, short-form key) for papers that use a
    minority long form, and the ambiguous short forms with their long forms.
    """
    return Acronyms().add(extractions).senses()


class Acronyms:
    """The long forms each short form is defined with, paper by paper: what
    :func:`acronym_senses` tells the senses from, kept so that an update can add
    its papers' definitions and look again at only the short forms they define."""

    def __init__(self) -> None:
        #: short-form key -> long-form key -> definitions
        self.long_forms: dict[str, Counter] = defaultdict(Counter)
        #: (paper, short-form key) -> the paper's first long-form key
        self.per_paper: dict[tuple[str, str], str] = {}
        #: the papers of each short form, in the order ``per_paper`` has them
        self.papers_of: dict[str, list[str]] = defaultdict(list)
        #: long-form key -> its first spelling
        self.surfaces: dict[str, str] = {}

    def subset(self, keys: Iterable[str]) -> Acronyms:
        """A table of its own holding these short forms' definitions (and the
        spellings of their long forms): what an update adds to, leaving this one as
        it is."""
        table = Acronyms()
        # a long form's first spelling may come from another short form's definition:
        # all are looked up, and the update's new ones kept apart
        table.surfaces = ChainMap({}, self.surfaces)
        for key in keys:
            counts = self.long_forms.get(key)
            if counts is None:
                continue
            table.long_forms[key] = Counter(counts)
            table.papers_of[key] = list(self.papers_of[key])
            table.per_paper.update(((paper, key), self.per_paper[(paper, key)])
                                   for paper in self.papers_of[key])
        return table

    def add(self, extractions: Iterable[Extraction]) -> Acronyms:
        """Count the definitions of ``extractions``, the next papers in order; the
        short-form keys they define are in :attr:`added` (reset by each call)."""
        long_forms, per_paper, papers_of = self.long_forms, self.per_paper, self.papers_of
        surfaces = self.surfaces
        self.added: set[str] = set()
        for extraction in extractions:
            for mention in extraction.mentions:
                if mention.rule != "acronym" or mention.resource_id or not mention.aliases:
                    continue
                short, long = mention.text, mention.aliases[0]
                if len(long) < len(short):
                    continue
                key, long_key = name_key(short), name_key(long)
                if (mention.paper_key, key) not in per_paper:
                    per_paper[(mention.paper_key, key)] = long_key
                    papers_of[key].append(mention.paper_key)
                long_forms[key][long_key] += 1
                surfaces.setdefault(long_key, long)
                self.added.add(key)
        return self

    def senses(self, keys: Iterable[str] | None = None,
               ) -> tuple[dict[tuple[str, str], str], dict[str, tuple[str, ...]]]:
        """:func:`acronym_senses` of the short forms ``keys`` (all by default)."""
        long_forms = self.long_forms
        senses: dict[tuple[str, str], str] = {}
        ambiguous: dict[str, tuple[str, ...]] = {}
        for key in long_forms if keys is None else sorted(keys):
            counts = long_forms.get(key)
            if not counts:  # a short form no paper defines yet
                continue
            ranked = sorted(counts, key=lambda k: (-counts[k], k))
            majority = ranked[0]
            distinct = [k for k in ranked if fuzz.ratio(k, majority) < 85]
            if not distinct:
                continue
            ambiguous[key] = tuple(self.surfaces[k] for k in ranked)
            for paper_key in self.papers_of[key]:
                long_key = self.per_paper[(paper_key, key)]
                if fuzz.ratio(long_key, majority) < 85:
                    senses[(paper_key, key)] = long_key
        return senses, ambiguous

