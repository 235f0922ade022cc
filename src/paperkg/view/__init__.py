"""Interactive HTML views that work offline (pyvis / vis-network, inlined).

:func:`write_graph_html` writes ``graph.html``, the browsable view of a whole
graph; :func:`offline_html` turns any pyvis network into a self-contained page
(the lineage view uses it too).
"""

from paperkg.view.errors import OfflineError, ViewError
from paperkg.view.graph_html import ViewStats, render_graph_html, write_graph_html
from paperkg.view.offline import external_references, offline_html

__all__ = [
    "OfflineError",
    "ViewError",
    "ViewStats",
    "external_references",
    "offline_html",
    "render_graph_html",
    "write_graph_html",
]
