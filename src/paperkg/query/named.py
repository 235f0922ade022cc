"""Named SPARQL queries shipped with paperkg (``paperkg/query/queries/*.rq``).

Each file opens with a header of comment lines::

    # title: Papers evaluating on a benchmark
    # description: Papers that evaluate on the given benchmark or dataset.
    # param: entity (entity) - the benchmark or dataset, by name or alias
    # param: below (number, default 0.7) - a confidence threshold
    # example: paperkg query papers-evaluating-on MMLU

A parameter's kind is ``entity`` (a name or alias, matched to an entity IRI
case- and punctuation-insensitively), ``text``, ``number`` or ``integer``. In
the query body each parameter ``NAME`` has a placeholder ``VALUES ?NAME { UNDEF }``
(so the file also runs as it is, with the variable unbound). Binding a value
replaces the placeholder's ``UNDEF`` with the value serialised by pyoxigraph
(an IRI from the graph, or an escaped literal): user text never becomes SPARQL
syntax.

A query that lists many rows may declare a cut, so that a caller's limit is
fast: ``# cut:`` (continued on the next comment lines) is a ``SELECT`` of one
value per row, the sort key of the query's first ``ORDER BY`` condition, in the
same order and over at least the query's rows; the query's body has a
placeholder ``VALUES ?cut { UNDEF }`` and keeps only rows whose key is not past
``?cut`` when it is bound. With a limit of N rows, the cut query's row N + 1 is
bound to ``?cut``, so the engine joins and sorts only the rows up to it (a
hundred instead of 70,000 on a 100k-paper graph). If fewer than N + 1 rows are
left on this side of the cut, the query runs again without it: the answer is
the one the query gives without a cut, whatever the cut query returns.

A query whose rows are too many, or too tied on their first sort key, for a cut
may declare a rank instead: ``# rank:`` is a ``SELECT`` of the variables that
identify a row (its key), ``ORDER BY`` the query's own conditions, over the
same bindings of the variables they read. The body marks with the comment line
``# ranked: VALUES (?a ?b)`` where a ``VALUES`` block of keys may go (a comment,
so the query runs as it is without one). The store runs each rank query once,
when it loads a graph, and keeps its keys in order in a file next to it
(:meth:`GraphStore.ranked_keys`). With a limit of N, the first N + 1 keys are
bound at the mark, so the engine looks up a hundred rows instead of sorting
130,000. That answer is exact when (1) the rank query orders its keys as the
query orders their rows; (2) all rows of a key sort together, at the key's one
place: the store checks that no key is listed twice (nor unbound, nor a blank
node), so a rank query must list a key once for each value of a variable the
order reads, including values its own filter would leave out; and (3) the rows
the rank query leaves out (a stricter filter) sort after every ranked one. If
the bound keys give N rows or fewer, or the bound query fails, the query runs
again without them (through its cut, if it has one). A key may also hold values
the query computes, such as a count: the lines from the mark to ``# ranked: end``
are then replaced by the keys. Those lines must be part of the rank query
(checked), and (4) the rank must list each row of those lines once, as they
give it (not checked: the rank of top-benchmarks joins the counts with labels
and classes only), so that the keys hold the values the query computes.

A query that finds entities by a text parameter may declare ``# search: NAME``
(the parameter): its body then compares the key of each label and alias with
the key of the text exactly as :data:`~paperkg.query.store.NAME_KEY` writes them
(checked), and marks with ``# matching: VALUES (?entity)`` where the entities
with a matching name may be bound. The store keeps every name's key in a table,
so it finds those entities in milliseconds; the query still applies its own
filter, so its answer is the same with or without them.

A query that counts, for an entity parameter, the papers mentioning it with
each other entity may declare ``# co-mentions: NAME`` (the parameter). Its body
holds that count between the lines ``# counted: VALUES (?other ?papers)`` and
``# counted: end``, written exactly as the store counts it
(:data:`~paperkg.query.comentions.COUNT_QUERY`, checked). The store keeps the
counts of the entities that many papers mention
(:meth:`GraphStore.co_mentions`); with a limit of N, the counts of the entities
up to place N + 1 (ties included) replace the block, so the engine names and
sorts about a hundred entities instead of counting the mentions of thousands of
papers. If they give N rows or fewer (entities without a label or class took
places), more are bound, a few times; then the engine counts.

    >>> q = get_named_query("derived-from")
    >>> [p.name for p in q.params]
    ['entity']
"""

from __future__ import annotations

import difflib
import logging
import math
import os
import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

import pyoxigraph as ox

from paperkg.errors import QueryError
from paperkg.query.comentions import COUNT_QUERY
from paperkg.query.entities import EntityIndex, NameIndex, UnknownEntityError
from paperkg.query.store import (
    MAX_QUERY_CHARS,
    NAME_KEY,
    NAME_PATTERN,
    GraphStore,
    QueryResult,
    effective_limit,
)

log = logging.getLogger(__name__)

PARAM_KINDS = ("entity", "text", "number", "integer")

_HEADER = re.compile(
    r"^#\s*(title|description|param|example|cut|rank|search|co-mentions)\s*:\s*(.*)$")
_PARAM = re.compile(
    r"^(?P<name>[A-Za-z_]\w*)\s*"
    r"(?:\((?P<kind>\w+)(?:\s*,\s*default\s+(?P<default>[^)]*?))?\s*\))?"
    r"\s*(?:-\s*(?P<description>.*))?$"
)
#: a LIMIT or OFFSET line: named queries leave them to the caller (``limit=``)
_OWN_LIMIT = re.compile(r"^\s*(?:LIMIT|OFFSET)\s+\d+\s*(?:#.*)?$", re.IGNORECASE | re.MULTILINE)
_PLACEHOLDER = r"VALUES\s+\?{name}\s*\{{\s*UNDEF\s*\}}"
#: where the keys of ranked rows go: ``# ranked: VALUES (?a ?b)`` on a line of its own
_RANKED_MARK = re.compile(r"^[ \t]*# ranked: VALUES \(((?:\s*\?\w+)+)\s*\)[ \t]*$", re.MULTILINE)
#: where the entities a search found go
_MATCHING_MARK = re.compile(r"^[ \t]*# matching: VALUES \(\?entity\)[ \t]*$", re.MULTILINE)


def _lines_to_end(word: str, variables: str) -> re.Pattern[str]:
    """The lines from ``# WORD: VALUES (VARIABLES)`` to ``# WORD: end``, which a ``VALUES``
    block replaces; groups: the variables, the lines between."""
    return re.compile(rf"^[ \t]*# {word}: VALUES \(({variables})\s*\)[ \t]*\n(.*?)"
                      rf"^[ \t]*# {word}: end[ \t]*$", re.MULTILINE | re.DOTALL)


#: a rank whose keys replace the lines from its mark to ``# ranked: end``
_RANKED_BLOCK = _lines_to_end("ranked", r"(?:\s*\?\w+)+")
#: where the store's co-mention counts go: the lines from this mark to ``# counted: end``
_COUNTED = _lines_to_end("counted", r"\?other \?papers")
#: how many times co-mentioned binds more counts when entities without a row took places
_COUNTED_ROUNDS = 3
#: the most entities a search binds; with more, the query's own filter is as fast
MAX_SEARCH_MATCHES = 2000
#: the variables a rank query selects
_RANK_SELECT = re.compile(r"^\s*SELECT\s+((?:\?\w+\s+)+)WHERE\b", re.IGNORECASE)
_XSD = "http://www.w3.org/2001/XMLSchema#"
#: the integers a query engine with 64-bit integers compares
_INTEGERS = (-(2**63), 2**63 - 1)


@dataclass(frozen=True)
class Param:
    """One parameter of a named query."""

    name: str
    #: ``entity``, ``text``, ``number`` or ``integer``
    kind: str
    description: str
    #: the value used when none is given; ``None`` makes the parameter required
    default: str | None = None


@dataclass(frozen=True)
class NamedQuery:
    """A SPARQL query shipped with paperkg, with its documentation."""

    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    examples: tuple[str, ...]
    #: the whole file, header comments included
    sparql: str
    #: the query whose row N + 1 bounds the rows an answer of N rows needs (``# cut:``)
    cut: str | None = None
    #: the query listing the keys of the rows in the query's order (``# rank:``)
    rank: str | None = None
    #: the text parameter whose matching entities the store finds (``# search:``)
    search: str | None = None
    #: the entity parameter whose co-mentions the store counts (``# co-mentions:``)
    co_mentions: str | None = None

    def usage(self) -> str:
        """``name PARAM [OPTIONAL]`` as typed on the command line."""
        words = [
            p.name.upper() if p.default is None else f"[{p.name.upper()}]" for p in self.params
        ]
        return " ".join([self.name, *words])


def list_named_queries() -> list[NamedQuery]:
    """Every named query, sorted by name."""
    folder = resources.files("paperkg.query").joinpath("queries")
    files = sorted(f for f in folder.iterdir() if f.name.endswith(".rq"))
    return [parse_named_query(f.name[:-3], f.read_text(encoding="utf-8")) for f in files]


def get_named_query(name: str) -> NamedQuery:
    """The named query ``name``; raises :class:`QueryError` listing the names on a miss."""
    queries = {q.name: q for q in list_named_queries()}
    try:
        return queries[name]
    except KeyError:
        close = difflib.get_close_matches(name, queries, n=1, cutoff=0.75)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise QueryError(
            f"unknown named query {name!r}; {hint}choose from {', '.join(sorted(queries))} "
            "(see `paperkg query --list`)"
        ) from None


def parse_named_query(name: str, text: str) -> NamedQuery:
    """Read the header of a ``.rq`` file and check every parameter has its placeholder."""
    fields: dict[str, list[str]] = {
        "title": [], "description": [], "param": [], "example": [], "cut": [], "rank": [],
        "search": [], "co-mentions": []}
    last: list[str] | None = None
    lines = text.splitlines()
    body_start = len(lines)
    for number, line in enumerate(lines):
        if not line.startswith("#"):
            if line.strip():
                body_start = number
                break
            continue
        match = _HEADER.match(line)
        if match:
            last = fields[match.group(1)]
            last.append(match.group(2).strip())
        elif last is not None and line[1:].strip():  # a continuation line
            last[-1] = f"{last[-1]} {line[1:].strip()}"
    params = tuple(_parse_param(name, spec) for spec in fields["param"])
    body = "\n".join(lines[body_start:])
    placeholders = [p.name for p in params] + (["cut"] if fields["cut"] else [])
    for placeholder in placeholders:
        if not re.search(_PLACEHOLDER.format(name=placeholder), body):
            raise QueryError(
                f"named query {name!r} lacks the placeholder VALUES ?{placeholder} {{ UNDEF }}"
            )
    rank = " ".join(fields["rank"]) or None
    _check_rank(name, rank, body)
    search = " ".join(fields["search"]) or None
    _check_search(name, search, params, body)
    co_mentions = " ".join(fields["co-mentions"]) or None
    _check_co_mentions(name, co_mentions, params, body)
    if _OWN_LIMIT.search(text):
        raise QueryError(
            f"named query {name!r} ends with LIMIT or OFFSET; leave them out "
            "(callers choose how many rows they want)"
        )
    return NamedQuery(
        name=name,
        title=" ".join(fields["title"]) or name,
        description=" ".join(fields["description"]),
        params=params,
        examples=tuple(fields["example"]),
        sparql=text,
        cut=" ".join(fields["cut"]) or None,
        rank=rank,
        search=search,
        co_mentions=co_mentions,
    )


def _check_rank(name: str, rank: str | None, body: str) -> None:
    """A rank query selects the variables that the body's one ``# ranked:`` mark names."""
    marks = _RANKED_MARK.findall(body)
    if rank is None and not marks:
        return
    if rank is None or len(marks) != 1:
        raise QueryError(f"named query {name!r}: a '# rank:' query in the header goes with one "
                         "'# ranked: VALUES (?key ...)' line in the body")
    select = _RANK_SELECT.match(rank)
    if select is None or select.group(1).split() != marks[0].split():
        raise QueryError(f"named query {name!r}: the '# rank:' query must be 'SELECT "
                         f"{marks[0].strip()} WHERE ...', the variables of its '# ranked:' line")
    if "# ranked: end" not in body:
        return
    blocks = _RANKED_BLOCK.findall(body)
    replaced = " ".join(blocks[0][1].split()) if len(blocks) == 1 else ""
    if not replaced or replaced not in " ".join(rank.split()) or "UNDEF" in replaced:
        raise QueryError(f"named query {name!r}: the lines from '# ranked:' to '# ranked: end' "
                         "are a part of the '# rank:' query, without parameters (the keys "
                         "hold the values they compute)")


def _check_search(name: str, search: str | None, params: tuple[Param, ...], body: str) -> None:
    """A search names a text parameter, and the body compares names as the store's table."""
    marks = len(_MATCHING_MARK.findall(body))
    if search is None and not marks:
        return
    texts = [p.name for p in params if p.kind == "text"]
    if search not in texts or marks != 1:
        raise QueryError(f"named query {name!r}: '# search: NAME' names a text parameter "
                         f"({', '.join(texts) or 'it has none'}) and goes with one "
                         "'# matching: VALUES (?entity)' line in the body")
    needed = (NAME_PATTERN, NAME_KEY.format("?name"), NAME_KEY.format(f"?{search}"))
    missing = [text for text in needed if text not in body]
    if missing:
        raise QueryError(f"named query {name!r}: a search compares names as the store's "
                         f"table does; the body lacks {missing[0]}")


def _check_co_mentions(name: str, entity: str | None, params: tuple[Param, ...],
                       body: str) -> None:
    """``# co-mentions: NAME`` names an entity parameter, and the lines between the body's
    ``# counted:`` marks count what the store's table counts."""
    blocks = _COUNTED.findall(body)
    if entity is None and not blocks and "# counted:" not in body:
        return
    entities = [p.name for p in params if p.kind == "entity"]
    if entity not in entities or len(blocks) != 1:
        raise QueryError(f"named query {name!r}: '# co-mentions: NAME' names an entity "
                         f"parameter ({', '.join(entities) or 'it has none'}) and goes with one "
                         "block from '# counted: VALUES (?other ?papers)' to '# counted: end'")
    if " ".join(blocks[0][1].split()) != COUNT_QUERY.format(entity=entity):
        raise QueryError(f"named query {name!r}: the '# counted:' block must count what the "
                         f"store's table counts: {COUNT_QUERY.format(entity=entity)}")


def _parse_param(query_name: str, spec: str) -> Param:
    match = _PARAM.match(spec)
    kind = (match.group("kind") if match else None) or "text"
    if not match or kind not in PARAM_KINDS:
        raise QueryError(
            f"named query {query_name!r}: cannot read param {spec!r}; write "
            f"'NAME (KIND[, default VALUE]) - meaning' with KIND one of {', '.join(PARAM_KINDS)}"
        )
    return Param(
        name=match.group("name"),
        kind=kind,
        description=(match.group("description") or "").strip(),
        default=match.group("default"),
    )


def bind_params(
    query: NamedQuery, values: Mapping[str, str], entities: EntityIndex | NameIndex | None = None
) -> str:
    """The query text with each parameter's placeholder bound to its (escaped) value.

    ``entities`` is needed only when the query has ``entity`` parameters.
    """
    return _substitute(query.sparql, _value_blocks(query, values, entities))


def _value_blocks(
    query: NamedQuery, values: Mapping[str, str], entities: EntityIndex | NameIndex | None
) -> dict[str, str]:
    """Each parameter's ``VALUES`` block, its value checked and escaped."""
    known = {p.name for p in query.params}
    unknown = sorted(set(values) - known)
    if unknown:
        valid = ", ".join(sorted(known)) or "none"
        raise QueryError(
            f"named query {query.name!r} has no parameter {unknown[0]!r}; parameters: {valid}"
        )
    blocks = {}
    for param in query.params:
        raw = values.get(param.name, param.default)
        if raw is None:
            raise QueryError(
                f"named query {query.name!r} needs a value for {param.name!r} "
                f"({param.description}); usage: paperkg query {query.usage()}"
            )
        terms = _terms(query, param, raw, entities)
        blocks[param.name] = "VALUES ?" + param.name + " { " + " ".join(map(str, terms)) + " }"
    return blocks


def _substitute(text: str, blocks: Mapping[str, str]) -> str:
    """``text`` with the placeholder of each name in ``blocks`` replaced by its block."""
    for name, block in blocks.items():
        text = re.sub(_PLACEHOLDER.format(name=name), lambda _m, block=block: block, text)
    return text


def run_named_query(
    graph_dir: str | os.PathLike[str],
    name: str,
    params: Mapping[str, str] | None = None,
    *,
    limit: int | None = None,
) -> QueryResult:
    """Run the named query ``name`` with ``params`` over the build in ``graph_dir``.

    >>> run_named_query("outputs", "derived-from", {"entity": "LoRA"})  # doctest: +SKIP
    """
    query = get_named_query(name)
    limit = effective_limit(limit)
    with GraphStore.open(graph_dir) as store:
        if not any(p.kind == "entity" for p in query.params):
            return _answer(store, query, _value_blocks(query, params or {}, None), limit)
        names = NameIndex(store)
        try:
            return _answer(store, query, _value_blocks(query, params or {}, names), limit)
        finally:
            names.close()


def _answer(store: GraphStore, query: NamedQuery, blocks: Mapping[str, str],
            limit: int | None) -> QueryResult:
    """The query's first ``limit`` rows (all without one), through its cut if it has one."""
    sparql = _substitute(query.sparql, blocks)
    if query.search is not None:
        matched = _with_matches(store, query, sparql, blocks[query.search])
        if matched != sparql:
            try:
                return _answer_text(store, query, matched, blocks, limit)
            except QueryError as err:  # e.g. too long with the matches bound: without them
                log.debug("searching %s without the matches found: %s", query.name, err)
    return _answer_text(store, query, sparql, blocks, limit)


def _answer_text(store: GraphStore, query: NamedQuery, sparql: str, blocks: Mapping[str, str],
                 limit: int | None) -> QueryResult:
    """:func:`_answer` for the query's text ``sparql`` with its parameters bound."""
    if limit is not None and query.co_mentions is not None:
        counted = _counted_answer(store, query, sparql, blocks[query.co_mentions], limit)
        if counted is not None:
            return counted
    keys = None if limit is None or query.rank is None else _ranked_keys(store, query, limit + 1)
    ranked = _ranked(sparql, keys) if keys else ""
    if ranked and len(ranked) <= MAX_QUERY_CHARS:  # a limit of thousands: the whole query
        try:
            result = store.query(_limited(ranked, limit), limit=limit)
        except QueryError as err:  # e.g. keys whose IRIs hold brackets, counted as nesting
            log.debug("answering %s without its rank: %s", query.name, err)
        else:
            if result.truncated:  # more than `limit` rows of the first keys: the answer
                return result
    cut = None if limit is None or query.cut is None else _cut_value(store, query.cut, blocks,
                                                                       limit)
    if cut is not None:
        result = store.query(_limited(_substitute(sparql, {"cut": f"VALUES ?cut {{ {cut} }}"}),
                                      limit), limit=limit)
        if result.truncated:  # more than `limit` rows up to the cut: the first ones are the answer
            return result
    return store.query(_limited(sparql, limit), limit=limit)


def prepare_named_queries(store: GraphStore) -> None:
    """For a newly built store: run every rank query, and write the tables of name keys
    and co-mentions."""
    queries = list_named_queries()
    ranked = [query for query in queries if query.rank]
    if ranked:
        log.info("ordering the rows of %d named queries (%s)", len(ranked),
                 ", ".join(query.name for query in ranked))
    for query in ranked:
        _ranked_keys(store, query, 0)
    if any(query.search for query in queries):
        try:
            store.entities_named_like('"a"', 0)  # writes the table of name keys
        except QueryError as err:
            log.debug("no table of name keys: %s", err)
    if any(query.co_mentions for query in queries):
        log.info("counting the co-mentions of the most mentioned entities")
        store.co_mentions("<>", 1)  # writes the table of co-mentions


def _counted_answer(store: GraphStore, query: NamedQuery, sparql: str, entity_block: str,
                    limit: int) -> QueryResult | None:
    """The first ``limit`` rows from the store's co-mention counts of the one bound entity.

    The counts of the entities mentioned with it most often (all those tied
    with the one in place ``limit`` + 1 included) replace the ``# counted:``
    block, so the engine names and sorts about a hundred entities instead of
    counting the mentions of thousands of papers. Entities that give no row
    (no label or class) take places among them: then more are bound, a few
    times. None when the store has no counts for it (an entity of few papers,
    which the query counts fast, or more than one entity) or they do not
    suffice: the caller then counts with the engine.
    """
    # split at spaces only: an IRI may hold other white space (U+00A0, U+3000)
    terms = entity_block[entity_block.index("{") + 1:entity_block.rindex("}")].split(" ")
    terms = [term for term in terms if term]
    if len(terms) != 1 or not terms[0].startswith("<"):
        return None
    wanted = limit + 1
    for _round in range(_COUNTED_ROUNDS):
        try:
            found = store.co_mentions(terms[0], wanted)
            if found is None:
                return None
            rows, complete = found
            values = " ".join(f"({other} {papers})" for other, papers in rows)
            counted = _COUNTED.sub(lambda _m, v=values: f"  VALUES (?other ?papers) {{ {v} }}",
                                   sparql, count=1)
            result = store.query(_limited(counted, limit), limit=limit)
        except (QueryError, sqlite3.Error) as err:  # e.g. IRIs whose brackets count as nesting
            log.debug("counting %s with the engine: %s", query.name, err)
            return None
        if result.truncated or complete:
            return result
        wanted = len(rows) + limit + 1 - len(result.rows)  # past those that gave no row
    return None


def _with_matches(store: GraphStore, query: NamedQuery, sparql: str, text_block: str) -> str:
    """``sparql`` with the entities whose names match the text bound at its mark.

    ``text_block`` is the parameter's ``VALUES ?text { "..." }``. Left as it is
    when the store cannot say (too many matches, a failure): the query's own
    filter finds them then.
    """
    text = text_block[text_block.index("{") + 1:text_block.rindex("}")].strip()
    try:
        found = store.entities_named_like(text, MAX_SEARCH_MATCHES)
    except (QueryError, sqlite3.Error) as err:
        log.debug("searching %s without the table of name keys: %s", query.name, err)
        return sparql
    if found is None:
        return sparql
    rows = " ".join(f"({iri})" for iri in found)
    return _MATCHING_MARK.sub(lambda _m: f"  VALUES (?entity) {{ {rows} }}", sparql, count=1)


def _ranked_keys(store: GraphStore, query: NamedQuery, count: int) -> list[str] | None:
    """The first ``count`` keys of the query's rank; None if it has none or it failed."""
    try:
        return store.ranked_keys(query.name, query.rank or "", count)
    except QueryError as err:  # the query answers without it, as on a store without ranks
        log.debug("no rank for %s: %s", query.name, err)
        return None


def _ranked(sparql: str, keys: list[str]) -> str:
    """``sparql`` with the ``# ranked:`` mark (or the lines from it to ``# ranked: end``)
    replaced by a ``VALUES`` block of ``keys``."""
    def block(mark: re.Match[str]) -> str:
        return f"  VALUES ({mark.group(1).strip()}) {{ {' '.join(keys)} }}"
    if _RANKED_BLOCK.search(sparql):
        return _RANKED_BLOCK.sub(block, sparql, count=1)
    return _RANKED_MARK.sub(block, sparql, count=1)


def _cut_value(store: GraphStore, cut: str, blocks: Mapping[str, str], limit: int) -> str | None:
    """The key of the cut query's row ``limit`` + 1 (SPARQL syntax); None if it has none."""
    rows = store.query(f"{_substitute(cut, blocks)}\nOFFSET {limit} LIMIT 1").rows
    return str(rows[0][0]) if rows and rows[0] and rows[0][0] is not None else None


def _limited(sparql: str, limit: int | None) -> str:
    """The query asking the engine for ``limit`` + 1 rows (one more tells that rows were cut).

    The engine then keeps only the best rows while sorting and hands over only
    those: 10-30% faster on answers of tens of thousands of rows. Named queries have no
    ``LIMIT`` of their own (:func:`parse_named_query` checks).
    """
    if limit is None:
        return sparql
    limited = f"{sparql.rstrip()}\nLIMIT {limit + 1}\n"
    # at the length limit, the store's own limit (limit=) cuts the rows instead
    return limited if len(limited) <= MAX_QUERY_CHARS else sparql


def _terms(
    query: NamedQuery, param: Param, raw: str, entities: EntityIndex | NameIndex | None
) -> list[ox.NamedNode | ox.Literal]:
    if param.kind == "entity":
        if entities is None:
            raise ValueError("an EntityIndex is needed to bind entity parameters")
        found = entities.lookup(raw)  # a name, alias or IRI (see entities.as_iri)
        if not found:
            raise UnknownEntityError(f"{param.name}: {entities.miss_message(raw)}")
        if len(found) > 1:  # all of them are meant, as likely as not; say so
            log.warning("%r names %d entities, and the query asks about all of them: %s "
                        "(give one's IRI to ask about it alone)", raw, len(found),
                        ", ".join(f"{e.describe()} <{e.iri}>" for e in found))
        return [ox.NamedNode(e.iri) for e in found]
    if param.kind == "text":
        return [ox.Literal(raw)]
    try:
        number = int(raw) if param.kind == "integer" else float(raw)
    except ValueError:
        raise QueryError(
            f"{param.name} of named query {query.name!r} must be {_article(param.kind)}, "
            f"got {raw!r}"
        ) from None
    if not math.isfinite(number):
        raise QueryError(f"{param.name} must be a finite number, got {raw!r}")
    if param.kind == "integer" and not _INTEGERS[0] <= number <= _INTEGERS[1]:
        # Oxigraph's integers have 64 bits: beyond, a comparison is false for every row
        raise QueryError(f"{param.name} must be between {_INTEGERS[0]:,} and "
                         f"{_INTEGERS[1]:,}, got {raw!r}")
    datatype = "integer" if param.kind == "integer" else "double"
    return [ox.Literal(repr(number), datatype=ox.NamedNode(_XSD + datatype))]


def _article(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"
