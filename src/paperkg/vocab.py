"""The RDF vocabulary of paperkg, as code, and the one function that mints IRIs.

A typo in a term raises instead of minting a new IRI::

    >>> from paperkg.vocab import PK
    >>> str(PK.mentions)
    'https://w3id.org/paperkg/ontology#mentions'
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from rdflib import URIRef
from rdflib.namespace import DefinedNamespace, Namespace

ONTOLOGY = "https://w3id.org/paperkg/ontology#"
PAPER_BASE = "https://w3id.org/paperkg/paper/"
ENTITY_BASE = "https://w3id.org/paperkg/entity/"
LINK_BASE = "https://w3id.org/paperkg/link/"


class PK(DefinedNamespace):
    """Terms of the paperkg ontology (``ontology/paperkg.ttl``)."""

    _fail = True
    _NS = Namespace(ONTOLOGY)

    # classes
    Paper: URIRef
    ResearchEntity: URIRef
    Model: URIRef
    Dataset: URIRef
    Benchmark: URIRef
    Technique: URIRef
    MentionLink: URIRef
    # paper -> entity
    mentions: URIRef
    proposes: URIRef
    evaluatesOn: URIRef
    # entity -> entity
    derivedFrom: URIRef
    # paper data
    arxivId: URIRef
    # entity data
    support: URIRef
    kind: URIRef
    # provenance of a link (a pk:MentionLink node)
    link: URIRef
    paper: URIRef
    entity: URIRef
    relation: URIRef
    evidence: URIRef
    field: URIRef
    startOffset: URIRef
    endOffset: URIRef
    rule: URIRef
    confidence: URIRef
    # provenance of a lineage edge (a pk:LineageLink node)
    LineageLink: URIRef
    lineage: URIRef
    child: URIRef
    parent: URIRef
    sourcePaper: URIRef


PREFIXES = {
    "pk": ONTOLOGY,
    "dcterms": "http://purl.org/dc/terms/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
}

_UNSAFE = re.compile(r"[^A-Za-z0-9._~-]+")


def slug(text: str, *, underscores_are_spaces: bool = False) -> str:
    """A stable, IRI-safe slug for ``text``; non-ASCII names keep a short hash suffix.

    >>> slug("Llama-2 7B")
    'Llama-2_7B'
    >>> slug("Mixture of Experts (MoE)")
    'Mixture_of_Experts_MoE_463c2323'

    Entity keys write spaces as "_" already ("3D_parallelism"), and keep those
    IRIs. A record id may hold either: with ``underscores_are_spaces``, only a text
    without "_" goes without the hash, so ids "row 1" and "row_1" differ.

    >>> slug("row 1", underscores_are_spaces=True), slug("row_1", underscores_are_spaces=True)
    ('row_1', 'row_1_48066e96')
    """
    folded = text if text.isascii() else \
        unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    cleaned = _UNSAFE.sub("_", folded).strip("_.~-")[:80]
    if cleaned and cleaned == text.replace(" ", "_") and not (
            underscores_are_spaces and "_" in text):
        return cleaned
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
    return f"{cleaned}_{digest}" if cleaned else digest


def mint(kind: str, key: str) -> URIRef:
    """The IRI of a paper (``kind='paper'``), entity (``'entity'``) or link (``'link'``).

    ``key`` is the paper's identity key or the entity's key; the IRI depends only
    on it, so IRIs are stable across rebuilds.

    >>> str(mint("entity", "LoRA"))
    'https://w3id.org/paperkg/entity/LoRA'
    >>> str(mint("paper", "arxiv:2106.09685"))
    'https://w3id.org/paperkg/paper/arxiv-2106.09685'
    """
    return URIRef(mint_text(kind, key))


_BASES = {"paper": PAPER_BASE, "entity": ENTITY_BASE, "link": LINK_BASE}


def mint_text(kind: str, key: str) -> str:
    """:func:`mint` as a plain string, for the exports that write a million IRIs
    (an rdflib ``URIRef`` costs a third of the time of minting one).

    >>> mint_text("link", "lineage|QLoRA|LoRA") == str(mint("link", "lineage|QLoRA|LoRA"))
    True
    """
    try:
        base = _BASES[kind]
    except KeyError as err:
        raise ValueError(f"unknown IRI kind {kind!r}; choose from {sorted(_BASES)}") from err
    if kind == "paper":
        scheme, _, rest = key.partition(":")
        return base + scheme + "-" + slug(rest, underscores_are_spaces=True)
    return base + slug(key)
