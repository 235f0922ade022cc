"""The build runs the cyclic garbage collector less often, and puts it back."""

from __future__ import annotations

import gc

import pytest

from paperkg import pipeline


def test_threshold_is_raised_for_the_build_and_restored_after_a_failure():
    before = gc.get_threshold()
    with pytest.raises(RuntimeError):
        with pipeline._fewer_collections():
            assert gc.get_threshold()[0] == pipeline.GC_THRESHOLD != before[0]
            raise RuntimeError("a build that fails")
    assert gc.get_threshold() == before



def test_no_collections_inside_then_what_was_made_is_frozen():
    before = gc.get_freeze_count()
    try:
        with pipeline._no_collections():
            assert not gc.isenabled()
            made = [[i] for i in range(1000)]  # containers the collector tracks
        assert gc.isenabled()
        assert gc.get_freeze_count() >= before + len(made)
    finally:
        gc.unfreeze()


def test_a_failure_inside_turns_the_collector_back_on():
    try:
        with pytest.raises(RuntimeError):
            with pipeline._no_collections():
                raise RuntimeError("resolution failed")
        assert gc.isenabled()
    finally:
        gc.unfreeze()


def _finish(tmp_path, papers):
    from paperkg.extract.pipeline import Extractor
    from paperkg.ingest import ReadResult

    read = ReadResult(papers=tuple(papers), skips=(), files=("f",), records=len(papers),
                      duplicates=0)
    options = pipeline.BuildOptions(html=False, progress=False, helper=False)
    return pipeline.finish(read, list(Extractor().extract(papers)), tmp_path / "out", options)


def _papers():
    from paperkg.records import Paper

    return [Paper("p1", "LoRA for LLaMA", "We adapt LLaMA with LoRA on MMLU."),
            Paper("p2", "QLoRA", "QLoRA extends LoRA.")]


def test_finish_unfreezes_what_it_froze(tmp_path):
    assert gc.get_freeze_count() == 0
    report = _finish(tmp_path, _papers())
    assert report.papers == 2
    assert gc.get_freeze_count() == 0 and gc.isenabled()


def test_finish_leaves_a_callers_own_freeze_frozen(tmp_path):
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        _finish(tmp_path, _papers())
        assert gc.get_freeze_count() >= frozen
    finally:
        gc.unfreeze()
