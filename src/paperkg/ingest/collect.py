"""Reading inputs: one reader per format, files streamed, papers deduplicated and merged."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from paperkg.errors import InputError
from paperkg.ingest import atom, csv_reader, hf_api, hf_listing, jsonl
from paperkg.ingest.detect import FORMATS, check_format, detect_format, is_listing
from paperkg.ingest.identity import paper_key, title_key
from paperkg.ingest.inputs import InputFile, input_files
from paperkg.ingest.source import Source, file_problem
from paperkg.records import Paper, Skip

log = logging.getLogger(__name__)

Reader = Callable[[Source], Iterator["Paper | Skip"]]

#: the reader of each format name
READERS: dict[str, Reader] = {
    "hf-listing": hf_listing.read,
    "jsonl": jsonl.read,
    "hf-api": hf_api.read,
    "atom": atom.read,
    "csv": csv_reader.read,
}

#: fields a later duplicate may fill in when the first record lacked them
_MERGED_FIELDS = ("arxiv_id", "doi", "record_id", "url", "authors", "date", "categories")


@dataclass(frozen=True, slots=True)
class ReadResult:
    """What reading the inputs gave: distinct papers, skipped records, and counts."""

    #: distinct papers in first-seen order (duplicates merged into the first)
    papers: tuple[Paper, ...]
    #: records that were not read, each with its file, line and reason
    skips: tuple[Skip, ...]
    #: every file read, named as in ``Paper.source``
    files: tuple[str, ...]
    #: records seen: ``len(papers) + duplicates + len(skips)``
    records: int
    #: records that were a paper already read (merged into it)
    duplicates: int
    #: problems with whole files that did not stop them being read (e.g. invalid UTF-8)
    warnings: tuple[str, ...] = ()


def read_inputs(
    paths: Sequence[str | os.PathLike[str]] | None = None,
    fmt: str = "auto",
    previous: Sequence[Paper] = (),
) -> ReadResult:
    """Read every paper in ``paths`` (files or folders), one paper per identity.

    Parameters
    ----------
    paths
        Files and folders (walked recursively, sorted, hidden files ignored). None or
        empty reads the sample corpus bundled with the package.
    fmt
        ``auto`` (detect each file's format) or one of
        :data:`paperkg.ingest.detect.FORMATS`.
    previous
        Papers already read (an earlier build's, for ``paperkg build --update``): they
        come first, and a record of one of them counts as a duplicate. They are not
        counted as records of this read.

    Raises
    ------
    InputError
        for a misspelled format, a missing path, a file named in ``paths`` whose
        format cannot be detected, or inputs without a single paper.

    Examples
    --------
    >>> result = read_inputs()
    >>> len(result.papers), result.records, result.duplicates, len(result.skips)
    (572, 685, 113, 0)
    """
    fmt = check_format(fmt)
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]  # one path, not a sequence of characters
    files = input_files(paths)
    papers = _Papers()
    for paper in previous:
        papers.add(paper)
    papers.duplicates = 0
    known = len(papers.papers)
    skips: list[Skip] = []
    warnings: list[str] = []
    for item in _stream(files, fmt, warnings):
        if isinstance(item, Skip):
            skips.append(item)
        else:
            papers.add(item)
    if len(papers.papers) == known and not papers.duplicates:
        raise InputError(_nothing_found(paths, skips))
    warnings += papers.conflicts
    return ReadResult(
        papers=tuple(papers.papers),
        skips=tuple(skips),
        files=tuple(file.name for file in files),
        records=len(papers.papers) - known + papers.duplicates + len(skips),
        duplicates=papers.duplicates,
        warnings=tuple(warnings),
    )


def deduplicate(
    records: Iterable[Paper], warnings: list[str] | None = None
) -> tuple[list[Paper], int, list[int]]:
    """The distinct papers of ``records`` by the same rules as :func:`read_inputs`,
    the number of duplicates merged, and the index of each paper's first record;
    the warnings :func:`read_inputs` gives about conflicting duplicates are appended
    to ``warnings`` when given.

    For records read elsewhere (in the workers of a distributed engine).
    """
    papers = _Papers()
    first: list[int] = []
    for index, record in enumerate(records):
        if papers.add(record) == len(first):
            first.append(index)
    if warnings is not None:
        warnings += papers.conflicts
    return papers.papers, papers.duplicates, first


def iter_papers(
    path: str | os.PathLike[str], fmt: str = "auto", *, warnings: list[str] | None = None
) -> Iterator[Paper | Skip]:
    """Stream the records of one file (or folder) as :class:`Paper` or :class:`Skip`.

    Nothing is deduplicated and nothing is held in memory, so this suits inputs
    too large for :func:`read_inputs`, such as the arXiv metadata snapshot.
    File-level warnings are appended to ``warnings`` when given (and always logged).
    A path that does not exist or a misspelled format raises :class:`InputError` at
    once; a file given by name whose format cannot be detected raises when reached.

    >>> from paperkg.ingest import bundled_corpus
    >>> first = next(iter_papers(bundled_corpus() / "000_793329079b7b8dd6.txt"))
    >>> first.title[:35], first.source.rsplit(":", 1)[1]
    ('ExpertFlow: Optimized Expert Activa', '11')
    """
    fmt = check_format(fmt)
    files = input_files([path])
    return _stream(files, fmt, [] if warnings is None else warnings)


def read_files(files: Sequence[InputFile], fmt: str, warnings: list[str]) -> Iterator[Paper | Skip]:
    """Stream the records of ``files`` (from :func:`~paperkg.ingest.inputs.input_files`)
    as :func:`read_inputs` reads them, each skip logged; for a distributed engine's
    workers, each given some of the files."""
    return _stream(list(files), check_format(fmt), warnings)


def _stream(files: list[InputFile], fmt: str, warnings: list[str]) -> Iterator[Paper | Skip]:
    for file in files:
        for item in _read_file(file, fmt, warnings):
            if isinstance(item, Skip):
                where = item.path if item.line is None else f"{item.path}:{item.line}"
                log.warning("skipped %s: %s", where, item.reason)
            yield item


def _read_file(file: InputFile, fmt: str, warnings: list[str]) -> Iterator[Paper | Skip]:
    source = Source(file.path, file.name, warnings)
    head, problem = _head(file, source)
    if problem:
        yield source.skip(None, problem)
        return
    name = fmt if fmt != "auto" else detect_format(file.path, head)
    if name == "hf-listing" and fmt == "auto" and not file.explicit and not is_listing(head):
        name = None  # a README or notes file in an input folder, not a saved listing page
    if name is None:
        if file.explicit:
            raise InputError(
                f"cannot detect the format of {file.name}; "
                f"give one of: {', '.join(FORMATS)} (--format)"
            )
        yield source.skip(None, "unrecognised format")
        return
    count = 0
    try:
        for item in READERS[name](source):
            count += 1
            yield item
    except OSError as err:
        count += 1
        yield source.skip(None, f"read error: {err.strerror or err}")
    if not count:
        yield source.skip(None, f"no records found (read as {name})")


def _head(file: InputFile, source: Source) -> tuple[bytes, str | None]:
    """The first bytes of a file, or why it cannot be read at all."""
    if file.error:
        return b"", file.error
    try:
        if not file.path.is_file():
            return b"", "not a regular file"
        head = source.head()
    except OSError as err:
        return b"", f"cannot read: {err.strerror or err}"
    return head, file_problem(head)


class _Papers:
    """Distinct papers in first-seen order; a duplicate is merged into its first.

    Records are the same paper when they share an identity (their key, arXiv id or
    DOI), or the same normalised title when one of them is known by its title only
    (a listing dump has no ids, an API response has). A merged paper's key follows
    :func:`paperkg.ingest.identity.paper_key` over the identifiers now known.
    """

    def __init__(self) -> None:
        self.papers: list[Paper] = []
        self.duplicates = 0
        #: duplicates whose title or abstract differs from the first record's
        self.conflicts: list[str] = []
        self._by_identity: dict[str, int] = {}
        self._by_title: dict[str, int] = {}

    def add(self, paper: Paper) -> int:
        """Add a record; returns the slot (index in ``papers``) of the paper it is."""
        title = title_key(paper.title)
        slot = self._find(paper, title)
        if slot is None:
            slot = len(self.papers)
            self.papers.append(paper)
        else:
            self.duplicates += 1
            first = self.papers[slot]
            read_title, title = title, title_key(first.title)  # the merge keeps the first title
            if title != read_title:
                self.conflicts.append(
                    f"{paper.source}: same identity as {first.source} ({first.key}) but "
                    f"another title ({_clip(paper.title)!r}, kept {_clip(first.title)!r}); "
                    "merged into the first")
                log.warning("%s", self.conflicts[-1])
            elif _differ(first.abstract, paper.abstract):
                self.conflicts.append(
                    f"{paper.source}: same paper as {first.source} ({first.key}) but another "
                    "abstract; kept the first")
                log.warning("%s", self.conflicts[-1])
            paper = merge(first, paper)
            self.papers[slot] = paper
        for identity in _identities(paper):
            self._by_identity.setdefault(identity, slot)
        self._by_title.setdefault(title, slot)
        return slot

    def _find(self, paper: Paper, title: str) -> int | None:
        """The slot of the paper ``paper`` is (``title`` is its title key), if read before."""
        for identity in _identities(paper):
            if identity in self._by_identity:
                return self._by_identity[identity]
        slot = self._by_title.get(title)
        if slot is not None and (_title_only(paper) or _title_only(self.papers[slot])):
            return slot
        return None


def _differ(first: str, other: str) -> bool:
    """Two abstracts that are both given and differ beyond spacing."""
    return bool(first and other) and " ".join(first.split()) != " ".join(other.split())


def _clip(title: str, limit: int = 80) -> str:
    return title if len(title) <= limit else title[: limit - 1] + "…"


def merge(first: Paper, other: Paper) -> Paper:
    """``first`` with the fields it lacks taken from ``other``, the same paper read again.

    The title, abstract and source of ``first`` are kept.
    """
    filled = {
        name: getattr(other, name)
        for name in _MERGED_FIELDS
        if not getattr(first, name) and getattr(other, name)
    }
    if not filled:
        return first
    merged = replace(first, **filled)
    key = paper_key(
        arxiv_id=merged.arxiv_id, doi=merged.doi, record_id=merged.record_id, title=merged.title
    )
    return replace(merged, key=key)


def _identities(paper: Paper) -> list[str]:
    identities = [paper.key]
    if paper.arxiv_id:
        identities.append(f"arxiv:{paper.arxiv_id}")
    if paper.doi:
        identities.append(f"doi:{paper.doi}")
    return identities


def _title_only(paper: Paper) -> bool:
    return paper.key.startswith("title:")


def _nothing_found(paths: Sequence[str | os.PathLike[str]] | None, skips: list[Skip]) -> str:
    if not paths:
        where = "the bundled sample corpus"
    else:
        names = [os.fspath(path) for path in paths]
        where = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    if not skips:
        return f"no papers found in {where}"
    first = skips[0]
    at = first.path if first.line is None else f"{first.path}:{first.line}"
    return (
        f"no papers found in {where} ({len(skips)} record(s) skipped; first: {at}: {first.reason})"
    )
