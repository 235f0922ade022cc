/* paperkg graph view: legend and type filters, search, details panel.
 *
 * Runs after pyvis' script, whose globals `network` (vis.Network) and `nodes`
 * (vis.DataSet) it uses. Node details come from the JSON blob #pk-data. Every
 * piece of data reaches the page through textContent or DOM properties, never
 * innerHTML, so a title such as "<img src=x onerror=...>" shows as text.
 */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("pk-data").textContent);
  var info = data.nodes;
  var colours = {};
  data.legend.forEach(function (row) { colours[row[0]] = row[1]; });
  var drawn = {};
  nodes.getIds().forEach(function (id) { drawn[id] = true; });

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function swatch(type) {
    var dot = el("span", "pk-swatch");
    dot.style.background = colours[type] || "#cccccc";
    return dot;
  }

  function nameOf(id) {
    var entry = data.names[id];
    return entry ? entry[0] : id;
  }

  function typeOf(id) {
    var entry = data.names[id];
    return entry ? entry[1] : "";
  }

  /* ---- type filters ---------------------------------------------------- */

  var boxes = {};

  function setTypeShown(type, shown) {
    boxes[type].checked = shown;
    var changes = [];
    Object.keys(drawn).forEach(function (id) {
      if (info[id].type === type) { changes.push({ id: id, hidden: !shown }); }
    });
    nodes.update(changes);
  }

  function buildLegend(list) {
    data.legend.forEach(function (row) {
      var type = row[0];
      var item = el("li");
      var label = el("label");
      var box = el("input");
      box.type = "checkbox";
      box.checked = true;
      box.setAttribute("data-type", type);
      box.addEventListener("change", function () { setTypeShown(type, box.checked); });
      boxes[type] = box;
      label.append(box, swatch(type), el("span", null, type), el("span", "pk-count", row[2]));
      item.appendChild(label);
      list.appendChild(item);
    });
  }

  /* ---- search ------------------------------------------------------------ */

  var index = Object.keys(drawn).sort().map(function (id) {
    var keys = [info[id].name].concat(info[id].aliases || []);
    return { id: id, keys: keys.map(function (k) { return k.toLowerCase(); }) };
  });

  function rank(entry, query) {
    var best = 3;
    entry.keys.forEach(function (key) {
      if (key === query) { best = Math.min(best, 0); }
      else if (key.indexOf(query) === 0) { best = Math.min(best, 1); }
      else if (key.indexOf(query) > 0) { best = Math.min(best, 2); }
    });
    return best;
  }

  /* Drawn nodes whose name or an alias contains `text` (case-insensitive):
   * exact matches first, then prefixes, then the best-supported. */
  function findNodes(text) {
    var query = String(text).trim().toLowerCase();
    if (!query) { return []; }
    var hits = [];
    index.forEach(function (entry) {
      var score = rank(entry, query);
      if (score < 3) { hits.push({ id: entry.id, score: score }); }
    });
    hits.sort(function (a, b) {
      return a.score - b.score
        || (info[b.id].support || 0) - (info[a.id].support || 0)
        || (info[a.id].name < info[b.id].name ? -1 : info[a.id].name > info[b.id].name ? 1 : 0);
    });
    return hits.map(function (hit) { return hit.id; });
  }

  function showResults(list, ids, query) {
    list.replaceChildren();
    if (!query.trim()) { return; }
    if (!ids.length) { list.appendChild(el("li", "pk-note", "No match among the drawn nodes.")); }
    ids.slice(0, 8).forEach(function (id) { list.appendChild(linkItem(id, null)); });
    if (ids.length > 8) { list.appendChild(el("li", "pk-note", (ids.length - 8) + " more…")); }
  }

  /* ---- focus and details ------------------------------------------------- */

  function focusNode(id) {
    if (!drawn[id]) { return false; }
    if (boxes[info[id].type] && !boxes[info[id].type].checked) { setTypeShown(info[id].type, true); }
    network.selectNodes([id]);
    showDetails(id);
    /* Centre the node in the space between the two panels. */
    var left = document.getElementById("pk-side").getBoundingClientRect().right;
    var right = document.getElementById("pk-details").getBoundingClientRect().left;
    network.focus(id, {
      scale: Math.max(network.getScale(), 1.1),
      offset: { x: (left + right - window.innerWidth) / 2, y: 0 },
      animation: { duration: 450, easingFunction: "easeInOutQuad" },
    });
    return true;
  }

  /* A list item naming a node: a button that focuses it when drawn, else plain text. */
  function linkItem(id, tag) {
    var item = el("li");
    var type = typeOf(id) || (info[id] && info[id].type);
    var inner = el(drawn[id] ? "button" : "span", "pk-item");
    if (drawn[id]) {
      inner.type = "button";
      inner.addEventListener("click", function () { focusNode(id); });
    } else {
      inner.title = "not drawn in this view";
    }
    inner.append(swatch(type), el("span", null, nameOf(id)));
    if (tag) { inner.appendChild(el("span", "pk-tag", tag)); }
    item.appendChild(inner);
    return item;
  }

  function facts(rows) {
    var list = el("dl", "pk-facts");
    rows.forEach(function (row) {
      if (row[1] === "" || row[1] === null || row[1] === undefined) { return; }
      list.append(el("dt", null, row[0]), el("dd", null, row[1]));
    });
    return list;
  }

  function section(title, entries, total) {
    var part = document.createDocumentFragment();
    var count = total && total > entries.length
      ? entries.length + " of " + total.toLocaleString("en")
      : String(entries.length);
    part.appendChild(el("h3", "pk-heading", title + " (" + count + ")"));
    var list = el("ul", "pk-list");
    entries.forEach(function (entry) {
      list.appendChild(linkItem(entry[0], entry[1] === "mentions" ? null : entry[1]));
    });
    part.appendChild(list);
    return part;
  }

  function entityBody(node) {
    var part = document.createDocumentFragment();
    part.appendChild(facts([
      ["Kind", node.kind],
      ["Support", node.support + (node.support === 1 ? " paper" : " papers")],
      ["Aliases", (node.aliases || []).join(", ")],
    ]));
    if (node.lineage.length) {
      part.appendChild(section("Lineage", node.lineage, node.lineage_total));
    }
    part.appendChild(section("Papers", node.papers, node.papers_total));
    return part;
  }

  function paperBody(node) {
    var part = document.createDocumentFragment();
    part.appendChild(facts([
      ["Date", node.date],
      ["arXiv", node.arxiv],
      ["Authors", (node.authors || []).join(", ")],
    ]));
    if (node.abstract) { part.appendChild(el("p", "pk-abstract", node.abstract)); }
    part.appendChild(section("Entities", node.entities));
    return part;
  }

  function showDetails(id) {
    var node = info[id];
    var panel = document.getElementById("pk-details");
    if (!node) { panel.hidden = true; return; }
    var close = el("button", "pk-close", "×");
    close.type = "button";
    close.title = "close";
    close.addEventListener("click", hideDetails);
    var kind = el("div", "pk-type");
    kind.append(swatch(node.type), el("span", null, node.type));
    panel.replaceChildren(close, kind, el("h2", "pk-name", node.name),
      node.type === "Paper" ? paperBody(node) : entityBody(node));
    panel.hidden = false;
    panel.scrollTop = 0;
  }

  function hideDetails() {
    document.getElementById("pk-details").hidden = true;
    network.unselectAll();
  }

  /* ---- wiring -------------------------------------------------------------- */

  /* Fit the graph into the part of the window the side panel leaves free. */
  function fitBesidePanel() {
    var side = document.getElementById("pk-side").getBoundingClientRect();
    var width = window.innerWidth;
    var height = window.innerHeight;
    var free = Math.max(width - side.right - 12, width / 2);
    var box = { minX: Infinity, maxX: -Infinity, minY: Infinity, maxY: -Infinity };
    var positions = network.getPositions();
    Object.keys(positions).forEach(function (id) {
      var p = positions[id];
      box.minX = Math.min(box.minX, p.x); box.maxX = Math.max(box.maxX, p.x);
      box.minY = Math.min(box.minY, p.y); box.maxY = Math.max(box.maxY, p.y);
    });
    if (!isFinite(box.minX)) { return; }
    var scale = 0.92 * Math.min(free / Math.max(box.maxX - box.minX, 1),
      height / Math.max(box.maxY - box.minY, 1));
    network.moveTo({
      position: { x: (box.minX + box.maxX) / 2, y: (box.minY + box.maxY) / 2 },
      scale: Math.min(scale, 1.5),
      offset: { x: (width - free) / 2, y: 0 },
      animation: false,
    });
  }

  function init() {
    buildLegend(document.getElementById("pk-legend"));
    var search = document.getElementById("pk-search");
    var results = document.getElementById("pk-results");
    search.addEventListener("input", function () {
      showResults(results, findNodes(search.value), search.value);
    });
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        var ids = findNodes(search.value);
        if (ids.length) { focusNode(ids[0]); }
      } else if (event.key === "Escape") {
        search.value = "";
        results.replaceChildren();
      }
    });
    network.on("click", function (params) {
      if (params.nodes.length) { showDetails(params.nodes[0]); }
      else if (!params.edges.length) { hideDetails(); }
    });
    network.once("afterDrawing", function () {
      var body = document.body;
      body.setAttribute("data-nodes-drawn", String(network.body.nodeIndices.length));
      body.setAttribute("data-edges-drawn", String(network.body.edgeIndices.length));
      body.setAttribute("data-draw-ms", String(Math.round(performance.now())));
      body.setAttribute("data-ready", "true");
    });
    fitBesidePanel();
    network.redraw();
  }

  window.paperkg = { findNodes: findNodes, focusNode: focusNode, showDetails: showDetails };
  init();
})();
