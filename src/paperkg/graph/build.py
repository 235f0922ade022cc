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

from collections.abc import Sequence

import networkx as nx

from paperkg.records import Paper, Relation, Resolution
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
    for paper in sorted(papers, key=lambda p: p.key):
        graph.add_node(
            paper_node(paper.key),
            node_type="Paper",
            label=paper.title,
            title=paper.title,
            abstract=paper.abstract,
            date=paper.date or "",
            arxiv_id=paper.arxiv_id or "",
            authors=paper.authors,
            iri=mint_text("paper", paper.key),
        )
    for entity in sorted(resolution.entities.values(), key=lambda e: e.key):
        graph.add_node(
            entity_node(entity.key),
            node_type=entity.type.value,
            label=entity.label,
            kind=entity.kind,
            aliases=entity.aliases,
            support=entity.support,
            iri=mint_text("entity", entity.key),
        )
    for link in sorted(resolution.links, key=lambda k: (k.paper_key, k.entity_key, k.relation)):
        graph.add_edge(
            paper_node(link.paper_key),
            entity_node(link.entity_key),
            key=link.relation.value,
            relation=link.relation.value,
            evidence=link.evidence,
            confidence=link.confidence,
            rule=link.rule,
            field=link.field,
            start=link.start,
            end=link.end,
        )
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
