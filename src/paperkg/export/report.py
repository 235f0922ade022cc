"""``report.json``: what a build read, skipped, found and how long each stage took."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from itertools import chain
from operator import itemgetter
from typing import TextIO

import networkx as nx

from paperkg.records import Resolution, Skip

_NODE_TYPE = itemgetter("node_type")


@dataclass
class BuildReport:
    """The figures of one build; written as ``report.json``."""

    files: list[str] = field(default_factory=list)
    records: int = 0
    papers: int = 0
    duplicates: int = 0
    skipped: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    entities: dict[str, int] = field(default_factory=dict)
    edges: dict[str, int] = field(default_factory=dict)
    mentions_by_rule: dict[str, int] = field(default_factory=dict)
    triples: int = 0
    validation: str = ""
    html: dict = field(default_factory=dict)
    #: for ``--update``: papers of the earlier build, extractions reused, papers extracted
    update: dict = field(default_factory=dict)
    near_duplicates: list[dict] = field(default_factory=list)
    ambiguous: list[dict] = field(default_factory=list)
    #: seconds per stage; left out of the file when ``timings=False``
    timings: dict[str, float] = field(default_factory=dict)

    def add_skips(self, skips: tuple[Skip, ...]) -> None:
        self.skipped.extend({"file": s.path, "line": s.line, "reason": s.reason} for s in skips)

    def add_graph(self, graph: nx.MultiDiGraph, resolution: Resolution) -> None:
        types = Counter(map(_NODE_TYPE, graph._node.values()))
        self.papers = types.pop("Paper", 0)
        self.entities = dict(sorted(types.items()))
        # each edge's key (its relation), from the graph's own dicts: C functions mapped
        # over the 800k edges of a 100k-paper graph, with no view or Python loop
        keys = Counter(chain.from_iterable(chain.from_iterable(
            map(dict.values, graph._succ.values()))))
        self.edges = dict(sorted(keys.items()))
        self.add_near_duplicates(resolution.near_duplicates)
        self.ambiguous = [{"short_form": k, "long_forms": list(v)}
                          for k, v in resolution.ambiguous]

    def add_near_duplicates(self, pairs: tuple[tuple[str, str, float], ...]) -> None:
        self.near_duplicates = [{"a": a, "b": b, "similarity": s} for a, b, s in pairs]

    def summary(self) -> str:
        """A few lines for the terminal."""
        entities = ", ".join(f"{n} {t}" for t, n in self.entities.items())
        edges = ", ".join(f"{n} {r}" for r, n in self.edges.items())
        lines = [
            f"papers: {self.papers} (records read {self.records}, duplicates merged "
            f"{self.duplicates}, skipped {len(self.skipped)})",
            f"entities: {sum(self.entities.values())} ({entities})",
            f"links: {edges}",
            f"triples: {self.triples}; validation: {self.validation}",
        ]
        return "\n".join(lines)

    def write(self, stream: TextIO, *, timings: bool = True) -> None:
        data = asdict(self)
        if not timings:
            data.pop("timings")
        json.dump(data, stream, indent=2, ensure_ascii=False, sort_keys=False)
        stream.write("\n")
