"""Named queries: documented, correct on the fixture, and safe against injection."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paperkg.errors import QueryError
from paperkg.query.entities import (
    EntityIndex,
    EntityRef,
    NameIndex,
    UnknownEntityError,
    normalize_name,
)
from paperkg.query.named import (
    bind_params,
    get_named_query,
    list_named_queries,
    parse_named_query,
    run_named_query,
)
from paperkg.query.store import GraphStore, run_query

from .conftest import make_graph_dir
from .test_named_ranks import TTL_PREFIXES

REQUIRED = {
    "top-benchmarks",
    "papers-evaluating-on",
    "derived-from",
    "co-mentioned",
    "papers-proposing-models",
}
INJECTIONS = [
    'LoRA" } ; DROP ALL ; #',
    "x> } SELECT * WHERE { ?s ?p ?o } #",
    "LoRA\n} DELETE WHERE { ?s ?p ?o }",
    "LoRA\\",
    'LoRA\\" } }',
    "'''; CLEAR ALL",
    "<https://w3id.org/paperkg/entity/LoRA> } UNION { ?s ?p ?o",
]
TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def rows(graph_dir: Path, name: str, *columns: str, **params: str) -> list[tuple]:
    result = run_named_query(graph_dir, name, params)
    return [tuple(r[c] for c in columns) for r in result.records()]


def test_shipped_queries_are_documented() -> None:
    queries = {q.name: q for q in list_named_queries()}
    assert REQUIRED | {"entity-search", "lineage", "lineage-edges", "low-confidence-links"} <= set(
        queries
    )
    for query in queries.values():
        assert query.title and query.title != query.name, query.name
        assert query.description, query.name
        assert query.examples and query.examples[0].startswith(f"paperkg query {query.name}")
        for param in query.params:
            assert param.description, (query.name, param.name)


def test_queries_run_as_plain_sparql(graph_dir: Path) -> None:
    """Each .rq file is valid SPARQL as it is (parameters unbound)."""
    for query in list_named_queries():
        run_query(graph_dir, query.sparql)


def test_header_parsing() -> None:
    text = (
        "# title: T\n# description: first part\n#   second part\n"
        "# param: below (number, default 0.5) - a threshold\n# param: entity (entity) - a thing\n"
        "# example: paperkg query q 1\n"
        "SELECT * WHERE { VALUES ?below { UNDEF } VALUES ?entity { UNDEF } }\n"
    )
    query = parse_named_query("q", text)
    assert query.description == "first part second part"
    assert [(p.name, p.kind, p.default) for p in query.params] == [
        ("below", "number", "0.5"),
        ("entity", "entity", None),
    ]
    assert query.usage() == "q [BELOW] ENTITY"
    with pytest.raises(QueryError, match="placeholder"):
        parse_named_query("q", "# param: other (text) - x\nSELECT * WHERE {}")
    with pytest.raises(QueryError, match="KIND one of"):
        parse_named_query("q", "# param: other (colour) - x\nSELECT * WHERE {}")
    with pytest.raises(QueryError, match=r"placeholder VALUES \?cut"):
        parse_named_query("q", "# cut: SELECT ?cut WHERE { ?s ?p ?cut } ORDER BY ?cut\n"
                               "SELECT * WHERE { ?s ?p ?o }")
    with pytest.raises(QueryError, match=r"placeholder VALUES \?other"):  # in the body
        parse_named_query("q", "# param: other (text) - x\n"
                               "# cut: SELECT ?cut WHERE { VALUES ?other { UNDEF } }\n"
                               "SELECT * WHERE { VALUES ?cut { UNDEF } }")
    cut = parse_named_query("q", "# cut: SELECT ?cut\n#   WHERE { ?s ?p ?cut } ORDER BY ?cut\n"
                                 "SELECT * WHERE { VALUES ?cut { UNDEF } ?s ?p ?cut }")
    assert cut.cut == "SELECT ?cut WHERE { ?s ?p ?cut } ORDER BY ?cut"
    assert query.cut is None
    with pytest.raises(QueryError, match="LIMIT or OFFSET"):
        parse_named_query("q", "SELECT * WHERE { ?s ?p ?o }\nORDER BY ?s\nlimit 10\n")


EXAMPLE_PARAMS = {
    "co-mentioned": {"entity": "LoRA"},
    "derived-from": {"entity": "LoRA"},
    "lineage": {"entity": "QLoRA"},
    "papers-evaluating-on": {"entity": "MMLU"},
    "entity-search": {"text": "lora"},
}


@pytest.mark.parametrize("query", list_named_queries(), ids=lambda q: q.name)
def test_a_limit_keeps_the_first_rows_and_says_more_were_cut(graph_dir: Path, query) -> None:
    """The limit is handed to the engine: the rows kept are the first ones of the full answer."""
    params = EXAMPLE_PARAMS.get(query.name, {})
    full = run_named_query(graph_dir, query.name, params)
    assert len(full.rows) >= 2, query.name
    for limit in (1, len(full.rows) - 1, len(full.rows)):
        cut = run_named_query(graph_dir, query.name, params, limit=limit)
        assert cut.rows == full.rows[:limit]
        assert cut.truncated == (limit < len(full.rows))


def test_top_benchmarks(graph_dir: Path) -> None:
    assert rows(graph_dir, "top-benchmarks", "label", "type", "papers") == [
        ("MMLU", "Benchmark", "7"),
        ("GSM8K", "Benchmark", "4"),
        ("HumanEval", "Benchmark", "4"),
        ("MT-Bench", "Benchmark", "3"),
    ]


def test_papers_evaluating_on(graph_dir: Path) -> None:
    assert rows(graph_dir, "papers-evaluating-on", "key", "date", entity="HumanEval") == [
        ("arxiv:2310.06825", "2023-10-10"),
        ("arxiv:2307.09288", "2023-07-18"),
        ("arxiv:2303.08774", "2023-03-15"),
        ("arxiv:2302.13971", "2023-02-27"),
    ]
    # by alias, ignoring case and punctuation
    by_alias = rows(
        graph_dir, "papers-evaluating-on", "key", entity="massive-multitask language UNDERSTANDING"
    )
    assert len(by_alias) == 7 and ("arxiv:2305.14314",) in by_alias


def test_derived_from(graph_dir: Path) -> None:
    assert rows(graph_dir, "derived-from", "label", "depth", "parentLabel", entity="lora") == [
        ("DoRA", "1", "LoRA"),
        ("LongLoRA", "1", "LoRA"),
        ("QLoRA", "1", "LoRA"),
        ("QA-LoRA", "2", "QLoRA"),
    ]
    assert rows(graph_dir, "derived-from", "label", "depth", entity="Quantized LoRA") == [
        ("QA-LoRA", "1")
    ]
    assert rows(graph_dir, "derived-from", "label", entity="QA-LoRA") == []


def test_co_mentioned(graph_dir: Path) -> None:
    assert rows(graph_dir, "co-mentioned", "label", "papers", entity="LoRA") == [
        ("LLaMA", "2"),
        ("Alpaca", "1"),
        ("DoRA", "1"),
        ("Guanaco", "1"),
        ("Llama 2", "1"),
        ("LongLoRA", "1"),
        ("MMLU", "1"),
        ("MT-Bench", "1"),
        ("OASST1", "1"),
        ("QLoRA", "1"),
    ]


def test_papers_proposing_models(graph_dir: Path) -> None:
    assert rows(graph_dir, "papers-proposing-models", "model", "key") == [
        ("Mixtral 8x7B", "arxiv:2401.04088"),
        ("Mistral 7B", "arxiv:2310.06825"),
        ("Llama 2", "arxiv:2307.09288"),
        ("Guanaco", "arxiv:2305.14314"),
        ("GPT-4", "arxiv:2303.08774"),
        ("LLaMA", "arxiv:2302.13971"),
    ]


def test_entity_search(graph_dir: Path) -> None:
    assert rows(graph_dir, "entity-search", "label", "support", text="lora") == [
        ("LoRA", "4"),
        ("QLoRA", "2"),
        ("LongLoRA", "1"),
        ("QA-LoRA", "1"),
    ]
    assert rows(graph_dir, "entity-search", "label", text="LLAMA-2") == [("Llama 2",)]
    assert rows(graph_dir, "entity-search", "label", text="moe") == [("Mixture of Experts",)]


def test_lineage_edges(graph_dir: Path) -> None:
    edges = rows(graph_dir, "lineage-edges", "childLabel", "parentLabel", "rule", "key")
    assert ("QLoRA", "LoRA", "stated", "arxiv:2305.14314") in edges
    assert ("QLoRA", "LoRA", "stated", "arxiv:2309.14717") in edges
    assert ("Guanaco", "LLaMA", "finetune", "arxiv:2305.14314") in edges
    assert len({(c, p) for c, p, _, _ in edges}) == 8


def test_low_confidence_links(graph_dir: Path) -> None:
    assert rows(graph_dir, "low-confidence-links", "confidence", "key", "label") == [
        ("0.55", "arxiv:2303.08774", "RLHF"),
        ("0.6", "arxiv:2401.04088", "Mixture of Experts"),
    ]
    assert len(rows(graph_dir, "low-confidence-links", "link", below="0.56")) == 1
    assert (
        len(rows(graph_dir, "low-confidence-links", "link", below="0.9")) == 20
    )  # + the 18 evaluatesOn links (0.85)


def test_entities_by_support(graph_dir: Path) -> None:
    assert rows(graph_dir, "entities-by-support", "label", "support", min="4") == [
        ("MMLU", "7"),
        ("LLaMA", "5"),
        ("GSM8K", "4"),
        ("HumanEval", "4"),
        ("Llama 2", "4"),
        ("LoRA", "4"),
        ("MT-Bench", "4"),
    ]
    assert len(rows(graph_dir, "entities-by-support", "label")) == 20


def test_parameter_errors(graph_dir: Path) -> None:
    with pytest.raises(QueryError, match="unknown named query 'nope'; choose from co-mentioned"):
        get_named_query("nope")
    with pytest.raises(QueryError, match="needs a value for 'entity'"):
        run_named_query(graph_dir, "derived-from", {})
    with pytest.raises(QueryError, match="has no parameter 'colour'; parameters: entity"):
        run_named_query(graph_dir, "derived-from", {"entity": "LoRA", "colour": "red"})
    with pytest.raises(QueryError, match="must be a number, got 'high'"):
        run_named_query(graph_dir, "low-confidence-links", {"below": "high"})
    with pytest.raises(QueryError, match="finite"):
        run_named_query(graph_dir, "low-confidence-links", {"below": "nan"})
    with pytest.raises(QueryError, match="must be an integer"):
        run_named_query(graph_dir, "entities-by-support", {"min": "2.5"})
    # beyond 64 bits the engine's comparison was false for every row: an empty answer
    for big in ("-99999999999999999999999", str(2**63)):
        with pytest.raises(QueryError, match=r"^min must be between -9,223,372,036,854,775,808 "
                                             r"and 9,223,372,036,854,775,807, got '"):
            run_named_query(graph_dir, "entities-by-support", {"min": big})
    assert run_named_query(graph_dir, "entities-by-support", {"min": str(-(2**63))}).rows
    with pytest.raises(UnknownEntityError, match="entity: no entity named 'Lora2'; closest: LoRA"):
        run_named_query(graph_dir, "derived-from", {"entity": "Lora2"})


def test_a_blank_node_entity_is_no_name_a_query_binds(tmp_path: Path) -> None:
    """Its label used to reach the query as an IRI without a scheme: a ValueError traceback."""
    folder = make_graph_dir(tmp_path / "outputs", TTL_PREFIXES
                            + '_:b a pk:Model ; rdfs:label "Foo" .\n'
                            + '<https://w3id.org/paperkg/entity/bar> a pk:Model ; '
                              'rdfs:label "Bar" .\n')
    for name in ("co-mentioned", "derived-from", "papers-evaluating-on"):
        with pytest.raises(UnknownEntityError, match="no entity named 'Foo'"):
            run_named_query(folder, name, {"entity": "Foo"})
        assert run_named_query(folder, name, {"entity": "Bar"}).rows == ()


def test_a_query_at_the_length_limit_still_takes_a_limit(
    graph_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine's LIMIT made a query of the greatest length one too long; the rows are
    then cut by the store instead."""
    full = run_named_query(graph_dir, "derived-from", {"entity": "LoRA"})
    with GraphStore.open(graph_dir) as store:
        bound = bind_params(get_named_query("derived-from"), {"entity": "LoRA"},
                            EntityIndex.from_store(store))
    monkeypatch.setattr("paperkg.query.store.MAX_QUERY_CHARS", len(bound))
    monkeypatch.setattr("paperkg.query.named.MAX_QUERY_CHARS", len(bound))
    limited = run_named_query(graph_dir, "derived-from", {"entity": "LoRA"}, limit=2)
    assert limited.rows == full.rows[:2] and limited.truncated and len(full.rows) > 2


@pytest.mark.parametrize("evil", INJECTIONS)
def test_entity_parameter_injection(graph_dir: Path, evil: str) -> None:
    """A name is only ever matched to an IRI of the graph, never put in the query."""
    if normalize_name(evil) == "lora":  # e.g. 'LoRA\\': punctuation is ignored by design
        assert rows(graph_dir, "derived-from", "label", entity=evil) == [
            ("DoRA",),
            ("LongLoRA",),
            ("QLoRA",),
            ("QA-LoRA",),
        ]
    else:
        with pytest.raises(UnknownEntityError, match="no entity named"):
            run_named_query(graph_dir, "derived-from", {"entity": evil})
    assert run_query(graph_dir, TRIPLES).column("n") == ["1128"]


@pytest.mark.parametrize("evil", INJECTIONS)
def test_text_parameter_injection(graph_dir: Path, evil: str) -> None:
    """Text goes in as one escaped literal: the query stays the same query."""
    query = get_named_query("entity-search")
    bound = bind_params(query, {"text": evil})
    assert bound.count("VALUES ?text {") == 1
    result = run_named_query(graph_dir, "entity-search", {"text": evil})
    assert result.variables == ("label", "type", "support", "matches", "entity")
    expected = [] if normalize_name(evil) != "lora" else ["LoRA", "QLoRA", "LongLoRA", "QA-LoRA"]
    assert result.column("label") == expected
    assert run_query(graph_dir, TRIPLES).column("n") == ["1128"]


def test_bound_literal_is_escaped() -> None:
    bound = bind_params(get_named_query("entity-search"), {"text": 'a"b\\c\nd'})
    assert 'VALUES ?text { "a\\"b\\\\c\\nd" }' in bound


def test_entity_lookup(graph_dir: Path) -> None:
    with GraphStore.open(graph_dir) as store:
        index = EntityIndex.from_store(store)
    assert len(index.entities) == 20
    assert index.resolve("QLORA").label == "QLoRA"
    assert index.resolve("quantized_lora").label == "QLoRA"
    assert index.resolve("llama-2").label == "Llama 2"
    assert index.resolve("https://w3id.org/paperkg/entity/Llama_2").label == "Llama 2"
    # the forms paperkg prints an IRI in: lineage's <IRI>, query's entity:NAME
    assert index.resolve("<https://w3id.org/paperkg/entity/Llama_2>").label == "Llama 2"
    assert index.resolve("entity:Llama_2").label == "Llama 2"
    assert index.lookup("") == [] and index.lookup("!!!") == []
    assert index.suggest("Lora2")[:1] == ["LoRA"]
    assert len(index.suggest("Lora2")) == 5
    assert index.suggest("mistral")[0] == "Mistral 7B"


def test_entity_index_is_read_from_the_cache_next_to_the_store(fresh_graph_dir: Path) -> None:
    with GraphStore.open(fresh_graph_dir) as store:
        assert len(EntityIndex.from_store(store).entities) == 20
        cache = store.info.db_path.parent / "cache-entities.json"
        kept = json.loads(cache.read_text(encoding="utf-8"))
        # the second call reads the file: an edit to it shows through
        kept["value"] = [row for row in kept["value"] if row[0] != "QLoRA"]
        cache.write_text(json.dumps(kept), encoding="utf-8")
        index = EntityIndex.from_store(store)
    assert len(index.entities) == 19 and index.lookup("QLoRA") == []


@given(st.text())
def test_normalize_name_keeps_exactly_the_letters_and_digits(text: str) -> None:
    folded = unicodedata.normalize("NFKC", text).casefold()
    assert normalize_name(text) == "".join(ch for ch in folded if ch.isalnum())


def test_name_index_answers_as_the_entity_index_does(graph_dir: Path) -> None:
    with GraphStore.open(graph_dir) as store:
        full = EntityIndex.from_store(store)
        names = NameIndex(store)
        try:
            probes = [n for e in full.entities for n in (e.label, *e.alt_labels, e.iri)]
            probes += ["lora ", "LLAMA-2", "quantized_lora", "", "!!!", "no such thing"]
            for probe in probes:
                assert [e.iri for e in names.lookup(probe)] == [e.iri for e in full.lookup(probe)]
            assert names.miss_message("Lora2") == full.miss_message("Lora2")
        finally:
            names.close()


@pytest.mark.parametrize("damage", [b"", b"garbage, not SQLite" * 100, None])
def test_a_damaged_name_table_is_written_again(fresh_graph_dir: Path, damage) -> None:
    """An empty or garbled cache-names file gave an sqlite3 traceback; a folder where
    it cannot be written (None: a folder in its place) keeps it in memory."""
    with GraphStore.open(fresh_graph_dir) as store:
        NameIndex(store).close()
        path = store.info.db_path.parent / NameIndex.FILE
        path.unlink()
        if damage is None:
            path.mkdir()
        else:
            path.write_bytes(damage)
        names = NameIndex(store)
        try:
            assert [e.label for e in names.lookup("QLoRA")] == ["QLoRA"]
        finally:
            names.close()
        assert path.is_dir() if damage is None else path.read_bytes().startswith(b"SQLite")


def test_an_exact_label_wins_over_names_that_only_normalise_alike() -> None:
    lora = EntityRef("LoRA", "Technique", "https://w3id.org/paperkg/entity/LoRA")
    plus = EntityRef("LoRA+", "Technique", "https://w3id.org/paperkg/entity/LoRA_plus")
    index = EntityIndex([lora, plus])
    assert index.lookup("lora") == [lora]
    assert index.lookup("LoRA+") == [plus]
    assert index.lookup("Lo-RA") == sorted([lora, plus])  # neither is exact: both, for the user


def test_aliases_that_differ_only_in_case_name_the_entity_once() -> None:
    lora = EntityRef("LoRA", "Technique", "https://w3id.org/paperkg/entity/LoRA",
                     ("Low-Rank Adaptation", "low-rank adaptation", "Low-rank adaptation"))
    index = EntityIndex([lora])
    assert index.lookup("low-rank adaptation") == [lora]
    assert index.resolve("LOW-RANK ADAPTATION") == lora


def test_a_name_of_several_entities_binds_all_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class TwoSPP:
        def lookup(self, name: str) -> list[EntityRef]:
            return [EntityRef("SPP", "Technique", "https://w3id.org/paperkg/entity/SPP"),
                    EntityRef("SPP", "Technique", "https://w3id.org/paperkg/entity/spp-other")]

    with caplog.at_level("WARNING", logger="paperkg.query.named"):
        sparql = bind_params(get_named_query("co-mentioned"), {"entity": "SPP"}, TwoSPP())
    assert ("VALUES ?entity { <https://w3id.org/paperkg/entity/SPP> "
            "<https://w3id.org/paperkg/entity/spp-other> }") in sparql
    [record] = caplog.records
    assert "'SPP' names 2 entities" in record.getMessage()
    assert "<https://w3id.org/paperkg/entity/spp-other>" in record.getMessage()
