"""Exploring a built graph beyond plain SPARQL: the lineage of techniques and models.

:func:`find_lineage` gives an entity's ancestors and descendants with the papers
behind each step; :mod:`paperkg.explore.lineage_html` draws them as an offline page.
"""

from paperkg.explore.lineage import (
    Evidence,
    Lineage,
    LineageGraph,
    LineageNode,
    PaperRef,
    find_lineage,
    format_json,
    format_text,
    to_dict,
)

__all__ = [
    "Evidence",
    "Lineage",
    "LineageGraph",
    "LineageNode",
    "PaperRef",
    "find_lineage",
    "format_json",
    "format_text",
    "to_dict",
]
