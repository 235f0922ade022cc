"""select_view: which entities and papers the graph view draws."""

from __future__ import annotations

import networkx as nx
import pytest

from paperkg.view import ViewError
from paperkg.view.selection import PaperLinks, paper_links, select_view


def test_min_support_keeps_entities_and_their_papers(small_graph):
    chosen = select_view(small_graph, min_support=2, max_nodes=100)
    # BERT 4, GLUE 3, then RoBERTa and Transformer (2 each) by name; SQuAD (1) left out.
    assert chosen.entities == ("entity:bert", "entity:glue", "entity:roberta", "entity:transformer")
    assert chosen.papers == tuple(sorted(chosen.papers))
    assert set(chosen.papers) == {f"paper:{k}" for k in ("p1", "p2", "p3", "p4", "xss-img",
                                                          "xss-script")}  # fmt: skip
    assert chosen.entities_total == 5


def test_min_support_above_every_entity_draws_nothing(small_graph):
    chosen = select_view(small_graph, min_support=5, max_nodes=100)
    assert chosen.entities == () and chosen.papers == ()


def test_everything_is_drawn_when_it_fits(small_graph):
    # 5 entities and their 6 papers: 11 nodes.
    chosen = select_view(small_graph, min_support=1, max_nodes=11)
    assert len(chosen.entities) == 5 and len(chosen.papers) == 6 and chosen.papers_total == 6


def test_max_nodes_keeps_the_best_supported_prefix(small_graph):
    # BERT + its 4 papers = 5 nodes; adding GLUE (no new paper) = 6; RoBERTa adds p4 = 8.
    assert select_view(small_graph, min_support=1, max_nodes=5).entities == ("entity:bert",)
    six = select_view(small_graph, min_support=1, max_nodes=6)
    assert six.entities == ("entity:bert", "entity:glue") and len(six.papers) == 4


def test_when_no_prefix_fits_the_best_entity_gets_the_papers_that_fit(small_graph):
    # BERT has 4 papers: 5 nodes. In 4 nodes, BERT and 3 of its papers.
    four = select_view(small_graph, min_support=1, max_nodes=4)
    assert four.entities == ("entity:bert",)
    assert len(four.papers) == 3 and four.papers_total == 4
    assert set(four.papers) < {"paper:p2", "paper:p3", "paper:xss-img", "paper:xss-script"}
    assert select_view(small_graph, min_support=1, max_nodes=1).entities == ()


def _star_graph(entities: int, papers_each: int) -> nx.MultiDiGraph:
    """Entity e0 in every paper (like 'Transformer'), e1..en in papers_each papers each."""
    graph = nx.MultiDiGraph()
    for e in range(entities):
        graph.add_node(f"e{e}", node_type="Technique", label=f"E{e}")
    paper = 0
    for e in range(1, entities):
        for _ in range(papers_each):
            graph.add_node(f"p{paper:05d}", node_type="Paper", title=str(paper))
            graph.add_edge(f"p{paper:05d}", f"e{e}", key="mentions")
            graph.add_edge(f"p{paper:05d}", "e0", key="mentions")
            paper += 1
    for e in range(entities):
        graph.nodes[f"e{e}"]["support"] = len(graph.in_edges(f"e{e}"))
    return graph


def test_an_entity_with_more_papers_than_the_budget_still_leaves_a_useful_view():
    # The 100k-paper failure: the top entity alone has more papers than max_nodes,
    # and the view used to draw nothing.
    graph = _star_graph(entities=300, papers_each=5)  # e0 in 1,495 papers
    chosen = select_view(graph, min_support=2, max_nodes=600)
    assert len(chosen.entities) == 200 and chosen.entities[0] == "e0"
    assert len(chosen.entities) + len(chosen.papers) <= 600
    assert len(chosen.papers) == 400 and chosen.papers_total == 1495  # e0 is in all of them
    # every entity drawn has at least one of its papers drawn
    drawn = set(chosen.papers)
    for entity in chosen.entities:
        assert any(paper in drawn for paper, _ in graph.in_edges(entity)), entity


@pytest.mark.parametrize("max_nodes", [600, 5000])
def test_shared_paper_links_give_the_same_view_and_hold_only_what_it_needed(max_nodes):
    graph = _star_graph(entities=300, papers_each=5)
    shared = PaperLinks(graph)
    chosen = select_view(graph, min_support=2, max_nodes=max_nodes, links=shared)
    assert chosen == select_view(graph, min_support=2, max_nodes=max_nodes)
    assert set(chosen.entities) <= set(shared)
    # the view walks the ranking only as far as it draws (and one past the prefix)
    assert len(shared) <= len(chosen.entities) + 1
    assert len(chosen.entities) == (200 if max_nodes == 600 else 300)
    assert all(shared[entity] == paper_links(graph, entity) for entity in chosen.entities)


@pytest.mark.parametrize("option", [{"min_support": 0}, {"max_nodes": 0}])
def test_bad_options_are_refused(small_graph, option):
    with pytest.raises(ViewError, match=str(next(iter(option.values())))):
        select_view(small_graph, **{"min_support": 2, "max_nodes": 10, **option})


def test_paper_links_count_papers_only_and_their_most_specific_relation():
    graph = nx.MultiDiGraph()
    graph.add_node("entity:lora", node_type="Technique")
    graph.add_node("entity:qlora", node_type="Technique")
    for paper in ("paper:a", "paper:b", "paper:c"):
        graph.add_node(paper, node_type="Paper")
    graph.add_edge("paper:a", "entity:lora", key="mentions")
    graph.add_edge("paper:b", "entity:lora", key="mentions")
    graph.add_edge("paper:b", "entity:lora", key="proposes")
    graph.add_edge("paper:c", "entity:lora", key="evaluatesOn")
    # an entity's link of a paper's kind is not a paper's
    graph.add_edge("entity:qlora", "entity:lora", key="mentions")
    graph.add_edge("entity:qlora", "entity:lora", key="derivedFrom")
    expected = {"paper:a": "mentions", "paper:b": "proposes", "paper:c": "evaluatesOn"}
    assert paper_links(graph, "entity:lora") == expected
    assert PaperLinks(graph)["entity:lora"] == expected
