"""GraphML export that networkx, igraph, Gephi and Cytoscape read back.

GraphML takes only scalars, and igraph refuses an attribute declared twice with
two types, so every node and edge gets every attribute, each with one fixed
type (a missing number is -1); tuples are joined with `` | ``; characters XML
1.0 forbids are dropped.
"""

from __future__ import annotations

import itertools
import re
from array import array
from collections.abc import Callable
from functools import lru_cache
from typing import IO
from xml.sax.saxutils import escape, quoteattr

import networkx as nx

from paperkg.export.batches import Sizes, batched, encode_items, encoded_writer, in_order
from paperkg.helper import Helper

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


_GRAPHML_TYPES = {str: "string", int: "long", float: "double"}
_HEADER = (
    "<?xml version='1.0' encoding='utf-8'?>\n"
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
    'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
)


def _scalar(value, kind: type):
    """``value`` as one scalar of type ``kind``: tuples joined, None as "" or -1."""
    if kind is str:
        if isinstance(value, (tuple, list)):
            value = JOIN.join(str(v) for v in value)
        text = "" if value is None else str(value)
        # printable text (most) has none of the characters XML forbids: one C scan
        return text if text.isprintable() else _XML_FORBIDDEN.sub("", text)
    if value is None or value == "":
        return kind(-1) if kind is int else kind(0)
    return kind(value)


def _data(key: str, value) -> str:
    text = escape(value) if isinstance(value, str) else repr(value)
    return f'<data key="{key}">{text}</data>'


@lru_cache(maxsize=4096, typed=True)
def _edge_cell(key: str, value, kind: type) -> str:
    """One ``<data>`` of an edge. Edge values repeat (relations, rules, a paper's
    evidence sentences): each is converted and escaped once while in use
    (``typed``: ``True`` and ``1`` are different values here)."""
    return _data(key, _scalar(value, kind))


@lru_cache(maxsize=4096)
def _attribute(node_id: str) -> str:
    return quoteattr(_scalar(node_id, str))


def write_graphml(graph: nx.MultiDiGraph, destination: str | IO, *,
                  helper: Helper | None = None, sizes: Sizes | None = None) -> None:
    """Write ``graph`` as GraphML to a path or stream (text or binary).

    Streams the XML directly (networkx's writer builds an element tree of the
    whole graph first, about ten times slower at 100k papers). With a running
    ``helper``, part of the batches of nodes and edges are formatted there (see
    :func:`paperkg.export.batches.in_order`); the bytes are the same. ``sizes``
    gets each element's bytes.
    """
    if isinstance(destination, str):
        with open(destination, "wb") as stream:
            _write(graph, encoded_writer(stream), helper, sizes)
    else:
        _write(graph, encoded_writer(destination), helper, sizes)


#: nodes or edges formatted at a time
BATCH = 1024


def _write(graph: nx.MultiDiGraph, write: Callable[[bytes], object],
           helper: Helper | None, sizes: Sizes | None) -> None:
    head = start_text()
    write(head)
    if sizes is not None:
        sizes.heads["graphml"] = len(head)
    elements = itertools.chain(graph._node.items(), graph.edges(keys=True, data=True))
    for text, lengths in in_order(format_elements,
                                  ((batch,) for batch in batched(elements, BATCH)), helper):
        write(text)
        if sizes is not None:
            sizes.add("graphml", lengths)
    write(END)


def start_text() -> bytes:
    """The XML before the first node: the declaration, the keys, the graph's start tag."""
    head = [_HEADER]
    for domain, attributes, keys in (("node", NODE_ATTRIBUTES, _NODE_KEYS),
                                     ("edge", EDGE_ATTRIBUTES, _EDGE_KEYS)):
        for name, kind in attributes.items():
            head.append(f'  <key id="{keys[name]}" for="{domain}" attr.name="{name}" '
                        f'attr.type="{_GRAPHML_TYPES[kind]}"/>\n')
    head.append('  <graph edgedefault="directed">\n')
    return "".join(head).encode()


#: the XML after the last edge
END = b"  </graph>\n</graphml>\n"


_NODE_KEYS = {name: f"n{i}" for i, name in enumerate(NODE_ATTRIBUTES)}
_EDGE_KEYS = {name: f"e{i}" for i, name in enumerate(EDGE_ATTRIBUTES)}
_EDGE_COLUMNS = [(_EDGE_KEYS[k], k, t) for k, t in EDGE_ATTRIBUTES.items()]


def format_elements(items: list[tuple]) -> tuple[bytes, array]:
    """A batch of nodes ``(id, data)`` and edges ``(source, target, key, data)`` as
    GraphML elements, UTF-8 encoded, with each element's length in bytes."""
    lines = []
    for item in items:
        if len(item) == 2:
            node, data = item
            cells = "".join(_data(_NODE_KEYS[k], _scalar(data.get(k), t))
                            for k, t in NODE_ATTRIBUTES.items())
            lines.append(f'    <node id={quoteattr(_scalar(node, str))}>{cells}</node>\n')
            continue
        source, target, key, data = item
        try:
            cells = "".join([_edge_cell(column, data.get(k), t) for column, k, t in _EDGE_COLUMNS])
        except TypeError:  # an unhashable value (a list): converted without the cache
            cells = "".join([_data(column, _scalar(data.get(k), t))
                             for column, k, t in _EDGE_COLUMNS])
        lines.append(f"    <edge source={_attribute(source)} target={_attribute(target)} "
                     f"id={_attribute(key)}>{cells}</edge>\n")
    return encode_items(lines)
