"""Which nodes a graph view draws: the best-supported entities and their papers.

A corpus of a few hundred papers names thousands of entities, most of them once.
The default view keeps the entities at least ``min_support`` papers mention,
ranked by support (then name, then id, so ties are stable), and the papers that
mention them. When that is more than ``max_nodes`` nodes, it keeps the longest
prefix of the ranking that fits together with all its papers. When that prefix
is short (a corpus of 100k papers, where one entity alone has thousands of
papers), it keeps the best-ranked entities instead (a third of the nodes) and
shares the rest out among them:
each entity in turn, best first, adds its next paper, the papers that link the
most chosen entities first, until the budget is spent. So every entity drawn has
papers around it, and the papers drawn are the ones that tie the view together.
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
#: each of them -> its place in that order
RELATION_RANK = {relation: rank for rank, relation in enumerate(PAPER_RELATIONS)}
_MENTIONS = PAPER_RELATIONS[-1]
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
    #: Papers linked to the chosen entities (all of them are drawn when they fit).
    papers_total: int = 0


def is_paper(attrs: dict) -> bool:
    """True for a Paper node's attributes."""
    return attrs.get("node_type") == PAPER


def paper_links(graph: nx.MultiDiGraph, entity: str,
                papers: set[str] | None = None) -> dict[str, str]:
    """Each paper linked to ``entity`` -> its most specific relation to it;
    ``papers``: the graph's Paper nodes (:func:`paper_nodes`), when the caller has them
    for many entities; else the entity's own neighbours are looked at (a call made
    for each of a graph's entities must not walk the whole graph each time)."""
    if papers is None:
        nodes = graph._node
        papers = {node for node in graph._pred[entity] if is_paper(nodes[node])}
    found: dict[str, str] = {}
    # the graph's own dictionaries, not its views: an entity may have tens of thousands
    # of papers, and the views cost a third of this walk; a paper is told by the set,
    # not by its attributes (each a dictionary of its own, elsewhere in memory)
    for paper, relations in graph._pred[entity].items():  # relations: the edges' keys
        if paper not in papers:
            continue
        if len(relations) == 1 and _MENTIONS in relations:  # most links
            found[paper] = _MENTIONS
            continue
        specific = [relation for relation in relations if relation in RELATION_RANK]
        if len(specific) == 1:  # most other papers: one relation to the entity
            found[paper] = specific[0]
        elif specific:
            found[paper] = min(specific, key=RELATION_RANK.__getitem__)
    return found


def paper_nodes(graph: nx.MultiDiGraph) -> set[str]:
    """The graph's Paper nodes."""
    return {node for node, attrs in graph._node.items() if is_paper(attrs)}


class PaperLinks(dict):
    """Each entity -> its :func:`paper_links`, looked up when first asked for.

    On a 100k-paper graph the view ranks thousands of entities but draws a few
    hundred, and one entity can have tens of thousands of papers; the selection
    and the page share one of these, so no entity's papers are walked twice.
    """

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        super().__init__()
        self.graph = graph
        self._papers: set[str] | None = None

    def __missing__(self, entity: str) -> dict[str, str]:
        if self._papers is None:
            self._papers = paper_nodes(self.graph)
        found = self[entity] = paper_links(self.graph, entity, self._papers)
        return found


def entity_papers(graph: nx.MultiDiGraph, entity: str) -> list[str]:
    """The papers linked to ``entity`` by any paper -> entity relation, sorted."""
    return sorted(paper_links(graph, entity))


def support(graph: nx.MultiDiGraph, entity: str) -> int:
    """The entity's ``support`` attribute, or the number of its papers when absent."""
    value = graph.nodes[entity].get("support")
    return int(value) if value is not None else len(entity_papers(graph, entity))


def select_view(graph: nx.MultiDiGraph, *, min_support: int, max_nodes: int,
                links: PaperLinks | None = None) -> Selection:
    """Choose the entities and papers to draw.

    Parameters
    ----------
    graph:
        A paperkg graph (Paper and entity nodes, see :mod:`paperkg.graph`).
    min_support:
        Keep entities mentioned by at least this many papers (>= 1).
    max_nodes:
        Upper bound on entities + papers drawn (>= 1).
    links:
        The graph's :class:`PaperLinks`, to share with the caller (a new one when
        None).

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
    supports = {entity: support(graph, entity) for entity in entities}  # each found once
    ranked = sorted(
        (e for e in entities if supports[e] >= min_support),
        key=lambda e: (-supports[e], str(graph.nodes[e].get("label", "")).casefold(), e),
    )
    links = PaperLinks(graph) if links is None else links
    prefix, papers = _fitting_prefix(ranked, links, max_nodes)
    if len(prefix) >= min(len(ranked), max_nodes // 3):
        return Selection(tuple(prefix), tuple(sorted(papers)), len(entities), len(papers))
    chosen = ranked[: max(1, max_nodes // 3)] if max_nodes > 1 else []
    around = {entity: sorted(links[entity]) for entity in chosen}
    papers = _share_papers(around, max_nodes - len(chosen))
    papers_total = len(set().union(*around.values())) if chosen else 0
    log.info(
        "graph view: %d of %d entities with support >= %d and %d of their %d papers fit in %d nodes",
        len(chosen), len(ranked), min_support, len(papers), papers_total, max_nodes,
    )  # fmt: skip
    return Selection(tuple(chosen), tuple(sorted(papers)), len(entities), papers_total)


def _fitting_prefix(
    ranked: list[str], links: PaperLinks, max_nodes: int
) -> tuple[list[str], set[str]]:
    """The longest prefix of ``ranked`` that fits in ``max_nodes`` with all its papers."""
    chosen: list[str] = []
    papers: set[str] = set()
    for entity in ranked:
        new_papers = papers.union(links[entity])
        if len(chosen) + 1 + len(new_papers) > max_nodes:
            break
        chosen.append(entity)
        papers = new_papers
    return chosen, papers


def _share_papers(around: dict[str, list[str]], budget: int) -> set[str]:
    """Up to ``budget`` papers, taken in turns by the entities (in their order);
    ``around``: each entity's papers, sorted.

    Each entity's papers are ordered by how many of the chosen entities they
    link (most first), then by id, so the papers drawn connect the view.
    """
    links: dict[str, int] = {}
    for papers in around.values():
        for paper in papers:
            links[paper] = links.get(paper, 0) + 1
    # each entity's papers come sorted: a stable sort on the count alone keeps the ids'
    # order among equal counts (reverse=True keeps it too), with no tuple per paper
    queues = [iter(sorted(papers, key=links.__getitem__, reverse=True))
              for papers in around.values()]
    drawn: set[str] = set()
    while queues and len(drawn) < budget:
        still = []
        for queue in queues:
            if len(drawn) >= budget:
                break
            for paper in queue:
                if paper not in drawn:
                    drawn.add(paper)
                    still.append(queue)
                    break
        queues = still
    return drawn
