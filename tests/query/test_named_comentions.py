"""co-mentioned answers a limit from the store's co-mention counts, exactly.

The store counts, once, the co-mentions of the entities that many papers name
(:mod:`paperkg.query.comentions`); with a limit, the counts of the first
entities replace the query's ``# counted:`` block. These tests lower the
thresholds so that small random graphs (many ties, entities without a label,
entities of a class no query lists) exercise every path, and check the counts
against the engine's and every limit against the full answer.
"""

from __future__ import annotations

import random
import re
import sqlite3
from pathlib import Path

import pyoxigraph as ox
import pytest

from paperkg.errors import QueryError
from paperkg.query import comentions
from paperkg.query.named import get_named_query, parse_named_query, run_named_query
from paperkg.query.store import QUERY_PREFIXES, GraphStore
from paperkg.vocab import ENTITY_BASE, PAPER_BASE

from .conftest import forbid_replacing_files, spy_on_queries
from .test_named_rewrites import LABEL, RDF_TYPE, add, graph_folder, pk, random_graph

#: the fewest papers of a counted entity here: about half of the named ones
MIN = 20
ENGINE_COUNTS = """SELECT ?other (COUNT(DISTINCT ?paper) AS ?papers)
WHERE { ?paper pk:mentions %s , ?other . FILTER(?other != %s) } GROUP BY ?other"""


def crowded_graph(seed: int) -> tuple[ox.Store, list[str]]:
    """A random graph of 120 papers over 20 entities, with two more that 60 papers
    mention, which co-mentioned leaves out (no class; and no label) and queries
    cannot name. The IRIs of all 22, the 20 named ones first."""
    rng = random.Random(seed)
    store, iris = random_graph(seed, entities=20, papers=120)
    for name in ("unnamed", "unclassed"):
        node = ox.NamedNode(f"{ENTITY_BASE}{name}")
        if name == "unclassed":
            add(store, node, LABEL, ox.Literal("Aardvark"))  # would sort first among ties
        for j in rng.sample(range(120), 60):
            add(store, ox.NamedNode(f"{PAPER_BASE}p{j}"), pk("mentions"), node)
        iris.append(node.value)
    return store, iris


def engine_counts(store: ox.Store, iri: str) -> dict[str, int]:
    rows = store.query(ENGINE_COUNTS % (f"<{iri}>", f"<{iri}>"), prefixes=QUERY_PREFIXES)
    return {str(row[0]): int(row[1].value) for row in rows}


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("keep", [1, 3, 6, 1000])
def test_the_counts_are_the_engine_s(seed: int, keep: int) -> None:
    store, iris = crowded_graph(seed)
    counts = comentions.co_mention_counts(store, min_papers=MIN, keep=keep)
    papers = {iri: len(list(store.quads_for_pattern(None, pk("mentions"), ox.NamedNode(iri))))
              for iri in iris}
    assert set(counts) == {f"<{iri}>" for iri, n in papers.items() if n >= MIN}
    assert 3 <= len(counts) < len(iris)
    for entity, (floor, rows) in counts.items():
        expected = engine_counts(store, entity[1:-1])
        kept = dict(rows)
        assert len(rows) == len(kept) <= keep
        assert rows == sorted(rows, key=lambda row: (-row[1], row[0]))
        assert kept == {other: n for other, n in expected.items() if n > floor}
        if floor:  # the first one left out is tied with the floor
            assert max(n for other, n in expected.items() if other not in kept) == floor
        else:
            assert kept == expected


def test_mentions_that_are_not_iris_are_not_counted() -> None:
    store, _iris = crowded_graph(0)
    assert comentions.co_mention_counts(store, min_papers=MIN)
    add(store, ox.NamedNode(f"{PAPER_BASE}p0"), pk("mentions"), ox.Literal("a name"))
    assert comentions.co_mention_counts(store, min_papers=MIN) == {}
    store.remove(ox.Quad(ox.NamedNode(f"{PAPER_BASE}p0"), pk("mentions"), ox.Literal("a name")))
    add(store, ox.NamedNode(f"{PAPER_BASE}p0"), pk("mentions"), ox.BlankNode("b"))
    assert comentions.co_mention_counts(store, min_papers=MIN) == {}


def covered_entities(folder: Path, iris: list[str]) -> list[str]:
    """The named entities whose co-mentions the store has counted."""
    with GraphStore.open(folder) as opened:
        return [iri for iri in iris[:20] if opened.co_mentions(f"<{iri}>", 1) is not None]


def spy_on_counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """'counts' for each co-mentioned query run from the store's counts, else 'engine'."""
    def classify(sparql: str) -> str | None:
        if "?other ?papers" not in sparql:
            return None
        return "counts" if "VALUES (?other ?papers) {" in sparql else "engine"
    return spy_on_queries(monkeypatch, classify)


@pytest.mark.parametrize("seed", range(3))
def test_every_limit_gives_the_first_rows_of_the_full_answer(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(comentions, "MIN_PAPERS", MIN)
    monkeypatch.setattr(comentions, "KEEP", 8)
    store, iris = crowded_graph(seed)
    folder = graph_folder(store, tmp_path / "outputs")
    counted = 0
    runs = spy_on_counting(monkeypatch)
    for iri in iris[:20]:
        entity = {"entity": f"<{iri}>"}
        full = run_named_query(folder, "co-mentioned", entity)
        for limit in {*range(9), len(full.rows) - 1, len(full.rows), len(full.rows) + 1}:
            if limit < 0:
                continue
            runs.clear()
            part = run_named_query(folder, "co-mentioned", entity, limit=limit)
            assert part.rows == full.rows[:limit], (iri, limit)
            assert part.truncated == (len(full.rows) > limit)
            counted += bool(runs) and set(runs) == {"counts"}
    assert counted >= 10  # the counts answer most limits of the crowded entities


def test_entities_of_few_papers_and_two_entities_are_counted_by_the_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(comentions, "MIN_PAPERS", MIN)
    store, iris = crowded_graph(1)
    folder = graph_folder(store, tmp_path / "outputs")
    covered = covered_entities(folder, iris)
    few = next(iri for iri in iris[:20] if iri not in covered)
    runs = spy_on_counting(monkeypatch)
    run_named_query(folder, "co-mentioned", {"entity": f"<{few}>"}, limit=2)
    run_named_query(folder, "co-mentioned", {"entity": f"<{covered[0]}>"}, limit=2)
    assert runs[0] == "engine" and set(runs[1:]) == {"counts"}
    # a name of two entities binds both: their counts together are the engine's to make
    monkeypatch.setattr("paperkg.query.named._terms", lambda *_a: [ox.NamedNode(covered[0]),
                                                                  ox.NamedNode(covered[1])])
    runs.clear()
    both = run_named_query(folder, "co-mentioned", {"entity": "both"}, limit=3)
    assert runs == ["engine"] and len(both.rows) == 3


def test_a_limit_beyond_the_kept_counts_is_counted_by_the_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(comentions, "MIN_PAPERS", MIN)
    monkeypatch.setattr(comentions, "KEEP", 3)
    store, iris = crowded_graph(2)
    folder = graph_folder(store, tmp_path / "outputs")
    entity = {"entity": f"<{iris[0]}>"}
    full = run_named_query(folder, "co-mentioned", entity)
    assert len(full.rows) > 8
    runs = spy_on_counting(monkeypatch)
    assert run_named_query(folder, "co-mentioned", entity, limit=8).rows == full.rows[:8]
    assert runs == ["engine"]


def counted_entity(folder: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[dict, tuple]:
    """A build of a crowded graph in ``folder`` with its co-mentions counted: the
    parameters naming one counted entity, and the first four rows of its answer."""
    monkeypatch.setattr(comentions, "MIN_PAPERS", MIN)
    store, iris = crowded_graph(0)
    graph_folder(store, folder)
    entity = {"entity": f"<{covered_entities(folder, iris)[0]}>"}
    return entity, run_named_query(folder, "co-mentioned", entity).rows[:4]


def test_the_table_is_written_with_the_store_and_again_when_damaged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "outputs"
    entity, expected = counted_entity(folder, monkeypatch)
    (path,) = (folder / "store").glob("*/co-mentions-*.sqlite")
    runs = spy_on_counting(monkeypatch)
    for damage in (b"not a database", b"SQLite format 3\x00" + bytes(4000)):
        path.write_bytes(damage)
        runs.clear()
        assert run_named_query(folder, "co-mentioned", entity, limit=4).rows == expected
        assert runs and set(runs) == {"counts"}
        with sqlite3.connect(path) as table:
            assert table.execute("SELECT COUNT(*) FROM covered").fetchone()[0] >= 3


def test_a_table_that_cannot_be_kept_leaves_the_counting_to_the_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "outputs"
    entity, expected = counted_entity(folder, monkeypatch)
    for path in (folder / "store").glob("*/co-mentions-*"):
        path.unlink()
    forbid_replacing_files(monkeypatch)
    runs = spy_on_counting(monkeypatch)
    assert run_named_query(folder, "co-mentioned", entity, limit=4).rows == expected
    assert runs == ["engine"]


BODY = """SELECT ?label ?papers WHERE {
%s  {
    SELECT ?other (COUNT(DISTINCT ?paper) AS ?papers)
    WHERE {
      VALUES ?entity { UNDEF }
      ?paper pk:mentions ?entity , ?other .
      FILTER(?other %s ?entity)
    }
    GROUP BY ?other
  }
%s  ?other rdfs:label ?label .
}
"""
START, END = "  # counted: VALUES (?other ?papers)\n", "  # counted: end\n"


@pytest.mark.parametrize(("header", "start", "operator", "end", "message"), [
    ("# co-mentions: entity", "", "!=", "", "goes with one block"),
    ("", START, "!=", END, "goes with one block"),
    ("# co-mentions: entity", START, "!=", "", "goes with one block"),
    ("# co-mentions: nope", START, "!=", END, "names an entity parameter"),
    ("# co-mentions: entity", START, "=", END, "must count what the store's table counts"),
])
def test_counts_need_their_block_and_the_table_s_count(
    header: str, start: str, operator: str, end: str, message: str
) -> None:
    head = "# title: t\n# param: entity (entity) - x\n"
    with pytest.raises(QueryError, match=re.escape(message)):
        parse_named_query("q", f"{head}{header}\n" + BODY % (start, operator, end))
    query = parse_named_query("q", f"{head}# co-mentions: entity\n" + BODY % (START, "!=", END))
    assert query.co_mentions == "entity"
    assert get_named_query("co-mentioned").co_mentions == "entity"


def test_an_iri_with_white_space_other_than_spaces_is_counted_from_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bound entity is split from its VALUES block at spaces only (U+00A0 may be in
    an IRI; str.split() cut it in two, and the engine counted)."""
    monkeypatch.setattr(comentions, "MIN_PAPERS", MIN)
    store, _iris = crowded_graph(0)
    node = ox.NamedNode(f"{ENTITY_BASE}non\u00a0breaking")
    add(store, node, RDF_TYPE, pk("Model"))
    add(store, node, LABEL, ox.Literal("Non breaking"))
    for j in range(0, 120, 2):
        add(store, ox.NamedNode(f"{PAPER_BASE}p{j}"), pk("mentions"), node)
    folder = graph_folder(store, tmp_path / "outputs")
    entity = {"entity": f"<{node.value}>"}
    full = run_named_query(folder, "co-mentioned", entity)
    runs = spy_on_counting(monkeypatch)
    assert run_named_query(folder, "co-mentioned", entity, limit=3).rows == full.rows[:3]
    assert runs and set(runs) == {"counts"}
