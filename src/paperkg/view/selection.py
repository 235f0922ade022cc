"""Which nodes a graph view draws: the best-supported entities and their papers.

A corpus of a few hundred papers names thousands of entities, most of them once.
The default view keeps the entities at least ``min_support`` papers mention,
ranked by support (then name, then id, so ties are stable), and the papers that
mention them. When that is more than ``max_nodes`` nodes, it keeps the longest
prefix of the ranking that fits together with its papers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import networkx as nx

from paperkg.view.errors import ViewError

log = logging.getLogger(__name__)

PAPER = "Paper"
#: Paper -> entity relations, most specific first.
PAPER_RELATIONS = ("proposes", "evaluatesOn", "mentions")
LINEAGE = "derivedFrom"


@dataclass(frozen=True)
class Selection:
    """The nodes a view draws, in drawing order."""

    #: Entity node ids, best-supported first.
    entities: tuple[str, ...]
    #: Paper node ids around them, sorted.
    papers: tuple[str, ...]
    #: Entities in the whole graph.
    entities_total: int


def is_paper(attrs: dict) -> bool:
    """True for a Paper node's attributes."""
    return attrs.get("node_type") == PAPER


def entity_papers(graph: nx.MultiDiGraph, entity: str) -> list[str]:
    """The papers linked to ``entity`` by any paper -> entity relation, sorted."""
    return sorted(
        {
            paper
            for paper, _, relation in graph.in_edges(entity, keys=True)
            if relation in PAPER_RELATIONS and is_paper(graph.nodes[paper])
        }
    )


def support(graph: nx.MultiDiGraph, entity: str) -> int:
    """The entity's ``support`` attribute, or the number of its papers when absent."""
    value = graph.nodes[entity].get("support")
    return int(value) if value is not None else len(entity_papers(graph, entity))


def select_view(graph: nx.MultiDiGraph, *, min_support: int, max_nodes: int) -> Selection:
    """Choose the entities and papers to draw.

    Parameters
    ----------
    graph:
        A paperkg graph (Paper and entity nodes, see :mod:`paperkg.graph`).
    min_support:
        Keep entities mentioned by at least this many papers (>= 1).
    max_nodes:
        Upper bound on entities + papers drawn (>= 1).

    Raises
    ------
    ViewError
        If ``min_support`` or ``max_nodes`` is below 1.
    """
    if min_support < 1:
        raise ViewError(f"min_support must be at least 1, got {min_support}")
    if max_nodes < 1:
        raise ViewError(f"max_nodes must be at least 1, got {max_nodes}")
    entities = [node for node, attrs in graph.nodes(data=True) if not is_paper(attrs)]
    ranked = sorted(
        (e for e in entities if support(graph, e) >= min_support),
        key=lambda e: (-support(graph, e), str(graph.nodes[e].get("label", "")).casefold(), e),
    )
    chosen: list[str] = []
    papers: set[str] = set()
    for entity in ranked:
        new_papers = papers.union(entity_papers(graph, entity))
        if len(chosen) + 1 + len(new_papers) > max_nodes:
            log.warning(
                "graph view: %d of %d entities with support >= %d fit in %d nodes",
                len(chosen),
                len(ranked),
                min_support,
                max_nodes,
            )
            break
        chosen.append(entity)
        papers = new_papers
    return Selection(tuple(chosen), tuple(sorted(papers)), len(entities))
