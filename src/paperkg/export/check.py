"""Fast structural checks of a whole graph: the invariants ``ontology/shapes.ttl``
states, in plain Python, for builds too large to run pyshacl over every triple."""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

ENTITY_TYPES = {"Model", "Dataset", "Benchmark", "Technique"}
KINDS = {"named", "concept"}
FIELDS = {"title", "abstract"}
RULES = {"stated", "proposal", "naming", "curated"}


def check_graph(graph: nx.MultiDiGraph, limit: int = 20,
                nodes: Iterable[str] | None = None) -> list[str]:
    """Up to ``limit`` messages, one per violation found; empty when the graph is sound.

    ``nodes``: check only these nodes and their outgoing edges (an update's changed
    nodes: a node's checks read its data, its edges and its targets' types, and a
    target whose type changed is a changed node, checked itself).

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("entity:x", node_type="Model", label="", kind="named", support=1)
    >>> check_graph(g)
    ['entity:x: rdfs:label must be a non-empty string']
    """
    problems: list[str] = []
    node_data = graph._node
    chosen = list(node_data) if nodes is None else list(nodes)
    for node in chosen:
        data = node_data[node]
        if len(problems) >= limit:
            break
        if data.get("node_type") == "Paper":
            problems += _paper_problems(node, data)
        elif data.get("node_type") in ENTITY_TYPES:
            problems += _entity_problems(node, data)
        else:
            problems.append(f"{node}: unknown node type {data.get('node_type')!r}")
    edges = graph.edges(keys=True, data=True) if nodes is None else \
        graph.edges(chosen, keys=True, data=True)
    for source, target, key, data in edges:
        if len(problems) >= limit:
            break
        problems += _edge_problems(graph, source, target, key, data)
    return problems[:limit]


def _paper_problems(node: str, data: dict) -> list[str]:
    problems = []
    if not isinstance(data.get("title"), str) or not data["title"]:
        problems.append(f"{node}: dcterms:title must be a non-empty string")
    if not isinstance(data.get("abstract"), str):
        problems.append(f"{node}: dcterms:abstract must be a string")
    return problems


def _entity_problems(node: str, data: dict) -> list[str]:
    problems = []
    if not isinstance(data.get("label"), str) or not data["label"]:
        problems.append(f"{node}: rdfs:label must be a non-empty string")
    if data.get("kind") not in KINDS:
        problems.append(f"{node}: pk:kind must be named or concept")
    support = data.get("support")
    if not isinstance(support, int) or support < 0:
        problems.append(f"{node}: pk:support must be an integer >= 0")
    return problems


def _edge_problems(graph, source: str, target: str, key: str, data: dict) -> list[str]:
    if key == "derivedFrom":
        if graph.nodes[source].get("node_type") not in ENTITY_TYPES or \
                graph.nodes[target].get("node_type") not in ENTITY_TYPES:
            return [f"{source} -> {target}: pk:derivedFrom links two research entities"]
        if data.get("rule") not in RULES:
            return [f"{source} -> {target}: lineage rule {data.get('rule')!r} is not known"]
        return []
    problems = []
    if graph.nodes[target].get("node_type") not in ENTITY_TYPES:
        problems.append(f"{source} -> {target}: pk:{key} must point at a research entity")
    if key in ("proposes", "evaluatesOn") and not graph.has_edge(source, target, "mentions"):
        problems.append(f"{source} -> {target}: pk:{key} without the matching pk:mentions")
    if not 0 <= data.get("confidence", -1) <= 1:
        problems.append(f"{source} -> {target}: pk:confidence must be within 0 and 1")
    if data.get("field") not in FIELDS or data.get("start", -1) < 0:
        problems.append(f"{source} -> {target}: the link's field and offsets are not valid")
    return problems
