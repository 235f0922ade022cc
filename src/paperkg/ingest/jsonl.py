"""Reader for JSON Lines (``jsonl``): one JSON object per line, streamed.

``title`` and ``abstract`` are required; ``id``, ``arxiv_id``, ``doi``, ``url``,
``authors``, ``date``/``published``/``update_date`` and ``categories`` are read when
present (see :func:`paperkg.ingest.record.fields_from_mapping`). The arXiv metadata
snapshot is this format and is read a line at a time, never whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from paperkg.ingest.record import fields_from_mapping, make_paper
from paperkg.ingest.source import Source
from paperkg.records import Paper, Skip


def read(source: Source) -> Iterator[Paper | Skip]:
    """Yield a paper or a skip for every non-blank line of a JSON Lines file."""
    for number, line in source.lines():
        if line is None:
            yield source.skip(number, "line too long")
            continue
        if not line.strip():
            continue
        record = decode_object(line)
        if isinstance(record, str):
            yield source.skip(number, record)
        else:
            yield make_paper(source, number, **fields_from_mapping(record))


def decode_object(text: str) -> dict[str, Any] | str:
    """The JSON object in ``text``, or the reason it is not one.

    >>> decode_object('{"title": "LoRA"}')
    {'title': 'LoRA'}
    >>> decode_object('{"title": "LoRA" "abstract": ""}')
    "invalid JSON: Expecting ',' delimiter (column 18)"
    >>> decode_object('[1, 2]')
    'expected a JSON object, got an array'
    """
    try:
        if text.startswith("\ufeff"):  # what json.loads says of it
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        value = _DECODER.decode(text)  # json.loads would make a decoder per call
    except json.JSONDecodeError as err:
        return f"invalid JSON: {err.msg} (column {err.colno})"
    except RecursionError:
        return "invalid JSON: nested too deeply"
    except ValueError as err:  # NaN, or an integer beyond Python's digit limit
        return f"invalid JSON: {str(err).split(':', 1)[0]}"
    if not isinstance(value, dict):
        return f"expected a JSON object, got {json_kind(value)}"
    return value


def reject_constant(name: str) -> Any:
    """``NaN``, ``Infinity`` and ``-Infinity``, which Python's json reads, are not JSON.

    >>> decode_object('{"abstract": NaN}')
    'invalid JSON: NaN is not a JSON value'
    """
    raise ValueError(f"{name} is not a JSON value")


_DECODER = json.JSONDecoder(parse_constant=reject_constant)


def json_kind(value: Any) -> str:
    """How a JSON value is called in messages: "an array", "a string", "null"..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    kinds = {list: "an array", dict: "an object", str: "a string"}
    return kinds.get(type(value), "a number")
