"""IRI minting and RDF text under hostile input (property tests)."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata

import networkx as nx
import pyoxigraph
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, RDFS

from paperkg.export.rdf import write_rdf
from paperkg.vocab import PK, mint, slug

texts = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60)
# titles and names with quotes, brackets, newlines, backslashes, markup and other scripts
hostile = st.sampled_from(['a "quoted" <b>name</b>', 'back\\slash\nnew line', '<script>alert(1)</script>',
                          '模型 نموذج модель', 'x\\u0022y', '\t\r\x0b\x00'])


@given(texts)
def test_minted_iris_are_valid_and_stable(key):
    for kind in ("paper", "entity", "link"):
        iri = mint(kind, key if kind != "paper" else f"id:{key}")
        assert iri == mint(kind, key if kind != "paper" else f"id:{key}")
        pyoxigraph.NamedNode(str(iri))  # raises on an invalid IRI
        assert all(c not in str(iri) for c in ' <>"{}|\\^`\n')


@given(texts, texts)
@example("row 1", "row_1")  # two papers whose ids differ in a space and an underscore
def test_distinct_paper_ids_get_distinct_iris(a, b):
    if a != b:
        assert mint("paper", f"id:{a}") != mint("paper", f"id:{b}")
        assert slug(a) != slug(b) or a.replace(" ", "_") == b.replace(" ", "_")


def test_entity_iris_keep_their_underscores():
    """Entity keys already write spaces as "_": their IRIs stay as they were."""
    assert str(mint("entity", "3D_parallelism")).endswith("/entity/3D_parallelism")


def test_unknown_iri_kind_and_term_are_refused():
    import pytest

    with pytest.raises(ValueError, match="entity"):
        mint("person", "x")
    with pytest.raises(AttributeError):
        PK.mentionz  # noqa: B018 - a typo must raise, not mint a new term


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=st.one_of(texts, hostile), label=st.one_of(texts, hostile), evidence=texts)
def test_any_text_stays_valid_rdf_in_every_format(title, label, evidence):
    graph = nx.MultiDiGraph()
    graph.add_node("paper:id:x", node_type="Paper", label=title, title=title, abstract=evidence,
                   date="", arxiv_id="", authors=(label,), iri=str(mint("paper", "id:x")))
    graph.add_node("entity:e", node_type="Technique", label=label, kind="named",
                   aliases=(title,), support=1, iri=str(mint("entity", label)))
    graph.add_edge("paper:id:x", "entity:e", key="mentions", relation="mentions",
                   evidence=evidence, confidence=0.5, rule="r", field="abstract", start=0, end=1)
    parsed = {}
    for fmt, parser in (("turtle", "turtle"), ("json-ld", "json-ld"), ("ntriples", "nt")):
        buffer = io.StringIO()
        count = write_rdf(graph, buffer, fmt)
        parsed[fmt] = Graph().parse(data=buffer.getvalue(), format=parser)
        assert len(parsed[fmt]) == count
    assert isomorphic(parsed["turtle"], parsed["json-ld"])
    assert isomorphic(parsed["turtle"], parsed["ntriples"])
    oxigraph = list(pyoxigraph.parse(io.BytesIO(_turtle(graph)), pyoxigraph.RdfFormat.TURTLE))
    assert len(oxigraph) == len(parsed["turtle"])
    entity = URIRef(str(mint("entity", label)))
    assert str(parsed["turtle"].value(entity, RDFS.label)) == label
    paper = URIRef(str(mint("paper", "id:x")))
    assert (paper, DCTERMS.title, Literal(title)) in parsed["turtle"]


def _turtle(graph) -> bytes:
    buffer = io.StringIO()
    write_rdf(graph, buffer, "turtle")
    return buffer.getvalue().encode("utf-8")



def _old_slug(text: str, underscores_are_spaces: bool) -> str:
    """:func:`slug` as it folded every text (before ASCII text skipped the folding)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    cleaned = re.sub(r"[^A-Za-z0-9._~-]+", "_", folded).strip("_.~-")[:80]
    if cleaned and cleaned == text.replace(" ", "_") and not (
            underscores_are_spaces and "_" in text):
        return cleaned
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
    return f"{cleaned}_{digest}" if cleaned else digest


@settings(max_examples=800, deadline=None)
@given(st.text(alphabet=st.sampled_from(
    "aZ9 _-.~|:/\x00\x7f" "\u00e9\u00c5\ufb01\u2460\u00bd\u0301\u212b")), st.booleans())
def test_a_slug_is_what_folding_every_text_gave(text, underscores):
    assert slug(text, underscores_are_spaces=underscores) == _old_slug(text, underscores)
