"""Fixtures for the view tests: small hand-made graphs with hostile strings."""

from __future__ import annotations

import networkx as nx
import pytest

from .synthetic import add_entity, add_paper, derive, link

#: Titles that would run script if a view put them into the page as markup.
SCRIPT_TITLE = "<script>window.__pwned=true;document.title='PWNED'</script>"
IMG_TITLE = "<img src=x onerror=\"window.__pwned=true;document.title='PWNED'\">"
ABSTRACT_BREAKOUT = "</script><script>window.__pwned=true</script><!--"
ALIAS_PAYLOAD = "<svg onload=window.__pwned=true>"
PAYLOADS = (SCRIPT_TITLE, IMG_TITLE, ABSTRACT_BREAKOUT, ALIAS_PAYLOAD)


def add_hostile_papers(graph: nx.MultiDiGraph, entity: str) -> tuple[str, str]:
    """Two papers with script-like title/abstract linked to ``entity``; return their ids."""
    first = add_paper(graph, "xss-script", SCRIPT_TITLE, abstract=ABSTRACT_BREAKOUT)
    second = add_paper(graph, "xss-img", IMG_TITLE, abstract=IMG_TITLE, arxiv_id="2401.00001")
    link(graph, first, entity, "proposes")
    link(graph, second, entity, "evaluatesOn")
    return first, second


@pytest.fixture
def small_graph() -> nx.MultiDiGraph:
    """Six papers; BERT (support 4), GLUE (3), Transformer (2), RoBERTa (2), SQuAD (1)."""
    graph = nx.MultiDiGraph()
    bert = add_entity(graph, "bert", "BERT", "Model", aliases=("Bidirectional Encoder",))
    roberta = add_entity(graph, "roberta", "RoBERTa", "Model", aliases=(ALIAS_PAYLOAD,))
    glue = add_entity(graph, "glue", "GLUE", "Benchmark")
    squad = add_entity(graph, "squad", "SQuAD", "Dataset")
    transformer = add_entity(graph, "transformer", "Transformer", "Technique", kind="concept")
    p1 = add_paper(graph, "p1", "Attention is all you need", date="2017-06-12",
                   arxiv_id="1706.03762", authors=("A. Vaswani",))  # fmt: skip
    p2 = add_paper(graph, "p2", "BERT: pre-training", date="2018-10-11", arxiv_id="1810.04805")
    p3 = add_paper(graph, "p3", "RoBERTa: a robustly optimized BERT", date="2019-07-26")
    p4 = add_paper(graph, "p4", "SQuAD questions")
    link(graph, p1, transformer, "proposes")
    link(graph, p2, bert, "proposes")
    link(graph, p2, transformer)
    link(graph, p2, glue, "evaluatesOn")
    link(graph, p3, roberta, "proposes")
    link(graph, p3, bert)
    link(graph, p3, glue, "evaluatesOn")
    link(graph, p4, squad, "evaluatesOn")
    link(graph, p4, roberta)
    add_hostile_papers(graph, bert)
    link(graph, "paper:xss-script", glue)
    derive(graph, roberta, bert, ("p3",))
    return graph
