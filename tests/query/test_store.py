"""The on-disk store: loaded once, reused while graph.ttl is unchanged, read-only."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from paperkg.errors import GraphNotFoundError, QueryError
from paperkg.query import store as store_module
from paperkg.query.store import GraphStore, prepare_store, run_query

COUNT_PAPERS = "SELECT (COUNT(?p) AS ?n) WHERE { ?p a pk:Paper }"


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every bulk load of a graph into a store, by target folder."""
    calls: list[Path] = []
    real = store_module._bulk_load

    def counting(handle, db_path, source):  # type: ignore[no-untyped-def]
        calls.append(db_path)
        return real(handle, db_path, source)

    monkeypatch.setattr(store_module, "_bulk_load", counting)
    return calls


def store_folders(graph_dir: Path) -> list[str]:
    return sorted(p.name for p in (graph_dir / "store").iterdir() if p.is_dir())


def test_first_open_loads_second_reuses(fresh_graph_dir: Path, loads: list[Path]) -> None:
    with GraphStore.open(fresh_graph_dir) as first:
        assert first.info.built
        assert first.info.triples == 1128
        assert first.query(COUNT_PAPERS).column("n") == ["12"]
    with GraphStore.open(fresh_graph_dir) as second:
        assert not second.info.built
        assert second.info.db_path == first.info.db_path
        assert second.query(COUNT_PAPERS).column("n") == ["12"]
    assert len(loads) == 1
    assert first.info.db_path.parent.parent == fresh_graph_dir / "store"
    assert (first.info.db_path.parent / "paperkg-store.json").is_file()


def test_touched_but_identical_graph_is_not_reloaded(
    fresh_graph_dir: Path, loads: list[Path]
) -> None:
    run_query(fresh_graph_dir, COUNT_PAPERS)
    ttl = fresh_graph_dir / "graph.ttl"
    later = ttl.stat().st_mtime_ns + 5_000_000_000
    os.utime(ttl, ns=(later, later))  # e.g. a byte-identical rebuild
    with GraphStore.open(fresh_graph_dir) as store:
        assert not store.info.built
    assert len(loads) == 1


def test_changed_graph_is_reloaded_and_old_store_removed(
    fresh_graph_dir: Path, loads: list[Path]
) -> None:
    assert run_query(fresh_graph_dir, COUNT_PAPERS).column("n") == ["12"]
    old = store_folders(fresh_graph_dir)
    ttl = fresh_graph_dir / "graph.ttl"
    ttl.write_text(
        ttl.read_text(encoding="utf-8") + "\n<https://w3id.org/paperkg/paper/x-1> a pk:Paper .\n",
        encoding="utf-8",
    )
    with GraphStore.open(fresh_graph_dir) as store:
        assert store.info.built
        assert store.query(COUNT_PAPERS).column("n") == ["13"]
    assert len(loads) == 2
    new = store_folders(fresh_graph_dir)
    assert len(new) == 1 and new != old


def test_store_of_an_older_layout_is_rebuilt_and_removed(
    fresh_graph_dir: Path, loads: list[Path]
) -> None:
    """Stores loaded before compaction (layout 1) are slow on large graphs: rebuilt once."""
    with GraphStore.open(fresh_graph_dir) as store:
        folder = store.info.db_path.parent
    marker_path = folder / store_module.MARKER_FILE
    marker = json.loads(marker_path.read_text(encoding="utf-8"))
    assert marker["layout"] == store_module.STORE_LAYOUT
    del marker["layout"]  # what earlier versions wrote
    marker_path.write_text(json.dumps(marker), encoding="utf-8")
    old_name = folder.name.replace(f"-s{store_module.STORE_LAYOUT}", "")
    folder.rename(folder.with_name(old_name))
    with GraphStore.open(fresh_graph_dir) as store:
        assert store.info.built
        assert store.query(COUNT_PAPERS).column("n") == ["12"]
    assert len(loads) == 2
    assert store_folders(fresh_graph_dir) == [folder.name]


def test_store_in_use_is_kept_until_released(fresh_graph_dir: Path) -> None:
    reader = GraphStore.open(fresh_graph_dir)  # e.g. a running `paperkg serve`
    ttl = fresh_graph_dir / "graph.ttl"
    ttl.write_text(ttl.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    run_query(fresh_graph_dir, COUNT_PAPERS)
    assert len(store_folders(fresh_graph_dir)) == 2
    assert reader.query(COUNT_PAPERS).column("n") == ["12"]  # still readable
    reader.close()
    run_query(fresh_graph_dir, COUNT_PAPERS)
    assert len(store_folders(fresh_graph_dir)) == 1


def test_no_half_built_store_is_left_behind(
    fresh_graph_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(handle, db_path, source):  # type: ignore[no-untyped-def]
        ox.Store(str(db_path))  # something written, then the load fails
        raise OSError("disk full")

    monkeypatch.setattr(store_module, "_bulk_load", crash)
    with pytest.raises(QueryError, match="disk full"):
        prepare_store(fresh_graph_dir)
    assert store_folders(fresh_graph_dir) == []


@pytest.mark.parametrize("layout", ["missing dir", "no graph.ttl"])
def test_missing_graph(tmp_path: Path, layout: str) -> None:
    folder = tmp_path / "outputs"
    if layout == "no graph.ttl":
        folder.mkdir()
    with pytest.raises(GraphNotFoundError) as err:
        run_query(folder, "ASK {}")
    assert str(err.value) == f"no built graph in {folder}; run `paperkg build` first"


def test_invalid_turtle(fresh_graph_dir: Path) -> None:
    (fresh_graph_dir / "graph.ttl").write_text("<a> <b> .", encoding="utf-8")
    with pytest.raises(GraphNotFoundError, match="not valid Turtle"):
        run_query(fresh_graph_dir, "ASK {}")


def test_result_kinds(graph_dir: Path) -> None:
    select = run_query(graph_dir, "SELECT ?label WHERE { entity:QLoRA rdfs:label ?label }")
    assert (select.kind, select.variables, select.column("label")) == (
        "select",
        ("label",),
        ["QLoRA"],
    )
    ask = run_query(graph_dir, "ASK { entity:QLoRA pk:derivedFrom entity:LoRA }")
    assert (ask.kind, ask.boolean) == ("ask", True)
    graph = run_query(
        graph_dir, "CONSTRUCT { ?c pk:derivedFrom ?p } WHERE { ?c pk:derivedFrom ?p }"
    )
    assert graph.kind == "graph" and graph.variables == ("subject", "predicate", "object")
    assert len(graph.rows) == 8
    described = run_query(graph_dir, "DESCRIBE entity:LoRA")
    assert ("https://w3id.org/paperkg/entity/LoRA", "Low-Rank Adaptation") in {
        (r["subject"], r["object"]) for r in described.records()
    }


def test_prefixes_are_predeclared_and_can_be_overridden(graph_dir: Path) -> None:
    query = (
        "SELECT DISTINCT ?x WHERE { ?x a pk:Technique ; skos:altLabel ?a ; dcterms:nothing* ?x }"
    )
    assert len(run_query(graph_dir, query).rows) == 7
    other = "PREFIX pk: <http://example.org/> SELECT ?x WHERE { ?x a pk:Technique }"
    assert run_query(graph_dir, other).rows == ()


def test_limit_reports_truncation(graph_dir: Path) -> None:
    query = "SELECT ?e WHERE { ?e rdfs:label ?l } ORDER BY ?l"
    assert len(run_query(graph_dir, query).rows) == 20
    limited = run_query(graph_dir, query, limit=3)
    assert len(limited.rows) == 3 and limited.truncated
    assert not run_query(graph_dir, query, limit=20).truncated


def test_malformed_query_is_one_line(graph_dir: Path) -> None:
    with pytest.raises(QueryError) as err:
        run_query(graph_dir, "SELECT ?x WHERE { ?x ")
    message = str(err.value)
    assert message.startswith("malformed SPARQL: 1 '{' against 0 '}': a group is not closed "
                              "(error at 1:")
    assert "\n" not in message and len(message) < 400


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "PREFIX x: <http://e/>\n# comment\ndrop all",
        "CLEAR DEFAULT",
        "LOAD <http://example.org/data.ttl>",
        "WITH <http://e/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    ],
)
def test_updates_are_refused(graph_dir: Path, update: str) -> None:
    with pytest.raises(QueryError, match="read-only"):
        run_query(graph_dir, update)
    assert run_query(graph_dir, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").column("n") == [
        "1128"
    ]


def test_closed_store_refuses_queries(graph_dir: Path) -> None:
    store = GraphStore.open(graph_dir)
    store.close()
    with pytest.raises(QueryError, match="closed"):
        store.query("ASK {}")


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "select * { service silent ?endpoint { ?s ?p ?o } }",
        "PREFIX r: <http://127.0.0.1:9/> SELECT * { ?x a pk:Paper . SERVICE r:q { ?s ?p ?o } }",
        "SELECT * { ?s ?p <http://a#x> . SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        # an IRI or a variable needs no space before it
        "SELECT * { SERVICE<http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * { service silent<http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * { SERVICE SILENT?e { ?s ?p ?o } }",
        "SELECT * { SERVICE#comment\n<http://127.0.0.1:9/> { ?s ?p ?o } }",
        # the parser takes the keyword wherever a token may start
        "PREFIX ex: <http://127.0.0.1:9/> SELECT * { SERVICEex:a { ?s ?p ?o } }",
        "SELECT * { SERVICESILENT<http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * { ?s ?p 1SERVICE<http://127.0.0.1:9/> { ?s ?p ?o } }",
        # an escaped # in a name is no comment
        "SELECT * { BIND(pk:x\\# AS ?x) SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "PREFIX a\u00b7b: <http://127.0.0.1:9/> SELECT * { SERVICE a\u00b7b:f { ?s ?p ?o } }",
        # an IRI may hold \u escapes: read as no IRI, its '#' hid the rest of the line
        "SELECT * { BIND(<http://x/\\u0041#> AS ?z) SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * { BIND(<http://x/\\U00000041'> AS ?z) SERVICE <http://127.0.0.1:9/'> {} }",
    ],
)
def test_federated_service_is_refused(graph_dir: Path, query: str) -> None:
    with pytest.raises(QueryError, match="SERVICE .* is disabled"):
        run_query(graph_dir, query)


@pytest.mark.parametrize(("query", "message"), [
    ("SELECT * { ?s ?p ?o } \\", r"^unexpected backslash on line 1 of the query "),
    ("SELECT *\n{ ?s ?p ?o FILTER(\\u0053) }", r"^unexpected backslash on line 2 "),
    # lines counted in the query as written, strings and IRIs included
    ('SELECT * { ?s ?p """a\nb\nc""" . ?s ?p <http://long/iri> }\n\\',
     r"^unexpected backslash on line 4 "),
])
def test_a_backslash_outside_strings_iris_and_names_is_a_one_line_error(
        graph_dir: Path, query: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        run_query(graph_dir, query)


def test_an_iri_with_an_escape_is_an_iri(graph_dir: Path) -> None:
    rows = run_query(graph_dir, "SELECT ?z { BIND(<http://x/\\u0041#b> AS ?z) }").rows
    assert [row[0].value for row in rows] == ["http://x/A#b"]


def test_the_word_service_elsewhere_is_fine(graph_dir: Path) -> None:
    query = 'SELECT ?service WHERE { ?service rdfs:label "SERVICE <x>" } # SERVICE <y>'
    assert run_query(graph_dir, query).rows == ()
    names = ("SELECT * { ?s ?p entity:Web_Service . ?s ?p entity:Model-as-a-Service . "
             "?s ?p <http://a/SERVICE> . ?s pk:service $myservice }")
    assert run_query(graph_dir, names).rows == ()
    with GraphStore.open(graph_dir) as store, pytest.raises(QueryError, match="query failed"):
        # allowed on request; a closed local port, so nothing leaves the machine
        store.query(
            "SELECT * { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }", allow_service=True
        )


def test_cached_values_are_computed_once_per_graph(fresh_graph_dir: Path) -> None:
    calls: list[int] = []

    def count() -> list[str]:
        calls.append(1)
        return first.query(COUNT_PAPERS).column("n")

    with GraphStore.open(fresh_graph_dir) as first:
        assert first.cached("papers", 1, count) == ["12"]
        assert first.cached("papers", 1, count) == ["12"] and len(calls) == 1
        assert first.cached("papers", 2, count) == ["12"] and len(calls) == 2  # new version
        cache = first.info.db_path.parent / "cache-papers.json"
        cache.write_text("{not json", encoding="utf-8")
        assert first.cached("papers", 2, count) == ["12"] and len(calls) == 3
    # a changed graph.ttl gets a new store folder, so nothing stale is reused
    ttl = fresh_graph_dir / "graph.ttl"
    ttl.write_text(ttl.read_text(encoding="utf-8") + "\n<urn:x> <urn:y> <urn:z> .\n",
                   encoding="utf-8")  # fmt: skip
    with GraphStore.open(fresh_graph_dir) as second:
        first = second
        assert second.info.built
        assert second.cached("papers", 2, count) == ["12"] and len(calls) == 4



def _open_and_count(graph_dir: str, start, results) -> None:  # type: ignore[no-untyped-def]
    """In a fresh process: make loading slow, wait for the others, open and count."""
    import time

    real = store_module._bulk_load

    def slow(handle, db_path, source):  # type: ignore[no-untyped-def]
        triples = real(handle, db_path, source)
        time.sleep(0.5)  # widen the window in which the others would load too
        return triples

    store_module._bulk_load = slow
    start.wait()
    try:
        with GraphStore.open(graph_dir) as store:
            results.put((store.info.built, store.query(COUNT_PAPERS).column("n")))
    except Exception as err:  # noqa: BLE001 - the test reports whatever went wrong
        results.put(("error", repr(err)))


def test_processes_opening_a_new_store_at_once_load_it_once(fresh_graph_dir: Path) -> None:
    """Four processes start on a graph without a store at the same moment: one loads
    it, the others wait and reuse it, and every query answers. (Before the build lock,
    a late loader removed the store an earlier one had just put in place.)"""
    import multiprocessing

    context = multiprocessing.get_context("spawn")  # no threads of this process inherited
    start, results = context.Event(), context.Queue()
    workers = [context.Process(target=_open_and_count, args=(str(fresh_graph_dir), start, results))
               for _ in range(4)]
    for worker in workers:
        worker.start()
    start.set()
    answers = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=10)
    assert [n for _, n in answers] == [["12"]] * 4, answers
    assert sorted(built for built, _ in answers) == [False, False, False, True]
    assert len(store_folders(fresh_graph_dir)) == 1


def test_an_interrupted_query_stops_its_thread(graph_dir: Path) -> None:
    """Ctrl-C in a notebook (KeyboardInterrupt in the waiting thread) also stops the
    thread that runs the query, at its next row, instead of letting it collect rows
    from a store that is no longer locked."""
    import signal
    import threading
    import time

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 1.0)
    try:
        with pytest.raises(KeyboardInterrupt):
            run_query(graph_dir, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    deadline = time.monotonic() + 10
    while any(t.name == "paperkg-query" for t in threading.enumerate()):
        assert time.monotonic() < deadline, "the query thread runs on"
        time.sleep(0.05)


def test_a_damaged_store_is_a_one_line_error_that_says_what_to_do(fresh_graph_dir: Path) -> None:
    """RocksDB raised a RuntimeError traceback when files of the store were gone."""
    run_query(fresh_graph_dir, "ASK { ?s ?p ?o }")
    (db,) = fresh_graph_dir.glob("store/*/db")
    for table in db.glob("*.sst"):
        table.unlink()
    with pytest.raises(QueryError, match=r"is damaged \(.*\); remove that folder") as raised:
        run_query(fresh_graph_dir, "ASK { ?s ?p ?o }")
    assert "\n" not in str(raised.value)
    shutil.rmtree(db.parent)  # as the message says: the next query loads graph.ttl again
    assert run_query(fresh_graph_dir, "ASK { ?s ?p ?o }").boolean is True
