"""The networkx graph of papers and entities."""

from paperkg.graph.build import build_graph, entity_node, paper_node

__all__ = ["build_graph", "entity_node", "paper_node"]
