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

from paperkg.commit import one_build_at_a_time
from paperkg.errors import InputError
from paperkg.export.report import BuildReport
from paperkg.extract.pipeline import Settings, extract_batch
from paperkg.ingest import ReadResult, deduplicate, iter_papers
from paperkg.ingest.collect import read_files
from paperkg.ingest.inputs import InputFile, input_files
from paperkg.pipeline import BuildOptions, finish
from paperkg.records import Extraction, Paper, Skip


def read_and_extract(file: InputFile | str, fmt: str, settings: Settings) -> dict:
    """One partition's work: read a file, extract its papers (runs on a worker).

    ``file`` is one of :func:`paperkg.ingest.inputs.input_files`, so that a file
    found in a folder is read as ``paperkg build`` reads it (a README is a skip, not
    a paper) and named as it names it; a path is read as a file named by the user.
    """
    warnings: list[str] = []
    papers: list[Paper] = []
    skips: list[Skip] = []
    items = read_files([file], fmt, warnings) if isinstance(file, InputFile) else \
        iter_papers(file, fmt, warnings=warnings)
    for item in items:
        (skips if isinstance(item, Skip) else papers).append(item)
    name = file.name if isinstance(file, InputFile) else str(file)
    return {"path": name, "papers": papers, "skips": skips, "warnings": warnings,
            "extractions": extract_batch(papers, settings)}


def build_with_dask(inputs: Sequence[str | Path], out_dir: str | Path = "outputs",
                    options: BuildOptions | None = None, client=None) -> BuildReport:
    """Build with reading and extraction mapped over a ``dask.bag`` of input files.

    ``client`` is a ``dask.distributed.Client``; without one, Dask's default
    scheduler for bags runs the partitions in worker processes of this machine (so
    a script that calls this needs an ``if __name__ == "__main__":`` guard). An
    update (``options.update``) is not supported: build again over all inputs.
    """
    try:
        import dask.bag as db
    except ImportError as err:
        raise InputError('Dask is not installed: pip install "paperkg[dask]"') from err
    options = options or BuildOptions()
    if options.update:
        raise InputError("a Dask build cannot --update; build again over all the inputs")
    files = input_files(list(inputs))  # a folder that cannot be listed: a skip, as in build
    if not files:
        raise InputError(f"no input files in {', '.join(map(str, inputs))}")
    settings = Settings(resource_dirs=options.resource_dirs)
    with one_build_at_a_time(Path(out_dir)):
        bag = db.from_sequence(files, npartitions=len(files)).map(read_and_extract,
                                                                  options.fmt, settings)
        parts = client.compute(bag).result() if client is not None else bag.compute()
        order = {file.name: index for index, file in enumerate(files)}
        parts.sort(key=lambda part: order[part["path"]])
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
        words=extraction.words,
    )
