"""RDF export (Turtle, JSON-LD, N-Triples) in the contract's vocabulary.

:func:`describe` turns the graph into subjects with their predicate-object
pairs, in a fixed order, one subject at a time; one small formatter per format
prints them, and :func:`write_rdf_files` feeds several formats from one pass
over the graph. Mention links, four in five subjects of a build, are printed
from one template per format (:class:`MentionLinkRow`). Writing the
text directly is about ten times faster than building term objects (rdflib or
pyoxigraph) for the millions of triples a 100k-paper build has, and keeps the
output byte-identical for the same graph. Tests parse every format back with
rdflib and compare graphs.

>>> import io, networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_node("entity:LoRA", node_type="Technique", label="LoRA", kind="named",
...            aliases=("Low-Rank Adaptation",), support=2, iri=mint_text("entity", "LoRA"))
>>> out = io.StringIO(); write_rdf(g, out, "ntriples")
5
>>> print(out.getvalue().splitlines()[1])
<https://w3id.org/paperkg/entity/LoRA> <http://www.w3.org/2000/01/rdf-schema#label> "LoRA" .
"""

from __future__ import annotations

import datetime
import json
import re
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO, NamedTuple, TextIO

import networkx as nx
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from paperkg.export.batches import Sizes, batched, encode_items, encoded_writer, in_order
from paperkg.helper import Helper
from paperkg.vocab import LINK_BASE, PK, PREFIXES, mint_text

FORMATS = ("turtle", "json-ld", "ntriples")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

TYPE, LABEL, ALT = str(RDF.type), str(RDFS.label), str(SKOS.altLabel)
TITLE, ABSTRACT, IDENTIFIER = str(DCTERMS.title), str(DCTERMS.abstract), str(DCTERMS.identifier)
DATE, CREATOR = str(DCTERMS.date), str(DCTERMS.creator)
INTEGER, DECIMAL, XSD_DATE = str(XSD.integer), str(XSD.decimal), str(XSD.date)


@dataclass(frozen=True, slots=True)
class Literal:
    """A literal object; ``datatype`` None means a plain string."""

    value: str
    datatype: str | None = None

    def __reduce__(self):
        # a helper process is sent millions: this pickles in half the time of the
        # dataclass's own state methods
        return Literal, (self.value, self.datatype)


Term = str | Literal  # an IRI (str) or a literal
Description = tuple[str, list[tuple[str, Term]]]


_TERMS = ("Paper", "Model", "Dataset", "Benchmark", "Technique", "MentionLink", "LineageLink",
          "mentions", "proposes", "evaluatesOn", "derivedFrom", "arxivId", "kind", "support",
          "paper", "entity", "relation", "evidence", "field", "startOffset", "endOffset", "rule",
          "confidence", "child", "parent", "sourcePaper")
#: the IRI text of each term, looked up once (``PK[name]`` costs a microsecond a call)
_PK_IRI = {name: str(PK[name]) for name in _TERMS}


def _pk(name: str) -> str:
    return _PK_IRI[name]


def _paper(key: str, data: dict) -> Description:
    pairs: list[tuple[str, Term]] = [
        (TYPE, _pk("Paper")),
        (TITLE, Literal(data["title"])),
        (ABSTRACT, Literal(data["abstract"])),
        (IDENTIFIER, Literal(key)),
    ]
    if data["date"]:
        date = data["date"]
        pairs.append((DATE, Literal(date, XSD_DATE if _is_iso_date(date) else None)))
    pairs += [(CREATOR, Literal(author)) for author in data["authors"]]
    if data["arxiv_id"]:
        pairs.append((_pk("arxivId"), Literal(data["arxiv_id"])))
    return data["iri"], pairs


@lru_cache(maxsize=4096)
def _is_iso_date(text: str) -> bool:
    """Is ``text`` a real calendar date ``YYYY-MM-DD`` (typed ``xsd:date``)? Inputs may
    hold "2023-02-30" or "2023-13-45"; those stay plain strings, as "spring 2024" does.

    >>> _is_iso_date("2024-02-29"), _is_iso_date("2023-02-30"), _is_iso_date("2023-13-45")
    (True, False, False)
    """
    if not _ISO_DATE.match(text):
        return False
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _entity(data: dict) -> Description:
    pairs: list[tuple[str, Term]] = [(TYPE, _pk(data["node_type"])),
                                     (LABEL, Literal(data["label"]))]
    pairs += [(ALT, Literal(alias)) for alias in data["aliases"]]
    pairs += [(_pk("kind"), Literal(data["kind"])),
              (_pk("support"), Literal(str(int(data["support"])), INTEGER))]
    return data["iri"], pairs


class MentionLinkRow(NamedTuple):
    """A ``pk:MentionLink`` node, kept as its values: four in five subjects of a
    build are these, and each format prints them from one template instead of
    ten predicate-object pairs (:meth:`pairs` gives the pairs)."""

    subject: str
    paper: str
    entity: str
    relation: str
    evidence: str
    field: str
    start: int
    end: int
    rule: str
    #: formatted with two decimals, as the ``xsd:decimal`` literal shows it
    confidence: str

    def pairs(self) -> list[tuple[str, Term]]:
        return [
            (TYPE, _pk("MentionLink")),
            (_pk("paper"), self.paper),
            (_pk("entity"), self.entity),
            (_pk("relation"), self.relation),
            (_pk("evidence"), Literal(self.evidence)),
            (_pk("field"), Literal(self.field)),
            (_pk("startOffset"), Literal(str(self.start), INTEGER)),
            (_pk("endOffset"), Literal(str(self.end), INTEGER)),
            (_pk("rule"), Literal(self.rule)),
            (_pk("confidence"), Literal(self.confidence, DECIMAL)),
        ]


#: a mention link as the walk yields it: (paper key, entity key, paper IRI, entity
#: IRI, relation, evidence, field, start, end, rule, confidence), a plain tuple that
#: pickles fast for a helper process; :func:`_link` makes the row to print
RawLink = tuple


def _raw_link(paper: dict, entity: dict, paper_key: str, entity_key: str,
              attrs: dict) -> RawLink:
    return (paper_key, entity_key, paper["iri"], entity["iri"], attrs["relation"],
            attrs["evidence"], attrs["field"], attrs["start"], attrs["end"], attrs["rule"],
            attrs["confidence"])


def _link(raw: RawLink) -> MentionLinkRow:
    """The row of a mention link: its IRI minted, its values as printed."""
    (paper_key, entity_key, paper, entity, relation, evidence, field, start, end, rule,
     confidence) = raw
    return MentionLinkRow(
        mint_text("link", f"{paper_key}|{entity_key}|{relation}"), paper, entity,
        _pk(relation), evidence, field, int(start), int(end), rule, f"{confidence:.2f}")


def _lineage(nodes: dict, child: dict, parent: dict, child_key: str,
             parent_key: str, attrs: dict) -> Description:
    node = mint_text("link", f"lineage|{child_key}|{parent_key}")
    pairs: list[tuple[str, Term]] = [
        (TYPE, _pk("LineageLink")),
        (_pk("child"), child["iri"]),
        (_pk("parent"), parent["iri"]),
        (_pk("evidence"), Literal(attrs["evidence"])),
        (_pk("rule"), Literal(attrs["rule"])),
    ]
    for paper_key in attrs["papers"]:
        paper = nodes.get(f"paper:{paper_key}")
        if paper is not None:
            pairs.append((_pk("sourcePaper"), paper["iri"]))
    return node, pairs


def describe(graph: nx.MultiDiGraph) -> Iterator[Description]:
    """Every subject of the graph's RDF with its predicate-object pairs.

    Papers and entities come in node-id order, each with its outgoing links
    (``pk:mentions``... for papers, ``pk:derivedFrom`` for entities) folded in,
    then the provenance nodes in the same order. Nothing is collected for the
    whole graph: one node's description at a time, so exporting a large graph
    costs no memory beyond the graph.
    """
    for item in _subjects(graph):
        if len(item) == 2:
            yield item
        else:
            row = _link(item)
            yield row.subject, row.pairs()


def _subjects(graph: nx.MultiDiGraph) -> Iterator[Description | RawLink]:
    """:func:`describe`, with the mention links as :data:`RawLink` tuples (a
    description is a pair, a link longer): each node's description in node-id
    order (:func:`node_description`), then each node's links in the same order
    (:func:`node_links`).

    The walk reads the graph's own dictionaries (``_node``, ``_succ``, as networkx's
    algorithms do): its read-only views cost a fifth of the walk over a million links.
    """
    nodes, succ = graph._node, graph._succ
    order = sorted(nodes)
    for node_id in order:
        yield node_description(nodes, succ, node_id)
    for node_id in order:
        yield from node_links(nodes, succ, node_id)


def node_description(nodes: dict, succ: dict, node_id: str) -> Description:
    """A node's subject and pairs, its outgoing links folded in (``nodes``, ``succ``:
    the graph's ``_node`` and ``_succ``). It depends on nothing but the node's id,
    data and outgoing edges."""
    data = nodes[node_id]
    if data["node_type"] == "Paper":
        subject, pairs = _paper(node_id.split(":", 1)[1], data)
    else:
        subject, pairs = _entity(data)
    pairs += [(_pk(attrs["relation"]), nodes[target]["iri"])
              for target, attrs in _out_edges(succ, node_id)]
    return subject, pairs


def node_links(nodes: dict, succ: dict, node_id: str) -> list[Description | RawLink]:
    """The provenance nodes of a node's outgoing edges: a paper's mention links, an
    entity's lineage links. They depend on nothing but the node's id, data and
    outgoing edges, and on which of the papers a lineage link names are in the graph."""
    src, src_key = nodes[node_id], node_id.split(":", 1)[1]
    links: list[Description | RawLink] = []
    for target, attrs in _out_edges(succ, node_id):
        dst, dst_key = nodes[target], target.split(":", 1)[1]
        if attrs["relation"] == "derivedFrom":
            links.append(_lineage(nodes, src, dst, src_key, dst_key, attrs))
        else:
            links.append(_raw_link(src, dst, src_key, dst_key, attrs))
    return links


def _out_edges(succ: dict, node_id: str) -> list[tuple[str, dict]]:
    """The edges leaving ``node_id`` as (target, attributes), by target and relation
    (``succ``: a multigraph's ``_succ``)."""
    out = succ[node_id]
    edges = []
    for target in sorted(out):  # targets differ: no key function but for one target's edges
        keyed = out[target]
        if len(keyed) == 1:
            edges += [(target, attrs) for attrs in keyed.values()]
        else:
            edges += sorted(((target, attrs) for attrs in keyed.values()), key=_relation)
    return edges


def _relation(edge: tuple[str, dict]) -> str:
    return edge[1]["relation"]


# -- writers --------------------------------------------------------------------
_ESCAPES = {ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r",
            ord("\t"): "\\t", ord("\b"): "\\b", ord("\f"): "\\f"}
_ESCAPES.update({c: f"\\u{c:04X}" for c in range(0x20) if c not in _ESCAPES})
_ESCAPES.update({0x7F: "\\u007F", 0xFFFE: "\\uFFFE", 0xFFFF: "\\uFFFF"})
_SURROGATE = re.compile("[\ud800-\udfff]")
_LOCAL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?$")
_NAMES = {"paper": "https://w3id.org/paperkg/paper/",
          "entity": "https://w3id.org/paperkg/entity/",
          "link": "https://w3id.org/paperkg/link/"}
TURTLE_PREFIXES = {**PREFIXES, **_NAMES}


_NEEDS_ESCAPE = re.compile('[\\\\"\x00-\x1f\x7f\ufffe\uffff\ud800-\udfff]')


def _quote(value: str) -> str:
    if value.isprintable():
        # no control character, surrogate or non-character (most literals): a quote
        # and a backslash are all it may need escaped
        if '"' in value or "\\" in value:
            value = value.replace("\\", "\\\\").replace('"', '\\"')
        return '"' + value + '"'
    if _NEEDS_ESCAPE.search(value) is None:
        return '"' + value + '"'
    return '"' + _SURROGATE.sub("\ufffd", value).translate(_ESCAPES) + '"'


def _nt_term(term: Term) -> str:
    if isinstance(term, Literal):
        text = _quote(term.value)
        return f"{text}^^<{term.datatype}>" if term.datatype else text
    return f"<{term}>"


#: every base ends with "/" or "#", and a local name has neither, so the base of an
#: IRI that has a prefixed name is its text up to the last "/" or "#"
_PREFIX_OF_BASE = {base: prefix for prefix, base in TURTLE_PREFIXES.items()}


def _prefixed(iri: str) -> str:
    """The prefixed name of ``iri`` when it has a safe one."""
    cut = max(iri.rfind("/"), iri.rfind("#")) + 1
    prefix, local = _PREFIX_OF_BASE.get(iri[:cut]), iri[cut:]
    if prefix is not None and _LOCAL.match(local):
        return f"{prefix}:{local}"
    return f"<{iri}>"


def _link_name(iri: str) -> str:
    """:func:`_prefixed` of a link's IRI, ``LINK_BASE`` and a slug (no "/" or "#"):
    the base need not be looked for."""
    local = iri[_LINK_BASE_LENGTH:]
    return "link:" + local if _LOCAL.match(local) else f"<{iri}>"


_LINK_BASE_LENGTH = len(LINK_BASE)


#: :func:`_prefixed`, cached for predicates, classes and the entities and papers in hand: a
#: small cache serves most calls and stays small on any graph (link IRIs, each printed
#: once, skip it: they would push the others out)
_short = lru_cache(maxsize=1024)(_prefixed)


def _ttl_term(term: Term) -> str:
    if isinstance(term, Literal):
        text = _quote(term.value)
        return f"{text}^^{_short(term.datatype)}" if term.datatype else text
    return _short(term)


class _NTriples:
    def start(self) -> str:
        return ""

    def block(self, subject: str, pairs: list[tuple[str, Term]]) -> str:
        s = f"<{subject}>"
        return "".join(f"{s} <{p}> {_nt_term(o)} .\n" for p, o in pairs)

    def mention_link(self, row: MentionLinkRow) -> str:
        return self.block(row.subject, row.pairs())

    def end(self) -> str:
        return ""


class _Turtle:
    def start(self) -> str:
        return "".join(f"@prefix {prefix}: <{base}> .\n"
                       for prefix, base in TURTLE_PREFIXES.items())

    def block(self, subject: str, pairs: list[tuple[str, Term]]) -> str:
        lines = [f"{'a' if p == TYPE else _short(p)} {_ttl_term(o)}" for p, o in pairs]
        return f"\n{_short(subject)} " + " ;\n    ".join(lines) + " .\n"

    def mention_link(self, row: MentionLinkRow) -> str:
        """:meth:`block` of ``row.pairs()``, from a template (tests compare the two)."""
        return _TURTLE_LINK.format(
            _link_name(row.subject), _short(row.paper), _short(row.entity), _short(row.relation),
            _quote(row.evidence), _quote(row.field), row.start, row.end, _quote(row.rule),
            row.confidence)

    def end(self) -> str:
        return ""


class _JsonLd:
    """A ``@context`` of the prefixes and a ``@graph`` of node objects."""

    def __init__(self) -> None:
        self.first = True

    def start(self) -> str:
        context = {prefix: base for prefix, base in sorted(PREFIXES.items())}
        return '{"@context": ' + json.dumps(context, sort_keys=True) + ',\n "@graph": ['

    def block(self, subject: str, pairs: list[tuple[str, Term]]) -> str:
        """The node object as ``json.dumps(..., ensure_ascii=False)`` prints it, put
        together from encoded strings (twice as fast as building dicts to dump)."""
        keys: dict[str, list[str]] = {}
        for predicate, obj in pairs:
            if predicate == TYPE:
                keys.setdefault("@type", []).append(_json_string(_short(obj)))
            else:
                keys.setdefault(_short(predicate).strip("<>"), []).append(_json_value(obj))
        members = [f'"@id": {_json_string(subject)}']
        members += [f"{_json_string(key)}: [{', '.join(values)}]" for key, values in keys.items()]
        separator = "\n  " if self.first else ",\n  "
        self.first = False
        return separator + "{" + ", ".join(members) + "}"

    def mention_link(self, row: MentionLinkRow) -> str:
        """:meth:`block` of ``row.pairs()``, from a template (tests compare the two)."""
        separator = "\n  " if self.first else ",\n  "
        self.first = False
        return separator + _JSON_LD_LINK.format(
            _json_string(row.subject), _json_string(row.paper), _json_string(row.entity),
            _json_string(row.relation), _json_string(row.evidence), _json_string(row.field),
            row.start, row.end, _json_string(row.rule), row.confidence)

    def end(self) -> str:
        return "\n]}\n"


#: a JSON string literal, as ``json.dumps(text, ensure_ascii=False)`` writes it
_json_string = json.encoder.encode_basestring


#: a mention link as :class:`_Turtle` and :class:`_JsonLd` print its pairs, with ``{}``
#: for its values (tests check the templates against the generic formatters)
_TURTLE_LINK = """
{} a pk:MentionLink ;
    pk:paper {} ;
    pk:entity {} ;
    pk:relation {} ;
    pk:evidence {} ;
    pk:field {} ;
    pk:startOffset "{}"^^xsd:integer ;
    pk:endOffset "{}"^^xsd:integer ;
    pk:rule {} ;
    pk:confidence "{}"^^xsd:decimal .
"""
_JSON_LD_LINK = (
    '{{"@id": {}, "@type": ["pk:MentionLink"], "pk:paper": [{{"@id": {}}}], '
    '"pk:entity": [{{"@id": {}}}], "pk:relation": [{{"@id": {}}}], "pk:evidence": [{}], '
    '"pk:field": [{}], "pk:startOffset": [{{"@value": "{}", "@type": "xsd:integer"}}], '
    '"pk:endOffset": [{{"@value": "{}", "@type": "xsd:integer"}}], "pk:rule": [{}], '
    '"pk:confidence": [{{"@value": "{}", "@type": "xsd:decimal"}}]}}')


def _json_value(term: Term) -> str:
    if isinstance(term, Literal):
        if term.datatype is None:
            return _json_string(term.value)
        datatype = _json_string(_short(term.datatype))
        return f'{{"@value": {_json_string(term.value)}, "@type": {datatype}}}'
    return f'{{"@id": {_json_string(term)}}}'


_FORMATTERS = {"turtle": _Turtle, "json-ld": _JsonLd, "ntriples": _NTriples}


def write_rdf_streams(graph: nx.MultiDiGraph, streams: dict[str, IO], *,
                      helper: Helper | None = None, sizes: Sizes | None = None) -> int:
    """Write ``graph`` in several formats at once (``{format: stream}``, text or
    binary streams), describing it once; returns the number of triples.

    With a running ``helper``, part of the batches of subjects are formatted in
    the helper process while this one walks the graph (see
    :func:`paperkg.export.batches.in_order`); the bytes are the same. ``sizes``
    gets each subject's bytes in each format and its triples.
    """
    formats = tuple(streams)
    writes = [encoded_writer(stream) for stream in streams.values()]
    for fmt, write in zip(formats, writes, strict=True):
        head = start_text(fmt)
        write(head)
        if sizes is not None:
            sizes.heads[fmt] = len(head)
    count = 0

    def calls() -> Iterator[tuple]:
        nonlocal count
        for index, batch in enumerate(batched(_subjects(graph), BATCH)):
            triples = [subject_triples(item) for item in batch]
            count += sum(triples)
            if sizes is not None:
                sizes.triples.extend(triples)
            yield batch, formats, index == 0

    for texts in in_order(format_subjects, calls(), helper):
        for fmt, write, (text, lengths) in zip(formats, writes, texts, strict=True):
            write(text)
            if sizes is not None:
                sizes.add(fmt, lengths)
    for fmt, write in zip(formats, writes, strict=True):
        write(end_text(fmt))
    return count


#: subjects formatted at a time: a batch is well under a megabyte of text in each
#: format, and one write per subject would cost a tenth of the export
BATCH = 512
MENTION_LINK_TRIPLES = 10


def subject_triples(item: Description | RawLink) -> int:
    """The triples of one of :func:`_subjects`' items."""
    return len(item[1]) if len(item) == 2 else MENTION_LINK_TRIPLES


def format_subjects(items: list, formats: tuple[str, ...],
                    first: bool) -> list[tuple[bytes, array]]:
    """A batch of :func:`_subjects` items in each of ``formats``, UTF-8 encoded,
    with each item's length in bytes; ``first``: the batch opens the graph (a
    JSON-LD node object after the first has a comma)."""
    formatters = [_formatter(fmt)() for fmt in formats]
    for formatter in formatters:
        if isinstance(formatter, _JsonLd):
            formatter.first = first
    texts: list[list[str]] = [[] for _ in formats]
    for item in items:
        if len(item) == 2:
            subject, pairs = item
            for formatter, out in zip(formatters, texts, strict=True):
                out.append(formatter.block(subject, pairs))
        else:
            row = _link(item)
            for formatter, out in zip(formatters, texts, strict=True):
                out.append(formatter.mention_link(row))
    return [encode_items(out) for out in texts]


def start_text(fmt: str) -> bytes:
    """What a file in ``fmt`` holds before its first subject."""
    return _formatter(fmt)().start().encode()


def end_text(fmt: str) -> bytes:
    """What a file in ``fmt`` holds after its last subject."""
    return _formatter(fmt)().end().encode()


def write_rdf_files(graph: nx.MultiDiGraph, paths: dict[str, str | Path], *,
                    helper: Helper | None = None, sizes: Sizes | None = None) -> int:
    """Write ``graph`` to several files at once (``{format: path}``), describing it
    once (with ``helper`` and ``sizes``: see :func:`write_rdf_streams`); returns the
    number of triples."""
    for fmt in paths:
        _formatter(fmt)
    streams: dict[str, IO] = {}
    try:
        for fmt, path in paths.items():
            streams[fmt] = open(path, "wb")
        return write_rdf_streams(graph, streams, helper=helper, sizes=sizes)
    finally:
        for stream in streams.values():
            stream.close()


def _formatter(fmt: str):
    try:
        return _FORMATTERS[fmt]
    except KeyError as err:
        raise ValueError(f"unknown RDF format {fmt!r}; choose from {', '.join(FORMATS)}") from err


def write_ntriples_shards(graph: nx.MultiDiGraph, folder: str | Path,
                          triples_per_shard: int = 1_000_000) -> list[Path]:
    """Write N-Triples in numbered shards (``part-00000.nt``...) of about
    ``triples_per_shard`` triples each, never splitting a subject, for bulk loaders
    that read files in parallel (``oxigraph load --file part-*.nt``, Jena
    ``tdb2.tdbloader``, Virtuoso ``ld_dir``, QLever); returns the shard paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    stream = None
    in_shard = 0
    ntriples = _NTriples()
    try:
        for subject, pairs in describe(graph):
            if stream is None or in_shard >= triples_per_shard:
                if stream is not None:
                    stream.close()
                paths.append(folder / f"part-{len(paths):05d}.nt")
                stream = open(paths[-1], "w", encoding="utf-8", newline="\n")
                in_shard = 0
            stream.write(ntriples.block(subject, pairs))
            in_shard += len(pairs)
    finally:
        if stream is not None:
            stream.close()
    return paths


def write_rdf(graph: nx.MultiDiGraph, destination: str | TextIO, fmt: str = "turtle") -> int:
    """Write ``graph`` as RDF to a path or text stream in ``fmt`` (``turtle``,
    ``json-ld`` or ``ntriples``); returns the number of triples."""
    if isinstance(destination, str):
        return write_rdf_files(graph, {fmt: destination})
    return write_rdf_streams(graph, {fmt: destination})
