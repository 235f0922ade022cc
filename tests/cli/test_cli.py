"""The CLI through its real entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from paperkg.cli import COMMANDS, main, make_parser

FIXTURES = Path(__file__).parent.parent / "fixtures"
README = Path(__file__).parent.parent.parent / "README.md"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "paperkg", *args], capture_output=True,
                          text=True, timeout=300)


def copies_of_one_paper(path: Path, count: int) -> Path:
    """A JSON Lines corpus of ``count`` distinct papers (ids and titles numbered) long
    enough for a build to be interrupted while it runs."""
    record = json.loads((FIXTURES / "papers.jsonl").read_text().splitlines()[0])
    path.write_text("".join(
        json.dumps({**record, "id": f"x{i}", "title": f"{record['title']} {i}"}) + "\n"
        for i in range(count)))
    return path


def test_build_is_deterministic_and_complete(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        assert main(["-q", "build", str(FIXTURES / "papers.jsonl"), "--out", str(out),
                     "--no-timings", "--no-progress"]) == 0
    for name in ("graph.ttl", "graph.jsonld", "graph.graphml", "graph.html", "report.json"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    report = json.loads((first / "report.json").read_text())
    assert report["papers"] == 4 and report["skipped"] == []
    assert report["entities"]["Technique"] >= 2


def test_missing_path_is_one_line_and_exit_2(tmp_path):
    result = run_cli("build", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "o"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "nope.jsonl" in result.stderr


def test_unknown_format_is_an_error(tmp_path):
    result = run_cli("build", str(FIXTURES / "papers.jsonl"), "--format", "yaml",
                     "--out", str(tmp_path / "o"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "jsonl" in result.stderr  # the valid choices are named


def test_bad_records_are_skipped_and_reported(tmp_path):
    bad = tmp_path / "bad.jsonl"
    good = (FIXTURES / "papers.jsonl").read_text().splitlines()[0]
    bad.write_text(good + "\n{not json\n" + json.dumps({"title": "no abstract"}) + "\n")
    out = tmp_path / "o"
    assert main(["-q", "build", str(bad), "--out", str(out), "--no-html", "--no-progress"]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["papers"] == 1
    assert [(s["line"]) for s in report["skipped"]] == [2, 3]
    assert all(s["file"].endswith("bad.jsonl") and s["reason"] for s in report["skipped"])


def test_failed_build_leaves_previous_outputs(tmp_path):
    out = tmp_path / "o"
    assert main(["-q", "build", str(FIXTURES / "papers.jsonl"), "--out", str(out),
                 "--no-html", "--no-progress"]) == 0
    before = (out / "graph.ttl").read_bytes()
    assert main(["-q", "build", str(tmp_path / "missing"), "--out", str(out)]) == 2
    assert (out / "graph.ttl").read_bytes() == before
    assert not list(out.glob(".staging-*"))


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_help_with_an_example_and_is_in_the_readme(command):
    parser = make_parser()
    sub = parser._subparsers._group_actions[0].choices[command]
    help_text = sub.format_help()
    assert "example" in help_text.lower() and f"paperkg {command}" in help_text
    assert f"paperkg {command}" in README.read_text()


def test_help_runs_through_the_console_entry_point():
    result = run_cli("--help")
    assert result.returncode == 0 and "build" in result.stdout


@pytest.mark.parametrize("args,expected", [
    (["build", "--bogus"], "paperkg build: error: unrecognized arguments: --bogus "
                           "(see paperkg build --help)"),
    (["--bogus", "build"], "paperkg: error: unrecognized arguments: --bogus "
                           "(see paperkg --help)"),
    (["lineage", "LoRA", "--depth", "0"], "paperkg lineage: error: argument --depth: must be "
                                          "at least 1"),
    (["lineage", " "], "paperkg lineage: error: give the name of a model or technique"),
    (["build", "--jobs", "x"], "invalid int value"),
    (["build", "--validate", "maybe"], "invalid choice"),
    (["query", "--format", "xml", "ASK {}"], "invalid choice"),
    (["build", "--min-support", "0"], "--min-support must be at least 1"),
    (["build", "--jobs", "-1"], "--jobs must be 0"),
])
def test_bad_option_values_are_one_line_before_any_input_is_read(tmp_path, args, expected):
    result = run_cli(*args, "--out", str(tmp_path / "o")) if args[0] == "build" else run_cli(*args)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize("files,expected", [
    ({}, "holds none of entities.jsonl, stoplist.jsonl, cues.json, merges.jsonl"),
    ({"cues.json": "[1, 2]"}, 'cues.json: expected a JSON object, such as {"Model"'),
    ({"cues.json": "{"}, "cues.json:1: invalid JSON"),
    ({"cues.json": '{"Model": 5}'}, "cues.json: 'Model' must be a list of words"),
    ({"entities.jsonl": b'{"name": "Caf\xe9Net", "type": "Model"}\n'},
     "entities.jsonl: not UTF-8 text (byte 13)"),
    ({"merges.jsonl": b'{"names": ["Caf\xe9", "Cafe"]}\n'}, "merges.jsonl: not UTF-8 text"),
    ({"entities.jsonl": '{"name": "Zorb", "type": "Wizard"}\n'},
     "entities.jsonl:1: unknown type 'Wizard'; the types are Model, Dataset, Benchmark"),
    ({"entities.jsonl": '{"name": "Zorb"}\n'}, "each entity needs a name and a type"),
    ({"entities.jsonl": '{"name": "Zorb", "type": "Model", "aliases": null}\n'},
     "entities.jsonl:1: aliases must be a list of names"),
    ({"entities.jsonl": '{"name": "Zorb", "type": "Model", "aliases": "Zb"}\n'},
     "entities.jsonl:1: aliases must be a list of names, such as [\"LoRA\"]; got 'Zb'"),
    ({"entities.jsonl": '{"name": "Zorb", "type": "Model", "derived_from": 5}\n'},
     "entities.jsonl:1: derived_from must be a list of names"),
    ({"entities.jsonl": '{"name": 5, "type": "Model"}\n'},
     "entities.jsonl:1: the name must be text, got 5"),
    ({"entities.jsonl": '{"name": "-", "type": "Technique"}\n'},
     "entities.jsonl:1: the name must hold a letter or digit, got '-'"),
    ({"entities.jsonl": '{"name": "Zorb", "type": "Model", "aliases": ["Zb", "--"]}\n'},
     "entities.jsonl:1: aliases must hold letters or digits, got '--'"),
    # a stoplist row without a usable term put "None" or a list's text on the stoplist
    ({"stoplist.jsonl": '{"term": "fine"}\n{"term": null}\n'},
     'stoplist.jsonl:2: "term" must be text with a letter or digit'),
    ({"stoplist.jsonl": '{"term": ["BlipNet"]}\n'}, 'stoplist.jsonl:1: "term" must be'),
    ({"stoplist.jsonl": '{"Term": "ZorbNet"}\n'}, 'stoplist.jsonl:1: "term" must be'),
    ({"merges.jsonl": '{"names": [1, null]}\n'},
     "merges.jsonl:1: each name of a merge group must be text with a letter or digit"),
    ({"merges.jsonl": '{"names": ["A", "?"]}\n'}, "merges.jsonl:1: each name of a merge"),
])
def test_a_wrong_resource_folder_is_one_line_before_any_input_is_read(tmp_path, files,
                                                                        expected):
    folder = tmp_path / "res"
    folder.mkdir()
    for name, text in files.items():
        if isinstance(text, bytes):
            (folder / name).write_bytes(text)
        else:
            (folder / name).write_text(text)
    # the input does not exist: the resources are checked before it is looked for
    result = run_cli("build", str(tmp_path / "nowhere.jsonl"), "--resources", str(folder),
                     "--out", str(tmp_path / "o"))
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert expected in result.stderr and "Traceback" not in result.stderr


def test_an_output_path_that_is_a_file_is_refused_before_reading(tmp_path):
    taken = tmp_path / "taken"
    taken.write_text("not a folder")
    result = run_cli("build", "--out", str(taken))
    assert result.returncode == 2 and "is a file, not a folder" in result.stderr
    assert result.stderr.count("\n") == 1
    dangling = tmp_path / "link"
    dangling.symlink_to(tmp_path / "gone")
    result = run_cli("build", "--out", str(dangling))  # it said only "File exists"
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert f"is a symbolic link to {tmp_path / 'gone'}, which does not exist" in result.stderr


def test_quiet_and_verbose_work_after_the_command_too(tmp_path):
    args = ["build", str(FIXTURES / "papers.jsonl"), "--no-progress", "--no-html"]
    loud = run_cli(*args, "--out", str(tmp_path / "a"))
    quiet = run_cli(*args, "--out", str(tmp_path / "b"), "-q")
    before = run_cli("-q", *args, "--out", str(tmp_path / "c"))
    assert loud.returncode == quiet.returncode == before.returncode == 0
    assert "papers:" in loud.stdout and "INFO" in loud.stderr
    assert quiet.stdout == before.stdout == "" and "INFO" not in quiet.stderr + before.stderr


@pytest.mark.parametrize("args", [["query", "--list"], ["evaluate", "GOLD", "--details"]])
def test_a_closed_pipe_ends_the_command_quietly(args):
    """``paperkg ... | head -1``: no error once the reader has gone, whether the output
    is written while the command runs (evaluate) or flushed as it ends (query)."""
    import os

    gold = FIXTURES.parent.parent.parent / "shared" / "gold" / "dev.jsonl"
    if "GOLD" in args and not gold.exists():
        pytest.skip("needs ../shared/gold next to the repository")
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line is written
    proc = subprocess.Popen([sys.executable, "-m", "paperkg",
                             *(str(gold) if a == "GOLD" else a for a in args)],
                            stdout=write_end, stderr=subprocess.PIPE)
    os.close(write_end)
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 141 and stderr == "", stderr


def test_sigterm_cleans_up_like_ctrl_c(tmp_path):
    import signal
    import time

    corpus = copies_of_one_paper(tmp_path / "big.jsonl", 3000)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "paperkg", "build", str(corpus), "--out",
                             str(out), "--no-progress", "--jobs", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list(out.glob(".staging-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(out.glob(".staging-*")), "the build never reached its exports"
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 143 and "terminated" in stderr and "Traceback" not in stderr
    assert not list(out.glob(".staging-*"))


def test_build_help_states_the_validation_limit_the_code_uses():
    from paperkg.pipeline import FULL_VALIDATION_LIMIT

    sub = make_parser()._subparsers._group_actions[0].choices["build"]
    assert f"full up to {FULL_VALIDATION_LIMIT // 1000}k triples" in " ".join(
        sub.format_help().split())


def test_ctrl_c_during_parallel_extraction_is_one_line(tmp_path):
    """Ctrl-C in a terminal signals the whole process group, workers included."""
    import os
    import signal
    import time

    corpus = copies_of_one_paper(tmp_path / "big.jsonl", 10000)
    out = tmp_path / "out"
    # a shell without job control starts background commands with SIGINT ignored
    # (CI may run the suite so); a terminal's foreground command has it at default
    proc = subprocess.Popen([sys.executable, "-m", "paperkg", "build", str(corpus), "--out",
                             str(out), "--no-progress", "--jobs", "2"], start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stderr.readline()  # "INFO: read 10000 papers from 1 files"
    assert "read 10000 papers" in line, line
    time.sleep(2.0)  # the pool is up and extracting
    assert proc.poll() is None, "the build ended before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "Traceback" not in stderr, stderr
    assert stderr.strip().splitlines()[-1] == "paperkg build: interrupted"
    assert not out.exists() or not list(out.glob("graph.*"))


def test_a_resource_folder_may_hold_only_merges(tmp_path):
    folder = tmp_path / "res"
    folder.mkdir()
    (folder / "merges.jsonl").write_text('{"names": ["LoRA", "Low-Rank Adaptation"]}\n')
    result = run_cli("-q", "build", str(FIXTURES / "papers.jsonl"), "--resources", str(folder),
                     "--out", str(tmp_path / "o"), "--no-progress", "--no-html")
    assert result.returncode == 0, result.stderr


def test_a_file_name_that_is_not_utf8_is_read_and_reported_readably(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    # a Latin-1 file name: Python holds the byte 0xE9 as a lone surrogate
    (folder / os.fsdecode(b"caf\xe9.jsonl")).write_bytes((FIXTURES / "papers.jsonl").read_bytes())
    out = tmp_path / "o"
    result = run_cli("-q", "build", str(folder), "--out", str(out), "--no-progress", "--no-html")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["files"] == [f"{folder}/caf\\xe9.jsonl"]
    assert report["papers"] > 0 and not report["skipped"]
    # the state file holds the name too: an update reads it back
    (tmp_path / "more.jsonl").write_text("")
    update = run_cli("-q", "build", str(tmp_path / "more.jsonl"), "--update", "--out", str(out),
                     "--no-progress", "--no-html")
    assert "Traceback" not in update.stderr, update.stderr


def test_an_out_folder_whose_name_is_not_utf8_is_named_in_the_last_line(tmp_path):
    """The build succeeded, then printing the folder's name raised UnicodeEncodeError."""
    out = os.path.join(os.fsencode(tmp_path), b"caf\xe9")
    papers = FIXTURES / "papers.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "paperkg", "build", str(papers), "--out", out, "--no-progress"],
        capture_output=True, env={**os.environ, "PYTHONIOENCODING": "utf-8"}, timeout=300)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert b"wrote " + os.fsencode(tmp_path) + b"/caf\\xe9/" in done.stdout
    assert os.path.exists(os.path.join(out, b"graph.ttl"))


def test_a_resource_name_with_a_lone_surrogate_is_cleaned_like_input_text(tmp_path):
    """Resource names skipped the cleaning input records get; spaCy then raised
    UnicodeEncodeError on the lone surrogate."""
    from paperkg.extract.pipeline import Extractor, Settings
    from paperkg.records import Paper

    folder = tmp_path / "res"
    folder.mkdir()
    (folder / "entities.jsonl").write_text(
        '{"name": "Zeta\\ud800Net", "type": "Model", "aliases": ["ZN\\udfff"]}\n'
        '{"name": "Zorb\u2028Net", "type": "Model"}\n', encoding="utf-8")
    extractor = Extractor(Settings(resource_dirs=(str(folder),)))
    paper = Paper(key="id:x", title="ZetaNet", abstract="We train Zorb Net and ZN on text.")
    (extraction,) = extractor.extract([paper])
    assert "Zorb Net" in {m.text for m in extraction.mentions}


def test_builds_help_and_the_readme_give_the_papers_from_which_workers_extract():
    """The threshold is written out in the help (importing the extraction modules
    for --help would load spaCy) and the README: both must follow it."""
    from paperkg.extract.parallel import MIN_PARALLEL

    sub = make_parser()._subparsers._group_actions[0].choices["build"]
    assert f"fewer than {MIN_PARALLEL} papers" in " ".join(sub.format_help().split())
    assert f"from {MIN_PARALLEL} papers on" in " ".join(README.read_text().split())


#: runs the ``paperkg`` program with an object freed only by the interpreter's
#: teardown and an :mod:`atexit` function, each leaving a file when it runs
_PROGRAM = """
import atexit, sys, threading, time
from pathlib import Path
from paperkg.cli import program

marks = Path(sys.argv[1])

class FreedAtTeardown:
    def __del__(self):
        (marks / "teardown").write_text("freed")

kept = FreedAtTeardown()
atexit.register(lambda: (marks / "atexit").write_text("ran"))
if sys.argv[2] == "--with-thread":  # a thread still running when the command is done
    import paperkg.cli
    done, quick_exit = threading.Event(), paperkg.cli.quick_exit
    def spy(code):
        done.set()
        quick_exit(code)
    paperkg.cli.quick_exit = spy
    def late():
        done.wait(120)
        time.sleep(1)
        (marks / "thread").write_text("joined")
    threading.Thread(target=late).start()
    del sys.argv[2]
sys.argv = ["paperkg", *sys.argv[2:]]
print("before the command", flush=False)
program()
"""


def _program(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, set[str]]:
    marks = tmp_path / "marks"
    marks.mkdir()
    # buffered standard output, as a user's shell gives it: only a flush writes it
    env = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    done = subprocess.run([sys.executable, "-c", _PROGRAM, str(marks), *args],
                          capture_output=True, text=True, timeout=300, env=env)
    return done, {path.name for path in marks.iterdir()}


def test_program_leaves_without_teardown_after_a_build(tmp_path):
    out = tmp_path / "out"
    done, marks = _program(tmp_path, "build", str(FIXTURES / "papers.jsonl"), "--out",
                           str(out), "--no-progress", "--no-html")
    assert done.returncode == 0, done.stderr
    assert marks == {"atexit"}  # atexit functions ran; the heap was not freed
    assert done.stdout.startswith("before the command\n")  # buffered output flushed
    assert f"wrote {out}/" in done.stdout
    report = json.loads((out / "report.json").read_text())
    assert report["papers"] > 0 and (out / "graph.ttl").stat().st_size > 0


def test_program_keeps_the_exit_code_of_a_failed_build(tmp_path):
    done, marks = _program(tmp_path, "build", "--update", str(FIXTURES / "papers.jsonl"),
                           "--out", str(tmp_path / "nothing-built"), "--no-progress")
    assert done.returncode == 2
    assert "no earlier build to update" in done.stderr
    assert done.stdout == "before the command\n"  # flushed before the process left
    assert marks == {"atexit"}


def test_program_exits_as_usual_after_other_commands(tmp_path):
    done, marks = _program(tmp_path, "query", "--list")
    assert done.returncode == 0, done.stderr
    assert marks == {"atexit", "teardown"}  # the control: a teardown frees the object
    assert "derived-from" in done.stdout


def test_program_waits_for_a_running_thread(tmp_path):
    done, marks = _program(tmp_path, "--with-thread", "build", str(FIXTURES / "papers.jsonl"),
                           "--out", str(tmp_path / "out"), "--no-progress", "--no-html")
    assert done.returncode == 0, done.stderr
    assert {"atexit", "thread"} <= marks  # the interpreter joined the thread, as usual
