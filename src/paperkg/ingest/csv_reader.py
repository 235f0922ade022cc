"""Reader for CSV files (``csv``) whose header names a ``title`` and an ``abstract`` column.

Column names are matched case-insensitively and the other columns are those of JSON
Lines (``id``, ``arxiv_id``, ``doi``, ``url``, ``authors``, ``date``, ``categories``...).
The delimiter is the commonest of ``,`` ``;`` tab and ``|`` in the header line, or the
one a spreadsheet's ``sep=X`` first line names; blank lines before the header are
passed over. A row
with more non-empty fields than the header is skipped with its reason (its fields
cannot be told apart). Rows stream; a record's line is the physical line it starts
on (quoted fields may span lines). A quote that does not close makes the lines it
swallowed one skipped row, whose reason names them.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator

from paperkg.ingest.record import FIELD_NAMES, fields_from_mapping, make_paper
from paperkg.ingest.source import Source
from paperkg.records import Paper, Skip

#: the csv module's per-field limit is 128 KiB by default; abstracts over
#: :data:`paperkg.ingest.record.MAX_ABSTRACT_CHARS` are skipped later with a reason
FIELD_SIZE_LIMIT = 64 * 1024 * 1024
_DELIMITERS = (",", ";", "\t", "|")
_REQUIRED = ("title", "abstract")
#: a spreadsheet's first line naming the delimiter: ``sep=;``
_SEP_LINE = re.compile(r"^\s*sep=(.?)[,;\t|]*\s*$", re.IGNORECASE)


def read(source: Source) -> Iterator[Paper | Skip]:
    """Yield a paper or a skip for every non-blank row after the header."""
    if csv.field_size_limit() < FIELD_SIZE_LIMIT:
        # process-wide setting; raising it never breaks other csv readers
        csv.field_size_limit(FIELD_SIZE_LIMIT)
    too_long: list[int] = []
    # strict: a quote left open swallows the rows after it into one field; strict
    # parsing stops at the first character that shows it, and the row is a skip
    rows = csv.reader(_physical_lines(source, too_long), delimiter=_delimiter(source),
                      strict=True)
    header = yield from _header(source, rows)
    if header is None:
        return
    columns, width = header
    start = rows.line_num + 1
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as err:
            row = None
            yield source.skip(start, _invalid(err, start, rows.line_num))
        yield from (source.skip(line, "line too long") for line in too_long)
        too_long.clear()
        if row and any(cell.strip() for cell in row):
            if any(cell.strip() for cell in row[width:]):  # not just a trailing delimiter
                yield source.skip(start, f"row has {len(row)} fields, the header {width} "
                                         "(a delimiter inside an unquoted field?)")
            else:
                record = {name: row[index] for name, index in columns.items() if index < len(row)}
                yield make_paper(source, start, **fields_from_mapping(record))
        start = rows.line_num + 1


def _invalid(err: csv.Error, start: int, end: int) -> str:
    """The reason for skipping a row the csv module could not read, lines ``start`` to
    ``end``: over several lines, most likely a quote that does not close."""
    if end <= start:
        return f"invalid CSV: {err}"
    return (f"invalid CSV: {err}; lines {start}-{end} were read as one row "
            f"(a quote opened on line {start} that does not close?)")


def _header(source: Source, rows: Iterator[list[str]]) -> Iterator[Skip]:
    """Read the header row; return its column indexes by lowercased name and its
    number of fields, or None."""
    try:
        header = next(rows, None)
        # blank lines and a spreadsheet's "sep=;" line may come before the header
        while header is not None and (not "".join(header).strip() or _SEP_LINE.match(
                ",".join(header)) and len([cell for cell in header if cell]) == 1):
            header = next(rows, None)
    except csv.Error as err:
        yield source.skip(rows.line_num or 1, f"invalid CSV header: {err}")
        return None
    if header is None:
        return None
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        key = name.strip().lower()
        if key in columns and key in FIELD_NAMES:  # which one holds the title?
            yield source.skip(rows.line_num, f"CSV header names the column {key!r} twice "
                                             f"(columns {columns[key] + 1} and {index + 1})")
            return None
        columns.setdefault(key, index)
    missing = [name for name in _REQUIRED if name not in columns]
    if missing:
        line = ",".join(header).strip()
        if line.startswith(("{", "[")):
            found = "the line is JSON; read it with --format jsonl or auto"
        else:
            shown = [_clip(name.strip()) for name in header[:8]]
            more = ", ..." if len(header) > 8 else ""
            found = "columns: " + (", ".join(repr(name) for name in shown) or "none") + more
        yield source.skip(rows.line_num, f"CSV header lacks {' and '.join(missing)} column(s) "
                                         f"({found})")
        return None
    return columns, len(header)


def _delimiter(source: Source) -> str:
    """The delimiter a ``sep=X`` line names, else the commonest in the header line."""
    head = source.head().decode("utf-8", errors="replace").lstrip("\ufeff")
    lines = [line for line in head.splitlines() if line.strip()]
    first = lines[0] if lines else ""
    named = _SEP_LINE.match(first)
    if named and named.group(1):
        return named.group(1)
    if named and len(lines) > 1:
        first = lines[1]
    counts = {delimiter: first.count(delimiter) for delimiter in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _physical_lines(source: Source, too_long: list[int]) -> Iterator[str]:
    """The file's lines with their endings, as the csv module wants them."""
    for number, line in source.lines(keepends=True):
        if line is None:
            too_long.append(number)
            yield "\n"
        else:
            yield line


def _clip(name: str, limit: int = 30) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
