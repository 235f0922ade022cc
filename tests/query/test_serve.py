"""``paperkg serve``: the Oxigraph endpoint over the fixture, queried with SPARQLWrapper.

Servers listen on a free port of 127.0.0.1 only and are always stopped.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from SPARQLWrapper import CSV, JSON, POST, POSTDIRECTLY, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from paperkg.query import serve as serve_module
from paperkg.query.serve import ServeError, SparqlServer, find_oxigraph, start_server

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

PK = (
    "PREFIX pk: <https://w3id.org/paperkg/ontology#> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "PREFIX e: <https://w3id.org/paperkg/entity/> "
)
LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through a proxy


#: Rust's default thread stack, with which Oxigraph overflows on a few thousand brackets
RUST_DEFAULT_STACK = 2 * 1024 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(graph_dir: Path) -> Iterator[SparqlServer]:
    with pytest.MonkeyPatch.context() as patch:
        for name in (
            "http_proxy",
            "HTTP_PROXY",
            "https_proxy",
            "HTTPS_PROXY",
            "all_proxy",
            "ALL_PROXY",
        ):
            patch.delenv(name, raising=False)
        patch.setenv("no_proxy", "127.0.0.1,localhost")
        patch.delenv("RUST_MIN_STACK", raising=False)
        running = start_server(graph_dir, host="127.0.0.1", port=free_port(), timeout_s=10)
        try:
            yield running
        finally:
            running.stop()
    assert running.process.poll() is not None


def wrapper(server: SparqlServer, query: str, fmt: str = JSON) -> SPARQLWrapper:
    sparql = SPARQLWrapper(server.endpoint)
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    return sparql


def test_urls(server: SparqlServer) -> None:
    assert server.endpoint == f"http://127.0.0.1:{server.port}/query"
    assert server.page_url == f"http://127.0.0.1:{server.port}/"
    assert server.store.triples == 1128


def test_select_json(server: SparqlServer) -> None:
    query = (
        PK + "SELECT ?label WHERE { ?c pk:derivedFrom+ e:LoRA ; rdfs:label ?label } ORDER BY ?label"
    )
    result = wrapper(server, query).query().convert()
    assert [b["label"]["value"] for b in result["results"]["bindings"]] == [
        "DoRA",
        "LongLoRA",
        "QA-LoRA",
        "QLoRA",
    ]


def test_select_csv_and_xml(server: SparqlServer) -> None:
    query = PK + "SELECT ?label WHERE { ?b a pk:Benchmark ; rdfs:label ?label } ORDER BY ?label"
    csv_text = wrapper(server, query, CSV).query().convert().decode("utf-8")
    assert csv_text.splitlines() == ["label", "GSM8K", "HumanEval", "MMLU", "MT-Bench"]
    xml = wrapper(server, query, XML).query().convert()
    assert [n.firstChild.data for n in xml.getElementsByTagName("literal")] == [
        "GSM8K",
        "HumanEval",
        "MMLU",
        "MT-Bench",
    ]


def test_ask(server: SparqlServer) -> None:
    query = PK + "ASK { e:QA-LoRA pk:derivedFrom+ e:LoRA }"
    assert wrapper(server, query).query().convert()["boolean"] is True


def test_construct_turtle(server: SparqlServer) -> None:
    query = PK + "CONSTRUCT { ?c pk:derivedFrom ?p } WHERE { ?c pk:derivedFrom ?p }"
    graph = wrapper(server, query, TURTLE).query().convert()
    assert isinstance(graph, bytes)
    import rdflib  # noqa: PLC0415

    parsed = rdflib.Graph().parse(data=graph.decode("utf-8"), format="turtle")
    assert len(parsed) == 8


@pytest.mark.parametrize("request_method", ["form", "sparql-query"])
def test_post(server: SparqlServer, request_method: str) -> None:
    sparql = wrapper(server, PK + "SELECT (COUNT(?p) AS ?n) WHERE { ?p a pk:Paper }")
    sparql.setMethod(POST)
    if request_method == "sparql-query":
        sparql.setRequestMethod(POSTDIRECTLY)  # Content-Type: application/sparql-query
    result = sparql.query().convert()
    assert result["results"]["bindings"][0]["n"]["value"] == "12"


def test_update_is_refused(server: SparqlServer) -> None:
    body = urllib.parse.urlencode(
        {"update": "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }"}
    ).encode()
    with pytest.raises(urllib.error.HTTPError) as err:
        LOCAL.open(urllib.request.Request(f"{server.base_url}/update", data=body), timeout=5)
    assert 400 <= err.value.code < 500  # 403 "The server is read-only"
    sparql = SPARQLWrapper(server.endpoint, updateEndpoint=f"{server.base_url}/update")
    sparql.setQuery("PREFIX e: <http://e/> INSERT DATA { e:a e:b e:c }")
    sparql.setMethod(POST)
    with pytest.raises(urllib.error.HTTPError) as err:
        sparql.query()
    assert err.value.code == 403
    count = wrapper(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").query().convert()
    assert count["results"]["bindings"][0]["n"]["value"] == "1128"


def test_malformed_query_is_400_with_the_parser_message(server: SparqlServer) -> None:
    with pytest.raises(QueryBadFormed) as err:
        wrapper(server, "SELECT ?x WHERE { ?x ").query()
    assert "error at 1:" in str(err.value)
    url = f"{server.endpoint}?{urllib.parse.urlencode({'query': 'SELECT * WHERE {'})}"
    with pytest.raises(urllib.error.HTTPError) as http_err:
        LOCAL.open(url, timeout=5)
    assert http_err.value.code == 400


def test_query_page_loads_nothing_remote(server: SparqlServer) -> None:
    with LOCAL.open(server.page_url, timeout=5) as response:
        page = response.read().decode("utf-8")
    assert "Yasgui" in page
    from paperkg.view.offline import external_references  # noqa: PLC0415

    assert all("http" not in ref for ref in external_references(page))
    with LOCAL.open(f"{server.base_url}/yasgui.min.js", timeout=5) as response:
        assert response.status == 200


def test_port_in_use(server: SparqlServer) -> None:
    with pytest.raises(
        ServeError, match=f"cannot listen on 127.0.0.1:{server.port}: Address already in use"
    ):
        start_server(server.store.source.parent, port=server.port, ready_timeout_s=10)


def test_each_bind_failure_points_at_the_option_to_change(server: SparqlServer) -> None:
    with pytest.raises(ServeError, match=r"Address already in use \(choose another --port\)"):
        serve_module._check_port_free("127.0.0.1", server.port)
    # 192.0.2.1 (TEST-NET-1) is no address of this machine
    with pytest.raises(ServeError, match=r"\(--host must be an address of this machine"):
        serve_module._check_port_free("192.0.2.1", 7878)


def test_missing_binary(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(serve_module.sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ServeError, match="pip install oxigraph"):
        find_oxigraph()


@contextlib.contextmanager
def _serve_cli(graph: Path, port: int, hangup: signal.Handlers = signal.SIG_DFL,
               stack: int | None = None) -> Iterator[tuple[subprocess.Popen, queue.Queue[str]]]:
    """``paperkg serve`` in a process, once it says it is ready, with its stdout lines;
    killed on the way out if a test left it running. ``hangup``: how it starts out
    treating SIGHUP (the tests may themselves run under nohup, which ignores it).
    ``stack``: the server threads' stack in bytes (Rust's default, 2 MiB, makes a
    request nesting a few thousand brackets crash the server)."""
    env = {**os.environ, "no_proxy": "127.0.0.1,localhost", "PYTHONUNBUFFERED": "1"}
    if stack is not None:
        env["RUST_MIN_STACK"] = str(stack)
    process = subprocess.Popen(
        [sys.executable, "-m", "paperkg", "serve", "--graph", str(graph), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=lambda: signal.signal(signal.SIGHUP, hangup),  # noqa: PLW1509
    )
    try:
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(
            target=lambda: [lines.put(line) for line in process.stdout], daemon=True
        ).start()
        seen: list[str] = []
        while not seen or not seen[-1].startswith("Press Ctrl-C"):
            seen.append(lines.get(timeout=30))
        assert f"SPARQL endpoint: http://127.0.0.1:{port}/query\n" in seen
        assert f"Query page:      http://127.0.0.1:{port}/\n" in seen
        yield process, lines
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _stopped(process: subprocess.Popen, signum: int) -> str:
    """Stop ``paperkg serve`` with ``signum``; its stderr, once it has exited cleanly."""
    process.send_signal(signum)
    assert process.wait(timeout=15) == 0
    stderr = process.stderr.read()
    assert "Traceback" not in stderr
    return stderr


def _port_closes(port: int, within_s: float = 10.0) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP],
                         ids=["ctrl-c", "sigterm", "sighup"])
def test_signal_stops_the_cli_cleanly(server: SparqlServer, signum: int) -> None:
    port = free_port()
    with _serve_cli(server.store.source.parent, port) as (process, lines):
        _stopped(process, signum)
    assert lines.get(timeout=5) == "Stopped.\n"
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0  # the oxigraph child is gone too


def test_under_nohup_a_hangup_does_not_stop_the_server(server: SparqlServer) -> None:
    port = free_port()
    with _serve_cli(server.store.source.parent, port, hangup=signal.SIG_IGN) as (process, _):
        process.send_signal(signal.SIGHUP)  # ignored, as nohup has it
        time.sleep(1)
        assert process.poll() is None
        with LOCAL.open(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", timeout=5) as r:
            assert r.status == 200
        _stopped(process, signal.SIGTERM)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG")
def test_the_server_does_not_outlive_a_killed_cli(server: SparqlServer) -> None:
    port = free_port()
    with _serve_cli(server.store.source.parent, port) as (process, _):
        process.kill()  # SIGKILL: no cleanup in paperkg at all
        process.wait()
    assert _port_closes(port), "the oxigraph server still listens after paperkg was killed"


def test_a_request_nesting_deeply_is_answered_not_a_crash(server: SparqlServer) -> None:
    """With Rust's default thread stacks, one request nesting a few thousand brackets
    ended the server; six in a minute stopped it for good. paperkg starts it with
    larger stacks."""
    nested = ("ASK " + "{" * 100_000 + "}" * 100_000).encode()
    request = urllib.request.Request(server.endpoint, data=nested,
                                     headers={"Content-Type": "application/sparql-query"})
    with LOCAL.open(request, timeout=60) as response:
        assert response.status == 200 and json.loads(response.read())["boolean"] is True
    assert server.process.poll() is None


def test_a_crashed_server_is_started_again(server: SparqlServer) -> None:
    """One request nesting a few thousand brackets overflows the stack of a server
    started with Rust's default stacks and ends it (SIGABRT); paperkg starts it again
    and says why."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/query?"
    with _serve_cli(server.store.source.parent, port, stack=RUST_DEFAULT_STACK) as (process, _):
        crash = urllib.request.Request(
            url, data=("ASK " + "{" * 2500 + "}" * 2500).encode(),
            headers={"Content-Type": "application/sparql-query"})
        with pytest.raises((urllib.error.URLError, OSError)) as raised:
            LOCAL.open(crash, timeout=30).read()
        assert not isinstance(raised.value, urllib.error.HTTPError)  # no answer: a crash
        deadline = time.monotonic() + 30
        while True:  # the new server answers once it has started
            try:
                with LOCAL.open(url + urllib.parse.urlencode({"query": "ASK {}"}),
                                timeout=2) as response:
                    assert response.status == 200
                    break
            except (urllib.error.URLError, OSError):
                assert time.monotonic() < deadline, "no server answered after the crash"
                time.sleep(0.2)
        assert process.poll() is None
        stderr = _stopped(process, signal.SIGTERM)
    assert "the oxigraph server crashed (" in stderr and "starting it again" in stderr
    assert "crashed (no message" not in stderr  # the server's own last words are kept


def test_server_that_exits_at_once(graph_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    failing = [sys.executable, "-c", "import sys; sys.stderr.write('boom\\n'); sys.exit(3)"]
    monkeypatch.setattr(serve_module, "server_command", lambda *args: failing)
    with pytest.raises(ServeError, match=r"did not start on http://127\.0\.0\.1:\d+: boom"):
        start_server(graph_dir, port=free_port(), ready_timeout_s=10)


def test_a_start_failure_shows_the_servers_error_line(graph_dir: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    usage = ("error: unexpected argument '-w' found\n\nUsage: oxigraph serve-read-only "
             "[OPTIONS]\n\nFor more information, try '--help'.\n")
    failing = [sys.executable, "-c", f"import sys; sys.stderr.write({usage!r}); sys.exit(2)"]
    monkeypatch.setattr(serve_module, "server_command", lambda *args: failing)
    with pytest.raises(ServeError, match=r": error: unexpected argument '-w' found$"):
        start_server(graph_dir, port=free_port(), ready_timeout_s=10)


def test_a_graph_folder_named_like_an_option(graph_dir: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """`paperkg serve --graph=-w`: the folder was passed as a separate argument, and
    the server read it as an option."""
    (tmp_path / "-w").mkdir()
    shutil.copy(graph_dir / "graph.ttl", tmp_path / "-w" / "graph.ttl")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    with start_server("-w", port=free_port(), ready_timeout_s=60) as running:
        with LOCAL.open(running.endpoint + "?query=ASK%7B%7D", timeout=10) as response:
            assert response.status == 200


class _CrashedServer:
    """A stand-in server whose process was killed by a signal."""

    def __init__(self, code: int) -> None:
        self.process = type("Process", (), {"wait": lambda _self: code})()
        self.stopped = False

    def error_output(self) -> str:
        return "fatal runtime error: stack overflow, aborting"

    def stop(self) -> None:
        self.stopped = True


@pytest.mark.parametrize(("code", "starts", "expected"), [
    (-6, 3, r"stopped with exit code -6: .*stack overflow"),  # crashed again: counted
    (1, 2, r"did not start on http://127.0.0.1:1: port taken"),  # a failed start: as it was
])
def test_a_restarted_server_that_dies_before_it_is_seen_answering(
    monkeypatch: pytest.MonkeyPatch, code: int, starts: int, expected: str
) -> None:
    """A client may reach a restarted server, and crash it, before serve's own probe
    sees it answer: that is one more crash (restarted while under the limit), not a
    failed start; a restart that fails by itself says so."""
    monkeypatch.setattr(serve_module, "MAX_CRASHES", 2)
    calls: list[_CrashedServer] = []

    def start(*_args: object) -> _CrashedServer:
        calls.append(_CrashedServer(-6))
        if len(calls) > 1:
            raise serve_module._ExitedBeforeReady(
                f"the oxigraph server did not start on http://127.0.0.1:1: "
                f"{'port taken' if code >= 0 else 'stack overflow'}",
                code, "port taken" if code >= 0 else "stack overflow")
        return calls[-1]

    monkeypatch.setattr(serve_module, "start_server", start)
    with pytest.raises(ServeError, match=expected):
        serve_module.serve(Path("unused"), port=1)
    assert len(calls) == starts
    assert calls[0].stopped


def test_a_server_that_keeps_crashing_is_given_up_with_its_last_words(
    graph_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(serve_module, "MAX_CRASHES", 1)
    monkeypatch.setenv("RUST_MIN_STACK", str(RUST_DEFAULT_STACK))
    url = f"http://127.0.0.1:{(port := free_port())}/query"
    crash = ("ASK " + "{" * 2500 + "}" * 2500).encode()

    def crash_it_twice() -> None:
        deadline = time.monotonic() + 60
        for _ in range(2):
            while time.monotonic() < deadline:  # until the (new) server answers
                try:
                    LOCAL.open(f"{url}?query=ASK%7B%7D", timeout=2).read()
                    break
                except (urllib.error.URLError, OSError):
                    time.sleep(0.2)
            request = urllib.request.Request(
                url, data=crash, headers={"Content-Type": "application/sparql-query"})
            with contextlib.suppress(urllib.error.URLError, OSError):
                LOCAL.open(request, timeout=30).read()

    threading.Thread(target=crash_it_twice, daemon=True).start()
    with pytest.raises(ServeError, match=r"stopped with exit code -\d+: .*stack overflow"):
        serve_module.serve(graph_dir, port=port)
