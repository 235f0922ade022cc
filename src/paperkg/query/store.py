"""The built graph as an on-disk, read-only pyoxigraph store, and SPARQL over it.

``graph.ttl`` of a build is bulk-loaded once into ``<graph_dir>/store/<key>/db``
(a RocksDB directory that ``oxigraph serve-read-only`` can also open) and reused
while ``graph.ttl`` is unchanged. ``<key>`` is derived from the SHA-256 of
``graph.ttl`` and the pyoxigraph version; a marker file next to ``db`` records
the size and modification time it was built from, so an unchanged graph is
recognised without hashing it, and a byte-identical rebuild without reloading.

A store is built in a temporary folder and renamed into place when complete,
so a concurrent reader never sees half a store; one process loads a graph at a
time (an exclusive lock), and processes that start meanwhile wait and reuse it.
Every process using a store holds a shared lock on it; stale stores are removed
only when nobody holds one.

    >>> query = "SELECT (COUNT(*) AS ?n) WHERE { ?p a pk:Paper }"
    >>> result = run_query("outputs", query)  # doctest: +SKIP
    >>> result.column("n")  # doctest: +SKIP
    ['1234']
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox

from paperkg.commit import complete_commit, one_build_at_a_time
from paperkg.errors import GraphNotFoundError, QueryError
from paperkg.layout import COMMIT_FILE, STORE_DIR
from paperkg.query import comentions
from paperkg.vocab import ENTITY_BASE, PAPER_BASE, PREFIXES

try:  # POSIX advisory locks; without them stale stores are simply never removed
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

GRAPH_FILE = "graph.ttl"
MARKER_FILE = "paperkg-store.json"
LOCK_FILE = ".lock"
#: held (exclusively) by the one process loading a graph into a new store
BUILD_LOCK_FILE = ".build.lock"
DB_DIR = "db"
#: how a store folder is laid out; a new layout makes older stores stale
#: (2: compacted after loading)
STORE_LAYOUT = 2

#: prefixes every query may use without declaring them: the contract's, plus
#: ``paper:`` and ``entity:`` for the IRIs of papers and entities
QUERY_PREFIXES: dict[str, str] = {**PREFIXES, "paper": PAPER_BASE, "entity": ENTITY_BASE}

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple

_UPDATE_KEYWORD = re.compile(
    r"^(?:\s|#[^\n]*\n|PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>)*"
    r"(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b",
    re.IGNORECASE,
)
#: the tokens that may contain the word SERVICE without being the keyword
_OPAQUE_TOKENS = re.compile(
    r'"""(?:[^\\]|\\.)*?"""'  # """long string"""
    r"|'''(?:[^\\]|\\.)*?'''"  # '''long string'''
    r'|"(?:[^"\\\n]|\\.)*"'  # "string"
    r"|'(?:[^'\\\n]|\\.)*'"  # 'string'
    r'|<(?:[^<>"{}|^`\\\s]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>'  # <IRI>, \u escapes too
    r"|\\[_~.\-!$&'()*+,;=/?#@%]"  # an escaped character of a prefixed name: pk:x\#
    r"|#[^\n]*",  # comment
    re.DOTALL,
)
#: prefixes a query declares, and the prefixes of its prefixed names
_DECLARED = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?:", re.IGNORECASE)
_PREFIXED = re.compile(r"(?<![\w?$:.-])([A-Za-z][\w-]*(?:\.[\w-]+)*):(?=[\w%\\])")
#: a quote or an IRI left open (closed ones are blanked before this is searched)
_UNCLOSED = re.compile(r"[\"']|<[^\s<>=]+(?:\s|$)")
#: the first word after the prologue: the query form
_QUERY_FORM = re.compile(r"^(?:\s|PREFIX\s+[^\s:]*:\s*<>|BASE\s*<>)*([A-Za-z]+)", re.IGNORECASE)
_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
#: the word SERVICE, with the run of name characters it stands in: the parser takes it
#: for the keyword wherever a token may start ("SERVICEex:a", "1SERVICE<...>" and
#: "SERVICESILENT<...>" all call out), so only a variable's name or a prefixed name's
#: local part (after its colon) may hold it
_SERVICE = re.compile(r"[\w\-:%\u00b7]*SERVICE", re.IGNORECASE)
_MAX_MESSAGE = 300
#: the first line of a rank file whose keys may be used, and of one whose keys may not
_RANK_HEADER = "paperkg-rank 1\n"
_NO_RANK_HEADER = "paperkg-rank 1 unusable\n"
#: a line of a rank file: a parenthesised row of terms (a damaged file ends mid-line)
_KEY_LINE = re.compile(r"\(.*\)")
#: the search key of a name (``{}``: a variable), as entity-search compares names:
#: lower case, letters and digits only (named.py checks a searching query uses it)
NAME_KEY = 'REPLACE(LCASE(STR({})), "[^\\\\p{{L}}\\\\p{{N}}]", "")'
#: the names a search looks at: every label and alias of an entity
NAME_PATTERN = "{ ?entity rdfs:label ?name } UNION { ?entity skos:altLabel ?name }"
_SEARCH_QUERY = (f"SELECT ?entity ?key WHERE {{ {NAME_PATTERN} "
                 f"BIND({NAME_KEY.format('?name')} AS ?key) }}")
#: temporary folders older than this (seconds) are leftovers of a crash
_LEFTOVER_AGE_S = 3600
_T = TypeVar("_T")


@dataclass(frozen=True)
class _KeptTable:
    """A SQLite table kept next to the store: ``STEM-HASH.sqlite``."""

    stem: str
    #: what it holds (its hash names the file, so a changed definition gets a new file)
    definition: str
    #: a query that fails on a missing or unfinished table
    probe: str
    #: the GraphStore method that returns what writes the table
    fill: str


_SEARCH_TABLE = _KeptTable("search-names", _SEARCH_QUERY, "SELECT entity, key FROM names LIMIT 1",
                           "_fill_search_table")
_CO_MENTION_TABLE = _KeptTable("co-mentions", comentions.DEFINITION,
                               "SELECT c.id, c.floor, n.entity, n.other, n.papers, t.id, t.term "
                               "FROM covered c, counts n, terms t LIMIT 1",
                               "_fill_co_mention_table")


@dataclass(frozen=True)
class QueryResult:
    """The answer to one SPARQL query.

    ``SELECT`` gives ``variables`` and ``rows``; ``ASK`` gives ``boolean``;
    ``CONSTRUCT`` and ``DESCRIBE`` give their triples as rows over the variables
    ``subject``, ``predicate``, ``object``. Cells are pyoxigraph terms, ``None``
    where a variable is unbound.
    """

    #: ``"select"``, ``"ask"`` or ``"graph"`` (CONSTRUCT / DESCRIBE)
    kind: str
    variables: tuple[str, ...] = ()
    rows: tuple[tuple[Term | None, ...], ...] = ()
    #: the answer of an ``ASK`` query
    boolean: bool | None = None
    #: True when ``limit`` cut off further rows
    truncated: bool = False

    def column(self, name: str) -> list[str | None]:
        """The plain values (IRI, literal text, blank node id) of one variable."""
        try:
            index = self.variables.index(name)
        except ValueError as err:
            raise KeyError(f"no variable {name!r}; the result has {list(self.variables)}") from err
        return [term_value(row[index]) for row in self.rows]

    def records(self) -> list[dict[str, str | None]]:
        """The rows as dicts of plain values, one per row."""
        return [
            {var: term_value(cell) for var, cell in zip(self.variables, row, strict=True)}
            for row in self.rows
        ]


def term_value(term: Term | None) -> str | None:
    """The plain text of a term: an IRI, a literal's lexical form or a blank node id."""
    if term is None:
        return None
    if isinstance(term, ox.Triple):
        return str(term)
    return term.value


@dataclass(frozen=True)
class StoreInfo:
    """Where the store of a graph lives and how it came about."""

    #: the RocksDB folder (what ``oxigraph serve-read-only --location`` takes)
    db_path: Path
    #: the ``graph.ttl`` it was loaded from
    source: Path
    #: number of triples in it
    triples: int
    #: True when this call (re)built the store from ``graph.ttl``
    built: bool


class GraphStore:
    """A read-only view of a built graph; use as a context manager or call :meth:`close`.

    >>> with GraphStore.open("outputs") as store:  # doctest: +SKIP
    ...     store.query("ASK { ?p a pk:Paper }").boolean
    True
    """

    def __init__(self, info: StoreInfo, lock: _SharedLock) -> None:
        self.info = info
        self._lock = lock
        self._store: ox.Store | None = ox.Store.read_only(str(info.db_path))

    @classmethod
    def open(cls, graph_dir: str | os.PathLike[str]) -> GraphStore:
        """Open the store of the build in ``graph_dir``, (re)loading it if needed."""
        info, lock = prepare_store(graph_dir)
        try:
            store = cls(info, lock)
        except OSError as err:
            lock.release()
            raise QueryError(f"cannot open the query store {info.db_path}: {err}") from err
        except RuntimeError as err:  # RocksDB: files of the store missing or damaged
            lock.release()
            raise QueryError(
                f"the query store {info.db_path.parent} is damaged ({one_line(str(err))}); "
                "remove that folder and run again: it is rebuilt from graph.ttl") from err
        if info.built:
            from paperkg.query.named import prepare_named_queries  # which imports this module

            prepare_named_queries(store)
        return store

    def query(
        self,
        sparql: str,
        *,
        limit: int | None = None,
        prefixes: Mapping[str, str] | None = None,
        allow_service: bool = False,
    ) -> QueryResult:
        """Run a read-only SPARQL query; ``limit`` caps the rows kept.

        Raises :class:`QueryError` for malformed queries (one line, the parser's
        message), for updates, which the store refuses, and for federated
        ``SERVICE`` calls to other endpoints unless ``allow_service`` is set
        (paperkg works offline; pyoxigraph would make the HTTP request).
        """
        if self._store is None:
            raise QueryError("the graph store is closed")
        limit = effective_limit(limit)
        if len(sparql) > MAX_QUERY_CHARS:  # before any of the checks below reads it
            raise QueryError(f"the query is {len(sparql):,} characters long; paperkg takes up "
                             f"to {MAX_QUERY_CHARS:,}")
        blanked = _blanked(sparql)
        if not allow_service and _calls_service(blanked):
            raise QueryError(
                "SERVICE (a federated query to another endpoint) is disabled: "
                "paperkg queries only the local graph, offline"
            )
        if not blanked.strip():
            raise QueryError("the query is empty (nothing but white space and comments)")
        stray = _stray_backslash(sparql)
        if stray is not None:  # SPARQL has none outside strings, IRIs and escaped names
            line = sparql.count("\n", 0, stray) + 1
            raise QueryError(f"unexpected backslash on line {line} of the query (outside a "
                             "string, an IRI or an escaped character of a prefixed name)")
        depth = nesting_depth(sparql)
        if depth > MAX_NESTING:
            raise QueryError(f"the query nests brackets {depth} deep; paperkg takes up to "
                             f"{MAX_NESTING}")
        store, declared = self._store, dict(prefixes or QUERY_PREFIXES)
        try:
            return _on_deep_stack(lambda cancelled: _collect(
                store.query(sparql, prefixes=declared), limit, cancelled))
        except SyntaxError as err:
            update = _UPDATE_KEYWORD.match(sparql)
            if update:
                keyword = update.group(1).upper()
                raise QueryError(
                    f"{keyword} is a SPARQL update; the graph is read-only "
                    "(change the inputs and run `paperkg build` instead)"
                ) from err
            raise QueryError(f"malformed SPARQL: {_explained(sparql, str(err), prefixes)}") \
                from err
        except (OSError, ValueError, RuntimeError) as err:
            raise QueryError(f"query failed: {one_line(str(err))}") from err

    def cached(self, name: str, version: int, compute: Callable[[], Any]) -> Any:
        """``compute()``, kept as JSON next to the store and reused while it is current.

        For summaries that take seconds to read out of a large graph (every
        entity's names, every lineage edge) and that every command needs: the
        store folder belongs to one ``graph.ttl``, so the file is never stale. A
        missing, unreadable or older-``version`` file is recomputed; a folder we
        may not write to just goes uncached.
        """
        path = self.info.db_path.parent / f"cache-{name}.json"
        try:
            kept = json.loads(path.read_text(encoding="utf-8"))
            if kept.get("version") == version and kept.get("paperkg-cache") == name:
                return kept["value"]
        except (OSError, ValueError, AttributeError, KeyError):
            pass
        value = compute()
        with _temporary(path) as tmp:
            tmp.write_text(
                json.dumps({"paperkg-cache": name, "version": version, "value": value}),
                encoding="utf-8",
            )
            os.replace(tmp, path)
        return value

    def ranked_keys(self, name: str, sparql: str, count: int) -> list[str] | None:
        """The first ``count`` rows of the rank query ``sparql``, as ``VALUES`` rows.

        Each is ``(<iri> "literal" ...)`` in SPARQL syntax. The rank query runs
        once per store (when the store is built, see
        :func:`paperkg.query.named.prepare_named_queries`) and
        its keys are kept in order in ``rank-NAME-HASH.txt`` next to the store,
        the hash being that of the query's text. None when the rank cannot be
        used: a key listed twice (a row with two places in the order), unbound
        or a blank node (which ``VALUES`` cannot hold).
        """
        digest = hashlib.sha256(sparql.encode("utf-8")).hexdigest()[:16]
        path = self.info.db_path.parent / f"rank-{name}-{digest}.txt"
        try:
            with open(path, encoding="utf-8") as handle:
                header = handle.readline()
                if header == _NO_RANK_HEADER:
                    return None
                kept = [line.rstrip("\n") for line in itertools.islice(handle, count)]
            if header == _RANK_HEADER and all(_KEY_LINE.fullmatch(key) for key in kept):
                return kept
            logger.info("the rank file %s is damaged; writing it again", path)
        except (OSError, ValueError):  # missing, or not UTF-8 (damaged)
            pass
        keys = self._rank(sparql)
        with _temporary(path) as tmp:
            with open(tmp, "w", encoding="utf-8") as handle:
                handle.write(_RANK_HEADER if keys is not None else _NO_RANK_HEADER)
                handle.writelines(f"{key}\n" for key in keys or ())
            os.replace(tmp, path)
        return None if keys is None else keys[:count]

    def entities_named_like(self, text: str, most: int) -> list[str] | None:
        """The entities with a label or alias whose key contains ``text``'s key (``<iri>``).

        ``text`` is a literal in SPARQL syntax; both keys are :data:`NAME_KEY`,
        computed by the engine, so the answer is what entity-search's filter
        keeps. The names' keys are kept in a SQLite table next to the store
        (``search-names-HASH.sqlite``, written once), so a search reads 150,000
        short keys instead of lower-casing and filtering 150,000 names. None
        when more than ``most`` entities match or the key is empty (the query
        alone is as fast), or a matching entity is a blank node.
        """
        rows = self.query(f"SELECT ({NAME_KEY.format('?text')} AS ?key) "
                          f"WHERE {{ VALUES ?text {{ {text} }} }}").rows
        key = term_value(rows[0][0]) if rows and rows[0] else None
        if not key:  # every name contains an empty key: nothing to narrow
            return None
        found = self._read_table(_SEARCH_TABLE, lambda table: [iri for (iri,) in table.execute(
            "SELECT DISTINCT entity FROM names WHERE instr(key, ?) > 0 LIMIT ?",
            (key, most + 1))])
        if found is None or len(found) > most or any(not iri.startswith("<") for iri in found):
            return None
        return found

    def co_mentions(self, entity: str, count: int) -> tuple[list[tuple[str, int]], bool] | None:
        """The entities mentioned with ``entity`` (``<iri>``) in the most papers, enough for
        ``count`` rows of co-mentioned: ``([(other, papers), ...], complete)``.

        That is every entity mentioned with it in as many papers as the one in
        place ``count``, or more (ties included), most first; ``complete`` when
        they are all the entities mentioned with it. The counts are kept in a
        SQLite table next to the store for the entities of at least
        :data:`~paperkg.query.comentions.MIN_PAPERS` papers
        (:mod:`paperkg.query.comentions`). None for any other entity, or when
        more than the table keeps would be needed.
        """
        def read(table: sqlite3.Connection) -> tuple[list[tuple[str, int]], bool] | None:
            found = table.execute("SELECT id, floor FROM covered JOIN terms USING (id) "
                                  "WHERE term = ?", (entity,)).fetchone()
            if found is None:
                return None
            key, floor = found
            last = table.execute("SELECT papers FROM counts WHERE entity = ? "
                                 "ORDER BY papers DESC LIMIT 1 OFFSET ?",
                                 (key, max(count - 1, 0))).fetchone()
            if last is None and floor:  # the table holds fewer than needed
                return None
            least = last[0] if last is not None else 1
            rows = table.execute("SELECT term, papers FROM counts JOIN terms ON id = other "
                                 "WHERE entity = ? AND papers >= ? ORDER BY papers DESC, term",
                                 (key, least)).fetchall()
            fewer = table.execute("SELECT 1 FROM counts WHERE entity = ? AND papers < ? LIMIT 1",
                                  (key, least)).fetchone()
            return rows, not floor and fewer is None
        return self._read_table(_CO_MENTION_TABLE, read)

    def _read_table(self, kept: _KeptTable,
                    read: Callable[[sqlite3.Connection], _T | None]) -> _T | None:
        """``read(table)`` on a table kept next to the store; None if it cannot be kept.

        A table damaged inside (an SQLite error while reading) is written again, once.
        """
        for fresh in (False, True):
            table = self._kept_table(kept, fresh)
            if table is None:
                return None
            try:
                return read(table)
            except sqlite3.Error as err:
                logger.info("the table %s is damaged (%s); writing it again", kept.stem, err)
            finally:
                table.close()
        return None

    def _kept_table(self, kept: _KeptTable, fresh: bool = False) -> sqlite3.Connection | None:
        """The table ``kept``, opened read-only; written if missing, damaged or ``fresh``.

        None if it cannot be kept (a folder we may not write to): the query then
        costs what it costs without it.
        """
        digest = hashlib.sha256(kept.definition.encode("utf-8")).hexdigest()[:16]
        path = self.info.db_path.parent / f"{kept.stem}-{digest}.sqlite"
        if not fresh:
            try:
                table = sqlite3.connect(read_only_uri(path), uri=True)
                table.execute(kept.probe).fetchall()
                return table
            except sqlite3.Error:  # missing, or damaged: written (again)
                pass
        if not os.access(path.parent, os.W_OK):
            return None
        fill = getattr(self, kept.fill)()
        with _temporary(path) as tmp:
            with sqlite3.connect(tmp) as written:
                fill(written)
            written.close()
            os.replace(tmp, path)
            return sqlite3.connect(read_only_uri(path), uri=True)
        return None

    def _fill_search_table(self) -> Callable[[sqlite3.Connection], None]:
        """Every label's and alias's key: ``names (entity, key)``."""
        rows = [(str(entity), term_value(key)) for entity, key in self.query(_SEARCH_QUERY).rows]

        def fill(table: sqlite3.Connection) -> None:
            table.execute("CREATE TABLE names (entity TEXT, key TEXT)")
            table.executemany("INSERT INTO names VALUES (?, ?)", rows)
        return fill

    def _fill_co_mention_table(self) -> Callable[[sqlite3.Connection], None]:
        """The co-mention counts: ``terms (id, term)``, ``covered (id, floor)`` (the entities
        counted) and ``counts (entity, other, papers)``, from
        :func:`~paperkg.query.comentions.co_mention_counts`."""
        if self._store is None:
            raise QueryError("the graph store is closed")
        try:
            counts = comentions.co_mention_counts(self._store)
        except (OSError, RuntimeError, ValueError) as err:  # the engine counts alone
            logger.info("no table of co-mentions: %s", one_line(str(err)))
            counts = {}
        ids: dict[str, int] = {}
        for entity, (_floor, rows) in counts.items():
            ids.setdefault(entity, len(ids))
            for other, _papers in rows:
                ids.setdefault(other, len(ids))

        def fill(table: sqlite3.Connection) -> None:
            table.execute("CREATE TABLE terms (id INTEGER PRIMARY KEY, term TEXT UNIQUE)")
            table.execute("CREATE TABLE covered (id INTEGER PRIMARY KEY, floor INTEGER)")
            table.execute("CREATE TABLE counts (entity INTEGER, other INTEGER, papers INTEGER)")
            table.executemany("INSERT INTO terms VALUES (?, ?)",
                              ((key, term) for term, key in ids.items()))
            table.executemany("INSERT INTO covered VALUES (?, ?)",
                              ((ids[entity], floor) for entity, (floor, _) in counts.items()))
            table.executemany("INSERT INTO counts VALUES (?, ?, ?)",
                              ((ids[entity], ids[other], papers)
                               for entity, (_, rows) in counts.items() for other, papers in rows))
            table.execute("CREATE INDEX counts_by_entity ON counts (entity, papers DESC)")
        return fill

    def _rank(self, sparql: str) -> list[str] | None:
        """Every row of the rank query as a ``VALUES`` row; None if one cannot be used."""
        keys: list[str] = []
        seen: set[str] = set()
        for row in self.query(sparql).rows:
            if any(term is None or isinstance(term, ox.BlankNode | ox.Triple) for term in row):
                return None
            key = f"({' '.join(map(str, row))})"
            if key in seen or "\n" in key:
                return None
            seen.add(key)
            keys.append(key)
        return keys

    def close(self) -> None:
        """Release the store; further queries raise."""
        self._store = None
        self._lock.release()

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_only_uri(path: os.PathLike[str] | str) -> str:
    """The SQLite URI that opens ``path`` read-only (``?``, ``#`` and ``%`` in it escaped)."""
    # absolute, and after "file://": a path starting with "//" is not read as a host
    return f"file://{urllib.parse.quote(os.path.abspath(path))}?mode=ro"


@contextmanager
def _temporary(path: Path):  # type: ignore[no-untyped-def]
    """A temporary name next to ``path`` for writing it; removed unless renamed.

    A folder we may not write to leaves ``path`` unwritten (a debug message);
    an interruption (Ctrl-C) leaves no temporary file behind.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        yield tmp
    except (OSError, sqlite3.Error) as err:
        logger.debug("cannot keep %s: %s", path, err)
    finally:
        tmp.unlink(missing_ok=True)


def run_query(
    graph_dir: str | os.PathLike[str], sparql: str, *, limit: int | None = None
) -> QueryResult:
    """Run one SPARQL query over the build in ``graph_dir``.

    The prefixes ``pk``, ``dcterms``, ``rdfs``, ``skos``, ``prov``, ``xsd``,
    ``rdf``, ``owl``, ``paper`` and ``entity`` are pre-declared.

    >>> query = "SELECT ?label WHERE { ?e rdfs:label ?label }"
    >>> run_query("outputs", query, limit=3).column("label")  # doctest: +SKIP
    """
    with GraphStore.open(graph_dir) as store:
        return store.query(sparql, limit=limit)


#: brackets a query may nest: Oxigraph's parser recurses on each level (about 2,500
#: overflow a main thread's stack, a crash rather than an error); queries run on a larger
#: stack (:data:`QUERY_STACK`), and this keeps a query of any length within it; real
#: queries nest a few dozen
MAX_NESTING = 500
#: the longest query text: chains without brackets ("!!!...!true") recurse too, and
#: 400,000 characters of them overflowed even :data:`QUERY_STACK` (a crash)
MAX_QUERY_CHARS = 200_000
_BRACKETS = re.compile(r"[^(){}\[\]]+")


def nesting_depth(sparql: str) -> int:
    """How deep brackets nest in ``sparql``, outside strings and comments and not
    counting escaped ones (``ex:a\\)``); brackets inside what looks like an IRI count.

    >>> nesting_depth('SELECT * { ?s ?p ?o FILTER((?o > 1)) } # ((((')
    3
    """
    # what looks like an IRI keeps its brackets: "1 < ((((1)))) > 0" is an expression
    kept = _OPAQUE_TOKENS.sub(
        lambda m: _BRACKETS.sub("", m.group()) if m.group()[0] == "<" else " ", sparql)
    depth = deepest = 0
    for bracket in _BRACKETS.sub("", kept):
        if bracket in "({[":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(0, depth - 1)
    return deepest


#: stack of the thread a query runs on: Oxigraph parses and evaluates recursively, and
#: chains such as "!!!...!true" or "a || b || ..." of a few thousand overflow the 8 MiB
#: of a main thread (a crash); address space only, pages are used as the stack grows
QUERY_STACK = 256 * 1024 * 1024


def _on_deep_stack(work: Callable[[threading.Event], Any]) -> Any:
    """``work(cancelled)`` run on a thread with a :data:`QUERY_STACK` stack, this thread
    waiting.

    Waiting in short joins also keeps Ctrl-C and SIGTERM working during a long query
    (pyoxigraph releases the GIL while it evaluates): they interrupt the wait and set
    ``cancelled``, which stops the query thread at its next row; a query that has
    no row yet (an aggregate over a huge join) runs on in that thread, a daemon,
    which a process exit ends. Where no such thread can be started (a tight
    address-space limit), the work runs here.
    """
    outcome: dict[str, Any] = {}
    cancelled = threading.Event()

    def run() -> None:
        try:
            outcome["value"] = work(cancelled)
        except BaseException as err:  # handed to the waiting thread
            traceback.clear_frames(err.__traceback__)  # pyoxigraph objects die here
            outcome["error"] = err

    with _STACK_SIZE_LOCK:  # a process-wide setting: set and put back in one go
        previous = threading.stack_size(QUERY_STACK)
        try:
            thread = threading.Thread(target=run, name="paperkg-query", daemon=True)
            thread.start()
        except RuntimeError:  # "can't start new thread"
            thread = None
        finally:
            threading.stack_size(previous)
    if thread is None:
        return work(cancelled)
    try:
        while thread.is_alive():
            thread.join(0.1)
    except BaseException:
        cancelled.set()
        raise
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


_STACK_SIZE_LOCK = threading.Lock()


def effective_limit(limit: int | None) -> int | None:
    """``limit`` checked: ``None`` (all rows) for one beyond any answer's size.

    >>> effective_limit(10), effective_limit(10**30)
    (10, None)
    """
    if limit is not None and limit < 0:
        raise QueryError(f"limit must be >= 0, got {limit}")
    return None if limit is not None and limit >= sys.maxsize else limit


def uses_service(sparql: str) -> bool:
    """Whether ``sparql`` has a ``SERVICE`` clause (outside strings, IRIs and comments).

    >>> uses_service('SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }')
    True
    >>> uses_service('SELECT ?service { ?service ?p "SERVICE <x>" }  # SERVICE <y>')
    False
    """
    return _calls_service(_blanked(sparql))


def _calls_service(blanked: str) -> bool:
    """:func:`uses_service` on a query already passed through :func:`_blanked`."""
    for match in _SERVICE.finditer(blanked):
        before = blanked[match.start() - 1] if match.start() else " "
        if before not in "?$" and ":" not in match.group():
            return True
    return False


def _stray_backslash(sparql: str) -> int | None:
    r"""Where ``sparql`` has a backslash outside strings, IRIs, comments and escaped
    characters of prefixed names (an offset into ``sparql``), or None.

    >>> _stray_backslash(r'ASK { ?s ?p "a\"b" } \ '), _stray_backslash(r'ASK { ?s ?p ex:a\. }')
    (21, None)
    """
    position = 0
    for token in _OPAQUE_TOKENS.finditer(sparql):
        found = sparql.find("\\", position, token.start())
        if found >= 0:
            return found
        position = token.end()
    found = sparql.find("\\", position)
    return found if found >= 0 else None


def _blanked(sparql: str) -> str:
    """``sparql`` with strings and comments blanked, IRIs emptied to ``<>`` and the
    escaped characters of prefixed names made ``_``, so a keyword or prefix found in
    what is left is one."""
    return _OPAQUE_TOKENS.sub(_blank, sparql)


def _blank(match: re.Match[str]) -> str:
    token = match.group()
    return "<>" if token[0] == "<" else "_" if token[0] == "\\" else " "


def _explained(sparql: str, message: str, prefixes: Mapping[str, str] | None) -> str:
    """The parser's message, said plainly where it lists what it expected instead of
    naming the mistake: an undeclared prefix, a misspelt query form."""
    blanked = _blanked(sparql)
    declared = set(prefixes or QUERY_PREFIXES) | set(_DECLARED.findall(blanked))
    unknown = sorted(set(_PREFIXED.findall(blanked)) - declared)
    if unknown and not _UNCLOSED.search(blanked):  # inside an unclosed string, no prefix
        known = ", ".join(f"{p}:" for p in sorted(prefixes or QUERY_PREFIXES))
        return (f"unknown prefix {unknown[0]}: (declare it with PREFIX {unknown[0]}: "
                f"<IRI>; these need no declaration: {known})")
    opened, closed = blanked.count("{"), blanked.count("}")
    if opened != closed:
        said = one_line(message)
        said = said if len(said) <= 80 else said[:79] + "…"
        return (f"{opened} '{{' against {closed} '}}': a group is not closed ({said})"
                if opened > closed else
                f"{closed} '}}' against {opened} '{{': a '}}' too many ({said})")
    form = _QUERY_FORM.match(blanked)
    if form is not None and form.group(1).upper() not in _FORMS:
        return (f"a query starts with SELECT, ASK, CONSTRUCT or DESCRIBE (after any PREFIX "
                f"and BASE lines), not {form.group(1)!r} ({one_line(message)})")
    return one_line(message)


def one_line(message: str) -> str:
    """A parser message on one line, shortened if it is very long."""
    text = " ".join(message.split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def _collect(answer: object, limit: int | None,
             cancelled: threading.Event | None = None) -> QueryResult:
    if isinstance(answer, ox.QueryBoolean):
        return QueryResult(kind="ask", boolean=bool(answer))
    if isinstance(answer, ox.QuerySolutions):
        variables = tuple(v.value for v in answer.variables)
        # a solution iterates its values in the order of ``variables``, None where
        # unbound: a third faster than looking each variable up by name
        rows = [tuple(solution) for solution in _take(answer, limit, cancelled)]
        kind = "select"
    else:  # QueryTriples
        variables = ("subject", "predicate", "object")
        rows = [(t.subject, t.predicate, t.object) for t in _take(answer, limit, cancelled)]
        kind = "graph"
    truncated = limit is not None and len(rows) > limit
    return QueryResult(
        kind=kind, variables=variables, rows=tuple(rows[:limit]), truncated=truncated
    )


def _take(iterable, limit: int | None,  # type: ignore[no-untyped-def]
          cancelled: threading.Event | None = None) -> list:
    """All items, or ``limit + 1`` of them so truncation can be reported; stops early,
    with what it has, once ``cancelled`` is set (nobody waits for the answer then)."""
    items = iterable if limit is None else itertools.islice(iterable, limit + 1)
    if cancelled is None:
        return list(items)
    return list(itertools.takewhile(lambda _item: not cancelled.is_set(), items))


# -- the on-disk store ---------------------------------------------------------


class _SharedLock:
    """A shared advisory lock on a store folder, held while the store is in use."""

    def __init__(self, folder: Path) -> None:
        self._file = None
        if fcntl is None:
            return
        handle = open(folder / LOCK_FILE, "a+b")  # noqa: SIM115 - held until release()
        fcntl.flock(handle, fcntl.LOCK_SH)
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing drops the lock
            self._file = None


def prepare_store(graph_dir: str | os.PathLike[str]) -> tuple[StoreInfo, _SharedLock]:
    """Make sure the store of ``graph_dir`` is current; returns it with a shared lock held.

    Callers must ``release()`` the lock when done (:class:`GraphStore` does).
    """
    graph_dir = Path(graph_dir)
    if (graph_dir / COMMIT_FILE).exists():
        _complete_stopped_build(graph_dir)
    source = graph_dir / GRAPH_FILE
    if not source.is_file():
        raise GraphNotFoundError(f"no built graph in {graph_dir}; run `paperkg build` first")
    root = graph_dir / STORE_DIR
    for _attempt in range(3):
        try:
            root.mkdir(exist_ok=True)
            folder, built = _current_store(root, source)
            lock = _SharedLock(folder)
        except FileNotFoundError:
            continue  # removed by a concurrent cleanup between finding and locking it
        except OSError as err:
            raise QueryError(f"cannot prepare the query store in {root}: {err}") from err
        marker = _read_marker(folder)
        if marker is None:  # removed while we waited for the lock
            lock.release()
            continue
        _remove_stale(root, keep=folder)
        db_path = folder / DB_DIR
        return StoreInfo(db_path, source, marker["triples"], built), lock
    raise QueryError(f"the query store in {root} keeps changing under concurrent use; try again")


def _complete_stopped_build(graph_dir: Path) -> None:
    """Finish the commit of a build killed while it replaced its outputs, so that the
    query does not read a ``graph.ttl`` that the folder's report and state do not
    describe (:func:`paperkg.commit.complete_commit`, under the build lock)."""
    try:
        with one_build_at_a_time(graph_dir):
            complete_commit(graph_dir)
    except OSError as err:
        raise QueryError(f"the last build into {graph_dir} was stopped while it replaced "
                         f"its outputs, and they cannot be completed ({err}); "
                         "run the build again") from err


def _current_store(root: Path, source: Path) -> tuple[Path, bool]:
    """The store folder for the current ``graph.ttl``, and whether it was just built."""
    with open(source, "rb") as handle:  # one handle: stat, hash and load see the same file
        stat = os.fstat(handle.fileno())
        folder = _find_by_stamp(root, stat)
        if folder is not None:
            return folder, False
        return _find_or_build(root, handle, stat, source)


def _stamp(stat: os.stat_result) -> dict[str, int]:
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _read_marker(folder: Path) -> dict | None:
    try:
        marker = json.loads((folder / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (
        marker.get("pyoxigraph") != ox.__version__
        or marker.get("layout") != STORE_LAYOUT
        or not (folder / DB_DIR).is_dir()
    ):
        return None
    return marker


def _write_marker(folder: Path, marker: dict) -> None:
    tmp = folder / f".{MARKER_FILE}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(marker, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(tmp, folder / MARKER_FILE)


def _find_by_stamp(root: Path, stat: os.stat_result) -> Path | None:
    """A store built from a file of this size and mtime: no need to hash it."""
    for folder in sorted(p for p in root.iterdir() if not p.name.startswith(".")):
        marker = _read_marker(folder)
        if marker and marker.get("source") == _stamp(stat):
            logger.debug("reusing query store %s", folder)
            return folder
    return None


def _find_or_build(root: Path, handle, stat: os.stat_result, source: Path) -> tuple[Path, bool]:  # type: ignore[no-untyped-def]
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(1 << 20), b""):
        digest.update(chunk)
    sha = digest.hexdigest()
    folder = root / f"{sha[:20]}-ox{ox.__version__}-s{STORE_LAYOUT}"
    with _exclusive(root / BUILD_LOCK_FILE):  # one loader; the others wait, then reuse
        marker = _read_marker(folder)
        if marker is not None:  # same content, new mtime (e.g. a byte-identical rebuild)
            logger.debug("graph.ttl unchanged in content; reusing query store %s", folder)
            _write_marker(folder, {**marker, "source": _stamp(stat)})
            return folder, False
        return _build(root, folder, handle, stat, source, sha), True


@contextmanager
def _exclusive(path: Path):  # type: ignore[no-untyped-def]
    """An exclusive advisory lock on ``path`` (created if missing) while in the block."""
    with open(path, "a+b") as handle:
        if fcntl is not None:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                logger.info("waiting for another process to load the query store")
                fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _build(root: Path, folder: Path, handle, stat: os.stat_result, source: Path,  # type: ignore[no-untyped-def]
           sha: str) -> Path:
    """Load ``graph.ttl`` into a new store at ``folder`` (under the build lock)."""
    handle.seek(0)
    logger.info("loading %s into the query store %s", source, folder)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
    try:
        triples = _bulk_load(handle, tmp / DB_DIR, source)
        marker = {
            "source": _stamp(stat),
            "sha256": sha,
            "triples": triples,
            "pyoxigraph": ox.__version__,
            "layout": STORE_LAYOUT,
            "graph": str(source.resolve()),
        }
        _write_marker(tmp, marker)
        if folder.exists():  # an unusable leftover (e.g. an interrupted removal)
            shutil.rmtree(folder, ignore_errors=True)
        os.rename(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def _bulk_load(handle, db_path: Path, source: Path) -> int:  # type: ignore[no-untyped-def]
    store = ox.Store(str(db_path))
    try:
        store.bulk_load(input=handle, format=ox.RdfFormat.TURTLE)
    except SyntaxError as err:
        raise GraphNotFoundError(
            f"{source} is not valid Turtle ({one_line(str(err))}); rebuild it with `paperkg build`"
        ) from err
    triples = len(store)
    # The bulk loader leaves many overlapping files behind, and every index
    # lookup then searches each of them: compacting once costs ~20% of the load
    # and makes queries on a 100k-paper graph 3-9x faster (bench/RESULTS.md).
    store.optimize()
    store.flush()
    del store  # closes the database before the folder is renamed
    return triples


def _remove_stale(root: Path, keep: Path) -> None:
    """Remove other stores (of older graphs) that nobody has open, and old leftovers."""
    if fcntl is None:
        return
    for folder in root.iterdir():
        if folder == keep or not folder.is_dir():
            continue
        if folder.name.startswith("."):  # a build in progress, or a leftover of a crash
            if time.time() - folder.stat().st_mtime > _LEFTOVER_AGE_S:
                shutil.rmtree(folder, ignore_errors=True)
            continue
        trash = root / f".trash-{folder.name}-{os.getpid()}"
        try:
            with open(folder / LOCK_FILE, "a+b") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                os.rename(folder, trash)  # readers that look for it now simply miss it
        except OSError:
            continue  # in use (locked) or already gone
        shutil.rmtree(trash, ignore_errors=True)
        logger.debug("removed stale query store %s", folder)
