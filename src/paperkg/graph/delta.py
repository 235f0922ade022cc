"""The nodes an update changes, as a small graph standing in for the whole one.

An update's exports copy the text of every node whose signature did not change
from the earlier files (:mod:`paperkg.export.reuse`); the writers read the data
and outgoing edges of the other nodes only, and of any node its IRI, its type and
whether it is in the graph. :func:`graph_delta` makes those nodes from what the
update's resolution changed (:mod:`paperkg.resolve.delta`), and
:class:`PatchedGraph` answers for every node of the graph as a full build would
make it: the changed nodes from the small graph, the others from their ids and
the entities' types. See ``docs/delta-update.md``.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx

from paperkg.export.reuse import ExportIndex, signatures
from paperkg.graph.build import build_graph, entity_node, paper_node
from paperkg.records import Entity, Lineage, Link, Paper, Resolution
from paperkg.resolve.delta import Fallback
from paperkg.vocab import mint_text


@dataclass
class GraphDelta:
    """The nodes an update formats, in a graph with the entities they link to."""

    graph: nx.MultiDiGraph
    #: node ids whose text changes (the others of :attr:`graph` are link targets)
    changed: set[str]
    #: entity node ids the update removes (an entity given another key)
    removed: set[str]


def graph_delta(papers: Sequence[Paper], links: Mapping[str, Sequence[Link]],
                entities: Mapping[str, Entity], remade: set[str],
                earlier_nodes: Sequence[str], lineage: Sequence[Lineage],
                earlier_lineage: Sequence[Lineage]) -> GraphDelta:
    """The changed nodes: ``papers`` (new, or whose links or record changed, each with
    its ``links``), the entities ``remade`` (keys: new mentions or a new key), those
    whose lineage edges changed and those new; ``entities``: every entity now by key,
    ``earlier_nodes`` the earlier build's node ids, sorted (its export index's).
    Raises :class:`~paperkg.resolve.delta.Fallback` when the earlier paper the
    files begin with must be written again and is not among ``papers``."""
    earlier_keys = {node[7:] for node in earlier_nodes if node.startswith("entity:")}
    before = _by_child(earlier_lineage)
    after = _by_child(lineage)
    changed_entities = set(remade) | (entities.keys() - earlier_keys)
    changed_entities.update(child for child in before.keys() | after.keys()
                            if before.get(child) != after.get(child))
    # the first node of the RDF files is written without the comma the others have:
    # the one that was first and the one that is are written again (entities sort
    # before papers)
    first_now = entity_node(min(entities)) if entities else min(
        [node for node in earlier_nodes if node.startswith("paper:")][:1]
        + [paper_node(paper.key) for paper in papers], default=None)
    first_before = earlier_nodes[0] if earlier_nodes else None
    if first_now != first_before:
        for node in filter(None, (first_now, first_before)):
            if node.startswith("entity:"):
                changed_entities.add(node[7:])
            elif node[6:] not in {paper.key for paper in papers}:
                raise Fallback(f"the files begin with another node, and {node} is not at hand")
    changed_entities &= entities.keys()
    targets = {link.entity_key for found in links.values() for link in found}
    targets.update(edge.parent for child in changed_entities for edge in after.get(child, ()))
    graph = build_graph(papers, Resolution(
        entities={key: entities[key] for key in sorted(changed_entities | targets)},
        links=tuple(link for paper in papers for link in links.get(paper.key, ())),
        lineage=tuple(edge for child in sorted(changed_entities)
                      for edge in after.get(child, ()))))
    changed = {paper_node(paper.key) for paper in papers}
    changed.update(map(entity_node, changed_entities))
    return GraphDelta(graph, changed,
                      {entity_node(key) for key in earlier_keys - entities.keys()})


@dataclass
class Patch:
    """An update's graph as its export writers read it (:class:`PatchedGraph`), the
    changed nodes, and every node's signature (the others' from the earlier index)."""

    delta: GraphDelta
    graph: PatchedGraph
    signature: dict[str, bytes]


def patch(previous: ExportIndex, papers: Sequence[Paper], links: Mapping[str, Sequence[Link]],
          entities: Mapping[str, Entity], remade: set[str], lineage: Sequence[Lineage],
          earlier_lineage: Sequence[Lineage]) -> Patch:
    """The :class:`Patch` of an update over the build ``previous`` indexes (the other
    arguments: :func:`graph_delta`'s); its ``Reuse(patch.graph, patch.signature,
    previous, folder)`` writes the update's files from the earlier ones."""
    delta = graph_delta(sorted(papers, key=lambda paper: paper.key), links, entities, remade,
                        previous.nodes, lineage, earlier_lineage)
    nodes = sorted((set(previous.nodes) - delta.removed) | delta.changed)
    graph = PatchedGraph(nodes, delta, {key: e.type.value for key, e in entities.items()})
    signature = dict(zip(previous.nodes, previous.signatures, strict=True))
    signature.update(signatures(graph, only=delta.changed))
    return Patch(delta, graph, signature)


def _by_child(lineage: Sequence[Lineage]) -> dict[str, list[Lineage]]:
    found: dict[str, list[Lineage]] = {}
    for edge in lineage:
        found.setdefault(edge.child, []).append(edge)
    return found


class PatchedGraph:
    """What the export writers read of a graph, for the graph of a full build whose
    nodes are ``nodes`` (every id, sorted) and whose changed nodes ``delta`` holds;
    ``types``: each entity key's type (the structural checks read a target's)."""

    def __init__(self, nodes: Sequence[str], delta: GraphDelta, types: Mapping[str, str]):
        # a full build adds the papers, then the entities, each sorted by key
        order = [node for node in nodes if node.startswith("paper:")]
        order += [node for node in nodes if not node.startswith("paper:")]
        self._node = _Nodes(order, delta, types)
        self._succ = _Succ(order, delta)

    def number_of_nodes(self) -> int:
        return len(self._node)


class _Nodes(Mapping):
    def __init__(self, order: list[str], delta: GraphDelta, types: Mapping[str, str]):
        self.order, self.known = order, set(order)
        self.small, self.changed, self.types = delta.graph._node, delta.changed, types

    def __getitem__(self, node: str) -> dict:
        if node in self.changed:
            return self.small[node]
        if node not in self.known:
            raise KeyError(node)
        kind, key = node.split(":", 1)
        if kind == "paper":
            return {"node_type": "Paper", "iri": mint_text("paper", key)}
        return {"node_type": self.types[key], "iri": mint_text("entity", key)}

    def __contains__(self, node: object) -> bool:
        return node in self.known

    def __iter__(self) -> Iterator[str]:
        return iter(self.order)

    def __len__(self) -> int:
        return len(self.order)


class _Succ(Mapping):
    """The changed nodes' outgoing edges; any other node's are not to be read."""

    def __init__(self, order: list[str], delta: GraphDelta):
        self.order, self.small, self.changed = order, delta.graph._succ, delta.changed

    def __getitem__(self, node: str) -> dict:
        if node not in self.changed:
            raise KeyError(f"{node} did not change: its edges are the earlier build's")
        return self.small[node]

    def __iter__(self) -> Iterator[str]:
        return iter(self.order)

    def __len__(self) -> int:
        return len(self.order)


def sample_papers(keys: Iterable[str], size: int = 100) -> list[str]:
    """The papers a large build's SHACL sample holds: the ``size`` keys of smallest
    hash, sorted. A new paper enters the sample only if its hash is smaller than the
    largest in it, so an update finds its sample from the earlier one and its new
    papers alone."""
    return sorted(heapq.nsmallest(size, keys, key=_sample_hash))


def _sample_hash(key: str) -> bytes:
    return hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest()


def sample_graph(papers: Sequence[Paper], links: Mapping[str, Sequence[Link]],
                 entities: Mapping[str, Entity], lineage: Sequence[Lineage]) -> nx.MultiDiGraph:
    """The graph the SHACL sample of ``papers`` is validated on, made from the papers,
    their ``links`` and every entity and lineage edge (``entities`` by key) as the
    whole graph's sample (the pipeline's ``_sample_graph``) is: the papers, the
    entities they link, those entities' lineage parents, and the edges among them,
    a lineage edge's papers cut to the sample's."""
    keep = {link.entity_key for paper in papers for link in links.get(paper.key, ())}
    keep.update([edge.parent for edge in lineage if edge.child in keep])
    kept_papers = {paper.key for paper in papers}
    return build_graph(papers, Resolution(
        entities={key: entities[key] for key in sorted(keep)},
        links=tuple(link for paper in papers for link in links.get(paper.key, ())),
        lineage=tuple(Lineage(edge.child, edge.parent, edge.rule, edge.evidence,
                              tuple(p for p in edge.papers if p in kept_papers))
                      for edge in lineage if edge.child in keep and edge.parent in keep)))
