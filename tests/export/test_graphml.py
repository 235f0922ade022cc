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
