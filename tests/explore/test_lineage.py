"""``paperkg lineage``: trees, evidence, formats, and agreement with the SPARQL query."""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import pytest

from paperkg.cli import main
from paperkg.explore.lineage import LineageNode, find_lineage, format_json, format_text, to_dict
from paperkg.explore.lineage_html import lineage_html
from paperkg.query.entities import UnknownEntityError
from paperkg.query.named import run_named_query
from paperkg.view.offline import external_references

QLORA_TEXT = "\n".join(
    [
        "QLoRA (Technique)",
        "also: Quantized LoRA",
        "<https://w3id.org/paperkg/entity/QLoRA>",
        "",
        "Ancestors (what QLoRA derives from):",
        "└── LoRA (Technique)",
        "        evidence (stated): QLoRA extends LoRA by backpropagating gradients through a"
        " frozen, 4-bit quantized pretrained language model into Low Rank Adapters.",
        "        paper: QLoRA: Efficient Finetuning of Quantized LLMs [arxiv:2305.14314]",
        "        paper: QA-LoRA: Quantization-Aware Low-Rank Adaptation of Large Language Models"
        " [arxiv:2309.14717]",
        "",
        "Descendants (what derives from QLoRA):",
        "└── QA-LoRA (Technique)",
        "        evidence (stated): QA-LoRA builds on QLoRA and quantizes the LLM weights during"
        " fine-tuning so that no post-training quantization is needed.",
        "        paper: QA-LoRA: Quantization-Aware Low-Rank Adaptation of Large Language Models"
        " [arxiv:2309.14717]",
        "",
    ]
)


def shape(nodes: tuple[LineageNode, ...]) -> list:
    """Labels and depths of a tree, nested, with cycle/repeat marks."""
    out = []
    for n in nodes:
        mark = "*cycle" if n.cycle else "*repeat" if n.repeat else ""
        out.append((n.entity.label + mark, n.depth, shape(n.children)))
    return out


def test_text_of_qlora(lineage_graph_dir: Path) -> None:
    assert format_text(find_lineage(lineage_graph_dir, "QLoRA")) == QLORA_TEXT


def test_trees_of_lora_and_qa_lora(lineage_graph_dir: Path) -> None:
    lora = find_lineage(lineage_graph_dir, "low rank adaptation")  # an alias
    assert lora.entity.label == "LoRA"
    assert shape(lora.ancestors) == []
    assert shape(lora.descendants) == [
        ("DoRA", 1, []),
        ("LongLoRA", 1, []),
        ("QLoRA", 1, [("QA-LoRA", 2, [])]),
    ]
    qa = find_lineage(lineage_graph_dir, "qa lora")
    assert shape(qa.ancestors) == [("QLoRA", 1, [("LoRA", 2, [])])]
    assert shape(qa.descendants) == []
    step = qa.ancestors[0].evidence[0]
    assert (step.rule, [p.key for p in step.papers]) == ("stated", ["arxiv:2309.14717"])
    llama = find_lineage(lineage_graph_dir, "LLaMA")
    assert shape(llama.descendants) == [("Guanaco", 1, []), ("Llama 2", 1, [])]
    assert llama.descendants[0].evidence[0].rule == "finetune"


def test_depth_limit(lineage_graph_dir: Path) -> None:
    qa = find_lineage(lineage_graph_dir, "QA-LoRA", max_depth=1)
    assert shape(qa.ancestors) == [("QLoRA", 1, [])]
    assert qa.ancestors[0].cut
    assert "… more beyond the depth limit" in format_text(qa)
    assert shape(find_lineage(lineage_graph_dir, "QA-LoRA", max_depth=0).ancestors) == []


def test_json(lineage_graph_dir: Path) -> None:
    data = json.loads(format_json(find_lineage(lineage_graph_dir, "QA-LoRA")))
    assert data["entity"] == {
        "label": "QA-LoRA",
        "type": "Technique",
        "iri": "https://w3id.org/paperkg/entity/QA-LoRA",
        "alt_labels": ["Quantization-Aware Low-Rank Adaptation"],
    }
    qlora = data["ancestors"][0]
    assert (qlora["label"], qlora["depth"]) == ("QLoRA", 1)
    assert qlora["evidence"][0]["papers"][0]["title"].startswith("QA-LoRA: Quantization-Aware")
    lora = qlora["ancestors"][0]
    assert (lora["label"], lora["depth"], lora["ancestors"]) == ("LoRA", 2, [])
    assert [p["key"] for p in lora["evidence"][0]["papers"]] == [
        "arxiv:2305.14314",
        "arxiv:2309.14717",
    ]
    assert data["descendants"] == []


def test_unknown_name_suggests(lineage_graph_dir: Path) -> None:
    with pytest.raises(UnknownEntityError) as err:
        find_lineage(lineage_graph_dir, "QLoRa-2")
    message = str(err.value)
    assert message.startswith("no entity named 'QLoRa-2'; closest: QLoRA")
    assert len(message.split("closest: ")[1].split(", ")) <= 5


def test_a_name_close_to_none_suggests_a_search(lineage_graph_dir: Path) -> None:
    with pytest.raises(UnknownEntityError) as err:
        find_lineage(lineage_graph_dir, "NoSuchModel")
    assert str(err.value) == ("no entity named 'NoSuchModel', nor one close to it; search the "
                              "names with `paperkg query entity-search TEXT`")


def test_cycles_and_diamonds_terminate(graph_writer) -> None:  # type: ignore[no-untyped-def]
    folder = graph_writer(
        "e:A a pk:Technique ; rdfs:label 'A' ; pk:derivedFrom e:B .\n"
        "e:B a pk:Technique ; rdfs:label 'B' ; pk:derivedFrom e:A .\n"
        "e:C a pk:Technique ; rdfs:label 'C' ; pk:derivedFrom e:A .\n"
        "e:D a pk:Technique ; rdfs:label 'D' ; pk:derivedFrom e:A .\n"
        "e:E a pk:Model ; rdfs:label 'E' ; pk:derivedFrom e:C, e:D .\n"
    )
    a = find_lineage(folder, "a")
    assert shape(a.ancestors) == [("B", 1, [("A*cycle", 2, [])])]
    assert shape(a.descendants) == [
        ("B", 1, [("A*cycle", 2, [])]),
        ("C", 1, [("E", 2, [])]),
        ("D", 1, [("E*repeat", 2, [])]),
    ]
    text = format_text(a)
    assert "A (Technique) [cycle]" in text and "E (Model) [see above]" in text
    assert "(no evidence recorded)" in text
    e = find_lineage(folder, "E")
    assert shape(e.ancestors) == [
        ("C", 1, [("A", 2, [("B", 3, [("A*cycle", 4, [])])])]),
        ("D", 1, [("A*repeat", 2, [])]),
    ]


def test_html_is_offline_hierarchical_and_escaped(graph_writer) -> None:  # type: ignore[no-untyped-def]
    folder = graph_writer(
        "e:X a pk:Technique ; rdfs:label '<script>alert(1)</script>' ; "
        "skos:altLabel '<img src=x onerror=alert(2)>', 'see href' .\n"
        "e:Y a pk:Technique ; rdfs:label 'Y & Co' ; pk:derivedFrom e:X .\n"
        "p:p1 a pk:Paper ; dcterms:title '</script><b>T</b>' ; dcterms:identifier 'id:1' .\n"
        "l:1 a pk:LineageLink ; pk:child e:Y ; pk:parent e:X ; pk:evidence 'Y <i>extends</i> X' ; "
        "pk:rule 'stated' ; pk:sourcePaper p:p1 .\n"
    )
    page = lineage_html(find_lineage(folder, "Y & Co"))
    assert external_references(page) == []
    assert not re.search(r"<(script|link)[^>]+(src|href)\s*=\s*[\"']?(https?:)?//", page, re.I)
    assert '"hierarchical": {"enabled": true, "direction": "UD"' in page
    for raw in ("<script>alert(1)", "<img src=x", "</script><b>T", "<i>extends</i>"):
        assert raw not in page
    assert "Lineage of Y &amp; Co" in page
    assert page.count("<title>") == 1 and "<title>Lineage of Y &amp; Co - paperkg</title>" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # in the list below the drawing
    assert "href" not in re.sub(
        r"hre\u200bf", "", page.split("nodes = new vis.DataSet(")[1].split(");")[0]
    )


def test_html_of_the_fixture(lineage_graph_dir: Path) -> None:
    page = lineage_html(find_lineage(lineage_graph_dir, "QLoRA"))
    assert external_references(page) == []
    data = page.split("nodes = new vis.DataSet(")[1].split(");")[0]
    nodes = {n["label"]: n["level"] for n in json.loads(data)}
    assert nodes == {"LoRA": 0, "QLoRA": 1, "QA-LoRA": 2}


@pytest.mark.parametrize("name", ["LoRA", "QLoRA", "QA-LoRA", "LLaMA", "Mixtral 8x7B", "GPT-4"])
def test_sparql_lineage_query_agrees(lineage_graph_dir: Path, name: str) -> None:
    def flatten(nodes: tuple[LineageNode, ...], direction: str) -> set:
        out = set()
        for n in nodes:
            if not (n.cycle or n.repeat):
                out.add((direction, n.entity.label, str(n.depth)))
            out |= flatten(n.children, direction)
        return out

    lineage = find_lineage(lineage_graph_dir, name)
    expected = flatten(lineage.ancestors, "ancestor") | flatten(lineage.descendants, "descendant")
    rows = run_named_query(lineage_graph_dir, "lineage", {"entity": name}).records()
    assert {(r["direction"], r["label"], r["depth"]) for r in rows} == expected
    evidence = {(r["label"], r["evidence"]) for r in rows}
    assert evidence == {
        (n["label"], ev["text"])
        for tree in ("ancestors", "descendants")
        for n in _walk(to_dict(lineage)[tree], tree)
        for ev in n["evidence"]
    }


def _walk(nodes: list[dict], key: str):  # type: ignore[no-untyped-def]
    for node in nodes:
        yield node
        yield from _walk(node[key], key)


def test_cli_text_json_html(
    capsys: pytest.CaptureFixture[str],
    lineage_graph_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    graph = str(lineage_graph_dir)
    assert main(["lineage", "quantized lora", "--graph", graph]) == 0
    assert capsys.readouterr().out == QLORA_TEXT
    assert main(["lineage", "QLoRA", "--format", "json", "--depth", "1", "--graph", graph]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["max_depth"] == 1 and data["descendants"][0]["label"] == "QA-LoRA"
    monkeypatch.chdir(tmp_path)
    assert main(["lineage", "Llama 2", "--format", "html", "--graph", graph]) == 0
    assert capsys.readouterr().err.strip() == "wrote lineage-Llama_2.html"
    page = (tmp_path / "lineage-Llama_2.html").read_text(encoding="utf-8")
    assert "Lineage of Llama 2" in page and external_references(page) == []
    assert main(["lineage", "LoRA", "--format", "html", "--out", "x.html", "--graph", graph]) == 0
    assert (tmp_path / "x.html").is_file()


def test_text_lists_a_few_papers_per_step(graph_writer) -> None:  # type: ignore[no-untyped-def]
    papers = "\n".join(
        f"p:p{i} a pk:Paper ; dcterms:title 'Paper {i}' ; dcterms:identifier 'id:{i}' ."
        for i in range(7)
    )
    sources = ", ".join(f"p:p{i}" for i in range(7))
    folder = graph_writer(
        "e:A a pk:Model ; rdfs:label 'A' .\n"
        "e:B a pk:Model ; rdfs:label 'B' ; pk:derivedFrom e:A .\n"
        f"{papers}\n"
        f"l:1 a pk:LineageLink ; pk:child e:B ; pk:parent e:A ; pk:sourcePaper {sources} .\n"
    )
    lineage = find_lineage(folder, "A")
    text = format_text(lineage)
    assert text.count("paper: Paper") == 5
    assert "… and 2 more papers (--format json lists all)" in text
    assert len(to_dict(lineage)["descendants"][0]["evidence"][0]["papers"]) == 7


DIAMOND = (
    "e:RootNet a pk:Model ; rdfs:label 'RootNet' .\n"
    "e:AlphaNet a pk:Model ; rdfs:label 'AlphaNet' ; pk:derivedFrom e:RootNet .\n"
    "e:XenoNet a pk:Model ; rdfs:label 'XenoNet' ; pk:derivedFrom e:AlphaNet, e:RootNet .\n"
    "e:YakNet a pk:Model ; rdfs:label 'YakNet' ; pk:derivedFrom e:XenoNet .\n"
)


def test_depth_limit_keeps_every_entity_within_reach(graph_writer) -> None:  # type: ignore[no-untyped-def]
    # XenoNet is first reached through AlphaNet (2 steps) but is 1 step from RootNet:
    # it is expanded there, so YakNet (2 steps) shows with --depth 2
    folder = graph_writer(DIAMOND)
    expected = [
        ("AlphaNet", 1, [("XenoNet*repeat", 2, [])]),
        ("XenoNet", 1, [("YakNet", 2, [])]),
    ]
    for depth in (2, 3, None):
        assert shape(find_lineage(folder, "RootNet", max_depth=depth).descendants) == expected
    lineage = find_lineage(folder, "RootNet", max_depth=2)
    text = format_text(lineage)
    assert "YakNet (Model)" in text and "XenoNet (Model) [see below]" in text
    assert "[see above]" not in text and "beyond the depth limit" not in text
    xeno = to_dict(lineage)["descendants"][1]
    assert (xeno["label"], xeno["descendants"][0]["label"]) == ("XenoNet", "YakNet")
    page = lineage_html(lineage)
    assert "0 ancestor(s) above, 3 descendant(s) below" in page
    data = page.split("nodes = new vis.DataSet(")[1].split(");")[0]
    levels = {n["label"]: n["level"] for n in json.loads(data)}
    assert levels == {"RootNet": 0, "AlphaNet": 1, "XenoNet": 1, "YakNet": 2}
    # at depth 1 only XenoNet has a next step beyond the limit
    one = find_lineage(folder, "RootNet", max_depth=1).descendants
    assert [(n.entity.label, n.cut) for n in one] == [("AlphaNet", False), ("XenoNet", True)]
    yak = find_lineage(folder, "YakNet", max_depth=2)
    assert shape(yak.ancestors) == [("XenoNet", 1, [("AlphaNet", 2, []), ("RootNet", 2, [])])]


def test_sparql_lineage_query_names_the_same_entities_on_a_diamond(graph_writer) -> None:  # type: ignore[no-untyped-def]
    """The named query's depth counts the entities on every path between (its
    description says so): XenoNet is 1 step from RootNet, and also 2 through
    AlphaNet, so its depth is 2 there; `paperkg lineage` shows the shortest, 1."""
    folder = graph_writer(DIAMOND)
    rows = run_named_query(folder, "lineage", {"entity": "RootNet"}).records()
    depths = {(r["label"], r["via"].rsplit("/", 1)[-1]): int(r["depth"]) for r in rows}
    assert depths == {("AlphaNet", "RootNet"): 1, ("XenoNet", "RootNet"): 2,
                      ("XenoNet", "AlphaNet"): 2, ("YakNet", "XenoNet"): 3}
    tree = find_lineage(folder, "RootNet").descendants
    assert {label for label, _via in depths} == {n.entity.label for n in _nodes(tree)}
    shortest = {n.entity.label: n.depth for n in _nodes(tree) if not n.repeat}
    assert shortest == {"AlphaNet": 1, "XenoNet": 1, "YakNet": 2}


def _nodes(nodes: tuple[LineageNode, ...]):  # type: ignore[no-untyped-def]
    for node in nodes:
        yield node
        yield from _nodes(node.children)


def test_depth_limit_on_a_longer_first_path(graph_writer) -> None:  # type: ignore[no-untyped-def]
    # A reaches D first along A <- B <- C <- D (sorted first) and again directly
    folder = graph_writer(
        "e:A a pk:Model ; rdfs:label 'A' .\n"
        "e:B a pk:Model ; rdfs:label 'B' ; pk:derivedFrom e:A .\n"
        "e:C a pk:Model ; rdfs:label 'C' ; pk:derivedFrom e:B .\n"
        "e:D a pk:Model ; rdfs:label 'D' ; pk:derivedFrom e:C, e:A .\n"
        "e:E a pk:Model ; rdfs:label 'E' ; pk:derivedFrom e:D .\n"
    )
    assert shape(find_lineage(folder, "A", max_depth=2).descendants) == [
        ("B", 1, [("C", 2, [])]),
        ("D", 1, [("E", 2, [])]),
    ]
    text = format_text(find_lineage(folder, "A"))
    assert text.index("D (Model) [see below]") < text.index("E (Model)")


def test_cli_on_a_console_that_cannot_encode_the_tree(
    capsys: pytest.CaptureFixture[str],
    graph_writer,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = str(graph_writer(DIAMOND.replace("'YakNet'", "'YakNét'")))
    raw = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(raw, encoding="ascii"))
    assert main(["lineage", "RootNet", "--graph", folder]) == 0
    sys.stdout.flush()
    text = raw.getvalue().decode("ascii")
    assert "|-- AlphaNet (Model)" in text and "`-- YakN\\xe9t (Model)" in text
    assert "cannot show every character" in capsys.readouterr().err
    raw.seek(0), raw.truncate()
    assert main(["lineage", "RootNet", "--format", "json", "--graph", folder]) == 0
    sys.stdout.flush()
    data = json.loads(raw.getvalue().decode("ascii"))
    assert data["descendants"][1]["descendants"][0]["label"] == "YakNét"
    assert main(["lineage", "RootNet", "--format", "html", "--out", "-", "--graph", folder]) == 2
    assert "--out FILE" in capsys.readouterr().err


def test_bidi_controls_cannot_reverse_the_text(graph_writer) -> None:  # type: ignore[no-untyped-def]
    folder = graph_writer(
        "e:Z a pk:Model ; rdfs:label 'ZorbNet' .\n"
        "e:R a pk:Model ; rdfs:label '\u202eRTLNet' ; pk:derivedFrom e:Z .\n"
        "l:1 a pk:LineageLink ; pk:child e:R ; pk:parent e:Z ; "
        "pk:evidence '\u2067\u202eRTLNet derives from ZorbNet' ; pk:rule 'curated' .\n"
    )
    lineage = find_lineage(folder, "ZorbNet")
    controls = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
    text = format_text(lineage)
    assert not controls.search(text)
    assert "└── \\u202eRTLNet (Model)" in text
    assert "evidence (curated): \\u2067\\u202eRTLNet derives from ZorbNet" in text
    page = lineage_html(lineage)
    assert not controls.search(page.split("<section id='lineage-trees'>")[1])
    assert "<li><bdi>\\u202eRTLNet</bdi>" in page
    data = page.split("nodes = new vis.DataSet(")[1].split(");")[0]
    assert "\\\\u202eRTLNet" in data and not controls.search(json.loads(data)[1]["label"])


@pytest.mark.parametrize(
    "name",
    [
        "<https://w3id.org/paperkg/entity/QLoRA>",
        " entity:QLoRA ",
        "https://w3id.org/paperkg/entity/QLoRA",
    ],
)
def test_the_iri_forms_paperkg_prints_are_accepted(
    capsys: pytest.CaptureFixture[str], lineage_graph_dir: Path, name: str
) -> None:
    assert main(["lineage", name, "--graph", str(lineage_graph_dir)]) == 0
    assert capsys.readouterr().out == QLORA_TEXT


def test_html_file_names_of_entities_with_one_label(
    capsys: pytest.CaptureFixture[str],
    graph_writer,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = graph_writer(
        "e:SPP a pk:Technique ; rdfs:label 'SPP' .\n"
        "e:spp-other a pk:Technique ; rdfs:label 'SPP' .\n"
        "e:LoRA a pk:Technique ; rdfs:label 'LoRA' .\n"
    )
    monkeypatch.chdir(tmp_path)
    for name in ("entity:SPP", "entity:spp-other", "LoRA"):
        assert main(["lineage", name, "--format", "html", "--graph", str(folder)]) == 0
    written = capsys.readouterr().err.split()
    assert written[1::2] == [
        "lineage-SPP_ba903ecb.html", "lineage-SPP_96238153.html", "lineage-LoRA.html"
    ]
    assert len({(tmp_path / name).read_text(encoding="utf-8") for name in written[1::2]}) == 3
