"""SHACL validation of a built graph against ``ontology/shapes.ttl``."""

from __future__ import annotations

from importlib import resources as importlib_resources

import pyshacl
from rdflib import Graph


def ontology_text(name: str) -> str:
    """The text of ``paperkg.ttl`` or ``shapes.ttl`` shipped with the package."""
    return (importlib_resources.files("paperkg") / "ontology" / name).read_text(encoding="utf-8")


def validate_turtle(data: bytes | str) -> tuple[bool, str]:
    """Validate Turtle data with pyshacl (ontology mixed in, so subclasses count).

    Returns whether it conforms and pyshacl's text report.
    """
    data_graph = Graph().parse(data=data, format="turtle")
    shapes = Graph().parse(data=ontology_text("shapes.ttl"), format="turtle")
    ontology = Graph().parse(data=ontology_text("paperkg.ttl"), format="turtle")
    conforms, _, report = pyshacl.validate(
        data_graph, shacl_graph=shapes, ont_graph=ontology, inference="none",
        advanced=True, allow_warnings=True,
    )
    return bool(conforms), str(report)
