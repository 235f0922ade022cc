"""Extraction over several processes: a pure function mapped over batches.

:func:`paperkg.extract.pipeline.extract_batch` takes a batch of papers and
returns their extractions with no shared state, so a process pool here, or a
distributed engine such as Dask (see ``docs/scale-out.md``), can map it.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence

from paperkg.extract.pipeline import Extractor, Settings
from paperkg.records import Extraction, LineageClaim, Mention, Paper

#: below this many papers a pool costs more than it saves
MIN_PARALLEL = 2000
BATCH = 400

_worker: Extractor | None = None
#: the papers of the current run, inherited by forked workers (they get index ranges)
_papers: Sequence[Paper] = ()

Found = tuple[tuple[Mention, ...], tuple[LineageClaim, ...]]


def _init_worker(settings: Settings) -> None:
    global _worker
    _worker = Extractor(settings)


def _extract_in_worker(batch: Sequence[Paper] | range) -> list[Found]:
    """What the worker found in ``batch``: papers, or a range of ``_papers`` (fork).
    The papers themselves are not sent back; the parent has them."""
    assert _worker is not None, "worker not initialised"
    papers = _papers[batch.start : batch.stop] if isinstance(batch, range) else batch
    return [(e.mentions, e.lineage) for e in _worker.extract(papers)]


def default_jobs() -> int:
    """The CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def extract_all(papers: Sequence[Paper], settings: Settings | None = None, jobs: int = 0,
                progress: Callable[[int], None] | None = None) -> Iterator[Extraction]:
    """Extract every paper, in order, with ``jobs`` processes (0: one per CPU).

    Small inputs are extracted in this process. Forked workers read the papers
    from the parent's memory and return only what they found, so neither the
    titles and abstracts nor a second copy of them cross a pipe.
    """
    global _papers
    settings = settings or Settings()
    jobs = jobs or default_jobs()
    if jobs <= 1 or len(papers) < MIN_PARALLEL:
        for extraction in Extractor(settings).iter_extract(papers):
            if progress:
                progress(1)
            yield extraction
        return
    fork = "fork" in multiprocessing.get_all_start_methods()
    bounds = [range(i, min(i + BATCH, len(papers))) for i in range(0, len(papers), BATCH)]
    batches = bounds if fork else [papers[r.start : r.stop] for r in bounds]
    context = multiprocessing.get_context("fork" if fork else "spawn")
    _papers = papers
    try:
        with context.Pool(jobs, initializer=_init_worker, initargs=(settings,)) as pool:
            for where, results in zip(bounds, pool.imap(_extract_in_worker, batches)):
                if progress:
                    progress(len(results))
                for paper, (mentions, lineage) in zip(papers[where.start : where.stop], results):
                    yield Extraction(paper, mentions, lineage)
    finally:
        _papers = ()
