"""Papers and entities in a networkx graph (paperkg.graph.build)."""

from __future__ import annotations

from dataclasses import replace
from operator import attrgetter

import networkx as nx

from paperkg.graph import build_graph
from paperkg.graph.build import _add_edges
from paperkg.ingest import read_inputs
from paperkg.resolve import resolve
from tests.conftest import FIXTURES


def _shape(graph: nx.MultiDiGraph) -> tuple:
    """Everything the exports read, in the order they read it."""
    return (list(graph.nodes(data=True)), list(graph.edges(keys=True, data=True)),
            [(node, list(graph.pred[node].items())) for node in graph])


def test_the_graph_has_the_edges_add_edge_would_give_in_the_same_order(extractor, resources):
    papers = read_inputs([FIXTURES / "papers.jsonl"]).papers
    resolution = resolve(extractor.extract(papers), resources)
    graph = build_graph(papers, resolution)

    expected = nx.MultiDiGraph(name="paperkg")
    expected.add_nodes_from(graph.nodes(data=True))
    for link in sorted(resolution.links, key=attrgetter("paper_key", "entity_key", "relation")):
        expected.add_edge(f"paper:{link.paper_key}", f"entity:{link.entity_key}",
                          key=link.relation.value, relation=link.relation.value,
                          evidence=link.evidence, confidence=link.confidence, rule=link.rule,
                          field=link.field, start=link.start, end=link.end)
    for edge in resolution.lineage:
        expected.add_edge(f"entity:{edge.child}", f"entity:{edge.parent}", key="derivedFrom",
                          relation="derivedFrom", evidence=edge.evidence, rule=edge.rule,
                          papers=edge.papers)
    assert len(resolution.links) > 20 and resolution.lineage
    assert _shape(graph) == _shape(expected)
    # the same edge, found from either end
    paper, entity, key = next(iter(graph.edges(keys=True)))
    assert graph.pred[entity][paper][key] is graph.succ[paper][entity][key]


def test_add_edges_adds_keys_updates_repeats_and_adds_missing_nodes():
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(["a", "b"])
    expected = graph.copy()
    edges = [("a", "b", "mentions", {"x": 1}), ("a", "b", "proposes", {"x": 2}),
             ("a", "b", "mentions", {"y": 3}), ("a", "c", "mentions", {"x": 4}),
             ("c", "a", "mentions", {"x": 5})]
    _add_edges(graph, [(u, v, k, dict(d)) for u, v, k, d in edges])
    for u, v, k, d in edges:
        expected.add_edge(u, v, k, **d)
    assert _shape(graph) == _shape(expected)
    assert graph["a"]["b"]["mentions"] == {"x": 1, "y": 3}


def test_a_link_changed_in_one_field_changes_the_graph(extractor, resources):
    # the comparison above can fail: one evidence text changed is seen
    papers = read_inputs([FIXTURES / "papers.jsonl"]).papers
    resolution = resolve(extractor.extract(papers), resources)
    changed = replace(resolution, links=(replace(resolution.links[0], evidence="other"),
                                         *resolution.links[1:]))
    assert _shape(build_graph(papers, changed)) != _shape(build_graph(papers, resolution))
