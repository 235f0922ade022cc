"""RDF exports: parse back isomorphic, contract vocabulary, SHACL conformance."""

from __future__ import annotations

import io

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS, SKOS

from paperkg.export.rdf import write_rdf
from paperkg.export.shacl import validate_turtle

PK = Namespace("https://w3id.org/paperkg/ontology#")
DCT = Namespace("http://purl.org/dc/terms/")


@pytest.fixture(scope="module")
def turtle(small_build) -> Graph:
    out, _ = small_build
    return Graph().parse(out / "graph.ttl", format="turtle")


def test_turtle_and_jsonld_parse_back_isomorphic(small_build, turtle):
    out, _ = small_build
    jsonld = Graph().parse(out / "graph.jsonld", format="json-ld")
    assert len(turtle) > 100
    assert isomorphic(turtle, jsonld)


def test_ntriples_round_trip_and_second_parser(small_build, turtle):
    import pyoxigraph

    out, _ = small_build
    ntriples = io.StringIO()

    # the Turtle parses with a second, independent parser (Oxigraph) to the same triples
    ox_triples = list(pyoxigraph.parse(path=str(out / "graph.ttl")))
    assert len(ox_triples) == len(turtle)
    for triple in ox_triples:
        ntriples.write(f"{triple} .\n")
    assert isomorphic(turtle, Graph().parse(data=ntriples.getvalue(), format="nt"))


def test_every_specific_link_is_also_a_mention(turtle):
    for predicate in (PK.proposes, PK.evaluatesOn):
        for paper, entity in turtle.subject_objects(predicate):
            assert (paper, PK.mentions, entity) in turtle
    assert any(turtle.subject_objects(PK.proposes))
    assert any(turtle.subject_objects(PK.evaluatesOn))


def test_paper_and_entity_terms(turtle):
    paper = URIRef("https://w3id.org/paperkg/paper/arxiv-2305.14314")
    assert (paper, RDF.type, PK.Paper) in turtle
    assert (paper, PK.arxivId, Literal("2305.14314")) in turtle
    assert str(turtle.value(paper, DCT.title)).startswith("QLoRA")
    lora = URIRef("https://w3id.org/paperkg/entity/LoRA")
    assert (lora, RDF.type, PK.Technique) in turtle
    assert turtle.value(lora, RDFS.label) == Literal("LoRA")
    assert Literal("Low Rank Adapters") in set(turtle.objects(lora, SKOS.altLabel)) or any(
        turtle.objects(lora, SKOS.altLabel))
    assert int(turtle.value(lora, PK.support)) >= 2


def test_lineage_and_provenance(turtle):
    qlora = URIRef("https://w3id.org/paperkg/entity/QLoRA")
    lora = URIRef("https://w3id.org/paperkg/entity/LoRA")
    assert (qlora, PK.derivedFrom, lora) in turtle
    links = list(turtle.subjects(RDF.type, PK.MentionLink))
    assert links
    for link in links[:20]:
        assert turtle.value(link, PK.evidence) is not None
        assert 0 <= float(turtle.value(link, PK.confidence)) <= 1
        assert turtle.value(link, PK.rule) is not None


def test_build_conforms_to_shapes(small_build):
    out, report = small_build
    assert report.validation.startswith("conforms")
    conforms, _ = validate_turtle((out / "graph.ttl").read_bytes())
    assert conforms


def test_shapes_catch_a_second_label(small_build):
    out, _ = small_build
    graph = Graph().parse(out / "graph.ttl", format="turtle")
    graph.add((URIRef("https://w3id.org/paperkg/entity/LoRA"), RDFS.label, Literal("again")))
    conforms, report = validate_turtle(graph.serialize(format="turtle"))
    assert not conforms and "rdfs:label" in report


def test_shapes_catch_a_proposal_without_mention(small_build):
    out, _ = small_build
    graph = Graph().parse(out / "graph.ttl", format="turtle")
    paper = URIRef("https://w3id.org/paperkg/paper/arxiv-2305.14314")
    other = URIRef("https://w3id.org/paperkg/entity/GPT-3")
    assert (paper, PK.mentions, other) not in graph and (None, None, other) in graph
    graph.add((paper, PK.proposes, other))
    conforms, report = validate_turtle(graph.serialize(format="turtle"))
    assert not conforms and "without the matching pk:mentions" in report


def test_writers_escape_hostile_text(tmp_path):
    import networkx as nx
    import pyoxigraph

    from paperkg.vocab import mint

    nasty = 'quote " backslash \\ newline \n tab \t <b>&amp; \u0007 bell 模型 \U0001F600'
    graph = nx.MultiDiGraph()
    graph.add_node("paper:id:x", node_type="Paper", label=nasty, title=nasty, abstract=nasty,
                   date="2024-01-02", arxiv_id="", authors=(nasty,), iri=str(mint("paper", "id:x")))
    graph.add_node("entity:e", node_type="Model", label=nasty, kind="named", aliases=(nasty,),
                   support=1, iri=str(mint("entity", nasty)))
    graph.add_edge("paper:id:x", "entity:e", key="mentions", relation="mentions", evidence=nasty,
                   confidence=0.5, rule="r", field="abstract", start=0, end=1)
    parsed = []
    for fmt, rdflib_format in (("turtle", "turtle"), ("json-ld", "json-ld"), ("ntriples", "nt")):
        path = tmp_path / f"g.{fmt}"
        count = write_rdf(graph, str(path), fmt)
        parsed.append(Graph().parse(path, format=rdflib_format))
        assert len(parsed[-1]) == count
    assert isomorphic(parsed[0], parsed[1]) and isomorphic(parsed[0], parsed[2])
    assert Literal(nasty) in set(parsed[0].objects(None, DCT.title))
    oxigraph_parsed = pyoxigraph.parse(path=str(tmp_path / "g.turtle"),
                                       format=pyoxigraph.RdfFormat.TURTLE)
    assert len(list(oxigraph_parsed)) == len(parsed[0])


def test_structural_check_finds_what_shapes_forbid():
    import networkx as nx

    from paperkg.export.check import check_graph

    graph = nx.MultiDiGraph()
    graph.add_node("paper:p", node_type="Paper", title="T", abstract="A")
    graph.add_node("entity:e", node_type="Model", label="E", kind="named", support=1)
    graph.add_edge("paper:p", "entity:e", key="proposes", relation="proposes", confidence=0.9,
                   field="abstract", start=0, end=1)
    assert check_graph(graph) == ["paper:p -> entity:e: pk:proposes without the matching pk:mentions"]
    graph.add_edge("paper:p", "entity:e", key="mentions", relation="mentions", confidence=1.5,
                   field="abstract", start=0, end=1)
    assert check_graph(graph) == ["paper:p -> entity:e: pk:confidence must be within 0 and 1"]
