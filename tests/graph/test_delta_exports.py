"""An update's export files written from the earlier build's files and the nodes its
resolution changed (:mod:`paperkg.graph.delta`), with no whole graph, are the bytes
of a full build's."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from paperkg.export.batches import Sizes
from paperkg.export.graphml import write_graphml
from paperkg.export.rdf import write_rdf, write_rdf_files
from paperkg.export.report import BuildReport
from paperkg.export.reuse import (
    GRAPHML_FILE,
    RDF_FILES,
    Reuse,
    index_from_sizes,
    load_index,
    save_index,
    signatures,
)
from paperkg.graph.build import build_graph
from paperkg.graph.delta import patch, sample_graph, sample_papers
from paperkg.ingest.collect import read_inputs
from paperkg.pipeline import _sample_graph
from paperkg.records import EntityType, Extraction, Mention, Paper
from paperkg.resolve.curation import NearDuplicates, near_duplicates
from paperkg.resolve.delta import (
    Fallback,
    advance_state,
    delta_entities,
    delta_lineage,
    delta_links,
    link_count_changes,
    links_of,
    redone_papers,
    resolve_keeping,
    update_input,
)
from paperkg.resolve.resolver import _links, resolve
from paperkg.resolve.spread import spread_names
from paperkg.view.graph_html import plan_graph_html
from paperkg.view.kept import ViewData, plan_update_view
from tests.resolve.test_delta import _corpus

FILES = [*RDF_FILES.values(), GRAPHML_FILE]


@pytest.fixture(scope="module")
def sample(extractor):
    return extractor.extract(read_inputs(None, "auto").papers)


def _write(graph, folder) -> None:
    """The exports of a full build, and the index an update reads."""
    rdf_sizes, graphml_sizes = Sizes(), Sizes()
    write_rdf_files(graph, {fmt: folder / name for fmt, name in RDF_FILES.items()},
                    sizes=rdf_sizes)
    write_graphml(graph, str(folder / GRAPHML_FILE), sizes=graphml_sizes)
    save_index(index_from_sizes(graph, signatures(graph), rdf_sizes, graphml_sizes), folder)


def _patch(extractions, earlier: int, resources, folder, page=(2, 2500)):
    """Write a build of ``extractions[:earlier]``, a full build of all of them, and
    the update's files patched from the first, and plan the update's page
    (``page``: its least support and most nodes); returns (the delta, the nodes now)."""
    folders = {name: folder / name for name in ("before", "full", "patched")}
    for path in folders.values():
        path.mkdir()
    before = spread_names(extractions[:earlier], resources.is_stopped)
    resolution, state = resolve_keeping(before, resources)
    earlier_graph = build_graph([e.paper for e in before], resolution)
    _write(earlier_graph, folders["before"])
    spread = spread_names(before + list(extractions[earlier:]), resources.is_stopped, earlier)
    full = resolve(spread, resources, spread=False, curation=False)
    full_graph = build_graph([e.paper for e in spread], full)
    _write(full_graph, folders["full"])

    update = update_input(spread, before, earlier)
    delta = delta_entities(state, update, resources)
    links = delta_links(state, delta, update)
    lineage, entities = delta_lineage(state, delta, update, resources)
    by_key = {entity.key: entity for entity in entities.values()}
    previous, why = load_index(folders["before"])
    assert previous is not None, why
    patched = patch(previous, redone_papers(update, links), links, by_key,
                    {delta.entities[root].key for root in delta.touched}, lineage,
                    resolution.lineage)
    changed, nodes = patched.delta, list(patched.graph._node)
    reuse = Reuse(patched.graph, patched.signature, previous, folders["before"])
    reuse.write_rdf(folders["patched"])  # raises KeyError if it reads an unchanged node
    reuse.write_graphml(folders["patched"])
    reuse.wait()
    for name in FILES:
        assert (folders["patched"] / name).read_bytes() == (folders["full"] / name).read_bytes()
    assert set(reuse.changed()) <= changed.changed

    # report.json's counts, from the earlier build's and what changed
    reports = BuildReport(), BuildReport()
    reports[0].add_graph(earlier_graph, resolution)
    reports[1].add_graph(full_graph, full)
    edges = Counter(reports[0].edges)
    edges.update(link_count_changes(state, delta, update, links))
    edges["derivedFrom"] = len(lineage)
    assert {relation: n for relation, n in sorted(edges.items()) if n} == reports[1].edges
    assert dict(sorted(Counter(e.type.value for e in by_key.values()).items())) == \
        reports[1].entities
    assert reports[0].papers + len(update.new) == reports[1].papers
    # the near-duplicates, looking again at the blocks whose labels changed
    was = {key: (e.type.value, e.label) for key, e in resolution.entities.items()}
    now = {key: (e.type.value, e.label) for key, e in by_key.items()}
    near = NearDuplicates.of(list(was.values())).changed(
        [was[key] for key in was if now.get(key) != was[key]],
        [now[key] for key in now if was.get(key) != now[key]])
    assert near.top() == near_duplicates(list(full.entities.values()))

    # the SHACL sample: the earlier one and the new papers give it; its papers' links
    # are made again from their extractions (an update reads them from the state)
    keys = sample_papers([*sample_papers(e.paper.key for e in before),
                          *(e.paper.key for e in update.new)])
    assert keys == sample_papers(e.paper.key for e in spread)
    sampled = {e.paper.key: e for e in spread if e.paper.key in keys}
    roots = {key: tuple(delta.index.sets.find(delta.index.mention_node(m)) for m in e.mentions)
             for key, e in sampled.items()}
    sample_links = {key: tuple(_links([e], [roots[key]], delta.entities))
                    for key, e in sampled.items()}
    text = io.StringIO(), io.StringIO()
    write_rdf(sample_graph([sampled[key].paper for key in keys], sample_links, by_key, lineage),
              text[0])
    write_rdf(_sample_graph(full_graph), text[1])
    assert text[0].getvalue() == text[1].getvalue()

    # the page, from the view data the earlier build kept and the state the update leaves
    min_support, max_nodes = page
    earlier_page = plan_graph_html(earlier_graph, min_support=min_support, max_nodes=max_nodes)
    view = ViewData.of([e.paper for e in before], resolution.links,
                       [node.removeprefix("paper:") for node in earlier_page.selection.papers])
    after = advance_state(state, delta, update, lineage, resources.is_stopped)
    view.redo([e.paper for e in update.new] + [now.paper for now, _ in update.changed], links)
    read = []
    spread_by_key = {e.paper.key: e for e in spread}

    def drawn(keys):  # as the update reads them: the records, and the links made again
        read.extend(keys)
        found = dict(links)
        found.update(links_of(delta, [spread_by_key[k] for k in keys if k not in found],
                              delta.entities))
        return {key: (spread_by_key[key].paper, found[key]) for key in keys}

    planned = plan_update_view(view, by_key, after.entities, after.papers_of, lineage,
                               drawn, min_support=min_support, max_nodes=max_nodes)
    whole = plan_graph_html(full_graph, min_support=min_support, max_nodes=max_nodes)
    assert planned.selection == whole.selection
    assert planned.layout_call[1] == whole.layout_call[1]
    at = {node: (float(i), 0.0) for i, node in enumerate(planned.layout_call[1][0])}
    assert planned.render(at) == whole.render(at)
    assert not set(read) & set(earlier_page.selection.papers) - set(links)
    return changed, nodes


@pytest.mark.parametrize("earlier", [300, 540, 571])
def test_patched_exports_are_the_bytes_of_a_full_build(sample, resources, tmp_path, earlier):
    changed, nodes = _patch(sample, earlier, resources, tmp_path)
    if earlier > len(sample) - 50:  # a small update: most of the text is copied
        assert len(changed.changed) < len(nodes) / 5


def test_an_entity_renamed_by_a_new_meaning_is_patched_everywhere(resources, tmp_path):
    def paper(key, long):
        mention = Mention(key, "ZQX", EntityType.TECHNIQUE, "named", "abstract", 0, 3,
                          "We use ZQX.", "acronym", 0.9, aliases=(long,))
        return Extraction(Paper(key, f"Title {key}", "We use ZQX."), (mention,),
                          words="ZQX")

    corpus = [paper("p1", "Zonal Query Expansion"), paper("p2", "Zonal Query Expansion"),
              paper("n1", "Zero Quantised eXperts")]
    changed, _ = _patch(corpus, 2, resources, tmp_path)
    assert changed.removed == {"entity:zqx"}
    assert {"entity:zqx-zonalqueryexpansion", "paper:p1", "paper:p2"} <= changed.changed


def _bare(key: str, *names: str) -> Extraction:
    """A paper naming ``names`` (coined, each its own entity)."""
    return Extraction(Paper(key, f"Title {key}", "Text."), tuple(
        Mention(key, name, EntityType.MODEL, "named", "abstract", 0, len(name), "Text.",
                "proposal", 0.9) for name in names), words=" ".join(names))


def test_files_that_begin_with_a_new_entity_are_patched(resources, tmp_path):
    # "Aardvark" sorts before every earlier entity: the earlier first is written again
    changed, _ = _patch([_bare("p1", "Quexnet"), _bare("p2", "Zorbit"), _bare("n1", "Aardvark")],
                        2, resources, tmp_path)
    assert {"entity:aardvark", "entity:quexnet"} <= changed.changed


def test_files_that_begin_with_an_earlier_paper_fall_back(resources, tmp_path):
    # no entity at all: the files begin with a paper, and a new one sorts before it
    with pytest.raises(Fallback, match="begin with another node"):
        _patch([_bare("p2"), _bare("p1")], 1, resources, tmp_path)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(corpus=_corpus(), data=st.data())
def test_any_update_of_a_small_corpus_patches_the_files_of_a_full_build(
        resources, tmp_path_factory, corpus, data):
    """Random small corpora (tests/resolve/test_delta.py's) split anywhere: the patched
    files, counts, near-duplicates and sample are a full build's, or the update
    falls back."""
    earlier = data.draw(st.integers(1, len(corpus) - 1))
    page = data.draw(st.tuples(st.integers(1, 2), st.integers(1, 12)))
    try:
        _patch(corpus, earlier, resources, tmp_path_factory.mktemp("patch"), page)
    except Fallback as why:
        event(f"falls back: {str(why).split(chr(39))[0]}")
        return
    event("patched")
