"""graph.html in a real browser: headless Chromium, file://, network off."""

from __future__ import annotations

import json

import pytest

from paperkg.view import render_graph_html

from .browser import INSTALL_HINT, find_chromium, load
from .conftest import ALIAS_PAYLOAD, IMG_TITLE, SCRIPT_TITLE, add_hostile_papers
from .synthetic import corpus_graph

HUB = "entity:e00000"

#: Runs once the page has drawn; each step waits for the view to settle.
PROBE = """
(function () {
  var out = {};
  var body = document.body;
  function visible() {
    return network.body.nodeIndices.filter(function (id) {
      return !network.body.nodes[id].options.hidden; }).length;
  }
  function hover(id) {
    // close in on the node without animation, so that no neighbour overlaps it and
    // a slow machine does not hover while the camera is still moving
    network.moveTo({ position: network.getPosition(id), scale: 4, animation: false });
    var canvas = document.querySelector("#mynetwork canvas");
    var rect = canvas.getBoundingClientRect();
    var at = network.canvasToDOM(network.getPosition(id));
    canvas.dispatchEvent(new MouseEvent("mousemove", {
      clientX: rect.left + at.x, clientY: rect.top + at.y, bubbles: true }));
  }
  function hostileElements() {
    return document.querySelectorAll("#pk-details img, #pk-details script, #pk-details svg,"
      + " div.vis-tooltip :not(br), #pk-results img").length;
  }
  var steps = [
    function () {
      out.ready = body.getAttribute("data-ready");
      out.nodesDrawn = Number(body.getAttribute("data-nodes-drawn"));
      out.edgesDrawn = Number(body.getAttribute("data-edges-drawn"));
      out.drawMs = Number(body.getAttribute("data-draw-ms"));
      out.visNodes = network.body.data.nodes.length;
      out.physics = network.physics.options.enabled;
      out.legend = Array.from(document.querySelectorAll("#pk-legend label")).map(function (l) {
        return [l.children[2].textContent, Number(l.children[3].textContent)]; });
      var search = document.getElementById("pk-search");
      search.value = "ALIAS0";
      search.dispatchEvent(new Event("input"));
      out.results = Array.from(document.querySelectorAll("#pk-results li"))
        .map(function (li) { return li.textContent; });
      search.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
      out.selected = network.getSelectedNodes();
      out.hubDetails = document.getElementById("pk-details").textContent;
      out.detailsShown = !document.getElementById("pk-details").hidden;
    },
    function () {
      window.paperkg.focusNode("paper:xss-img");
    },
    function () {
      out.paperDetails = document.getElementById("pk-details").textContent;
      hover("paper:xss-img");
    },
    function () {
      var tip = document.querySelector("div.vis-tooltip");
      out.tooltip = tip ? tip.textContent : null;
      out.tooltipVisible = tip ? tip.style.visibility !== "hidden" : false;
      window.paperkg.showDetails("paper:xss-script");
      out.scriptDetails = document.getElementById("pk-details").textContent;
      var papers = document.querySelector('#pk-legend input[data-type="Paper"]');
      papers.checked = false;
      papers.dispatchEvent(new Event("change"));
      out.visibleWithoutPapers = visible();
      out.hostileElements = hostileElements();
    },
    function () {
      out.title = document.title;
      out.pwned = window.__pwned === true;
      out.errors = window.__pkErrors;
      body.setAttribute("data-probe", JSON.stringify(out));
    },
  ];
  function run(i) {
    if (i === 0 && !body.getAttribute("data-ready")) {
      setTimeout(function () { run(0); }, 50);
      return;
    }
    try { steps[i](); } catch (err) {
      window.__pkErrors.push("probe: " + err);
      i = steps.length - 2;  // skip to the report
    }
    if (i + 1 < steps.length) { setTimeout(function () { run(i + 1); }, 800); }
  }
  run(0);
})();
"""


@pytest.fixture(scope="module")
def chromium():
    path = find_chromium()
    if path is None:
        pytest.skip(f"no Chromium binary on PATH (install it with: {INSTALL_HINT})")
    return path


@pytest.fixture(scope="module")
def loaded(chromium, tmp_path_factory):
    """A ~2,000-node view with hostile papers on the best-supported entity, in Chromium."""
    graph = corpus_graph(1000, 4000)
    graph.nodes[HUB]["aliases"] += (ALIAS_PAYLOAD,)
    add_hostile_papers(graph, HUB)
    page, stats = render_graph_html(graph, min_support=1, max_nodes=2000)
    run = load(chromium, page, PROBE, tmp_path_factory.mktemp("browser"))
    assert run.probe is not None, f"the probe never reported; body={run.body}\n{run.stderr[-3000:]}"
    return run, stats


def test_page_draws_every_node_without_errors(loaded):
    run, stats = loaded
    probe = run.probe
    assert probe["errors"] == [] and run.uncaught() == []
    assert stats.nodes_drawn > 1900
    assert probe["ready"] == "true"
    assert probe["nodesDrawn"] == probe["visNodes"] == stats.nodes_drawn
    assert probe["edgesDrawn"] == stats.edges_drawn
    assert probe["physics"] is False  # precomputed layout: settled when drawn
    assert probe["drawMs"] < 10000


def test_legend_filter_and_search(loaded):
    run, stats = loaded
    probe = run.probe
    legend = dict(probe["legend"])
    assert list(legend) == ["Model", "Dataset", "Benchmark", "Technique", "Paper"]
    assert legend["Paper"] == stats.papers_shown
    assert sum(legend.values()) == stats.nodes_drawn
    assert probe["results"][0] == "Mod-0"  # found by its alias, case-insensitively
    assert probe["selected"] == [HUB] and probe["detailsShown"]
    assert "alias0" in probe["hubDetails"] and ALIAS_PAYLOAD in probe["hubDetails"]
    assert probe["visibleWithoutPapers"] == stats.entities_shown


def test_hostile_titles_show_as_text_and_never_run(loaded):
    probe = loaded[0].probe
    assert probe["pwned"] is False and probe["title"] == "paperkg graph"
    assert probe["hostileElements"] == 0
    assert IMG_TITLE in probe["paperDetails"]
    assert SCRIPT_TITLE in probe["scriptDetails"]
    assert probe["tooltipVisible"] and probe["tooltip"].startswith(IMG_TITLE)


def test_probe_output_is_json_serialisable(loaded):
    json.dumps(loaded[0].probe)
