"""Outputs are replaced only by a whole, successful build; nothing read is lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rdflib import Graph, Namespace
from rdflib.namespace import RDF

from paperkg.commit import complete_commit
from paperkg.errors import PaperKGError, QueryError
from paperkg.layout import COMMIT_FILE, OUTPUT_FILES
from paperkg.pipeline import BuildOptions, build
from paperkg.query.store import GraphStore

FIXTURES = Path(__file__).parent.parent / "fixtures"
PK = Namespace("https://w3id.org/paperkg/ontology#")


def snapshot(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in OUTPUT_FILES if (out / name).is_file()}


def corpus(path: Path, papers: int) -> Path:
    rows = [json.loads(line) for line in (FIXTURES / "papers.jsonl").read_text().splitlines()]
    with path.open("w") as stream:
        for i in range(papers):
            row = dict(rows[i % len(rows)], id=f"gen-{i}")
            row["title"] = f"{row['title']} (part {i})"
            stream.write(json.dumps(row) + "\n")
    return path


def test_a_failing_build_leaves_the_previous_outputs(tmp_path, monkeypatch):
    out = tmp_path / "out"
    build([FIXTURES / "papers.jsonl"], out, BuildOptions(progress=False))
    before = snapshot(out)

    def broken(*args, **kwargs):
        raise PaperKGError("disk full (simulated)")

    monkeypatch.setattr("paperkg.pipeline.write_graphml", broken)
    with pytest.raises(PaperKGError):
        build([corpus(tmp_path / "more.jsonl", 8)], out, BuildOptions(progress=False))
    assert snapshot(out) == before
    assert not list(out.glob(".staging-*"))


def test_an_output_the_new_build_does_not_write_is_not_left_from_the_old_one(tmp_path):
    out = tmp_path / "out"
    build([FIXTURES / "papers.jsonl"], out, BuildOptions(progress=False))
    assert (out / "graph.html").exists()
    build([corpus(tmp_path / "more.jsonl", 3)], out, BuildOptions(progress=False, html=False))
    assert not (out / "graph.html").exists()  # it would show the first build's graph
    assert set(snapshot(out)) == set(OUTPUT_FILES) - {"graph.html"}


def test_a_killed_build_leaves_the_previous_outputs(tmp_path):
    out = tmp_path / "out"
    build([FIXTURES / "papers.jsonl"], out, BuildOptions(progress=False, html=False))
    before = snapshot(out)
    big = corpus(tmp_path / "big.jsonl", 8000)
    process = subprocess.Popen(
        [sys.executable, "-m", "paperkg", "-q", "build", str(big), "--out", str(out),
         "--no-progress", "--jobs", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(2.0)
    assert process.poll() is None, "the build finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert snapshot(out) == before
    # the next build clears what the killed one left behind
    build([FIXTURES / "papers.jsonl"], out, BuildOptions(progress=False, html=False))
    assert not list(out.glob(".staging-*"))


def test_every_valid_record_is_a_paper_and_every_other_is_reported(tmp_path):
    good = (FIXTURES / "papers.jsonl").read_text().splitlines()
    lines = [good[0], "{broken json", json.dumps({"title": "only a title"}), good[1],
             json.dumps({"title": "T", "abstract": ""}), json.dumps([1, 2]), good[0], good[2],
             json.dumps({"abstract": "no title here"}), good[3]]
    (tmp_path / "mixed.jsonl").write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    report = build([tmp_path / "mixed.jsonl"], out, BuildOptions(progress=False, html=False))
    data = json.loads((out / "report.json").read_text())
    assert data["records"] == len(lines)
    assert data["records"] == data["papers"] + data["duplicates"] + len(data["skipped"])
    assert data["papers"] == 4 and data["duplicates"] == 1
    assert sorted(s["line"] for s in data["skipped"]) == [2, 3, 5, 6, 9]
    graph = Graph().parse(out / "graph.ttl", format="turtle")
    assert len(set(graph.subjects(RDF.type, PK.Paper))) == report.papers == 4


def stop_between_two_renames(tmp_path: Path, monkeypatch) -> tuple[Path, Path, Path]:
    """A build of a new corpus into ``out`` stopped after its first output's rename;
    returns ``out``, a clean build of the new corpus, and the new corpus."""
    out, expected = tmp_path / "out", tmp_path / "expected"
    new_corpus = corpus(tmp_path / "more.jsonl", 5)
    build([new_corpus], expected, BuildOptions(progress=False, timings=False))
    build([FIXTURES / "papers.jsonl"], out, BuildOptions(progress=False, timings=False))
    renames = []
    real_replace = os.replace

    def stopping(source, target):  # the commit marker, graph.ttl, then a stop
        renames.append(Path(target).name)
        if len(renames) == 3:
            raise KeyboardInterrupt
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", stopping)
    with pytest.raises(KeyboardInterrupt):
        build([new_corpus], out, BuildOptions(progress=False, timings=False))
    monkeypatch.setattr(os, "replace", real_replace)
    assert renames == [COMMIT_FILE, "graph.ttl", "graph.jsonld"]
    assert (out / "graph.ttl").read_bytes() == (expected / "graph.ttl").read_bytes()
    assert snapshot(out) != snapshot(expected)  # half new: the stop left it so
    return out, expected, new_corpus


@pytest.mark.parametrize("completed_by", ["build", "query"])
def test_a_build_stopped_between_two_renames_is_completed_by_the_next(tmp_path, monkeypatch,
                                                                      completed_by):
    """The outputs are renamed into place one by one; a stop in between left a folder
    with a new graph.ttl next to the old report.json and state. The next build into
    the folder, or the next query of it, completes the renames first."""
    out, expected, new_corpus = stop_between_two_renames(tmp_path, monkeypatch)
    if completed_by == "build":
        complete_commit(out)  # as the next build into the folder does first
    else:
        with GraphStore.open(out) as store:
            papers = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?p a <{PK.Paper}> }}")
        assert int(papers.rows[0][0].value) == 5
    assert snapshot(out) == snapshot(expected)
    assert not (out / COMMIT_FILE).exists() and not list(out.glob(".staging-*"))
    # an update then reads the completed build's state: no paper is extracted again
    report = build([new_corpus], out, BuildOptions(progress=False, timings=False, update=True))
    assert report.update["extracted"] == 0 and report.papers == 5


def test_a_query_that_cannot_complete_a_stopped_build_says_so_in_one_line(tmp_path,
                                                                         monkeypatch):
    out, _expected, _corpus = stop_between_two_renames(tmp_path, monkeypatch)

    def refused(source, target):
        raise PermissionError(13, "Permission denied", str(target))

    monkeypatch.setattr(os, "replace", refused)
    with pytest.raises(QueryError, match=r"^the last build into .* was stopped while it "
                       r"replaced its outputs, and they cannot be completed \(.*Permission "
                       r"denied.*\); run the build again$"):
        GraphStore.open(out)


def test_a_folder_named_like_an_output_fails_the_build_before_anything_is_replaced(tmp_path):
    out = tmp_path / "out"
    build([FIXTURES / "papers.jsonl"], out, BuildOptions(progress=False, timings=False))
    (out / "graph.html").unlink()
    (out / "graph.html").mkdir()
    (out / "graph.html" / "x").write_text("x")
    before = snapshot(out)
    with pytest.raises(PaperKGError, match="a folder has that name"):
        build([corpus(tmp_path / "more.jsonl", 3)], out, BuildOptions(progress=False, timings=False))
    assert snapshot(out) == before and not list(out.glob(".staging-*"))


@pytest.mark.parametrize("out_name", [".", "outputs"])
def test_a_second_build_of_a_folder_holding_its_outputs_reads_only_the_papers(tmp_path,
                                                                              out_name):
    """`paperkg build .` (outputs/ inside the input folder) or `--out` the input folder."""
    corpus(tmp_path / "papers.jsonl", 4)
    out = tmp_path / out_name
    options = BuildOptions(progress=False, timings=False)
    first = build([tmp_path], out, options)
    outputs = snapshot(out)
    second = build([tmp_path], out, options)
    data = json.loads((out / "report.json").read_text())
    assert (second.papers, data["records"], data["skipped"]) == (first.papers, 4, [])
    assert data["files"] == [f"{tmp_path}/papers.jsonl"]
    assert snapshot(out) == outputs
