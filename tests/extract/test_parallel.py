"""Extraction over several processes gives what one process gives, in order."""

from __future__ import annotations

import os
import subprocess
import sys
import time

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


@pytest.mark.skipif("fork" not in parallel.multiprocessing.get_all_start_methods(),
                    reason="forked workers only")
def test_forked_workers_are_sent_bounds_not_papers(monkeypatch):
    """A batch of papers sent to a worker was larger than a pipe holds, and after a
    Ctrl-C, Pool.terminate waited for good for the task handler blocked sending one
    (CPython gh-78178). Forked workers have the papers: no paper is pickled."""
    from paperkg.records import Paper

    papers = list(read_inputs(None).papers[:8])
    monkeypatch.setattr(parallel, "MIN_PARALLEL", 1)
    monkeypatch.setattr(parallel, "BATCH", 3)  # bounds (0, 3), (3, 6), (6, 8)

    def refuse(self, protocol):
        raise AssertionError(f"a paper was pickled: {self.key}")

    monkeypatch.setattr(Paper, "__reduce_ex__", refuse)
    together = list(parallel.extract_all(papers, Settings(), jobs=2))
    assert [e.paper for e in together] == papers
    assert any(e.mentions for e in together)


def _watch_terminate(monkeypatch) -> list[list[int | None]]:
    """The workers' exit codes each time a pool is terminated, before and after."""
    import multiprocessing.pool

    seen: list[list[int | None]] = []
    original = multiprocessing.pool.Pool.terminate

    def terminate(self):
        workers = list(self._pool)
        seen.append([worker.exitcode for worker in workers])
        original(self)
        seen.append([worker.exitcode for worker in workers])

    monkeypatch.setattr(multiprocessing.pool.Pool, "terminate", terminate)
    return seen


def test_workers_that_finished_exit_by_themselves_not_by_a_signal(monkeypatch):
    """Pool.terminate sent SIGTERM to workers blocked on the task queue's lock,
    which the parent held; a worker that missed it hung a 100k build for good."""
    papers = list(read_inputs(None).papers[:8])
    monkeypatch.setattr(parallel, "MIN_PARALLEL", 1)
    monkeypatch.setattr(parallel, "BATCH", 4)
    seen = _watch_terminate(monkeypatch)
    assert len(list(parallel.extract_all(papers, Settings(), jobs=2))) == len(papers)
    assert seen == [[0, 0], [0, 0]]  # ended before the pool was terminated


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG")
def test_the_workers_do_not_outlive_a_killed_build():
    """A worker stuck in its initializer (here: forever asleep; a fork of a threaded
    process can deadlock there) outlived its killed build: one interrupted build left
    one sleeping for half an hour. Workers now die with the build."""
    script = (
        "import multiprocessing, threading, time\n"
        "from paperkg.extract import parallel\n"
        "from paperkg.records import Paper\n"
        "class Stuck:\n"
        "    def __init__(self, settings):\n"
        "        time.sleep(600)\n"
        "parallel._extractor = Stuck\n"
        "papers = [Paper(key=f'id:{i}', title='T', abstract='A.')"
        " for i in range(parallel.MIN_PARALLEL)]\n"
        "def report():\n"
        "    while len(multiprocessing.active_children()) < 2:\n"
        "        time.sleep(0.1)\n"
        "    time.sleep(1)\n"
        "    print(*(p.pid for p in multiprocessing.active_children()), flush=True)\n"
        "threading.Thread(target=report, daemon=True).start()\n"
        "next(parallel.extract_all(papers, jobs=2))\n"  # on the main thread, as a build
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        workers = [int(pid) for pid in proc.stdout.readline().split()]
        assert len(workers) == 2
    finally:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + 20
    alive = workers
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [pid for pid in alive if _running(pid)]
    for pid in alive:  # do not leave them behind when the test fails
        os.kill(pid, 9)
    assert alive == [], "workers outlived their build"


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False
