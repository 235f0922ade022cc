"""Extraction over several processes: a pure function mapped over batches.

:func:`paperkg.extract.pipeline.extract_batch` takes a batch of papers and
returns their extractions with no shared state, so a process pool here, or a
distributed engine such as Dask (see ``docs/scale-out.md``), can map it.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from paperkg.children import parent_death_signal
from paperkg.records import Extraction, LineageClaim, Mention, Paper

if TYPE_CHECKING:  # the pipeline loads spaCy: imported where a process extracts
    from paperkg.extract.pipeline import Extractor, Settings

#: below this many papers a pool costs more than it saves: each worker makes its
#: own pipeline (about a second), in parallel with the others. The sample corpus's
#: 572 papers took 3.4 s in one process and 2.6-2.7 s with two workers.
MIN_PARALLEL = 500
BATCH = 400

_worker: Extractor | None = None
#: a forked worker's copy of the papers it extracts (see :func:`extract_all`)
_worker_papers: Sequence[Paper] | None = None

Found = tuple[tuple[Mention, ...], tuple[LineageClaim, ...], str | None]


def _init_worker(settings: Settings, die_with_parent: Callable[[], None] | None,
                 papers: Sequence[Paper] | None = None) -> None:
    global _worker, _worker_papers
    if die_with_parent is not None:  # a worker must not outlive a killed build
        die_with_parent()
    # Ctrl-C reaches every process of the terminal's group: only the parent handles
    # it (and stops the pool), so a user sees one line, not a traceback per worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker = _extractor(settings)
    _worker_papers = papers


def _extract_in_worker(batch: Sequence[Paper]) -> list[Found]:
    """What the worker found in ``batch``; the papers themselves are not sent back,
    the parent has them."""
    assert _worker is not None, "worker not initialised"
    return [(e.mentions, e.lineage, e.words) for e in _worker.extract(batch)]


def _extract_range(bounds: tuple[int, int]) -> list[Found]:
    """:func:`_extract_in_worker` of the papers ``bounds`` names in the worker's copy."""
    assert _worker_papers is not None, "worker not given the papers"
    start, stop = bounds
    return _extract_in_worker(_worker_papers[start:stop])


def extract_papers(papers: Sequence[Paper],
                   resource_dirs: tuple[str, ...] = ()) -> list[Extraction]:
    """Every paper's extraction, in this process, with the resource files of
    ``resource_dirs``: a job for a helper process (:mod:`paperkg.helper`), which an
    update gives its new papers while it loads the earlier build's state."""
    from paperkg.extract.pipeline import Settings

    return _extractor(Settings(resource_dirs=resource_dirs)).extract(papers)


def _extractor(settings: Settings) -> Extractor:
    """A pipeline for this process (imported here: it loads spaCy)."""
    from paperkg.extract.pipeline import Extractor

    return Extractor(settings)


def default_jobs() -> int:
    """The CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def extract_all(papers: Sequence[Paper], settings: Settings | None = None, jobs: int = 0,
                progress: Callable[[int], None] | None = None) -> Iterator[Extraction]:
    """Extract every paper, in order, with ``jobs`` processes (0: one per CPU).

    Small inputs are extracted in this process. Workers send back only what they
    found, and the extractions hold the caller's own paper objects, so the
    titles and abstracts are not held twice.
    """
    from paperkg.extract.pipeline import Settings

    settings = settings or Settings()
    jobs = jobs or default_jobs()
    if jobs <= 1 or len(papers) < MIN_PARALLEL:
        for extraction in _extractor(settings).iter_extract(papers):
            if progress:
                progress(1)
            yield extraction
        return
    bounds = [(i, min(i + BATCH, len(papers))) for i in range(0, len(papers), BATCH)]
    batches = [papers[start:stop] for start, stop in bounds]
    context = multiprocessing.get_context("fork" if "fork" in
                                          multiprocessing.get_all_start_methods() else "spawn")
    # SIGKILL: a worker has nothing to clean up, and one stuck in its initializer (a
    # fork of a threaded process) may not run a Python handler
    fork = context.get_start_method() == "fork"
    die_with_parent = parent_death_signal(signal.SIGKILL) if fork else None
    # A forked worker has the papers already (its initializer's arguments are not
    # sent), so a task is a batch's bounds, a few bytes. Sent whole, a batch was
    # hundreds of kB, larger than the pipe holds: after a Ctrl-C, Pool.terminate
    # could wait for good for the pool's task handler, blocked in sending a batch
    # that the dead workers would never read (CPython gh-78178, gh-73945)
    initargs = (settings, die_with_parent, papers if fork else None)
    pool = context.Pool(jobs, initializer=_init_worker, initargs=initargs)
    try:
        tasks = pool.imap(_extract_range, bounds) if fork else \
            pool.imap(_extract_in_worker, batches)
        for batch, results in zip(batches, tasks, strict=True):
            if progress:
                progress(len(results))
            for paper, (mentions, lineage, words) in zip(batch, results, strict=True):
                yield Extraction(paper, mentions, lineage, words)
        # all done: the workers take their end-of-work sentinel and exit. Only a
        # build that stops early has Pool.terminate stop them (what leaving ``with
        # Pool`` does): it sends SIGTERM to workers waiting for the task queue's lock,
        # which it holds, and a worker that gets the signal just before it blocks on
        # that lock never runs its handler. A 100k build hung there for good.
        pool.close()
        pool.join()
    finally:
        pool.terminate()  # after join: the pool's own threads only
