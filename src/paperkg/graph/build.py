"""Papers and entities linked in a networkx ``MultiDiGraph``.

Node ids are ``paper:<key>`` and ``entity:<key>``. Paper nodes carry
``node_type="Paper"``, ``label`` (the title), ``title``, ``abstract``, ``date``,
``arxiv_id``, ``authors`` (tuple) and ``iri``; entity nodes carry ``node_type``
(the entity type), ``label``, ``kind``, ``aliases`` (tuple), ``support`` and
``iri``. Edges are keyed by relation: paper -> entity ``mentions`` / ``proposes``
/ ``evaluatesOn`` (with ``evidence``, ``confidence``, ``rule``, ``field``,
``start``, ``end``), entity -> entity ``derivedFrom`` (with ``evidence``,
``rule``, ``papers``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import attrgetter

import networkx as nx

from paperkg.records import Link, Paper, Relation, Resolution
from paperkg.vocab import mint_text


def paper_node(key: str) -> str:
    """Graph node id of a paper."""
    return f"paper:{key}"


def entity_node(key: str) -> str:
    """Graph node id of an entity."""
    return f"entity:{key}"


def build_graph(papers: Sequence[Paper], resolution: Resolution) -> nx.MultiDiGraph:
    """Link papers to their entities and entities to their lineage parents.

    Nodes and edges are added in a sorted order, so the same input gives the
    same graph, node for node.
    """
    graph = nx.MultiDiGraph(name="paperkg")
    # each node's id made once: the edges share the node's own string, which keeps its
    # hash, rather than a new string per edge (800k edges at 100k papers)
    paper_nodes = {paper.key: paper_node(paper.key) for paper in papers}
    entity_nodes = {e.key: entity_node(e.key) for e in resolution.entities.values()}
    for paper in sorted(papers, key=lambda p: p.key):
        graph.add_node(paper_nodes[paper.key], **paper_attributes(paper))
    for entity in sorted(resolution.entities.values(), key=lambda e: e.key):
        graph.add_node(
            entity_nodes[entity.key],
            node_type=entity.type.value,
            label=entity.label,
            kind=entity.kind,
            aliases=entity.aliases,
            support=entity.support,
            iri=mint_text("entity", entity.key),
        )
    add_links(graph, resolution.links, paper_nodes, entity_nodes)
    for edge in resolution.lineage:
        graph.add_edge(
            entity_node(edge.child),
            entity_node(edge.parent),
            key=Relation.DERIVED_FROM.value,
            relation=Relation.DERIVED_FROM.value,
            evidence=edge.evidence,
            rule=edge.rule,
            papers=edge.papers,
        )
    return graph


def paper_attributes(paper: Paper) -> dict:
    """A Paper node's attributes."""
    return {"node_type": "Paper", "label": paper.title, "title": paper.title,
            "abstract": paper.abstract, "date": paper.date or "",
            "arxiv_id": paper.arxiv_id or "", "authors": paper.authors,
            "iri": mint_text("paper", paper.key)}


def add_links(graph: nx.MultiDiGraph, links: Iterable[Link], paper_nodes: dict[str, str],
              entity_nodes: dict[str, str]) -> None:
    """Add the paper -> entity edges of ``links``, in order of paper, entity and
    relation; ``paper_nodes``, ``entity_nodes``: node ids by key, shared by the edges
    (a key missing from them gets its own)."""
    relations = {relation: relation.value for relation in Relation}
    _add_edges(graph, (
        (paper_nodes.get(link.paper_key) or paper_node(link.paper_key),
         entity_nodes.get(link.entity_key) or entity_node(link.entity_key),
         relations[link.relation], {
            "relation": relations[link.relation],
            "evidence": link.evidence,
            "confidence": link.confidence,
            "rule": link.rule,
            "field": link.field,
            "start": link.start,
            "end": link.end,
        })
        for link in sorted(links, key=attrgetter("paper_key", "entity_key", "relation"))
    ))


def _add_edges(graph: nx.MultiDiGraph, edges: Iterable[tuple[str, str, str, dict]]) -> None:
    """Add ``(u, v, key, data)`` edges between nodes already in ``graph``, as
    ``add_edge(u, v, key, **data)`` would, straight into its adjacency dicts.

    At 100k papers ``add_edge`` took about half of building the graph (it checks
    for new nodes and clears the graph's cache once per edge). An edge to a node
    not in the graph goes through ``add_edge``.
    """
    succ, pred = graph._succ, graph._pred
    for u, v, key, data in edges:
        targets = succ.get(u)
        if targets is None or v not in succ:
            graph.add_edge(u, v, key, **data)
            continue
        keys = targets.get(v)
        if keys is None:
            targets[v] = pred[v][u] = {key: data}
        elif key in keys:
            keys[key].update(data)
        else:
            keys[key] = data
    clear_cache = getattr(nx, "_clear_cache", None)  # networkx 3.3 on: what add_edge does
    if clear_cache is not None:
        clear_cache(graph)
