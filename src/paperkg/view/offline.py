"""pyvis pages that work from ``file://`` with the network off.

pyvis 0.3.2 loads vis-network from a CDN unless ``cdn_resources="in_line"``, and
even then links Bootstrap (CSS and JS) from a CDN. :func:`offline_html` renders
the page with vis-network inlined, removes every remote ``<script src>`` and
``<link href>`` (and the template's commented-out local ones), adds a little
CSS in place of Bootstrap, and checks that no external reference is left.

Fill ``net.nodes`` / ``net.edges`` directly for large graphs: pyvis'
``add_node``/``add_edge``/``from_nx`` are quadratic (half a minute for 10,000
nodes)::

    >>> from pyvis.network import Network
    >>> net = Network(directed=True)
    >>> net.nodes = [{"id": "a", "label": "a"}, {"id": "b", "label": "b"}]
    >>> net.edges = [{"from": "a", "to": "b"}]
    >>> page = offline_html(net)
    >>> external_references(page)
    []
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from pyvis.network import Network

from paperkg.view.errors import OfflineError

__all__ = ["BASE_CSS", "external_references", "offline_html"]

#: A remote resource: ``http:``, ``https:`` or protocol-relative ``//host``.
_REMOTE = r"""(?:https?:)?//"""
_REMOTE_SCRIPT = re.compile(
    r"""<script\b[^>]*\bsrc\s*=\s*["']?""" + _REMOTE + r"""[^>]*>\s*</script\s*>""",
    re.IGNORECASE,
)
_REMOTE_LINK = re.compile(
    r"""<link\b[^>]*\bhref\s*=\s*["']?""" + _REMOTE + r"""[^>]*>""", re.IGNORECASE
)
#: pyvis' template keeps, in a comment, the tags of a local vis.js it no longer uses,
#: and the inlined sources (vis-network, Tom Select) name source maps that a browser's
#: developer tools would look for next to the page: neither is fetched, both mislead
_LEFTOVERS = re.compile(
    r"""<!--\s*<link\b[^>]*node_modules[^>]*>\s*<script\b[^>]*node_modules[^>]*>\s*"""
    r"""</script>\s*-->"""
    # only as a library's source ends: a title may say "//# sourceMappingURL=" too
    r"""|//# sourceMappingURL=[^\s<]*(?=\s*</script>)"""
    r"""|/\*# sourceMappingURL=[^*<]*\*/(?=\s*</style>)""",
    re.IGNORECASE)
_CSS_REMOTE = re.compile(r"""@import|url\(\s*["']?\s*""" + _REMOTE, re.IGNORECASE)
#: Attributes that make a browser fetch something (``<a href>`` only navigates).
_FETCHING_ATTRIBUTES = frozenset(
    {"src", "href", "srcset", "data", "poster", "action", "formaction", "background"}
)
_NAVIGATING_TAGS = frozenset({"a", "area"})
#: References that stay inside the page.
_INTERNAL_URL = re.compile(r"^\s*(?:$|#|data:)", re.IGNORECASE)

#: Replaces the Bootstrap classes pyvis' template uses (card, menus, buttons).
BASE_CSS = """
html, body { margin: 0; padding: 0; font: 14px/1.4 system-ui, -apple-system,
  "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1f2933; }
h1:empty { display: none; }
.card { border: 0; }
.card-header { padding: 6px 8px; background: #f5f7fa; border-bottom: 1px solid #d9dee5; }
.row { display: flex; gap: 6px; }
.form-select, .btn { font: inherit; padding: 4px 8px; border: 1px solid #b8c0cc;
  border-radius: 4px; background: #fff; }
.btn-primary { background: #2f6fdf; border-color: #2f6fdf; color: #fff; cursor: pointer; }
div.vis-tooltip { white-space: pre-wrap; overflow-wrap: anywhere; max-width: 420px;
  font: 13px/1.35 system-ui, sans-serif; padding: 6px 8px; border-radius: 4px; }
"""


def offline_html(net: Network, *, head: str = "", body: str = "") -> str:
    """Render ``net`` as one self-contained HTML page.

    Parameters
    ----------
    net:
        A pyvis network; its ``cdn_resources`` is ignored (vis-network is always
        inlined) and its ``heading`` is shown as plain text (HTML-escaped).
    head:
        Extra markup put at the end of ``<head>`` (styles), after :data:`BASE_CSS`.
    body:
        Extra markup put at the end of ``<body>``, after pyvis' script, so a
        ``<script>`` there can use its globals ``network``, ``nodes`` and ``edges``.

    Raises
    ------
    OfflineError
        If the result still references a remote resource (e.g. in ``head``/``body``).
    """
    _keep_tooltips_plain(net)
    saved = net.cdn_resources, net.heading
    net.cdn_resources, net.heading = "in_line", html.escape(net.heading)
    try:
        page = net.generate_html(notebook=False)
    finally:
        net.cdn_resources, net.heading = saved
    page = _LEFTOVERS.sub("", _REMOTE_LINK.sub("", _REMOTE_SCRIPT.sub("", page)))
    page = _insert_before(page, "</head>", f"<style>{BASE_CSS}</style>\n{head}\n")
    page = _insert_before(page, "</body>", f"{body}\n")
    remote = external_references(page)
    if remote:
        raise OfflineError(f"page still references remote resources: {remote[:5]}")
    return page


def _keep_tooltips_plain(net: Network) -> None:
    """pyvis 0.3.2 switches every tooltip to ``popup.innerHTML`` as soon as one node
    title contains "href"; a zero-width space in that word keeps tooltips plain text,
    so a hostile title can never become markup."""
    for node in net.nodes:
        title = node.get("title")
        if isinstance(title, str) and "href" in title.lower():
            node["title"] = re.sub("(?i)href", lambda m: m.group()[:3] + "\u200b" + m.group()[3:],
                                   title)


def external_references(page: str) -> list[str]:
    """Everything outside the page that ``page`` would fetch.

    Fetching attributes (``src``, ``href`` of ``<link>``, ...) that are not
    ``data:`` URLs or fragments, whether remote or relative files, and remote
    CSS ``@import``/``url()`` in ``<style>`` text or ``style`` attributes. Text
    inside ``<script>`` (such as licence URLs in vis-network's source) and links
    a user may follow (``<a href>``) are not references.
    """
    finder = _ReferenceFinder()
    finder.feed(page)
    finder.close()
    return finder.found


class _ReferenceFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        for name, value in attrs:
            value = value or ""
            if (
                name in _FETCHING_ATTRIBUTES
                and tag not in _NAVIGATING_TAGS
                and not _INTERNAL_URL.match(value)
            ):
                self.found.append(f"<{tag} {name}={value}>")
            elif name == "style" and _CSS_REMOTE.search(value):
                self.found.append(f"<{tag} style={value}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            for match in _CSS_REMOTE.finditer(data):
                self.found.append(f"<style>{data[match.start() : match.start() + 80]}")


def _insert_before(page: str, closing_tag: str, markup: str) -> str:
    """Put ``markup`` before the last ``closing_tag`` of ``page``."""
    at = page.rfind(closing_tag)
    if at < 0:
        raise OfflineError(f"pyvis page has no {closing_tag}")
    return page[:at] + markup + page[at:]
