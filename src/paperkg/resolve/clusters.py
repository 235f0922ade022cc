"""Which surface names denote the same entity: a union-find over name keys."""

from __future__ import annotations

from collections import Counter, defaultdict
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
    long_forms: dict[str, Counter] = defaultdict(Counter)
    per_paper: dict[tuple[str, str], str] = {}
    #: the papers of each short form, in the order ``per_paper`` has them
    papers_of: dict[str, list[str]] = defaultdict(list)
    surfaces: dict[str, str] = {}
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
    senses: dict[tuple[str, str], str] = {}
    ambiguous: dict[str, tuple[str, ...]] = {}
    for key, counts in long_forms.items():
        ranked = sorted(counts, key=lambda k: (-counts[k], k))
        majority = ranked[0]
        distinct = [k for k in ranked if fuzz.ratio(k, majority) < 85]
        if not distinct:
            continue
        ambiguous[key] = tuple(surfaces[k] for k in ranked)
        for paper_key in papers_of[key]:
            long_key = per_paper[(paper_key, key)]
            if fuzz.ratio(long_key, majority) < 85:
                senses[(paper_key, key)] = long_key
    return senses, ambiguous
