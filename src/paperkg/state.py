"""What a build keeps for the next ``paperkg build --update``: its papers and their
extractions, so that only new papers are extracted.

One gzip-compressed JSON Lines file, ``<out>/.paperkg-state.jsonl.gz``, replaced
atomically with the other outputs. Its first line is a header with a fingerprint
of the extractor (paperkg's version and the resource files); an update refuses a
state made with another extractor, since its extractions would differ from a
full rebuild's.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from collections.abc import Iterable, Sequence
from importlib import resources as importlib_resources
from pathlib import Path

from paperkg import __version__
from paperkg.errors import BuildError
from paperkg.layout import STATE_FILE
from paperkg.records import EntityType, Extraction, LineageClaim, Mention, Paper

#: 2: the last line holds the number of papers
FORMAT = 2
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


def _mention(paper_key: str, row: list) -> Mention:
    (text, type_, kind, field, start, end, sentence, rule, confidence, proposed, aliases,
     resource_id, parent, evaluated_on) = row
    return Mention(paper_key, text, EntityType(type_), kind, field, start, end, sentence, rule,
                   confidence, proposed, tuple(aliases), resource_id, parent, evaluated_on)


def save_state(path: str | Path, extractions: Iterable[Extraction], print_: str) -> None:
    """Write the papers and extractions of a build."""
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=3) as stream:
        stream.write(json.dumps({"paperkg": __version__, "format": FORMAT,
                                 "fingerprint": print_}) + "\n")
        count = 0
        for extraction in extractions:
            row = {
                "paper": _paper_row(extraction.paper),
                "mentions": [_mention_row(m) for m in extraction.mentions],
                "lineage": [[c.child, c.parent, c.evidence, c.rule] for c in extraction.lineage],
            }
            stream.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
        # the last line: a state cut short, even at a line's end, is told from a whole one
        stream.write(json.dumps({"papers": count}) + "\n")


def load_state(out_dir: str | Path, print_: str) -> list[Extraction]:
    """The extractions an earlier build in ``out_dir`` kept; :class:`BuildError` when
    there are none or they were made with another extractor."""
    path = Path(out_dir) / STATE_FILE
    if not path.exists():
        raise BuildError(f"no earlier build to update in {out_dir} (missing {STATE_FILE}); "
                         "run a full build first")
    try:
        with gzip.open(path, "rt", encoding="utf-8") as stream:
            header = json.loads(stream.readline())
            if not isinstance(header, dict):
                raise ValueError("its first line is not a header object")
            if header.get("fingerprint") != print_:
                raise BuildError(
                    f"the build in {out_dir} was made with other resources or another paperkg "
                    "version; run a full build instead of --update")
            result, end = [], None
            for line in stream:
                row = json.loads(line)
                if end is not None or "paper" not in row:
                    end = row  # the count, which only the last line holds
                    continue
                paper = _paper(row["paper"])
                mentions = tuple(_mention(paper.key, m) for m in row["mentions"])
                claims = tuple(LineageClaim(paper.key, *c) for c in row["lineage"])
                result.append(Extraction(paper, mentions, claims))
            if end is None or set(end) != {"papers"} or end["papers"] != len(result):
                raise ValueError(f"it is incomplete ({len(result)} papers read, and not the "
                                 "count that ends a whole state)")
    except (OSError, EOFError, zlib.error, ValueError, KeyError, TypeError) as err:
        raise BuildError(f"cannot read the earlier build's state {path}: {err}; "
                         "run a full build") from err
    return result
