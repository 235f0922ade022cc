"""Builds whose reading and extraction run on a Dask cluster.

Extraction is a pure function over a batch of papers
(:func:`paperkg.extract.pipeline.extract_batch`), so an engine can map it over
partitions. Here a ``dask.bag`` holds one partition per input file (for
example the shards of a partitioned JSON Lines export of the arXiv metadata
snapshot); each worker reads its files and extracts their papers, and the client
merges duplicates by the same rules as a single-machine build, then resolves and
writes the graph. The result equals ``paperkg build`` over the same files.

    >>> from dask.distributed import Client, LocalCluster            # doctest: +SKIP
    >>> client = Client(LocalCluster(n_workers=4, processes=True))   # doctest: +SKIP
    >>> build_with_dask(["shards/"], "outputs", client=client)        # doctest: +SKIP

Requires the ``dask`` extra: ``pip install "paperkg[dask]"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from paperkg.errors import InputError
from paperkg.export.report import BuildReport
from paperkg.extract.pipeline import Settings, extract_batch
from paperkg.ingest import ReadResult, deduplicate, iter_papers
from paperkg.ingest.inputs import input_files
from paperkg.pipeline import BuildOptions, finish
from paperkg.records import Extraction, Paper, Skip


def read_and_extract(path: str, fmt: str, settings: Settings) -> dict:
    """One partition's work: read a file, extract its papers (runs on a worker)."""
    warnings: list[str] = []
    papers: list[Paper] = []
    skips: list[Skip] = []
    for item in iter_papers(path, fmt, warnings=warnings):
        (skips if isinstance(item, Skip) else papers).append(item)
    return {"path": path, "papers": papers, "skips": skips, "warnings": warnings,
            "extractions": extract_batch(papers, settings)}


def build_with_dask(inputs: Sequence[str | Path], out_dir: str | Path = "outputs",
                    options: BuildOptions | None = None, client=None) -> BuildReport:
    """Build with reading and extraction mapped over a ``dask.bag`` of input files.

    ``client`` is a ``dask.distributed.Client``; without one, Dask's default
    scheduler runs the bag in this process.
    """
    try:
        import dask.bag as db
    except ImportError as err:
        raise InputError('Dask is not installed: pip install "paperkg[dask]"') from err
    options = options or BuildOptions()
    files = [str(f.path) for f in input_files(list(inputs)) if f.error is None]
    if not files:
        raise InputError(f"no input files in {', '.join(map(str, inputs))}")
    settings = Settings(resource_dirs=options.resource_dirs)
    bag = db.from_sequence(files, npartitions=len(files)).map(read_and_extract, options.fmt,
                                                              settings)
    parts = client.compute(bag).result() if client is not None else bag.compute()
    parts.sort(key=lambda part: files.index(part["path"]))
    read, extractions = _merge(parts)
    return finish(read, extractions, out_dir, options)


def _merge(parts: list[dict]) -> tuple[ReadResult, list[Extraction]]:
    """Merge the partitions' papers as :func:`paperkg.ingest.read_inputs` would, each
    distinct paper keeping the extraction of its first record."""
    records = [p for part in parts for p in part["papers"]]
    extracted = [e for part in parts for e in part["extractions"]]
    conflicts: list[str] = []
    papers, duplicates, first = deduplicate(records, conflicts)
    extractions = [_rekey(extracted[index], paper) for paper, index in zip(papers, first)]
    skips = tuple(s for part in parts for s in part["skips"])
    if not papers:
        raise InputError("no papers found in the inputs")
    read = ReadResult(
        papers=tuple(papers), skips=skips, files=tuple(part["path"] for part in parts),
        records=len(papers) + duplicates + len(skips), duplicates=duplicates,
        warnings=(*(w for part in parts for w in part["warnings"]), *conflicts),
    )
    return read, extractions


def _rekey(extraction: Extraction, paper: Paper) -> Extraction:
    """The extraction of a record, for the (possibly merged) paper it became."""
    if extraction.paper.key == paper.key:
        return replace(extraction, paper=paper)
    return Extraction(
        paper=paper,
        mentions=tuple(replace(m, paper_key=paper.key) for m in extraction.mentions),
        lineage=tuple(replace(c, paper_key=paper.key) for c in extraction.lineage),
    )
