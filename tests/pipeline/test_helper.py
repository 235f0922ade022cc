"""The helper process of a build's last stage (paperkg.helper)."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from paperkg.errors import BuildError
from paperkg.helper import Helper
from paperkg.layout import BUILD_LOCK_FILE, EXPORT_INDEX_FILE
from paperkg.pipeline import BuildOptions, _validate, build

FIXTURES = Path(__file__).parent.parent / "fixtures"


def die_unless_in(pid: int) -> str:
    """Kill the process this runs in, unless it is ``pid``."""
    if os.getpid() != pid:
        os._exit(1)
    return "ran in the build's process"


def test_a_job_runs_in_another_process_and_gives_its_result():
    with Helper(enabled=True) as helper:
        job = helper.submit(os.getpid)
        assert job.result() not in (os.getpid(), None)


def test_an_answer_not_yet_read_does_not_hold_up_the_next_job(tmp_path):
    """The build reads the layout's answer last; the helper must not wait for that
    (a full pipe) before it validates."""
    marker = tmp_path / "second job ran"
    with Helper(enabled=True) as helper:
        big = helper.submit(bytes, 4_000_000)  # far more than a pipe holds
        helper.submit(Path.write_text, marker, "yes")
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists()
        assert big.result() == bytes(4_000_000)


def test_done_tells_whether_an_answer_has_come_without_waiting():
    with Helper(enabled=True) as helper:
        slow = helper.submit(time.sleep, 3)
        start = time.monotonic()
        assert not slow.done()
        assert time.monotonic() - start < 1  # asking does not wait for the job
        fast = helper.submit(os.getpid)
        deadline = time.monotonic() + 60
        while not fast.done() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert slow.done() and fast.done()  # answers come in order: the first came first
        assert fast.result() != os.getpid()
    with Helper(enabled=False) as helper:
        assert helper.submit(os.getpid).done()  # runs here when asked for


def test_a_large_call_does_not_wait_for_the_helper_to_take_it_in_parts():
    """A call larger than a pipe's default 64 kB was written in parts, each waiting
    for the helper's reading thread to get the interpreter lock from its job."""
    if not sys.platform.startswith("linux"):
        pytest.skip("pipe sizes are set on Linux")
    import fcntl

    with Helper(enabled=True) as helper:
        helper.submit(os.getpid).result()
        for pipe in (helper._process.stdin, helper._process.stdout):
            size = fcntl.fcntl(pipe.fileno(), fcntl.F_GETPIPE_SZ)
            assert size >= min(1 << 20, int(Path("/proc/sys/fs/pipe-max-size").read_text()))
        busy = helper.submit(sum, range(30_000_000))  # a second of work
        start = time.monotonic()
        helper.submit(len, b"x" * 900_000)
        took = time.monotonic() - start
        assert took < 0.2 and busy.result() > 0


class Fragile:
    """Pickles in the helper, but cannot be rebuilt in the process ``parent``."""

    def __init__(self, parent: int):
        self.parent = parent

    def __reduce__(self):
        return rebuild_fragile, (self.parent,)


def rebuild_fragile(parent: int) -> Fragile:
    if os.getpid() == parent:
        raise ValueError("cannot be rebuilt here")
    return Fragile(parent)


def test_an_answer_that_cannot_be_read_runs_its_job_here_and_the_next_still_count():
    with Helper(enabled=True) as helper:
        fragile = helper.submit(Fragile, os.getpid())
        after = helper.submit(os.getpid)
        assert after.result() != os.getpid()  # read past the unreadable answer
        assert isinstance(fragile.result(), Fragile)  # made here instead
        assert fragile.result() is fragile.result()  # asked twice: the same answer


def test_a_job_that_exits_raises_here_and_the_helper_still_answers():
    with Helper(enabled=True) as helper:
        with pytest.raises(SystemExit):
            helper.submit(sys.exit, 3).result()
        assert helper.submit(os.getpid).result() != os.getpid()


def test_a_helper_that_prints_before_it_answers_is_not_used(tmp_path, monkeypatch):
    """A sitecustomize (or .pth file) that prints made the build read text as a frame."""
    (tmp_path / "sitecustomize.py").write_text("print('hello from sitecustomize')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with Helper(enabled=True) as helper:
        assert helper.submit(os.getpid).result() == os.getpid()


def test_a_disabled_helper_runs_jobs_here():
    with Helper(enabled=False) as helper:
        assert helper.submit(os.getpid).result() == os.getpid()


def test_a_jobs_own_error_is_raised_not_run_again():
    with Helper(enabled=True) as helper:
        with pytest.raises(ValueError, match="invalid literal"):
            helper.submit(int, "not a number").result()


def test_a_job_whose_helper_dies_runs_here():
    with Helper(enabled=True) as helper:
        assert helper.submit(die_unless_in, os.getpid()).result() == "ran in the build's process"
        assert helper.submit(os.getpid).result() == os.getpid()  # and so do the next ones


def test_a_job_the_helper_cannot_load_runs_here(tmp_path, monkeypatch):
    """A function of a module the helper cannot import (here: one only this process
    has) runs here, rather than failing the build with the helper's ImportError."""
    (tmp_path / "only_here.py").write_text("import os\ndef pid():\n    return os.getpid()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import only_here

    with Helper(enabled=True) as helper:
        helper_pid = helper.submit(os.getpid).result()
        assert helper_pid != os.getpid()
        (tmp_path / "only_here.py").unlink()  # gone before the helper looks for it
        assert helper.submit(only_here.pid).result() == os.getpid()


def test_a_script_without_a_main_guard_is_not_run_again(tmp_path):
    """A multiprocessing child imports the caller's main module again: a script that
    builds without ``if __name__ == "__main__"`` would build twice at once."""
    marker = tmp_path / "runs"
    script = tmp_path / "script.py"
    script.write_text(
        "import os\n"
        f"open({str(marker)!r}, 'a').write('run\\n')\n"
        "from paperkg.helper import Helper\n"
        "with Helper() as helper:\n"
        "    assert helper.submit(os.getpid).result() != os.getpid()\n")
    import subprocess

    subprocess.run([sys.executable, str(script)], check=True, timeout=120)
    assert marker.read_text() == "run\n"


def test_leaving_on_an_error_ends_the_helper_without_waiting_for_its_job():
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt), Helper(enabled=True) as helper:
        helper.submit(time.sleep, 60)
        process = helper._process
        raise KeyboardInterrupt
    assert time.monotonic() - start < 30
    assert process is not None and process.poll() is not None


def test_a_violation_found_by_the_helper_is_a_build_error(tmp_path):
    turtle = tmp_path / "graph.ttl"  # a paper without its title, which the shapes require
    turtle.write_text("@prefix pk: <https://w3id.org/paperkg/ontology#> .\n"
                      "<https://w3id.org/paperkg/paper/id-x> a pk:Paper .\n")
    with Helper(enabled=True) as helper:
        finish = _validate(None, turtle, "full", 1, helper)
        with pytest.raises(BuildError, match="violates ontology/shapes.ttl"):
            finish()


@pytest.mark.parametrize("validate", ["full", "sample"])
def test_a_build_with_the_helper_writes_what_one_without_it_writes(tmp_path, validate):
    outputs = {}
    for helper in (True, False):
        out = tmp_path / str(helper)
        build([str(FIXTURES / "papers.jsonl")], out,
              BuildOptions(helper=helper, validate=validate, progress=False, timings=False))
        # the lock, and the exports' index, which records the files' modification times
        outputs[helper] = {path.name: path.read_bytes() for path in sorted(out.iterdir())
                           if path.is_file() and path.name not in (BUILD_LOCK_FILE,
                                                                   EXPORT_INDEX_FILE)}
    assert outputs[True] == outputs[False]
    assert "graph.html" in outputs[True]
    report = json.loads(outputs[True]["report.json"])
    assert report["validation"]
    # found by the helper while the build made its graph, as resolution finds them
    from paperkg.extract.pipeline import Extractor
    from paperkg.extract.resources import load_resources
    from paperkg.ingest import read_inputs
    from paperkg.resolve import resolve

    papers = read_inputs([str(FIXTURES / "papers.jsonl")]).papers
    expected = resolve(Extractor().extract(papers), load_resources()).near_duplicates
    assert [(d["a"], d["b"], d["similarity"]) for d in report["near_duplicates"]] == \
        list(expected)
    assert len(expected) == 2


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_helper_ends_with_a_killed_build(tmp_path):
    import signal
    import subprocess

    script = tmp_path / "script.py"
    script.write_text(
        "import sys, time\n"
        "from paperkg.helper import Helper\n"
        "helper = Helper()\n"
        "helper.submit(len, '').result()  # the helper has started\n"
        "helper.submit(time.sleep, 120)\n"
        "print(helper._process.pid, flush=True)\n"
        "time.sleep(120)\n")
    build = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        helper_pid = int(build.stdout.readline())
        build.send_signal(signal.SIGKILL)
        build.wait(timeout=30)
        deadline = time.monotonic() + 30
        while _alive(helper_pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(helper_pid)
    finally:
        build.kill()


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped by init, does not)."""
    try:
        with open(f"/proc/{pid}/stat") as stream:
            return stream.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("threshold, started", [(1, True), (10**9, False)])
def test_a_build_uses_the_helper_from_its_threshold_on(tmp_path, monkeypatch, threshold, started):
    import paperkg.helper
    import paperkg.pipeline

    starts = []
    original = paperkg.helper._start
    monkeypatch.setattr(paperkg.helper, "_start", lambda: starts.append(1) or original())
    monkeypatch.setattr(paperkg.pipeline, "HELPER_MIN_PAPERS", threshold)
    build([str(FIXTURES / "papers.jsonl")], tmp_path / "out", BuildOptions(progress=False))
    assert bool(starts) is started


def test_the_helper_starts_and_imports_its_jobs_modules_before_resolution(tmp_path, monkeypatch):
    """An update's exports are short: its page soon waits for the layout, which found
    the helper still starting (the 10k update's html stage took 2.3-3.1 s, 2.0-2.2 s
    with the helper ready)."""
    import importlib

    import paperkg.helper
    import paperkg.pipeline

    calls = []
    submit, resolve = paperkg.helper.Helper.submit, paperkg.pipeline.resolve_keeping
    monkeypatch.setattr(paperkg.helper.Helper, "submit", lambda self, fn, *args, **kwargs: (
        calls.append((fn.__name__, args)) or submit(self, fn, *args, **kwargs)))
    monkeypatch.setattr(paperkg.pipeline, "resolve_keeping", lambda *args, **kwargs: (
        calls.append(("resolve", ())) or resolve(*args, **kwargs)))
    build([str(FIXTURES / "papers.jsonl")], tmp_path / "out",
          BuildOptions(progress=False, helper=True))
    assert calls[0] == ("preload", ("paperkg.resolve.curation", "paperkg.view.layout"))
    assert calls[1][0] == "resolve" and "force_layout" in [name for name, _ in calls]
    for module in calls[0][1]:  # names that import
        importlib.import_module(module)
