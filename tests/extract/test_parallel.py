"""Extraction over several processes gives what one process gives, in order."""

from __future__ import annotations

import pytest

from paperkg.extract import parallel
from paperkg.extract.pipeline import Settings
from paperkg.ingest import read_inputs



@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_workers_find_what_one_process_finds(monkeypatch, start_method):
    papers = list(read_inputs(None).papers[:12])  # the bundled sample corpus
    alone = list(parallel.extract_all(papers, Settings(), jobs=1))

    monkeypatch.setattr(parallel, "MIN_PARALLEL", 1)
    monkeypatch.setattr(parallel, "BATCH", 4)  # several batches, the last one short
    if start_method == "spawn":  # how platforms without fork run
        monkeypatch.setattr(parallel.multiprocessing, "get_all_start_methods",
                            lambda: ["spawn"])
    done: list[int] = []
    together = list(parallel.extract_all(papers, Settings(), jobs=2, progress=done.append))

    assert [e.paper for e in together] == papers  # the parent's own paper objects, in order
    assert all(a.paper is b for a, b in zip(together, papers))
    assert [(e.mentions, e.lineage) for e in together] == [(e.mentions, e.lineage) for e in alone]
    assert sum(done) == len(papers) and any(e.mentions for e in together)
