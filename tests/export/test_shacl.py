"""The data graph pyshacl validates is parsed by pyoxigraph and handed to rdflib;
held here to what rdflib's own Turtle parser makes of the same text."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import XSD

from paperkg.export.shacl import _parsed, ontology_text, validate_turtle


def _rdflib(data) -> Graph:
    return Graph().parse(data=data, format="turtle")


def test_a_builds_turtle_gives_rdflibs_triples_and_prefixes(small_build):
    out, _ = small_build
    data = (out / "graph.ttl").read_bytes()
    parsed, expected = _parsed(data), _rdflib(data)
    assert len(parsed) == len(expected) > 500
    assert set(parsed) == set(expected)
    assert dict(expected.namespaces()).items() <= dict(parsed.namespaces()).items()


def test_each_distinct_term_is_converted_once(small_build, monkeypatch):
    from paperkg.export import shacl

    out, _ = small_build
    data = (out / "graph.ttl").read_bytes()
    converted = []
    convert = shacl._term
    monkeypatch.setattr(shacl, "_term", lambda term: converted.append(term) or convert(term))
    parsed = _parsed(data)
    distinct = {term for triple in parsed for term in triple}
    assert len(converted) == len(set(converted)) == len(distinct)
    assert len(distinct) < len(parsed)  # the build repeats its terms: what the cache saves


def test_a_document_as_text_or_bytes_gives_the_same_graph(small_build):
    out, _ = small_build
    text = (out / "graph.ttl").read_text(encoding="utf-8")
    assert set(_parsed(text)) == set(_parsed(text.encode("utf-8")))


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.one_of(
    st.text(), st.integers(), st.decimals(allow_nan=False, allow_infinity=False, places=3),
    st.booleans(), st.dates()), min_size=1, max_size=5),
    language=st.sampled_from([None, "en", "de"]))
def test_literals_of_any_text_and_type_come_out_as_rdflib_reads_them(values, language):
    graph = Graph()
    subject = URIRef("https://w3id.org/paperkg/paper/x")
    for i, value in enumerate(values):
        predicate = URIRef(f"https://w3id.org/paperkg/ontology#p{i}")
        if isinstance(value, str) and language:
            graph.add((subject, predicate, Literal(value, lang=language)))
        else:
            graph.add((subject, predicate, Literal(value)))
    graph.add((subject, URIRef("https://w3id.org/paperkg/ontology#typed"),
                Literal("7", datatype=XSD.integer)))
    data = graph.serialize(format="turtle")
    assert set(_parsed(data)) == set(_rdflib(data))


def test_turtle_pyoxigraph_refuses_is_read_as_rdflib_reads_it():
    # a space inside an IRI: pyoxigraph refuses it, rdflib keeps it
    data = '<https://w3id.org/paperkg/paper/a b> <https://w3id.org/x#p> "v" .'
    assert set(_parsed(data)) == set(_rdflib(data))
    assert (URIRef("https://w3id.org/paperkg/paper/a b"), None, None) in _parsed(data)


@pytest.mark.parametrize("data", [
    # a prefix rdflib binds already: its parser binds the document's as dc1
    '@prefix dc: <http://purl.org/dc/terms/> . <http://a/x> dc:title "x" .',
    # an explicit xsd:string: the plain literal to pyoxigraph, not to rdflib
    '@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . <http://a/x> <http://a/p> '
    '"x"^^xsd:string .',
    '<http://a/x> <http://a/p> "x"^^<http://www.w3.org/2001/XMLSchema#string> .',
    # RDF 1.2, which pyoxigraph reads and rdflib's parser does not (or otherwise)
    '<http://a/x> <http://a/p> "x"@en--ltr .',
    '<http://a/x> <http://a/p> <<( <http://a/x> <http://a/q> <http://a/y> )>> .',
    '<http://a/x> <http://a/p> "x"@EN-us .',
])
def test_what_the_parsers_read_apart_is_read_as_rdflib_reads_it(data):
    try:
        expected = _rdflib(data)
    except Exception as error:  # noqa: BLE001 - whatever rdflib raises, so must this
        with pytest.raises(type(error)):
            _parsed(data)
        return
    parsed = _parsed(data)
    assert set(parsed) == set(expected)
    assert dict(parsed.namespaces()) == dict(expected.namespaces())


def test_a_broken_build_is_found_whichever_parser_read_it(small_build):
    out, _ = small_build
    text = (out / "graph.ttl").read_text(encoding="utf-8")
    assert validate_turtle(text)[0]
    broken = text + ('\n<https://w3id.org/paperkg/entity/LoRA> '
                     '<http://www.w3.org/2000/01/rdf-schema#label> "again" .\n')
    conforms, report = validate_turtle(broken)
    assert not conforms and "rdfs:label" in report


# ---- the shapes: each property shape carries its targets itself (ontology/shapes.ttl),
# held to the form with node shapes and sh:property it replaced (fixtures/shapes-nested.ttl)

_FIXTURES = Path(__file__).parent.parent / "fixtures"


def _results(data_graph: Graph, shapes_text: str) -> tuple[bool, set]:
    """Whether the graph conforms, and each result as (focus node, path, component,
    value, message): what a report says, without the shape's name."""
    import pyshacl
    from rdflib.namespace import SH

    shapes = Graph().parse(data=shapes_text, format="turtle")
    ontology = Graph().parse(data=ontology_text("paperkg.ttl"), format="turtle")
    conforms, report, _ = pyshacl.validate(
        data_graph, shacl_graph=shapes, ont_graph=ontology, inference="none",
        advanced=True, allow_warnings=True)
    results = {tuple(str(report.value(result, key)) for key in (
        SH.focusNode, SH.resultPath, SH.sourceConstraintComponent, SH.value, SH.resultMessage))
        for result in report.subjects(RDF.type, SH.ValidationResult)}
    return bool(conforms), results


@pytest.fixture(scope="module")
def build_triples(small_build):
    out, _ = small_build
    return sorted(_rdflib((out / "graph.ttl").read_bytes()))


_ODD_VALUES = [Literal(""), Literal("x"), Literal(-1), Literal(2), Literal("2.5",
               datatype=XSD.decimal), Literal("other"), URIRef("https://w3id.org/paperkg/x"),
               URIRef("https://w3id.org/paperkg/entity/LoRA")]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_shapes_find_what_the_nested_shapes_found(build_triples, data):
    graph = Graph()
    for triple in build_triples:
        graph.add(triple)
    for _ in range(data.draw(st.integers(1, 4))):
        subject, predicate, _ = data.draw(st.sampled_from(build_triples))
        if data.draw(st.booleans()):  # take a fact away
            graph.remove((subject, predicate, None))
        else:  # add a second or odd value
            graph.add((subject, predicate, data.draw(st.sampled_from(_ODD_VALUES))))
    now = _results(graph, ontology_text("shapes.ttl"))
    nested = _results(graph, (_FIXTURES / "shapes-nested.ttl").read_text(encoding="utf-8"))
    assert now == nested


def test_the_shapes_of_a_sound_build_find_nothing(build_triples):
    graph = Graph()
    for triple in build_triples:
        graph.add(triple)
    assert _results(graph, ontology_text("shapes.ttl")) == (True, set())
