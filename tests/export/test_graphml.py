"""GraphML read back by networkx and igraph."""

from __future__ import annotations

import networkx as nx
import pytest

from paperkg.export.graphml import write_graphml


def test_networkx_reads_it_back(small_build):
    out, report = small_build
    graph = nx.read_graphml(out / "graph.graphml")
    papers = [n for n, d in graph.nodes(data=True) if d["node_type"] == "Paper"]
    assert len(papers) == report.papers == 4
    lora = next(d for _, d in graph.nodes(data=True) if d["label"] == "LoRA")
    assert isinstance(lora["support"], int) and lora["support"] >= 2


def test_igraph_reads_it_back(small_build):
    igraph = pytest.importorskip("igraph")
    out, _ = small_build
    graph = igraph.Graph.Read_GraphML(str(out / "graph.graphml"))
    assert graph.vcount() > 4
    assert set(graph.vs["node_type"]) >= {"Paper", "Model", "Technique", "Benchmark"}
    assert "relation" in graph.es.attributes()


def test_hostile_values_are_flattened(tmp_path):
    graph = nx.MultiDiGraph()
    graph.add_node("paper:x", node_type="Paper", label="bad \x00\x07 chars", title="t",
                   abstract="a", date="", arxiv_id="", authors=("A", "B"), iri="i")
    graph.add_node("entity:y", node_type="Model", label="Y", kind="named",
                   aliases=("Y1", "Y2"), support=3, iri="j")
    graph.add_edge("paper:x", "entity:y", key="mentions", relation="mentions", evidence="e",
                   confidence=0.5, rule="r", field="abstract", start=0, end=1)
    write_graphml(graph, str(tmp_path / "g.graphml"))
    back = nx.read_graphml(tmp_path / "g.graphml")
    assert back.nodes["paper:x"]["label"] == "bad  chars"
    assert back.nodes["paper:x"]["authors"] == "A | B"
    assert back.nodes["entity:y"]["support"] == 3
    assert back.nodes["paper:x"]["support"] == -1


def test_edge_values_are_converted_alike_whether_repeated_unhashable_or_equal_across_types(
        tmp_path):
    # Edge cells are cached by value: 1 and True are equal keys to a plain cache,
    # and a list cannot be a key at all.
    graph = nx.MultiDiGraph()
    graph.add_node("p", node_type="Paper")
    for i, (rule, evidence) in enumerate([(1, "e"), (True, "e"), ("1", ["x", "y"]),
                                          (None, ("x", "y")), (1, "e")]):
        graph.add_node(f"e{i}", node_type="Model")
        graph.add_edge("p", f"e{i}", key="mentions", relation="mentions", rule=rule,
                       evidence=evidence, confidence=True if i == 1 else 1, start=i)
    write_graphml(graph, str(tmp_path / "g.graphml"))
    back = nx.read_graphml(tmp_path / "g.graphml")
    edges = {target: data for _, target, data in back.edges(data=True)}
    assert [edges[f"e{i}"]["rule"] for i in range(5)] == ["1", "True", "1", "", "1"]
    assert [edges[f"e{i}"]["evidence"] for i in range(5)] == ["e", "e", "x | y", "x | y", "e"]
    assert {edges[f"e{i}"]["confidence"] for i in range(5)} == {1.0}
    assert [edges[f"e{i}"]["start"] for i in range(5)] == [0, 1, 2, 3, 4]
