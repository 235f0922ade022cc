"""``paperkg query``: SPARQL or a named query over a built graph."""

from __future__ import annotations

import argparse
import json
import os
import select
import sys
import textwrap
from pathlib import Path

from paperkg.errors import QueryError
from paperkg.query.format import FORMATS, format_result
from paperkg.query.named import NamedQuery, get_named_query, list_named_queries, run_named_query
from paperkg.query.store import run_query

EPILOG = """examples:
  paperkg query --list
  paperkg query top-benchmarks --limit 10
  paperkg query derived-from LoRA
  paperkg query papers-evaluating-on --param entity=MMLU --format csv
  paperkg query 'SELECT ?label WHERE { ?e a pk:Technique ; rdfs:label ?label } LIMIT 5'
  paperkg query --file my-query.rq --format json --graph my-graph

Prefixes pk, dcterms, rdfs, skos, prov, xsd, rdf, owl, paper and entity are
pre-declared. The graph is loaded once into DIR/store/ and reused until
graph.ttl changes. It is read-only (updates are refused) and offline (SERVICE
calls to other endpoints are refused).
"""


def register(subparsers) -> argparse.ArgumentParser:  # type: ignore[no-untyped-def]
    parser = subparsers.add_parser(
        "query",
        help="run SPARQL or a named query over a built graph",
        description="Run a SPARQL query, or one of the named queries shipped with paperkg, "
        "over the graph of a build (loaded once into an on-disk store next to it).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "query",
        nargs="?",
        metavar="QUERY",
        help="SPARQL text, or the name of a named query (see --list)",
    )
    parser.add_argument(
        "values",
        nargs="*",
        metavar="VALUE",
        help="values of a named query's parameters, in the order --list shows",
    )
    parser.add_argument(
        "--file", "-f", metavar="FILE", help="read the SPARQL from FILE ('-' = stdin)"
    )
    parser.add_argument("--list", action="store_true", help="list the named queries and exit")
    parser.add_argument("--show", metavar="NAME", help="print the SPARQL of a named query and exit")
    parser.add_argument(
        "--param",
        "-p",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a named query's parameter (repeatable)",
    )
    parser.add_argument(
        "--format",
        dest="fmt",
        choices=FORMATS,
        default="table",
        help="output format (default: table)",
    )
    parser.add_argument(
        "--graph",
        default="outputs",
        metavar="DIR",
        help="a build's output folder (default: outputs/)",
    )
    parser.add_argument("--limit", type=_non_negative, metavar="N", help="print at most N rows")
    return parser


def run(args: argparse.Namespace) -> int:
    for text in (args.query, *args.values, *args.param):
        _check_utf8(text, "argument")
    if (args.list or args.show) and (args.query or args.values or args.param or args.file):
        option = "--list" if args.list else "--show"
        raise QueryError(f"{option} takes no query, values or parameters; run the query "
                         "without it")
    if args.list:
        write_stdout(_listing(list_named_queries()))
        return 0
    if args.show:
        write_stdout(get_named_query(args.show).sparql)
        return 0
    if args.file and args.query:
        raise QueryError("give either QUERY or --file, not both")
    if args.file:
        if args.values or args.param:
            raise QueryError("parameters apply to named queries only, not to --file")
        result = run_query(args.graph, _read_file(args.file), limit=args.limit)
    elif not args.query:
        raise QueryError("give a SPARQL query, a named query (see --list) or --file FILE")
    elif _is_name(args.query):
        query = get_named_query(args.query)
        result = run_named_query(args.graph, query.name, _params(query, args), limit=args.limit)
    else:
        if args.values or args.param:
            raise QueryError("parameters apply to named queries only; write them into the SPARQL")
        result = run_query(args.graph, args.query, limit=args.limit)
    write_stdout(_writable(format_result(result, args.fmt), args.fmt))
    return 0


def _writable(text: str, fmt: str) -> str:
    """``text``, or a form of it standard output's encoding can write: a console
    that cannot show every character (``PYTHONIOENCODING=ascii``) gets JSON with
    ``\\u`` escapes, which read back the same, and other formats with the characters
    it lacks escaped, with a note on stderr."""
    encoding = sys.stdout.encoding or "utf-8"
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        pass
    except LookupError:  # an encoding Python does not know: the write says so
        return text
    else:
        return text
    if fmt == "json":
        return json.dumps(json.loads(text), ensure_ascii=True, indent=2) + "\n"
    print(f"note: standard output (encoding {encoding}) cannot show every character; "
          "they are written as \\u escapes (PYTHONIOENCODING=utf-8 shows them)",
          file=sys.stderr)
    return text.encode(encoding, "backslashreplace").decode(encoding)


def _is_name(text: str) -> bool:
    """A named query is one word; SPARQL always has spaces or braces."""
    return bool(text) and all(ch.isalnum() or ch in "-_" for ch in text)


def _params(query: NamedQuery, args: argparse.Namespace) -> dict[str, str]:
    if len(args.values) > len(query.params):
        raise QueryError(
            f"named query {query.name!r} takes {len(query.params)} value(s), got "
            f"{len(args.values)}; usage: paperkg query {query.usage()}"
        )
    params = {p.name: value for p, value in zip(query.params, args.values, strict=False)}
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise QueryError(f"--param takes NAME=VALUE, got {item!r}")
        if name.strip() in params:
            raise QueryError(f"parameter {name.strip()!r} given twice")
        params[name.strip()] = value
    return params


def _read_file(path: str) -> str:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        text.encode("utf-8")  # standard input may hold lone surrogates for bad bytes
        return text.removeprefix("\ufeff")  # a byte order mark some editors save
    except (UnicodeDecodeError, UnicodeEncodeError) as err:
        raise QueryError(f"query file {path} is not UTF-8 text (at {err.start})") from None
    except OSError as err:
        raise QueryError(f"cannot read query file {path}: {err.strerror or err}") from err


def _check_utf8(text: str | None, what: str) -> None:
    """Refuse text with bytes that were not UTF-8 (a shell passes them through as
    lone surrogates, which no query or store can hold)."""
    if text is None:
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        from paperkg.ingest.inputs import shown_name  # only now: the readers load in 50 ms

        raise QueryError(f"{what} '{shown_name(text)}' is not valid UTF-8 text") from None


def _listing(queries: list[NamedQuery]) -> str:
    blocks = []
    for query in queries:
        lines = [query.usage(), f"    {query.title}"]
        lines += textwrap.wrap(
            query.description, width=76, initial_indent="    ", subsequent_indent="    "
        )
        for param in query.params:
            default = f", default {param.default}" if param.default is not None else ""
            lines.append(f"    {param.name} ({param.kind}{default}): {param.description}")
        lines += [f"    e.g. {example}" for example in query.examples[:1]]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def write_stdout(text: str) -> None:
    """Print ``text`` ending in one newline (a closed pipe, ``| head``, is handled
    for every command in :func:`paperkg.cli.main`).

    Written to the file descriptor directly when there is one: Python's buffered
    writer reports a pipe its reader closed half-way through a large write as
    written, so ``paperkg query ... | head -1`` exited 0 with its answer cut.
    """
    text = text if text.endswith("\n") else text + "\n"
    descriptor = -1  # standard output replaced (tests, notebooks) or on Windows ("\r\n")
    if sys.stdout is sys.__stdout__ and os.name == "posix":
        try:
            descriptor = sys.stdout.fileno()
        except (AttributeError, OSError, ValueError):
            pass
    if descriptor < 0:
        sys.stdout.write(text)
        return
    sys.stdout.flush()
    data = memoryview(text.encode(sys.stdout.encoding or "utf-8", sys.stdout.errors or "strict"))
    while data:
        try:
            data = data[os.write(descriptor, data):]
        except BlockingIOError:  # a non-blocking descriptor (set so by another program)
            select.select([], [descriptor], [])
