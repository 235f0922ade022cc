"""SHACL validation of a built graph against ``ontology/shapes.ttl``."""

from __future__ import annotations

import re
from importlib import resources as importlib_resources
from typing import Any

import pyoxigraph
import pyshacl
from pyparsing import ParserElement
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.plugins.sparql import prepareQuery

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
#: a datatype written ``^^xsd:string`` (or the full IRI): RDF 1.1 makes it the plain
#: literal, and pyoxigraph reads it so; rdflib keeps the two apart
_EXPLICIT_STRING = re.compile(rb"\^\^\s*\S*string")


def ontology_text(name: str) -> str:
    """The text of ``paperkg.ttl`` or ``shapes.ttl`` shipped with the package."""
    return (importlib_resources.files("paperkg") / "ontology" / name).read_text(encoding="utf-8")


class _PreparedQueries(Graph):
    """A graph that parses each SPARQL text once.

    pyshacl runs a SPARQL constraint by sending its text to the data graph once
    per focus node, and rdflib parses the text every time (22 ms with pyparsing):
    two thirds of validating the sample corpus went into parsing the same query
    572 times. A prepared query gives the same answers for each binding.
    """

    def __init__(self) -> None:
        super().__init__()
        self._prepared: dict[str, Any] = {}

    def query(self, query_object, processor="sparql", result="sparql",  # rdflib's signature
              initNs=None, initBindings=None, use_store_provided=True, **kwargs):  # noqa: N803
        if isinstance(query_object, str) and not initNs and "base" not in kwargs:
            prepared = self._prepared.get(query_object)
            if prepared is None:
                prepared = self._prepared[query_object] = prepareQuery(query_object)
                # with pyparsing's packrat cache on (matplotlib turns it on for the
                # whole process), the cache keeps the parse's exceptions, whose frames
                # keep every caller's alive: a build in a notebook kept its graph
                ParserElement.reset_cache()
            query_object = prepared
        return super().query(query_object, processor, result, initNs, initBindings,
                             use_store_provided, **kwargs)


def validate_turtle(data: bytes | str) -> tuple[bool, str]:
    """Validate Turtle data with pyshacl (ontology mixed in, so subclasses count).

    Returns whether it conforms and pyshacl's text report.
    """
    data_graph = _parsed(data)
    shapes = Graph().parse(data=ontology_text("shapes.ttl"), format="turtle")
    ontology = Graph().parse(data=ontology_text("paperkg.ttl"), format="turtle")
    conforms, _, report = pyshacl.validate(
        data_graph, shacl_graph=shapes, ont_graph=ontology, inference="none",
        advanced=True, allow_warnings=True,
        inplace=True,  # the graph was parsed for this check alone; no copy needed
    )
    return bool(conforms), str(report)


def _parsed(data: bytes | str) -> _PreparedQueries:
    """The data graph of Turtle ``data``, for pyshacl (an rdflib graph).

    pyoxigraph parses it and rdflib is handed the triples: about two fifths of the
    time of rdflib's own Turtle parser, which was a quarter of validating the
    sample corpus. The document's prefixes are bound as rdflib's parser binds
    them, so the report names nodes as before. rdflib's parser reads what
    pyoxigraph would read otherwise than rdflib (a datatype written
    ``xsd:string``, which pyoxigraph drops; RDF 1.2's base directions and triple
    terms) and what pyoxigraph refuses, and decides as before.
    """
    graph = _PreparedQueries()
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if _EXPLICIT_STRING.search(raw) is None:
        try:
            parser = pyoxigraph.parse(raw, format=pyoxigraph.RdfFormat.TURTLE)
            # each term converted once: a build's 37,000 triples have 11,000 distinct
            # terms, and rdflib's indexes find a term that is the same object faster
            term = _TermCache()
            triples = [(term(q.subject), term(q.predicate), term(q.object), graph)
                       for q in parser]
        except (SyntaxError, _NotRdflibs):
            pass
        else:
            for prefix, namespace in parser.prefixes.items():
                graph.bind(prefix, namespace)  # as rdflib's parser does
            graph.addN(triples)
            return graph
    return graph.parse(data=data, format="turtle")


class _TermCache(dict):
    """The rdflib term of each pyoxigraph term, converted once (:func:`_term`)."""

    def __call__(self, term):
        found = self.get(term)
        if found is None:
            found = self[term] = _term(term)
        return found


class _NotRdflibs(Exception):
    """A term rdflib's Turtle parser reads otherwise (or not at all)."""


def _term(term):
    """The rdflib term of a pyoxigraph term."""
    if isinstance(term, pyoxigraph.NamedNode):
        return URIRef(term.value)
    if isinstance(term, pyoxigraph.Literal):
        if term.direction is not None:
            raise _NotRdflibs(f"a base direction: {term}")
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value, datatype=None if datatype == _XSD_STRING else URIRef(datatype))
    if isinstance(term, pyoxigraph.BlankNode):
        return BNode(term.value)
    raise _NotRdflibs(f"a triple term: {term}")


def validate_turtle_file(path: str) -> tuple[bool, str]:
    """:func:`validate_turtle` of a file (a job for :mod:`paperkg.helper`: the path is
    sent to the helper process, not the text)."""
    with open(path, "rb") as stream:
        return validate_turtle(stream.read())
