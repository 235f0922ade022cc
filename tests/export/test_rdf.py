"""RDF exports: parse back isomorphic, contract vocabulary, SHACL conformance."""

from __future__ import annotations

import io
import re

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS, SKOS

from paperkg.export.rdf import (
    _ESCAPES,
    _NEEDS_ESCAPE,
    _SURROGATE,
    _link_name,
    _out_edges,
    _prefixed,
    _quote,
    write_rdf,
)
from paperkg.export.shacl import validate_turtle
from paperkg.vocab import mint_text

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
    """The SPARQL constraint runs once per paper (validate_turtle prepares its text
    once): each paper that breaks it is reported, and only those."""
    out, _ = small_build
    graph = Graph().parse(out / "graph.ttl", format="turtle")
    papers = sorted(set(graph.subjects(RDF.type, PK.Paper)))
    other = URIRef("https://w3id.org/paperkg/entity/GPT-3")
    assert (None, None, other) in graph
    broken = [p for p in papers if (p, PK.mentions, other) not in graph][:2]
    assert len(broken) == 2 and len(papers) > 2
    for paper in broken:
        graph.add((paper, PK.proposes, other))
    conforms, report = validate_turtle(graph.serialize(format="turtle"))
    assert not conforms and report.count("Message: pk:proposes or pk:evaluatesOn without") == 2
    focus = re.findall(r"Focus Node: paper:(\S+)", report)
    assert sorted(focus) == sorted(p.rsplit("/", 1)[1] for p in broken)


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


def test_structural_check_of_some_nodes_checks_them_and_their_edges():
    import networkx as nx

    from paperkg.export.check import check_graph

    graph = nx.MultiDiGraph()
    graph.add_node("paper:p", node_type="Paper", title="", abstract="A")
    graph.add_node("paper:q", node_type="Paper", title="Q", abstract="A")
    graph.add_node("entity:e", node_type="Gadget", label="E", kind="named", support=1)
    graph.add_edge("paper:q", "entity:e", key="mentions", relation="mentions", confidence=2.0,
                   field="abstract", start=0, end=1)
    assert check_graph(graph, nodes=[]) == []
    assert check_graph(graph, nodes=["paper:p"]) == \
        ["paper:p: dcterms:title must be a non-empty string"]
    assert check_graph(graph, nodes=["entity:e"]) == ["entity:e: unknown node type 'Gadget'"]
    assert check_graph(graph, nodes=["paper:q"]) == [
        "paper:q -> entity:e: pk:mentions must point at a research entity",
        "paper:q -> entity:e: pk:confidence must be within 0 and 1"]
    assert len(check_graph(graph)) == 4


def _synthetic_graph(papers: int):
    """``papers`` papers, each mentioning three of 50 entities, with some lineage."""
    import networkx as nx

    from paperkg.vocab import mint

    graph = nx.MultiDiGraph()
    for e in range(50):
        graph.add_node(f"entity:E{e}", node_type="Model", label=f"E{e}", kind="named",
                       aliases=(f"Entity {e}",), support=papers // 10,
                       iri=str(mint("entity", f"E{e}")))
        if e:
            graph.add_edge(f"entity:E{e}", f"entity:E{e - 1}", key="derivedFrom",
                           relation="derivedFrom", evidence=f"E{e} extends E{e - 1}.",
                           rule="naming", papers=(f"id:{e}",))
    for p in range(papers):
        node = f"paper:id:{p}"
        graph.add_node(node, node_type="Paper", label=f"Paper {p}", title=f"Paper {p}",
                       abstract=f"We study E{p % 50}. " * 20, date="2024-01-02", arxiv_id="",
                       authors=("A. Author",), iri=str(mint("paper", f"id:{p}")))
        for e in (p % 50, (p * 7) % 50, (p * 13 + 1) % 50):
            graph.add_edge(node, f"entity:E{e}", key="mentions", relation="mentions",
                           evidence=f"We study E{e}.", confidence=0.9, rule="gazetteer",
                           field="abstract", start=9, end=11)
    return graph


def test_writing_several_formats_at_once_gives_the_same_files(tmp_path, small_build):
    from paperkg.export.rdf import write_rdf_files

    graph = _synthetic_graph(40)
    one_pass = {"turtle": tmp_path / "all.ttl", "json-ld": tmp_path / "all.jsonld",
                "ntriples": tmp_path / "all.nt"}
    count = write_rdf_files(graph, one_pass)
    for fmt, path in one_pass.items():
        alone = tmp_path / f"alone.{fmt}"
        assert write_rdf(graph, str(alone), fmt) == count
        assert path.read_bytes() == alone.read_bytes(), fmt
    with pytest.raises(ValueError, match="unknown RDF format 'xml'"):
        write_rdf_files(graph, {"turtle": tmp_path / "x.ttl", "xml": tmp_path / "x.xml"})
    assert not (tmp_path / "x.ttl").exists()  # nothing is opened before the formats are checked


def _count_calls(helper, after: int | None = None):
    """Count ``helper``'s jobs; after ``after`` of them, kill its process."""
    submit = helper.submit

    def counted(fn, *args, **kwargs):
        helper.calls += 1
        if after is not None and helper.calls == after + 1:
            helper._process.kill()
            helper._process.wait()
        return submit(fn, *args, **kwargs)

    helper.calls = 0
    helper.submit = counted


@pytest.mark.parametrize("dies_after", [None, 1])
def test_a_helper_formats_part_of_the_files_with_the_same_bytes(tmp_path, monkeypatch,
                                                                dies_after):
    """With a helper, some batches are formatted there and some here, in whatever
    mix the two processes' pace gives; the files are the same bytes. A helper
    that dies mid-way leaves its batches to this process."""
    from paperkg.export import rdf
    from paperkg.helper import Helper

    monkeypatch.setattr(rdf, "BATCH", 16)  # many batches from a small graph
    graph = _synthetic_graph(150)
    paths = {fmt: tmp_path / f"alone.{fmt}" for fmt in rdf.FORMATS}
    count = rdf.write_rdf_files(graph, paths)
    split = {fmt: tmp_path / f"split.{fmt}" for fmt in rdf.FORMATS}
    with Helper(enabled=True) as helper:
        if dies_after is not None:  # started, so that it surely gets a second batch
            helper.submit(len, "warm up").result()
        _count_calls(helper, dies_after)
        assert rdf.write_rdf_files(graph, split, helper=helper) == count
        answered = helper._next
    batches = -(-len(list(rdf._subjects(graph))) // rdf.BATCH)
    assert 0 < helper.calls < batches  # both processes formatted batches
    if dies_after is None:
        assert answered == helper.calls
    else:
        assert answered <= dies_after + 1 and not helper.enabled  # + 1: the warm-up
    for fmt in rdf.FORMATS:
        assert split[fmt].read_bytes() == paths[fmt].read_bytes(), fmt


def wait_for(path: str) -> bool:
    """A helper's job that lasts until ``path`` exists (ten seconds at most)."""
    import os
    import time

    deadline = time.monotonic() + 10
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.01)
    return os.path.exists(path)


def test_no_batch_waits_behind_a_job_the_helper_had_before(tmp_path, monkeypatch):
    """A build hands the helper the view's layout first: batches sent behind it
    would wait for it, and the batches after them too, as they are written in
    order. The helper gets batches only once its other jobs are done."""
    from paperkg.export import rdf
    from paperkg.helper import Helper

    monkeypatch.setattr(rdf, "BATCH", 16)
    graph = _synthetic_graph(150)
    alone = tmp_path / "alone.ttl"
    rdf.write_rdf_files(graph, {"turtle": alone})
    with Helper(enabled=True) as helper:
        go = tmp_path / "go"
        busy = helper.submit(wait_for, str(go))
        _count_calls(helper)
        rdf.write_rdf_files(graph, {"turtle": tmp_path / "split.ttl"}, helper=helper)
        assert helper.calls == 0
        go.touch()
        assert busy.result()  # it was still waiting: the file came after the RDF
        _count_calls(helper)
        rdf.write_rdf_files(graph, {"turtle": tmp_path / "split.ttl"}, helper=helper)
        assert helper.calls > 0  # and once it is done, the helper takes batches
    assert (tmp_path / "split.ttl").read_bytes() == alone.read_bytes()


def test_writers_hold_a_batch_of_subjects_not_the_graph(monkeypatch):
    """Writing costs memory for a batch of subjects, not for the whole graph:
    the peak allocated while writing stays far below the text written, and does
    not grow with the number of papers (batches smaller than a build's, so that
    small graphs show it)."""
    import tracemalloc

    from paperkg.export import rdf

    monkeypatch.setattr(rdf, "BATCH", 64)

    class Counting(io.TextIOBase):
        def __init__(self):
            self.chars = 0

        def write(self, text):
            self.chars += len(text)
            return len(text)

    # the formatters' caches are bounded; filled first, so that what is measured
    # is what writing holds, whatever tests ran before
    write_rdf(_synthetic_graph(2000), Counting(), "turtle")
    peaks, sizes = [], []
    for papers in (2000, 8000):
        graph = _synthetic_graph(papers)
        sink = Counting()
        tracemalloc.start()
        write_rdf(graph, sink, "turtle")
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        sizes.append(sink.chars)
    assert sizes[1] > 3.5 * sizes[0]
    assert peaks[1] < 0.2 * sizes[1]
    assert peaks[1] < 1.5 * peaks[0]


@pytest.mark.parametrize("date,typed", [("2024-02-29", True), ("2023-02-30", False),
                                        ("2023-13-45", False), ("spring 2024", False)])
def test_only_real_calendar_dates_are_typed_xsd_date(date, typed):
    import networkx as nx
    from rdflib.namespace import XSD

    from paperkg.vocab import mint

    graph = nx.MultiDiGraph()
    graph.add_node("paper:id:x", node_type="Paper", title="T", abstract="A", date=date,
                   arxiv_id="", authors=(), iri=str(mint("paper", "id:x")))
    out = io.StringIO()
    write_rdf(graph, out, "turtle")
    [value] = Graph().parse(data=out.getvalue(), format="turtle").objects(None, DCT.date)
    assert str(value) == date
    assert (value.datatype == XSD.date) is typed
    assert value.datatype in (XSD.date, None)


_any_text = st.text(st.characters(), max_size=40)  # surrogates, controls, quotes, markup
_key_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)  # as ingest keeps


@given(paper=_key_text, entity=_key_text, relation=st.sampled_from(["mentions", "proposes",
                                                                    "evaluatesOn"]),
       evidence=_any_text, field=_any_text, rule=_any_text,
       start=st.integers(-10, 10**9), end=st.integers(-10, 10**9),
       confidence=st.floats(allow_nan=True, allow_infinity=True))
def test_mention_link_templates_print_what_the_generic_formatters_print(
        paper, entity, relation, evidence, field, rule, start, end, confidence):
    """Four in five subjects are mention links, printed from a template per format; the
    text must be the generic formatter's, byte for byte, for any values."""
    import networkx as nx

    from paperkg.export import rdf
    from paperkg.vocab import mint_text

    graph = nx.MultiDiGraph()
    graph.add_node(f"paper:id:{paper}", iri=mint_text("paper", f"id:{paper}"))
    graph.add_node(f"entity:{entity}", iri=mint_text("entity", entity))
    row = rdf._link(rdf._raw_link(
        graph.nodes[f"paper:id:{paper}"], graph.nodes[f"entity:{entity}"], f"id:{paper}",
        entity, {"relation": relation, "evidence": evidence, "field": field, "start": start,
                 "end": end, "rule": rule, "confidence": confidence}))
    for fmt in rdf.FORMATS:
        fast, generic = rdf._FORMATTERS[fmt](), rdf._FORMATTERS[fmt]()
        for _ in range(2):  # JSON-LD separates the second node from the first
            assert fast.mention_link(row) == generic.block(row.subject, row.pairs())


def _old_quote(value: str) -> str:
    """:func:`paperkg.export.rdf._quote` before printable text skipped the search."""
    if _NEEDS_ESCAPE.search(value) is None:
        return '"' + value + '"'
    return '"' + _SURROGATE.sub("\ufffd", value).translate(_ESCAPES) + '"'


# what needs escaping, and what is not printable yet needs none (a no-break space, a
# line separator, a soft hyphen, a zero-width space, an unassigned code point)
@settings(max_examples=800, deadline=None)
@given(st.text(alphabet=st.sampled_from(
    'a "\\\n\r\t\x00\x1f\x7f\ufffe\uffff\ud800\udfff\u00a0\u2028\u00ad\u200b\u0378é模')))
def test_a_literal_is_quoted_as_the_search_for_escapes_quoted_it(value):
    assert _quote(value) == _old_quote(value)


_RELATIONS = ["mentions", "proposes", "evaluatesOn", "derivedFrom"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcde"), st.sampled_from(_RELATIONS)), max_size=12))
def test_a_nodes_edges_come_by_target_then_relation_as_one_sort_gave(edges):
    graph = nx.MultiDiGraph()
    graph.add_node("n")
    for target, relation in edges:
        graph.add_edge("n", target, key=relation, relation=relation)
    succ = graph._succ
    before = [(t, a) for t, keyed in succ["n"].items() for a in keyed.values()]
    before.sort(key=lambda edge: (edge[0], edge[1]["relation"]))
    assert [(t, id(a)) for t, a in _out_edges(succ, "n")] == [(t, id(a)) for t, a in before]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("aZ9|:_-.~/# é"), max_size=30))
def test_a_links_prefixed_name_is_the_one_the_base_search_gives(key):
    iri = mint_text("link", key)
    assert _link_name(iri) == _prefixed(iri)
