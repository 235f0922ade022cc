"""GraphML export that networkx, igraph, Gephi and Cytoscape read back.

GraphML takes only scalars, and igraph refuses an attribute declared twice with
two types, so every node and edge gets every attribute, each with one fixed
type; tuples are joined with `` | ``; characters XML 1.0 forbids are dropped.
"""

from __future__ import annotations

import re
from typing import BinaryIO

import networkx as nx

_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
JOIN = " | "

NODE_ATTRIBUTES: dict[str, type] = {
    "node_type": str, "label": str, "title": str, "abstract": str, "date": str,
    "arxiv_id": str, "authors": str, "iri": str, "kind": str, "aliases": str, "support": int,
}
EDGE_ATTRIBUTES: dict[str, type] = {
    "relation": str, "evidence": str, "confidence": float, "rule": str, "field": str,
    "start": int, "end": int, "papers": str,
}


def _scalar(value, kind: type):
    if kind is str:
        if isinstance(value, (tuple, list)):
            value = JOIN.join(str(v) for v in value)
        return _XML_FORBIDDEN.sub("", "" if value is None else str(value))
    if value is None or value == "":
        return kind(-1) if kind is int else kind(0)
    return kind(value)


def flat_graph(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of ``graph`` with scalar attributes of one fixed type each."""
    flat = nx.MultiDiGraph()
    for node, data in graph.nodes(data=True):
        flat.add_node(node, **{k: _scalar(data.get(k), t) for k, t in NODE_ATTRIBUTES.items()})
    for source, target, key, data in graph.edges(keys=True, data=True):
        flat.add_edge(source, target, key=key,
                      **{k: _scalar(data.get(k), t) for k, t in EDGE_ATTRIBUTES.items()})
    return flat


def write_graphml(graph: nx.MultiDiGraph, destination: str | BinaryIO) -> None:
    """Write ``graph`` as GraphML to a path or binary stream."""
    nx.write_graphml_xml(flat_graph(graph), destination)
