"""Interactive HTML views that work offline (pyvis / vis-network, inlined).

:func:`write_graph_html` writes ``graph.html``, the browsable view of a whole
graph; :func:`offline_html` turns any pyvis network into a self-contained page
(the lineage view uses it too).

The names are imported when first used: pyvis takes a third of a second to
import, and a build without a page, or an update that only keeps the page's data
(:mod:`paperkg.view.kept`), does not need it.
"""

from importlib import import_module

_HOMES = {
    "OfflineError": "paperkg.view.errors",
    "ViewError": "paperkg.view.errors",
    "ViewStats": "paperkg.view.graph_html",
    "render_graph_html": "paperkg.view.graph_html",
    "write_graph_html": "paperkg.view.graph_html",
    "external_references": "paperkg.view.offline",
    "offline_html": "paperkg.view.offline",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_HOMES[name]), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])
