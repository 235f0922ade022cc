"""graph.html: offline, escaped, filtered and deterministic."""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser

import networkx as nx

from paperkg.view import external_references, render_graph_html, write_graph_html
from paperkg.view.graph_html import json_script

from .conftest import PAYLOADS
from .synthetic import add_entity, add_paper, corpus_graph, derive, link


class ScriptBlocks(HTMLParser):
    """The text of every <script> element, as a browser would split the page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[tuple[dict, str]] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._open = dict(attrs)
            self.scripts.append((self._open, ""))

    def handle_data(self, data):
        if self._open is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._open = None


def scripts_of(page: str) -> list[tuple[dict, str]]:
    parser = ScriptBlocks()
    parser.feed(page)
    return parser.scripts


def vis_nodes(page: str) -> list[dict]:
    """The node list pyvis inlined (``new vis.DataSet([...])``)."""
    match = re.search(r"nodes = new vis\.DataSet\((\[.*?\])\);", page)
    return json.loads(match.group(1))


class SourcedTags(HTMLParser):
    """Every tag with a ``src`` or ``href``, whatever its value (comments are skipped)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.found += [f"<{tag} {k}={v}>" for k, v in attrs if k in ("src", "href")]


def test_page_is_self_contained(small_graph):
    page, _ = render_graph_html(small_graph)
    assert external_references(page) == []
    sourced = SourcedTags()
    sourced.feed(page)
    assert sourced.found == []
    assert "bootstrap" not in page.lower()


def test_hostile_strings_appear_only_escaped(small_graph):
    page, _ = render_graph_html(small_graph)
    for payload in PAYLOADS:
        assert payload not in page
    assert "onerror" in page  # the text is there, only escaped
    assert page.count("\\u003cimg src=x onerror=") >= 2  # tooltip data and details blob


def test_json_blob_cannot_end_its_script(small_graph):
    page, _ = render_graph_html(small_graph)
    blocks = scripts_of(page)
    blobs = [text for attrs, text in blocks if attrs.get("id") == "pk-data"]
    assert len(blobs) == 1
    details = json.loads(blobs[0])
    assert details["nodes"]["paper:xss-script"]["abstract"] == PAYLOADS[2]
    assert details["nodes"]["paper:xss-img"]["name"] == PAYLOADS[1]
    # Every script element the browser sees is one the page meant: the payloads made none
    # (pyvis' utils.js, vis-network, pyvis' drawing code, the blob, graph.js).
    assert len(blocks) == 5
    assert "window.paperkg" in blocks[-1][1]


def test_json_script_escapes_markup_characters():
    element = json_script({"a": "</script><!-- & -->"}, "x")
    body = element[len('<script type="application/json" id="x">') : -len("</script>")]
    assert not set("<>&") & set(body)
    assert json.loads(body) == {"a": "</script><!-- & -->"}


def test_tooltips_and_details(small_graph):
    page, _ = render_graph_html(small_graph)
    nodes = {node["id"]: node for node in vis_nodes(page)}
    bert = nodes["entity:bert"]
    assert bert["group"] == "Model" and bert["value"] == 4
    assert bert["title"].splitlines()[:2] == ["BERT", "Model · named · 4 papers"]
    assert "label" not in nodes["paper:p2"] and nodes["paper:p2"]["size"] < 7
    assert nodes["paper:p2"]["title"] == "BERT: pre-training\n2018-10-11 · 1810.04805"
    details = json.loads(next(t for a, t in scripts_of(page) if a.get("id") == "pk-data"))
    entry = details["nodes"]["entity:bert"]
    assert entry["aliases"] == ["Bidirectional Encoder"] and entry["support"] == 4
    proposers = {paper for paper, relation in entry["papers"][:2] if relation == "proposes"}
    assert proposers == {"paper:p2", "paper:xss-script"}  # proposers first
    assert entry["lineage"] == [["entity:roberta", "derivative"]]
    paper = details["nodes"]["paper:p2"]
    assert paper["entities"][0] == ["entity:bert", "proposes"]
    assert {e for e, _ in paper["entities"]} == {"entity:bert", "entity:glue", "entity:transformer"}
    # SQuAD is not drawn (support 1) but still named in its paper's details.
    assert details["names"]["entity:squad"] == ["SQuAD", "Dataset"]


def test_bidi_controls_are_shown_and_long_names_clipped_on_the_canvas(small_graph):
    """"Safe\u202eLMgnirts" drew as "SafestringML"; an 1,800-character name ran
    across the whole canvas."""
    graph = small_graph.copy()
    spoof = add_entity(graph, "spoof\u2066", "Safe\u202eLMgnirts\u202c", aliases=("A\u061cB",))
    long = add_entity(graph, "long", "Long " * 360)
    for entity in (spoof, long):
        for paper in ("paper:p2", "paper:xss-script"):
            link(graph, paper, entity)
    graph.nodes["paper:p2"]["title"] += " \u2067RTL title\u2069"
    page, _ = render_graph_html(graph)
    assert not re.search("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]", page)
    nodes = {node["id"]: node for node in vis_nodes(page)}
    shown = nodes["entity:spoof\\u2066"]
    assert shown["label"] == "Safe\\u202eLMgnirts\\u202c"
    details = json.loads(next(t for a, t in scripts_of(page) if a.get("id") == "pk-data"))
    assert details["nodes"]["entity:spoof\\u2066"]["aliases"] == ["A\\u061cB"]
    assert details["nodes"]["paper:p2"]["name"].endswith(" \\u2067RTL title\\u2069")
    edges = re.search(r"edges = new vis\.DataSet\((\[.*?\])\);", page).group(1)
    assert "entity:spoof\\\\u2066" in edges  # the edges name the node by its shown id
    label = nodes["entity:long"]["label"]
    assert len(label) == 60 and label.endswith("…")
    assert details["nodes"]["entity:long"]["name"] == "Long " * 360


def test_lineage_details_list_parents_then_children_each_sorted(small_graph):
    bert = "entity:bert"
    for name in ("zeta-bert", "albert", "distilbert"):  # children, added out of order
        child = add_entity(small_graph, name, name, "Model")
        link(small_graph, "paper:p4", child)  # a paper link next to the lineage edge
        derive(small_graph, child, bert, ("p4",))
    elmo = add_entity(small_graph, "elmo", "ELMo", "Model")
    link(small_graph, "paper:p2", elmo)  # drawn, as every entity here (drawn ones come first)
    derive(small_graph, bert, elmo, ("p2",))
    link(small_graph, "paper:p4", bert)  # BERT's own papers must not count as lineage
    page, _ = render_graph_html(small_graph, min_support=1)
    details = json.loads(next(t for a, t in scripts_of(page) if a.get("id") == "pk-data"))
    entry = details["nodes"][bert]
    assert entry["lineage"] == [
        ["entity:elmo", "derived from"],
        ["entity:albert", "derivative"],
        ["entity:distilbert", "derivative"],
        ["entity:roberta", "derivative"],
        ["entity:zeta-bert", "derivative"],
    ]
    assert entry["lineage_total"] == 5


def test_details_list_drawn_papers_first_then_by_relation_title_and_id():
    graph = nx.MultiDiGraph()
    hub = add_entity(graph, "hub", "Hub")
    papers = [("p1", "Zeta", "mentions"), ("p2", "Alpha", "proposes"), ("p3", "Beta", "mentions"),
              ("p4", "Alpha", "evaluatesOn"), ("p5", "Alpha", "mentions"),
              ("p6", "Gamma", "proposes"), ("p7", "Alpha", "mentions"),
              ("p8", "Delta", "evaluatesOn")]
    for key, title, relation in papers:
        link(graph, add_paper(graph, key, title), hub, relation)  # with a mentions edge too
    page, stats = render_graph_html(graph, min_support=1, max_nodes=4)
    assert stats.papers_shown == 3  # p1, p2, p3: the first papers by id
    details = json.loads(next(t for a, t in scripts_of(page) if a.get("id") == "pk-data"))
    assert details["nodes"][hub]["papers"] == [
        ["paper:p2", "proposes"], ["paper:p3", "mentions"], ["paper:p1", "mentions"],  # drawn
        ["paper:p6", "proposes"], ["paper:p4", "evaluatesOn"], ["paper:p8", "evaluatesOn"],
        ["paper:p5", "mentions"], ["paper:p7", "mentions"],
    ]


def test_counts_follow_min_support_and_max_nodes(small_graph):
    stats = write_graph_html(small_graph, io.StringIO(), min_support=2)
    assert (stats.entities_total, stats.entities_shown, stats.papers_shown) == (5, 4, 6)
    assert stats.nodes_drawn == 10
    # pairs: BERT 4, GLUE 3, RoBERTa 2, Transformer 2; lineage RoBERTa -> BERT
    assert stats.edges_drawn == 4 + 3 + 2 + 2 + 1
    assert write_graph_html(small_graph, io.StringIO(), min_support=1).entities_shown == 5
    capped = write_graph_html(small_graph, io.StringIO(), min_support=1, max_nodes=6)
    assert (capped.entities_shown, capped.papers_shown, capped.nodes_drawn) == (2, 4, 6)


def test_corpus_sized_graph_is_capped():
    graph = corpus_graph(600, 2400)
    stats = write_graph_html(graph, io.StringIO(), min_support=1, max_nodes=800)
    assert stats.nodes_drawn <= 800 < graph.number_of_nodes()
    assert stats.nodes_drawn == stats.entities_shown + stats.papers_shown


def test_same_graph_same_bytes(small_graph, tmp_path):
    shuffled = nx.MultiDiGraph()
    shuffled.add_nodes_from(reversed(list(small_graph.nodes(data=True))))
    shuffled.add_edges_from(reversed(list(small_graph.edges(keys=True, data=True))))
    first, _ = render_graph_html(small_graph)
    assert render_graph_html(small_graph)[0] == first
    assert render_graph_html(shuffled)[0] == first  # insertion order does not matter
    write_graph_html(small_graph, tmp_path / "graph.html")
    assert (tmp_path / "graph.html").read_bytes() == first.encode("utf-8")


def test_an_entity_s_panel_lists_the_entities_derived_from_it():
    """Found from the children's own lineage links, not by walking every link into
    the entity (the papers that name it)."""
    from paperkg.view.graph_html import _details
    from paperkg.view.selection import PaperLinks, select_view

    graph = nx.MultiDiGraph()
    for name in ("LoRA", "QLoRA", "LongLoRA", "MMLU"):
        graph.add_node(f"entity:{name}", node_type="Technique", label=name, support=2)
    for number in range(3):
        graph.add_node(f"paper:{number}", node_type="Paper", label=f"P{number}", title=f"P{number}")
        for name in ("LoRA", "QLoRA", "LongLoRA", "MMLU"):
            graph.add_edge(f"paper:{number}", f"entity:{name}", key="mentions",
                           relation="mentions")
    for child in ("QLoRA", "LongLoRA"):
        graph.add_edge(f"entity:{child}", "entity:LoRA", key="derivedFrom", relation="derivedFrom")
    links = PaperLinks(graph)
    selection = select_view(graph, min_support=1, max_nodes=50, links=links)
    panels = _details(graph, selection, links)["nodes"]
    assert panels["entity:LoRA"]["lineage"] == [["entity:LongLoRA", "derivative"],
                                                ["entity:QLoRA", "derivative"]]
    assert panels["entity:QLoRA"]["lineage"] == [["entity:LoRA", "derived from"]]
    assert panels["entity:MMLU"]["lineage"] == [] and panels["entity:LoRA"]["lineage_total"] == 2


def test_json_script_writes_what_orjson_refuses_as_the_standard_library_does():
    # a lone surrogate and an integer beyond 64 bits: orjson refuses both
    for data in ({"a": "\ud800 é"}, {"n": 2**70, "b": [True, None]}):
        element = json_script(data, "x")
        body = element[len('<script type="application/json" id="x">') : -len("</script>")]
        assert body == json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
