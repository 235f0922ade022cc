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
own while the lines are encoded: at 100k papers the file is written about seven
times faster than with the standard library's json and gzip, read back in about
60% of the time, and is 58% of the size (``bench/RESULTS.md``).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Sequence
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
#: (:func:`paperkg.resolve.spread.spread_names`)
FORMAT = 4
#: zstd's level: 3 (its default) writes half gzip's size at a fifth of its time
LEVEL = 3
#: papers encoded before their lines go to the compressor
BATCH = 256
_RESOURCE_FILES = ("entities.jsonl", "stoplist.jsonl", "cues.json")


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


def save_state(path: str | Path, extractions: Iterable[Extraction], print_: str) -> None:
    """Write the papers and extractions of a build."""
    # threads=1: zstd compresses in a thread of its own while this one encodes lines;
    # the checksum finds a damaged byte (a file cut short loses the last line's count)
    compressor = zstandard.ZstdCompressor(level=LEVEL, threads=1, write_checksum=True)
    with open(path, "wb") as raw, compressor.stream_writer(raw, closefd=False) as stream:
        lines = [orjson.dumps({"paperkg": __version__, "format": FORMAT,
                               "fingerprint": print_})]
        count = 0
        for extraction in extractions:
            lines.append(_line(extraction))
            count += 1
            if len(lines) >= BATCH:
                stream.write(b"\n".join(lines) + b"\n")
                lines.clear()
        # the last line: a state cut short, even at a line's end, is told from a whole one
        lines.append(orjson.dumps({"papers": count}))
        stream.write(b"\n".join(lines) + b"\n")


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
        with open(path, "rb") as raw, \
                zstandard.ZstdDecompressor().stream_reader(raw) as decompressed:
            stream = io.BufferedReader(decompressed, 1 << 20)
            header = orjson.loads(stream.readline())
            if not isinstance(header, dict):
                raise ValueError("its first line is not a header object")
            if header.get("fingerprint") != print_:
                raise BuildError(
                    f"the build in {out_dir} was made with other resources or another paperkg "
                    "version; run a full build instead of --update")
            result, end = [], None
            for line in stream:
                row = orjson.loads(line)
                if end is not None or "paper" not in row:
                    end = row  # the count, which only the last line holds
                    continue
                paper = _paper(row["paper"])
                mentions = tuple(_mention(paper.key, m) for m in row["mentions"])
                claims = tuple(LineageClaim(paper.key, *c) for c in row["lineage"])
                # a line written before "words" were kept: resolution finds them again
                result.append(Extraction(paper, mentions, claims, row.get("words")))
            if end is None or set(end) != {"papers"} or end["papers"] != len(result):
                raise ValueError(f"it is incomplete ({len(result)} papers read, and not the "
                                 "count that ends a whole state)")
    except (OSError, EOFError, zstandard.ZstdError, ValueError, KeyError, TypeError) as err:
        raise BuildError(f"cannot read the earlier build's state {path}: {err}; "
                         "run a full build") from err
    return result
