"""Output formats of query results."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from paperkg.errors import QueryError
from paperkg.query.format import compact_iri, format_result
from paperkg.query.store import QueryResult, run_query

XSD = "http://www.w3.org/2001/XMLSchema#"
RESULT = QueryResult(
    kind="select",
    variables=("entity", "name", "n", "note"),
    rows=(
        (
            ox.NamedNode("https://w3id.org/paperkg/entity/LoRA"),
            ox.Literal("LoRA"),
            ox.Literal("4", datatype=ox.NamedNode(XSD + "integer")),
            None,
        ),
        (
            ox.NamedNode("http://example.org/a%20b"),
            ox.Literal('say "hi"\tnow\nplease', language="en"),
            ox.Literal("0.5", datatype=ox.NamedNode(XSD + "decimal")),
            ox.BlankNode("b0"),
        ),
    ),
)


def test_table_is_aligned_with_short_iris() -> None:
    text = format_result(RESULT, "table")
    lines = text.splitlines()
    assert lines[0].split() == ["entity", "name", "n", "note"]
    assert lines[2].startswith("entity:LoRA ")
    assert lines[3].startswith("<http://example.org/a%20b>")
    assert 'say "hi" now please@en' in lines[3]  # tabs and line breaks become spaces
    assert lines[0].index("name") == lines[2].index(" LoRA") + 1 == lines[3].index("say")
    assert lines[-1] == "(2 rows)"


def test_table_truncates_long_cells() -> None:
    long = QueryResult(kind="select", variables=("abstract",), rows=((ox.Literal("word " * 40),),))
    line = format_result(long, "table", max_width=30).splitlines()[2]
    assert len(line) == 30 and line.endswith("…")
    truncated = QueryResult(kind="select", variables=("x",), rows=((None,),), truncated=True)
    assert (
        format_result(truncated, "table").splitlines()[-1]
        == "(1 row, more not shown: raise --limit)"
    )


def test_csv_is_plain_values() -> None:
    parsed = list(csv.reader(io.StringIO(format_result(RESULT, "csv"))))
    assert parsed == [
        ["entity", "name", "n", "note"],
        ["https://w3id.org/paperkg/entity/LoRA", "LoRA", "4", ""],
        ["http://example.org/a%20b", 'say "hi"\tnow\nplease', "0.5", "_:b0"],
    ]


def test_tsv_uses_turtle_terms_on_one_line_each() -> None:
    lines = format_result(RESULT, "tsv").splitlines()
    assert lines == [
        "?entity\t?name\t?n\t?note",
        '<https://w3id.org/paperkg/entity/LoRA>\t"LoRA"\t4\t',
        '<http://example.org/a%20b>\t"say \\"hi\\"\\tnow\\nplease"@en\t0.5\t_:b0',
    ]


def test_json_is_sparql_results_json() -> None:
    document = json.loads(format_result(RESULT, "json"))
    assert document["head"] == {"vars": ["entity", "name", "n", "note"]}
    first, second = document["results"]["bindings"]
    assert first == {
        "entity": {"type": "uri", "value": "https://w3id.org/paperkg/entity/LoRA"},
        "name": {"type": "literal", "value": "LoRA"},
        "n": {"type": "literal", "value": "4", "datatype": XSD + "integer"},
    }
    assert second["name"] == {"type": "literal", "value": 'say "hi"\tnow\nplease', "xml:lang": "en"}
    assert second["note"] == {"type": "bnode", "value": "b0"}


def test_direction_non_ascii_digits_and_bidi_controls() -> None:
    """"abc"@en--rtl lost its direction in JSON and tables; TSV wrote "\u0663"^^integer
    bare, which is no Turtle number; a table printed a right-to-left override raw."""
    result = QueryResult(kind="select", variables=("x",), rows=(
        (ox.Literal("abc", language="en", direction=ox.BaseDirection.RTL),),
        (ox.Literal("\u0663", datatype=ox.NamedNode(XSD + "integer")),),
        (ox.Literal("Safe\u202eLMgnirts"),),
    ))
    bindings = json.loads(format_result(result, "json"))["results"]["bindings"]
    assert bindings[0]["x"] == {"type": "literal", "value": "abc", "xml:lang": "en",
                                "its:dir": "rtl"}
    assert format_result(result, "tsv").splitlines()[1:3] == [
        '"abc"@en--rtl', f'"\u0663"^^<{XSD}integer>']
    table = format_result(result, "table").splitlines()
    assert table[2:5] == ["abc@en--rtl", "\u0663", "Safe\\u202eLMgnirts"]


def test_ask() -> None:
    yes = QueryResult(kind="ask", boolean=True)
    assert format_result(yes, "table") == "true\n"
    assert json.loads(format_result(yes, "json")) == {"head": {}, "boolean": True}
    with pytest.raises(QueryError, match="ASK"):
        format_result(yes, "csv")


def test_construct_as_rows(graph_dir: Path) -> None:
    result = run_query(graph_dir, "CONSTRUCT WHERE { entity:QLoRA pk:derivedFrom ?p }")
    assert format_result(result, "csv").splitlines() == [
        "subject,predicate,object",
        "https://w3id.org/paperkg/entity/QLoRA,https://w3id.org/paperkg/ontology#derivedFrom,"
        "https://w3id.org/paperkg/entity/LoRA",
    ]
    assert "entity:QLoRA  pk:derivedFrom  entity:LoRA" in format_result(result, "table")


def test_unknown_format() -> None:
    with pytest.raises(QueryError, match="unknown format 'xml'; choose from table, csv, tsv, json"):
        format_result(RESULT, "xml")


def test_compact_iri() -> None:
    assert compact_iri("https://w3id.org/paperkg/ontology#Model") == "pk:Model"
    assert (
        compact_iri("https://w3id.org/paperkg/paper/arxiv-2305.14314") == "paper:arxiv-2305.14314"
    )
    assert (
        compact_iri("https://w3id.org/paperkg/entity/a/b")
        == "<https://w3id.org/paperkg/entity/a/b>"
    )
    assert compact_iri("http://purl.org/dc/terms/title") == "dcterms:title"
