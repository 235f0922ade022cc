"""The named queries written for speed answer exactly what their plain formulations answer.

``reference/`` holds the straightforward texts these queries had before they
were rewritten for large graphs (anchored paths, counting before naming,
LATERAL lookups). On random graphs with diamonds, cycles, several evidence
links per edge and names that differ only in punctuation, both texts must give
the same rows for every entity.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from paperkg.query import named
from paperkg.query.named import (
    _PLACEHOLDER,
    NamedQuery,
    get_named_query,
    list_named_queries,
    parse_named_query,
    run_named_query,
)
from paperkg.query.store import QUERY_PREFIXES, GraphStore
from paperkg.vocab import ENTITY_BASE, LINK_BASE, ONTOLOGY, PAPER_BASE

from .conftest import make_graph_dir, spy_on_queries

REFERENCE = Path(__file__).parent / "reference"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
ALT = ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")
DCT = "http://purl.org/dc/terms/"
CLASSES = ("Model", "Dataset", "Benchmark", "Technique")
STEMS = ("LoRA", "Lo-RA", "GPT", "llama", "MMLU", "BERT", "Q-LoRA", "Vicuna")


def pk(term: str) -> ox.NamedNode:
    return ox.NamedNode(ONTOLOGY + term)


XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
XSD_DOUBLE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#double")


def random_graph(seed: int, entities: int = 24, papers: int = 30) -> tuple[ox.Store, list[str]]:
    rng = random.Random(seed)
    store = ox.Store()
    iris = [f"{ENTITY_BASE}e{i}" for i in range(entities)]
    nodes = [ox.NamedNode(iri) for iri in iris]
    add_entities(store, rng, nodes)
    paper_nodes = add_papers(store, rng, nodes, papers)
    add_lineage(store, rng, nodes, paper_nodes)
    return store, iris


def add(store: ox.Store, s: ox.NamedNode, p: ox.NamedNode, o: ox.NamedNode | ox.Literal) -> None:
    store.add(ox.Quad(s, p, o))


def add_entities(store: ox.Store, rng: random.Random, nodes: list[ox.NamedNode]) -> None:
    for i, node in enumerate(nodes):
        add(store, node, RDF_TYPE, pk(rng.choice(CLASSES)))
        if i % 5 == 4:  # a class no query lists, which their class filters must drop
            add(store, node, RDF_TYPE, ox.NamedNode("http://www.w3.org/2004/02/skos/core#Concept"))
        add(store, node, LABEL, ox.Literal(f"{rng.choice(STEMS)} {i % 7}"))
        for _ in range(rng.randrange(3)):
            add(store, node, ALT, ox.Literal(f"{rng.choice(STEMS)}-{rng.randrange(5)}"))
        if rng.random() < 0.9:
            support = ox.Literal(str(rng.randrange(1, 6)), datatype=XSD_INTEGER)
            add(store, node, pk("support"), support)


def add_papers(
    store: ox.Store, rng: random.Random, nodes: list[ox.NamedNode], papers: int
) -> list[ox.NamedNode]:
    paper_nodes = []
    for j in range(papers):
        paper = ox.NamedNode(f"{PAPER_BASE}p{j}")
        paper_nodes.append(paper)
        add(store, paper, RDF_TYPE, pk("Paper"))
        add(store, paper, ox.NamedNode(DCT + "title"), ox.Literal(f"Paper {j}"))
        if rng.random() < 0.9:
            add(store, paper, ox.NamedNode(DCT + "identifier"), ox.Literal(f"id:{j:03d}"))
        for node in rng.sample(nodes, rng.randrange(1, 6)):
            add(store, paper, pk("mentions"), node)
            relation = "mentions"
            if rng.random() < 0.3:
                add(store, paper, pk("evaluatesOn"), node)
                relation = "evaluatesOn"
            add_mention_link(store, rng, paper, node, relation)
    return paper_nodes


def add_mention_link(
    store: ox.Store, rng: random.Random, paper: ox.NamedNode, node: ox.NamedNode, relation: str
) -> None:
    link = ox.NamedNode(f"{LINK_BASE}m-{paper.value[-3:]}-{node.value[-3:]}")
    add(store, link, RDF_TYPE, pk("MentionLink"))
    add(store, link, pk("paper"), paper)
    add(store, link, pk("entity"), node)
    add(store, link, pk("relation"), pk(relation))
    confidence = ox.Literal(str(rng.choice((0.5, 0.6, 0.8, 0.95))), datatype=XSD_DOUBLE)
    add(store, link, pk("confidence"), confidence)
    if rng.random() < 0.8:
        add(store, link, pk("rule"), ox.Literal(rng.choice(("gazetteer", "acronym"))))
    if rng.random() < 0.8:
        add(store, link, pk("evidence"), ox.Literal(f"sentence {rng.randrange(4)}"))


def add_lineage(
    store: ox.Store, rng: random.Random, nodes: list[ox.NamedNode], papers: list[ox.NamedNode]
) -> None:
    """Mostly edges to earlier entities (diamonds), a few to later ones (cycles)."""
    links = 0
    for i in range(1, len(nodes)):
        for parent in rng.sample(range(len(nodes)), rng.randrange(3)):
            if parent == i or (parent > i and rng.random() < 0.8):
                continue
            add(store, nodes[i], pk("derivedFrom"), nodes[parent])
            for _ in range(rng.randrange(3)):  # 0-2 evidence links per edge
                link = ox.NamedNode(f"{LINK_BASE}l{links}")
                links += 1
                add(store, link, RDF_TYPE, pk("LineageLink"))
                add(store, link, pk("child"), nodes[i])
                add(store, link, pk("parent"), nodes[parent])
                add(store, link, pk("rule"), ox.Literal(rng.choice(("stated", "naming"))))
                add(store, link, pk("evidence"), ox.Literal(f"sentence {links % 4}"))
                if rng.random() < 0.8:
                    add(store, link, pk("sourcePaper"), rng.choice(papers))


def answer(store: ox.Store, sparql: str, bindings: dict[str, str]) -> Counter:
    for name, value in bindings.items():
        block = f"VALUES ?{name} {{ {value} }}"
        sparql = re.sub(_PLACEHOLDER.format(name=name), lambda _m, b=block: b, sparql)
    solutions = store.query(sparql, prefixes=QUERY_PREFIXES)
    variables = [v.value for v in solutions.variables]
    rows = Counter()
    for solution in solutions:
        row = []
        for var in variables:
            cell = None if solution[var] is None else str(solution[var])
            if var == "matches" and cell is not None:  # GROUP_CONCAT's order is free
                cell = " | ".join(sorted(solution[var].value.split(" | ")))
            row.append((var, cell))
        rows[tuple(row)] += 1
    return rows


def reference(name: str) -> str:
    return (REFERENCE / f"{name}.rq").read_text(encoding="utf-8")


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("name", ["derived-from", "lineage", "co-mentioned"])
def test_entity_queries_match_their_plain_formulation(name: str, seed: int) -> None:
    store, iris = random_graph(seed)
    fast = get_named_query(name).sparql
    nonempty = 0
    for iri in iris:
        expected = answer(store, reference(name), {"entity": f"<{iri}>"})
        assert answer(store, fast, {"entity": f"<{iri}>"}) == expected, (name, iri)
        nonempty += bool(expected)
    assert nonempty >= 3  # the graphs exercise the query, not just empty answers
    # a name that matches two entities binds both
    both = f"<{iris[1]}> <{iris[2]}>"
    assert answer(store, fast, {"entity": both}) == answer(store, reference(name), {"entity": both})


@pytest.mark.parametrize("seed", range(6))
def test_entity_search_and_top_benchmarks_match_their_plain_formulation(seed: int) -> None:
    store, _iris = random_graph(seed)
    for text in ('"lora"', '"LO RA"', '"gpt-"', '"4"', '"nothing"', '""'):
        expected = answer(store, reference("entity-search"), {"text": text})
        assert answer(store, get_named_query("entity-search").sparql, {"text": text}) == expected
    expected = answer(store, reference("top-benchmarks"), {})
    assert expected and answer(store, get_named_query("top-benchmarks").sparql, {}) == expected


@pytest.mark.parametrize("seed", range(4))
def test_low_confidence_links_match_their_plain_formulation(seed: int) -> None:
    store, _iris = random_graph(seed)
    for below in ("0.55", "0.7", "0.9", "0.1"):
        literal = f'"{below}"^^<http://www.w3.org/2001/XMLSchema#double>'
        expected = answer(store, reference("low-confidence-links"), {"below": literal})
        fast = answer(store, get_named_query("low-confidence-links").sparql, {"below": literal})
        assert fast == expected
        assert expected or below == "0.1"


@pytest.mark.parametrize("seed", range(4))
def test_queries_with_a_cut_match_their_plain_formulation(seed: int) -> None:
    """Unbound, ``?cut`` changes nothing: the full answers are the plain texts' answers."""
    store, _iris = random_graph(seed)
    for minimum in ("1", "3", "6"):
        bindings = {"min": minimum}
        expected = answer(store, reference("entities-by-support"), bindings)
        fast = answer(store, get_named_query("entities-by-support").sparql, bindings)
        assert fast == expected
        assert expected or minimum == "6"
    expected = answer(store, reference("lineage-edges"), {})
    assert expected and answer(store, get_named_query("lineage-edges").sparql, {}) == expected


def cut_queries() -> list[NamedQuery]:
    return [q for q in list_named_queries() if q.cut]


def graph_folder(store: ox.Store, folder: Path) -> Path:
    """A build folder holding ``store``'s triples as ``graph.ttl``."""
    turtle = ox.serialize(store, format=ox.RdfFormat.TURTLE)
    return make_graph_dir(folder, turtle.decode("utf-8"))


@pytest.mark.parametrize("seed", range(3))
def test_a_limit_through_the_cut_gives_the_first_rows_of_the_full_answer(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every limit, with supports and labels tied at the cut; the cut does the work.

    Ranks are switched off: lineage-edges answers through its rank otherwise
    (``test_named_ranks.py``), and through its cut where the rank cannot be used.
    """
    assert {q.name for q in cut_queries()} >= {"entities-by-support", "lineage-edges"}
    monkeypatch.setattr(GraphStore, "ranked_keys", lambda *_args: None)
    store, iris = random_graph(seed, entities=40)
    # a child without a label sorts first in lineage-edges (the build always writes labels)
    add(store, ox.NamedNode(f"{ENTITY_BASE}unnamed"), pk("derivedFrom"), ox.NamedNode(iris[0]))
    folder = graph_folder(store, tmp_path / "outputs")
    for query in cut_queries():
        full = run_named_query(folder, query.name)
        assert len(full.rows) >= 10, query.name
        runs = spy_on_answers(monkeypatch)
        for limit in range(len(full.rows) + 2):
            limited = run_named_query(folder, query.name, limit=limit)
            assert limited.rows == full.rows[:limit], (query.name, limit)
            assert limited.truncated == (limit < len(full.rows))
        # one run per limit, bounded by a cut where the cut query has a key past it
        cut = re.sub(_PLACEHOLDER.format(name="min"), "VALUES ?min { 1 }", query.cut)
        keys = [solution[0] for solution in store.query(cut, prefixes=QUERY_PREFIXES)]
        assert 10 <= len(keys) <= len(full.rows), query.name
        expected = ["cut" if limit < len(keys) and keys[limit] is not None else "all"
                    for limit in range(len(full.rows) + 2)]
        assert runs == expected, query.name
        assert expected.count("cut") >= len(keys) - 1


def test_a_cut_that_leaves_too_few_rows_falls_back_to_the_whole_query(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The answer never depends on the cut query being right, only its speed does."""
    store, _iris = random_graph(0)
    folder = graph_folder(store, tmp_path / "outputs")
    shipped = get_named_query("entities-by-support")
    header = ("# cut: SELECT ?cut WHERE { ?e pk:support ?s BIND(?s + 10 AS ?cut) }"
              " ORDER BY DESC(?cut)")
    wrong = parse_named_query("wrong-cut", header + "\n" + shipped.sparql.split("# cut:")[0]
                              + shipped.sparql.split("ORDER BY DESC(?cut)", 1)[1])
    assert wrong.cut and "+ 10" in wrong.cut
    monkeypatch.setattr(GraphStore, "ranked_keys", lambda *_args: None)  # the cut alone
    runs = spy_on_answers(monkeypatch)
    with GraphStore.open(folder) as graph:
        full = named._answer(graph, wrong, {"min": "VALUES ?min { 1 }"}, None)
        assert full.rows == run_named_query(folder, "entities-by-support").rows
        for limit in (0, 1, 5, len(full.rows) - 1):
            runs.clear()
            limited = named._answer(graph, wrong, {"min": "VALUES ?min { 1 }"}, limit)
            assert limited.rows == full.rows[:limit] and limited.truncated
            assert runs == ["cut", "all"]  # the cut left no row, so it ran again


def spy_on_answers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """For each run of a named query's body: "cut" with ``?cut`` bound, else "all"."""
    return spy_on_queries(monkeypatch, lambda sparql: None if "VALUES ?cut {" not in sparql
                          else "all" if "VALUES ?cut { UNDEF }" in sparql else "cut")
