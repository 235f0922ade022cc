"""The build runs the cyclic garbage collector less often, and puts it back."""

from __future__ import annotations

import gc
import weakref
from dataclasses import replace

import pytest

from paperkg import pipeline
from paperkg.layout import RESOLUTION_FILE


def test_threshold_is_raised_for_the_build_and_restored_after_a_failure():
    before = gc.get_threshold()
    with pytest.raises(RuntimeError):
        with pipeline._fewer_collections():
            assert gc.get_threshold()[0] == pipeline.GC_THRESHOLD != before[0]
            raise RuntimeError("a build that fails")
    assert gc.get_threshold() == before


def _papers():
    from paperkg.records import Paper

    return [Paper("p1", "LoRA for LLaMA", "We adapt LLaMA with LoRA on MMLU."),
            Paper("p2", "QLoRA", "QLoRA extends LoRA.")]


def _finish(tmp_path, monkeypatch, fail: bool = False):
    """Run ``finish`` on two papers; a weak reference to the graph it builds."""
    from paperkg.extract.pipeline import Extractor
    from paperkg.ingest import ReadResult

    graphs = []
    build_graph = pipeline.build_graph

    def spy(*args, **kwargs):
        graph = build_graph(*args, **kwargs)
        graphs.append(weakref.ref(graph))
        assert gc.isenabled() is False  # no collection while the graph is made
        if fail:
            raise RuntimeError("the graph failed")
        return graph

    monkeypatch.setattr(pipeline, "build_graph", spy)
    papers = _papers()
    read = ReadResult(papers=tuple(papers), skips=(), files=("f",), records=2, duplicates=0)
    options = pipeline.BuildOptions(html=False, progress=False, helper=False)
    report = pipeline.finish(read, list(Extractor().extract(papers)), tmp_path / "out", options)
    assert report.papers == 2
    return graphs[0]


def test_the_graph_is_collectable_once_finish_returns(tmp_path, monkeypatch):
    graph = _finish(tmp_path, monkeypatch)
    assert gc.isenabled()
    gc.collect()
    assert graph() is None  # a networkx graph is cyclic: only the collector frees it


def test_the_graph_is_collectable_with_pyparsings_packrat_cache_on(tmp_path, monkeypatch):
    from pyparsing import ParserElement

    was_on = ParserElement._packratEnabled  # matplotlib turns it on for the whole process
    ParserElement.enable_packrat()
    try:
        graph = _finish(tmp_path, monkeypatch)  # pyshacl parses SPARQL with pyparsing
        gc.collect()
        assert graph() is None
    finally:
        if not was_on:
            ParserElement.disable_memoization()


def test_a_callers_own_freeze_is_left_as_it_was(tmp_path, monkeypatch):
    mine = [[1], [2]]  # a container the collector tracks, frozen by the caller
    gc.freeze()
    try:
        graph = _finish(tmp_path, monkeypatch)
        assert not any(obj is mine for obj in gc.get_objects())  # still frozen
        gc.collect()
        assert graph() is None  # nothing of the build was frozen for it
    finally:
        gc.unfreeze()
    assert any(obj is mine for obj in gc.get_objects())


def test_a_failure_while_the_graph_is_made_leaves_collection_as_it_was(tmp_path, monkeypatch):
    with pytest.raises(RuntimeError):
        _finish(tmp_path, monkeypatch, fail=True)
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize("fail", [False, True])
def test_an_update_loads_the_state_without_collections(tmp_path, monkeypatch, fail):
    from paperkg.errors import BuildError

    out = tmp_path / "out"
    options = pipeline.BuildOptions(html=False, progress=False, helper=False, validate="off")
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text('{"id": "p1", "title": "LoRA", "abstract": "We adapt LLaMA with LoRA."}\n')
    second.write_text('{"id": "p2", "title": "QLoRA", "abstract": "QLoRA extends LoRA."}\n')
    pipeline.build([first], out, options)
    (out / RESOLUTION_FILE).unlink()  # the update that loads the whole state
    load_state = pipeline.load_state
    seen = []

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        if fail:
            raise BuildError("the state is damaged")
        return load_state(*args, **kwargs)

    monkeypatch.setattr(pipeline, "load_state", spy)
    read_inputs = pipeline.read_inputs
    frozen = []

    def reading(*args, **kwargs):  # the state's objects are out of the collector's reach
        frozen.append(gc.get_freeze_count())
        return read_inputs(*args, **kwargs)

    monkeypatch.setattr(pipeline, "read_inputs", reading)
    assert gc.isenabled()
    if fail:
        with pytest.raises(BuildError):
            pipeline.build([second], out, replace(options, update=True))
    else:
        report = pipeline.build([second], out, replace(options, update=True))
        assert report.papers == 2 and report.update["reused"] == 1
        assert len(frozen) == 1 and frozen[0] > 0
    assert seen == [False]
    assert gc.isenabled()  # back on after the stage, failure included
    assert gc.get_freeze_count() == 0  # and nothing left frozen


def test_a_caller_that_turned_the_collector_off_keeps_it_off(tmp_path, monkeypatch):
    gc.disable()
    try:
        with pipeline._no_collection():
            assert not gc.isenabled()
        assert not gc.isenabled()
        _finish(tmp_path, monkeypatch)  # the pause around resolution and the graph
        assert not gc.isenabled()
    finally:
        gc.enable()
