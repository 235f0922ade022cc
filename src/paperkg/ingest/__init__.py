"""Reading papers from input files: the first stage of the pipeline (sources -> ``Paper``).

One reader module per input format (:mod:`~paperkg.ingest.hf_listing`,
:mod:`~paperkg.ingest.jsonl`, :mod:`~paperkg.ingest.hf_api`,
:mod:`~paperkg.ingest.atom`, :mod:`~paperkg.ingest.csv_reader`), each turning a
:class:`~paperkg.ingest.source.Source` into :class:`~paperkg.records.Paper` and
:class:`~paperkg.records.Skip` records; :mod:`~paperkg.ingest.detect` picks the
reader, :mod:`~paperkg.ingest.identity` decides which records are the same paper.

>>> from paperkg.ingest import read_inputs
>>> result = read_inputs()          # the bundled sample corpus
>>> len(result.papers)
572
"""

from paperkg.ingest.collect import (
    READERS,
    ReadResult,
    deduplicate,
    iter_papers,
    merge,
    read_inputs,
)
from paperkg.ingest.detect import FORMAT_CHOICES, FORMATS, check_format, detect_format
from paperkg.ingest.identity import normalise_arxiv_id, normalise_doi, paper_key, title_key
from paperkg.ingest.inputs import BUNDLED_NAME, bundled_corpus

__all__ = [
    "BUNDLED_NAME",
    "FORMATS",
    "FORMAT_CHOICES",
    "READERS",
    "ReadResult",
    "bundled_corpus",
    "check_format",
    "deduplicate",
    "detect_format",
    "iter_papers",
    "merge",
    "normalise_arxiv_id",
    "normalise_doi",
    "paper_key",
    "read_inputs",
    "title_key",
]
