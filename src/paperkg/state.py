"""What a build keeps for the next ``paperkg build --update``: its papers and their
extractions, so that only new papers are extracted. The mentions include those
found by looking for the names other papers coined
(:func:`paperkg.resolve.spread.spread_names`), so that an update looks for only
the names its new papers coin in the earlier papers.

One zstd-compressed JSON Lines file, ``<out>/.paperkg-state.jsonl.zst``, replaced
atomically with the other outputs (``zstdcat`` shows it). Its first line is a
header with a fingerprint of the extractor (paperkg's version and the resource
files); an update refuses a state made with another extractor, since its
extractions would differ from a full rebuild's.

orjson encodes and decodes the lines, and zstd compresses them in a thread of its
own while the lines are encoded: at 100k papers the file was written about seven
times faster than with the standard library's json and gzip, read back in about
60% of the time, and was 58% of the size (``bench/RESULTS.md``).

The lines are in zstd frames of 1,024 papers (a thread compresses one while the
next lines are encoded), and a build can keep where each line is: an update that
needs a few earlier papers' extractions decompresses only the frames that hold
them (:func:`read_extractions`). The frames cost a little: 1.5 s and 61.2 MB for
100k papers, against 1.2 s and 58.7 MB in one frame.

The last line holds the number of papers, in a zstd frame of its own; a skippable
frame (which zstd's readers pass over) ends the file with that frame's offset. An
update keeps the earlier file up to that offset, and adds frames with the lines of
its new papers and of the earlier papers whose extraction changed (a name a new
paper coins found in them), then the new count: a line whose paper an earlier line
has is that paper's extraction now, in its place. The update writes a few lines,
not the 100,000 of a 100k build (:func:`append_state`).
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import struct
from collections import deque
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from importlib import resources as importlib_resources
from pathlib import Path

import orjson
import zstandard

from paperkg import __version__
from paperkg.errors import BuildError
from paperkg.layout import LEGACY_STATE_FILES, STATE_FILE
from paperkg.records import EntityType, Extraction, LineageClaim, Mention, Paper

#: 2: the last line holds the number of papers; 3: zstd and orjson instead of gzip and json;
#: 4: the mentions include those found by spreading the corpus's coined names
#: (:func:`paperkg.resolve.spread.spread_names`); 5: the count in a frame of its own,
#: found from the file's end, and lines that replace an earlier line of their paper
FORMAT = 5
#: zstd's level: 3 (its default) writes half gzip's size at a fifth of its time
LEVEL = 3
#: lines in a zstd frame: reading one paper decompresses one frame (about 4 MB)
FRAME_PAPERS = 1024
#: where a paper's line is: its frame's offset in the file, and the line's offset and
#: length in the frame's text
Place = tuple[int, int, int]
_RESOURCE_FILES = ("entities.jsonl", "stoplist.jsonl", "cues.json")
#: the file's last frame: a zstd skippable frame (magic, length 8) holding the offset
#: of the frame with the count
_END = struct.Struct("<IIQ")
_SKIPPABLE_MAGIC = 0x184D2A5E
_FRAME_MAGIC = b"\x28\xb5\x2f\xfd"


def fingerprint(resource_dirs: Sequence[str | Path] = ()) -> str:
    """A hash of everything extraction depends on besides the papers."""
    digest = hashlib.sha256(f"paperkg {__version__} state {FORMAT}".encode())
    bundled = Path(str(importlib_resources.files("paperkg.extract") / "resources"))
    for folder in (bundled, *map(Path, resource_dirs)):
        for name in _RESOURCE_FILES:
            path = folder / name
            if path.exists():
                digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:32]


def _paper_row(paper: Paper) -> list:
    return [paper.key, paper.title, paper.abstract, paper.arxiv_id, paper.doi, paper.record_id,
            paper.url, list(paper.authors), paper.date, list(paper.categories), paper.source]


def _paper(row: list) -> Paper:
    key, title, abstract, arxiv_id, doi, record_id, url, authors, date, categories, source = row
    return Paper(key, title, abstract, arxiv_id, doi, record_id, url, tuple(authors), date,
                 tuple(categories), source)


def _mention_row(m: Mention) -> list:
    return [m.text, m.type.value, m.kind, m.field, m.start, m.end, m.sentence, m.rule,
            m.confidence, m.proposed, list(m.aliases), m.resource_id, m.parent, m.evaluated_on]


_TYPES = {t.value: t for t in EntityType}


def _mention(paper_key: str, row: list) -> Mention:
    (text, type_, kind, field, start, end, sentence, rule, confidence, proposed, aliases,
     resource_id, parent, evaluated_on) = row
    return Mention(paper_key, text, _TYPES[type_], kind, field, start, end, sentence, rule,
                   confidence, proposed, tuple(aliases), resource_id, parent, evaluated_on)


def _line(extraction: Extraction) -> bytes:
    return orjson.dumps({
        "paper": _paper_row(extraction.paper),
        "mentions": [_mention_row(m) for m in extraction.mentions],
        "lineage": [[c.child, c.parent, c.evidence, c.rule] for c in extraction.lineage],
        "words": extraction.words,
    })


def save_state(path: str | Path, extractions: Iterable[Extraction], print_: str,
               places: list[Place] | None = None) -> None:
    """Write the papers and extractions of a build (``places``: where each line is,
    for :func:`read_extractions`)."""
    with open(path, "wb") as raw:
        header = orjson.dumps({"paperkg": __version__, "format": FORMAT, "fingerprint": print_})
        count = _write_lines(raw, extractions, header, places)
        _write_count(raw, count)


def append_state(path: str | Path, earlier: str | Path, end: int,
                 extractions: Iterable[Extraction], count: int,
                 places: list[Place] | None = None) -> None:
    """Write at ``path`` the state at ``earlier`` (which :func:`load_state` read whole)
    up to its count, which begins at ``end`` (:func:`state_end`), then the lines of
    ``extractions``: new papers, and earlier papers whose extraction changed, whose
    lines replace their earlier ones. ``count``: the papers of the state now;
    ``places``: as :func:`save_state`'s, of the lines written."""
    shutil.copyfile(earlier, path)  # the kernel copies the bytes (sendfile)
    with open(path, "r+b") as raw:
        raw.truncate(end)
        raw.seek(end)
        _write_lines(raw, extractions, places=places)
        _write_count(raw, count)


def state_end(out_dir: str | Path) -> int | None:
    """Where the count of the state in ``out_dir`` begins (its frame's offset), as the
    skippable frame at the file's end gives it; None when the file has none (an
    older format) or the offset does not point at a zstd frame."""
    path = Path(out_dir) / STATE_FILE
    try:
        with open(path, "rb") as raw:
            size = raw.seek(0, os.SEEK_END)
            if size < _END.size:
                return None
            magic, length, end = _END.unpack(os.pread(raw.fileno(), _END.size, size - _END.size))
            if magic != _SKIPPABLE_MAGIC or length != 8 or not 0 < end < size - _END.size:
                return None
            return end if os.pread(raw.fileno(), 4, end) == _FRAME_MAGIC else None
    except OSError:
        return None


def _write_lines(raw, extractions: Iterable[Extraction], header: bytes | None = None,
                 places: list[Place] | None = None) -> int:
    """Write zstd frames of ``header`` (if any) and a line per extraction, a frame per
    FRAME_PAPERS lines; the extractions written. ``places``: where each line is, in
    order (see :func:`read_extractions`)."""
    count = 0
    # a thread compresses each frame while this one encodes the next lines (zstd lets
    # the interpreter go meanwhile); two frames at most wait to be written
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending: deque[tuple[Future, list[tuple[int, int]]]] = deque()

        def write(keep: int) -> None:
            while len(pending) > keep:
                future, lines_at = pending.popleft()
                frame = raw.tell()
                raw.write(future.result())
                if places is not None:
                    places.extend((frame, start, length) for start, length in lines_at)

        lines = [header] if header is not None else []
        offset = len(header) + 1 if header is not None else 0
        lines_at: list[tuple[int, int]] = []
        for extraction in extractions:
            line = _line(extraction)
            lines_at.append((offset, len(line)))
            offset += len(line) + 1
            lines.append(line)
            count += 1
            if len(lines_at) == FRAME_PAPERS:  # a reader of a few papers decompresses
                pending.append((pool.submit(_frame, b"\n".join(lines) + b"\n"), lines_at))
                lines, lines_at, offset = [], [], 0
                write(keep=2)
        if lines:
            pending.append((pool.submit(_frame, b"\n".join(lines) + b"\n"), lines_at))
        write(keep=0)
    return count


def _frame(data: bytes) -> bytes:
    """``data`` in a zstd frame of its own, with a checksum (which finds a damaged
    byte; a file cut short loses the count)."""
    return zstandard.ZstdCompressor(level=LEVEL, write_checksum=True).compress(data)


def read_extractions(path: str | Path, places: dict[str, Place]) -> dict[str, Extraction]:
    """The extractions of a few papers of the state at ``path``, by key, read from
    the frames that hold their lines (``places``: as :func:`save_state` and
    :func:`append_state` gave them); raises :class:`BuildError` if they are not there."""
    by_frame: dict[int, list[tuple[str, int, int]]] = {}
    for key, (frame, start, length) in places.items():
        by_frame.setdefault(frame, []).append((key, start, length))
    result: dict[str, Extraction] = {}
    try:
        with open(path, "rb") as raw:
            for frame, lines in sorted(by_frame.items()):
                raw.seek(frame)
                need = max(start + length for _, start, length in lines)
                reader = zstandard.ZstdDecompressor().stream_reader(raw,
                                                                    read_across_frames=False)
                data = bytearray()
                while len(data) < need and (chunk := reader.read(max(need - len(data), 1 << 16))):
                    data += chunk
                for key, start, length in lines:
                    extraction = _extraction(orjson.loads(data[start:start + length]))
                    if extraction.paper.key != key:
                        raise ValueError(f"the line at {frame}:{start} is not paper {key}'s")
                    result[key] = extraction
    except (OSError, zstandard.ZstdError, ValueError, KeyError, TypeError) as err:
        raise BuildError(f"cannot read the earlier build's state {path}: {err}; "
                         "run a full build") from err
    return result


def _extraction(row: dict) -> Extraction:
    paper = _paper(row["paper"])
    mentions = tuple(_mention(paper.key, m) for m in row["mentions"])
    claims = tuple(LineageClaim(paper.key, *c) for c in row["lineage"])
    # a line written before "words" were kept: resolution finds them again
    return Extraction(paper, mentions, claims, row.get("words"))


def _write_count(raw, count: int) -> None:
    """Write the last line, the number of papers, in a zstd frame of its own, then
    the skippable frame that gives that frame's offset. A state cut short, even at a
    line's end, lacks the count and is told from a whole one."""
    end = raw.tell()
    raw.write(zstandard.ZstdCompressor(level=LEVEL, write_checksum=True).compress(
        orjson.dumps({"papers": count}) + b"\n"))
    raw.write(_END.pack(_SKIPPABLE_MAGIC, 8, end))


def load_state(out_dir: str | Path, print_: str) -> list[Extraction]:
    """The extractions an earlier build in ``out_dir`` kept; :class:`BuildError` when
    there are none or they were made with another extractor."""
    path = Path(out_dir) / STATE_FILE
    if not path.exists():
        if any((Path(out_dir) / name).exists() for name in LEGACY_STATE_FILES):
            raise BuildError(f"the build in {out_dir} was made by an older paperkg, whose "
                             "state this one does not read; run a full build instead of --update")
        raise BuildError(f"no earlier build to update in {out_dir} (missing {STATE_FILE}); "
                         "run a full build first")
    try:
        with open(path, "rb") as raw, zstandard.ZstdDecompressor().stream_reader(
                raw, read_across_frames=True) as decompressed:
            stream = io.BufferedReader(decompressed, 1 << 20)
            header = orjson.loads(stream.readline())
            if not isinstance(header, dict):
                raise ValueError("its first line is not a header object")
            if header.get("fingerprint") != print_:
                raise BuildError(
                    f"the build in {out_dir} was made with other resources or another paperkg "
                    "version; run a full build instead of --update")
            result, end = [], None
            places: dict[str, int] = {}  # each paper's place in ``result``
            for line in stream:
                row = orjson.loads(line)
                if end is not None or "paper" not in row:
                    end = row  # the count, which only the last line holds
                    continue
                extraction = _extraction(row)
                place = places.setdefault(extraction.paper.key, len(result))
                if place == len(result):
                    result.append(extraction)
                else:  # an update's line for an earlier paper: its extraction now
                    result[place] = extraction
            if end is None or set(end) != {"papers"} or end["papers"] != len(result):
                raise ValueError(f"it is incomplete ({len(result)} papers read, and not the "
                                 "count that ends a whole state)")
    except (OSError, EOFError, zstandard.ZstdError, ValueError, KeyError, TypeError) as err:
        raise BuildError(f"cannot read the earlier build's state {path}: {err}; "
                         "run a full build") from err
    return result
