"""The lineage of an entity as one self-contained, offline HTML page.

A vis-network drawing with a hierarchical top-down layout (ancestors above the
entity, descendants below, arrows from an ancestor to what derives from it;
hover an arrow for its evidence and papers), followed by the same trees as
nested lists with the full evidence. The page comes from
:func:`paperkg.view.offline.offline_html`: vis-network is inlined and nothing is
fetched from the network.

Every text from the graph reaches the page either HTML-escaped (header and
lists) or inside pyvis' JSON data (labels and tooltips, which vis-network shows
as plain text). Its bidi control characters are shown as escapes
(:func:`~paperkg.shown.show_bidi_controls`) and, in the header and
lists, each text sits in its own ``<bdi>``, so a right-to-left name never
reorders the text around it.
"""

from __future__ import annotations

import html

from pyvis.network import Network

from paperkg.explore.lineage import (
    ANCESTORS,
    DESCENDANTS,
    Lineage,
    LineageNode,
    repeat_mark,
)
from paperkg.query.entities import EntityRef
from paperkg.shown import show_bidi_controls
from paperkg.view.graph_html import TYPE_COLOURS
from paperkg.view.offline import offline_html

_ROOT_COLOUR = "#f1ce63"
#: papers named in an arrow's tooltip (the list below the drawing has all)
_TOOLTIP_PAPERS = 8
_OPTIONS = {
    "layout": {
        "hierarchical": {
            "enabled": True,
            "direction": "UD",
            "sortMethod": "directed",
            "levelSeparation": 110,
            "nodeSpacing": 170,
        }
    },
    "physics": {"enabled": False},
    "nodes": {"shape": "box", "margin": 8, "font": {"face": "system-ui, sans-serif"}},
    "edges": {
        "arrows": {"to": {"enabled": True, "scaleFactor": 0.6}},
        "color": {"color": "#8a94a3"},
        "smooth": {"type": "cubicBezier", "forceDirection": "vertical", "roundness": 0.4},
    },
    "interaction": {"hover": True, "tooltipDelay": 120},
}
_CSS = """<style>
body { display: flex; flex-direction: column; }
#mynetwork { box-sizing: border-box; }
#lineage-header { order: -1; padding: 10px 16px 4px; }
#lineage-header h1 { font-size: 20px; margin: 0 0 4px; }
#lineage-header p, #lineage-trees { color: #52606d; margin: 2px 0; }
#lineage-trees { padding: 8px 16px 24px; color: #1f2933; }
#lineage-trees h2 { font-size: 16px; margin: 16px 0 4px; }
#lineage-trees ul { margin: 2px 0; padding-left: 22px; }
#lineage-trees .ev { color: #52606d; font-size: 13px; }
#lineage-trees .type { color: #7b8794; }
</style>"""


def lineage_html(lineage: Lineage) -> str:
    """The page for ``lineage`` as a string."""
    net = Network(height="65vh", width="100%", directed=True, heading="")
    nodes, edges = _network_data(lineage)
    net.nodes, net.edges = nodes, edges
    net.options = _OPTIONS
    title = f"<title>Lineage of {html.escape(_text(lineage.entity.label))} - paperkg</title>\n"
    return offline_html(net, head=title + _CSS, body=_header(lineage) + _trees(lineage))


def _network_data(lineage: Lineage) -> tuple[list[dict], list[dict]]:
    root = lineage.entity
    up_depth = _max_depth(lineage.ancestors)
    nodes = {root.iri: _node(root, level=up_depth, is_root=True)}
    edges: dict[tuple[str, str], dict] = {}

    def add(tree: tuple[LineageNode, ...], below: EntityRef, upward: bool) -> None:
        for node in tree:
            level = up_depth - node.depth if upward else up_depth + node.depth
            if not (node.repeat or node.cycle):  # placed where it is expanded
                nodes.setdefault(node.entity.iri, _node(node.entity, level=level))
            child, parent = (below, node.entity) if upward else (node.entity, below)
            edges.setdefault((parent.iri, child.iri), _edge(child, parent, node))
            add(node.children, node.entity, upward)

    add(lineage.ancestors, root, upward=True)
    add(lineage.descendants, root, upward=False)
    return list(nodes.values()), list(edges.values())


def _max_depth(tree: tuple[LineageNode, ...]) -> int:
    return max((max(n.depth, _max_depth(n.children)) for n in tree), default=0)


def _node(entity: EntityRef, *, level: int, is_root: bool = False) -> dict:
    label = _text(entity.label)
    lines = [f"{label} ({entity.type})" if entity.type else label]
    if entity.alt_labels:
        lines.append("also: " + _text(", ".join(entity.alt_labels)))
    lines.append(_text(entity.iri))
    return {
        "id": entity.iri,
        "label": label,
        "title": "\n".join(lines),
        "level": level,
        "color": _ROOT_COLOUR if is_root else TYPE_COLOURS.get(entity.type, "#b5bcc6"),
        "borderWidth": 3 if is_root else 1,
        "font": {"color": "#1f2933" if is_root else "#ffffff"},
    }


def _edge(child: EntityRef, parent: EntityRef, node: LineageNode) -> dict:
    lines = [f"{_text(child.label)} derives from {_text(parent.label)}"]
    for ev in node.evidence:
        rule = f" ({_text(ev.rule)})" if ev.rule else ""
        lines.append(f"evidence{rule}: {_text(ev.text or '-')}")
        lines += [f"paper: {_text(p.title)} [{_text(p.key)}]" for p in ev.papers[:_TOOLTIP_PAPERS]]
        if len(ev.papers) > _TOOLTIP_PAPERS:
            lines.append(f"… and {len(ev.papers) - _TOOLTIP_PAPERS} more papers (listed below)")
    return {"from": parent.iri, "to": child.iri, "title": "\n".join(lines)}


def _header(lineage: Lineage) -> str:
    root = lineage.entity
    e = _html
    kind = _type(root)
    also = f"<p>also: {e(', '.join(root.alt_labels))}</p>" if root.alt_labels else ""
    counts = (
        f"<p>{_count(lineage.ancestors)} ancestor(s) above, "
        f"{_count(lineage.descendants)} descendant(s) below; hover an arrow for its evidence.</p>"
    )
    title = f"<h1>Lineage of {e(root.label)}{kind}</h1>"
    return f"<header id='lineage-header'>{title}{also}{counts}</header>"


def _count(tree: tuple[LineageNode, ...]) -> int:
    return sum(1 + _count(n.children) for n in tree if not (n.repeat or n.cycle))


def _trees(lineage: Lineage) -> str:
    label = _html(lineage.entity.label)
    parts = ["<section id='lineage-trees'>"]
    for title, key, tree in (
        (f"Ancestors (what {label} derives from)", ANCESTORS, lineage.ancestors),
        (f"Descendants (what derives from {label})", DESCENDANTS, lineage.descendants),
    ):
        parts.append(f"<h2 id='{key}'>{title}</h2>")
        parts.append(_tree_list(tree, set()) if tree else "<p>(none)</p>")
    parts.append("</section>")
    return "\n".join(parts)


def _tree_list(tree: tuple[LineageNode, ...], shown: set[str]) -> str:
    """Nested lists in reading order; ``shown`` is as for :func:`repeat_mark`."""
    e = _html
    items = []
    for node in tree:
        mark = html.escape(repeat_mark(node, shown))
        kind = _type(node.entity)
        evidence = []
        for ev in node.evidence:
            rule = f" ({e(ev.rule)})" if ev.rule else ""
            papers = "; ".join(f"{e(p.title)} [{e(p.key)}]" for p in ev.papers)
            evidence.append(
                f"<div class='ev'>evidence{rule}: {e(ev.text or '-')}"
                + (f"<br>papers: {papers}" if papers else "")
                + "</div>"
            )
        cut = "<div class='ev'>… more beyond the depth limit</div>" if node.cut else ""
        children = _tree_list(node.children, shown) if node.children else ""
        items.append(
            f"<li>{e(node.entity.label)}{kind}{mark}{''.join(evidence)}{cut}{children}</li>"
        )
    return "<ul>" + "".join(items) + "</ul>"


def _type(entity: EntityRef) -> str:
    return f" <span class='type'>({html.escape(entity.type)})</span>" if entity.type else ""


def _text(text: str) -> str:
    """A text from the graph for a label or tooltip: its bidi controls made visible."""
    return show_bidi_controls(text)


def _html(text: str) -> str:
    """A text from the graph for the page: visible bidi controls, escaped, isolated."""
    return f"<bdi>{html.escape(show_bidi_controls(text))}</bdi>"
