"""offline_html: pyvis pages with nothing loaded from outside the page."""

from __future__ import annotations

import pytest
from pyvis.network import Network

from paperkg.view import OfflineError, external_references, offline_html


def tiny_net(**kwargs) -> Network:
    net = Network(**kwargs)
    net.nodes = [{"id": "a", "label": "a"}, {"id": "b", "label": "b"}]
    net.edges = [{"from": "a", "to": "b"}]
    return net


@pytest.mark.parametrize("cdn_resources", ["local", "in_line", "remote"])
@pytest.mark.parametrize("menus", [False, True])
def test_page_has_no_external_reference(cdn_resources, menus):
    net = tiny_net(cdn_resources=cdn_resources, select_menu=menus, filter_menu=menus)
    page = offline_html(net)
    assert external_references(page) == []
    assert "bootstrap" not in page.lower()
    assert "new vis.Network(" in page  # vis-network is inlined, and the page draws
    assert "node_modules" not in page and "sourceMappingURL" not in page  # nor named
    assert net.cdn_resources == cdn_resources  # the caller's network is left as it was


def test_heading_is_text_and_extras_are_placed():
    net = tiny_net(heading="<b>x</b>")
    page = offline_html(net, head="<style>.mine{}</style>", body="<script>var mine;</script>")
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page
    assert page.index(".mine{}") < page.index("</head>")
    assert page.index("new vis.Network(") < page.index("var mine;") < page.rindex("</body>")
    assert net.heading == "<b>x</b>"


@pytest.mark.parametrize(
    "markup",
    [
        '<script src="https://cdn.example.org/x.js"></script>',
        '<link rel="stylesheet" href="//cdn.example.org/x.css">',
        '<script src="lib/bindings/utils.js"></script>',
        '<img srcset="a.png 1x, https://example.org/b.png 2x">',
        "<style>@import url(https://example.org/x.css);</style>",
        '<div style="background: url(http://example.org/x.png)"></div>',
    ],
)
def test_external_references_are_found(markup):
    assert external_references(f"<html><body>{markup}</body></html>")


@pytest.mark.parametrize(
    "markup",
    [
        '<script>var u = "https://example.org/in-a-string";</script>',
        '<a href="https://arxiv.org/abs/1706.03762">paper</a>',
        '<img src="data:image/png;base64,AAAA">',
        '<style>.x { background: url("data:image/png;base64,AAAA"); }</style>',
    ],
)
def test_inline_content_is_not_a_reference(markup):
    assert external_references(f"<html><body>{markup}</body></html>") == []


def test_extra_markup_that_goes_online_is_refused():
    with pytest.raises(OfflineError, match="cdn.example.org"):
        offline_html(tiny_net(), body='<script src="https://cdn.example.org/x.js"></script>')


def test_href_in_a_title_never_switches_tooltips_to_html():
    from pyvis.network import Network

    from paperkg.view.offline import offline_html

    net = Network()
    net.nodes = [{"id": 1, "label": "x", "title": '<a HREF="x" onmouseover="alert(1)">t</a>'}]
    page = offline_html(net)
    assert "popup.innerHTML" not in page


def test_a_title_that_names_a_source_map_is_kept_whole():
    """Only the inlined libraries' own source-map comments go (a title saying the
    same was cut, and the page's script broke)."""
    title = "Stripping //# sourceMappingURL=app.js.map and /*# sourceMappingURL=x.css.map */"
    net = tiny_net(select_menu=True)
    net.nodes[0]["title"] = title
    page = offline_html(net)
    assert title in page
    assert page.count("sourceMappingURL") == 2

