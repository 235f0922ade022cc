"""select_view: which entities and papers the graph view draws."""

from __future__ import annotations

import pytest

from paperkg.view import ViewError
from paperkg.view.selection import select_view


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


def test_max_nodes_keeps_the_best_supported_prefix(small_graph):
    # BERT + its 4 papers = 5 nodes; adding GLUE (+1 new paper p? none new: p2, p3,
    # xss-script are BERT's) = 6; RoBERTa adds p4 = 8.
    assert select_view(small_graph, min_support=1, max_nodes=5).entities == ("entity:bert",)
    six = select_view(small_graph, min_support=1, max_nodes=6)
    assert six.entities == ("entity:bert", "entity:glue") and len(six.papers) == 4
    assert select_view(small_graph, min_support=1, max_nodes=4).entities == ()


@pytest.mark.parametrize("option", [{"min_support": 0}, {"max_nodes": 0}])
def test_bad_options_are_refused(small_graph, option):
    with pytest.raises(ViewError, match=str(next(iter(option.values())))):
        select_view(small_graph, **{"min_support": 2, "max_nodes": 10, **option})
