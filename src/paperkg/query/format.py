"""Write a :class:`~paperkg.query.store.QueryResult` as a table, CSV, TSV or JSON.

- ``table``: aligned columns for reading; IRIs shortened with the known
  prefixes (``pk:Model``, ``entity:LoRA``), literals shown by their text, long
  cells cut with ``…`` and line breaks shown as spaces, and a row count.
- ``csv``: SPARQL 1.1 Query Results CSV (IRIs and literal text, no markup).
- ``tsv``: SPARQL 1.1 Query Results TSV (``?var`` header, terms in Turtle syntax).
- ``json``: SPARQL 1.1 Query Results JSON.

``CONSTRUCT`` / ``DESCRIBE`` results are written as rows of ``subject``,
``predicate``, ``object`` in every format.

    >>> from paperkg.query.store import QueryResult
    >>> print(format_result(QueryResult(kind="ask", boolean=True), "json"), end="")
    {"head": {}, "boolean": true}
"""

from __future__ import annotations

import csv
import io
import json
import re

import pyoxigraph as ox

from paperkg.errors import QueryError
from paperkg.query.store import QUERY_PREFIXES, QueryResult, Term
from paperkg.shown import show_bidi_controls

FORMATS = ("table", "csv", "tsv", "json")

#: default widest cell of a table, in characters
TABLE_MAX_WIDTH = 60

_XSD = "http://www.w3.org/2001/XMLSchema#"
_STRING_TYPES = {_XSD + "string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"}
_LOCAL_NAME = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?$")
#: literals Turtle writes bare (ASCII digits only: "\u0663" is no Turtle number)
_BARE_NUMBER = {
    _XSD + "integer": re.compile(r"^[+-]?[0-9]+$"),
    _XSD + "decimal": re.compile(r"^[+-]?[0-9]*\.[0-9]+$"),
    _XSD + "double": re.compile(r"^[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)[eE][+-]?[0-9]+$"),
    _XSD + "boolean": re.compile(r"^(?:true|false)$"),
}


def format_result(
    result: QueryResult, fmt: str = "table", *, max_width: int = TABLE_MAX_WIDTH
) -> str:
    """The result written in ``fmt`` (one of :data:`FORMATS`), ending with a newline."""
    writers = {"table": _table, "csv": _csv, "tsv": _tsv, "json": _json}
    try:
        writer = writers[fmt]
    except KeyError:
        raise QueryError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}") from None
    if writer is _table:
        return _table(result, max_width)
    return writer(result)


# -- table ---------------------------------------------------------------------


def _table(result: QueryResult, max_width: int) -> str:
    if result.kind == "ask":
        return ("true" if result.boolean else "false") + "\n"
    header = list(result.variables)
    # a right-to-left override in a value would reorder the line it is printed on
    cells = [[_clip(show_bidi_controls(display(term)), max_width) for term in row]
             for row in result.rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(header)]
    lines = [_join(header, widths), _join(["-" * w for w in widths], widths)]
    lines += [_join(row, widths) for row in cells]
    count = len(result.rows)
    footer = f"({count} row{'s' if count != 1 else ''}"
    footer += ", more not shown: raise --limit)" if result.truncated else ")"
    return "\n".join(lines + [footer]) + "\n"


def _join(cells: list[str], widths: list[int]) -> str:
    return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()


def _clip(text: str, max_width: int) -> str:
    text = " ".join(text.split())  # line breaks and tabs would break the columns
    if len(text) <= max_width:
        return text
    return text[: max(max_width - 1, 1)].rstrip() + "…"


def display(term: Term | None) -> str:
    """A term as a person reads it: short IRIs, literal text, ``_:id`` blank nodes."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return compact_iri(term.value)
    if isinstance(term, ox.Literal):
        if term.language is None:
            return term.value
        direction = getattr(term, "direction", None)  # RDF 1.2; pyoxigraph 0.5 on
        direction = f"--{direction}" if direction is not None else ""
        return f"{term.value}@{term.language}{direction}"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return f"<< {display(term.subject)} {display(term.predicate)} {display(term.object)} >>"


def compact_iri(iri: str) -> str:
    """``prefix:local`` for an IRI under a known prefix, else ``<iri>``.

    >>> compact_iri("https://w3id.org/paperkg/entity/LoRA")
    'entity:LoRA'
    """
    best = ""
    for prefix, namespace in QUERY_PREFIXES.items():
        if iri.startswith(namespace) and len(namespace) > len(QUERY_PREFIXES.get(best, "")):
            local = iri[len(namespace) :]
            if local == "" or _LOCAL_NAME.match(local):
                best = prefix
    if best:
        return f"{best}:{iri[len(QUERY_PREFIXES[best]) :]}"
    return f"<{iri}>"


# -- CSV / TSV -----------------------------------------------------------------


def _refuse_ask(result: QueryResult, fmt: str) -> None:
    if result.kind == "ask":
        raise QueryError(f"an ASK query has no rows to write as {fmt}; use --format table or json")


def _csv(result: QueryResult) -> str:
    _refuse_ask(result, "csv")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow(["" if t is None else _plain(t) for t in row])
    return out.getvalue()


def _plain(term: Term) -> str:
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return str(term)
    return term.value


def _tsv(result: QueryResult) -> str:
    _refuse_ask(result, "tsv")
    lines = ["\t".join(f"?{v}" for v in result.variables)]
    for row in result.rows:
        lines.append("\t".join("" if t is None else _turtle(t) for t in row))
    return "\n".join(lines) + "\n"


def _turtle(term: Term) -> str:
    """A term in Turtle syntax; numbers and booleans bare, as the TSV format allows."""
    if isinstance(term, ox.Literal):
        bare = _BARE_NUMBER.get(term.datatype.value)
        if bare is not None and bare.match(term.value):
            return term.value
    return str(term)  # pyoxigraph escapes quotes, backslashes, tabs and line breaks


# -- JSON ----------------------------------------------------------------------


def _json(result: QueryResult) -> str:
    if result.kind == "ask":
        return json.dumps({"head": {}, "boolean": bool(result.boolean)}) + "\n"
    document = {
        "head": {"vars": list(result.variables)},
        "results": {
            "bindings": [
                {
                    var: json_term(t)
                    for var, t in zip(result.variables, row, strict=True)
                    if t is not None
                }
                for row in result.rows
            ]
        },
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def json_term(term: Term) -> dict:
    """One RDF term in the SPARQL 1.1 JSON results format."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language is not None:
            out["xml:lang"] = term.language
            direction = getattr(term, "direction", None)  # RDF 1.2; pyoxigraph 0.5 on
            if direction is not None:  # SPARQL 1.2 results in JSON
                out["its:dir"] = str(direction)
        elif term.datatype.value not in _STRING_TYPES:
            out["datatype"] = term.datatype.value
        return out
    return {
        "type": "triple",
        "value": {
            "subject": json_term(term.subject),
            "predicate": json_term(term.predicate),
            "object": json_term(term.object),
        },
    }
