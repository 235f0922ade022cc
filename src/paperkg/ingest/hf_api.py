"""Reader for saved responses of the Hugging Face Hub's ``api/daily_papers`` (``hf-api``).

The response is a JSON array; each item has a ``title`` and a ``paper`` object with
``id`` (the arXiv id), ``title``, ``summary`` (the abstract), ``authors``
(``[{"name": ...}]``) and ``publishedAt``. Other keys are ignored. An item without
``paper`` is read as the paper itself, with the field names of JSON Lines
(:func:`~paperkg.ingest.record.fields_from_mapping`: ``doi``, ``categories``,
``update_date``...), so a plain JSON array of paper objects, such as arXiv
metadata records, works too.

Items are decoded one at a time, so each record knows the line it starts on and a
broken item is reported where it breaks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from paperkg.ingest.jsonl import json_kind, reject_constant
from paperkg.ingest.record import fields_from_mapping, make_paper
from paperkg.ingest.source import Source
from paperkg.records import Paper, Skip

_SPACE = re.compile(r"[ \t\r\n]*")
_DECODER = json.JSONDecoder(parse_constant=reject_constant)


def read(source: Source) -> Iterator[Paper | Skip]:
    """Yield a paper or a skip for every item of the array."""
    text = source.text()
    position = _skip_space(text, 0)
    if not text.startswith("[", position):
        yield source.skip(1, "expected a JSON array of daily-papers items")
        return
    lines = _LineCounter(text)
    position += 1
    while True:
        position = _skip_space(text, position)
        if text.startswith("]", position):
            break
        line = lines.at(position)
        try:
            item, position = _DECODER.raw_decode(text, position)
        except RecursionError:
            yield source.skip(line, f"invalid JSON: nested too deeply{_REST}")
            return
        except ValueError as err:  # NaN, or an integer beyond Python's digit limit
            reason = getattr(err, "msg", None) or str(err).split(":", 1)[0]
            yield source.skip(line, f"invalid JSON: {reason}{_REST}")
            return
        yield _paper(source, line, item)
        position = _skip_space(text, position)
        if text.startswith(",", position):
            position += 1
        elif not text.startswith("]", position):
            yield source.skip(lines.at(position), f"invalid JSON: expected ',' or ']'{_REST}")
            return
    position = _skip_space(text, position + 1)
    if position < len(text):
        yield source.skip(lines.at(position), "text after the end of the array, not read")


#: a syntax error ends the reading of an array: the items after it are not found
_REST = "; rest of file not read"


def _paper(source: Source, line: int, item: Any) -> Paper | Skip:
    if not isinstance(item, dict):
        return source.skip(line, f"expected an object, got {json_kind(item)}")
    paper = item.get("paper")
    if not isinstance(paper, dict):  # a plain array of paper records
        fields = fields_from_mapping(item)
        fields["arxiv_id"] = fields["arxiv_id"] or item.get("id")
        fields["date"] = fields["date"] or item.get("publishedAt")
        return make_paper(source, line, **fields)
    return make_paper(
        source,
        line,
        title=_first_text(item.get("title"), paper.get("title")),
        abstract=_first_text(paper.get("summary"), item.get("summary"), item.get("abstract")),
        arxiv_id=paper.get("id"),
        record_id=paper.get("id"),
        authors=paper.get("authors"),
        date=_first_text(paper.get("publishedAt"), item.get("publishedAt")),
    )


def _first_text(*values: Any) -> Any:
    """The first value that is text, else the first given (for the skip to name its kind).

    >>> _first_text({"a": 1}, "LoRA"), _first_text(None, 5), _first_text("", None)
    ('LoRA', 5, '')
    """
    for value in values:
        if isinstance(value, str) and value.strip():
            return value
    return next((v for v in values if v is not None and v != ""), values[0])


def _skip_space(text: str, position: int) -> int:
    match = _SPACE.match(text, position)
    return match.end() if match else position


class _LineCounter:
    """Line numbers of increasing character offsets, counted incrementally."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._offset = 0
        self._line = 1

    def at(self, offset: int) -> int:
        self._line += self._text.count("\n", self._offset, offset)
        self._offset = offset
        return self._line
