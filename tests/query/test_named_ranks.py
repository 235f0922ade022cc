"""Named queries with a rank (``# rank:``) answer a limit with the first rows of the full answer.

The store keeps each rank query's keys in order; a limit of N binds the first
N + 1 keys at the query's ``# ranked:`` mark. These tests build random graphs
with ties on every sort key, links below and above the rank's threshold, edges
with several evidence links and papers without dates or identifiers, and check
every limit against the full answer, which run of the query gave it, and that
a rank the store cannot trust is never used.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from paperkg.errors import QueryError
from paperkg.query import named
from paperkg.query.named import (
    NamedQuery,
    get_named_query,
    list_named_queries,
    parse_named_query,
    run_named_query,
)
from paperkg.query.store import GraphStore

from .conftest import make_graph_dir, spy_on_queries
from .test_named_rewrites import DCT, LABEL, RDF_TYPE, add, graph_folder, pk, random_graph

RANKED = {"entities-by-support", "lineage-edges", "low-confidence-links",
          "papers-proposing-models", "top-benchmarks"}
XSD_DATE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")


def ranked_queries() -> list[NamedQuery]:
    return [query for query in list_named_queries() if query.rank]


def graph_with_proposals(seed: int) -> ox.Store:
    """A random graph whose papers propose models, on tied or missing dates."""
    rng = random.Random(seed)
    store, iris = random_graph(seed, entities=40, papers=40)
    models = [node for node in map(ox.NamedNode, iris) if ox.Quad(node, RDF_TYPE, pk("Model"))
              in store]
    assert len(models) >= 5
    for j in range(40):
        paper = ox.NamedNode(f"https://w3id.org/paperkg/paper/p{j}")
        if rng.random() < 0.8:
            date = f"2024-0{rng.randrange(1, 4)}-01"
            add(store, paper, ox.NamedNode(DCT + "date"), ox.Literal(date, datatype=XSD_DATE))
        for node in rng.sample(models, rng.randrange(3)):
            add(store, paper, pk("proposes"), node)
    add_twin_edges(store)
    return store


def add_twin_edges(store: ox.Store) -> None:
    """Three edges whose labels differ only in case, the last by IRI with the first papers.

    They sort first. lineage-edges must keep each edge's rows together for its rank
    to hold: sorted by paper before edge, a limit of 1 would bind the first two
    edges and miss the third's first row.
    """
    entity = "https://w3id.org/paperkg/entity/"
    for number, (child, parent) in enumerate((("Aaa", "Base"), ("AAA", "base"), ("aaa", "BASE"))):
        child_node, parent_node = (ox.NamedNode(f"{entity}{name.lower()}{number}")
                                   for name in (child, parent))
        for node, name in ((child_node, child), (parent_node, parent)):
            add(store, node, LABEL, ox.Literal(name))
        add(store, child_node, pk("derivedFrom"), parent_node)
        for paper_number in (4 - 2 * number, 5 - 2 * number):  # t4 t5, t2 t3, t0 t1
            paper = ox.NamedNode(f"https://w3id.org/paperkg/paper/t{paper_number}")
            add(store, paper, ox.NamedNode(DCT + "identifier"), ox.Literal(f"t{paper_number}"))
            link = ox.NamedNode(f"https://w3id.org/paperkg/link/twin{number}-{paper_number}")
            add(store, link, RDF_TYPE, pk("LineageLink"))
            add(store, link, pk("child"), child_node)
            add(store, link, pk("parent"), parent_node)
            add(store, link, pk("sourcePaper"), paper)


def spy_on_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """For each run of a named query's body: "rank" with keys bound at its mark, else "all"."""

    def classify(sparql: str) -> str | None:
        if "# ranked: VALUES" in sparql:  # the mark left as it is
            return "all"
        if re.search(r"^  VALUES \(\?\w+", sparql, re.MULTILINE):  # keys bound at the mark
            return "rank"
        return None

    return spy_on_queries(monkeypatch, classify)


@pytest.mark.parametrize("seed", range(3))
def test_every_limit_through_the_rank_gives_the_first_rows_of_the_full_answer(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert {query.name for query in ranked_queries()} >= RANKED
    folder = graph_folder(graph_with_proposals(seed), tmp_path / "outputs")
    for query in ranked_queries():
        full = run_named_query(folder, query.name)
        assert len(full.rows) >= 10, query.name
        runs = spy_on_runs(monkeypatch)
        for limit in range(len(full.rows) + 2):
            runs.clear()
            limited = run_named_query(folder, query.name, limit=limit)
            assert limited.rows == full.rows[:limit], (query.name, limit)
            assert limited.truncated == (limit < len(full.rows))
            # the rank alone answers while there are more rows than asked for
            assert runs[0] == "rank", (query.name, limit)
            assert (runs == ["rank"]) == (limit < len(full.rows)), (query.name, limit, runs)
        monkeypatch.undo()


@pytest.mark.parametrize(("name", "param", "value"), [
    *[("low-confidence-links", "below", below) for below in ("0.1", "0.55", "0.6", "0.7", "0.9",
                                                              "1")],
    *[("entities-by-support", "min", minimum) for minimum in ("-1", "2", "4", "6")],
])
def test_a_rank_holds_for_any_threshold(
    tmp_path: Path, name: str, param: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ranks list the links below 0.7 and every supported entity; rows a threshold adds
    or removes sort after those it keeps, so any threshold holds."""
    folder = graph_folder(graph_with_proposals(7), tmp_path / "outputs")
    full = run_named_query(folder, name, {param: value})
    assert full.rows or value in ("0.1", "6")
    if value in ("0.9", "1"):  # rows beyond the rank's links
        assert max(float(row[0].value) for row in full.rows) >= 0.8
    runs = spy_on_runs(monkeypatch)
    for limit in {0, 1, 5, len(full.rows) // 2, max(len(full.rows) - 1, 0), len(full.rows)}:
        limited = run_named_query(folder, name, {param: value}, limit=limit)
        assert limited.rows == full.rows[:limit], (value, limit)
    assert "rank" in runs


def test_rank_files_are_written_with_the_store_and_read_afterwards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = graph_folder(graph_with_proposals(1), tmp_path / "outputs")
    with GraphStore.open(folder) as store:
        assert store.info.built
        files = sorted(path.name for path in store.info.db_path.parent.glob("rank-*.txt"))
    assert [name.rsplit("-", 1)[0] for name in files] == [f"rank-{name}" for name in sorted(
        query.name for query in ranked_queries())]
    expected = run_named_query(folder, "lineage-edges", limit=3)

    def no_rank_query(*_args: object) -> None:
        raise AssertionError("the rank query ran again")

    monkeypatch.setattr(GraphStore, "_rank", no_rank_query)
    runs = spy_on_runs(monkeypatch)
    assert run_named_query(folder, "lineage-edges", limit=3).rows == expected.rows
    assert runs == ["rank"]


def test_a_changed_rank_query_gets_its_own_file(tmp_path: Path) -> None:
    folder = graph_folder(graph_with_proposals(2), tmp_path / "outputs")
    shipped = next(q for q in ranked_queries() if q.name == "papers-proposing-models")
    newest_last = NamedQuery(**{**shipped.__dict__, "rank": shipped.rank.replace(
        "ORDER BY DESC(?date)", "ORDER BY ?date")})
    with GraphStore.open(folder) as store:
        shipped_keys = store.ranked_keys(shipped.name, shipped.rank, 5)
        other_keys = store.ranked_keys(newest_last.name, newest_last.rank, 5)
        assert shipped_keys and other_keys and shipped_keys != other_keys
        assert len(list(store.info.db_path.parent.glob("rank-papers-proposing-models-*"))) == 2


def test_a_key_listed_twice_makes_the_rank_unusable_and_the_answer_stays_exact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A child with two labels has two places in lineage-edges' order; its rank is not used."""
    store = graph_with_proposals(3)
    proposed = {quad.object for quad in store.quads_for_pattern(None, pk("proposes"), None)}
    child = next(quad.subject for quad in store.quads_for_pattern(None, pk("derivedFrom"), None)
                 if quad.subject not in proposed)
    add(store, child, LABEL, ox.Literal("zzz second label"))
    folder = graph_folder(store, tmp_path / "outputs")
    with GraphStore.open(folder) as graph:
        query = next(q for q in ranked_queries() if q.name == "lineage-edges")
        assert graph.ranked_keys(query.name, query.rank, 10) is None
        assert graph.ranked_keys("papers-proposing-models", next(  # the others are usable
            q.rank for q in ranked_queries() if q.name == "papers-proposing-models"), 10)
    full = run_named_query(folder, "lineage-edges")
    runs = spy_on_runs(monkeypatch)
    for limit in range(len(full.rows) + 1):
        assert run_named_query(folder, "lineage-edges", limit=limit).rows == full.rows[:limit]
    assert "rank" not in runs


def test_keys_that_give_too_few_rows_fall_back_to_the_whole_query(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rank listing keys the query filters out: the query runs again without them."""
    folder = graph_folder(graph_with_proposals(4), tmp_path / "outputs")
    shipped = next(q for q in ranked_queries() if q.name == "low-confidence-links")
    high = NamedQuery(**{**shipped.__dict__, "rank": shipped.rank.replace(
        "FILTER(?confidence < 7e-1)", "FILTER(?confidence > 7e-1)")})
    assert high.rank != shipped.rank
    blocks = {"below": "VALUES ?below { 0.7 }"}
    with GraphStore.open(folder) as graph:
        full = named._answer(graph, shipped, blocks, None)
        runs = spy_on_runs(monkeypatch)
        for limit in (0, 1, 4, len(full.rows) - 1):
            runs.clear()
            limited = named._answer(graph, high, blocks, limit)
            assert limited.rows == full.rows[:limit] and limited.truncated
            assert runs == ["rank", "all"]


@pytest.mark.parametrize(("header", "mark", "message"), [
    ("# rank: SELECT ?link WHERE { ?link a ?c } ORDER BY ?link", "", "goes with one"),
    ("", "  # ranked: VALUES (?link)", "goes with one"),
    ("# rank: SELECT ?link WHERE { ?link a ?c } ORDER BY ?link", "  # ranked: VALUES (?c)",
     "must be 'SELECT ?c WHERE"),
    ("# rank: SELECT * WHERE { ?link a ?c } ORDER BY ?link", "  # ranked: VALUES (?link)",
     "must be 'SELECT ?link WHERE"),
])
def test_a_rank_needs_its_mark_and_the_same_variables(header: str, mark: str,
                                                      message: str) -> None:
    text = f"# title: t\n{header}\nSELECT ?link WHERE {{\n{mark}\n  ?link a ?c\n}}\n"
    with pytest.raises(QueryError, match=re.escape(message)):
        parse_named_query("q", text)


COUNTS = "{ SELECT ?link (COUNT(?c) AS ?n) WHERE { ?link a ?c } GROUP BY ?link }"


@pytest.mark.parametrize(("rank", "block", "message"), [
    (f"SELECT ?link ?n WHERE {{ {COUNTS} }} ORDER BY ?n", COUNTS.replace("?c", "?d"),
     "are a part of the '# rank:' query"),
    (f"SELECT ?link ?n WHERE {{ {COUNTS} }} ORDER BY ?n",
     COUNTS.replace("WHERE {", "WHERE { VALUES ?x { UNDEF }"), "without parameters"),
    (f"SELECT ?link ?n WHERE {{ {COUNTS} }} ORDER BY ?n", "", "are a part of the '# rank:'"),
])
def test_keys_in_place_of_lines_need_those_lines_in_the_rank(rank: str, block: str,
                                                            message: str) -> None:
    def text(block: str) -> str:
        return (f"# title: t\n# rank: {rank}\nSELECT ?link ?n WHERE {{\n"
                f"  # ranked: VALUES (?link ?n)\n  {block}\n  # ranked: end\n}}\n")
    with pytest.raises(QueryError, match=re.escape(message)):
        parse_named_query("q", text(block))
    assert parse_named_query("q", text(COUNTS)).rank == rank
    no_start = text(COUNTS).replace("# ranked: VALUES (?link ?n)", "")
    with pytest.raises(QueryError, match="goes with one"):
        parse_named_query("q", no_start)


def test_keys_too_many_for_one_query_leave_the_rank_unused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A limit of thousands would bind a query longer than a query may be: it runs whole."""
    folder = graph_folder(graph_with_proposals(5), tmp_path / "outputs")
    full = run_named_query(folder, "low-confidence-links")
    text = get_named_query("low-confidence-links").sparql
    monkeypatch.setattr(named, "MAX_QUERY_CHARS", len(text) + 200)  # room for two or three keys
    runs = spy_on_runs(monkeypatch)
    assert run_named_query(folder, "low-confidence-links", limit=1).rows == full.rows[:1]
    assert runs == ["rank"]
    runs.clear()
    assert run_named_query(folder, "low-confidence-links", limit=8).rows == full.rows[:8]
    assert runs == ["all"]


TTL_PREFIXES = """@prefix pk: <https://w3id.org/paperkg/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://ex.org/> .
"""


def link_ttl(name: str, confidences: str, key: str) -> str:
    """A mention link (its paper and entity too) in Turtle; ``confidences`` as written."""
    return (f"<http://ex.org/{name}> a pk:MentionLink ; pk:paper ex:P{key} ; pk:entity ex:E{key} ;"
            f" pk:relation pk:mentions ; pk:confidence {confidences} .\n"
            f'ex:P{key} dcterms:identifier "{key}" ; dcterms:title "T" .\n'
            f'ex:E{key} rdfs:label "e{key}" ; a pk:Model .\n')


def assert_every_limit(folder: Path, name: str, params: dict[str, str] | None = None) -> list:
    full = run_named_query(folder, name, params).rows
    for limit in range(len(full) + 2):
        assert run_named_query(folder, name, params, limit=limit).rows == full[:limit], limit
    return full


@pytest.mark.parametrize("below", [None, "0.8"])
def test_confidences_of_mixed_numeric_types_keep_the_rank_exact(
    tmp_path: Path, below: str | None
) -> None:
    """A float 0.7 is below the double 0.7 the query compares with but not below a decimal
    0.7: the rank compares with a double too. (paperkg writes decimals; users may not.)"""
    ttl = TTL_PREFIXES + "".join([
        link_ttl("L1", '"0.7"^^xsd:float', "a"), link_ttl("L2", '"0.69999999"^^xsd:double', "b"),
        link_ttl("L3", '"0.69999999"^^xsd:double', "c"), link_ttl("L4", '"0.7"^^xsd:double', "d"),
        link_ttl("L5", "0.699999999999999999", "e"), link_ttl("L6", "0.5", "f"),
    ])
    folder = make_graph_dir(tmp_path / "outputs", ttl)
    full = assert_every_limit(folder, "low-confidence-links", {"below": below} if below else None)
    assert len(full) >= 4


def test_a_link_with_two_confidences_makes_the_rank_unusable(tmp_path: Path) -> None:
    """Its row at 0.75 would sort after an unranked link's 0.72: the rank lists it twice."""
    ttl = TTL_PREFIXES + "".join([
        link_ttl("L1", "0.1, 0.75", "a"), link_ttl("L2", "0.2", "b"), link_ttl("L3", "0.72", "c"),
    ])
    folder = make_graph_dir(tmp_path / "outputs", ttl)
    query = get_named_query("low-confidence-links")
    with GraphStore.open(folder) as store:
        assert store.ranked_keys(query.name, query.rank or "", 5) is None
    assert len(assert_every_limit(folder, "low-confidence-links", {"below": "0.8"})) == 4


def test_keys_whose_iris_hold_brackets_fall_back_instead_of_failing(tmp_path: Path) -> None:
    """Bound keys like <http://ex.org/link(7> count as nesting; the query then runs whole."""
    ttl = TTL_PREFIXES + "".join(link_ttl(f"link((((((({i}", "0.5", f"k{i:03d}")
                                 for i in range(80))
    folder = make_graph_dir(tmp_path / "outputs", ttl)
    full = run_named_query(folder, "low-confidence-links").rows
    for limit in (1, 70, 79):
        assert run_named_query(folder, "low-confidence-links", limit=limit).rows == full[:limit]


@pytest.mark.parametrize("damage", ["cut mid-line", "not UTF-8"])
def test_a_damaged_rank_file_is_written_again(tmp_path: Path, damage: str) -> None:
    folder = graph_folder(graph_with_proposals(6), tmp_path / "outputs")
    full = run_named_query(folder, "papers-proposing-models").rows
    (path,) = (folder / "store").glob("*/rank-papers-proposing-models-*.txt")
    text = path.read_bytes()
    path.write_bytes(text[:text.index(b"\n", 40) + 8] if damage == "cut mid-line"
                     else text[:15] + b"\xff\n" + text[15:])
    assert run_named_query(folder, "papers-proposing-models", limit=4).rows == full[:4]
    assert path.read_bytes() == text


def test_an_interrupted_rank_file_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = graph_folder(graph_with_proposals(6), tmp_path / "outputs")
    with GraphStore.open(folder) as store:
        for path in store.info.db_path.parent.glob("rank-*"):
            path.unlink()

        def interrupted(*_args: object) -> None:
            raise KeyboardInterrupt

        monkeypatch.setattr("paperkg.query.store.os.replace", interrupted)
        with pytest.raises(KeyboardInterrupt):
            store.ranked_keys("lineage-edges", get_named_query("lineage-edges").rank or "", 3)
        assert sorted(p.name for p in store.info.db_path.parent.iterdir()
                      if p.name.startswith((".rank", "rank"))) == []


def test_the_cut_of_lineage_edges_compares_labels_with_a_language_tag(tmp_path: Path) -> None:
    """LCASE("a"@en) <= "b" is a type error: the cut compares plain strings (STR)."""
    ttl = TTL_PREFIXES + (
        'ex:A pk:derivedFrom ex:Z . ex:A rdfs:label "a"@en .\n'
        'ex:B pk:derivedFrom ex:Z . ex:B rdfs:label "b" .\n'
        'ex:C pk:derivedFrom ex:Z . ex:C rdfs:label "c" .\n'
        'ex:C2 pk:derivedFrom ex:Z . ex:C2 rdfs:label "c" .\n'
        'ex:Q pk:derivedFrom ex:Z . ex:Q rdfs:label "x", "y" .\n')  # two labels: no rank
    folder = make_graph_dir(tmp_path / "outputs", ttl)
    full = assert_every_limit(folder, "lineage-edges")
    assert [row[0].value for row in full[:2]] == ["a", "b"]


def test_a_rank_query_that_fails_leaves_the_answer_to_the_query(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = graph_folder(graph_with_proposals(8), tmp_path / "outputs")
    full = run_named_query(folder, "entities-by-support").rows
    for path in (folder / "store").glob("*/rank-*.txt"):
        path.unlink()

    def failing(*_args: object) -> None:
        raise QueryError("query failed: the engine ran out of something")

    monkeypatch.setattr(GraphStore, "_rank", failing)
    assert run_named_query(folder, "entities-by-support", limit=3).rows == full[:3]
