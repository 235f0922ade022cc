"""Ancestors and descendants of a technique or model, with the papers behind each step.

Walks ``pk:derivedFrom`` upward (what an entity derives from) and downward
(what derives from it) and keeps, for every step, the evidence sentence, the
rule that found it and the source papers recorded on its ``pk:LineageLink``.
Each entity is expanded once per tree: a later occurrence is marked
``repeat`` and an entity already on the path (a cycle) is marked ``cycle``, so
the walk always ends.

    >>> lin = find_lineage("outputs", "qlora")  # doctest: +SKIP
    >>> [node.entity.label for node in lin.ancestors]  # doctest: +SKIP
    ['LoRA']
    >>> print(format_text(lin))  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from dataclasses import dataclass, field

from paperkg.query.entities import EntityIndex, EntityRef, label_from_iri
from paperkg.query.store import GraphStore

ANCESTORS = "ancestors"
DESCENDANTS = "descendants"
#: papers listed per step in the text view (JSON and HTML list them all)
TEXT_PAPERS_PER_STEP = 5

_EDGES_QUERY = """
SELECT ?child ?parent ?link ?evidence ?rule ?paper ?title ?key WHERE {
  ?child pk:derivedFrom ?parent .
  OPTIONAL {
    ?link a pk:LineageLink ;
          pk:child ?child ;
          pk:parent ?parent .
    OPTIONAL { ?link pk:evidence ?evidence }
    OPTIONAL { ?link pk:rule ?rule }
    OPTIONAL {
      ?link pk:sourcePaper ?paper .
      OPTIONAL { ?paper dcterms:title ?title }
      OPTIONAL { ?paper dcterms:identifier ?key }
    }
  }
}
"""


@dataclass(frozen=True, order=True)
class PaperRef:
    """A paper cited for a lineage step."""

    #: the paper's identity key (``dcterms:identifier``), e.g. ``arxiv:2305.14314``
    key: str
    title: str
    iri: str


@dataclass(frozen=True)
class Evidence:
    """Why one ``derivedFrom`` step is in the graph (one ``pk:LineageLink``)."""

    #: the sentence that states the step
    text: str | None
    #: the extraction rule that found it, e.g. ``stated``
    rule: str | None
    papers: tuple[PaperRef, ...] = ()


@dataclass(frozen=True)
class LineageNode:
    """One entity in an ancestor or descendant tree."""

    entity: EntityRef
    #: steps from the entity whose lineage this is (1 = directly linked)
    depth: int
    #: evidence of the step between this node and the one above it in the tree
    evidence: tuple[Evidence, ...]
    #: the next step in the same direction (parents in the ancestor tree)
    children: tuple[LineageNode, ...] = ()
    #: already on the path from the root: a cycle, not expanded again
    cycle: bool = False
    #: expanded elsewhere in the same tree, not repeated
    repeat: bool = False
    #: more steps exist beyond the depth limit
    cut: bool = False


@dataclass(frozen=True)
class Lineage:
    """The lineage of one entity: both trees."""

    entity: EntityRef
    ancestors: tuple[LineageNode, ...]
    descendants: tuple[LineageNode, ...]
    #: the depth limit used, ``None`` for unlimited
    max_depth: int | None = None


@dataclass
class LineageGraph:
    """Every ``derivedFrom`` edge of a graph with its evidence, ready to walk."""

    entities: EntityIndex
    parents: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    children: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    #: (child IRI, parent IRI) -> evidence of that edge
    evidence: dict[tuple[str, str], tuple[Evidence, ...]] = field(default_factory=dict)

    @classmethod
    def from_store(cls, store: GraphStore) -> LineageGraph:
        """Read entities, edges and their ``pk:LineageLink`` provenance from a store."""
        graph = cls(EntityIndex.from_store(store))
        links: dict[tuple[str, str], dict[str, dict]] = defaultdict(dict)
        # every edge with its evidence; kept next to the store, like the entities
        rows = store.cached("lineage", 1, lambda: store.query(_EDGES_QUERY).records())
        for row in rows:
            child, parent = row["child"], row["parent"]
            graph.parents[child].add(parent)
            graph.children[parent].add(child)
            if row["link"] is None:
                continue
            link = links[(child, parent)].setdefault(
                row["link"], {"text": row["evidence"], "rule": row["rule"], "papers": set()}
            )
            if row["paper"] is not None:
                key = row["key"] or row["paper"].rsplit("/", 1)[-1]
                link["papers"].add(PaperRef(key, row["title"] or "", row["paper"]))
        for edge, by_link in links.items():
            graph.evidence[edge] = tuple(
                Evidence(text=v["text"], rule=v["rule"], papers=tuple(sorted(v["papers"])))
                for _link, v in sorted(by_link.items())
            )
        return graph

    def entity(self, iri: str) -> EntityRef:
        """The entity with this IRI (a bare reference if the graph does not type it)."""
        return self.entities.by_iri.get(iri) or EntityRef(label_from_iri(iri), "", iri)

    def lineage(self, name: str, max_depth: int | None = None) -> Lineage:
        """Both trees of the entity called ``name`` (label or alias)."""
        if max_depth is not None and max_depth < 0:
            raise ValueError(f"max_depth must be >= 0 or None, got {max_depth}")
        root = self.entities.resolve(name)
        up = _Walk(self, self.parents, upward=True, max_depth=max_depth)
        down = _Walk(self, self.children, upward=False, max_depth=max_depth)
        return Lineage(root, up.tree(root.iri), down.tree(root.iri), max_depth)


class _Walk:
    """A depth-first walk in one direction that expands each entity once."""

    def __init__(
        self, graph: LineageGraph, step: dict[str, set[str]], *, upward: bool, max_depth: int | None
    ) -> None:
        self.graph, self.step, self.upward, self.max_depth = graph, step, upward, max_depth
        self.expanded: set[str] = set()

    def tree(self, root: str) -> tuple[LineageNode, ...]:
        self.expanded = {root}
        return self._level(root, depth=1, path=(root,))

    def _level(self, here: str, depth: int, path: tuple[str, ...]) -> tuple[LineageNode, ...]:
        if self.max_depth is not None and depth > self.max_depth:
            return ()
        nodes = []
        for there in sorted(self.step.get(here, ()), key=self._sort_key):
            edge = (here, there) if self.upward else (there, here)
            evidence = self.graph.evidence.get(edge, ())
            entity = self.graph.entity(there)
            if there in path:
                nodes.append(LineageNode(entity, depth, evidence, cycle=True))
            elif there in self.expanded:
                nodes.append(LineageNode(entity, depth, evidence, repeat=True))
            else:
                self.expanded.add(there)
                children = self._level(there, depth + 1, (*path, there))
                cut = not children and bool(self.step.get(there)) and self.max_depth == depth
                nodes.append(LineageNode(entity, depth, evidence, children, cut=cut))
        return tuple(nodes)

    def _sort_key(self, iri: str) -> tuple[str, str]:
        return self.graph.entity(iri).label.casefold(), iri


def find_lineage(
    graph_dir: str | os.PathLike[str], name: str, max_depth: int | None = None
) -> Lineage:
    """The lineage of the entity called ``name`` in the build in ``graph_dir``.

    Raises :class:`~paperkg.query.entities.UnknownEntityError` (with the closest
    names) when no entity has that label or alias.
    """
    with GraphStore.open(graph_dir) as store:
        graph = LineageGraph.from_store(store)
    return graph.lineage(name, max_depth)


# -- text and JSON -------------------------------------------------------------


def format_text(lineage: Lineage) -> str:
    """The lineage as two indented trees, with the evidence and papers of each step."""
    root = lineage.entity
    lines = [_describe(root)]
    if root.alt_labels:
        lines.append(f"also: {', '.join(root.alt_labels)}")
    lines.append(f"<{root.iri}>")
    for title, nodes in (
        (f"Ancestors (what {root.label} derives from):", lineage.ancestors),
        (f"Descendants (what derives from {root.label}):", lineage.descendants),
    ):
        lines += ["", title]
        lines += _tree_lines(nodes, "") if nodes else ["  (none)"]
    if lineage.max_depth is not None:
        lines += ["", f"(depth limited to {lineage.max_depth})"]
    return "\n".join(lines) + "\n"


def _describe(entity: EntityRef) -> str:
    return f"{entity.label} ({entity.type})" if entity.type else entity.label


def _tree_lines(nodes: tuple[LineageNode, ...], prefix: str) -> list[str]:
    lines = []
    for i, node in enumerate(nodes):
        last = i == len(nodes) - 1
        mark = " [cycle]" if node.cycle else " [see above]" if node.repeat else ""
        lines.append(f"{prefix}{'└── ' if last else '├── '}{_describe(node.entity)}{mark}")
        inner = prefix + ("    " if last else "│   ")
        detail = inner + ("│   " if node.children else "    ")
        for ev in node.evidence:
            rule = f" ({ev.rule})" if ev.rule else ""
            lines.append(f"{detail}evidence{rule}: {_one_line(ev.text or '-')}")
            for paper in ev.papers[:TEXT_PAPERS_PER_STEP]:
                lines.append(f"{detail}paper: {_one_line(paper.title)} [{paper.key}]")
            if len(ev.papers) > TEXT_PAPERS_PER_STEP:
                more = len(ev.papers) - TEXT_PAPERS_PER_STEP
                lines.append(f"{detail}… and {more} more papers (--format json lists all)")
        if not node.evidence:
            lines.append(f"{detail}(no evidence recorded)")
        if node.cut:
            lines.append(f"{detail}… more beyond the depth limit")
        lines += _tree_lines(node.children, inner)
    return lines


def _one_line(text: str) -> str:
    return " ".join(text.split())


def to_dict(lineage: Lineage) -> dict:
    """The lineage as plain JSON-ready data; nested nodes sit under the same key
    as their tree (``ancestors`` inside ancestors, ``descendants`` inside descendants)."""
    return {
        "entity": _entity_dict(lineage.entity),
        "max_depth": lineage.max_depth,
        ANCESTORS: [_node_dict(n, ANCESTORS) for n in lineage.ancestors],
        DESCENDANTS: [_node_dict(n, DESCENDANTS) for n in lineage.descendants],
    }


def format_json(lineage: Lineage) -> str:
    """:func:`to_dict` as indented JSON."""
    return json.dumps(to_dict(lineage), ensure_ascii=False, indent=2) + "\n"


def _entity_dict(entity: EntityRef) -> dict:
    return {
        "label": entity.label,
        "type": entity.type or None,
        "iri": entity.iri,
        "alt_labels": list(entity.alt_labels),
    }


def _node_dict(node: LineageNode, key: str) -> dict:
    return {
        **_entity_dict(node.entity),
        "depth": node.depth,
        "evidence": [
            {
                "text": ev.text,
                "rule": ev.rule,
                "papers": [{"key": p.key, "title": p.title, "iri": p.iri} for p in ev.papers],
            }
            for ev in node.evidence
        ],
        "cycle": node.cycle,
        "repeat": node.repeat,
        "cut": node.cut,
        key: [_node_dict(child, key) for child in node.children],
    }
