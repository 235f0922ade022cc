"""What ``graph.html`` reads of a build, kept for an update to draw the page from.

The page (:mod:`paperkg.view.graph_html`) reads of the whole graph: every entity
(the ranking, the names in the details), each entity it looks at with its papers
and their most specific relation to it, the titles of those papers (the order of
the details' lists), the drawn papers' records and links, and the lineage. The
entities, their papers and the lineage are in the resolution's kept state
(:mod:`paperkg.resolve.delta`); a build keeps beside it (:data:`VIEW_FILE`) every
paper's title, the links more specific than ``mentions`` by paper, and the drawn
papers' records and links. An update changes them by the papers it redid and
draws from them the page the whole graph gives (tested), reading from the state
file only the papers it draws that the earlier page did not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx
import orjson
import zstandard

from paperkg.graph.build import add_links, build_graph, entity_node, paper_attributes, paper_node
from paperkg.records import Entity, Lineage, Link, Paper, Relation, Resolution
from paperkg.state import _paper, _paper_row
from paperkg.view.selection import PAPER, RELATION_RANK, select_view

if TYPE_CHECKING:
    from paperkg.view.graph_html import ViewPlan

_MENTIONS = Relation.MENTIONS.value
_SPECIFIC = {Relation.PROPOSES, Relation.EVALUATES_ON}
_RELATIONS = {relation.value: relation for relation in Relation}


@dataclass
class ViewData:
    """What an update draws the page from, besides the resolution's state."""

    #: each paper's key -> its title
    titles: dict[str, str]
    #: each paper's key -> the entities it proposes or evaluates on (their keys) -> that
    #: relation (the most specific, where both): ``mentions`` is every other link's
    specific: dict[str, dict[str, str]]
    #: the papers the page drew, by key, with their links
    drawn: dict[str, tuple[Paper, tuple[Link, ...]]] = field(default_factory=dict)

    @classmethod
    def of(cls, papers: Iterable[Paper], links: Iterable[Link],
           drawn: Iterable[str] = ()) -> ViewData:
        """The view data of a whole build: its ``papers``, their ``links``, and the
        keys of the papers its page drew."""
        papers = list(papers)
        wanted = set(drawn)
        found: dict[str, list[Link]] = {key: [] for key in wanted}
        specific_links: list[Link] = []
        for link in links:
            if link.relation in _SPECIFIC:
                specific_links.append(link)
            if link.paper_key in wanted:
                found[link.paper_key].append(link)
        return cls({paper.key: paper.title for paper in papers}, _specific(specific_links),
                   {paper.key: (paper, tuple(found[paper.key]))
                    for paper in papers if paper.key in wanted})

    def redo(self, papers: Iterable[Paper], links: Mapping[str, Sequence[Link]]) -> None:
        """Take an update's new and changed ``papers`` and the ``links`` of every paper
        it redid (by key): the drawn papers among these are no longer known."""
        self.titles.update((paper.key, paper.title) for paper in papers)
        for key, found in links.items():
            specific = _specific(link for link in found if link.relation in _SPECIFIC)
            if specific:
                self.specific[key] = specific[key]
            else:
                self.specific.pop(key, None)
            self.drawn.pop(key, None)


def _specific(links: Iterable[Link]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for link in links:
        relations = found.setdefault(link.paper_key, {})
        relation = link.relation.value
        now = relations.get(link.entity_key)
        if now is None or RELATION_RANK[relation] < RELATION_RANK[now]:
            relations[link.entity_key] = relation
    return found


def save_view_data(path: Path, data: ViewData) -> None:
    """Write ``data`` (zstd JSON)."""
    row = {"titles": data.titles, "specific": data.specific,
           "drawn": [[_paper_row(paper), [_link_row(link) for link in links]]
                     for paper, links in data.drawn.values()]}
    path.write_bytes(zstandard.ZstdCompressor(level=3).compress(orjson.dumps(row)))


def load_view_data(path: Path) -> ViewData:
    """The data :func:`save_view_data` wrote; ValueError if it cannot be read."""
    try:
        row = orjson.loads(zstandard.ZstdDecompressor().decompress(path.read_bytes()))
        drawn = {}
        for paper_row, link_rows in row["drawn"]:
            paper = _paper(paper_row)
            drawn[paper.key] = (paper, tuple(_link(paper.key, link) for link in link_rows))
        titles, specific = row["titles"], row["specific"]
        if not isinstance(titles, dict) or not isinstance(specific, dict):
            raise TypeError("titles and links are not objects")
    except (OSError, ValueError, KeyError, TypeError, zstandard.ZstdError) as err:
        raise ValueError(f"cannot read {path.name}: {err}") from err
    return ViewData(titles, specific, drawn)


def _link_row(link: Link) -> list:
    return [link.entity_key, link.relation.value, link.evidence, link.field, link.start,
            link.end, link.rule, link.confidence]


def _link(paper_key: str, row: list) -> Link:
    entity_key, relation, evidence, field_, start, end, rule, confidence = row
    return Link(paper_key, entity_key, _RELATIONS[relation], evidence, field_, start, end,
                rule, confidence)


class StateLinks(dict):
    """Each entity node -> its papers' nodes -> the most specific relation, as
    :func:`~paperkg.view.selection.paper_links` finds them in the whole graph, made
    when first asked for from the resolution's papers of each cluster and the view
    data's specific links."""

    def __init__(self, entities: Mapping[str, Entity], papers_of: Mapping[str, Sequence[str]],
                 specific: Mapping[str, dict[str, str]]) -> None:
        super().__init__()
        #: each entity's node -> (its cluster's root, its key)
        self.roots = {entity_node(entity.key): (root, entity.key)
                      for root, entity in entities.items()}
        self.papers_of, self.specific = papers_of, specific

    def __missing__(self, node: str) -> dict[str, str]:
        if node not in self.roots:  # an entity only lineage names: no paper links it
            found = self[node] = {}
            return found
        root, key = self.roots[node]
        get, none = self.specific.get, {}
        found = self[node] = {paper_node(paper): get(paper, none).get(key, _MENTIONS)
                              for paper in self.papers_of[root]}
        return found


def plan_update_view(data: ViewData, entities: Mapping[str, Entity],
                     clusters: Mapping[str, Entity], papers_of: Mapping[str, Sequence[str]],
                     lineage: Sequence[Lineage],
                     read: Callable[[list[str]], dict[str, tuple[Paper, tuple[Link, ...]]]],
                     *, min_support: int, max_nodes: int = 2500) -> ViewPlan:
    """The plan of the page an update draws: what :func:`plan_graph_html` makes of the
    whole graph, made from ``data`` (after :meth:`ViewData.redo`), every entity (by
    key, those only lineage names too) and lineage edge, and the resolution's entity
    and papers of each cluster (``clusters``, ``papers_of``: by cluster root).
    ``read``: the records and links of drawn papers ``data`` does not hold, by key.
    ``data.drawn`` becomes the page's drawn papers."""
    from paperkg.view.graph_html import plan_graph_html  # pyvis: only to draw

    graph = build_graph((), Resolution(entities=dict(entities), links=(),
                                       lineage=tuple(lineage)))
    links = StateLinks(clusters, papers_of, data.specific)
    selection = select_view(graph, min_support=min_support, max_nodes=max_nodes, links=links)
    keys = [node.removeprefix("paper:") for node in selection.papers]
    missing = [key for key in keys if key not in data.drawn]
    found = read(missing) if missing else {}
    data.drawn = {key: data.drawn.get(key) or found[key] for key in keys}
    _add_papers(graph, data)
    return plan_graph_html(graph, min_support=min_support, max_nodes=max_nodes, links=links,
                           selection=selection)


def _add_papers(graph: nx.MultiDiGraph, data: ViewData) -> None:
    """Add the drawn papers as the whole graph has them, with their links, and every
    other paper with its title (the details' lists name them and order them by it)."""
    nodes = graph._node
    for paper, _ in data.drawn.values():
        graph.add_node(paper_node(paper.key), **paper_attributes(paper))
    add_links(graph, [link for _, links in data.drawn.values() for link in links], {},
              {node.removeprefix("entity:"): node for node in nodes})
    graph.add_nodes_from((node, {"node_type": PAPER, "label": title, "title": title})
                         for key, title in data.titles.items()
                         if (node := paper_node(key)) not in nodes)
