"""Ancestors and descendants of a technique or model, with the papers behind each step.

Walks ``pk:derivedFrom`` upward (what an entity derives from) and downward
(what derives from it) and keeps, for every step, the evidence sentence, the
rule that found it and the source papers recorded on its ``pk:LineageLink``.
Each entity is expanded once per tree, where it is fewest steps from the root:
its other occurrences are marked ``repeat`` and an entity already on the path
(a cycle) is marked ``cycle``, so the walk always ends.

    >>> lin = find_lineage("outputs", "qlora")  # doctest: +SKIP
    >>> [node.entity.label for node in lin.ancestors]  # doctest: +SKIP
    ['LoRA']
    >>> print(format_text(lin))  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import defaultdict
from dataclasses import dataclass, field

from paperkg.query.entities import EntityIndex, EntityRef, label_from_iri, normalize_name
from paperkg.query.store import GraphStore
from paperkg.shown import show_bidi_controls
from paperkg.vocab import slug

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
    #: expanded elsewhere in the same tree (where it is fewest steps away), not repeated
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
    #: a file-name stem for the entity, unique in its graph: :func:`~paperkg.vocab.slug`
    #: of the label, plus a short hash of the IRI when another entity's label gives
    #: the same slug (ignoring case), e.g. ``SPP`` and ``SPP_1a2b3c4d``
    file_stem: str = ""


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
        trees = up.tree(root.iri), down.tree(root.iri)
        return Lineage(root, *trees, max_depth, file_stem=self.file_stem(root))

    def file_stem(self, entity: EntityRef) -> str:
        """A file-name stem for ``entity`` that no other entity of the graph shares."""
        stem = slug(entity.label)
        key = normalize_name(entity.label)  # equal slugs have equal normalised names
        if any(
            e.iri != entity.iri and slug(e.label).casefold() == stem.casefold()
            for e in self.entities.entities
            if normalize_name(e.label) == key
        ):
            stem += "_" + hashlib.sha1(entity.iri.encode("utf-8")).hexdigest()[:8]
        return stem


class _Walk:
    """A depth-first walk in one direction that expands each entity once, where
    it is closest to the root.

    A breadth-first pass first finds every entity's shortest distance; the walk
    then expands an entity at its first occurrence at that distance. So with a
    depth limit N every entity within N steps is shown with its next steps up
    to the limit, even when a longer path reaches it first.
    """

    def __init__(
        self, graph: LineageGraph, step: dict[str, set[str]], *, upward: bool, max_depth: int | None
    ) -> None:
        self.graph, self.step, self.upward, self.max_depth = graph, step, upward, max_depth
        self.distance: dict[str, int] = {}
        self.expanded: set[str] = set()

    def tree(self, root: str) -> tuple[LineageNode, ...]:
        self.distance = self._distances(root)
        self.expanded = {root}
        return self._level(root, depth=1, path=(root,))

    def _distances(self, root: str) -> dict[str, int]:
        """Steps from ``root`` to every entity within one step beyond the limit."""
        distance = {root: 0}
        frontier = [root]
        while frontier and not self._beyond(distance[frontier[0]]):
            reached = []
            for here in frontier:
                for there in self.step.get(here, ()):
                    if there not in distance:
                        distance[there] = distance[here] + 1
                        reached.append(there)
            frontier = reached
        return distance

    def _beyond(self, depth: int) -> bool:
        return self.max_depth is not None and depth > self.max_depth

    def _level(self, here: str, depth: int, path: tuple[str, ...]) -> tuple[LineageNode, ...]:
        if self._beyond(depth):
            return ()
        nodes = []
        for there in sorted(self.step.get(here, ()), key=self._sort_key):
            edge = (here, there) if self.upward else (there, here)
            evidence = self.graph.evidence.get(edge, ())
            entity = self.graph.entity(there)
            if there in path:
                nodes.append(LineageNode(entity, depth, evidence, cycle=True))
            elif there in self.expanded or depth > self.distance[there]:
                nodes.append(LineageNode(entity, depth, evidence, repeat=True))
            else:
                self.expanded.add(there)
                children = self._level(there, depth + 1, (*path, there))
                nodes.append(LineageNode(entity, depth, evidence, children, cut=self._cut(there)))
        return tuple(nodes)

    def _cut(self, iri: str) -> bool:
        """Whether a next step of ``iri`` leads to an entity beyond the depth limit."""
        return any(self._beyond(self.distance.get(n, 0)) for n in self.step.get(iri, ()))

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


#: tree drawing characters: (branch, last branch, continuation, ellipsis)
_TREE_UNICODE = ("├── ", "└── ", "│   ", "…")
_TREE_ASCII = ("|-- ", "`-- ", "|   ", "...")
def repeat_mark(node: LineageNode, shown: set[str]) -> str:
    """`` [cycle]``, `` [see above]``, `` [see below]`` or nothing, for ``node``.

    ``shown`` holds the IRIs of the entities expanded so far in reading order
    (pre-order); the node's own IRI is added when it is expanded, so call this
    for every node in the order it is written.
    """
    if node.cycle:
        return " [cycle]"
    if node.repeat:
        return " [see above]" if node.entity.iri in shown else " [see below]"
    shown.add(node.entity.iri)
    return ""


def format_text(lineage: Lineage, *, ascii_tree: bool = False) -> str:
    """The lineage as two indented trees, with the evidence and papers of each step.

    ``ascii_tree`` draws the trees with ``|--`` and ```--`` instead of box
    characters, for an output that cannot encode them. Bidi control characters
    in names and evidence are shown as ``\\u202e``-style escapes.
    """
    root = lineage.entity
    chars = _TREE_ASCII if ascii_tree else _TREE_UNICODE
    label = _clean(root.label)
    lines = [_describe(root)]
    if root.alt_labels:
        lines.append(f"also: {_clean(', '.join(root.alt_labels))}")
    lines.append(f"<{_clean(root.iri)}>")
    for title, nodes in (
        (f"Ancestors (what {label} derives from):", lineage.ancestors),
        (f"Descendants (what derives from {label}):", lineage.descendants),
    ):
        lines += ["", title]
        lines += _tree_lines(nodes, "", chars, set()) if nodes else ["  (none)"]
    if lineage.max_depth is not None:
        lines += ["", f"(depth limited to {lineage.max_depth})"]
    return "\n".join(lines) + "\n"


def _describe(entity: EntityRef) -> str:
    label = _clean(entity.label)
    return f"{label} ({entity.type})" if entity.type else label


def _tree_lines(
    nodes: tuple[LineageNode, ...], prefix: str, chars: tuple[str, ...], shown: set[str]
) -> list[str]:
    branch, last_branch, bar, more = chars
    lines = []
    for i, node in enumerate(nodes):
        last = i == len(nodes) - 1
        mark = repeat_mark(node, shown)
        lines.append(f"{prefix}{last_branch if last else branch}{_describe(node.entity)}{mark}")
        inner = prefix + ("    " if last else bar)
        detail = inner + (bar if node.children else "    ")
        for ev in node.evidence:
            rule = f" ({_clean(ev.rule)})" if ev.rule else ""
            lines.append(f"{detail}evidence{rule}: {_clean(ev.text or '-')}")
            for paper in ev.papers[:TEXT_PAPERS_PER_STEP]:
                lines.append(f"{detail}paper: {_clean(paper.title)} [{_clean(paper.key)}]")
            if len(ev.papers) > TEXT_PAPERS_PER_STEP:
                n = len(ev.papers) - TEXT_PAPERS_PER_STEP
                lines.append(f"{detail}{more} and {n} more papers (--format json lists all)")
        if not node.evidence:
            lines.append(f"{detail}(no evidence recorded)")
        if node.cut:
            lines.append(f"{detail}{more} more beyond the depth limit")
        lines += _tree_lines(node.children, inner, chars, shown)
    return lines


def _clean(text: str) -> str:
    """``text`` on one line, its bidi controls made visible."""
    return show_bidi_controls(" ".join(text.split()))


def to_dict(lineage: Lineage) -> dict:
    """The lineage as plain JSON-ready data; nested nodes sit under the same key
    as their tree (``ancestors`` inside ancestors, ``descendants`` inside descendants)."""
    return {
        "entity": _entity_dict(lineage.entity),
        "max_depth": lineage.max_depth,
        ANCESTORS: [_node_dict(n, ANCESTORS) for n in lineage.ancestors],
        DESCENDANTS: [_node_dict(n, DESCENDANTS) for n in lineage.descendants],
    }


def format_json(lineage: Lineage, *, ensure_ascii: bool = False) -> str:
    """:func:`to_dict` as indented JSON (``ensure_ascii``: non-ASCII as ``\\u`` escapes)."""
    return json.dumps(to_dict(lineage), ensure_ascii=ensure_ascii, indent=2) + "\n"


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
