"""An update's exports copy the text of unchanged nodes from the earlier files and
give the bytes a full build gives."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from paperkg.export import rdf, reuse
from paperkg.export.batches import Sizes
from paperkg.export.graphml import write_graphml
from paperkg.export.rdf import write_rdf_files
from paperkg.layout import EXPORT_INDEX_FILE
from paperkg.vocab import mint

FILES = ("graph.ttl", "graph.jsonld", "graph.graphml")


def synthetic_graph(papers: int = 60):
    """``papers`` papers, each mentioning three of 20 entities, with lineage naming papers."""
    import networkx as nx

    graph = nx.MultiDiGraph()
    for p in range(papers):
        add_paper(graph, p, (p % 20, (p * 7) % 20, (p * 13 + 1) % 20))
    for e in range(20):
        graph.add_node(f"entity:E{e:02d}", node_type="Model", label=f"E{e}", kind="named",
                       aliases=(f"Entity {e}",), support=papers // 7,
                       iri=str(mint("entity", f"E{e:02d}")))
    for e in range(1, 20):
        graph.add_edge(f"entity:E{e:02d}", f"entity:E{e - 1:02d}", key="derivedFrom",
                       relation="derivedFrom", evidence=f"E{e} extends E{e - 1}.",
                       rule="naming", papers=(f"id:{e}", f"id:{e + 1}"))
    for p in range(papers):
        for e in (p % 20, (p * 7) % 20, (p * 13 + 1) % 20):
            add_mention(graph, p, f"entity:E{e:02d}")
    return graph


def add_paper(graph, p: int, entities=()) -> None:
    graph.add_node(f"paper:id:{p}", node_type="Paper", label=f"Paper {p}", title=f"Paper {p}",
                   abstract=f"We study ünïcode \"{p}\".\n" * 5, date="2024-01-02", arxiv_id="",
                   authors=("A. Author", f"Author {p}"), iri=str(mint("paper", f"id:{p}")))


def add_mention(graph, p: int, entity: str, evidence: str | None = None) -> None:
    graph.add_edge(f"paper:id:{p}", entity, key="mentions", relation="mentions",
                   evidence=evidence or f"We study {entity}.", confidence=0.9,
                   rule="gazetteer", field="abstract", start=9, end=11)


def write_full(graph, folder: Path) -> int:
    """What a full build writes: the three files and the index."""
    folder.mkdir(exist_ok=True)
    rdf_sizes, graphml_sizes = Sizes(), Sizes()
    triples = write_rdf_files(graph, {"turtle": folder / "graph.ttl",
                                      "json-ld": folder / "graph.jsonld"}, sizes=rdf_sizes)
    write_graphml(graph, str(folder / "graph.graphml"), sizes=graphml_sizes)
    index = reuse.index_from_sizes(graph, reuse.signatures(graph), rdf_sizes, graphml_sizes)
    reuse.save_index(index, folder)
    return triples


def write_update(graph, earlier: Path, folder: Path, *,
                 background: bool = False) -> tuple[reuse.Reuse, int]:
    """What an update writes from ``earlier``'s files and index (``background``: the
    copies run in threads, as in a build, and the index waits for them)."""
    folder.mkdir(exist_ok=True)
    plan, why = reuse.plan_reuse(graph, reuse.signatures(graph), earlier)
    assert plan is not None, why
    triples = plan.write_rdf(folder, background=background)
    plan.write_graphml(folder, background=background)
    assert bool(plan.pending) == background
    reuse.save_index(plan.index(), folder)
    assert not plan.pending and not plan.failed
    return plan, triples


def new_papers(graph):
    for p in (1000, 1001, 1002):
        add_paper(graph, p)
        add_mention(graph, p, "entity:E03")
        graph.nodes["entity:E03"]["support"] += 1  # an entity's text changes with its support


def new_first_node(graph):
    graph.add_node("entity:A0", node_type="Technique", label="A0", kind="concept", aliases=(),
                   support=1, iri=str(mint("entity", "A0")))
    add_mention(graph, 5, "entity:A0")


def first_node_goes(graph):
    graph.remove_node("entity:E00")


def a_label_changes(graph):
    graph.nodes["entity:E07"]["label"] = "E-7"


def an_evidence_changes(graph):
    graph.edges["paper:id:4", "entity:E04", "mentions"]["evidence"] = "Now with <b>E4</b> & more."


def a_named_paper_goes(graph):
    """E05's lineage link names paper id:5: its text loses the paper, though E05's data
    and edges stay."""
    graph.remove_node("paper:id:5")


def a_lineage_link_comes(graph):
    graph.add_edge("entity:E00", "entity:E19", key="derivedFrom", relation="derivedFrom",
                   evidence="E0 from E19.", rule="naming", papers=("id:9",))


def nothing(graph):
    pass


CHANGES = [new_papers, new_first_node, first_node_goes, a_label_changes, an_evidence_changes,
           a_named_paper_goes, a_lineage_link_comes, nothing]


@pytest.mark.parametrize("background", [False, True], ids=["in-turn", "background"])
@pytest.mark.parametrize("change", CHANGES, ids=[c.__name__ for c in CHANGES])
def test_an_update_gives_a_full_builds_bytes_and_formats_only_changed_nodes(
        tmp_path, monkeypatch, change, background):
    before = synthetic_graph()
    write_full(before, tmp_path / "before")
    after = copy.deepcopy(before)
    change(after)
    triples = write_full(after, tmp_path / "full")
    old_signature = reuse.signatures(before)
    changed = {node for node, sign in reuse.signatures(after).items()
               if old_signature.get(node) != sign}
    formatted = []
    description = rdf.node_description
    monkeypatch.setattr(rdf, "node_description",
                        lambda nodes, succ, node: formatted.append(node) or description(
                            nodes, succ, node))

    plan, updated_triples = write_update(after, tmp_path / "before", tmp_path / "updated",
                                         background=background)

    assert updated_triples == triples
    for name in FILES:
        assert (tmp_path / "updated" / name).read_bytes() == \
            (tmp_path / "full" / name).read_bytes(), name
    # the others were copied; the first node's JSON-LD object has no comma before it,
    # so a node that comes first or stops coming first is formatted
    first, was_first = sorted(after)[0], sorted(before)[0]
    moved = {first, was_first} & set(after) if first != was_first else set()
    assert sorted(formatted) == sorted(changed | moved)
    assert plan.count == after.number_of_nodes() - len(formatted)
    if change is not nothing:
        assert changed
    # the update's own index serves the next update
    again = copy.deepcopy(after)
    new_papers(again)
    write_full(again, tmp_path / "full-2")
    write_update(again, tmp_path / "updated", tmp_path / "updated-2", background=background)
    for name in FILES:
        assert (tmp_path / "updated-2" / name).read_bytes() == \
            (tmp_path / "full-2" / name).read_bytes(), name


def test_the_index_is_not_used_for_files_it_does_not_describe(tmp_path, monkeypatch):
    graph = synthetic_graph()
    folder = tmp_path / "build"
    write_full(graph, folder)
    signature = reuse.signatures(graph)
    assert reuse.plan_reuse(graph, signature, folder)[0] is not None

    ttl = folder / "graph.ttl"
    text = ttl.read_bytes()
    stat = ttl.stat()
    ttl.write_bytes(text.replace(b"Paper 1", b"Paper X", 1))  # same size, same time
    import os

    os.utime(ttl, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert reuse.plan_reuse(graph, signature, folder) == \
        (None, "graph.ttl changed since the earlier build")
    ttl.write_bytes(text)
    os.utime(ttl, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    assert reuse.plan_reuse(graph, signature, folder)[1] == \
        "graph.ttl changed since the earlier build"
    os.utime(ttl, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert reuse.plan_reuse(graph, signature, folder)[0] is not None

    monkeypatch.setattr(reuse, "code_print", lambda: "other")
    assert reuse.plan_reuse(graph, signature, folder)[1] == \
        "the earlier build was written by other paperkg code"
    monkeypatch.undo()

    index = folder / EXPORT_INDEX_FILE
    index.write_bytes(index.read_bytes()[:-10])
    assert reuse.plan_reuse(graph, signature, folder)[1].startswith(
        f"cannot read {EXPORT_INDEX_FILE}")
    index.unlink()
    assert reuse.plan_reuse(graph, signature, folder)[1] == \
        f"the earlier build kept no {EXPORT_INDEX_FILE}"


def test_an_update_that_changes_most_nodes_formats_them_all(tmp_path):
    graph = synthetic_graph(10)
    write_full(graph, tmp_path / "build")
    for p in range(100, 160):
        add_paper(graph, p)
    plan, why = reuse.plan_reuse(graph, reuse.signatures(graph), tmp_path / "build")
    assert plan is None and why == "60 of 90 nodes changed"


def test_a_graph_json_cannot_hold_has_no_signatures():
    graph = synthetic_graph(3)
    graph.nodes["paper:id:1"]["authors"] = {"a set"}
    assert reuse.signatures(graph) == {}


def test_sizes_that_do_not_match_the_graph_give_no_index(tmp_path, caplog):
    graph = synthetic_graph(5)
    rdf_sizes, graphml_sizes = Sizes(), Sizes()
    write_rdf_files(graph, {"turtle": tmp_path / "graph.ttl"}, sizes=rdf_sizes)
    write_graphml(graph, str(tmp_path / "graph.graphml"), sizes=graphml_sizes)
    signature = reuse.signatures(graph)
    assert reuse.index_from_sizes(graph, signature, rdf_sizes, graphml_sizes) is None  # no JSON-LD
    assert "no index of the exports" in caplog.text
    add_paper(graph, 99)
    rdf_sizes.items["json-ld"] = rdf_sizes.items["turtle"]
    rdf_sizes.heads["json-ld"] = 0
    assert reuse.index_from_sizes(graph, reuse.signatures(graph), rdf_sizes,
                                  graphml_sizes) is None  # a node more than was written


def test_text_orjson_cannot_tell_apart_is_formatted_each_time(tmp_path):
    """orjson writes NaN and infinity alike (null): such a node's text is never copied."""
    before = synthetic_graph(20)
    before.edges["paper:id:4", "entity:E04", "mentions"]["confidence"] = float("nan")
    write_full(before, tmp_path / "before")
    after = copy.deepcopy(before)
    after.edges["paper:id:4", "entity:E04", "mentions"]["confidence"] = float("inf")
    write_full(after, tmp_path / "full")
    plan, _ = write_update(after, tmp_path / "before", tmp_path / "updated")
    for name in FILES:
        assert (tmp_path / "updated" / name).read_bytes() == \
            (tmp_path / "full" / name).read_bytes(), name
    assert plan.count == after.number_of_nodes() - 1


def test_an_index_whose_pieces_do_not_add_up_is_not_used(tmp_path):
    import orjson
    import zstandard

    graph = synthetic_graph()
    folder = tmp_path / "build"
    write_full(graph, folder)
    path = folder / EXPORT_INDEX_FILE
    index = orjson.loads(zstandard.ZstdDecompressor().decompress(path.read_bytes()))
    index["files"]["graph.ttl"]["first"][3] += 5
    path.write_bytes(zstandard.ZstdCompressor().compress(orjson.dumps(index)))
    assert reuse.plan_reuse(graph, reuse.signatures(graph), folder) == \
        (None, f"cannot read {EXPORT_INDEX_FILE}: its pieces of graph.ttl do not add up "
               "to the file's size")
    index["files"]["graph.ttl"]["first"][3] -= 5
    index["graph_order"][0] = index["graph_order"][1]
    path.write_bytes(zstandard.ZstdCompressor().compress(orjson.dumps(index)))
    assert reuse.plan_reuse(graph, reuse.signatures(graph), folder)[1].endswith(
        "its GraphML order is not one of its nodes")
    index["files"] = []
    path.write_bytes(zstandard.ZstdCompressor().compress(orjson.dumps(index)))
    assert reuse.plan_reuse(graph, reuse.signatures(graph), folder)[1].startswith(
        f"cannot read {EXPORT_INDEX_FILE}")


def test_without_the_kernels_copy_the_text_is_read_and_written(tmp_path, monkeypatch):
    import errno
    import os

    before = synthetic_graph()
    write_full(before, tmp_path / "before")
    after = copy.deepcopy(before)
    new_papers(after)
    write_full(after, tmp_path / "full")
    calls = []

    def cross_device(*args):
        calls.append(args)
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "copy_file_range", cross_device, raising=False)
    write_update(after, tmp_path / "before", tmp_path / "updated")
    for name in FILES:
        assert (tmp_path / "updated" / name).read_bytes() == \
            (tmp_path / "full" / name).read_bytes(), name
    assert len(calls) == 3  # once a file: the splicer then reads and writes


def plan_with_a_file_cut_short(tmp_path, name: str) -> reuse.Reuse:
    """An update's plan over a build whose ``name`` was cut to 1,000 bytes since,
    and the empty folder ``updated`` to write into."""
    graph = synthetic_graph()
    write_full(graph, tmp_path / "before")
    plan, _ = reuse.plan_reuse(graph, reuse.signatures(graph), tmp_path / "before")
    with open(tmp_path / "before" / name, "r+b") as stream:
        stream.truncate(1000)
    (tmp_path / "updated").mkdir()
    return plan


def test_an_earlier_file_cut_short_is_an_error_the_build_can_catch(tmp_path):
    plan = plan_with_a_file_cut_short(tmp_path, "graph.ttl")
    with pytest.raises(OSError, match="the earlier graph.ttl ended at byte 1000"):
        plan.write_rdf(tmp_path / "updated")


def test_a_background_copy_that_fails_is_raised_by_wait_with_its_file(tmp_path):
    plan = plan_with_a_file_cut_short(tmp_path, "graph.graphml")
    plan.write_rdf(tmp_path / "updated", background=True)
    plan.write_graphml(tmp_path / "updated", background=True)  # the thread meets the end
    splicers = list(plan.pending)
    with pytest.raises(OSError, match="the earlier graph.graphml ended at byte"):
        plan.wait()
    assert plan.failed == {"graph.graphml"} and not plan.pending
    # the RDF files were copied whole, and every file is closed
    assert (tmp_path / "updated" / "graph.ttl").read_bytes() == \
        (tmp_path / "before" / "graph.ttl").read_bytes()
    assert len(splicers) == 3 and all(s.out.closed and s.source.closed for s in splicers)


def test_abandoned_copies_end_and_close_their_files_without_raising(tmp_path):
    plan = plan_with_a_file_cut_short(tmp_path, "graph.ttl")
    plan.write_rdf(tmp_path / "updated", background=True)
    splicers = list(plan.pending)
    assert len(splicers) == 2
    plan.abandon()
    assert not plan.pending
    assert all(s.thread is None and s.out.closed and s.source.closed for s in splicers)
