"""``paperkg query`` and ``paperkg lineage`` through the real entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from paperkg.cli import main


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, *fragments: str) -> None:
    assert code == 2
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for fragment in fragments:
        assert fragment in lines[0]


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "query", "--list")
    assert code == 0
    assert "derived-from ENTITY\n    Everything derived from a technique or model" in out
    assert "low-confidence-links [BELOW]" in out
    assert "e.g. paperkg query top-benchmarks --limit 10" in out


def test_list_in_a_subprocess() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "paperkg", "query", "--list"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "top-benchmarks" in done.stdout and "papers-evaluating-on ENTITY" in done.stdout


def test_named_query_with_positional_value(
    capsys: pytest.CaptureFixture[str], graph_dir: Path
) -> None:
    code, out, _ = run_cli(capsys, "query", "derived-from", "qlora", "--graph", str(graph_dir))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["label", "type", "depth", "parentLabel"]
    assert lines[2].split()[:4] == ["QA-LoRA", "Technique", "1", "QLoRA"]
    assert lines[-1] == "(1 row)"


def test_named_query_with_param_and_csv(
    capsys: pytest.CaptureFixture[str], graph_dir: Path
) -> None:
    code, out, _ = run_cli(
        capsys,
        "query",
        "papers-evaluating-on",
        "--param",
        "entity=MT-Bench",
        "--format",
        "csv",
        "--graph",
        str(graph_dir),
    )
    assert code == 0
    assert out.splitlines()[0] == "key,title,date,paper"
    keys = [line.split(",")[0] for line in out.splitlines()[1:]]
    assert keys == ["arxiv:2402.09353", "arxiv:2401.04088", "arxiv:2310.06825"]


def test_sparql_text_json_and_limit(capsys: pytest.CaptureFixture[str], graph_dir: Path) -> None:
    query = "SELECT ?label WHERE { ?e a pk:Benchmark ; rdfs:label ?label } ORDER BY ?label"
    code, out, _ = run_cli(
        capsys, "query", query, "--format", "json", "--limit", "2", "--graph", str(graph_dir)
    )
    assert code == 0
    document = json.loads(out)
    assert [b["label"]["value"] for b in document["results"]["bindings"]] == ["GSM8K", "HumanEval"]


def test_sparql_file(capsys: pytest.CaptureFixture[str], graph_dir: Path, tmp_path: Path) -> None:
    query_file = tmp_path / "q.rq"
    query_file.write_text("ASK { entity:QA-LoRA pk:derivedFrom+ entity:LoRA }", encoding="utf-8")
    code, out, _ = run_cli(capsys, "query", "--file", str(query_file), "--graph", str(graph_dir))
    assert (code, out) == (0, "true\n")


def test_show(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "query", "--show", "derived-from")
    assert (
        code == 0
        and out.startswith("# title: Everything derived from")
        and "pk:derivedFrom+" in out
    )


@pytest.mark.parametrize(
    ("argv", "fragments"),
    [
        (
            ["query", "ASK {}", "--graph", "{missing}"],
            ["paperkg query: error: no built graph in", "run `paperkg build` first"],
        ),
        (
            ["query", "SELECT ?x WHERE {", "--graph", "{graph}"],
            ["paperkg query: error: malformed SPARQL: 1 '{' against 0 '}': a group is not closed"],
        ),
        (
            ["query", "SELECT ?x WHERE { ?x a pk:Paper ; foo:bar 1 }", "--graph", "{graph}"],
            ["unknown prefix foo: (declare it with PREFIX foo: <IRI>; these need no "
             "declaration: dcterms:, entity:"],
        ),
        (
            # a prefix-like text in an unclosed string is no prefix
            ["query", 'SELECT ?x WHERE { ?x pk:label "a:b }', "--graph", "{graph}"],
            ["paperkg query: error: malformed SPARQL: error at 1:"],
        ),
        (
            ["query", "SELEC ?x WHERE { ?x a pk:Paper }", "--graph", "{graph}"],
            ["a query starts with SELECT, ASK, CONSTRUCT or DESCRIBE (after any PREFIX and "
             "BASE lines), not 'SELEC'"],
        ),
        (
            ["query", "SELECT ?x WHERE { ?x a pk:Paper . FILTER(?x = ) }", "--graph", "{graph}"],
            ["paperkg query: error: malformed SPARQL: error at 1:"],
        ),
        (
            ["query", "DROP ALL", "--graph", "{graph}"],
            ["DROP is a SPARQL update; the graph is read-only"],
        ),
        (
            ["query", "top-benchmark", "--graph", "{graph}"],
            ["unknown named query 'top-benchmark'; did you mean 'top-benchmarks'? choose from"],
        ),
        (["query", "derived-from", "--graph", "{graph}"], ["needs a value for 'entity'"]),
        (
            ["query", "derived-from", "LoRA", "QLoRA", "--graph", "{graph}"],
            ["takes 1 value(s), got 2"],
        ),
        (
            ["query", "derived-from", "-p", "entity", "--graph", "{graph}"],
            ["--param takes NAME=VALUE"],
        ),
        (["query", "--file", "{missing}/q.rq"], ["cannot read query file"]),
        (["query"], ["give a SPARQL query, a named query"]),
        (
            ["lineage", "Lora2", "--graph", "{graph}"],
            ["paperkg lineage: error: no entity named 'Lora2'; closest: LoRA,"],
        ),
        (
            ["lineage", "LoRA", "--graph", "{missing}"],
            ["paperkg lineage: error: no built graph in"],
        ),
        (["serve", "--graph", "{missing}"], ["paperkg serve: error: no built graph in"]),
        (
            ["serve", "--graph", "{graph}", "--timeout", "99999999999999999999"],
            ["paperkg serve: error: timeout must be between 1 and 86400 seconds"],
        ),
    ],
)
def test_errors_are_one_line(
    capsys: pytest.CaptureFixture[str],
    graph_dir: Path,
    tmp_path: Path,
    argv: list[str],
    fragments: list[str],
) -> None:
    places = {"{graph}": str(graph_dir), "{missing}": str(tmp_path / "nowhere")}
    for name, value in places.items():
        argv = [a.replace(name, value) for a in argv]
    code, _, err = run_cli(capsys, *argv)
    assert_one_line_error(code, err, *fragments)


@pytest.mark.parametrize("command", ["query", "serve", "lineage"])
def test_help_has_examples(capsys: pytest.CaptureFixture[str], command: str) -> None:
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and f"paperkg {command}" in out.split("examples:")[1]
    assert "--graph" in out


def test_bytes_that_are_not_utf8_are_one_line_errors(
        capsys: pytest.CaptureFixture[str], graph_dir: Path, tmp_path: Path) -> None:
    query_file = tmp_path / "q.rq"
    query_file.write_bytes(b'SELECT * WHERE { ?s ?p "caf\xe9" }')
    code, _, err = run_cli(capsys, "query", "--file", str(query_file), "--graph", str(graph_dir))
    assert_one_line_error(code, err, "q.rq is not UTF-8 text")
    # a shell hands bytes that are not UTF-8 to Python as lone surrogates
    latin1 = os.fsdecode(b"caf\xe9")
    for argv in (["derived-from", latin1], ["entity-search", latin1],
                 ["entity-search", "--param", f"text={latin1}"],
                 [f'SELECT * WHERE {{ ?s ?p "{latin1}" }}']):
        code, _, err = run_cli(capsys, "query", *argv, "--graph", str(graph_dir))
        assert_one_line_error(code, err, "caf\\xe9", "is not valid UTF-8 text")


@pytest.mark.parametrize(
    "sparql,expect",
    [
        ("ASK { FILTER(" + "!" * 20000 + "true) }", "true"),  # a recursion the brackets miss
        ("ASK { FILTER(" + " || ".join(["true"] * 10000) + ") }", "true"),
        ("ASK " + "{" * 2500 + "}" * 2500, "the query nests brackets 2500 deep"),
        # "<(((...)))>" looks like an IRI, "\\)" is an escaped bracket of a name
        ("ASK { FILTER(1<" + "(" * 3000 + "1" + ")" * 3000 + ">0) }",
         "the query nests brackets 3002 deep"),
        ("ASK { ?s ?p ex:a" + "\\)" * 600 + " " + "{" * 600 + "}" * 600 + " }",
         "the query nests brackets 601 deep"),
        # 400,000 characters of a chain overflow even the query's own stack
        ("ASK { FILTER(" + "!" * 400_000 + "true) }",
         "the query is 400,020 characters long; paperkg takes up to 200,000"),
        # an IRI with a \u escape was read as no IRI, and its '#' hid the brackets
        ("ASK { BIND(<http://x/\\u0041#> AS ?z) " + "{" * 50_000 + "}" * 50_000 + " }",
         "the query nests brackets 50001 deep"),
    ],
)
def test_deeply_recursive_queries_answer_or_are_refused_never_crash(
    graph_dir: Path, sparql: str, expect: str
) -> None:
    """Oxigraph parses and evaluates recursively: on a main thread's stack these
    queries of 5-40 KB ended the process with a segmentation fault."""
    done = subprocess.run(  # on stdin: 400 KB is over the limit of a command line
        [sys.executable, "-m", "paperkg", "query", "--file", "-", "--graph", str(graph_dir),
         "-q"], input=sparql, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode in (0, 2), (done.returncode, done.stderr[-300:])
    assert expect in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def test_ctrl_c_stops_a_long_query(graph_dir: Path) -> None:
    """A query runs inside Oxigraph for minutes without coming back to Python; Ctrl-C
    and SIGTERM still stop it at once (they were only seen once it had finished)."""
    import signal
    import time

    from paperkg.query.store import GraphStore

    GraphStore.open(graph_dir).close()  # the store is loaded: the signal finds the query
    process = subprocess.Popen(
        [sys.executable, "-m", "paperkg", "query", "--graph", str(graph_dir), "-q",
         "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        time.sleep(8)  # started (imports take about a second), the query running
        assert process.poll() is None, process.communicate()
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=15)
    finally:
        process.kill()
    assert process.returncode == 130
    assert err.strip().splitlines()[-1] == "paperkg query: interrupted"


def test_a_limit_beyond_any_answer_means_all_rows(
    capsys: pytest.CaptureFixture[str], graph_dir: Path
) -> None:
    huge = "99999999999999999999"
    code, out, err = run_cli(capsys, "query", "--graph", str(graph_dir), "--format", "json",
                             "--limit", huge, "SELECT ?p WHERE { ?p a pk:Paper }")
    assert code == 0, err
    everything = json.loads(out)
    code, out, err = run_cli(capsys, "query", "top-benchmarks", "--graph", str(graph_dir),
                             "--limit", huge)
    assert code == 0, err
    assert everything and "rows)" in out


def test_a_query_file_may_start_with_a_byte_order_mark(
    capsys: pytest.CaptureFixture[str], graph_dir: Path, tmp_path: Path
) -> None:
    query = tmp_path / "q.rq"
    query.write_bytes("\ufeffASK { ?p a pk:Paper }\n".encode())
    code, out, err = run_cli(capsys, "query", "--graph", str(graph_dir), "--file", str(query))
    assert (code, out.strip()) == (0, "true"), err


@pytest.mark.parametrize("argv", [["query", "ASK {}"], ["lineage", "LoRA"]])
def test_closed_standard_output_is_a_one_line_error(graph_dir: Path, argv: list[str]) -> None:
    command = " ".join([sys.executable, "-m", "paperkg", *(f"'{a}'" for a in argv),
                        "--graph", str(graph_dir), ">&-"])
    done = subprocess.run(["sh", "-c", command], capture_output=False, stderr=subprocess.PIPE,
                          text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stderr.strip() == f"paperkg {argv[0]}: error: standard output is closed"


def test_an_answer_cut_by_its_reader_is_not_a_success(graph_dir: Path) -> None:
    """``paperkg query ... | head -1`` on an answer larger than the pipe holds: the
    reader goes after one line, and the exit code says the rest was not written
    (Python's buffered writer took the half-done write for a whole one: exit 0)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "paperkg", "query", "--graph", str(graph_dir), "-q",
         "--format", "csv", "SELECT * WHERE { ?s ?p ?o }"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert process.stdout.readline().endswith(b"\r\n")  # the header, then the reader goes
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141 and stderr == "", stderr


def test_output_goes_to_a_replaced_standard_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """A notebook's stdout has a file descriptor too (the kernel's own): the answer
    must go to the stream Python prints to, not to that descriptor."""
    import io

    from paperkg.cli.query import write_stdout

    class KernelStream(io.StringIO):
        def fileno(self) -> int:
            return 1

    stream = KernelStream()
    monkeypatch.setattr(sys, "stdout", stream)
    write_stdout("answer")
    assert stream.getvalue() == "answer\n"



def test_a_non_blocking_standard_output_gets_the_whole_answer(graph_dir: Path) -> None:
    """A descriptor another program made non-blocking refuses writes while the pipe is
    full (EAGAIN); the answer waits for room instead of ending in an error."""
    import fcntl
    import time

    command = [sys.executable, "-m", "paperkg", "query", "--graph", str(graph_dir), "-q",
               "--format", "csv", "SELECT * WHERE { ?s ?p ?o }"]
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETFL, fcntl.fcntl(write_end, fcntl.F_GETFL) | os.O_NONBLOCK)
    process = subprocess.Popen(command, stdout=write_end, stderr=subprocess.PIPE)
    os.close(write_end)
    time.sleep(2)  # the pipe fills while nobody reads
    with os.fdopen(read_end, "rb") as stream:
        answer = stream.read()
    assert process.wait(timeout=60) == 0, process.stderr.read()
    expected = subprocess.run(command, capture_output=True, timeout=60, check=True).stdout
    assert len(answer) > 65536 and answer == expected


def test_a_console_that_cannot_show_a_character_gets_escapes_not_a_traceback(
        graph_dir: Path) -> None:
    sparql = 'SELECT ?x { VALUES ?x { "caf\u00e9 \u4e2d" } }'
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    outputs = {}
    for fmt in ("table", "json"):
        done = subprocess.run(
            [sys.executable, "-m", "paperkg", "query", sparql, "--graph", str(graph_dir),
             "--format", fmt], capture_output=True, env=env, timeout=120, check=False)
        assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr
        outputs[fmt] = done
    assert b"caf\\xe9 \\u4e2d" in outputs["table"].stdout
    assert b"cannot show every character" in outputs["table"].stderr
    document = json.loads(outputs["json"].stdout)  # escaped in JSON: reads back the same
    assert document["results"]["bindings"][0]["x"]["value"] == "caf\u00e9 \u4e2d"
    assert outputs["json"].stderr == b""


def test_values_after_an_option_and_arguments_that_cannot_be_used(
        capsys: pytest.CaptureFixture[str], graph_dir: Path) -> None:
    before = run_cli(capsys, "query", "derived-from", "LoRA", "--graph", str(graph_dir))
    after = run_cli(capsys, "query", "derived-from", "--graph", str(graph_dir), "LoRA")
    assert before[0] == after[0] == 0 and after[1] == before[1] and "QLoRA" in after[1]
    for argv, message in [
        (["query", " # only a comment\n", "--graph", str(graph_dir)], "the query is empty"),
        (["query", "--show", "lineage", "extra"], "--show takes no query, values or"),
        (["query", "--list", "derived-from"], "--list takes no query, values or"),
    ]:
        code, _, err = run_cli(capsys, *argv)
        assert_one_line_error(code, err, message)
