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
