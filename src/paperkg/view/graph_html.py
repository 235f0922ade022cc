"""``graph.html``: the interactive, offline browser view of a paperkg graph.

The page draws the best-supported entities and the papers around them (see
:mod:`paperkg.view.selection`) at precomputed positions with physics off, so ~2,000
nodes appear settled at once. Colour shows the node type, size the number of
papers behind an entity. A side panel holds the legend with type filters and a
search over names and aliases; clicking a node opens its details (aliases,
support, lineage and papers of an entity; date, arXiv id, abstract and entities
of a paper), built in the browser from an inlined JSON blob with DOM text APIs.

Tooltips are plain text (vis-network 9 sets a string ``title`` with
``innerText``), and the JSON data escapes ``<``, ``>`` and ``&``, so no title or
abstract can inject markup or leave its ``<script>`` element::

    >>> import io, networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("paper:p", node_type="Paper", label="T", title="T", abstract="",
    ...            date="", arxiv_id="", authors=(), iri="")
    >>> g.add_node("entity:bert", node_type="Model", label="BERT", kind="named",
    ...            aliases=(), support=1, iri="")
    >>> g.add_edge("paper:p", "entity:bert", key="mentions", relation="mentions")
    'mentions'
    >>> stats = write_graph_html(g, io.StringIO(), min_support=1)
    >>> stats.nodes_drawn, stats.edges_drawn, stats.entities_shown, stats.papers_shown
    (2, 1, 1, 1)
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources
from itertools import repeat
from operator import add, mul
from os import PathLike
from pathlib import Path
from typing import TextIO

import networkx as nx
import orjson
from pyvis.network import Network

from paperkg.shown import has_bidi_controls, holds_bidi_controls, show_bidi_controls_in
from paperkg.view.layout import force_layout
from paperkg.view.offline import offline_html
from paperkg.view.selection import (
    LINEAGE,
    PAPER,
    PAPER_RELATIONS,
    RELATION_RANK,
    PaperLinks,
    Selection,
    is_paper,
    select_view,
    support,
)

__all__ = ["TYPE_COLOURS", "ViewPlan", "ViewStats", "json_script", "plan_graph_html",
           "render_graph_html", "write_graph_html"]

#: Fill colour per node type, in legend order (Tableau 10).
TYPE_COLOURS = {
    "Model": "#4e79a7",
    "Dataset": "#f28e2b",
    "Benchmark": "#e15759",
    "Technique": "#59a14f",
    PAPER: "#b5bcc6",
}
#: Line style per relation: (colour, width, dashes, arrow).
RELATION_STYLES = {
    "mentions": ("rgba(120,132,148,0.35)", 0.7, False, False),
    "evaluatesOn": ("rgba(225,87,89,0.55)", 1.2, False, False),
    "proposes": ("rgba(30,41,59,0.65)", 1.6, False, False),
    LINEAGE: ("#7b4fa8", 2.2, True, True),
}
RELATION_NAMES = {
    "mentions": "mentions",
    "evaluatesOn": "evaluates on",
    "proposes": "proposes",
    LINEAGE: "derived from",
}
_TOOLTIP_CHARS = 300
#: a longer name is clipped on the canvas (where it would cover the graph), not in
#: its tooltip or details panel
_LABEL_CHARS = 60
#: Papers and lineage steps the details panel lists per entity (drawn ones first);
#: a 100k-paper corpus has entities with tens of thousands of papers.
DETAILS_LIMIT = 100


@dataclass(frozen=True)
class ViewStats:
    """What a graph view drew."""

    #: Nodes in the page (entities_shown + papers_shown).
    nodes_drawn: int
    #: Edges in the page: one per linked paper/entity pair, plus lineage edges.
    edges_drawn: int
    #: Entities in the whole graph.
    entities_total: int
    #: Entities drawn.
    entities_shown: int
    #: Papers drawn.
    papers_shown: int
    #: Papers linked to the entities drawn (more than papers_shown when capped).
    papers_total: int = 0


def write_graph_html(
    graph: nx.MultiDiGraph,
    destination: str | PathLike[str] | TextIO,
    *,
    min_support: int = 2,
    max_nodes: int = 2500,
) -> ViewStats:
    """Write the interactive view of ``graph`` to a path or a text stream.

    Parameters
    ----------
    graph:
        A paperkg graph (see :mod:`paperkg.graph`).
    destination:
        A file path (written as UTF-8) or an open text stream.
    min_support:
        Draw entities mentioned by at least this many papers.
    max_nodes:
        Draw at most this many nodes, keeping the best-supported entities.
    """
    plan = plan_graph_html(graph, min_support=min_support, max_nodes=max_nodes)
    return plan.write(destination, plan.layout())


def render_graph_html(
    graph: nx.MultiDiGraph, *, min_support: int = 2, max_nodes: int = 2500
) -> tuple[str, ViewStats]:
    """The page of :func:`write_graph_html` as a string, and what it draws."""
    plan = plan_graph_html(graph, min_support=min_support, max_nodes=max_nodes)
    return plan.render(plan.layout())


Positions = dict[str, tuple[float, float]]


@dataclass(frozen=True)
class ViewPlan:
    """What a view draws, chosen (:func:`plan_graph_html`) before it is laid out.

    The layout is a pure function (:attr:`layout_call`), so a build can compute it
    in another process while it writes the other outputs, then :meth:`write` the
    page with the positions; :func:`write_graph_html` does both here.
    """

    graph: nx.MultiDiGraph
    min_support: int
    selection: Selection
    links: PaperLinks
    vis_edges: list[dict]

    @property
    def layout_call(self) -> tuple[Callable[..., Positions], tuple, dict]:
        """The call that lays the view out, as (function, args, kwargs), to run here
        (:meth:`layout`) or in another process."""
        nodes = self.selection.entities + self.selection.papers
        return force_layout, (nodes, [(e["from"], e["to"]) for e in self.vis_edges]), {"seed": 1}

    def layout(self) -> Positions:
        """The positions of the drawn nodes, computed here."""
        function, args, kwargs = self.layout_call
        return function(*args, **kwargs)

    def write(self, destination: str | PathLike[str] | TextIO, positions: Positions) -> ViewStats:
        """Write the page, drawn at ``positions``, to a path or a text stream."""
        page, stats = self.render(positions)
        if isinstance(destination, (str, PathLike)):
            Path(destination).write_text(page, encoding="utf-8", newline="\n")
        else:
            destination.write(page)
        return stats

    def render(self, positions: Positions) -> tuple[str, ViewStats]:
        """The page, drawn at ``positions``, and what it draws."""
        graph, selection = self.graph, self.selection
        drawn = selection.entities + selection.papers
        net = Network(height="100vh", width="100%", bgcolor="#f7f8fa", cdn_resources="in_line")
        # a name holding a right-to-left override would reverse what is drawn around it
        net.nodes = _shown([_vis_node(graph, node, positions[node]) for node in drawn])
        net.edges = _shown(self.vis_edges)
        net.options = _options()
        stats = ViewStats(
            nodes_drawn=len(net.nodes),
            edges_drawn=len(net.edges),
            entities_total=selection.entities_total,
            entities_shown=len(selection.entities),
            papers_shown=len(selection.papers),
            papers_total=selection.papers_total,
        )
        details = _details(graph, selection, self.links)
        head = f"<title>paperkg graph</title>\n<style>{_asset('graph.css')}</style>"
        body = "\n".join(
            [
                _side_panel(stats, self.min_support),
                '<aside id="pk-details" class="pk-panel" hidden></aside>',
                json_script(details, "pk-data"),
                f"<script>{_asset('graph.js')}</script>",
            ]
        )
        return offline_html(net, head=head, body=body), stats


def plan_graph_html(
    graph: nx.MultiDiGraph, *, min_support: int = 2, max_nodes: int = 2500,
    links: dict[str, dict[str, str]] | None = None, selection: Selection | None = None,
) -> ViewPlan:
    """Choose what the view of ``graph`` draws (see :func:`write_graph_html`).

    ``links``: each entity's :func:`~paperkg.view.selection.paper_links`, when the
    caller knows them from elsewhere than ``graph`` (an update, from kept data:
    :mod:`paperkg.view.kept`); ``selection``: what :func:`select_view` chose with them."""
    links = PaperLinks(graph) if links is None else links
    if selection is None:
        selection = select_view(graph, min_support=min_support, max_nodes=max_nodes,
                                links=links)
    return ViewPlan(graph, min_support, selection, links, _vis_edges(graph, selection, links))


def _shown(data: list) -> list:
    """``data`` with its bidi control characters made visible, if it holds any
    (:func:`~paperkg.shown.show_bidi_controls_in`)."""
    return show_bidi_controls_in(data) if holds_bidi_controls(data) else data


def json_script(data: object, element_id: str) -> str:
    """``data`` as a ``<script type="application/json">`` element safe to inline.

    ``<``, ``>`` and ``&`` become ``\\u003c``, ``\\u003e`` and ``\\u0026``, so a
    string such as ``</script>`` cannot end the element; read it back with
    ``JSON.parse(document.getElementById(element_id).textContent)``. A bidi control
    character is written as a visible escape (:mod:`paperkg.shown`).

    >>> print(json_script({"t": "</script><b>"}, "d"))
    <script type="application/json" id="d">{"t":"\\u003c/script\\u003e\\u003cb\\u003e"}</script>
    """
    text = _json(data)
    if has_bidi_controls(text):  # rare: the data is walked only then
        text = _json(show_bidi_controls_in(data))
    for char, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        text = text.replace(char, escaped)
    return f'<script type="application/json" id="{html.escape(element_id)}">{text}</script>'


def _json(data: object) -> str:
    """``data`` as compact JSON, keys sorted, non-ASCII text as it is: orjson's text,
    which is the standard library's for strings, numbers, lists and dicts, in a
    tenth of the time (a 100k-paper view's data is 12 MB); the standard library's
    for what orjson refuses (a lone surrogate, an integer beyond 64 bits)."""
    try:
        return orjson.dumps(data, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _asset(name: str) -> str:
    return resources.files("paperkg.view").joinpath("assets", name).read_text(encoding="utf-8")


def _clip(text: str, limit: int = _TOOLTIP_CHARS) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count:,} " + (word if count == 1 else words or word + "s")


def _vis_node(graph: nx.MultiDiGraph, node: str, xy: tuple[float, float]) -> dict:
    """One vis-network node; ``title`` is a plain-text tooltip."""
    attrs = graph.nodes[node]
    if is_paper(attrs):
        meta = " · ".join(p for p in (attrs.get("date", ""), attrs.get("arxiv_id", "")) if p)
        title = _clip(attrs.get("title", "")) + (f"\n{meta}" if meta else "")
        return {"id": node, "title": title, "group": PAPER, "size": 4, "x": xy[0], "y": xy[1]}
    count = support(graph, node)
    lines = [
        _clip(attrs.get("label", node)),
        f"{attrs.get('node_type', '')} · {attrs.get('kind', '')} · {_plural(count, 'paper')}",
    ]
    aliases = list(attrs.get("aliases", ()))
    if aliases:
        lines.append(_clip("also: " + ", ".join(aliases), 160))
    return {
        "id": node,
        "label": _clip(attrs.get("label", node), _LABEL_CHARS),  # the tooltip has it all
        "title": "\n".join(lines),
        "group": attrs.get("node_type", ""),
        "value": count,
        "x": xy[0],
        "y": xy[1],
    }


def _evidence(graph: nx.MultiDiGraph, source: str, target: str, relation: str) -> str:
    data = graph.get_edge_data(source, target, key=relation) or {}
    return _clip(data.get("evidence", ""))


def _vis_edges(graph: nx.MultiDiGraph, selection: Selection,
               links: dict[str, dict[str, str]]) -> list[dict]:
    """One edge per drawn paper/entity pair (its most specific relation), then lineage;
    ``links``: each drawn entity's :func:`paper_links`."""
    shown = set(selection.entities)
    papers = set(selection.papers)
    edges = []
    for entity in selection.entities:
        for paper, relation in sorted(links[entity].items()):
            if paper not in papers:
                continue
            evidence = _evidence(graph, paper, entity, relation)
            edges.append(_vis_edge(paper, entity, relation, evidence))
    for entity in selection.entities:
        for _, parent, relation in sorted(graph.out_edges(entity, keys=True)):
            if relation == LINEAGE and parent in shown:
                evidence = _evidence(graph, entity, parent, relation)
                edges.append(_vis_edge(entity, parent, relation, evidence))
    return edges


def _vis_edge(source: str, target: str, relation: str, evidence: str) -> dict:
    colour, width, dashes, arrow = RELATION_STYLES[relation]
    edge = {"from": source, "to": target, "title": f"{RELATION_NAMES[relation]}: {evidence}"}
    if relation != "mentions":
        edge.update(color=colour, width=width)
    if dashes:
        edge["dashes"] = True
    if arrow:
        edge["arrows"] = "to"
    return edge


def _details(graph: nx.MultiDiGraph, selection: Selection,
             links: dict[str, dict[str, str]]) -> dict:
    """The JSON blob the details panel and the search read."""
    nodes: dict[str, dict] = {}
    names: dict[str, list[str]] = {}

    def name(node: str) -> None:  # a paper listed under many entities is named once
        if node not in names:
            attrs = graph._node[node]
            names[node] = [str(attrs.get("label", node)), str(attrs.get("node_type", ""))]

    drawn = set(selection.entities) | set(selection.papers)
    listed = set().union(*map(links.__getitem__, selection.entities))
    # each listed paper's place in the order of titles, found once for all entities
    by_title = sorted((str(graph._node[paper].get("title", "")), paper) for paper in listed)
    in_title_order = [paper for _, paper in by_title]
    title_rank = {paper: rank for rank, paper in enumerate(in_title_order)}
    children = _lineage_children(graph, selection.entities)
    for entity in selection.entities:
        nodes[entity] = _entity_details(graph, entity, drawn, links[entity],
                                        (title_rank, in_title_order),
                                        children.get(entity, ()))
        for other, _ in nodes[entity]["papers"] + nodes[entity]["lineage"]:
            name(other)
    for paper in selection.papers:
        nodes[paper] = _paper_details(graph, paper)
        for other, _ in nodes[paper]["entities"]:
            name(other)
    for node in nodes:
        name(node)
    shown = [graph.nodes[n].get("node_type", "") for n in nodes]
    legend = [[kind, colour, shown.count(kind)] for kind, colour in TYPE_COLOURS.items()]
    return {"legend": legend, "names": names, "nodes": nodes}


def _lineage_children(graph: nx.MultiDiGraph, entities: tuple[str, ...]) -> dict[str, list[str]]:
    """The entities derived from each of ``entities``, found from each entity's own
    lineage links: the links into an entity are mostly the papers that name it
    (hundreds of thousands for the entities a large view draws)."""
    wanted = set(entities)
    children: dict[str, list[str]] = {}
    nodes = graph._node
    for node, parents in graph._succ.items():
        if parents and not is_paper(nodes[node]):
            for parent, keys in parents.items():
                if LINEAGE in keys and parent in wanted:
                    children.setdefault(parent, []).append(node)
    return children


def _entity_details(graph: nx.MultiDiGraph, entity: str, drawn: set[str],
                    links: dict[str, str], titles: tuple[dict[str, int], list[str]],
                    children: Iterable[str]) -> dict:
    """An entity's panel: its papers (``links``, from :func:`paper_links`; drawn
    ones first, then by relation and title: ``titles``, see :func:`_first_papers`)
    and lineage (its parents, and ``children``, the entities derived from it), at
    most DETAILS_LIMIT of each."""
    attrs = graph.nodes[entity]

    papers = _first_papers(links, drawn, *titles)
    # the adjacency dicts themselves, not networkx's views of them (a view wraps each item)
    lineage = [
        (parent, "derived from")
        for parent in sorted(p for p, keys in graph._succ[entity].items() if LINEAGE in keys)
    ] + [(child, "derivative") for child in sorted(children)]
    lineage_total = len(lineage)
    lineage = sorted(lineage, key=lambda item: item[0] not in drawn)[:DETAILS_LIMIT]
    return {
        "name": str(attrs.get("label", entity)),
        "type": str(attrs.get("node_type", "")),
        "kind": str(attrs.get("kind", "")),
        "aliases": [str(a) for a in attrs.get("aliases", ())],
        "support": support(graph, entity),
        "papers": [list(item) for item in papers],
        "papers_total": len(links),
        "lineage": [list(item) for item in lineage],
        "lineage_total": lineage_total,
    }


def _first_papers(links: dict[str, str], drawn: set[str], title_rank: dict[str, int],
                  in_title_order: list[str]) -> list[tuple[str, str]]:
    """The first DETAILS_LIMIT of an entity's papers (``links``: each -> its relation):
    drawn ones first, then by relation (in :data:`PAPER_RELATIONS`' order), then by
    title (``title_rank``: each listed paper's place in ``in_title_order``).

    A paper's place in that order is one number, made by mapping C functions over the
    links: an entity may have tens of thousands of papers, and a Python key function
    with :func:`heapq.nsmallest` took a quarter of a 100k-paper view's page.
    """
    span = len(in_title_order) or 1  # the places of one relation
    drawn_span = span * len(RELATION_RANK)
    places = map(add,
                 map(add, map(title_rank.__getitem__, links),
                     map(mul, map(RELATION_RANK.__getitem__, links.values()), repeat(span))),
                 map(mul, map(drawn.__contains__, links), repeat(-drawn_span)))  # drawn first
    first = []
    for place in sorted(places)[:DETAILS_LIMIT]:
        relation, rank = divmod(place % drawn_span, span)
        first.append((in_title_order[rank], PAPER_RELATIONS[relation]))
    return first


def _paper_details(graph: nx.MultiDiGraph, paper: str) -> dict:
    attrs = graph.nodes[paper]
    links: dict[str, str] = {}
    for _, entity, relation in graph.out_edges(paper, keys=True):
        if relation in PAPER_RELATIONS:
            current = links.get(entity, "mentions")
            links[entity] = min(current, relation, key=PAPER_RELATIONS.index)
    entities = sorted(
        links.items(),
        key=lambda item: (
            PAPER_RELATIONS.index(item[1]),
            -support(graph, item[0]),
            str(graph.nodes[item[0]].get("label", "")).casefold(),
            item[0],
        ),
    )
    return {
        "name": str(attrs.get("title", attrs.get("label", paper))),
        "type": PAPER,
        "date": str(attrs.get("date", "")),
        "arxiv": str(attrs.get("arxiv_id", "")),
        "authors": [str(a) for a in attrs.get("authors", ())],
        "abstract": str(attrs.get("abstract", "")),
        "entities": [[entity, RELATION_NAMES[relation]] for entity, relation in entities],
    }


def _options() -> dict:
    """vis-network options: physics off (positions are precomputed), cheap edges."""
    groups = {
        kind: {
            "color": {
                "background": colour,
                "border": "rgba(0,0,0,0.35)",
                "highlight": {"background": colour, "border": "#111827"},
                "hover": {"background": colour, "border": "#111827"},
            }
        }
        for kind, colour in TYPE_COLOURS.items()
    }
    return {
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False, "randomSeed": 1},
        "groups": groups,
        "nodes": {
            "shape": "dot",
            "borderWidth": 1,
            "borderWidthSelected": 4,
            "font": {
                "size": 14,
                "face": "system-ui, sans-serif",
                "color": "#1f2933",
                "strokeWidth": 3,
                "strokeColor": "rgba(255,255,255,0.85)",
            },
            "scaling": {
                "min": 7,
                "max": 42,
                "label": {
                    "enabled": True,
                    "min": 6,  # small entities are labelled once zoomed in
                    "max": 30,
                    "drawThreshold": 8,
                    "maxVisible": 40,
                },
            },
        },
        "edges": {
            "smooth": False,
            "color": {
                "color": RELATION_STYLES["mentions"][0],
                "highlight": "#2f6fdf",
                "hover": "#2f6fdf",
                "inherit": False,
            },
            "width": RELATION_STYLES["mentions"][1],
            "selectionWidth": 2,
            "hoverWidth": 1,
        },
        "interaction": {
            "hover": True,
            "tooltipDelay": 150,
            "hideEdgesOnDrag": True,
            "hideEdgesOnZoom": True,
            "navigationButtons": False,
            "keyboard": False,
            "multiselect": False,
        },
    }


def _side_panel(stats: ViewStats, min_support: int) -> str:
    """Markup of the left panel; its only data are numbers (the rest is built in JS)."""
    papers = _plural(stats.papers_shown, "paper")
    if stats.papers_total > stats.papers_shown:
        papers = f"{stats.papers_shown:,} of their {stats.papers_total:,} papers"
    status = (
        f"{_plural(stats.entities_shown, 'entity', 'entities')} of "
        f"{stats.entities_total:,} (≥ {_plural(min_support, 'paper')}) and "
        f"{papers}; {_plural(stats.edges_drawn, 'link')}"
    )
    keys = "".join(
        f'<div class="pk-edge-key"><span class="pk-line" style="border-top: '
        f'{max(2, round(width))}px {"dashed" if dashes else "solid"} {colour}"></span>'
        f"{RELATION_NAMES[relation]}</div>"
        for relation, (colour, width, dashes, _) in RELATION_STYLES.items()
    )
    return f"""<aside id="pk-side" class="pk-panel">
<div class="pk-title">paperkg graph</div>
<p class="pk-status" id="pk-status">{html.escape(status)}</p>
<input id="pk-search" type="search" placeholder="Search a name or alias…" autocomplete="off"
 aria-label="Search a name or alias">
<ul id="pk-results" class="pk-results"></ul>
<h3 class="pk-heading">Node types</h3>
<ul id="pk-legend" class="pk-legend"></ul>
<h3 class="pk-heading">Links</h3>
{keys}
<p class="pk-hint">Size: papers behind an entity. Click a node for details;
 scroll to zoom, drag to pan.</p>
</aside>"""
